/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Woodbury radar metrics against the dense formulas of the 1-bit ISAC paper eq. (17) with
 * an explicit N_R x N_R matrix inverse.
 */
#include <gnuradio/isac/core/radar_metrics.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <random>

using namespace gr::isac::core;

namespace {
struct dense {
    cmat M;
    cvec g0;
    std::vector<cvec> gq;
};

// QSCNR(u, x) of eq. 17 for an arbitrary filter u, with weights w_q.
double dense_metric(const radar_scene& s, const cvec& x, const cvec& u, adc_model m)
{
    const cvec c = s.gt().transpose() * x;
    double num = s.mu(m) * std::norm(u.dot(s.gr().col(0)) * c[0]);
    double den = u.squaredNorm();
    for (int q = 1; q <= s.n_clutter(); ++q)
        den += s.weight(m, q) * std::norm(u.dot(s.gr().col(q)) * c[q]);
    return num / den;
}

cmat dense_M(const radar_scene& s, const cvec& x, adc_model m)
{
    const cvec c = s.gt().transpose() * x;
    cmat M = cmat::Identity(s.n_rx(), s.n_rx());
    for (int q = 1; q <= s.n_clutter(); ++q)
        M += s.weight(m, q) * std::norm(c[q]) * s.gr().col(q) * s.gr().col(q).adjoint();
    return M;
}
} // namespace

class qa_radar_metrics : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_radar_metrics);
    CPPUNIT_TEST(test_woodbury_vs_dense);
    CPPUNIT_TEST(test_filter_optimal_and_distortionless);
    CPPUNIT_TEST(test_threshold_relations);
    CPPUNIT_TEST(test_clutter_free_ratio_and_degenerate);
    CPPUNIT_TEST(test_bad_input);
    CPPUNIT_TEST_SUITE_END();

    std::mt19937 rng{ 42 };
    cvec rand_x(int n)
    {
        std::normal_distribution<double> nd;
        cvec x(n);
        for (auto& v : x)
            v = cdouble(nd(rng), nd(rng));
        return x;
    }

