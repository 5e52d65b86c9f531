/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Over-the-air user receiver (core::user_receiver) throughput, single thread, at the
 * over-the-air flowgraph's frame (n_tx = 4, payload 880, QPSK): a stream of precoded
 * frames through a random channel row with a fractional start delay, a CFO and
 * white noise (known-section SNR ~10 dB), pushed in work()-sized batches of 4096
 * samples. Every frame is tracked and its payload decided (a reference row is set).
 * Baseline: memcpy of the same samples, the cost of touching the data once.
 * BM_psk_decisions* time the decision alone (core::psk_round) against std::atan2 +
 * std::lround on the same noisy QPSK symbols; BM_fast_atan2_n the receiver's
 * payload angles against the scalar fast_atan2; BM_psk_index_cache the decisions of
 * reference symbols (exact points) against psk_index.
 */
#include <gnuradio/isac/core/frame.h>
#include <gnuradio/isac/core/safe_margin.h>
#include <gnuradio/isac/core/user_rx.h>
#include <benchmark/benchmark.h>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace gr::isac::core;

namespace {
constexpr int batch = 4096;
constexpr int n_tx = 4, payload = 880, n_frames = 200;

struct stream {
    std::vector<cfloat> y;
    cvec g;
};

const stream& ota_stream()
{
    static const stream s = [] {
        stream s;
        frame_format f;
        f.n_tx = n_tx;
        f.payload_len = payload;
        const frame_patterns pat(f);
        std::mt19937 rng(7);
        std::normal_distribution<double> nd;
        s.g = cvec(n_tx);
        for (int n = 0; n < n_tx; ++n)
            s.g[n] = cdouble(nd(rng), nd(rng)) / std::sqrt(2.0);
        const double amp = std::sqrt(1.0 / (2.0 * n_tx));
        std::vector<cfloat> x;
        for (int k = 0; k < n_frames; ++k) {
            const cmatf K = pat.known(true, uint64_t(k));
            for (int t = 0; t < f.frame_len(); ++t) {
                cdouble v(0, 0);
                for (int n = 0; n < n_tx; ++n) {
                    const cdouble e = t < f.known_len() ? cdouble(K(n, t))
                                                        : cdouble(nd(rng) < 0 ? -1 : 1,
                                                                  nd(rng) < 0 ? -1 : 1);
                    v += s.g[n] * amp * e;
                }
                x.push_back(cfloat(v));
            }
        }
        // start 137.3 samples in, CFO 2e-4 cycles/sample, noise 0.05
        const frac_interp interp(16);
        const size_t lead = 137 + 32;
        std::vector<cfloat> xp(lead + x.size() + 32, cfloat(0, 0));
        std::copy(x.begin(), x.end(), xp.begin() + lead);
        s.y.resize(x.size() + 137);
        interp.run(xp.data() + 32, -0.3, s.y.data(), s.y.size());
        const double sd = std::sqrt(0.05 / 2);
        for (size_t i = 0; i < s.y.size(); ++i)
            s.y[i] = s.y[i] * cfloat(std::polar(1.0, 2 * pi * 2e-4 * double(i))) +
                     cfloat(float(sd * nd(rng)), float(sd * nd(rng)));
        return s;
    }();
    return s;
}

void BM_user_receiver(benchmark::State& st)
{
    const stream& s = ota_stream();
    user_rx_params p;
    p.format.n_tx = n_tx;
    p.format.payload_len = payload;
    rx_frame f;
    uint64_t decided = 0;
    for (auto _ : st) {
        user_receiver r(p);
        r.set_reference(s.g, 0);
        for (size_t i = 0; i < s.y.size(); i += batch) {
            r.push(s.y.data() + i, std::min<size_t>(batch, s.y.size() - i));
            while (r.pop(f))
                decided += f.decided;
        }
    }
    if (decided < uint64_t(st.iterations()) * (n_frames - 12))
        st.SkipWithError(("frames were not decided: " + std::to_string(decided)).c_str());
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(s.y.size()));
    st.SetLabel("vs BM_memcpy");
}
BENCHMARK(BM_user_receiver)->Unit(benchmark::kMillisecond);

void BM_memcpy(benchmark::State& st)
{
    const stream& s = ota_stream();
    std::vector<cfloat> out(batch);
    for (auto _ : st) {
        for (size_t i = 0; i < s.y.size(); i += batch) {
            const size_t n = std::min<size_t>(batch, s.y.size() - i);
            std::memcpy(out.data(), s.y.data() + i, n * sizeof(cfloat));
            benchmark::DoNotOptimize(out.data());
        }
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(s.y.size()));
}
BENCHMARK(BM_memcpy)->Unit(benchmark::kMillisecond);

