/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Where the real-time CI precoder's time goes on the scenario family (not a
 * benchmark of one kernel): every family draw at the given N_T with `per_draw`
 * random symbol vectors, each designed once (thread CPU time) and classified as
 *   feasible        the design meets every QoS row, and the max-min start's search
 *                   (stopped at the preset's margin) found a feasible point;
 *   bnb-found       the design meets every QoS row, but only after that search
 *                   found none (the feasibility search ran before the beam runs);
 *   lp-infeasible   the max-min LP (Lagrangian) bound is < 0: proven at once;
 *   bnb-proven      LP-feasible, the feasibility branch and bound proved that no
 *                   alphabet point is feasible within feasibility_nodes;
 *   bnb-undecided   LP-feasible, the branch and bound ran out of nodes.
 * The classification repeats the max-min search and the feasibility search outside
 * the timed design.
 *   /usr/bin/python3 bench/ci_family.py --export /tmp/ci_family.txt --draws 20
 *   build/bench/ci_family_cost --family=/tmp/ci_family.txt 16 [per_draw]
 * CI_TUNING="key=value,..." overrides the real-time preset's tuning (as for
 * bench_ci_precoder).
 *
 * --stream=FILE: the core alone on the symbol vectors of a flowgraph benchmark
 * (`bench/bench_ci_block.py ... --export-stream FILE`), in its order, one solver per
 * draw as the block builds; thread CPU time per draw, read once per draw (this VM's
 * CLOCK_THREAD_CPUTIME_ID costs ~3 us, a few % of a design when read per vector):
 *   build/bench/ci_family_cost --family=/tmp/ci_family.txt --stream=/tmp/s.txt 64
 */
#include "ci_family_load.h"
#include <gnuradio/isac/core/ci_ilp.h>
#include <gnuradio/isac/core/ci_solver.h>
#include <algorithm>
#include <cstdio>
#include <random>

using namespace gr::isac::core;

