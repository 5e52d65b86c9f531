/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Kaiser window's Bessel function I0: the series against std::cyl_bessel_i,
 * and the side-by-side evaluation (bessel_i0_n) against the scalar one, bit for bit.
 */
#include <gnuradio/isac/core/types.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace gr::isac::core;

class qa_kaiser : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_kaiser);
    CPPUNIT_TEST(test_series_against_std);
    CPPUNIT_TEST(test_lanes_bit_identical);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_series_against_std()
    {
        for (double x : { 0.0, 1e-8, 0.3, 1.0, 2.5, 6.0, 11.7, 25.0, 49.0 }) {
            const double ref = std::cyl_bessel_i(0.0, x);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, bessel_i0(x), 4e-15 * ref);
        }
    }

    void test_lanes_bit_identical()
    {
        // the windows' arguments (beta sqrt(1 - r^2), 0 outside), random and edge
        // values, every count up to 2 x 64 + 1 taps (lanes of 8 and a remainder)
        std::mt19937_64 g(7);
        std::uniform_real_distribution<double> u(0.0, 60.0);
        for (int n = 1; n <= 129; ++n) {
            std::vector<double> x(static_cast<size_t>(n)),
                out(static_cast<size_t>(n), -1.0);
            for (int i = 0; i < n; ++i)
                x[size_t(i)] = u(g);
            x[0] = 0.0;
            if (n > 3) {
                x[1] = 6.0;
                x[2] = std::numeric_limits<double>::quiet_NaN();
                x[3] = std::numeric_limits<double>::infinity();
            }
            bessel_i0_n(x.data(), out.data(), n);
            for (int i = 0; i < n; ++i) {
                const double ref = bessel_i0(x[size_t(i)]);
                CPPUNIT_ASSERT(std::memcmp(&ref, &out[size_t(i)], sizeof ref) == 0);
            }
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_kaiser);
