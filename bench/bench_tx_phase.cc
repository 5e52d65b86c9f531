/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Transmit calibration's lag search (core::tx_phase_estimator while it looks for the
 * loop lag) at the over-the-air flowgraph's settings: n_tx = 4, max_lag = 1024,
 * blocks of 32 snapshots, the echo a random mix of the transmit channels 300
 * snapshots late plus noise. BM_tx_phase_lag_search times the estimator;
 * BM_lag_search_volk_reference the same energies with one VOLK conjugate dot
 * product per lag and antenna (the estimator's previous kernel).
 * BM_tx_phase_estimate: one gains-phase estimate at the known lag over the
 * stream's snapshots after it (n_avg 16000), the CFO grid, the fractional-lag
 * search and the standard error included: the burst that ends every estimate
 * on the block's thread.
 */
#include <gnuradio/isac/core/tx_phase.h>
#include <benchmark/benchmark.h>
#include <volk/volk.h>
#include <complex>
#include <random>
#include <vector>

using namespace gr::isac::core;

namespace {
constexpr int n_tx = 4, max_lag = 1024, B = 32, lag = 300;
constexpr long n_snap = 16384;

struct scene {
    std::vector<cfloat> x, y;
};

const scene& stream()
{
    static const scene s = [] {
        scene s;
        std::mt19937 rng(9);
        std::normal_distribution<float> nd;
        std::uniform_int_distribution<int> b(0, 1);
        s.x.resize(size_t(n_snap) * n_tx);
        for (auto& v : s.x)
            v = cfloat(b(rng) ? 0.35f : -0.35f, b(rng) ? 0.35f : -0.35f);
        cfloat g[n_tx];
        for (auto& v : g)
            v = cfloat(nd(rng), nd(rng));
        s.y.resize(size_t(n_snap));
        for (long t = 0; t < n_snap; ++t) {
            cfloat a(nd(rng), nd(rng));
            if (t >= lag)
                for (int n = 0; n < n_tx; ++n)
                    a += g[n] * s.x[size_t(t - lag) * n_tx + n];
            s.y[size_t(t)] = a;
        }
        return s;
    }();
    return s;
}

void BM_tx_phase_lag_search(benchmark::State& st)
{
    const scene& s = stream();
    for (auto _ : st) {
        // n_avg beyond the stream: the whole run is the lag search
        tx_phase_estimator e(n_tx, 0.0, 0.5, max_lag, 4 * n_snap, B, 12.0);
        benchmark::DoNotOptimize(e.process(s.x.data(), s.y.data(), n_snap));
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * n_snap);
    st.SetLabel("vs BM_lag_search_volk_reference");
}
BENCHMARK(BM_tx_phase_lag_search)->Unit(benchmark::kMillisecond);

void BM_tx_phase_estimate(benchmark::State& st)
{
    const scene& s = stream();
    for (auto _ : st) {
        tx_phase_estimator e(n_tx, 0.0, 0.5, max_lag, 16000, B, 12.0);
        e.set_lag(lag);
        if (!e.process(s.x.data(), s.y.data(), n_snap))
            st.SkipWithError("no estimate");
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * n_snap);
}
BENCHMARK(BM_tx_phase_estimate)->Unit(benchmark::kMillisecond);

void BM_lag_search_volk_reference(benchmark::State& st)
{
    const scene& s = stream();
    const size_t len = size_t(max_lag + B);
    std::vector<double> E(max_lag + 1);
    std::vector<cfloat> xa(len * n_tx), hist(len * n_tx, cfloat(0, 0));
    for (auto _ : st) {
        std::fill(E.begin(), E.end(), 0.0);
        std::fill(hist.begin(), hist.end(), cfloat(0, 0));
        for (long b0 = 0; b0 + B <= n_snap; b0 += B) {
            std::copy(s.x.begin() + b0 * n_tx,
                      s.x.begin() + (b0 + B) * n_tx,
                      hist.begin() + size_t(max_lag) * n_tx);
            for (size_t j = 0; j < len; ++j)
                for (int n = 0; n < n_tx; ++n)
                    xa[size_t(n) * len + j] = hist[j * n_tx + n];
            for (int k = 0; k <= max_lag; ++k) {
                double e = 0.0;
                for (int n = 0; n < n_tx; ++n) {
                    lv_32fc_t v;
                    volk_32fc_x2_conjugate_dot_prod_32fc(&v,
                                                         s.y.data() + b0,
                                                         xa.data() + size_t(n) * len +
                                                             (max_lag - k),
                                                         B);
                    e += std::norm(std::complex<double>(v));
                }
                E[size_t(k)] += e;
            }
            std::copy(hist.begin() + size_t(B) * n_tx, hist.end(), hist.begin());
        }
        benchmark::DoNotOptimize(E.data());
    }
    if (std::max_element(E.begin(), E.end()) - E.begin() != lag)
        st.SkipWithError("the reference missed the lag");
    st.SetItemsProcessed(int64_t(st.iterations()) * n_snap);
}
BENCHMARK(BM_lag_search_volk_reference)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
