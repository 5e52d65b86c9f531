/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Null-space precoder benchmarks, single thread.
 *  - BM_superimpose/N: the block's streaming kernel x_n = F s_n + (P B)[:, n mod L]
 *    on one work()-sized batch of 4096 snapshots, K = 4 users, L = 32.
 *  - BM_eigen_gemm/N: the baseline, Eigen's GEMM X = F S of the same sizes (the
 *    multiply alone, without the sensing add), measured in the same run.
 *  - BM_beampattern_design/N: one complete SD-ISAC design (ZF at 10 dB, K = 4,
 *    MM-LineSearch to rel. change 1e-6 on a 0.5 deg grid, 3 targets, L = 32);
 *    null-space paper Table I reports 0.39-0.70 s for MM-LineSearch at N = 20.
 *  - BM_isl_design/N and BM_minpower/N for reference.
 */
#include "../lib/core/qa_util.h"
#include <gnuradio/isac/core/comm_precoder.h>
#include <gnuradio/isac/core/nullspace.h>
#include <benchmark/benchmark.h>
#include <random>

using namespace gr::isac::core;

namespace {
constexpr int batch = 4096;
constexpr int K = 4;
constexpr int L = 32;

using qa::randn;

void BM_superimpose(benchmark::State& st)
{
    const int N = st.range(0);
    const cmatf F = randn(N, K, 1).cast<cfloat>();
    const cmatf M = randn(N, L, 2).cast<cfloat>();
    const cmatf S = randn(K, batch, 3).cast<cfloat>();
    cmatf X(N, batch);
    long phase = 0;
    for (auto _ : st) {
        superimpose(S.data(), X.data(), batch, F, M, phase);
        phase += batch;
        benchmark::DoNotOptimize(X.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
    st.SetLabel("vs BM_eigen_gemm/" + std::to_string(N));
}

void BM_eigen_gemm(benchmark::State& st)
{
    const int N = st.range(0);
    const cmatf F = randn(N, K, 1).cast<cfloat>();
    const cmatf S = randn(K, batch, 3).cast<cfloat>();
    cmatf X(N, batch);
    for (auto _ : st) {
        X.noalias() = F * S;
        benchmark::DoNotOptimize(X.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
}

sdisac_params design_params(const std::string& sensing)
{
    sdisac_params p;
    p.frame_len = L;
    p.power = 1.0;
    p.comm = "zf";
    p.sinr = rvec::Constant(1, db2lin(10));
    p.noise_var = 0.01;
    p.sensing = sensing;
    p.targets_rad = { deg2rad(-40), 0.0, deg2rad(40) };
    p.beam_width_rad = deg2rad(10);
    p.grid_step_rad = deg2rad(0.5);
    p.tol = 1e-6;
    p.max_iter = 500;
    return p;
}

void run_design(benchmark::State& st, const std::string& sensing)
{
    const int N = st.range(0);
    const cmat H = randn(K, N, 4);
    const sdisac_params p = design_params(sensing);
    int iters = 0;
    double pslr = 0;
    for (auto _ : st) {
        sdisac_design d = design_sdisac(H, p);
        iters = d.iterations;
        pslr = d.pslr_db;
        benchmark::DoNotOptimize(d.B.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()));
    st.counters["iterations"] = iters;
    st.counters["pslr_db"] = pslr;
}

void BM_beampattern_design(benchmark::State& st) { run_design(st, "beampattern"); }
void BM_isl_design(benchmark::State& st) { run_design(st, "isl"); }

void BM_minpower(benchmark::State& st)
{
    const int N = st.range(0);
    const cmat H = randn(K, N, 5);
    const rvec g = rvec::Constant(K, db2lin(10));
    for (auto _ : st) {
        auto r = minpower_precoder(H, g, 0.01);
        benchmark::DoNotOptimize(r.F.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()));
}
} // namespace

BENCHMARK(BM_superimpose)->Arg(16)->Arg(64);
BENCHMARK(BM_eigen_gemm)->Arg(16)->Arg(64);
BENCHMARK(BM_beampattern_design)->Arg(20)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_isl_design)->Arg(20)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_minpower)->Arg(20)->Arg(64)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