public:
    void test_woodbury_vs_dense()
    {
        radar_scene s(24, 20, deg2rad(10), { deg2rad(-50), deg2rad(30) }, std::pow(10, 1.5), { 1000.0, 500.0 });
        for (auto m : { adc_model::one_bit, adc_model::ideal }) {
            for (int t = 0; t < 5; ++t) {
                cvec x = rand_x(24);
                cmat M = dense_M(s, x, m);
                cvec minv_g0 = M.inverse() * s.gr().col(0);
                const cvec c = s.gt().transpose() * x;
                double ref = s.mu(m) * std::norm(c[0]) * std::real(s.gr().col(0).dot(minv_g0));
                radar_solution sol = s.solve(s.couplings(x), m);
                CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, sol.metric, 1e-9 * ref);
                CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, s.metric(x, m), 1e-9 * ref);
                for (int q = 1; q <= 2; ++q) {
                    cdouble r = s.gr().col(q).dot(minv_g0);
                    CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, std::abs(r - sol.gq_minv_g0[q - 1]), 1e-10);
                }
            }
        }
        // Q = 5 (every column of the LDL^H factorisation), two patches 2 deg apart
        // (a nearly singular K) and one unlit patch (c_q = 0 from an x in its null)
        // up to 40 dB, on the over-the-air array size and a larger one
        for (int n : { 4, 16 }) {
            const std::vector<double> cl = {
                deg2rad(-47), deg2rad(31), deg2rad(33), deg2rad(-10), deg2rad(60)
            };
            radar_scene s5(n, n, deg2rad(23), cl, 30.0, { 10.0, 1e4, 3e3, 100.0, 1.0 });
            for (auto m : { adc_model::one_bit, adc_model::ideal }) {
                for (int t = 0; t < 6; ++t) {
                    cvec x = rand_x(n);
                    if (t == 0) { // x orthogonal to g_T(theta_5): that patch is unlit
                        const cvec g = s5.gt().col(5).conjugate();
                        x -= g * (g.dot(x) / g.squaredNorm());
                    }
                    const cmat M = dense_M(s5, x, m);
                    const cvec minv_g0 = M.inverse() * s5.gr().col(0);
                    const radar_solution sol = s5.solve(s5.couplings(x), m);
                    const double ref = std::real(s5.gr().col(0).dot(minv_g0));
                    CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, sol.gmg, 1e-9 * ref);
                    const cvec u = s5.filter(sol);
                    const cvec u_ref = minv_g0 / (std::conj(sol.c[0]) * ref);
                    CPPUNIT_ASSERT((u - u_ref).norm() <= 1e-8 * u_ref.norm());
                    for (int q = 1; q <= 5; ++q) {
                        const cdouble r = s5.gr().col(q).dot(minv_g0);
                        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0,
                                                     std::abs(r - sol.gq_minv_g0[q - 1]),
                                                     1e-9 * (1 + std::abs(r)));
                    }
                }
            }
        }
    }

    void test_filter_optimal_and_distortionless()
    {
        radar_scene s(16, 32, deg2rad(-5), { deg2rad(40), deg2rad(-60), deg2rad(15) }, 10.0, { 100.0, 30.0, 1.0 });
        for (auto m : { adc_model::one_bit, adc_model::ideal }) {
            cvec x = rand_x(16);
            radar_solution sol = s.solve(s.couplings(x), m);
            cvec u = s.filter(sol);
            // u^H G_0 x = u^H g_R0 c_0 = 1
            cdouble dl = u.dot(s.gr().col(0)) * sol.c[0];
            CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, std::abs(dl - 1.0), 1e-10);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(u.squaredNorm(), s.filter_norm2(sol), 1e-10 * u.squaredNorm());
            cvec g = s.filter_clutter_gain(sol);
            for (int q = 1; q <= 3; ++q)
                CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, std::abs(u.dot(s.gr().col(q)) - g[q - 1]), 1e-10);
            // the filter attains the metric, and random filters do not beat it
            const double best = dense_metric(s, x, u, m);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(sol.metric, best, 1e-9 * best);
            for (int t = 0; t < 20; ++t)
                CPPUNIT_ASSERT(dense_metric(s, x, rand_x(32), m) <= best * (1 + 1e-12));
        }
    }

    void test_threshold_relations()
    {
        // QSCNR = (Pi_1 - Pi_0) / (2||u||^2 + Pi_0) (1-bit ISAC paper eq. (13)-(16)
        // check), and Pfa = exp(-kappa^2 / var0).
        radar_scene s(12, 12, deg2rad(20), { deg2rad(-30) }, 20.0, { 50.0 });
        cvec x = rand_x(12);
        radar_solution sol = s.solve(s.couplings(x), adc_model::one_bit);
        const double pfa = 1e-3;
        const double kappa = s.threshold(sol, adc_model::one_bit, pfa);
        const double u2 = s.filter_norm2(sol);
        const double pi0 = 4.0 / pi * 50.0 * std::norm(sol.c[1]) * std::norm(s.filter_clutter_gain(sol)[0]);
        const double pi1 = pi0 + 4.0 / pi * 20.0 * 1.0; // |u^H G0 x|^2 = 1
        CPPUNIT_ASSERT_DOUBLES_EQUAL((pi1 - pi0) / (2 * u2 + pi0), sol.metric, 1e-9 * sol.metric);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(pfa, std::exp(-kappa * kappa / (2 * u2 + pi0)), 1e-12);
        // Pd law
        CPPUNIT_ASSERT_DOUBLES_EQUAL(std::exp(-kappa * kappa / (2 * u2 + pi1)),
                                     detection_probability(pfa, sol.metric), 1e-12);
        // ideal ADC threshold scales with sigma_R
        radar_solution si = s.solve(s.couplings(x), adc_model::ideal);
        const double k1 = s.threshold(si, adc_model::ideal, pfa, 1.0);
        const double k4 = s.threshold(si, adc_model::ideal, pfa, 4.0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(2.0 * k1, k4, 1e-12 * k4);
    }

    void test_clutter_free_ratio_and_degenerate()
    {
        radar_scene s(8, 8, deg2rad(0), {}, 5.0, {});
        cvec x = rand_x(8);
        const double q1 = s.metric(x, adc_model::one_bit);
        const double qi = s.metric(x, adc_model::ideal);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(2.0 / pi, q1 / qi, 1e-12); // 1.961 dB
        // x orthogonal to g_T(theta_0): c_0 = 0
        radar_scene s2(4, 4, deg2rad(0), { deg2rad(30) }, 5.0, { 10.0 });
        cvec xo(4);
        xo << 1, -1, 1, -1; // sums to zero: orthogonal to broadside
        radar_solution sol = s2.solve(s2.couplings(xo), adc_model::one_bit);
        CPPUNIT_ASSERT(sol.degenerate);
        CPPUNIT_ASSERT_EQUAL(0.0, sol.metric);
        CPPUNIT_ASSERT_EQUAL(0.0, s2.filter(sol).norm());
        CPPUNIT_ASSERT_EQUAL(0.0, s2.threshold(sol, adc_model::one_bit, 0.01));
    }

    void test_bad_input()
    {
        CPPUNIT_ASSERT_THROW(radar_scene(0, 4, 0, {}, 1, {}), param_error);
        CPPUNIT_ASSERT_THROW(radar_scene(4, 4, deg2rad(95), {}, 1, {}), param_error);
        CPPUNIT_ASSERT_THROW(radar_scene(4, 4, 0, { 0.1 }, 1, {}), param_error);
        CPPUNIT_ASSERT_THROW(radar_scene(4, 4, 0, { 0.1 }, 1, { -1.0 }), param_error);
        CPPUNIT_ASSERT_THROW(radar_scene(4, 4, 0, {}, 0.0, {}), param_error);
        CPPUNIT_ASSERT_THROW(parse_adc_model("adc", "2bit"), param_error);
        radar_scene s(4, 4, 0, {}, 1, {});
        CPPUNIT_ASSERT_THROW(s.couplings(cvec::Ones(3)), param_error);
        CPPUNIT_ASSERT_THROW(s.threshold(s.solve(s.couplings(cvec::Ones(4)), adc_model::one_bit), adc_model::one_bit, 1.5), param_error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_radar_metrics);
