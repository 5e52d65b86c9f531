/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Emulated radio front-end (core::frontend_emulator) throughput, single thread, at
 * the over-the-air flowgraph's defaults (n_tx = 4, n_rx = 4, n_users = 2, 32-tap
 * fractional delays, the receive-calibration pilot off) in work()-sized blocks of
 * 4096 snapshots, per impairment profile. Baseline: memcpy of the same input and
 * output samples. BM_gaussian_fill times core::gaussian_rng::fill_normal (blocks
 * of draws) against BM_gaussian_scalar (one normal() call per draw);
 * BM_fractional_delay the 32-tap delay line of six channels against BM_memcpy_fd.
 */
#include <gnuradio/isac/core/channel.h>
#include <gnuradio/isac/core/frontend.h>
#include <gnuradio/isac/core/steering.h>
#include <benchmark/benchmark.h>
#include <cstring>
#include <random>
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

} // namespace

BENCHMARK_MAIN();
