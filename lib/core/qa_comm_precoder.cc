/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * MRT / ZF / SINR power control / min-power duality fixed point (null-space paper eq.
 * (8)) against closed forms, the SINR definition and local perturbations.
 */
#include <gnuradio/isac/core/comm_precoder.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <random>

using namespace gr::isac::core;

namespace {
cmat rayleigh(int K, int N, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> nd(0.0, std::sqrt(0.5));
    cmat H(K, N);
    for (int i = 0; i < K; ++i)
        for (int j = 0; j < N; ++j)
            H(i, j) = cdouble(nd(rng), nd(rng));
    return H;
}
} // namespace

class qa_comm_precoder : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_comm_precoder);
    CPPUNIT_TEST(test_sinr_definition);
    CPPUNIT_TEST(test_zf_mrt_structure);
    CPPUNIT_TEST(test_power_control_meets_targets);
    CPPUNIT_TEST(test_minpower_equality_and_duality);
    CPPUNIT_TEST(test_minpower_single_user_closed_form);
    CPPUNIT_TEST(test_minpower_beats_perturbations);
    CPPUNIT_TEST(test_infeasible_and_bad_input);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_sinr_definition()
    {
        cmat H = rayleigh(3, 5, 1);
        cmat F = rayleigh(5, 3, 2);
        rvec s = sinr(H, F, 0.3);
        for (int k = 0; k < 3; ++k) {
            // H.row(k) * F.col(k) = h_k^H f_k
            const double num = std::norm((H.row(k) * F.col(k))(0));
            double den = 0.3;
            for (int j = 0; j < 3; ++j)
                if (j != k)
                    den += std::norm((H.row(k) * F.col(j))(0));
            CPPUNIT_ASSERT_DOUBLES_EQUAL(num / den, s[k], 1e-12 * s[k]);
        }
    }

    void test_zf_mrt_structure()
    {
        cmat H = rayleigh(4, 8, 3);
        cmat U = zf_directions(H);
        cmat G = H * U;
        for (int i = 0; i < 4; ++i) {
            CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, U.col(i).norm(), 1e-12);
            for (int j = 0; j < 4; ++j)
                if (i != j)
                    CPPUNIT_ASSERT(std::abs(G(i, j)) < 1e-12);
        }
        cmat M = mrt_directions(H);
        for (int k = 0; k < 4; ++k) {
            cvec h = H.row(k).adjoint();
            CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, (M.col(k) - h / h.norm()).norm(), 1e-14);
        }
        cmat F = zf_precoder(H, 2.0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(2.0, F.squaredNorm(), 1e-12);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.5, F.col(2).squaredNorm(), 1e-12);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(3.0, mrt_precoder(H, 3.0).squaredNorm(), 1e-12);
    }

    void test_power_control_meets_targets()
    {
        cmat H = rayleigh(3, 6, 4);
        rvec g(3);
        g << 2.0, 5.0, 1.0;
        for (const cmat& U : { zf_directions(H), mrt_directions(H) }) {
            auto pc = sinr_power_control(H, U, g, 0.1);
            CPPUNIT_ASSERT(pc.feasible);
            rvec s = sinr(H, scale_columns(U, pc.p), 0.1);
            for (int k = 0; k < 3; ++k)
                CPPUNIT_ASSERT_DOUBLES_EQUAL(g[k], s[k], 1e-9 * g[k]);
        }
        // ZF closed form: p_k = gamma_k sigma^2 / |h_k^H u_k|^2
        cmat U = zf_directions(H);
        auto pc = sinr_power_control(H, U, g, 0.1);
        for (int k = 0; k < 3; ++k)
            CPPUNIT_ASSERT_DOUBLES_EQUAL(g[k] * 0.1 / std::norm((H.row(k) * U.col(k))(0)),
                                         pc.p[k], 1e-10 * pc.p[k]);
    }

    void test_minpower_equality_and_duality()
    {
        for (unsigned seed : { 5u, 6u, 7u }) {
            cmat H = rayleigh(4, 8, seed);
            rvec g = rvec::Constant(4, db2lin(10.0));
            auto r = minpower_precoder(H, g, 0.01);
            CPPUNIT_ASSERT(r.feasible);
            rvec s = sinr(H, r.F, 0.01);
            for (int k = 0; k < 4; ++k)
                CPPUNIT_ASSERT_DOUBLES_EQUAL(g[k], s[k], 1e-9 * g[k]);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(r.dual_value, r.total_power, 1e-9 * r.total_power);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(r.F.squaredNorm(), r.total_power, 1e-12 * r.total_power);
            // optimal power is below that of ZF and MRT with exact power control
            for (const cmat& U : { zf_directions(H), mrt_directions(H) }) {
                auto pc = sinr_power_control(H, U, g, 0.01);
                if (pc.feasible)
                    CPPUNIT_ASSERT(r.total_power <= pc.p.sum() * (1 + 1e-12));
            }
            // directions lie in range(H^H): the null-space split is exact
            cmat Pr = H.adjoint() * (H * H.adjoint()).inverse() * H;
            CPPUNIT_ASSERT((r.F - Pr * r.F).norm() < 1e-10 * r.F.norm());
        }
    }

    void test_minpower_single_user_closed_form()
    {
        cmat H = rayleigh(1, 6, 8);
        rvec g = rvec::Constant(1, 3.0);
        auto r = minpower_precoder(H, g, 0.2);
        CPPUNIT_ASSERT(r.feasible);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(3.0 * 0.2 / H.squaredNorm(), r.total_power, 1e-12);
    }

    void test_minpower_beats_perturbations()
    {
        // Local optimality by brute force: perturbing the optimal directions
        // and re-solving the exact power control never lowers the power.
        cmat H = rayleigh(3, 4, 9);
        rvec g(3);
        g << 4.0, 2.0, 8.0;
        auto r = minpower_precoder(H, g, 0.05);
        CPPUNIT_ASSERT(r.feasible);
        std::mt19937 rng(10);
        std::normal_distribution<double> nd;
        int tried = 0;
        for (int t = 0; t < 2000; ++t) {
            cmat U = r.U;
            const double eps = t < 1000 ? 1e-3 : 1e-1;
            for (int i = 0; i < U.rows(); ++i)
                for (int j = 0; j < U.cols(); ++j)
                    U(i, j) += eps * cdouble(nd(rng), nd(rng));
            for (int j = 0; j < U.cols(); ++j)
                U.col(j).normalize();
            auto pc = sinr_power_control(H, U, g, 0.05);
            if (!pc.feasible)
                continue;
            ++tried;
            CPPUNIT_ASSERT(pc.p.sum() >= r.total_power * (1 - 1e-9));
        }
        CPPUNIT_ASSERT(tried > 1000);
    }

    void test_infeasible_and_bad_input()
    {
        // Two users with almost the same channel cannot both get 30 dB.
        cmat H = rayleigh(1, 2, 11);
        cmat H2(2, 2);
        H2.row(0) = H.row(0);
        H2.row(1) = H.row(0) * 1.0001;
        auto r = minpower_precoder(H2, rvec::Constant(2, db2lin(30)), 0.01, 1e-10, 20000);
        CPPUNIT_ASSERT(!r.feasible);
        CPPUNIT_ASSERT(!r.why.empty());
        // Three users on two antennas: infeasible for any positive targets above 1.
        auto r3 = minpower_precoder(rayleigh(3, 2, 12), rvec::Constant(3, 10.0), 0.01, 1e-10, 20000);
        CPPUNIT_ASSERT(!r3.feasible);
        // ZF needs full row rank.
        CPPUNIT_ASSERT_THROW(zf_directions(H2.topRows(1).replicate(2, 1)), param_error);
        CPPUNIT_ASSERT_THROW(minpower_precoder(H2, rvec::Constant(2, -1.0), 0.01), param_error);
        CPPUNIT_ASSERT_THROW(minpower_precoder(H2, rvec::Constant(3, 1.0), 0.01), param_error);
        CPPUNIT_ASSERT_THROW(minpower_precoder(H2, rvec::Constant(2, 1.0), std::nan("")), param_error);
        cmat Hn = H2;
        Hn(0, 0) = std::nan("");
        CPPUNIT_ASSERT_THROW(mrt_directions(Hn), param_error);
        CPPUNIT_ASSERT_THROW(mrt_directions(cmat::Zero(1, 3)), param_error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_comm_precoder);