const std::vector<cfloat>& noisy_qpsk()
{
    static const std::vector<cfloat> v = [] {
        std::mt19937 rng(3);
        std::normal_distribution<float> nd;
        std::vector<cfloat> v(1 << 16);
        for (auto& z : v)
            z = cfloat(nd(rng) < 0 ? -1.f : 1.f, nd(rng) < 0 ? -1.f : 1.f) +
                0.3f * cfloat(nd(rng), nd(rng));
        return v;
    }();
    return v;
}

void BM_psk_decisions(benchmark::State& st)
{
    const auto& v = noisy_qpsk();
    std::vector<int> k(v.size());
    for (auto _ : st) {
        for (size_t i = 0; i < v.size(); ++i) {
            double a;
            const long ku = psk_round(double(v[i].imag()), double(v[i].real()), 4, a);
            k[i] = int(ku < 0 ? ku + 4 : ku >= 4 ? ku - 4 : ku);
        }
        benchmark::DoNotOptimize(k.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(v.size()));
    st.SetLabel("vs BM_psk_decisions_std_atan2");
}
BENCHMARK(BM_psk_decisions);

void BM_psk_decisions_std_atan2(benchmark::State& st)
{
    const auto& v = noisy_qpsk();
    std::vector<int> k(v.size());
    for (auto _ : st) {
        for (size_t i = 0; i < v.size(); ++i) {
            const double a = std::atan2(double(v[i].imag()), double(v[i].real()));
            k[i] = int(((std::lround(a * 4 / (2 * pi)) % 4) + 4) % 4);
        }
        benchmark::DoNotOptimize(k.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(v.size()));
}
BENCHMARK(BM_psk_decisions_std_atan2);

// the same symbols as separate imaginary and real parts, as the angle kernels take them
void split_noisy_qpsk(std::vector<double>& y, std::vector<double>& x)
{
    const auto& v = noisy_qpsk();
    y.resize(v.size());
    x.resize(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        y[i] = v[i].imag();
        x[i] = v[i].real();
    }
}

// the receiver's payload angles: fast_atan2 on arrays, two at a time without branches
void BM_fast_atan2_n(benchmark::State& st)
{
    std::vector<double> y, x;
    split_noisy_qpsk(y, x);
    std::vector<double> a(y.size());
    for (auto _ : st) {
        fast_atan2_n(y.data(), x.data(), a.data(), a.size());
        benchmark::DoNotOptimize(a.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(y.size()));
    st.SetLabel("vs BM_fast_atan2_scalar");
}
BENCHMARK(BM_fast_atan2_n);

void BM_fast_atan2_scalar(benchmark::State& st)
{
    std::vector<double> y, x;
    split_noisy_qpsk(y, x);
    std::vector<double> a(y.size());
    for (auto _ : st) {
        for (size_t i = 0; i < a.size(); ++i)
            a[i] = fast_atan2(y[i], x[i]);
        benchmark::DoNotOptimize(a.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(y.size()));
}
BENCHMARK(BM_fast_atan2_scalar);

// the same random QPSK points for the cache and the direct decision, so their
// rates compare
std::vector<cfloat> qpsk_points()
{
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> pick(0, 3);
    std::vector<cfloat> v(1 << 16);
    for (auto& z : v)
        z = cfloat(std::polar(1.0, 2 * pi * pick(rng) / 4));
    return v;
}

// reference symbols (exact constellation points) through the decision cache
void BM_psk_index_cache(benchmark::State& st)
{
    const std::vector<cfloat> v = qpsk_points();
    std::vector<int> k(v.size());
    psk_index_cache cache(4);
    for (auto _ : st) {
        for (size_t i = 0; i < v.size(); ++i)
            k[i] = cache(v[i]);
        benchmark::DoNotOptimize(k.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(v.size()));
    st.SetLabel("vs BM_psk_index");
}
BENCHMARK(BM_psk_index_cache);

void BM_psk_index(benchmark::State& st)
{
    const std::vector<cfloat> v = qpsk_points();
    std::vector<int> k(v.size());
    for (auto _ : st) {
        for (size_t i = 0; i < v.size(); ++i)
            k[i] = psk_index(cdouble(v[i]), 4);
        benchmark::DoNotOptimize(k.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(v.size()));
}
BENCHMARK(BM_psk_index);
} // namespace

BENCHMARK_MAIN();
