/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every implementation of the VOLK-style 1-bit kernel this CPU runs (generic,
 * SSE, AVX, AVX-512 on x86; NEON on ARM, run under qemu by `./run cross`)
 * against a scalar reference of the sign rule: -amplitude iff v < 0, so zeros,
 * -0.0 and NaN of either sign give +amplitude. Lengths cover every SIMD tail,
 * pointers every float offset, the NaN flag NaNs in the body and in the tail.
 */
#include "volk_isac/machines.h"
#include <gnuradio/isac/core/types.h>
#include <gnuradio/isac/core/volk_isac.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

using namespace gr::isac::core;

namespace {
float reference(float v, float a) { return v < 0.0f ? -a : a; }

bool has(const std::vector<std::string>& v, const std::string& s)
{
    return std::find(v.begin(), v.end(), s) != v.end();
}

// Normal samples with special values sprinkled in (never NaN unless asked).
std::vector<float> samples(std::mt19937& rng, size_t n, bool with_nan)
{
    std::normal_distribution<float> nd;
    std::uniform_int_distribution<int> pick(0, 9);
    const float special[] = { 0.0f,
                              -0.0f,
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(),
                              std::numeric_limits<float>::denorm_min(),
                              -std::numeric_limits<float>::denorm_min(),
                              std::numeric_limits<float>::max(),
                              -std::numeric_limits<float>::max() };
    std::vector<float> v(n);
    for (auto& x : v)
        x = pick(rng) == 0 ? special[pick(rng) % 8] : nd(rng);
    if (with_nan && n > 0) {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        v[std::uniform_int_distribution<size_t>(0, n - 1)(rng)] =
            pick(rng) % 2 ? nan : -nan;
    }
    return v;
}
} // namespace

