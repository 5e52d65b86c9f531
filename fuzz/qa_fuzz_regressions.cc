/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One test per fuzzer finding, written as the exact call that failed, so a
 * regression is named in the ctest output (the corpus replay would only say
 * "abort"). Each test would crash, throw the wrong type or return garbage on
 * the code before the fix.
 */
#include "../lib/csi_message.h"
#include <gnuradio/isac/core/quantize.h>
#include <gnuradio/isac/core/radar_metrics.h>
#include <gnuradio/isac/core/steering.h>
#include <cppunit/TestCaller.h>
#include <cppunit/TestFixture.h>
#include <cppunit/TestSuite.h>
#include <cppunit/TextTestRunner.h>
#include <cppunit/extensions/HelperMacros.h>
#include <cppunit/ui/text/TestRunner.h>
#include <limits>

using namespace gr::isac;
using namespace gr::isac::core;

class qa_fuzz_regressions : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_fuzz_regressions);
    CPPUNIT_TEST(csi_u64_value_is_a_number);
    CPPUNIT_TEST(csi_improper_list_is_rejected_not_thrown);
    CPPUNIT_TEST(csi_offset_range_round_trips);
    CPPUNIT_TEST(csi_rejected_offset_keeps_last_good_state);
    CPPUNIT_TEST(solve_rejects_wrong_coupling_count);
    CPPUNIT_TEST(filter_rejects_foreign_solution);
    CPPUNIT_TEST(threshold_rejects_bad_noise_var);
    CPPUNIT_TEST(steering_matrix_validates_n_before_allocating);
    CPPUNIT_TEST(upa_bounds_element_count);
    CPPUNIT_TEST(steering_rejects_astronomic_spacing);
    CPPUNIT_TEST(dac_rejects_power_underflowing_float);
    CPPUNIT_TEST_SUITE_END();

