/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Regression harness for performance work on the CI precoder: prints every design
 * (x, feasibility, MM iterations, QSCNR, gap) of a fixed instance set as hex floats,
 * so two builds can be compared bit for bit (cmp). Instances: real-time default at
 * N_T = 16, 32, 64, 128 (100 each), LP at every step, homotopy {4, 8, 12}, quality
 * preset and table settings at N_T = 32 (20 each), exact branch and bound at N_T = 6,
 * U = 2 (10); the optional argument multiplies every count. Not a benchmark; built
 * as build/bench/ci_designs_dump. Compare two builds of the core library:
 *   LD_LIBRARY_PATH=<old build>/lib build/bench/ci_designs_dump 10 > before.txt
 *   build/bench/ci_designs_dump 10 > after.txt && cmp before.txt after.txt
 */
#include "driver_args.h"
#include <gnuradio/isac/core/ci_solver.h>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
using namespace gr::isac::core;

static void run(const char* tag,
                int N,
                int U,
                ci_params p,
                int n_inst,
                unsigned seed,
                const ci_tuning* t = nullptr)
{
    radar_scene sc(N,
                   128,
                   deg2rad(10),
                   { deg2rad(-50), deg2rad(30) },
                   std::pow(10, 1.5),
                   { 1000.0, 1000.0 });
    std::mt19937 rng(seed);
    std::normal_distribution<double> nd(0.0, std::sqrt(0.5));
    std::uniform_int_distribution<int> ud(0, p.psk_order - 1);
    ci_solver s = t ? ci_solver(sc, U, p, *t) : ci_solver(sc, U, p);
    for (int t = 0; t < n_inst; ++t) {
        if (t % 10 == 0) { // a new channel every 10 symbol vectors
            cmat H(U, N);
            for (int i = 0; i < U; ++i)
                for (int j = 0; j < N; ++j)
                    H(i, j) = cdouble(nd(rng), nd(rng));
            s.set_channel(H);
        }
        std::vector<int> k(U);
        for (auto& e : k)
            e = ud(rng);
        const ci_result r = s.solve_indices(k);
        std::printf("%s N=%d t=%d feas=%d it=%d opt=%d metric=%a gap=%a x=",
                    tag,
                    N,
                    t,
                    int(r.feasible),
                    r.iterations,
                    int(r.optimal),
                    r.metric,
                    r.gap);
        for (Eigen::Index j = 0; j < r.x.size(); ++j)
            std::printf("%a,%a;", r.x[j].real(), r.x[j].imag());
        std::printf("\n");
    }
}

int main(int argc, char** argv)
{
    const int reps = positional(driver_args(argc,
                                            argv,
                                            "usage: ci_designs_dump [REPS]\n"
                                            "  REPS: instance-count multiplier (1)",
                                            1),
                                0,
                                1);
    ci_params p;
    p.psk_order = 8;
    p.noise_var = std::pow(10, -0.5);
    p.gamma = std::pow(10, 0.5);
    for (int N : { 16, 32, 64, 128 })
        run("rt", N, 4, p, 100 * reps, 100 + N);
    ci_tuning lpevery = ci_preset_tuning(ci_preset::realtime, 32);
    lpevery.lp_every_step = true;
    run("lpevery", 32, 4, p, 20 * reps, 7, &lpevery);
    ci_tuning h = ci_preset_tuning(ci_preset::realtime, 32);
    h.homotopy = { 4, 8, 12 };
    run("homotopy", 32, 4, p, 20 * reps, 8, &h);
    ci_params q = p;
    q.solver = ci_preset::quality;
    run("quality", 32, 4, q, 20 * reps, 9);
    q.solver = ci_preset::table;
    run("table", 32, 4, q, 20 * reps, 10);
    q.solver = ci_preset::exact;
    run("exact", 6, 2, q, 10 * reps, 11);
    return 0;
}
