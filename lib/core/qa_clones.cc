/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every ISAC_CLONES_EXACT kernel's clones (clones.h) bit for bit: each clone this CPU
 * runs (AVX-512, AVX2), called at its own symbol (qa_clones.h), against the baseline
 * clone on random, asymmetric inputs with odd lengths and remainders past every
 * vector block, and the baseline against an independent reference (long double
 * sums with a rounding bound, a closed form, brute force). The resolver only ever
 * hands out this CPU's preferred clone, so the module's own tests never see the
 * others; a clone built with FMA contraction, or with a reduction vectorised in
 * another order, gives other bits and fails here. arcsine_cross::prepare and
 * cross_prepared are checked in qa_one_bit_stats (test_cross_prepared_clones).
 */
#include "qa_clones.h"
#include <gnuradio/isac/core/types.h>
#include <gnuradio/isac/core/user_rx.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace gr::isac::core;

namespace {

typedef std::complex<float> cf;
typedef long double ld;

// the float outputs of clone k must have the baseline's bits; the baseline's are
// returned for the reference check
template <class F, class Run>
auto same_in_every_clone(const std::vector<qa::clone<F>>& clones,
                         Run run,
                         const std::string& where)
{
    const auto base = run(clones[0].fn);
    for (size_t k = 1; k < clones.size(); ++k) {
        const auto out = run(clones[k].fn);
        CPPUNIT_ASSERT_MESSAGE(clones[k].isa +
                                   " clone differs from the default one: " + where,
                               out.size() == base.size() &&
                                   qa::same_bits(out.data(), base.data(), base.size()));
    }
    return base;
}

std::string str(const char* name, long v)
{
    return std::string(name) + " " + std::to_string(v) + " ";
}

// outputs are written into vectors with 8 guard values past their end: an overrun
// of a clone's remainder loop changes the guard
constexpr size_t guard_n = 8;
template <class T>
void check_guard(const std::vector<T>& v, size_t n, T guard, const std::string& where)
{
    for (size_t i = n; i < n + guard_n; ++i)
        CPPUNIT_ASSERT_MESSAGE("write past the end: " + where,
                               qa::same_bits(&v[i], &guard, 1));
}

// a[0..n) then b[0..n), both guards checked: a kernel's two split outputs as one
template <class T>
std::vector<T> joined(std::vector<T> a,
                      const std::vector<T>& b,
                      size_t n,
                      T guard,
                      const std::string& where)
{
    check_guard(a, n, guard, where);
    check_guard(b, n, guard, where);
    a.resize(n);
    a.insert(a.end(), b.begin(), b.begin() + n);
    return a;
}

// x within the float rounding bound of a long double reference: c eps sum|terms|
void near(ld ref, float x, ld mag, int terms, const std::string& where)
{
    CPPUNIT_ASSERT_MESSAGE(where + " ref " + std::to_string(double(ref)) + " got " +
                               std::to_string(x),
                           std::fabs(ld(x) - ref) <= (terms + 2) * ld(FLT_EPSILON) * mag);
}

} // namespace

class qa_clones : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_clones);
    CPPUNIT_TEST(test_lag_product);
    CPPUNIT_TEST(test_correlate_offsets);
    CPPUNIT_TEST(test_bessel_i0_n);
    CPPUNIT_TEST(test_all_finite);
    CPPUNIT_TEST(test_max_exponent);
    CPPUNIT_TEST(test_grid_power);
    CPPUNIT_TEST(test_argmax_first);
    CPPUNIT_TEST(test_project_6x8);
    CPPUNIT_TEST(test_fir_split);
    CPPUNIT_TEST(test_air_rows);
    CPPUNIT_TEST(test_tx_chain_kernel);
    CPPUNIT_TEST(test_rx_chain_kernel);
    CPPUNIT_TEST(test_interp_fir);
    CPPUNIT_TEST_SUITE_END();

    std::mt19937_64 rng{ 29 };

    // i.i.d. uniform in (-s, s), full mantissas (an FMA rounds them otherwise)
    std::vector<float> randf(size_t n, float s = 1.0f)
    {
        std::uniform_real_distribution<float> u(-s, s);
        std::vector<float> v(n);
        for (float& x : v)
            x = u(rng);
        return v;
    }
    std::vector<double> randd(size_t n, double s = 1.0)
    {
        std::uniform_real_distribution<double> u(-s, s);
        std::vector<double> v(n);
        for (double& x : v)
            x = u(rng);
        return v;
    }
    cf randc(float s = 1.0f)
    {
        std::uniform_real_distribution<float> u(-s, s);
        const float a = u(rng);
        return cf(a, u(rng));
    }

