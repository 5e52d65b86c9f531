/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CI safe-margin precoder, one thread (pin it: taskset -c 0).
 *  - BM_ci_family/N_T/preset: direct designs per second over the scenario family's
 *    draws at that N_T (docs/ci_precoder.md), 64 random symbol vectors per draw;
 *    preset 0 realtime, 1 quality, 2 table, 4 fast (ci_preset). The draws come from
 *    a file written by
 *      /usr/bin/python3 bench/ci_family.py --export FILE
 *    and given as --family=FILE (default /tmp/ci_family.txt).
 *    CI_TUNING="key=value,..." overrides the preset's tuning for studies (integer
 *    values; homotopy as a/b/c).
 *  - BM_ci_family_pool/N_T/threads: the same draws (real-time preset) in batches of 256
 *    on a worker_pool, wall clock: the scaling ratio of the block's pool.
 *  - BM_ci_lut_build/N_T: one full table (1-bit ISAC paper scene, U = 4, 8-PSK:
 *    4096 symbol vectors, 1024 solved) with the table preset; BM_ci_lut_stream/N_T
 *    against BM_memcpy_out/N_T: table lookups of a 4096-vector batch vs a memcpy of
 *    the output.
 */
#include "ci_family_load.h"
#include <gnuradio/isac/core/ci_solver.h>
#include <gnuradio/isac/core/worker_pool.h>
#include <benchmark/benchmark.h>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace gr::isac::core;

namespace {

std::unique_ptr<ci_solver> make_solver(const instance& d, ci_preset preset)
{
    const ci_params p = family_params(d, preset);
    auto s = std::make_unique<ci_solver>(
        family_scene(d), d.U, p, tuning_overrides(ci_preset_tuning(preset, d.n_tx)));
    s->set_channel(d.H);
    return s;
}

void BM_ci_family(benchmark::State& st)
{
    const int N = int(st.range(0));
    const auto preset = ci_preset(st.range(1));
    const auto& draws = family[N];
    if (draws.empty()) {
        st.SkipWithError(("no family draws at this N_T in " + family_file).c_str());
        return;
    }
    struct job {
        const ci_solver* s;
        std::vector<int> k;
    };
    std::vector<std::unique_ptr<ci_solver>> solvers;
    std::vector<job> jobs;
    std::mt19937 rng(3);
    constexpr int per_draw = 64;
    for (const auto& d : draws) {
        solvers.push_back(make_solver(d, preset));
        std::uniform_int_distribution<int> ud(0, d.M - 1);
        for (int v = 0; v < per_draw; ++v) {
            std::vector<int> k(d.U);
            for (auto& e : k)
                e = ud(rng);
            jobs.push_back({ solvers.back().get(), v == 0 ? d.k : k });
        }
    }
    // interleave the draws as a channel-hopping stream would
    std::vector<job> order;
    for (int v = 0; v < per_draw; ++v)
        for (size_t i = 0; i < draws.size(); ++i)
            order.push_back(jobs[i * per_draw + v]);
    size_t i = 0;
    long infeasible = 0;
    for (auto _ : st) {
        const job& j = order[i++ % order.size()];
        const ci_result r = j.s->solve_indices(j.k);
        infeasible += !r.feasible;
        benchmark::DoNotOptimize(r.x.data());
    }
    st.SetItemsProcessed(st.iterations());
    st.counters["infeasible_frac"] = double(infeasible) / double(st.iterations());
}

// The block's pattern: batches of 256 family vectors (as one work() call) designed on
// a worker_pool of `threads` threads, wall-clock rate; threads 1 vs 2 in one run is the
// pool's scaling ratio without the GNU Radio scheduler.
void BM_ci_family_pool(benchmark::State& st)
{
    const int N = int(st.range(0)), threads = int(st.range(1));
    const auto& draws = family[N];
    if (draws.empty()) {
        st.SkipWithError(("no family draws at this N_T in " + family_file).c_str());
        return;
    }
    std::vector<std::unique_ptr<ci_solver>> solvers;
    for (const auto& d : draws)
        solvers.push_back(make_solver(d, ci_preset::realtime));
    constexpr long batch = 256;
    std::mt19937 rng(3);
    std::vector<std::pair<const ci_solver*, std::vector<int>>> jobs;
    for (long i = 0; i < batch; ++i) {
        const size_t di = size_t(i) % draws.size();
        std::uniform_int_distribution<int> ud(0, draws[di].M - 1);
        std::vector<int> k(draws[di].U);
        for (auto& e : k)
            e = ud(rng);
        jobs.emplace_back(solvers[di].get(), k);
    }
    std::vector<double> out(batch);
    worker_pool pool(threads);
    const std::function<void(long)> f = [&](long i) {
        out[i] = jobs[i].first->solve_indices(jobs[i].second).metric;
    };
    for (auto _ : st) {
        pool.run(batch, f);
        benchmark::DoNotOptimize(out.data());
    }
    st.SetItemsProcessed(st.iterations() * batch);
}

// 1-bit ISAC paper scene for the table benchmarks: U = 4, 8-PSK, Gamma = 5 dB,
// SNR_C = 5 dB
constexpr int U = 4, M = 8, batch = 4096;

ci_solver table_solver(int N)
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
    p.solver = ci_preset::table;
    ci_solver s(sc, U, p);
    std::mt19937 rng(1);
    std::normal_distribution<double> nd(0.0, std::sqrt(0.5));
    cmat H(U, N);
    for (int i = 0; i < U; ++i)
        for (int j = 0; j < N; ++j)
            H(i, j) = cdouble(nd(rng), nd(rng));
    s.set_channel(H);
    return s;
}

void BM_ci_lut_build(benchmark::State& st)
{
    const int N = int(st.range(0));
    const ci_solver s = table_solver(N);
    for (auto _ : st) {
        ci_lut lut(N, U, M);
        benchmark::DoNotOptimize(lut.build(s));
    }
    st.SetItemsProcessed(st.iterations() * 4096);
}

void BM_ci_lut_stream(benchmark::State& st)
{
    const int N = int(st.range(0));
    const ci_solver s = table_solver(N);
    ci_lut lut(N, U, M);
    lut.build(s);
    std::mt19937 rng(3);
    std::uniform_int_distribution<int> ud(0, M - 1);
    std::vector<int> k(size_t(batch) * U);
    for (auto& e : k)
        e = ud(rng);
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

// second argument: the preset (0 realtime, 1 quality, 2 table, 4 fast)
BENCHMARK(BM_ci_family)
    ->ArgNames({ "N_T", "preset" })
    ->ArgsProduct({ { 16, 32, 64, 128 }, { 0, 1, 2, 4 } })
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ci_family_pool)
    ->ArgNames({ "N_T", "threads" })
    ->ArgsProduct({ { 16, 64 }, { 1, 2 } })
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ci_lut_build)
    ->Arg(16)
    ->Arg(64)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_ci_lut_stream)->Arg(16)->Arg(64)->Arg(128)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_memcpy_out)->Arg(16)->Arg(64)->Arg(128)->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv)
{
    family_arg(argc, argv);
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--help") == 0)
            std::printf(
                "usage: bench_ci_precoder [--family=FILE] [Google Benchmark flags]\n"
                "  FILE: bench/ci_family.py --export FILE (default "
                "/tmp/ci_family.txt)\n");
    load_family();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
