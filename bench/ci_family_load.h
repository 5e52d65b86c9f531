/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CI scenario family's draws for the C++ benchmarks, read from the text file
 * written by `/usr/bin/python3 bench/ci_family.py --export FILE` (one draw per line).
 */
#ifndef INCLUDED_ISAC_BENCH_CI_FAMILY_LOAD_H
#define INCLUDED_ISAC_BENCH_CI_FAMILY_LOAD_H

#include "driver_args.h"
#include <gnuradio/isac/core/ci_solver.h>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace gr::isac::core;

struct instance {
    int n_tx, index, U, M, n_rx;
    double gamma_db, snr_c_db, target_deg;
    std::vector<double> clutter_deg, cnr_db;
    cmat H;
    std::vector<int> k;
};

inline std::string family_file = "/tmp/ci_family.txt";
inline std::map<int, std::vector<instance>> family;

inline void load_family()
{
    std::ifstream f(family_file);
    std::string line;
    while (std::getline(f, line)) {
        std::istringstream s(line);
        instance d;
        int Q;
        s >> d.n_tx >> d.index >> d.U >> d.M >> d.gamma_db >> d.snr_c_db >> d.n_rx >>
            d.target_deg >> Q;
        d.clutter_deg.resize(Q);
        d.cnr_db.resize(Q);
        for (auto& v : d.clutter_deg)
            s >> v;
        for (auto& v : d.cnr_db)
            s >> v;
        d.H.resize(d.U, d.n_tx);
        for (int u = 0; u < d.U; ++u)
            for (int j = 0; j < d.n_tx; ++j) {
                double re, im;
                s >> re >> im;
                d.H(u, j) = cdouble(re, im);
            }
        d.k.resize(d.U);
        for (auto& v : d.k)
            s >> v;
        if (s)
            family[d.n_tx].push_back(std::move(d));
    }
}

//! The draw's radar scene (SNR_R = 15 dB, as bench/ci_family.py).
inline radar_scene family_scene(const instance& d)
{
    std::vector<double> clutter, cnr;
    for (double a : d.clutter_deg)
        clutter.push_back(deg2rad(a));
    for (double c : d.cnr_db)
        cnr.push_back(db2lin(c));
    return radar_scene(
        d.n_tx, d.n_rx, deg2rad(d.target_deg), clutter, std::pow(10, 1.5), cnr);
}

//! The draw's parameters (E = 1) with a preset.
inline ci_params family_params(const instance& d, ci_preset preset)
{
    ci_params p;
    p.psk_order = d.M;
    p.noise_var = std::pow(10.0, -d.snr_c_db / 10.0);
    p.gamma = std::pow(10.0, d.gamma_db / 10.0);
    p.solver = preset;
    return p;
}

//! The preset's tuning with CI_TUNING="key=value,..." applied (studies: integer
//! values, feasible_margin a real, homotopy as a/b/c).
inline ci_tuning tuning_overrides(ci_tuning t)
{
    const char* env = std::getenv("CI_TUNING");
    if (!env)
        return t;
    std::istringstream s(env);
    std::string kv;
    while (std::getline(s, kv, ',')) {
        const auto eq = kv.find('=');
        const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
        const long x = std::atol(v.c_str());
        if (k == "phases")
            t.phases = int(x);
        else if (k == "phase_paths")
            t.phase_paths = int(x);
        else if (k == "feasible_start")
            t.feasible_start = x != 0;
        else if (k == "lp_every_step")
            t.lp_every_step = x != 0;
        else if (k == "early_stop")
            t.early_stop = x != 0;
        else if (k == "merge_runs")
            t.merge_runs = x != 0;
        else if (k == "polish")
            t.polish = x != 0;
        else if (k == "lp_starts")
            t.lp_starts = int(x);
        else if (k == "core_nodes")
            t.core_nodes = x;
        else if (k == "feasible_margin")
            t.feasible_margin = std::atof(v.c_str());
        else if (k == "random_starts")
            t.random_starts = int(x);
        else if (k == "random_rounds")
            t.random_rounds = int(x);
        else if (k == "stationary_nodes")
            t.stationary_nodes = x;
        else if (k == "feasibility_nodes")
            t.feasibility_nodes = x;
        else if (k == "homotopy") {
            t.homotopy.clear();
            std::istringstream h(v);
            std::string e;
            while (std::getline(h, e, '/'))
                t.homotopy.push_back(std::atoi(e.c_str()));
        } else {
            std::fprintf(stderr, "CI_TUNING: unknown key %s\n", k.c_str());
            std::exit(2);
        }
    }
    return t;
}

//! The draw's real-time solver (CI_TUNING applied) with its channel set.
inline ci_solver realtime_solver(const instance& d)
{
    ci_solver s(family_scene(d),
                d.U,
                family_params(d, ci_preset::realtime),
                tuning_overrides(ci_preset_tuning(ci_preset::realtime, d.n_tx)));
    s.set_channel(d.H);
    return s;
}

//! The calling thread's CPU time in seconds (this VM's CLOCK_THREAD_CPUTIME_ID costs
//! ~3 us a read).
inline double thread_seconds()
{
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

/*!
 * Reads the next draw of a flowgraph benchmark's stream (`bench/bench_ci_block.py ...
 * --export-stream FILE`: lines "draw count U k_0 ... k_{count U - 1}"): its family
 * draw at N_T = N, its vector count and the symbol indices (count x U). Returns 0
 * at the end of the file, -1 (with a message) on a malformed line or an unknown draw.
 */
inline int
read_stream_draw(FILE* f, int N, const instance*& d, int& count, std::vector<int>& ks)
{
    int index, U;
    if (std::fscanf(f, "%d %d %d", &index, &count, &U) != 3)
        return 0;
    ks.resize(size_t(count) * U);
    for (auto& v : ks)
        if (std::fscanf(f, "%d", &v) != 1) {
            std::fprintf(stderr, "malformed stream line (draw %d)\n", index);
            return -1;
        }
    d = nullptr;
    for (const auto& x : family[N])
        if (x.index == index)
            d = &x;
    if (!d || d->U != U) {
        std::fprintf(stderr, "draw %d at N_T = %d not in the family file\n", index, N);
        return -1;
    }
    return 1;
}

//! Takes --family=FILE out of argv (the remaining arguments go to the benchmark).
inline void family_arg(int& argc, char** argv)
{
    if (const char* f = take_arg(argc, argv, "--family="))
        family_file = f;
}

//! The draws at N_T = N; exits with a message naming the file when it has none
//! (a missing file reads as an empty family).
inline const std::vector<instance>& family_draws(int N)
{
    const auto it = family.find(N);
    if (it == family.end() || it->second.empty()) {
        std::fprintf(stderr,
                     "no draws at N_T = %d in %s (write them with "
                     "/usr/bin/python3 bench/ci_family.py --export %s)\n",
                     N,
                     family_file.c_str(),
                     family_file.c_str());
        std::exit(2);
    }
    return it->second;
}

} // namespace

#endif
