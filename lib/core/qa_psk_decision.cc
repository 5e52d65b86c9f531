/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fast_atan2 against std::atan2, and psk_round / psk_index against the decision they
 * replace (std::atan2, then std::lround of a M / 2 pi): equal on random symbols of
 * any scale, on the decision boundaries themselves, the constellation points, the
 * axes (signed zeros) and non-finite values.
 */
#include <gnuradio/isac/core/safe_margin.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <cstring>
#include <limits>
#include <random>

using namespace gr::isac::core;

class qa_psk_decision : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_psk_decision);
    CPPUNIT_TEST(test_fast_atan2);
    CPPUNIT_TEST(test_decisions_match_atan2);
    CPPUNIT_TEST(test_index_cache);
    CPPUNIT_TEST(test_fast_atan2_n);
    CPPUNIT_TEST_SUITE_END();

    static long ref_round(cdouble s, int M, double& a)
    {
        a = std::atan2(s.imag(), s.real());
        return std::lround(a * M / (2.0 * pi));
    }

    static std::vector<cdouble> symbols(int M)
    {
        std::mt19937 rng(M);
        std::uniform_real_distribution<double> ud(-pi, pi), le(-30.0, 30.0);
        std::vector<cdouble> v;
        for (int i = 0; i < 100000; ++i)
            v.push_back(std::polar(std::pow(10.0, le(rng)), ud(rng)));
        for (int k = -M; k <= M; ++k) {
            // boundaries (as rounded by polar) and points, and one ulp around them
            for (double off : { 0.5, 0.0 }) {
                const cdouble b = std::polar(1.0, (k + off) * 2.0 * pi / M);
                v.push_back(b);
                v.push_back(cdouble(std::nextafter(b.real(), 2.0), b.imag()));
                v.push_back(cdouble(b.real(), std::nextafter(b.imag(), -2.0)));
                v.push_back(b * 3e-7);
            }
        }
        const double inf = std::numeric_limits<double>::infinity();
        for (double re : { 0.0, -0.0, 1.0, -1.0, inf, -inf })
            for (double im : { 0.0, -0.0, 1.0, -1.0, inf, -inf })
                v.push_back(cdouble(re, im));
        v.push_back(cdouble(1.0, 1.0));
        v.push_back(cdouble(-1.0, 1.0));
        v.push_back(cdouble(std::numeric_limits<double>::denorm_min(), 1e-300));
        return v;
    }

public:
    void test_fast_atan2()
    {
        double worst = 0.0;
        for (const cdouble& s : symbols(7)) {
            const double a = fast_atan2(s.imag(), s.real());
            const double r = std::atan2(s.imag(), s.real());
            worst = std::max(worst, std::abs(a - r));
            CPPUNIT_ASSERT(std::signbit(a) == std::signbit(r));
        }
        CPPUNIT_ASSERT(worst <= 1.4e-8);
        CPPUNIT_ASSERT(worst > 1e-10); // the polynomial, not std::atan2
        CPPUNIT_ASSERT(std::isnan(fast_atan2(std::nan(""), 1.0)));
    }

    void test_decisions_match_atan2()
    {
        for (int M : { 2, 3, 4, 8, 16, 64, 4096 }) {
            for (const cdouble& s : symbols(M)) {
                double a, ar;
                const long k = psk_round(s.imag(), s.real(), M, a);
                const long kr = ref_round(s, M, ar);
                if (!std::isfinite(ar))
                    continue;
                CPPUNIT_ASSERT_EQUAL(kr, k);
                CPPUNIT_ASSERT(std::abs(a - ar) <= 1.4e-8);
                bool bad, far;
                const int ki = psk_index(s, M, &bad, &far);
                const bool finite = std::isfinite(s.real()) && std::isfinite(s.imag());
                CPPUNIT_ASSERT_EQUAL(finite ? int(((kr % M) + M) % M) : 0, ki);
                CPPUNIT_ASSERT_EQUAL(!finite, bad);
            }
            bool bad = false;
            CPPUNIT_ASSERT_EQUAL(0, psk_index(cdouble(std::nan(""), 1.0), M, &bad));
            CPPUNIT_ASSERT(bad);
        }
    }

    void test_fast_atan2_n()
    {
        // bit for bit the scalar fast_atan2, zeros, infinities and NaN included
        std::vector<double> y, x;
        for (const cdouble& s : symbols(8)) {
            y.push_back(s.imag());
            x.push_back(s.real());
        }
        x.push_back(std::nan(""));
        y.push_back(1.0);
        for (size_t n : { x.size(), x.size() - 1 }) {
            std::vector<double> a(n);
            fast_atan2_n(y.data(), x.data(), a.data(), n);
            for (size_t i = 0; i < n; ++i) {
                const double r = fast_atan2(y[i], x[i]);
                CPPUNIT_ASSERT(std::memcmp(&r, &a[i], sizeof(r)) == 0 ||
                               (std::isnan(r) && std::isnan(a[i])));
            }
        }
    }

    void test_index_cache()
    {
        // hits and misses, colliding slots, constellation points that repeat, NaN
        for (int M : { 2, 4, 8, 64 }) {
            psk_index_cache cache(M);
            std::vector<cfloat> v;
            for (const cdouble& s : symbols(M))
                v.push_back(cfloat(s));
            std::mt19937 rng(M + 1);
            std::uniform_int_distribution<int> pick(0, M - 1);
            for (int i = 0; i < 20000; ++i)
                v.push_back(cfloat(std::polar(1.0, 2.0 * pi * pick(rng) / M)));
            v.push_back(cfloat(std::nanf(""), 1.0f));
            int hits = 0;
            for (int pass = 0; pass < 2; ++pass)
                for (const cfloat& s : v) {
                    bool bad = true, far = true, bad_r = false, far_r = false;
                    const int k = cache(s, &bad, &far);
                    const int kr = psk_index(cdouble(s), M, &bad_r, &far_r);
                    CPPUNIT_ASSERT_EQUAL(kr, k);
                    CPPUNIT_ASSERT_EQUAL(bad_r, bad);
                    CPPUNIT_ASSERT_EQUAL(far_r, far);
                    hits += k == cache(s);
                }
            CPPUNIT_ASSERT_EQUAL(int(2 * v.size()), hits);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_psk_decision);