public:
    // tx_phase.cc: sum_t conj(a_t) b_t in 16 lanes, then the remainder
    void test_lag_product()
    {
        using fn = void(const double*,
                        const double*,
                        const double*,
                        const double*,
                        long,
                        double&,
                        double&);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::(anonymous namespace)::lag_product(double const*, double "
            "const*, double const*, double const*, long, double&, double&)");
        if (clones.empty())
            return;
        for (long L : { 0L, 1L, 2L, 7L, 15L, 16L, 17L, 31L, 32L, 33L, 47L, 100L, 255L }) {
            // one past an aligned start: the 8-double vectors load unaligned
            const std::vector<double> ar = randd(L + 1), ai = randd(L + 1, 3.0),
                                      br = randd(L + 1, 0.5), bi = randd(L + 1);
            const std::string where = str("L", L);
            const auto r = same_in_every_clone(
                clones,
                [&](fn* f) {
                    std::vector<double> o(2, -1.0);
                    f(ar.data() + 1,
                      ai.data() + 1,
                      br.data() + 1,
                      bi.data() + 1,
                      L,
                      o[0],
                      o[1]);
                    return o;
                },
                where);
            ld re = 0, im = 0, mag = 0;
            for (long t = 1; t <= L; ++t) {
                re += ld(ar[t]) * br[t] + ld(ai[t]) * bi[t];
                im += ld(ar[t]) * bi[t] - ld(ai[t]) * br[t];
                mag += std::fabs(ar[t] * br[t]) + std::fabs(ai[t] * bi[t]) +
                       std::fabs(ar[t] * bi[t]) + std::fabs(ai[t] * br[t]);
            }
            const ld tol = (L + 4) * ld(DBL_EPSILON) * mag;
            CPPUNIT_ASSERT_MESSAGE(
                where, std::fabs(r[0] - re) <= tol && std::fabs(r[1] - im) <= tol);
        }
    }

    // tx_phase.cc: a[k] += sum_t conj(x[t step + k]) y[t], the offsets in the lanes
    void test_correlate_offsets()
    {
        using fn = void(const double*,
                        const double*,
                        long,
                        const double*,
                        const double*,
                        long,
                        int,
                        double*,
                        double*);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::(anonymous namespace)::correlate_offsets(double const*, "
            "double const*, long, double const*, double const*, long, int, double*, "
            "double*)");
        if (clones.empty())
            return;
        for (int K : { 1, 3, 8, 9, 17, 33 })
            for (long T : { 1L, 4L, 13L })
                for (long step : { 1L, long(K), long(K) + 5 }) {
                    const size_t nx = size_t((T - 1) * step + K);
                    const std::vector<double> xr = randd(nx), xi = randd(nx, 2.0),
                                              yr = randd(T), yi = randd(T, 0.7),
                                              a0 = randd(2 * K, 4.0);
                    const std::string where =
                        str("K", K) + str("T", T) + str("step", step);
                    const double guard = 0.3;
                    const auto a = same_in_every_clone(
                        clones,
                        [&](fn* f) {
                            std::vector<double> r(a0.begin(), a0.begin() + K),
                                i(a0.begin() + K, a0.end());
                            r.resize(K + guard_n, guard);
                            i.resize(K + guard_n, guard);
                            f(xr.data(),
                              xi.data(),
                              step,
                              yr.data(),
                              yi.data(),
                              T,
                              K,
                              r.data(),
                              i.data());
                            return joined(r, i, K, guard, where);
                        },
                        where);
                    for (int k = 0; k < K; ++k) {
                        ld re = a0[k], im = a0[K + k];
                        ld mag = std::fabs(re) + std::fabs(im);
                        for (long t = 0; t < T; ++t) {
                            const double pr = xr[t * step + k], pi = xi[t * step + k];
                            re += ld(pr) * yr[t] + ld(pi) * yi[t];
                            im += ld(pr) * yi[t] - ld(pi) * yr[t];
                            mag += 2 * (std::fabs(pr) + std::fabs(pi)) *
                                   (std::fabs(yr[t]) + std::fabs(yi[t]));
                        }
                        const ld tol = 2 * (T + 2) * ld(DBL_EPSILON) * mag;
                        CPPUNIT_ASSERT_MESSAGE(where,
                                               std::fabs(a[k] - re) <= tol &&
                                                   std::fabs(a[K + k] - im) <= tol);
                    }
                }
    }

    // types.cc: I0 of 8 arguments side by side, each lane stopping on its own
    void test_bessel_i0_n()
    {
        using fn = void(const double*, double*, int);
        const auto clones =
            qa::clones_of<fn>("gr::isac::core::bessel_i0_n(double const*, double*, int)");
        if (clones.empty())
            return;
        for (int n : { 1, 2, 5, 7, 8, 9, 15, 16, 17, 37, 129 }) {
            std::vector<double> x = randd(n, 60.0);
            if (n > 4) { // a zero, a NaN and an infinity among the lanes
                x[1] = 0.0;
                x[2] = std::numeric_limits<double>::quiet_NaN();
                x[n - 1] = -std::numeric_limits<double>::infinity();
            }
            const std::string where = str("n", n);
            const auto out = same_in_every_clone(
                clones,
                [&](fn* f) {
                    std::vector<double> o(n + guard_n, -1.0);
                    f(x.data(), o.data(), n);
                    check_guard(o, n, -1.0, where);
                    return o;
                },
                where);
            for (int i = 0; i < n; ++i) {
                if (!std::isfinite(x[i])) {
                    CPPUNIT_ASSERT_MESSAGE(where,
                                           std::isnan(x[i]) ? std::isnan(out[i])
                                                            : std::isinf(out[i]));
                    continue;
                }
                const double ref = std::cyl_bessel_i(0.0, std::fabs(x[i]));
                CPPUNIT_ASSERT_MESSAGE(where, std::fabs(out[i] - ref) <= 1e-14 * ref);
            }
        }
    }

    // doa.cc: x - x summed in 32 lanes (0 unless a component is NaN or infinite)
    void test_all_finite()
    {
        using fn = bool(const cf*, unsigned long);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::(anonymous namespace)::all_finite(std::complex<float> "
            "const*, unsigned long)");
        if (clones.empty())
            return;
        const float bad[] = { std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity() };
        std::uniform_int_distribution<int> pick(0, 2);
        int n_false = 0;
        for (int n = 0; n <= 70; n += (n < 40 ? 1 : 15)) {
            for (int c = 0; c < 4; ++c) {
                // c = 0: finite, up to 3e38 (x - x is still 0); else one NaN or
                // infinity: the first float, float 37 (in the second 32-float block
                // from n = 32 on, in the remainder below) or the last
                std::vector<float> v = randf(2 * n + 2, 3e38f);
                if (c > 0 && n > 0) {
                    const int at = c == 1   ? 0
                                   : c == 2 ? std::min(2 * n - 1, 37)
                                            : 2 * n - 1;
                    v[1 + at] = bad[pick(rng)];
                }
                const cf* p = reinterpret_cast<const cf*>(v.data() + 1); // unaligned
                bool ref = true;
                for (int i = 0; i < 2 * n; ++i)
                    ref = ref && std::isfinite(v[1 + i]);
                const std::string where = str("n", n) + str("case", c);
                const auto out = same_in_every_clone(
                    clones,
                    [&](fn* f) { return std::vector<int>{ f(p, size_t(n)) }; },
                    where);
                CPPUNIT_ASSERT_MESSAGE(where, out[0] == int(ref));
                n_false += !ref;
            }
        }
        CPPUNIT_ASSERT(n_false > 100);
    }

    // doa.cc: the binary exponent of the largest |component| in 32 lanes
    void test_max_exponent()
    {
        using fn = int(const cf*, unsigned long);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::(anonymous namespace)::max_exponent(std::complex<float> "
            "const*, unsigned long)");
        if (clones.empty())
            return;
        std::uniform_int_distribution<int> ex(-149, 127);
        int n_none = 0;
        for (int n = 0; n <= 90; n += (n < 40 ? 1 : 25))
            for (int c = 0; c < 3; ++c) {
                // c = 0: exponents over the whole float range (denormals included);
                // c = 1: zeros and denormals only (no signal); c = 2: one large value
                // in the remainder
                std::vector<float> v = randf(2 * n + 1);
                for (float& x : v)
                    x = c == 1 ? (x < 0 ? -0.0f : std::ldexp(x, -127))
                               : std::ldexp(x, ex(rng));
                if (c == 2 && n > 0)
                    v[2 * n] = -3e37f;
                const cf* p = reinterpret_cast<const cf*>(v.data() + 1);
                float mx = 0.0f;
                for (int i = 1; i <= 2 * n; ++i)
                    mx = std::max(mx, std::fabs(v[i]));
                int ref = INT_MIN;
                if (mx >= FLT_MIN)
                    std::frexp(mx, &ref);
                const std::string where = str("n", n) + str("case", c);
                const auto out = same_in_every_clone(
                    clones,
                    [&](fn* f) { return std::vector<int>{ f(p, size_t(n)) }; },
                    where);
                CPPUNIT_ASSERT_MESSAGE(where, out[0] == ref);
                n_none += ref == INT_MIN;
            }
        CPPUNIT_ASSERT(n_none > 40);
    }

    // doa.cc: |sum_n BH(m, n) z_n|^2 / den, the grid angles in the lanes
    void test_grid_power()
    {
        using fn = void(const cf*, int, int, const cf*, float, float*, float*);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::(anonymous namespace)::grid_power(std::complex<float> "
            "const*, int, int, std::complex<float> const*, float, float*, float*)");
        if (clones.empty())
            return;
        for (int M : { 1, 7, 16, 33, 181 })
            for (int N : { 0, 1, 2, 3, 5, 8 }) {
                std::vector<cf> BH(size_t(M) * N), z(N);
                for (cf& b : BH)
                    b = randc();
                for (cf& x : z)
                    x = randc(3.0f);
                const float den = 0.5f + 2.5f * std::fabs(randc().real());
                const std::string where = str("M", M) + str("N", N);
                const auto out = same_in_every_clone(
                    clones,
                    [&](fn* f) {
                        std::vector<float> g(2 * M), o(M + guard_n, 5.0f);
                        f(BH.data(), M, N, z.data(), den, g.data(), o.data());
                        check_guard(o, M, 5.0f, where);
                        o.insert(o.end(), g.begin(), g.end());
                        return o;
                    },
                    where);
                for (int m = 0; m < M; ++m) {
                    std::complex<ld> s = 0;
                    ld mag = 0;
                    for (int n = 0; n < N; ++n) {
                        const cf b = BH[size_t(n) * M + m];
                        s += std::complex<ld>(b.real(), b.imag()) *
                             std::complex<ld>(z[n].real(), z[n].imag());
                        mag += std::abs(b) * std::abs(z[n]) * 2;
                    }
                    near(std::norm(s) / den, out[m], mag * mag / den, 2 * N + 4, where);
                }
            }
    }

    // doa.cc: the first maximum's index in 16 lanes (ties: the lowest index)
    void test_argmax_first()
    {
        using fn = int(const float*, int);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::(anonymous namespace)::argmax_first(float const*, int)");
        if (clones.empty())
            return;
        std::uniform_int_distribution<int> level(0, 5);
        for (int n = 1; n <= 300; n += (n < 40 ? 1 : 37))
            for (int ties : { 0, 1 }) {
                // ties: six levels, so the maximum recurs in several lanes
                std::vector<float> v = randf(n + 1, 100.0f);
                if (ties)
                    for (float& x : v)
                        x = 0.5f * level(rng) - 2.0f;
                int ref = 0;
                for (int i = 1; i < n; ++i)
                    if (v[1 + i] > v[1 + ref])
                        ref = i;
                const std::string where = str("n", n) + str("ties", ties);
                const auto out = same_in_every_clone(
                    clones,
                    [&](fn* f) { return std::vector<int>{ f(v.data() + 1, n) }; },
                    where);
                CPPUNIT_ASSERT_MESSAGE(where, out[0] == ref);
            }
    }

    // rx_filter.cc: P = W X for a 6 x 8 W, in Eigen's GEMM order
    void test_project_6x8()
    {
        using fn = void(const float*, const float*, int, float*);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::(anonymous namespace)::project_6x8(float const*, float "
            "const*, int, float*)");
        if (clones.empty())
            return;
        for (int b : { 1, 2, 3, 4, 5, 7, 13 }) {
            const std::vector<float> W = randf(48, 2.0f), X = randf(8 * b + 1);
            const std::string where = str("b", b);
            const auto P = same_in_every_clone(
                clones,
                [&](fn* f) {
                    std::vector<float> o(6 * b + guard_n, 9.0f);
                    f(W.data(), X.data() + 1, b, o.data());
                    check_guard(o, 6 * b, 9.0f, where);
                    return o;
                },
                where);
            for (int j = 0; j < b; ++j)
                for (int i = 0; i < 6; ++i) {
                    ld s = 0, mag = 0;
                    for (int t = 0; t < 8; ++t) {
                        s += ld(W[i * 8 + t]) * X[1 + j * 8 + t];
                        mag += std::fabs(W[i * 8 + t] * X[1 + j * 8 + t]);
                    }
                    near(s, P[j * 6 + i], mag, 8, where);
                }
        }
    }

    // frontend.cc: the fractional delay's FIR on split parts, 32 outputs at a time
    void test_fir_split()
    {
        using fn =
            void(const float*, long, const float*, const float*, float*, float*, long);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::(anonymous namespace)::fir_split(float const*, long, float "
            "const*, float const*, float*, float*, long)");
        if (clones.empty())
            return;
        for (long L : { 1L, 2L, 5L, 32L, 33L })
            for (long n : { 0L, 1L, 31L, 32L, 33L, 65L, 100L }) {
                const std::vector<float> h = randf(L), re = randf(n + L),
                                         im = randf(n + L, 4.0f);
                const std::string where = str("L", L) + str("n", n);
                const auto out = same_in_every_clone(
                    clones,
                    [&](fn* f) {
                        std::vector<float> a(n + guard_n, 2.0f), b(n + guard_n, 2.0f);
                        f(h.data(),
                          L,
                          re.data() + 1,
                          im.data() + 1,
                          a.data(),
                          b.data(),
                          n);
                        return joined(a, b, n, 2.0f, where);
                    },
                    where);
                for (long t = 0; t < n; ++t) {
                    ld sr = 0, si = 0, mr = 0, mi = 0;
                    for (long j = 0; j < L; ++j) {
                        sr += ld(h[j]) * re[1 + t + j];
                        si += ld(h[j]) * im[1 + t + j];
                        mr += std::fabs(h[j] * re[1 + t + j]);
                        mi += std::fabs(h[j] * im[1 + t + j]);
                    }
                    near(sr, out[t], mr, L, where);
                    near(si, out[n + t], mi, L, where);
                }
            }
    }

    // frontend.cc: the air's rows sum_k A(m, k) x_k[t], the snapshots in the lanes
    void test_air_rows()
    {
        using fn = void(const float*, int, const cf*, int, float*, long);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::(anonymous namespace)::air_rows(float const*, int, "
            "std::complex<float> const*, int, float*, long)");
        if (clones.empty())
            return;
        for (int nt : { 1, 2, 3, 5 })
            for (int rows : { 1, 2, 4, 7 })
                for (long N : { 1L, 15L, 33L, 100L }) {
                    const std::vector<float> xs = randf(2 * nt * N);
                    std::vector<cf> A(size_t(rows) * nt);
                    for (cf& a : A)
                        a = randc(2.0f);
                    const std::string where =
                        str("nt", nt) + str("rows", rows) + str("N", N);
                    const size_t no = 2 * size_t(rows) * N;
                    const auto out = same_in_every_clone(
                        clones,
                        [&](fn* f) {
                            std::vector<float> o(no + guard_n, -3.0f);
                            f(xs.data(), nt, A.data(), rows, o.data(), N);
                            check_guard(o, no, -3.0f, where);
                            return o;
                        },
                        where);
                    for (int m = 0; m < rows; ++m)
                        for (long t = 0; t < N; ++t) {
                            std::complex<ld> s = 0;
                            ld mag = 0;
                            for (int k = 0; k < nt; ++k) {
                                const cf a = A[size_t(m) * nt + k];
                                const std::complex<ld> x(xs[2 * k * N + t],
                                                         xs[(2 * k + 1) * N + t]);
                                s += std::complex<ld>(a.real(), a.imag()) * x;
                                mag += 2 * std::abs(a) * std::abs(x);
                            }
                            near(s.real(), out[2 * m * N + t], mag, 2 * nt, where);
                            near(s.imag(), out[(2 * m + 1) * N + t], mag, 2 * nt, where);
                        }
                }
    }

    // frontend.cc: one transmit chain (non-finite parts to 0, DAC clip, IQ image,
    // gain x phase noise), counts added to the caller's
    void test_tx_chain_kernel()
    {
        using fn = void(
            float*, float*, const float*, cf, cf, cf, float, long, uint64_t&, uint64_t&);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::(anonymous namespace)::tx_chain_kernel(float*, float*, "
            "float const*, std::complex<float>, std::complex<float>, "
            "std::complex<float>, float, long, unsigned long&, unsigned long&)");
        if (clones.empty())
            return;
        std::uniform_int_distribution<int> coin(0, 19);
        for (long n : { 1L, 7L, 16L, 33L, 100L }) {
            std::vector<float> re = randf(n, 1.6f), im = randf(n, 1.6f);
            for (float* p : { re.data(), im.data() })
                for (long t = 0; t < n; ++t)
                    if (coin(rng) == 0)
                        p[t] = t % 2 ? std::numeric_limits<float>::quiet_NaN()
                                     : -std::numeric_limits<float>::infinity();
            const std::vector<float> pn = randf(n, 0.05f);
            const cf g = randc(1.5f), k1 = cf(1.0f, 0.0f) + randc(0.1f),
                     k2 = randc(0.08f);
            const float clip = 1.1f;
            const std::string where = str("n", n);
            const auto out = same_in_every_clone(
                clones,
                [&](fn* f) {
                    std::vector<float> r(re), i(im);
                    r.resize(n + guard_n, 4.0f);
                    i.resize(n + guard_n, 4.0f);
                    uint64_t nonfinite = 3, clipped = 5;
                    f(r.data(),
                      i.data(),
                      pn.data(),
                      g,
                      k1,
                      k2,
                      clip,
                      n,
                      nonfinite,
                      clipped);
                    r = joined(r, i, n, 4.0f, where);
                    r.push_back(float(nonfinite));
                    r.push_back(float(clipped));
                    return r;
                },
                where);
            uint64_t nonfinite = 3, clipped = 5;
            for (long t = 0; t < n; ++t) {
                nonfinite += !std::isfinite(re[t]) + !std::isfinite(im[t]);
                const float dr = std::isfinite(re[t]) ? re[t] : 0.0f,
                            di = std::isfinite(im[t]) ? im[t] : 0.0f;
                clipped += std::fabs(dr) > clip || std::fabs(di) > clip;
                const std::complex<ld> z(std::clamp(dr, -clip, clip),
                                         std::clamp(di, -clip, clip));
                const auto c = [](cf a) { return std::complex<ld>(a.real(), a.imag()); };
                const std::complex<ld> y = c(g) * std::exp(std::complex<ld>(0, pn[t])) *
                                           (c(k1) * z + c(k2) * std::conj(z));
                // the phase-noise series to pn^3 is exact to 3e-7 for |pn| < 0.05
                const ld mag =
                    std::abs(g) * (std::abs(k1) + std::abs(k2)) * std::abs(z) * 2;
                CPPUNIT_ASSERT_MESSAGE(where,
                                       std::fabs(out[t] - y.real()) <= 1e-6L * mag &&
                                           std::fabs(out[n + t] - y.imag()) <=
                                               1e-6L * mag);
            }
            CPPUNIT_ASSERT_MESSAGE(where,
                                   out[2 * n] == float(nonfinite) &&
                                       out[2 * n + 1] == float(clipped));
        }
    }

    // frontend.cc: one receive chain (noise, gain x phase noise, the CFO phasor if
    // any, IQ image, ADC clip if clip > 0): its four loops
    void test_rx_chain_kernel()
    {
        using fn = uint64_t(float*,
                            float*,
                            const float*,
                            const float*,
                            const cf*,
                            cf,
                            cf,
                            cf,
                            float,
                            float,
                            long);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::(anonymous namespace)::rx_chain_kernel(float*, float*, "
            "float const*, float const*, std::complex<float> const*, "
            "std::complex<float>, std::complex<float>, std::complex<float>, float, "
            "float, long)");
        if (clones.empty())
            return;
        int n_clipped = 0;
        for (long n : { 1L, 7L, 16L, 33L, 100L })
            for (int with_cfo : { 0, 1 })
                for (float clip : { 0.0f, 1.2f }) {
                    const std::vector<float> re = randf(n), im = randf(n),
                                             w = randf(3 * n, 2.0f), pn = randf(n, 0.05f);
                    std::vector<cf> rf(n);
                    for (long t = 0; t < n; ++t)
                        rf[t] = std::polar(1.0f, 0.37f * t + 0.2f);
                    const cf g = randc(1.5f), k1 = cf(1.0f, 0.0f) + randc(0.1f),
                             k2 = randc(0.08f);
                    const float sd = 0.3f;
                    const std::string where =
                        str("n", n) + str("cfo", with_cfo) + str("clip", clip > 0);
                    const auto out = same_in_every_clone(
                        clones,
                        [&](fn* f) {
                            std::vector<float> r(re), i(im);
                            r.resize(n + guard_n, 4.0f);
                            i.resize(n + guard_n, 4.0f);
                            const uint64_t c = f(r.data(),
                                                 i.data(),
                                                 w.data(),
                                                 pn.data(),
                                                 with_cfo ? rf.data() : nullptr,
                                                 g,
                                                 k1,
                                                 k2,
                                                 sd,
                                                 clip,
                                                 n);
                            r = joined(r, i, n, 4.0f, where);
                            r.push_back(float(c));
                            return r;
                        },
                        where);
                    // the clip count: the samples surely above the clip, and those within
                    // the float rounding of it either way
                    int sure = 0, maybe = 0;
                    for (long t = 0; t < n; ++t) {
                        const auto c = [](cf a) {
                            return std::complex<ld>(a.real(), a.imag());
                        };
                        std::complex<ld> z(ld(re[t]) + ld(sd * w[3 * t]),
                                           ld(im[t]) + ld(sd * w[3 * t + 1]));
                        z *= c(g) * std::exp(std::complex<ld>(0, pn[t]));
                        if (with_cfo)
                            z *= c(rf[t]);
                        const std::complex<ld> y = c(k1) * z + c(k2) * std::conj(z);
                        const ld mag =
                            4 * (std::abs(k1) + std::abs(k2)) * std::abs(z) + 1e-30L;
                        const ld tol = 1e-6L * mag;
                        ld yr = y.real(), yi = y.imag();
                        if (clip > 0) {
                            const ld m = std::max(std::fabs(yr), std::fabs(yi));
                            sure += m > clip + tol;
                            maybe += std::fabs(m - clip) <= tol;
                            yr = std::clamp(yr, ld(-clip), ld(clip));
                            yi = std::clamp(yi, ld(-clip), ld(clip));
                        }
                        CPPUNIT_ASSERT_MESSAGE(where,
                                               std::fabs(out[t] - yr) <= tol &&
                                                   std::fabs(out[n + t] - yi) <= tol);
                    }
                    const float c = out[2 * n];
                    CPPUNIT_ASSERT_MESSAGE(where, c >= sure && c <= sure + maybe);
                    n_clipped += int(c);
                }
        CPPUNIT_ASSERT(n_clipped > 20);
    }

    // user_rx.cc: the interpolator's FIR on interleaved floats, 32 outputs at a time
    void test_interp_fir()
    {
        using fn = void(const cf*, const float*, int, cf*, unsigned long);
        const auto clones = qa::clones_of<fn>(
            "gr::isac::core::interp_fir(std::complex<float> const*, float const*, int, "
            "std::complex<float>*, unsigned long)");
        if (clones.empty())
            return;
        for (int ntaps : { 1, 3, 17, 33, 129 })
            for (long n : { 0L, 1L, 15L, 16L, 17L, 33L, 100L }) {
                std::vector<cf> x(n + ntaps);
                for (cf& v : x)
                    v = randc(2.0f);
                const std::vector<float> h = randf(ntaps);
                const std::string where = str("ntaps", ntaps) + str("n", n);
                const cf guard(6.0f, -6.0f);
                const auto out = same_in_every_clone(
                    clones,
                    [&](fn* f) {
                        std::vector<cf> o(n + guard_n, guard);
                        f(x.data() + 1, h.data(), ntaps, o.data(), size_t(n));
                        check_guard(o, n, guard, where);
                        return o;
                    },
                    where);
                for (long k = 0; k < n; ++k) {
                    ld sr = 0, si = 0, mr = 0, mi = 0;
                    for (int i = 0; i < ntaps; ++i) {
                        const cf v = x[1 + k + i];
                        sr += ld(v.real()) * h[i];
                        si += ld(v.imag()) * h[i];
                        mr += std::fabs(v.real() * h[i]);
                        mi += std::fabs(v.imag() * h[i]);
                    }
                    near(sr, out[k].real(), mr, ntaps, where);
                    near(si, out[k].imag(), mi, ntaps, where);
                }
            }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_clones);
