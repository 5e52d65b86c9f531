/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * MM-LineSearch (null-space paper Algorithm 1): monotone cost, exact power, TRS global
 * optimality (including the hard case), radar-only peaks at the intended angle, PSLR, and
 * the lag-preserving rank reduction.
 */
#include "qa_util.h"
#include <gnuradio/isac/core/beampattern.h>
#include <gnuradio/isac/core/steering.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <random>

using namespace gr::isac::core;

namespace {
using qa::randn;

std::vector<double> degs(std::initializer_list<double> d)
{
    std::vector<double> v;
    for (double x : d)
        v.push_back(deg2rad(x));
    return v;
}

// Orthonormal basis of the null space of a random K x N channel, via QR (not the core's SVD).
cmat null_basis(int K, int N, unsigned seed)
{
    cmat Hh = randn(K, N, seed).adjoint();
    Eigen::HouseholderQR<cmat> qr(Hh);
    cmat Q = qr.householderQ() * cmat::Identity(N, N);
    return Q.rightCols(N - K);
}

bp_problem sdisac_problem(int N, int K, int L, bool coupled, unsigned seed)
{
    auto grid = angle_grid(deg2rad(1.0));
    cmat Ag = ula_steering_matrix(N, grid, array_convention::first_element_positive());
    cmat P = null_basis(K, N, seed);
    cmat F = randn(N, K, seed + 1) * 0.07;
    bp_problem p;
    p.A = P.adjoint() * Ag;
    p.L = L;
    p.budget = L * (1.0 - F.squaredNorm());
    p.delta = (rect_pattern(grid, degs({ -40, 0, 40 }), deg2rad(10), 1.0) * double(L)).cwiseSqrt();
    if (coupled)
        p.Z = (F * randn(K, L, seed + 2)).adjoint() * Ag;
    else
        p.u = double(L) * (F.adjoint() * Ag).colwise().squaredNorm().transpose();
    return p;
}
} // namespace

class qa_beampattern : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_beampattern);
    CPPUNIT_TEST(test_trs_global_minimum);
    CPPUNIT_TEST(test_trs_hard_case);
    CPPUNIT_TEST(test_mm_monotone_and_power);
    CPPUNIT_TEST(test_mm_csi_penalty_monotone);
    CPPUNIT_TEST(test_radar_only_peaks_at_target);
    CPPUNIT_TEST(test_rect_pattern_and_pslr);
    CPPUNIT_TEST(test_rank_reduction_keeps_pattern);
    CPPUNIT_TEST(test_bad_input);
    CPPUNIT_TEST_SUITE_END();

    static double trs_obj(const cmat& Q, const cmat& G, const cmat& B)
    {
        return std::real((B.adjoint() * Q * B).trace()) - 2 * std::real((B.adjoint() * G).trace());
    }