class qa_volk_isac : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_volk_isac);
    CPPUNIT_TEST(test_machines);
    CPPUNIT_TEST(test_every_impl_against_reference);
    CPPUNIT_TEST(test_nan_flag_positions);
    CPPUNIT_TEST(test_in_place);
    CPPUNIT_TEST(test_unknown_impl);
    CPPUNIT_TEST(test_ci_lp_kernels_bit_identical);
    CPPUNIT_TEST(test_ci_flip_kernels_bit_identical);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_machines()
    {
        const auto impls = volk_isac_32f_s32f_binary_slicer_32f_impls();
        CPPUNIT_ASSERT(!impls.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("generic"), impls.front());
        CPPUNIT_ASSERT(has(impls, volk_isac_32f_s32f_binary_slicer_32f_selected()));
#if defined(__x86_64__)
        CPPUNIT_ASSERT(has(impls, "u_sse")); // SSE is in the x86-64 baseline
#endif
#if defined(__aarch64__)
        CPPUNIT_ASSERT(has(impls, "neon")); // Advanced SIMD is in ARMv8-A
#endif
    }

    void test_every_impl_against_reference()
    {
        std::mt19937 rng(20);
        std::vector<size_t> lengths;
        for (size_t n = 0; n <= 100; ++n)
            lengths.push_back(n);
        for (size_t n : { 127u, 128u, 129u, 1000u, 4099u })
            lengths.push_back(n);
        for (const auto& impl : volk_isac_32f_s32f_binary_slicer_32f_impls()) {
            for (size_t n : lengths) {
                for (size_t off_in = 0; off_in < 4; off_in += (n < 40 ? 1 : 3)) {
                    const size_t off_out = (off_in * 3 + n) % 4;
                    const bool with_nan = (n + off_in) % 3 == 0;
                    std::vector<float> in(off_in + n), out(off_out + n + 1, 7.0f);
                    const auto s = samples(rng, n, with_nan);
                    std::copy(s.begin(), s.end(), in.begin() + off_in);
                    const float a = 0.25f + float(n % 7);
                    uint32_t flag = 12345;
                    volk_isac_32f_s32f_binary_slicer_32f_manual(out.data() + off_out,
                                                                &flag,
                                                                in.data() + off_in,
                                                                a,
                                                                unsigned(n),
                                                                impl);
                    bool any_nan = false;
                    for (size_t i = 0; i < n; ++i) {
                        const float ref = reference(s[i], a);
                        any_nan |= s[i] != s[i];
                        if (std::memcmp(&ref, &out[off_out + i], sizeof(float)) != 0)
                            CPPUNIT_FAIL(impl + ": n = " + std::to_string(n) +
                                         ", i = " + std::to_string(i) +
                                         ", in = " + std::to_string(s[i]) +
                                         ", out = " + std::to_string(out[off_out + i]));
                    }
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(impl, any_nan, flag != 0);
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(
                        impl + ": wrote past the end", 7.0f, out[off_out + n]);
                    for (size_t i = 0; i < off_out; ++i)
                        CPPUNIT_ASSERT_EQUAL_MESSAGE(
                            impl + ": wrote before the start", 7.0f, out[i]);
                }
            }
        }
    }

    void test_nan_flag_positions()
    {
        // one NaN at every position of a length covering body and tail of all machines
        const size_t n = 77;
        const float nan = std::numeric_limits<float>::quiet_NaN();
        for (const auto& impl : volk_isac_32f_s32f_binary_slicer_32f_impls()) {
            for (size_t pos = 0; pos < n; ++pos) {
                std::vector<float> in(n, -1.0f), out(n);
                in[pos] = pos % 2 ? nan : -nan;
                uint32_t flag = 0;
                volk_isac_32f_s32f_binary_slicer_32f_manual(
                    out.data(), &flag, in.data(), 2.0f, unsigned(n), impl);
                CPPUNIT_ASSERT_MESSAGE(impl + " at " + std::to_string(pos), flag != 0);
                CPPUNIT_ASSERT_EQUAL(2.0f, out[pos]);
                CPPUNIT_ASSERT_EQUAL(-2.0f, out[(pos + 1) % n]);
            }
            std::vector<float> in(n, 3.0f), out(n);
            uint32_t flag = 99;
            volk_isac_32f_s32f_binary_slicer_32f_manual(
                out.data(), &flag, in.data(), 2.0f, unsigned(n), impl);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(impl, uint32_t(0), flag);
        }
    }

    void test_in_place()
    {
        std::mt19937 rng(3);
        for (const auto& impl : volk_isac_32f_s32f_binary_slicer_32f_impls()) {
            auto v = samples(rng, 301, false);
            const auto s = v;
            uint32_t flag = 1;
            volk_isac_32f_s32f_binary_slicer_32f_manual(
                v.data(), &flag, v.data(), 1.0f, unsigned(v.size()), impl);
            CPPUNIT_ASSERT_EQUAL(uint32_t(0), flag);
            for (size_t i = 0; i < v.size(); ++i)
                CPPUNIT_ASSERT_EQUAL(reference(s[i], 1.0f), v[i]);
        }
        // and through the dispatcher
        auto v = samples(rng, 64, false);
        const auto s = v;
        uint32_t flag = 1;
        volk_isac_32f_s32f_binary_slicer_32f(v.data(), &flag, v.data(), 0.5f, 64);
        for (size_t i = 0; i < v.size(); ++i)
            CPPUNIT_ASSERT_EQUAL(reference(s[i], 0.5f), v[i]);
    }

    void test_unknown_impl()
    {
        float x = 1.0f, y;
        uint32_t flag;
        CPPUNIT_ASSERT_THROW(volk_isac_32f_s32f_binary_slicer_32f_manual(
                                 &y, &flag, &x, 1.0f, 1, "u_avx9000"),
                             std::invalid_argument);
    }

    // The LP's wide kernels against the loops ci_lp.cc runs without them (Eigen's
    // GEMV, scalar loops): bit for bit, on every length tail and with ties, zeros
    // and fixed columns, so the LP takes the same pivots on every machine.
    void test_ci_lp_kernels_bit_identical()
    {
        namespace m = volk_isac_machines;
        const m::ci_lp_kernels* K = m::ci_lp_selected();
#if defined(__x86_64__) || defined(__i386__)
        if (!std::getenv("VOLK_GENERIC") && __builtin_cpu_supports("avx"))
            CPPUNIT_ASSERT(K != nullptr);
#endif
        if (!K)
            return; // the generic loops are the reference itself
        const double inf = std::numeric_limits<double>::infinity();
        std::mt19937 rng(17);
        std::normal_distribution<double> nd;
        std::uniform_int_distribution<int> st3(-1, 1), pick(0, 7);
        auto same = [](double a, double b) { return std::memcmp(&a, &b, 8) == 0; };
        for (int n : { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 64, 128, 130, 256 })
            for (int m : { 1, 2, 3, 8, 13 }) {
                gr::isac::core::rmat AT(n, m);
                gr::isac::core::rvec rho(m);
                for (int k = 0; k < m; ++k) {
                    rho[k] = pick(rng) == 0 ? 0.0 : nd(rng);
                    for (int i = 0; i < n; ++i)
                        AT(i, k) = pick(rng) == 0 ? -0.0 : nd(rng);
                }
                const int N = n + m;
                std::vector<int> st(N);
                std::vector<double> l(N), u(N), d(N), alpha(N, 7.0);
                for (int j = 0; j < N; ++j) {
                    st[j] = st3(rng);
                    l[j] = -0.5;
                    u[j] = pick(rng) == 0 ? -0.5 : 0.5;
                    d[j] = pick(rng) == 0 ? 0.0 : nd(rng);
                }
                // pivot row
                const gr::isac::core::rvec ref = AT * rho;
                double amax_ref = 0.0;
                for (int i = 0; i < n; ++i)
                    if (st[i] >= 0)
                        amax_ref = std::max(amax_ref, std::abs(ref[i]));
                const double amax =
                    K->pivot_row(AT.data(), n, m, rho.data(), st.data(), alpha.data());
                CPPUNIT_ASSERT(same(amax, amax_ref));
                for (int i = 0; i < n; ++i)
                    CPPUNIT_ASSERT(same(alpha[i], ref[i]));
                for (int i = n; i < N; ++i)
                    alpha[i] = pick(rng) == 0 ? 0.0 : nd(rng);
                if (N > 3) // a tie of ratios
                    alpha[N - 1] = alpha[1], d[N - 1] = d[1], st[N - 1] = st[1];
                // ratios
                for (double up : { 1.0, -1.0 })
                    for (double atol : { 1e-11, 0.3 }) {
                        std::vector<double> r(N), rr(N);
                        size_t nref = 0;
                        for (int j = 0; j < N; ++j) {
                            const double t = (st[j] == 1 ? up : -up) * alpha[j];
                            const bool ok = st[j] >= 0 && l[j] != u[j] && t > atol;
                            rr[j] = ok ? std::abs(d[j]) / std::abs(alpha[j]) : inf;
                            nref += ok;
                        }
                        const size_t nbp = K->ratios(N,
                                                     alpha.data(),
                                                     d.data(),
                                                     st.data(),
                                                     l.data(),
                                                     u.data(),
                                                     up,
                                                     atol,
                                                     r.data());
                        CPPUNIT_ASSERT_EQUAL(nref, nbp);
                        for (int j = 0; j < N; ++j)
                            CPPUNIT_ASSERT(same(r[j], rr[j]));
                        // the smallest ratio, the largest |alpha| among ties, the
                        // lowest index among those
                        double mn = inf;
                        for (int j = 0; j < N; ++j)
                            mn = std::min(mn, rr[j]);
                        int best = -1;
                        for (int j = 0; j < N; ++j)
                            if (rr[j] == mn &&
                                (best < 0 || std::abs(alpha[j]) > std::abs(alpha[best])))
                                best = j;
                        CPPUNIT_ASSERT_EQUAL(
                            best, K->next_breakpoint(r.data(), alpha.data(), N));
                    }
                // reduced costs
                const double td = nd(rng);
                std::vector<double> dk = d, dr = d;
                for (int j = 0; j < N; ++j)
                    dr[j] -= st[j] >= 0 ? td * alpha[j] : 0.0;
                K->update_d(N, td, alpha.data(), st.data(), dk.data());
                for (int j = 0; j < N; ++j)
                    CPPUNIT_ASSERT(same(dk[j], dr[j]));
            }
    }

    // The flip search's pair scan against the Eigen loop ci_flip_search.cc runs
    // without it: bit for bit on every length tail, with rows skipped and kept,
    // values at the tolerance, zeros of both signs, and more rows than the kernel
    // keeps in its list.
    void test_ci_flip_kernels_bit_identical()
    {
        namespace m = volk_isac_machines;
        const m::ci_flip_kernels* K = m::ci_flip_selected();
#if defined(__x86_64__) || defined(__i386__)
        if (!std::getenv("VOLK_GENERIC") && __builtin_cpu_supports("avx"))
            CPPUNIT_ASSERT(K != nullptr);
#endif
        if (!K)
            return; // the generic loop is the reference itself
        std::mt19937 rng(23);
        std::normal_distribution<double> nd;
        std::uniform_int_distribution<int> pick(0, 7);
        auto same = [](double a, double b) { return std::memcmp(&a, &b, 8) == 0; };
        const double tol = 1e-3;
        for (int n : { 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 64, 130 })
            for (int mr : { 1, 2, 5, 12, 13, 70 }) {
                std::vector<double> D(size_t(mr) * n), r(mr), dmin(mr);
                for (int i = 0; i < mr; ++i) {
                    const int c = pick(rng);
                    r[i] = c == 0 ? 0.0 : c == 1 ? -0.0 : nd(rng);
                    for (int k = 0; k < n; ++k) {
                        const int e = pick(rng);
                        D[size_t(i) * n + k] = e == 0   ? -tol - r[i]
                                               : e == 1 ? -0.0
                                                        : nd(rng);
                    }
                    dmin[i] = *std::min_element(&D[size_t(i) * n], &D[size_t(i) * n] + n);
                    if (pick(rng) == 0) // a row no partner can break
                        dmin[i] = -r[i];
                }
                Eigen::ArrayXd ref = Eigen::ArrayXd::Zero(n);
                for (int i = 0; i < mr; ++i) {
                    const double r0 = r[i];
                    if (!(r0 + dmin[i] < -tol))
                        continue;
                    const auto ri =
                        r0 + Eigen::Map<const Eigen::ArrayXd>(&D[size_t(i) * n], n);
                    ref -= (ri < -tol).select(ri, 0.0);
                }
                std::vector<double> v2(n, 7.0);
                const double vmin = K->pair_violation(
                    n, mr, D.data(), r.data(), dmin.data(), tol, v2.data());
                for (int k = 0; k < n; ++k)
                    CPPUNIT_ASSERT(same(v2[k], ref[k]));
                CPPUNIT_ASSERT_EQUAL(ref.minCoeff(), vmin);
            }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_volk_isac);
