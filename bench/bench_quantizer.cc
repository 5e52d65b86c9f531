/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * 1-bit quantiser throughput vs memcpy of the same bytes, single thread.
 * Each iteration processes one work()-sized batch of 4096 snapshots (what a
 * GNU Radio buffer typically hands the block), so the comparison is made at
 * the same working-set size as the block sees. BM_quantizer goes through the
 * dispatcher (what the block runs); BM_slicer_<impl> calls each implementation
 * of the VOLK-style kernel this CPU runs.
 */
#include <gnuradio/isac/core/quantize.h>
#include <gnuradio/isac/core/volk_isac.h>
#include <benchmark/benchmark.h>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {
constexpr int batch = 4096;

std::vector<float> random_floats(size_t n)
{
    std::mt19937 rng(1);
    std::normal_distribution<float> nd;
    std::vector<float> v(n);
    for (auto& x : v)
        x = nd(rng);
    return v;
}

// One batch per iteration through step(out, in, n, amp), set up and counted
// alike for every variant so their rates compare; the kernels are labelled
// with the memcpy they are read against.
template <class Step>
void run_batches(benchmark::State& st, bool vs_memcpy, Step step)
{
    const int vlen = st.range(0);
    const size_t n = size_t(2) * vlen * batch;
    auto in = random_floats(n);
    std::vector<float> out(n);
    const float amp = gr::isac::core::one_bit_dac_amplitude(vlen, 1.0);
    for (auto _ : st) {
        step(out.data(), in.data(), n, amp);
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(int64_t(st.iterations()) * n * sizeof(float));
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
    if (vs_memcpy)
        st.SetLabel("vs BM_memcpy/" + std::to_string(vlen));
}

void BM_quantizer(benchmark::State& st)
{
    run_batches(st, true, [](float* out, const float* in, size_t n, float amp) {
        auto nans = gr::isac::core::one_bit_quantize(in, out, n, amp);
        benchmark::DoNotOptimize(nans);
    });
}

void BM_memcpy(benchmark::State& st)
{
    run_batches(st, false, [](float* out, const float* in, size_t n, float) {
        std::memcpy(out, in, n * sizeof(float));
        benchmark::DoNotOptimize(out);
    });
}

void BM_slicer(benchmark::State& st, const std::string& impl)
{
    run_batches(st, true, [&impl](float* out, const float* in, size_t n, float amp) {
        uint32_t nan = 0;
        gr::isac::core::volk_isac_32f_s32f_binary_slicer_32f_manual(
            out, &nan, in, amp, unsigned(n), impl);
        benchmark::DoNotOptimize(nan);
    });
}
} // namespace

BENCHMARK(BM_quantizer)->Arg(16)->Arg(64)->Arg(128);
BENCHMARK(BM_memcpy)->Arg(16)->Arg(64)->Arg(128);

int main(int argc, char** argv)
{
    for (const auto& impl : gr::isac::core::volk_isac_32f_s32f_binary_slicer_32f_impls())
        benchmark::RegisterBenchmark(("BM_slicer_" + impl).c_str(), BM_slicer, impl)
            ->Arg(16)
            ->Arg(64)
            ->Arg(128);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
