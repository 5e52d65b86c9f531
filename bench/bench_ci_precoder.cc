/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CI safe-margin precoder, single thread, seed-000 scene (spec 8.1: N_R = 128,
 * theta_0 = 10 deg, clutter -50/30 deg, SNR_R = 15 dB, CNR = 30 dB), U = 4,
 * 8-PSK, Gamma = 5 dB, SNR_C = E/sigma_C^2 = 5 dB, h_u ~ CN(0, I).
 *  - BM_ci_realtime/N_T/config: direct designs per second (config 0: real-time
 *    default, 1: the full MM loop with the LP at every step, 2: quality preset).
 *  - BM_ci_lut_build/N_T: one full table (8^4 = 4096 symbol vectors, 1024 solved).
 *  - BM_ci_lut_stream/N_T vs BM_memcpy_out/N_T: table lookup of a 4096-vector
 *    batch against a memcpy of the same output bytes.
 */
#include <gnuradio/isac/core/ci_solver.h>
#include <benchmark/benchmark.h>
#include <cstring>
#include <random>
#include <vector>

using namespace gr::isac::core;

namespace {
constexpr int U = 4, M = 8, batch = 4096;

// config: 0 the real-time default, 1 the full MM loop with the LP in every step, 2 the
// quality preset (solver="quality"), 3 the configuration the block builds its lookup
// tables with
ci_solver make_solver(int N, unsigned seed = 1, int config = 0)
{
    radar_scene sc(N,
                   128,
                   deg2rad(10),
                   { deg2rad(-50), deg2rad(30) },
                   std::pow(10, 1.5),
                   { 1000.0, 1000.0 });
    ci_params p;
    p.psk_order = M;
    p.noise_var = std::pow(10, -0.5);
    p.gamma = std::pow(10, 0.5);
    if (config == 2)
        p.solver = ci_preset::quality;
    if (config == 3)
        p.solver = ci_preset::table;
    ci_tuning t = ci_preset_tuning(p.solver, N);
    if (config == 1) { // the full MM loop with the LP in every step
        t.lp_every_step = true;
        t.early_stop = false;
    }
    ci_solver s(sc, U, p, t);
    std::mt19937 rng(seed);
    std::normal_distribution<double> nd(0.0, std::sqrt(0.5));
    cmat H(U, N);
    for (int i = 0; i < U; ++i)
        for (int j = 0; j < N; ++j)
            H(i, j) = cdouble(nd(rng), nd(rng));
    s.set_channel(H);
    return s;
}

std::vector<std::vector<int>> symbol_vectors(int n)
{
    std::mt19937 rng(3);
    std::uniform_int_distribution<int> ud(0, M - 1);
    std::vector<std::vector<int>> k(n, std::vector<int>(U));
    for (auto& v : k)
        for (auto& e : v)
            e = ud(rng);
    return k;
}

void BM_ci_realtime(benchmark::State& st)
{
    const int N = int(st.range(0));
    const ci_solver s = make_solver(N, 1, int(st.range(1)));
    const auto k = symbol_vectors(256);
    size_t i = 0;
    long infeasible = 0;
    double gap = 0;
    for (auto _ : st) {
        const ci_result r = s.solve_indices(k[i++ % k.size()]);
        infeasible += !r.feasible;
        gap += r.gap;
        benchmark::DoNotOptimize(r.x.data());
    }
    st.SetItemsProcessed(st.iterations());
    st.counters["infeasible_frac"] = double(infeasible) / double(st.iterations());
    st.counters["gap_mean"] = gap / double(st.iterations());
}

void BM_ci_lut_build(benchmark::State& st)
{
    const int N = int(st.range(0));
    const ci_solver s = make_solver(N, 1, 3);
    for (auto _ : st) {
        ci_lut lut(N, U, M);
        benchmark::DoNotOptimize(lut.build(s));
    }
    st.SetItemsProcessed(st.iterations() * 4096);
}

void BM_ci_lut_stream(benchmark::State& st)
{
    const int N = int(st.range(0));
    const ci_solver s = make_solver(N, 1, 3);
    ci_lut lut(N, U, M);
    lut.build(s);
    const auto kv = symbol_vectors(batch);
    std::vector<int> k(size_t(batch) * U);
    for (int b = 0; b < batch; ++b)
        for (int u = 0; u < U; ++u)
            k[size_t(b) * U + u] = kv[b][u];
    std::vector<cfloat> out(size_t(batch) * N);
    for (auto _ : st) {
        for (int b = 0; b < batch; ++b)
            lut.lookup(&k[size_t(b) * U], &out[size_t(b) * N]);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(st.iterations() * batch);
    st.SetBytesProcessed(st.iterations() * batch * N * sizeof(cfloat));
    st.SetLabel("vs BM_memcpy_out/" + std::to_string(N));
}

void BM_memcpy_out(benchmark::State& st)
{
    const int N = int(st.range(0));
    std::vector<cfloat> in(size_t(batch) * N, cfloat(1, -1)), out(in.size());
    for (auto _ : st) {
        std::memcpy(out.data(), in.data(), in.size() * sizeof(cfloat));
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(st.iterations() * batch);
    st.SetBytesProcessed(st.iterations() * batch * N * sizeof(cfloat));
}
} // namespace

// second argument: 0 the real-time default, 1 the full MM loop with the LP relaxation
// re-solved at every step (no early stop), 2 the quality preset (threshold homotopy)
BENCHMARK(BM_ci_realtime)
    ->ArgNames({ "N_T", "config" })
    ->ArgsProduct({ { 16, 32, 64, 128 }, { 0, 1, 2 } })
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ci_lut_build)
    ->Arg(16)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_ci_lut_stream)->Arg(16)->Arg(64)->Arg(128)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_memcpy_out)->Arg(16)->Arg(64)->Arg(128)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
