/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * isac_channel simulator core, single thread: snapshots/s at n_tx = n_rx = N
 * with n_users = 4 and Q = 2 clutter patches (the operating points),
 * against memcpy of the same output bytes from the input buffer (the floor any
 * block writing n_users + n_rx samples per snapshot pays). Each iteration is
 * one work()-sized batch of 4096 snapshots.
 *
 * The Gaussian generator is benchmarked against libstdc++'s
 * std::normal_distribution on std::mt19937_64 (the obvious alternative).
 */
#include <gnuradio/isac/core/channel.h>
#include <benchmark/benchmark.h>
#include <cstring>
#include <random>
#include <vector>

using namespace gr::isac::core;

namespace {
constexpr int batch = 4096;

channel_params params(int n, long cpi_len)
{
    channel_params p;
    p.n_tx = n;
    p.n_rx = n;
    p.n_users = 4;
    p.seed = 1;
    p.target_rad = deg2rad(10);
    p.clutter_rad = { deg2rad(-50), deg2rad(30) };
    p.cnr_db = { 30, 30 };
    p.target_snr_db = 15;
    p.cpi_len = cpi_len;
    return p;
}

std::vector<cfloat> input(int n)
{
    std::vector<cfloat> x(size_t(n) * batch);
    gaussian_rng g(3);
    g.fill_cn(x.data(), x.size(), 1.0f);
    return x;
}

void run_channel(benchmark::State& st, long cpi_len)
{
    const int n = st.range(0);
    isac_channel_model m(params(n, cpi_len));
    auto x = input(n);
    std::vector<cfloat> y(size_t(4) * batch), r(size_t(n) * batch);
    for (auto _ : st) {
        long done = 0;
        while (done < batch) {
            if (m.comm_due())
                m.draw_comm();
            if (m.cpi_due())
                m.draw_gains();
            done += m.process(x.data() + done * n, y.data() + done * 4, r.data() + done * n,
                              batch - done);
        }
        benchmark::DoNotOptimize(r.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
    st.SetLabel("vs BM_channel_memcpy/" + std::to_string(n));
}

//! Static gains over the batch (one CPI per 4096 snapshots).
void BM_channel(benchmark::State& st) { run_channel(st, batch); }
//! Swerling-I gains redrawn every snapshot (1-bit ISAC paper Monte-Carlo style),
//! compared with the naive simulator below.
void BM_channel_cpi1(benchmark::State& st)
{
    run_channel(st, 1);
    st.SetLabel("vs BM_naive_cpi1/" + std::to_string(st.range(0)));
}

/*!
 * What the issue rules out, for scale: per snapshot, form the dense
 * n_rx x n_tx echo matrix G = sum_q gamma_q g_R g_T^T (the gains change every
 * snapshot at cpi_len = 1), r = G x, y = H x, and noise from
 * std::normal_distribution on mt19937_64. Same sizes and draws per snapshot.
 */
void BM_naive_cpi1(benchmark::State& st)
{
    const int n = st.range(0);
    const channel_params p = params(n, 1);
    auto x = input(n);
    std::vector<cfloat> y(size_t(4) * batch), r(size_t(n) * batch);
    std::mt19937_64 rng(7);
    std::normal_distribution<float> nd(0.0f, std::sqrt(0.5f));
    isac_channel_model m(p); // for H and the steering vectors only
    const cmatf H = m.H().cast<cfloat>();
    const cmatf GR = m.rx_steering().cast<cfloat>();
    const cmatf GT = m.tx_rows().cast<cfloat>();
    const rvec z = m.zeta2();
    cmatf G(n, n);
    for (auto _ : st) {
        for (int t = 0; t < batch; ++t) {
            G.setZero();
            for (int q = 0; q < GR.cols(); ++q) {
                const cfloat g(std::sqrt(float(z[q])) * nd(rng), std::sqrt(float(z[q])) * nd(rng));
                G.noalias() += (g * GR.col(q)) * GT.row(q);
            }
            Eigen::Map<const cvecf> xt(x.data() + size_t(t) * n, n);
            Eigen::Map<cvecf> yt(y.data() + size_t(t) * 4, 4);
            Eigen::Map<cvecf> rt(r.data() + size_t(t) * n, n);
            for (int u = 0; u < 4; ++u)
                yt[u] = cfloat(nd(rng), nd(rng));
            for (int i = 0; i < n; ++i)
                rt[i] = cfloat(nd(rng), nd(rng));
            yt.noalias() += H * xt;
            rt.noalias() += G * xt;
        }
        benchmark::DoNotOptimize(r.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
}

void BM_channel_memcpy(benchmark::State& st)
{
    const int n = st.range(0);
    auto x = input(n);
    std::vector<cfloat> y(size_t(4) * batch), r(size_t(n) * batch);
    for (auto _ : st) {
        std::memcpy(y.data(), x.data(), y.size() * sizeof(cfloat));
        std::memcpy(r.data(), x.data(), r.size() * sizeof(cfloat));
        benchmark::DoNotOptimize(y.data());
        benchmark::DoNotOptimize(r.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
}

void BM_gauss_ziggurat(benchmark::State& st)
{
    gaussian_rng g(5);
    std::vector<float> v(batch);
    for (auto _ : st) {
        for (auto& f : v)
            f = g.normal();
        benchmark::DoNotOptimize(v.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
    st.SetLabel("vs BM_gauss_std_normal");
}

void BM_gauss_std_normal(benchmark::State& st)
{
    std::mt19937_64 rng(5);
    std::normal_distribution<float> nd;
    std::vector<float> v(batch);
    for (auto _ : st) {
        for (auto& f : v)
            f = nd(rng);
        benchmark::DoNotOptimize(v.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
}
} // namespace

BENCHMARK(BM_channel)->Arg(16)->Arg(64);
BENCHMARK(BM_channel_cpi1)->Arg(16)->Arg(64);
BENCHMARK(BM_channel_memcpy)->Arg(16)->Arg(64);
BENCHMARK(BM_naive_cpi1)->Arg(16)->Arg(64);
BENCHMARK(BM_gauss_ziggurat);
BENCHMARK(BM_gauss_std_normal);
BENCHMARK_MAIN();
