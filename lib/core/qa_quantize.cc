/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * 1-bit kernel against a scalar reference built from std::signbit-free rules
 * of 1-bit ISAC paper eq. (1), Sec. II: sgn(v) = -1 iff v < 0; zeros, -0.0 and NaN map to
 * +1.
 */
#include <gnuradio/isac/core/quantize.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <limits>
#include <random>
#include <vector>

using namespace gr::isac::core;

class qa_quantize : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_quantize);
    CPPUNIT_TEST(test_special_values);
    CPPUNIT_TEST(test_random_lengths);
    CPPUNIT_TEST(test_dac_norm_and_validation);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_special_values()
    {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float inf = std::numeric_limits<float>::infinity();
        std::vector<float> in = { 0.0f, -0.0f, nan, -nan, inf, -inf, 1e-30f, -1e-30f, 3.f };
        std::vector<float> out(in.size());
        uint64_t nans = one_bit_quantize(in.data(), out.data(), in.size(), 2.0f);
        std::vector<float> ref = { 2, 2, 2, 2, 2, -2, 2, -2, 2 };
        for (size_t i = 0; i < in.size(); ++i)
            CPPUNIT_ASSERT_EQUAL(ref[i], out[i]);
        CPPUNIT_ASSERT_EQUAL(uint64_t(2), nans);
    }

    void test_random_lengths()
    {
        std::mt19937 rng(7);
        std::normal_distribution<float> nd;
        for (size_t n : { 1u, 3u, 4u, 15u, 16u, 17u, 255u, 1024u }) {
            std::vector<float> in(n), out(n);
            for (auto& v : in)
                v = nd(rng);
            CPPUNIT_ASSERT_EQUAL(uint64_t(0), one_bit_quantize(in.data(), out.data(), n, 0.5f));
            for (size_t i = 0; i < n; ++i)
                CPPUNIT_ASSERT_EQUAL(in[i] < 0 ? -0.5f : 0.5f, out[i]);
        }
    }

    void test_dac_norm_and_validation()
    {
        for (int n : { 1, 16, 128 }) {
            cvec x = cvec::Random(n);
            cvec q = one_bit_dac(x, 2.5);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(2.5, q.squaredNorm(), 1e-12);
            for (int i = 0; i < n; ++i)
                CPPUNIT_ASSERT_DOUBLES_EQUAL(std::sqrt(2.5 / (2 * n)), std::abs(q[i].real()), 1e-15);
            cvec r = one_bit_adc(x);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(2.0 * n, r.squaredNorm(), 1e-12);
        }
        CPPUNIT_ASSERT_DOUBLES_EQUAL(std::sqrt(1.0 / 32), one_bit_dac_amplitude(16, 1.0), 1e-7);
        CPPUNIT_ASSERT_THROW(one_bit_dac_amplitude(0, 1.0), param_error);
        CPPUNIT_ASSERT_THROW(one_bit_dac_amplitude(4, 0.0), param_error);
        CPPUNIT_ASSERT_THROW(one_bit_dac_amplitude(4, -1.0), param_error);
        CPPUNIT_ASSERT_THROW(one_bit_dac_amplitude(4, std::numeric_limits<double>::infinity()), param_error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_quantize);
