/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Range ISL (null-space paper eq. (24)-(35)): definition with explicit shift matrices,
 * gradient by finite differences, expected ISL over random symbols by Monte Carlo, and
 * the monotone Riemannian CG.
 */
#include "qa_util.h"
#include <gnuradio/isac/core/isl.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <random>

using namespace gr::isac::core;

namespace {
using qa::randn;

cmat null_basis(int K, int N, unsigned seed)
{
    Eigen::HouseholderQR<cmat> qr(randn(K, N, seed).adjoint());
    cmat Q = qr.householderQ() * cmat::Identity(N, N);
    return Q.rightCols(N - K);
}
} // namespace

class qa_isl : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_isl);
    CPPUNIT_TEST(test_definition_with_shift_matrices);
    CPPUNIT_TEST(test_gradient_finite_difference);
    CPPUNIT_TEST(test_expected_isl_monte_carlo);
    CPPUNIT_TEST(test_rcg_monotone_on_sphere);
    CPPUNIT_TEST(test_bad_input);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_definition_with_shift_matrices()
    {
        const int N = 5, L = 9, T = 6;
        cmat X = randn(N, L, 1);
        rvec prof = isl_lag_profile(X, T);
        for (int t = 1; t <= T; ++t) {
            cmat J = cmat::Zero(L, L);
            for (int i = 0; i < L; ++i)
                if (i + t < L)
                    J(i, i + t) = 1.0; // [J_tau]_{i,j} = 1 iff j - i = tau
            CPPUNIT_ASSERT_DOUBLES_EQUAL((X * J * X.adjoint()).norm(), prof[t - 1], 1e-12);
        }
    }

    void test_gradient_finite_difference()
    {
        const int N = 6, K = 2, L = 7;
        for (bool expected : { false, true }) {
            isl_problem p;
            if (expected) {
                p = expected_isl_problem(null_basis(K, N, 2), L, 4, 0.7, 3.0);
            } else {
                p.P = null_basis(K, N, 2);
                p.Xc = randn(N, L, 3) * 0.3;
                p.L = L;
                p.T = L - 1;
                p.budget = 3.0;
            }
            cmat B = randn(N - K, L, 4);
            cmat G = isl_gradient(p, B);
            cmat dB = randn(N - K, L, 5);
            const double h = 1e-6;
            const double fd = (isl_cost(p, B + h * dB) - isl_cost(p, B - h * dB)) / (2 * h);
            const double an = std::real(G.cwiseProduct(dB.conjugate()).sum());
            CPPUNIT_ASSERT_DOUBLES_EQUAL(fd, an, 1e-6 * (1 + std::fabs(an)));
        }
    }

    void test_expected_isl_monte_carlo()
    {
        // E over QPSK symbols of sum_tau ||R_tau(F S + P B)||^2 equals the closed form.
        const int N = 5, K = 2, L = 6, T = 4, trials = 40000;
        cmat P = null_basis(K, N, 6);
        cmat F = randn(N, K, 7) * 0.4;
        cmat B = randn(N - K, L, 8);
        isl_problem p = expected_isl_problem(P, L, T, F.squaredNorm(), B.squaredNorm());
        const double closed = isl_cost(p, B);
        std::mt19937 rng(9);
        std::uniform_int_distribution<int> q(0, 3);
        const cdouble qpsk[4] = { { 1, 0 }, { 0, 1 }, { -1, 0 }, { 0, -1 } };
        double sum = 0, sum2 = 0;
        cmat S(K, L);
        for (int t = 0; t < trials; ++t) {
            for (int i = 0; i < K; ++i)
                for (int j = 0; j < L; ++j)
                    S(i, j) = qpsk[q(rng)];
            const double v = isl_of(F * S + P * B, T);
            sum += v;
            sum2 += v * v;
        }
        const double mean = sum / trials;
        const double sd = std::sqrt((sum2 / trials - mean * mean) / trials);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(closed, mean, 4 * sd); // 4 standard errors
    }

    void test_rcg_monotone_on_sphere()
    {
        const int N = 12, K = 3, L = 16;
        for (bool expected : { false, true }) {
            isl_problem p;
            if (expected) {
                p = expected_isl_problem(null_basis(K, N, 10), L, L - 1, 0.4, L * 0.6);
            } else {
                p.P = null_basis(K, N, 10);
                p.Xc = randn(N, L, 11) * 0.15;
                p.L = L;
                p.T = L - 1;
                p.budget = L * 0.6;
            }
            rcg_options o;
            o.max_iter = 300;
            o.rel_tol = 1e-9;
            rcg_result r = rcg_isl(p, randn(N - K, L, 12), o);
            CPPUNIT_ASSERT(r.cost_history.size() > 5);
            for (size_t i = 1; i < r.cost_history.size(); ++i)
                CPPUNIT_ASSERT(r.cost_history[i] <= r.cost_history[i - 1]);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(p.budget, r.B.squaredNorm(), 1e-10 * p.budget);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(isl_cost(p, r.B), r.cost, 1e-12 * r.cost);
            // Reducible part: above c0 + min_n w_n * budget (the expected-ISL floor).
            const double floor =
                p.c0 + (p.col_weight.size() ? p.col_weight.minCoeff() * p.budget : 0.0);
            CPPUNIT_ASSERT(r.cost - floor < 0.1 * (r.cost_history.front() - floor));
        }
    }

    void test_bad_input()
    {
        isl_problem p;
        p.P = null_basis(1, 4, 1);
        p.L = 8;
        p.T = 8; // must be < L
        p.budget = 1;
        CPPUNIT_ASSERT_THROW(rcg_isl(p, randn(3, 8, 1)), param_error);
        p.T = 3;
        CPPUNIT_ASSERT_THROW(rcg_isl(p, randn(3, 7, 1)), param_error);
        CPPUNIT_ASSERT_THROW(rcg_isl(p, cmat::Zero(3, 8)), param_error);
        CPPUNIT_ASSERT_THROW(expected_isl_problem(p.P, 8, 3, -1.0, 1.0), param_error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_isl);
