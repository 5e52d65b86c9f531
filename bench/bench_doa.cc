/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DoA MLE throughput (estimates/s, one core): one CPI of L = 64 snapshots of
 * N_R = 16 or 64 antennas, grid 0.1 deg over [-90, 90] (1801 angles), then
 * refinement. Baselines in the same executable:
 *  - BM_grid_gemm: the straightforward Bartlett grid search, the Eigen GEMM
 *    of the 1801 x N grid matrix B^H with the sample covariance R followed by
 *    the row-wise dot with conj(B) and the argmax (R given, no refinement);
 *  - BM_memcpy_cpi: copying the CPI's N*L complex samples.
 */
#include <gnuradio/isac/core/doa.h>
#include <benchmark/benchmark.h>
#include <cstring>
#include <random>
#include <vector>

using namespace gr::isac::core;

namespace {
constexpr int L = 64;

struct cpi_data {
    std::vector<cfloat> Y, c;
};

cpi_data make_cpi(int n, int L = ::L)
{
    std::mt19937 rng(1);
    std::normal_distribution<float> nd(0.0f, std::sqrt(0.5f));
    cpi_data d;
    d.c.resize(L);
    for (auto& v : d.c)
        v = cfloat(nd(rng), nd(rng));
    const cvec b = ula_steering(n, deg2rad(23.4), array_convention::midpoint_positive());
    d.Y.resize(size_t(n) * L);
    for (int t = 0; t < L; ++t)
        for (int i = 0; i < n; ++i)
            d.Y[size_t(t) * n + i] = 0.5f * cfloat(b[i]) * d.c[t] + cfloat(nd(rng), nd(rng));
    return d;
}

void run_estimator(benchmark::State& st, doa_mode mode, doa_refine rf)
{
    const int n = st.range(0);
    auto d = make_cpi(n);
    doa_mle_core est(n, -pi / 2, pi / 2, deg2rad(0.1), 1.0, mode, 1.0, rf);
    for (auto _ : st) {
        auto r = est.estimate(d.Y.data(), L, d.c.data());
        benchmark::DoNotOptimize(r.theta_rad);
    }
    st.SetItemsProcessed(int64_t(st.iterations()));
    st.SetLabel("vs BM_grid_gemm/" + std::to_string(n));
}

// The over-the-air flowgraph's DoA (isac_usrp_ota: bistatic_doa_rx in "known" mode,
// N_R = 4, CPI 256, the same 0.1 deg grid and Newton refinement): one estimate per
// 256 snapshots.
void BM_doa_known_ota(benchmark::State& st)
{
    const int n = 4, len = 256;
    auto d = make_cpi(n, len);
    doa_mle_core est(
        n, -pi / 2, pi / 2, deg2rad(0.1), 1.0, doa_mode::known, 0.0, doa_refine::newton);
    for (auto _ : st) {
        auto r = est.estimate(d.Y.data(), len, d.c.data());
        benchmark::DoNotOptimize(r.theta_rad);
    }
    st.SetItemsProcessed(int64_t(st.iterations()));
    st.SetLabel("vs BM_memcpy_cpi/4 (L = 64)");
}

void BM_doa_gaussian(benchmark::State& st) { run_estimator(st, doa_mode::gaussian, doa_refine::newton); }
void BM_doa_gaussian_parabolic(benchmark::State& st)
{
    run_estimator(st, doa_mode::gaussian, doa_refine::parabolic);
}
void BM_doa_known(benchmark::State& st) { run_estimator(st, doa_mode::known, doa_refine::newton); }
void BM_doa_mixed(benchmark::State& st) { run_estimator(st, doa_mode::mixed, doa_refine::newton); }

// Known mode with Q = range(1) clutter angles projected out (random references
// c_{q,t}): the cost over BM_doa_known of the Q x Q algebra and the grid
// denominators.
void BM_doa_known_clutter(benchmark::State& st)
{
    const int n = st.range(0), Q = st.range(1);
    auto d = make_cpi(n);
    std::mt19937 rng(2);
    std::normal_distribution<float> nd(0.0f, std::sqrt(0.5f));
    std::vector<cfloat> cq(size_t(L) * Q);
    for (auto& v : cq)
        v = cfloat(nd(rng), nd(rng));
    doa_mle_core est(
        n, -pi / 2, pi / 2, deg2rad(0.1), 1.0, doa_mode::known, 0.0, doa_refine::newton);
    std::vector<double> ang;
    for (int q = 0; q < Q; ++q)
        ang.push_back(deg2rad(-50.0 + 37.0 * q));
    est.set_clutter(ang);
    for (auto _ : st) {
        auto r = est.estimate(d.Y.data(), L, d.c.data(), {}, cq.data());
        benchmark::DoNotOptimize(r.theta_rad);
    }
    st.SetItemsProcessed(int64_t(st.iterations()));
    st.SetLabel("vs BM_doa_known/" + std::to_string(n));
}

void BM_grid_gemm(benchmark::State& st)
{
    const int n = st.range(0);
    auto d = make_cpi(n);
    std::vector<double> grid;
    for (int m = 0; m <= 1800; ++m)
        grid.push_back(deg2rad(-90.0 + 0.1 * m));
    const cmatf B = ula_steering_matrix(n, grid, array_convention::midpoint_positive())
                        .cast<cfloat>();
    const cmatf BH = B.adjoint();
    Eigen::Map<const cmatf> Y(d.Y.data(), n, L);
    const cmatf R = Y * Y.adjoint() / float(L);
    cmatf T(BH.rows(), n);
    for (auto _ : st) {
        T.noalias() = BH * R;
        Eigen::Index im;
        (T.cwiseProduct(B.transpose())).rowwise().sum().real().maxCoeff(&im);
        benchmark::DoNotOptimize(im);
    }
    st.SetItemsProcessed(int64_t(st.iterations()));
}

void BM_memcpy_cpi(benchmark::State& st)
{
    const int n = st.range(0);
    auto d = make_cpi(n);
    std::vector<cfloat> out(d.Y.size());
    for (auto _ : st) {
        std::memcpy(out.data(), d.Y.data(), d.Y.size() * sizeof(cfloat));
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()));
}
} // namespace

BENCHMARK(BM_doa_gaussian)->Arg(16)->Arg(64);
BENCHMARK(BM_doa_gaussian_parabolic)->Arg(16)->Arg(64);
BENCHMARK(BM_doa_known)->Arg(16)->Arg(64);
BENCHMARK(BM_doa_mixed)->Arg(16)->Arg(64);
BENCHMARK(BM_doa_known_clutter)->Args({ 16, 1 })->Args({ 16, 3 })->Args({ 64, 3 });
BENCHMARK(BM_grid_gemm)->Arg(16)->Arg(64);
BENCHMARK(BM_doa_known_ota);
BENCHMARK(BM_memcpy_cpi)->Arg(4)->Arg(16)->Arg(64);
BENCHMARK_MAIN();
