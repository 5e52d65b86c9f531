/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Receive filter + GLRT statistic throughput (snapshots/s), single thread, on
 * work()-sized batches of 4096 snapshots of the 1-bit ISAC paper scene (theta_0 = 10 deg,
 * clutter at -50/30 deg, CNR 30 dB, Q = 2) with N_T = N_R = arg.
 * BM_rx_filter* use the default exact 1-bit threshold (table lookup per snapshot)
 * unless named theorem1. x is a random 1-bit DAC vector: at N_T = 4 (the over-the-air
 * flowgraph's size) each of its 256 values repeats and the filter's x-terms cache
 * hits; BM_rx_filter_gaussian_x never repeats x (the cache's lookups pause). Baseline:
 * memcpy of the same input bytes (r and x: (N_R + N_T) complex floats per snapshot), i.e.
 * the cost of merely touching the data once.
 */
#include <gnuradio/isac/core/frontend.h>
#include <gnuradio/isac/core/rx_filter.h>
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace gr::isac::core;

namespace {
constexpr int batch = 4096;

std::vector<cfloat> random_c(size_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd;
    std::vector<cfloat> v(n);
    for (auto& x : v)
        x = cfloat(nd(rng) < 0 ? -1.f : 1.f, nd(rng) < 0 ? -1.f : 1.f);
    return v;
}

radar_scene scene(int n)
{
    return radar_scene(n,
                       n,
                       deg2rad(10),
                       { deg2rad(-50), deg2rad(30) },
                       std::pow(10, 1.5),
                       { 1000.0, 1000.0 });
}

// the exact 1-bit threshold at Pfa 1e-2 with CPI terms for cpi_len L
rx_filter exact_cpi_filter(const radar_scene& sc, int L)
{
    return rx_filter(sc,
                     adc_model::one_bit,
                     1e-2,
                     1.0,
                     projection_kernel::automatic,
                     threshold_model::exact,
                     L);
}

// Streams batches of random echoes r (and the transmit vectors x) through f: the
// per-snapshot filter rate.
void run_filter(benchmark::State& st,
                rx_filter& f,
                int n,
                const std::vector<cfloat>& r,
                const std::vector<cfloat>& x)
{
    std::vector<cfloat> z(batch);
    std::vector<float> s(batch);
    std::vector<snapshot_status> status(batch);
    for (auto _ : st) {
        f.process(r.data(), x.data(), batch, z.data(), s.data(), status.data());
        benchmark::DoNotOptimize(z.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
    st.SetLabel("vs BM_memcpy_inputs/" + std::to_string(n));
}

void run_filter(benchmark::State& st, rx_filter& f, int n)
{
    run_filter(st, f, n, random_c(size_t(n) * batch, 1), random_c(size_t(n) * batch, 2));
}

void BM_rx_filter(benchmark::State& st)
{
    const int n = st.range(0);
    rx_filter f(scene(n), adc_model::one_bit, 1e-2);
    run_filter(st, f, n);
}

// x from an ideal DAC (complex Gaussian): no x repeats.
void BM_rx_filter_gaussian_x(benchmark::State& st)
{
    const int n = st.range(0);
    rx_filter f(scene(n), adc_model::one_bit, 1e-2);
    std::mt19937 rng(2);
    std::normal_distribution<float> nd;
    std::vector<cfloat> x(size_t(n) * batch);
    for (auto& v : x)
        v = cfloat(nd(rng), nd(rng));
    run_filter(st, f, n, random_c(size_t(n) * batch, 1), x);
}

// Theorem 1's threshold (eq. 15): no per-snapshot table lookup. BM_rx_filter (the
// default, exact threshold) over this is the cost of the exact statistics.
void BM_rx_filter_theorem1(benchmark::State& st)
{
    const int n = st.range(0);
    rx_filter f(scene(n),
                adc_model::one_bit,
                1e-2,
                1.0,
                projection_kernel::automatic,
                threshold_model::theorem1);
    run_filter(st, f, n);
}

// Building the exact-threshold table of a scene (per parameter change of the block;
// not cached here), single thread: seconds per table.
void BM_threshold_table_build(benchmark::State& st)
{
    const int n = st.range(0);
    const radar_scene s = scene(n);
    for (auto _ : st) {
        threshold_table t(s, 1e-2, 1);
        benchmark::DoNotOptimize(&t);
    }
}

// A scene at the clutter limit (512 patches at random angles, CNR 20 dB): the table is
// not tabulated there (factors() works per snapshot), so this is the statistics'
// construction plus one factors() call. maxrss_MiB is the process's peak: run this
// benchmark alone (--benchmark_filter=clutter_limit) to read it.
void BM_threshold_table_clutter_limit(benchmark::State& st)
{
    const int n = st.range(0), Q = 512;
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> ud(-80.0, 80.0);
    std::vector<double> clutter(Q), cnr(Q, 100.0), p(Q, 1.0);
    for (auto& c : clutter)
        c = deg2rad(ud(rng));
    const radar_scene s(16, n, deg2rad(13.7), clutter, 10.0, cnr);
    for (auto _ : st) {
        threshold_table t(s, 1e-2, 1);
        double kappa, var;
        t.factors(p.data(), kappa, var);
        benchmark::DoNotOptimize(kappa);
    }
    rusage r;
    getrusage(RUSAGE_SELF, &r);
    st.counters["maxrss_MiB"] = double(r.ru_maxrss) / 1024.0;
}

// The same with the projection kernel pinned, to show the automatic choice.
void BM_rx_filter_gemm(benchmark::State& st)
{
    const int n = st.range(0);
    rx_filter f(scene(n), adc_model::one_bit, 1e-2, 1.0, projection_kernel::gemm);
    run_filter(st, f, n);
}

// Calls of st.range(0) snapshots (N = 16, automatic: the gemm kernel), as a block
// under set_max_noutput_items makes them: a call's last columns are padded to whole
// groups of 4 (at least 8) so that no output depends on the call sizes.
void BM_rx_filter_calls(benchmark::State& st)
{
    const int n = 16, b = int(st.range(0));
    rx_filter f(scene(n), adc_model::one_bit, 1e-2);
    const auto r = random_c(size_t(n) * batch, 1), x = random_c(size_t(n) * batch, 2);
    std::vector<cfloat> z(batch);
    std::vector<float> s(batch);
    std::vector<snapshot_status> status(batch);
    for (auto _ : st) {
        for (int l = 0; l + b <= batch; l += b)
            f.process(&r[size_t(l) * n], &x[size_t(l) * n], b, &z[l], &s[l], &status[l]);
        benchmark::DoNotOptimize(z.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * (batch / b) * b);
}

void BM_rx_filter_direct(benchmark::State& st)
{
    const int n = st.range(0);
    rx_filter f(scene(n), adc_model::one_bit, 1e-2, 1.0, projection_kernel::direct);
    run_filter(st, f, n);
}

// With the CPI terms written too (what the block does when cpi_len > 1).
void BM_rx_filter_terms(benchmark::State& st)
{
    const int n = st.range(0);
    rx_filter f(scene(n), adc_model::one_bit, 1e-2);
    auto r = random_c(size_t(n) * batch, 1), x = random_c(size_t(n) * batch, 2);
    std::vector<cfloat> z(batch);
    std::vector<float> s(batch);
    std::vector<snapshot_status> status(batch);
    std::vector<cdouble> terms(size_t(batch) * f.n_terms());
    for (auto _ : st) {
        f.process(
            r.data(), x.data(), batch, z.data(), s.data(), status.data(), terms.data());
        benchmark::DoNotOptimize(z.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
    st.SetLabel("vs BM_memcpy_inputs/" + std::to_string(n));
}

// A CPI of arg 3 snapshots (cpi_len, mixed x) through rx_filter and cpi_integrator:
// snapshots/s of filter + CPI sum, N_T = N_R = arg 0. arg 1 = 1: the CPI variance
// with the distortion cross terms (arcsine_cross, N_R <= cross_terms_max_rx); 0:
// main's model, the same terms with the cross terms' inputs cleared (linear leakage
// only), the cost before them. arg 2 picks x (one batch of 4096 snapshots replayed
// every iteration): 0, Gaussian x that never repeats (4096 distinct x cycled through
// the pair cache's 256 slots: every pair is computed, the cold cost); 1, random
// 1-bit x (4^N_T values: at N_T = 4 all 256 fit the pair cache, warm after the first
// batch; at N_T >= 8 they never repeat); 16, a table of 16 1-bit x (a lookup-table
// precoder, the over-the-air flowgraph's).
void BM_cpi_integrator(benchmark::State& st)
{
    const int n = st.range(0), L = st.range(3);
    const bool cross = st.range(1) != 0;
    const radar_scene sc = scene(n);
    rx_filter f = exact_cpi_filter(sc, L);
    cpi_integrator cpi(sc, adc_model::one_bit, 1e-2, 1.0, L);
    auto r = random_c(size_t(n) * batch, 1), x = random_c(size_t(n) * batch, 2);
    if (st.range(2) == 0) {
        std::mt19937 rng(5);
        std::normal_distribution<float> nd;
        for (auto& v : x)
            v = cfloat(nd(rng), nd(rng)) * float(M_SQRT1_2);
    } else if (st.range(2) > 1) {
        std::mt19937 rng(3);
        for (int l = 0; l < batch; ++l)
            std::copy_n(&x[size_t(rng() % st.range(2)) * n], n, &x[size_t(l) * n]);
    }
    std::vector<cfloat> z(batch);
    std::vector<float> s(batch);
    std::vector<snapshot_status> status(batch);
    const int K = f.n_terms(), Q = sc.n_clutter();
    std::vector<cdouble> terms(size_t(batch) * K);
    for (auto _ : st) {
        f.process(
            r.data(), x.data(), batch, z.data(), s.data(), status.data(), terms.data());
        if (!cross)
            for (int l = 0; l < batch; ++l) {
                cdouble* t = terms.data() + size_t(l) * K;
                std::fill(t + Q + 2, t + K, cdouble(0.0)); // d_l = 0: no cross inputs
            }
        for (int l = 0; l < batch; ++l) {
            cdouble Z;
            double stat;
            cpi.add(z[l], terms.data() + size_t(l) * K, status[l], Z, stat);
            benchmark::DoNotOptimize(stat);
        }
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
    st.SetLabel(std::string(cross ? "cross terms" : "linear leakage only (main)") +
                (st.range(2) == 0   ? ", Gaussian x (never repeats)"
                 : st.range(2) == 1 ? ", random 1-bit x"
                                    : ", table of 16 1-bit x"));
}

// One distortion cross term of a pair of snapshots (N_R = n, Q = 2, CNR 30 dB, random
// couplings and filters): arg 1 = arcsine_cross::cross (the straightforward form:
// (Q+1)^2 Gram product and two std::asin a lag), 0 = cross_prepared on the prepared
// x (what cpi_integrator evaluates per pair; the preparation is once per x, not timed)
void BM_cross_pair(benchmark::State& st)
{
    const int n = st.range(0), K = 64;
    const radar_scene sc = scene(n);
    const arcsine_cross ac(sc);
    const int Q = sc.n_clutter(), P = Q + 1, ps = ac.prepared_size();
    std::mt19937 rng(7);
    std::normal_distribution<double> nd;
    std::vector<cdouble> c(size_t(K) * Q), b(size_t(K) * P), s(P);
    std::vector<double> d(K), prep(size_t(K) * ps);
    for (int k = 0; k < K; ++k) {
        d[k] = 1.0;
        for (int q = 0; q < Q; ++q) {
            c[size_t(k) * Q + q] = cdouble(nd(rng), nd(rng)) * 0.3;
            d[k] += sc.cnr()[q] * std::norm(c[size_t(k) * Q + q]) / n;
        }
        for (int i = 0; i < P; ++i)
            b[size_t(k) * P + i] = cdouble(nd(rng), nd(rng));
        ac.prepare(&c[size_t(k) * Q], d[k], &b[size_t(k) * P], &prep[size_t(k) * ps]);
    }
    int l = 0;
    for (auto _ : st) {
        const int m = (l + 1 + l / K) % K;
        double v;
        if (st.range(1)) {
            for (int q = 0; q < Q; ++q)
                s[q + 1] =
                    sc.cnr()[q] * c[size_t(l) * Q + q] * std::conj(c[size_t(m) * Q + q]);
            v = ac.cross(s.data(), d[l], d[m], &b[size_t(l) * P], &b[size_t(m) * P])
                    .real();
        } else {
            v = ac.cross_prepared(&prep[size_t(l) * ps], &prep[size_t(m) * ps]);
        }
        benchmark::DoNotOptimize(v);
        l = (l + 1) % K;
    }
    st.SetLabel(st.range(1) ? "cross (straightforward)" : "cross_prepared");
}

// The over-the-air flowgraph's receive filter at its defaults (isac_usrp_ota: N_T = N_R
// = 4, target 23 deg, clutter -47/31 deg at CNR 10 dB, SNR_R 15 dB, Pfa 1e-2, radar CPI
// 16, so the CPI terms are written), x a 1-bit DAC's x through a 16-tap delay line
// (core::fractional_delay) of arg/100 samples. An integer delay (/300) is the
// flowgraph's case: its x_delay shifts x by whole samples (the echo takes the
// fraction), x repeats and the x-terms cache hits. A fractional one (/237) never
// repeats x: the cache pauses and every snapshot pays its x-terms (the solve, the
// exact threshold's look-ups), as with an ideal DAC.
void BM_rx_filter_ota(benchmark::State& st)
{
    const int n = 4;
    const radar_scene sc(n,
                         n,
                         deg2rad(23),
                         { deg2rad(-47), deg2rad(31) },
                         std::pow(10, 1.5),
                         { 10.0, 10.0 });
    rx_filter f = exact_cpi_filter(sc, 16);
    const int blocks = 8; // 8 batches of distinct x, so nothing is timed twice alike
    auto x1 = random_c(size_t(n) * batch * blocks, 2);
    for (auto& v : x1)
        v *= float(std::sqrt(1.0 / (2 * n)));
    std::vector<cfloat> x(x1.size());
    fractional_delay fd(n, 64.0, 16);
    fd.set_delays({ st.range(0) / 100.0 });
    fd.process(x1.data(), x.data(), long(batch) * blocks);
    auto r = random_c(size_t(n) * batch, 1);
    std::vector<cfloat> z(batch);
    std::vector<float> s(batch);
    std::vector<snapshot_status> status(batch);
    std::vector<cdouble> terms(size_t(batch) * f.n_terms());
    int b = 0;
    for (auto _ : st) {
        f.process(r.data(),
                  x.data() + size_t(b) * batch * n,
                  batch,
                  z.data(),
                  s.data(),
                  status.data(),
                  terms.data());
        b = (b + 1) % blocks;
        benchmark::DoNotOptimize(z.data());
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
    st.SetLabel("vs BM_memcpy_inputs/4");
}

// Reference the batched kernel replaces: radar_scene::solve + the explicit
// N_R-vector filter u per snapshot (what a straightforward block would do).
void BM_explicit_filter(benchmark::State& st)
{
    const int n = st.range(0);
    const radar_scene s = scene(n);
    const int b = 256;
    auto r = random_c(size_t(n) * b, 1), x = random_c(size_t(n) * b, 2);
    for (auto _ : st) {
        for (int l = 0; l < b; ++l) {
            const cvec xv =
                Eigen::Map<const cvecf>(x.data() + size_t(l) * n, n).cast<cdouble>();
            const cvec rv =
                Eigen::Map<const cvecf>(r.data() + size_t(l) * n, n).cast<cdouble>();
            const radar_solution sol = s.solve(s.couplings(xv), adc_model::one_bit);
            const cdouble z = s.filter(sol).dot(rv);
            const double k = s.threshold(sol, adc_model::one_bit, 1e-2);
            benchmark::DoNotOptimize(z);
            benchmark::DoNotOptimize(k);
        }
    }
    st.SetItemsProcessed(int64_t(st.iterations()) * b);
    st.SetLabel("vs BM_memcpy_inputs/" + std::to_string(n));
}

void BM_memcpy_inputs(benchmark::State& st)
{
    const int n = st.range(0);
    const size_t bytes = size_t(2) * n * batch * sizeof(cfloat);
    auto in = random_c(size_t(2) * n * batch, 3);
    std::vector<cfloat> out(in.size());
    for (auto _ : st) {
        std::memcpy(out.data(), in.data(), bytes);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(int64_t(st.iterations()) * bytes);
    st.SetItemsProcessed(int64_t(st.iterations()) * batch);
}
} // namespace

BENCHMARK(BM_rx_filter)->Arg(4)->Arg(16)->Arg(64)->Arg(128);
BENCHMARK(BM_rx_filter_gaussian_x)->Arg(4)->Arg(16)->Arg(128);
BENCHMARK(BM_rx_filter_theorem1)->Arg(16)->Arg(64)->Arg(128);
BENCHMARK(BM_threshold_table_build)
    ->Arg(16)
    ->Arg(128)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_threshold_table_clutter_limit)
    ->Arg(64)
    ->Arg(256)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_rx_filter_gemm)->Arg(16)->Arg(64)->Arg(128);
BENCHMARK(BM_rx_filter_direct)->Arg(16)->Arg(64)->Arg(128);
BENCHMARK(BM_rx_filter_calls)->Arg(1)->Arg(7)->Arg(100)->Arg(4096);
BENCHMARK(BM_rx_filter_terms)->Arg(4)->Arg(16)->Arg(128);
BENCHMARK(BM_cpi_integrator)
    ->ArgsProduct({ { 4, 8 }, { 0, 1 }, { 0, 1, 16 }, { 16, 256 } })
    ->ArgsProduct({ { 12, 16 }, { 0, 1 }, { 0, 1, 16 }, { 16 } })
    ->ArgsProduct({ { 64 }, { 0, 1 }, { 1 }, { 16 } })
    ->ArgsProduct({ { 4, 8 }, { 0, 1 }, { 0 }, { 8, 32 } });
// loop delay in 1/100 samples: fractional (x never repeats) and integer (the cache hits)
BENCHMARK(BM_cross_pair)->ArgsProduct({ { 4, 8, 12, 16 }, { 1, 0 } });
BENCHMARK(BM_rx_filter_ota)->Arg(237)->Arg(300);
BENCHMARK(BM_explicit_filter)->Arg(4)->Arg(16)->Arg(128);
BENCHMARK(BM_memcpy_inputs)->Arg(4)->Arg(16)->Arg(64)->Arg(128);
BENCHMARK_MAIN();