public:
    void test_trs_global_minimum()
    {
        // Indefinite Q: the minimiser is not a projected Newton step; compare with
        // 20000 random points on the sphere and check the KKT conditions.
        for (unsigned seed : { 1u, 2u, 3u }) {
            cmat X = randn(4, 4, seed);
            cmat Q = (X + X.adjoint()) / 2.0;
            cmat G = randn(4, 3, seed + 10);
            const double budget = 2.5;
            Eigen::SelfAdjointEigenSolver<cmat> evd(Q);
            trs_result t = solve_trs(evd.eigenvalues(), evd.eigenvectors(), G, budget);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(budget, t.B.squaredNorm(), 1e-12);
            CPPUNIT_ASSERT(t.nu >= -evd.eigenvalues()[0] - 1e-12);
            cmat kkt = (Q + t.nu * cmat::Identity(4, 4)) * t.B - G;
            CPPUNIT_ASSERT(kkt.norm() < 1e-8 * (1 + G.norm()));
            const double best = trs_obj(Q, G, t.B);
            for (int i = 0; i < 20000; ++i) {
                cmat B = randn(4, 3, 1000 + i);
                B *= std::sqrt(budget) / B.norm();
                CPPUNIT_ASSERT(trs_obj(Q, G, B) >= best - 1e-10);
            }
        }
    }

    void test_trs_hard_case()
    {
        // G orthogonal to the lambda_min eigenvector and small: nu = -lambda_min.
        rvec lam(3);
        lam << -1.0, 0.5, 2.0;
        cmat U = cmat::Identity(3, 3);
        cmat G = cmat::Zero(3, 2);
        G(1, 0) = 0.1;
        G(2, 1) = 0.2;
        const double budget = 4.0;
        trs_result t = solve_trs(lam, U, G, budget);
        CPPUNIT_ASSERT(t.hard_case);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, t.nu, 1e-14);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(budget, t.B.squaredNorm(), 1e-12);
        cmat Q = lam.cast<cdouble>().asDiagonal();
        const double best = trs_obj(Q, G, t.B);
        for (int i = 0; i < 5000; ++i) {
            cmat B = randn(3, 2, 50 + i);
            B *= std::sqrt(budget) / B.norm();
            CPPUNIT_ASSERT(trs_obj(Q, G, B) >= best - 1e-10);
        }
    }

    void test_mm_monotone_and_power()
    {
        for (bool coupled : { false, true }) {
            bp_problem p = sdisac_problem(20, 4, 16, coupled, 7);
            mm_options o;
            o.tol = 1e-9;
            o.max_iter = 150;
            mm_result r = mm_linesearch(p, randn(16, 16, 9), o);
            CPPUNIT_ASSERT(r.cost_history.size() >= 20);
            for (size_t i = 1; i < r.cost_history.size(); ++i)
                CPPUNIT_ASSERT(r.cost_history[i] <= r.cost_history[i - 1] * (1 + 1e-12));
            for (double nrm : r.norm_history)
                CPPUNIT_ASSERT_DOUBLES_EQUAL(p.budget, nrm, 1e-10 * p.budget);
            // the design improves substantially on the random start
            CPPUNIT_ASSERT(r.cost < 0.6 * r.cost_history.front());
            CPPUNIT_ASSERT_DOUBLES_EQUAL(bp_objective(p, r.B), r.cost, 1e-12 * r.cost);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(bp_matching_cost(p, r.B), r.cost / p.L, 1e-12 * r.cost);
        }
    }

    void test_mm_csi_penalty_monotone()
    {
        bp_problem p = sdisac_problem(12, 3, 8, true, 21);
        cmat X = randn(9, 9, 22);
        p.weight = 0.6 / p.L;
        p.Q2 = 0.4 * X * X.adjoint();
        p.E2 = 0.4 * randn(9, 8, 23);
        mm_result r = mm_linesearch(p, randn(9, 8, 24), { 1e-10, 100 });
        for (size_t i = 1; i < r.cost_history.size(); ++i)
            CPPUNIT_ASSERT(r.cost_history[i] <= r.cost_history[i - 1] + 1e-12 * std::fabs(r.cost_history[i - 1]));
        for (double nrm : r.norm_history)
            CPPUNIT_ASSERT_DOUBLES_EQUAL(p.budget, nrm, 1e-10 * p.budget);
    }

    void test_radar_only_peaks_at_target()
    {
        // Radar-only baseline (P = I, no communication): with one narrow target
        // beam the pattern's maximum is at the target, computed with a steering
        // vector written out here (null-space paper: exp(+j pi n sin theta)).
        const int N = 16, L = 16;
        auto grid = angle_grid(deg2rad(0.5));
        for (double tdeg : { 25.0, -50.0 }) {
            cmat Ag =
                ula_steering_matrix(N, grid, array_convention::first_element_positive());
            bp_problem p;
            p.A = Ag;
            p.L = L;
            p.budget = L * 1.0;
            p.delta = (rect_pattern(grid, degs({ tdeg }), deg2rad(4), 1.0) * double(L)).cwiseSqrt();
            mm_result r = mm_linesearch(p, randn(N, L, 3), { 1e-8, 300 });
            double best = -1, arg = 0, mirror = 0;
            for (size_t m = 0; m < grid.size(); ++m) {
                cvec a(N);
                for (int n = 0; n < N; ++n)
                    a[n] = std::polar(1.0, pi * n * std::sin(grid[m]));
                const double pm = (r.B.adjoint() * a).squaredNorm() / L;
                if (pm > best) {
                    best = pm;
                    arg = rad2deg(grid[m]);
                }
                if (std::fabs(rad2deg(grid[m]) + tdeg) < 1e-9)
                    mirror = pm;
            }
            CPPUNIT_ASSERT_DOUBLES_EQUAL(tdeg, arg, 2.0 + 1e-9);
            CPPUNIT_ASSERT(mirror < 0.05 * best); // not the sign-flipped angle
        }
    }

    void test_rect_pattern_and_pslr()
    {
        auto grid = angle_grid(deg2rad(1.0));
        CPPUNIT_ASSERT_EQUAL(size_t(181), grid.size());
        rvec d = rect_pattern(grid, degs({ -40, 0, 40 }), deg2rad(10), 2.0);
        // 11 points per beam; grid-summed power equals that of an isotropic waveform
        CPPUNIT_ASSERT_EQUAL(33L, long((d.array() > 0).count()));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(2.0 * 181, d.sum(), 1e-9);
        rvec pat = rvec::Constant(181, 0.01);
        pat[90] = 1.0;  // 0 deg
        pat[50] = 0.5;  // -40 deg
        pat[20] = 0.1;  // -70 deg: sidelobe
        pat[97] = 0.9;  // 7 deg: inside guard (5 + 2 deg) -> neither
        auto ps = pslr(pat, grid, degs({ -40, 0 }), deg2rad(10), deg2rad(2));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, ps.main_peak, 1e-15);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.1, ps.side_peak, 1e-15);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(-10.0, ps.pslr_db, 1e-12);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(-40.0, rad2deg(ps.peak_angles[0]), 1e-9);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, rad2deg(ps.peak_angles[1]), 1e-9);
    }

    void test_rank_reduction_keeps_pattern()
    {
        const int N = 20, K = 4;
        cmat P = null_basis(K, N, 31);
        cmat V = randn(N - K, N - K, 32);
        cmat Vr = reduce_pattern_rank(P, V, 1);
        CPPUNIT_ASSERT(Vr.cols() * Vr.cols() <= 2 * N - 1);
        CPPUNIT_ASSERT_EQUAL(6L, long(Vr.cols())); // floor(sqrt(39))
        auto grid = angle_grid(deg2rad(0.25));
        cmat Ag =
            ula_steering_matrix(N, grid, array_convention::first_element_positive());
        rvec p0 = pattern_of_covariance(P * V * V.adjoint() * P.adjoint(), Ag);
        rvec p1 = pattern_of_covariance(P * Vr * Vr.adjoint() * P.adjoint(), Ag);
        CPPUNIT_ASSERT((p0 - p1).cwiseAbs().maxCoeff() < 1e-9 * p0.maxCoeff());
        CPPUNIT_ASSERT_DOUBLES_EQUAL(V.squaredNorm(), Vr.squaredNorm(), 1e-9 * V.squaredNorm());
        // a larger target stops earlier
        CPPUNIT_ASSERT_EQUAL(10L, long(reduce_pattern_rank(P, V, 10).cols()));
    }

    void test_bad_input()
    {
        bp_problem p = sdisac_problem(8, 2, 4, false, 40);
        bp_problem q = p;
        q.delta[3] = -1;
        CPPUNIT_ASSERT_THROW(mm_linesearch(q, randn(6, 4, 1)), param_error);
        q = p;
        q.budget = std::nan("");
        CPPUNIT_ASSERT_THROW(mm_linesearch(q, randn(6, 4, 1)), param_error);
        CPPUNIT_ASSERT_THROW(mm_linesearch(p, randn(6, 5, 1)), param_error);
        CPPUNIT_ASSERT_THROW(mm_linesearch(p, cmat::Zero(6, 4)), param_error);
        CPPUNIT_ASSERT_THROW(rect_pattern(angle_grid(0.1), {}, 0.1, 1.0), param_error);
        CPPUNIT_ASSERT_THROW(angle_grid(0.0), param_error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_beampattern);
