/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Steering vectors against closed forms (the steering conventions of docs/conventions.md)
 * and finite differences.
 */
#include <gnuradio/isac/core/steering.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace gr::isac::core;

class qa_steering : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_steering);
    CPPUNIT_TEST(test_onebit_paper_closed_form);
    CPPUNIT_TEST(test_midpoint_convention_properties);
    CPPUNIT_TEST(test_derivative_finite_difference);
    CPPUNIT_TEST(test_upa_closed_form_and_derivatives);
    CPPUNIT_TEST(test_broadside_and_bad_input);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_onebit_paper_closed_form()
    {
        const int n = 16;
        const double th = deg2rad(23.0);
        cvec g = ula_steering(n, th, array_convention::first_element_unit_norm());
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, g.norm(), 1e-14);
        for (int i = 0; i < n; ++i) {
            // g_n = exp(-j pi n sin theta)/sqrt(N)
            cdouble ref = std::exp(cdouble(0, -pi * i * std::sin(th))) / std::sqrt(16.0);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, std::abs(g[i] - ref), 1e-14);
        }
        // default convention = onebit without normalisation
        cvec a = ula_steering(n, th);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, (a / 4.0 - g).norm(), 1e-14);
        // spacing changes the phase step
        array_convention c;
        c.spacing = 0.25;
        cvec q = ula_steering(n, th, c);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(-0.5 * pi * std::sin(th), std::arg(q[1]), 1e-14);
    }

    void test_midpoint_convention_properties()
    {
        for (int n : { 5, 8, 16 }) {
            const double th = deg2rad(-37.0);
            auto c = array_convention::midpoint_positive();
            cvec b = ula_steering(n, th, c);
            cvec bd = ula_steering_derivative(n, th, c);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(double(n), b.squaredNorm(), 1e-12);
            // b^H bdot = 0 for a symmetric phase centre
            CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, std::abs(b.dot(bd)), 1e-12);
            // ||bdot||^2 = (2 pi d cos)^2 N (N^2-1)/12
            const double ref = std::pow(pi * std::cos(th), 2) * n * (n * n - 1) / 12.0;
            CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, bd.squaredNorm(), 1e-9 * ref);
        }
    }

    void test_derivative_finite_difference()
    {
        const double h = 1e-6;
        for (auto c : { array_convention::first_element_unit_norm(),
                        array_convention::first_element_positive(),
                        array_convention::midpoint_positive() }) {
            for (double deg : { -80.0, -10.0, 0.0, 45.0 }) {
                const double th = deg2rad(deg);
                cvec fd = (ula_steering(12, th + h, c) - ula_steering(12, th - h, c)) / (2 * h);
                cvec d = ula_steering_derivative(12, th, c);
                CPPUNIT_ASSERT(std::isfinite(d.norm()));
                CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, (fd - d).norm(), 1e-6 * (1 + d.norm()));
            }
        }
    }

    void test_upa_closed_form_and_derivatives()
    {
        const int nh = 3, nv = 4;
        const double th = 0.3, ph = 0.9;
        cvec a = upa_steering(nh, nv, th, ph);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(double(nh * nv), a.squaredNorm(), 1e-12);
        for (int m = 0; m < nh; ++m)
            for (int v = 0; v < nv; ++v) {
                const double mm = m - 1.0, vv = v - 1.5;
                cdouble ref = std::exp(cdouble(0, pi * mm * std::sin(th) * std::sin(ph))) *
                              std::exp(cdouble(0, pi * vv * std::cos(ph)));
                CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, std::abs(a[m * nv + v] - ref), 1e-13);
            }
        const double h = 1e-6;
        cvec fdt = (upa_steering(nh, nv, th + h, ph) - upa_steering(nh, nv, th - h, ph)) / (2 * h);
        cvec fdp = (upa_steering(nh, nv, th, ph + h) - upa_steering(nh, nv, th, ph - h)) / (2 * h);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, (fdt - upa_steering_dtheta(nh, nv, th, ph)).norm(), 1e-6);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, (fdp - upa_steering_dphi(nh, nv, th, ph)).norm(), 1e-6);
    }

    void test_broadside_and_bad_input()
    {
        cvec a = ula_steering(7, 0.0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, (a - cvec::Ones(7)).norm(), 1e-15);
        CPPUNIT_ASSERT_THROW(ula_steering(0, 0.1), param_error);
        CPPUNIT_ASSERT_THROW(ula_steering(4, NAN), param_error);
        array_convention bad;
        bad.sign = 2;
        CPPUNIT_ASSERT_THROW(ula_steering(4, 0.1, bad), param_error);
        bad.sign = 1;
        bad.spacing = 0.0;
        CPPUNIT_ASSERT_THROW(ula_steering(4, 0.1, bad), param_error);
        // the message names the parameter and the range
        try {
            ula_steering(0, 0.1);
            CPPUNIT_FAIL("no throw");
        } catch (const param_error& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("n (array size) = 0") != std::string::npos);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_steering);