public:
    void csi_u64_value_is_a_number()
    {
        // pmt::to_double threw wrong_type for a u64 value
        pmt::pmt_t d =
            pmt::dict_add(pmt::make_dict(), pmt::mp("pfa"), pmt::from_uint64(7));
        double v = 0;
        std::string why;
        CPPUNIT_ASSERT(dict_get_double(d, "pfa", v, why));
        CPPUNIT_ASSERT_EQUAL(7.0, v);
        std::vector<double> vs;
        CPPUNIT_ASSERT(dict_get_doubles(d, "pfa", vs, why));
        CPPUNIT_ASSERT_EQUAL(size_t(1), vs.size());
        CPPUNIT_ASSERT_EQUAL(7.0, vs[0]);
    }

    void csi_improper_list_is_rejected_not_thrown()
    {
        // pmt::length threw wrong_type on (1 . 2)
        pmt::pmt_t lst = pmt::cons(pmt::from_double(1), pmt::from_double(2));
        pmt::pmt_t d = pmt::dict_add(pmt::make_dict(), pmt::mp("cnr_db"), lst);
        std::vector<double> vs{ 42.0 };
        std::string why;
        CPPUNIT_ASSERT(!dict_get_doubles(d, "cnr_db", vs, why));
        CPPUNIT_ASSERT(why.find("proper list") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(42.0, vs.at(0));
        // a proper list still works
        pmt::pmt_t ok = pmt::list2(pmt::from_double(1), pmt::from_long(-3));
        d = pmt::dict_add(d, pmt::mp("cnr_db"), ok);
        CPPUNIT_ASSERT(dict_get_doubles(d, "cnr_db", vs, why));
        CPPUNIT_ASSERT(vs == std::vector<double>({ 1.0, -3.0 }));
    }

    static pmt::pmt_t csi_2x2(pmt::pmt_t offset)
    {
        std::vector<std::complex<float>> h{ 1.0f, 2.0f, { 0.0f, 1.0f }, -1.0f };
        pmt::pmt_t d = pmt::make_dict();
        d = pmt::dict_add(d, pmt::mp("H"), pmt::init_c32vector(4, h));
        d = pmt::dict_add(d, pmt::mp("rows"), pmt::from_long(2));
        d = pmt::dict_add(d, pmt::mp("cols"), pmt::from_long(2));
        return pmt::dict_add(d, pmt::mp("offset"), offset);
    }

    void csi_offset_range_round_trips()
    {
        // an integer offset of 2^63-1 was accepted, but make_csi's u64 encoding
        // of it was rejected (u64 path capped at 2^62)
        const long big = std::numeric_limits<long>::max();
        csi_update u, back;
        std::string why;
        CPPUNIT_ASSERT(parse_csi(csi_2x2(pmt::from_long(big)), u, why));
        CPPUNIT_ASSERT(parse_csi(make_csi(u.H, u.offset), back, why));
        CPPUNIT_ASSERT_EQUAL(uint64_t(big), back.offset);
        CPPUNIT_ASSERT(!parse_csi(csi_2x2(pmt::from_uint64(uint64_t(big) + 1)), u, why));
    }

    void csi_rejected_offset_keeps_last_good_state()
    {
        // a bad offset used to be detected after H had been replaced
        csi_update u;
        u.H = Eigen::MatrixXcd::Constant(1, 1, 5.0);
        u.has_offset = true;
        u.offset = 9;
        std::string why;
        CPPUNIT_ASSERT(!parse_csi(csi_2x2(pmt::from_long(-3)), u, why));
        CPPUNIT_ASSERT_EQUAL(Eigen::Index(1), u.H.rows());
        CPPUNIT_ASSERT(u.H(0, 0) == std::complex<double>(5.0));
        CPPUNIT_ASSERT(u.has_offset && u.offset == 9);
    }

    void solve_rejects_wrong_coupling_count()
    {
        // segfaulted reading c[q + 1] past the end
        radar_scene s(4, 4, 0.0, { 0.3, -0.4 }, 10.0, { 100.0, 100.0 });
        CPPUNIT_ASSERT_THROW(s.solve(cvec(), adc_model::one_bit), param_error);
        CPPUNIT_ASSERT_THROW(s.solve(cvec::Ones(2), adc_model::ideal), param_error);
        CPPUNIT_ASSERT_NO_THROW(s.solve(cvec::Ones(3), adc_model::ideal));
    }

    void filter_rejects_foreign_solution()
    {
        radar_scene a(4, 4, 0.0, {}, 10.0, {});
        radar_scene b(4, 4, 0.0, { 0.3, -0.4, 0.5 }, 10.0, { 1.0, 2.0, 3.0 });
        const radar_solution sa = a.solve(cvec::Ones(1), adc_model::one_bit);
        CPPUNIT_ASSERT_THROW(b.filter(sa), param_error);
        CPPUNIT_ASSERT_THROW(b.filter_norm2(sa), param_error);
        CPPUNIT_ASSERT_THROW(b.filter_clutter_gain(sa), param_error);
        CPPUNIT_ASSERT_THROW(b.threshold(sa, adc_model::one_bit, 1e-3), param_error);
    }

    void threshold_rejects_bad_noise_var()
    {
        radar_scene a(4, 4, 0.0, {}, 10.0, {});
        const radar_solution s = a.solve(cvec::Ones(1), adc_model::ideal);
        CPPUNIT_ASSERT_THROW(a.threshold(s, adc_model::ideal, 1e-3, -1.0), param_error);
        CPPUNIT_ASSERT_THROW(a.threshold(s, adc_model::ideal, 1e-3, NAN), param_error);
        // kappa = sqrt(-sigma^2 ||u||^2 ln pfa) with ||u||^2 = 1/(|c0|^2 gmg^2) = 1 (Q =
        // 0)
        CPPUNIT_ASSERT_DOUBLES_EQUAL(std::sqrt(-2.0 * std::log(1e-3)),
                                     a.threshold(s, adc_model::ideal, 1e-3, 2.0),
                                     1e-12);
    }

    void steering_matrix_validates_n_before_allocating()
    {
        // a negative n reached Eigen's allocator: std::bad_alloc, not param_error
        CPPUNIT_ASSERT_THROW(ula_steering_matrix(-5, { 0.1, 0.2 }), param_error);
        CPPUNIT_ASSERT_THROW(ula_steering_matrix(0, {}), param_error);
    }

    void upa_bounds_element_count()
    {
        // each side <= 2^20 passed, the product asked for 16 TiB
        CPPUNIT_ASSERT_THROW(upa_steering(1 << 20, 1 << 20, 0.1, 0.2), param_error);
        CPPUNIT_ASSERT_THROW(upa_steering_dphi(1 << 12, 1 << 12, 0.1, 0.2), param_error);
        CPPUNIT_ASSERT_EQUAL(Eigen::Index(1 << 20),
                             upa_steering(1 << 10, 1 << 10, 0.1, 0.2).size());
    }

    void steering_rejects_astronomic_spacing()
    {
        // spacing 1e300 gave k*(n - n0) = Inf and NaN entries
        array_convention c;
        c.spacing = 1e300;
        CPPUNIT_ASSERT_THROW(ula_steering(8, 0.3, c), param_error);
        c.spacing = 1e3;
        CPPUNIT_ASSERT(ula_steering(8, 0.3, c).allFinite());
    }

    void dac_rejects_power_underflowing_float()
    {
        // sqrt(1e-300 / 2n) is 0 in float: an all-zero "alphabet"
        CPPUNIT_ASSERT_THROW(one_bit_dac_amplitude(16, 1e-300), param_error);
        CPPUNIT_ASSERT_THROW(one_bit_dac(cvec::Ones(4), 1e-310), param_error);
        CPPUNIT_ASSERT_THROW(one_bit_dac_amplitude(16, 1e300), param_error);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(std::sqrt(1e-20 / 32.0),
                                     one_bit_dac_amplitude(16, 1e-20),
                                     1e-6 * std::sqrt(1e-20 / 32.0));
    }
};

int main()
{
    CppUnit::TextTestRunner runner;
    runner.addTest(qa_fuzz_regressions::suite());
    return runner.run() ? 0 : 1;
}