namespace {
// The core on a recorded stream: lines "draw count U k_0 ... k_{count U - 1}".
int stream_cost(int N, const char* path)
{
    FILE* f = std::fopen(path, "r");
    if (!f) {
        std::fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    int count, got;
    const instance* d;
    std::vector<int> ks;
    double total = 0, setup = 0;
    long vectors = 0;
    while ((got = read_stream_draw(f, N, d, count, ks)) > 0) {
        const int index = d->index, U = d->U;
        const double t0 = thread_seconds();
        const ci_solver s = realtime_solver(*d);
        std::vector<int> k(U);
        const double t1 = thread_seconds();
        for (int v = 0; v < count; ++v) {
            std::copy(
                ks.begin() + size_t(v) * U, ks.begin() + size_t(v + 1) * U, k.begin());
            s.solve_indices(k);
        }
        const double t2 = thread_seconds();
        setup += t1 - t0;
        total += t2 - t1;
        vectors += count;
        std::printf("  draw %2d: U = %d, %4d vectors, %.1f us CPU per vector\n",
                    index,
                    U,
                    count,
                    (t2 - t1) / count * 1e6);
    }
    std::fclose(f);
    if (got < 0 || !vectors)
        return 1;
    std::printf("N_T = %d, stream %s: %ld vectors, %.1f us CPU per vector (%.2fk per CPU "
                "second); solvers and channels %.1f ms\n",
                N,
                path,
                vectors,
                total / vectors * 1e6,
                vectors / total * 1e-3,
                setup * 1e3);
    return 0;
}
} // namespace

int main(int argc, char** argv)
{
    family_arg(argc, argv);
    const char* stream = take_arg(argc, argv, "--stream=");
    const auto args = driver_args(
        argc,
        argv,
        "usage: ci_family_cost [--family=FILE] [--stream=FILE] [N_T [PER_DRAW]]\n"
        "  N_T: 16 by default, 64 with --stream; PER_DRAW: random vectors per draw (64), "
        "not with --stream",
        stream ? 1 : 2);
    load_family();
    if (stream)
        return stream_cost(positional(args, 0, 64), stream);
    const int N = positional(args, 0, 16);
    const int per_draw = positional(args, 1, 64);
    const char* names[5] = {
        "feasible", "lp-infeasible", "bnb-proven", "bnb-undecided", "bnb-found"
    };
    double seconds[5] = {};
    long count[5] = {}, nodes = 0;
    double bnb_seconds[2] = {};
    long bnb_nodes[2] = {};
    double total = 0;
    long vectors = 0;
    std::mt19937 rng(3);
    for (const auto& d : family_draws(N)) {
        const ci_solver s = realtime_solver(d);
        std::uniform_int_distribution<int> ud(0, d.M - 1);
        for (int v = 0; v < per_draw; ++v) {
            std::vector<int> k(d.U);
            for (auto& e : k)
                e = ud(rng);
            const double t0 = thread_seconds();
            const ci_result r = s.solve_indices(k);
            const double dt = thread_seconds() - t0;
            total += dt;
            ++vectors;
            int cat = 0;
            cvec sv(d.U);
            for (int u = 0; u < d.U; ++u)
                sv[u] = psk_point(d.M, k[u]);
            const rmat At = ci_real_constraints(ci_constraint_matrix(d.H, sv, d.M));
            const rvec lam = rvec::Constant(At.rows(), s.lambda());
            if (r.feasible && s.tuning().feasible_start) {
                const ilp_result mm =
                    ilp_maxmin_heuristic(At,
                                         lam,
                                         s.amplitude(),
                                         false,
                                         rvec(),
                                         0.0,
                                         {},
                                         s.tuning().feasible_margin * s.lambda());
                // the test design_qos makes (maxmin_meets)
                if (!(mm.feasible && mm.objective >= -1e-10 * (1.0 + s.lambda())))
                    cat = 4;
            }
            if (!r.feasible) {
                const ilp_result h = ilp_maxmin_heuristic(
                    At, lam, s.amplitude(), false, rvec(), 0.0, {}, 0.0);
                const double t1 = thread_seconds();
                const ilp_result f = ilp_qos_feasibility(
                    At, lam, s.amplitude(), s.tuning().feasibility_nodes, {}, &h);
                const double bnb_dt = thread_seconds() - t1;
                cat = !(f.lp_bound >= 0) ? 1 : f.optimal ? 2 : 3;
                if (cat >= 2) {
                    nodes += f.nodes;
                    bnb_seconds[cat - 2] += bnb_dt;
                    bnb_nodes[cat - 2] += f.nodes;
                }
            }
            seconds[cat] += dt;
            ++count[cat];
        }
    }
    if (!vectors) {
        std::fprintf(
            stderr, "no family draws at N_T = %d in %s\n", N, family_file.c_str());
        return 1;
    }
    std::printf("N_T = %d: %ld vectors, %.1f us CPU per vector (%.2fk per CPU second)\n",
                N,
                vectors,
                total / vectors * 1e6,
                vectors / total * 1e-3);
    for (int c = 0; c < 5; ++c)
        std::printf("  %-14s share %.3f  %8.1f us each  %5.1f %% of the time\n",
                    names[c],
                    double(count[c]) / vectors,
                    count[c] ? seconds[c] / count[c] * 1e6 : 0.0,
                    100.0 * seconds[c] / total);
    if (count[2] + count[3])
        std::printf("  branch-and-bound nodes per LP-feasible infeasible vector: %.0f\n",
                    double(nodes) / double(count[2] + count[3]));
    for (int c = 2; c < 4; ++c)
        if (count[c] && bnb_nodes[c - 2])
            std::printf(
                "  %-14s feasibility branch and bound alone: %.1f us, %.0f nodes, "
                "%.2f us per node\n",
                names[c],
                bnb_seconds[c - 2] / count[c] * 1e6,
                double(bnb_nodes[c - 2]) / count[c],
                bnb_seconds[c - 2] / bnb_nodes[c - 2] * 1e6);
    return 0;
}
