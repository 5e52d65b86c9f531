/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Emulated radio front-end (core::frontend_emulator) throughput, single thread, at
 * the over-the-air flowgraph's defaults (n_tx = 4, n_rx = 4, n_users = 2, 32-tap
 * fractional delays, the receive-calibration pilot off) in work()-sized blocks of
 * 4096 snapshots, per impairment profile. Baseline: memcpy of the same input and
 * output samples. BM_gaussian_fill times core::gaussian_rng::fill_normal (blocks of
 * draws, the same values) against BM_gaussian_scalar (one normal() call per draw
 * between other work); BM_gaussian_lanes the emulator's generator
 * (core::gaussian_lanes, the kernel the CPU picks and the generic one) against
 * gaussian_rng, std::normal_distribution and BM_memcpy_draws, 12288 draws a call;
 * BM_fractional_delay the 32-tap delay of six channels (the emulator's echo and
 * user lines) against BM_fractional_delay_scalar, the same kernels one output at a
 * time.
 */
#include <gnuradio/isac/core/channel.h>
#include <gnuradio/isac/core/frontend.h>
#include <gnuradio/isac/core/steering.h>
#include <benchmark/benchmark.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace gr::isac::core;

namespace {
constexpr long block = 4096;

frontend_params ota_params(const char* profile)
{
    frontend_params p;
    p.user_rad = { deg2rad(-34.0), deg2rad(12.0) };
    p.target_rad = deg2rad(23.0);
    p.clutter_rad = { deg2rad(-47.0), deg2rad(31.0) };
    p.cnr_db = { 30.0, 30.0 };
    p.imp = impairment_profile::named(profile);
    p.seed = 11;
    return p;
}

const std::vector<cfloat>& tx_samples()
{
    static const std::vector<cfloat> x = [] {
        std::mt19937 rng(5);
        std::uniform_int_distribution<int> b(0, 1);
        std::vector<cfloat> x(size_t(block) * 4);
        for (auto& v : x) // the 1-bit DAC alphabet
            v = cfloat(b(rng) ? 0.35f : -0.35f, b(rng) ? 0.35f : -0.35f);
        return x;
    }();
    return x;
}

void run_emulator(benchmark::State& st, const char* profile)
{
    frontend_emulator emu(ota_params(profile));
    const auto& x = tx_samples();
    std::vector<cfloat> echo(size_t(block) * emu.n_sense_out()), users(size_t(block) * 2);
    for (auto _ : st) {
        emu.process(x.data(), echo.data(), users.data(), block);
        benchmark::DoNotOptimize(echo.data());
        benchmark::DoNotOptimize(users.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * block);
    st.SetLabel("vs BM_memcpy_emulator");
}

void BM_emulator_typical(benchmark::State& st) { run_emulator(st, "typical"); }
BENCHMARK(BM_emulator_typical);
void BM_emulator_none(benchmark::State& st) { run_emulator(st, "none"); }
BENCHMARK(BM_emulator_none);

// the input read once and the outputs written once: 4 + 4 + 2 samples per snapshot
void BM_memcpy_emulator(benchmark::State& st)
{
    const auto& x = tx_samples();
    std::vector<cfloat> out(size_t(block) * 10);
    for (auto _ : st) {
        std::memcpy(out.data(), x.data(), x.size() * sizeof(cfloat));
        std::memcpy(out.data() + x.size(), x.data(), x.size() * sizeof(cfloat));
        std::memcpy(out.data() + 2 * x.size(), x.data(), x.size() / 2 * sizeof(cfloat));
        benchmark::DoNotOptimize(out.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * block);
}
BENCHMARK(BM_memcpy_emulator);

void BM_gaussian_fill(benchmark::State& st)
{
    gaussian_rng g(3);
    std::vector<float> w(3 * block);
    std::vector<cfloat> y(block, cfloat(1.0f, 0.0f));
    for (auto _ : st) {
        g.fill_normal(w.data(), w.size());
        for (long t = 0; t < block; ++t) // the consumer of the draws
            y[t] =
                cfloat(y[t].real() + 0.1f * w[3 * t], y[t].imag() + 0.1f * w[3 * t + 1]) *
                (1.0f - w[3 * t + 2] * 1e-3f);
        benchmark::DoNotOptimize(y.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * 3 * block);
    st.SetLabel("vs BM_gaussian_scalar");
}
BENCHMARK(BM_gaussian_fill);

void BM_gaussian_scalar(benchmark::State& st)
{
    gaussian_rng g(3);
    std::vector<cfloat> y(block, cfloat(1.0f, 0.0f));
    for (auto _ : st) {
        for (long t = 0; t < block; ++t) {
            const float a = g.normal(), b = g.normal(), c = g.normal();
            y[t] = cfloat(y[t].real() + 0.1f * a, y[t].imag() + 0.1f * b) *
                   (1.0f - c * 1e-3f);
        }
        benchmark::DoNotOptimize(y.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * 3 * block);
}
BENCHMARK(BM_gaussian_scalar);

// the draws alone, 3 x 4096 per call (the receive chains' block): the emulator's
// generator (each kernel the CPU runs) against gaussian_rng, std::normal_distribution
// and a memcpy of the same bytes
constexpr size_t n_draws = 3 * block;

void BM_gaussian_lanes(benchmark::State& st, const std::string& impl)
{
    const auto impls = gaussian_lanes::impls();
    if (!impl.empty() && std::find(impls.begin(), impls.end(), impl) == impls.end()) {
        st.SkipWithError("kernel not available on this CPU");
        return;
    }
    gaussian_lanes g(3);
    std::vector<float> w(n_draws);
    for (auto _ : st) {
        if (impl.empty())
            g.fill_normal(w.data(), w.size());
        else
            g.fill_normal(w.data(), w.size(), impl);
        benchmark::DoNotOptimize(w.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(n_draws));
    st.SetLabel((impl.empty() ? gaussian_lanes::impl() : impl) + ", vs BM_memcpy_draws");
}

void BM_gaussian_rng_fill(benchmark::State& st)
{
    gaussian_rng g(3);
    std::vector<float> w(n_draws);
    for (auto _ : st) {
        g.fill_normal(w.data(), w.size());
        benchmark::DoNotOptimize(w.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(n_draws));
}
BENCHMARK_CAPTURE(BM_gaussian_lanes, best, std::string());
BENCHMARK_CAPTURE(BM_gaussian_lanes, avx2, std::string("avx2"));
BENCHMARK_CAPTURE(BM_gaussian_lanes, generic, std::string("generic"));
BENCHMARK(BM_gaussian_rng_fill);

void BM_std_normal_distribution(benchmark::State& st)
{
    std::mt19937_64 rng(3);
    std::normal_distribution<float> nd;
    std::vector<float> w(n_draws);
    for (auto _ : st) {
        for (auto& v : w)
            v = nd(rng);
        benchmark::DoNotOptimize(w.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(n_draws));
}
BENCHMARK(BM_std_normal_distribution);

void BM_memcpy_draws(benchmark::State& st)
{
    std::vector<float> a(n_draws, 1.0f), b(n_draws);
    for (auto _ : st) {
        std::memcpy(b.data(), a.data(), n_draws * sizeof(float));
        benchmark::DoNotOptimize(b.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(n_draws));
}
BENCHMARK(BM_memcpy_draws);

constexpr int fd_chan = 6;
const std::vector<cfloat>& fd_input()
{
    static const std::vector<cfloat> x = [] {
        gaussian_rng g(4);
        std::vector<cfloat> x(size_t(block) * fd_chan);
        g.fill_cn(x.data(), x.size(), 1.0f);
        return x;
    }();
    return x;
}

void BM_fractional_delay(benchmark::State& st)
{
    fractional_delay fd(fd_chan, 48.0, 32);
    fd.set_delays({ 31.37, 30.9, 32.2, 31.6, 4.25, 7.8 });
    const auto& x = fd_input();
    std::vector<cfloat> y(x.size());
    for (auto _ : st) {
        fd.process(x.data(), y.data(), block);
        benchmark::DoNotOptimize(y.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * block);
    st.SetLabel("vs BM_fractional_delay_scalar");
}
BENCHMARK(BM_fractional_delay);

// the same kernels (fractional_delay::kernel) and sums, one output at a time
void BM_fractional_delay_scalar(benchmark::State& st)
{
    const double d[fd_chan] = { 31.37, 30.9, 32.2, 31.6, 4.25, 7.8 };
    std::vector<std::vector<float>> h(fd_chan);
    std::vector<int> first(fd_chan), I(fd_chan);
    for (int c = 0; c < fd_chan; ++c) {
        const auto k = fractional_delay::kernel(d[c], 32, 6.0, first[c]);
        h[c].assign(k.begin(), k.end());
        I[c] = int(std::floor(d[c]));
    }
    const auto& x = fd_input();
    const long hist = 64;
    std::vector<cfloat> line(size_t(hist + block) * fd_chan, cfloat(0, 0)), y(x.size());
    for (auto _ : st) {
        std::copy(x.begin(), x.end(), line.begin() + hist * fd_chan);
        for (long t = 0; t < block; ++t)
            for (int c = 0; c < fd_chan; ++c) {
                cfloat acc(0, 0);
                for (size_t j = 0; j < h[c].size(); ++j) {
                    const long s = hist + t - I[c] - first[c] - long(j);
                    acc += h[c][j] * line[size_t(s) * fd_chan + c];
                }
                y[size_t(t) * fd_chan + c] = acc;
            }
        benchmark::DoNotOptimize(y.data());
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * block);
}
BENCHMARK(BM_fractional_delay_scalar);

} // namespace

BENCHMARK_MAIN();
