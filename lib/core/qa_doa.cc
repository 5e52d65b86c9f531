/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DoA MLE core: grid objective against brute force, exact recovery of
 * off-grid angles and gains from noiseless CPIs, refinement beating the grid
 * floor, NaN handling, the 2-D UPA estimator, and bad parameters.
 * (Monte-Carlo MSE vs CRB lives in python/isac/qa_doa_mle.py.)
 */
#include <gnuradio/isac/core/doa.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <limits>
#include <random>

using namespace gr::isac::core;

namespace {
cvec randn(int n, std::mt19937& rng)
{
    std::normal_distribution<double> nd(0.0, std::sqrt(0.5));
    cvec v(n);
    for (auto& x : v)
        x = cdouble(nd(rng), nd(rng));
    return v;
}

// Y = beta b(theta) c^T (+ noise)
cmat echo(int n, double th, cdouble beta, const cvec& c, double s2, std::mt19937& rng)
{
    cmat Y =
        beta * ula_steering(n, th, array_convention::midpoint_positive()) * c.transpose();
    if (s2 > 0)
        for (int t = 0; t < Y.cols(); ++t)
            Y.col(t) += std::sqrt(s2) * randn(n, rng);
    return Y;
}
} // namespace

class qa_doa : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_doa);
    CPPUNIT_TEST(test_grid_objective_brute_force);
    CPPUNIT_TEST(test_noiseless_recovery);
    CPPUNIT_TEST(test_refinement_beats_grid);
    CPPUNIT_TEST(test_nan_cpi_invalid);
    CPPUNIT_TEST(test_upa_2d);
    CPPUNIT_TEST(test_bad_params);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_grid_objective_brute_force()
    {
        std::mt19937 rng(3);
        const int n = 7, L = 9;
        const cmat Y = echo(n, deg2rad(11.0), 0.5, randn(L, rng), 1.0, rng);
        const cvec c = randn(L, rng);
        for (auto mode : { doa_mode::gaussian, doa_mode::known }) {
            doa_mle_core est(n, deg2rad(-60), deg2rad(60), deg2rad(1.0), 1.0, mode, 1.0,
                             doa_refine::none);
            const doa_result r = est.estimate(Y, c);
            const cmat R = Y * Y.adjoint() / double(L);
            const cvec z = Y * c.conjugate();
            const auto& g = est.grid();
            CPPUNIT_ASSERT_EQUAL(Eigen::Index(121), g.size());
            // the grid maximum is the first maximum of the grid objective
            const auto& obj = est.last_grid_objective();
            int first = 0;
            for (int m = 1; m < g.size(); ++m)
                if (obj[m] > obj[first])
                    first = m;
            CPPUNIT_ASSERT_EQUAL(first, r.grid_index);
            for (int m = 0; m < g.size(); ++m) {
                const cvec b =
                    ula_steering(n, g[m], array_convention::midpoint_positive());
                const double ref = mode == doa_mode::gaussian
                                       ? std::real(b.dot(R * b))
                                       : std::norm(b.dot(z)) / (n * c.squaredNorm());
                CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, est.last_grid_objective()[m], 1e-4 * (1 + std::abs(ref)));
                CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, est.objective(g[m]), 1e-4 * (1 + std::abs(ref)));
            }
        }
    }

    void test_noiseless_recovery()
    {
        std::mt19937 rng(5);
        const int n = 16, L = 64;
        const double th0 = deg2rad(17.337);
        const cdouble beta(0.3, -0.2);
        const cvec c = randn(L, rng);
        const cmat Y = echo(n, th0, beta, c, 0.0, rng);
        const double s2 = 1e-9;
        {
            doa_mle_core est(n, -pi / 2, pi / 2, deg2rad(0.1), s2, doa_mode::known);
            auto r = est.estimate(Y, c);
            CPPUNIT_ASSERT(r.valid);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(th0, r.theta_rad, 1e-8);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, std::abs(r.beta - beta), 1e-6);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(std::norm(beta) * n * c.squaredNorm() / L / s2, r.snr_est,
                                         1e-5 * r.snr_est);
            CPPUNIT_ASSERT(r.crb_rad2 > 0 && std::isfinite(r.crb_rad2));
        }
        {
            // gaussian: p = sample power of c so |beta| is exact up to s2
            const double p = c.squaredNorm() / L;
            doa_mle_core est(n, -pi / 2, pi / 2, deg2rad(0.1), s2, doa_mode::gaussian, p);
            auto r = est.estimate(Y, cvec());
            CPPUNIT_ASSERT_DOUBLES_EQUAL(th0, r.theta_rad, 1e-8);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(std::abs(beta), r.beta_abs, 1e-5);
        }
        {
            // mixed: the Gaussian part is a second, unknown component along a
            const cvec xg = randn(L, rng);
            const cmat Ym = echo(n, th0, beta, c + xg, 0.0, rng);
            doa_mle_core est(n, -pi / 2, pi / 2, deg2rad(0.1), 1e-6, doa_mode::mixed, 1.0);
            auto r = est.estimate(Ym, c);
            CPPUNIT_ASSERT(r.valid);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(th0, r.theta_rad, 1e-6);
            // phase from the matched filter, magnitude from the second moment (bistatic
            // CRB paper Sec. IV-B)
            CPPUNIT_ASSERT_DOUBLES_EQUAL(std::arg(beta), std::arg(r.beta), 0.3);
        }
    }

    void test_refinement_beats_grid()
    {
        // A 1-degree grid floors the error near 0.5 deg without refinement;
        // parabolic and Newton must land far closer on a noiseless CPI.
        std::mt19937 rng(9);
        const int n = 8, L = 16;
        const double th0 = deg2rad(-41.43);
        const cvec c = randn(L, rng);
        const cmat Y = echo(n, th0, 1.0, c, 0.0, rng);
        auto err = [&](doa_refine rf) {
            doa_mle_core est(n, -pi / 2, pi / 2, deg2rad(1.0), 1e-6, doa_mode::gaussian, 1.0, rf);
            return std::abs(est.estimate(Y, c).theta_rad - th0);
        };
        const double e_none = err(doa_refine::none), e_par = err(doa_refine::parabolic),
                     e_new = err(doa_refine::newton);
        CPPUNIT_ASSERT(e_none > deg2rad(0.3));
        CPPUNIT_ASSERT(e_par < 0.1 * e_none);
        CPPUNIT_ASSERT(e_new < 1e-8);
    }

    void test_nan_cpi_invalid()
    {
        std::mt19937 rng(11);
        const int n = 4, L = 8;
        const cvec c = randn(L, rng);
        cmat Y = echo(n, 0.2, 1.0, c, 0.01, rng);
        doa_mle_core est(n, -pi / 2, pi / 2, deg2rad(0.5), 0.01, doa_mode::known);
        const auto good = est.estimate(Y, c);
        cmat Yn = Y;
        Yn(2, 3) = cdouble(std::numeric_limits<double>::quiet_NaN(), 0.0);
        auto r = est.estimate(Yn, c);
        CPPUNIT_ASSERT(!r.valid);
        CPPUNIT_ASSERT(std::isnan(r.theta_rad));
        cvec ci = c;
        ci[0] = cdouble(std::numeric_limits<double>::infinity(), 0.0);
        CPPUNIT_ASSERT(!est.estimate(Y, ci).valid);
        // the next clean CPI gives exactly the earlier estimate: no state poisoned
        const auto again = est.estimate(Y, c);
        CPPUNIT_ASSERT(again.valid);
        CPPUNIT_ASSERT_EQUAL(good.theta_rad, again.theta_rad);
        // a zero reference gives nothing to correlate with
        CPPUNIT_ASSERT(!est.estimate(Y, cvec::Zero(L)).valid);
        // Finite samples whose products would under/overflow single precision
        // (1e30: |y|^2 sums to Inf; 1e-25: |y|^2 = 0), with the noise variance and
        // p_gauss scaled alike (a valid input): the same estimate as at scale 1,
        // beta scaled by the echo/reference ratio ky/kc. An all-zero or all-denormal
        // CPI has no usable signal: invalid.
        for (auto mode : { doa_mode::gaussian, doa_mode::known, doa_mode::mixed }) {
            doa_mle_core e1(n, -pi / 2, pi / 2, deg2rad(0.5), 0.01, mode, 1.0);
            const doa_result ref = e1.estimate(Y, c);
            CPPUNIT_ASSERT(ref.valid);
            for (double ky : { 1e30, 1e-25 })
                for (double kc : { 1.0, 1e20, 1e-20 }) {
                    doa_mle_core e2(
                        n, -pi / 2, pi / 2, deg2rad(0.5), 0.01 * ky * ky, mode, kc * kc);
                    const cmat Ys = Y * ky;
                    const doa_result r = e2.estimate(Ys, c * kc);
                    CPPUNIT_ASSERT(r.valid);
                    // (float rounding of Y * ky differs from that of Y: ~1e-9 rad)
                    CPPUNIT_ASSERT_DOUBLES_EQUAL(ref.theta_rad, r.theta_rad, 1e-6);
                    // gaussian: p_gauss = kc^2 scales beta^2 p_gauss; others: c scaled
                    const double kb = ky / kc;
                    CPPUNIT_ASSERT_DOUBLES_EQUAL(
                        1.0, r.beta_abs / (ref.beta_abs * kb), 1e-4);
                    CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, r.snr_est / ref.snr_est, 1e-4);
                }
            CPPUNIT_ASSERT(!e1.estimate(cmat::Zero(n, L), c).valid);
            CPPUNIT_ASSERT(!e1.estimate(Y * 1e-41, c).valid); // denormal in float
            CPPUNIT_ASSERT(e1.estimate(Y, c).valid);          // nothing poisoned
        }
    }

    void test_upa_2d()
    {
        std::mt19937 rng(13);
        const int th_ = 5, tv = 5, rh = 5, rv = 5, L = 30;
        const double th0 = pi / 8 + 0.0031, ph0 = pi / 4 - 0.0047;
        cmat X(th_ * tv, L);
        for (int t = 0; t < L; ++t)
            X.col(t) = randn(th_ * tv, rng);
        const cdouble alpha(0.2, 0.5);
        const cvec a = upa_steering(th_, tv, th0, ph0), b = upa_steering(rh, rv, th0, ph0);
        const cmat Y = alpha * b * (a.adjoint() * X);
        std::vector<double> tg, pg;
        for (int i = 0; i <= 128; ++i)
            tg.push_back(-pi / 2 + i * pi / 128);
        for (int i = 1; i < 128; ++i)
            pg.push_back(i * pi / 128);
        auto r = doa_mle_upa_known(Y, X, th_, tv, rh, rv, tg, pg, true);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(th0, r.theta_rad, 1e-7);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(ph0, r.phi_rad, 1e-7);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, std::abs(r.alpha - alpha), 1e-6);
        auto g = doa_mle_upa_known(Y, X, th_, tv, rh, rv, tg, pg, false);
        CPPUNIT_ASSERT(std::abs(g.theta_rad - th0) > 1e-4); // grid alone is off
    }

    void test_bad_params()
    {
        CPPUNIT_ASSERT_THROW(doa_mle_core(1, -1, 1, 0.01, 1, doa_mode::known), param_error);
        CPPUNIT_ASSERT_THROW(doa_mle_core(4, -1, 1, 0.0, 1, doa_mode::known), param_error);
        CPPUNIT_ASSERT_THROW(doa_mle_core(4, -1, 1, -0.1, 1, doa_mode::known), param_error);
        CPPUNIT_ASSERT_THROW(doa_mle_core(4, -2, 1, 0.01, 1, doa_mode::known), param_error);
        CPPUNIT_ASSERT_THROW(doa_mle_core(4, -1, 1.6, 0.01, 1, doa_mode::known), param_error);
        CPPUNIT_ASSERT_THROW(doa_mle_core(4, 1, -1, 0.01, 1, doa_mode::known), param_error);
        CPPUNIT_ASSERT_THROW(doa_mle_core(4, -1, 1, 0.01, 0, doa_mode::known), param_error);
        CPPUNIT_ASSERT_THROW(doa_mle_core(4, -1, 1, 0.01, 1, doa_mode::mixed, 0.0), param_error);
        CPPUNIT_ASSERT_THROW(doa_mle_core(4, -1, 1, 1e-9, 1, doa_mode::known), param_error);
        CPPUNIT_ASSERT_THROW(parse_doa_mode("ml"), param_error);
        CPPUNIT_ASSERT_THROW(parse_doa_refine("cubic"), param_error);
        doa_mle_core est(4, -1, 1, 0.01, 1, doa_mode::known);
        CPPUNIT_ASSERT_THROW(est.estimate(cmat::Ones(3, 5), cvec::Ones(5)), param_error);
        CPPUNIT_ASSERT_THROW(est.estimate(cmat::Ones(4, 5), cvec::Ones(4)), param_error);
        CPPUNIT_ASSERT_THROW(est.set_noise_var(-1), param_error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_doa);
