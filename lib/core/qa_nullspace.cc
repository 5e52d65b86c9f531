/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Null-space basis and the complete SD-ISAC design (null-space paper eq. (4)-(7), Sec.
 * V): users see no sensing signal, SINRs unchanged by sensing, exact power split,
 * infeasibility reported, lobes at the targets, the streaming kernel.
 */
#include "qa_util.h"
#include <gnuradio/isac/core/beam_count.h>
#include <gnuradio/isac/core/comm_precoder.h>
#include <gnuradio/isac/core/nullspace.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <random>

using namespace gr::isac::core;

namespace {
using qa::randn;

sdisac_params base_params(int K)
{
    sdisac_params p;
    p.frame_len = 32;
    p.power = 1.0;
    p.noise_var = 0.01;
    p.sinr = rvec::Constant(K, db2lin(10));
    p.targets_rad = { deg2rad(-40), deg2rad(0), deg2rad(40) };
    p.beam_width_rad = deg2rad(10);
    p.grid_step_rad = deg2rad(1.0);
    p.max_iter = 100;
    return p;
}

// SINR of user k with the sensing part included as interference (averaged over the frame).
rvec sinr_with_sensing(const sdisac_design& d, double noise)
{
    rvec s = sinr(d.H, d.F, noise);
    if (d.B.size() == 0)
        return s;
    const cmat HPB = d.H * d.P * d.B;
    for (Eigen::Index k = 0; k < s.size(); ++k) {
        const double sig = std::norm((d.H.row(k) * d.F.col(k))(0));
        double den = noise + HPB.row(k).squaredNorm() / d.frame_len;
        for (Eigen::Index j = 0; j < s.size(); ++j)
            if (j != k)
                den += std::norm((d.H.row(k) * d.F.col(j))(0));
        s[k] = sig / den;
    }
    return s;
}
} // namespace

class qa_nullspace : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_nullspace);
    CPPUNIT_TEST(test_basis);
    CPPUNIT_TEST(test_rank_deficient_basis);
    CPPUNIT_TEST(test_users_see_no_sensing);
    CPPUNIT_TEST(test_minpower_design_and_split);
    CPPUNIT_TEST(test_lobes_at_targets);
    CPPUNIT_TEST(test_rank_reduced_design);
    CPPUNIT_TEST(test_infeasible_reported);
    CPPUNIT_TEST(test_imperfect_csi_tradeoff);
    CPPUNIT_TEST(test_superimpose_kernel);
    CPPUNIT_TEST(test_beam_count_bounds);
    CPPUNIT_TEST(test_bad_parameters);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_basis()
    {
        cmat H = randn(4, 16, 1);
        nullspace_basis b = null_space(H);
        CPPUNIT_ASSERT_EQUAL(4, b.rank);
        CPPUNIT_ASSERT_EQUAL(12L, long(b.P.cols()));
        CPPUNIT_ASSERT((b.P.adjoint() * b.P - cmat::Identity(12, 12)).norm() < 1e-13);
        CPPUNIT_ASSERT((H * b.P).norm() < 1e-13 * H.norm());
        CPPUNIT_ASSERT((b.V1.adjoint() * b.P).norm() < 1e-13);
    }

    void test_rank_deficient_basis()
    {
        cmat H = randn(3, 8, 2);
        H.row(2) = 0.5 * H.row(0) - 2.0 * H.row(1); // rank 2
        nullspace_basis b = null_space(H);
        CPPUNIT_ASSERT_EQUAL(2, b.rank);
        CPPUNIT_ASSERT_EQUAL(6L, long(b.P.cols()));
        CPPUNIT_ASSERT((H * b.P).norm() < 1e-13 * H.norm());
        // design with MRT still works on the numerical rank and says so
        sdisac_params p = base_params(3);
        p.comm = "mrt";
        p.comm_power = 0.3;
        sdisac_design d = design_sdisac(H, p);
        CPPUNIT_ASSERT(d.ok);
        CPPUNIT_ASSERT(d.rank_deficient);
        CPPUNIT_ASSERT(d.message.find("rank-deficient") != std::string::npos);
        CPPUNIT_ASSERT(d.leakage <= 1e-12);
        // ZF cannot exist: reported, not thrown
        p.comm = "zf";
        sdisac_design z = design_sdisac(H, p);
        CPPUNIT_ASSERT(!z.ok);
        CPPUNIT_ASSERT(!z.message.empty());
    }

    void test_users_see_no_sensing()
    {
        for (const char* comm : { "zf", "mrt", "minpower" }) {
            for (const char* sensing : { "beampattern", "isl" }) {
                for (int N : { 16, 64 }) {
                    const int K = 4;
                    cmat H = randn(K, N, 3 + N);
                    sdisac_params p = base_params(K);
                    p.comm = comm;
                    p.sensing = sensing;
                    p.sinr = rvec::Constant(K, db2lin(std::string(comm) == "mrt" ? 3 : 10));
                    p.max_iter = 20;
                    sdisac_design on = design_sdisac(H, p);
                    CPPUNIT_ASSERT_MESSAGE(on.message, on.ok);
                    CPPUNIT_ASSERT(on.sensing_power > 0.1);
                    CPPUNIT_ASSERT_MESSAGE(std::to_string(on.leakage), on.leakage <= 1e-12);
                    const cmat PB = on.P * on.B;
                    CPPUNIT_ASSERT((H * PB).norm() / PB.norm() <= 1e-12);
                    p.sensing = "none";
                    sdisac_design off = design_sdisac(H, p);
                    rvec s_on = sinr_with_sensing(on, p.noise_var);
                    rvec s_off = sinr_with_sensing(off, p.noise_var);
                    for (int k = 0; k < K; ++k)
                        CPPUNIT_ASSERT(std::fabs(s_on[k] - s_off[k]) <= 1e-9 * s_off[k]);
                    // power split exact: P_c + P_a = P_t
                    CPPUNIT_ASSERT_DOUBLES_EQUAL(p.power, on.comm_power + on.sensing_power, 1e-12);
                    // ... and the actual transmitted frame power matches (F S + P B with
                    // (1/L) S S^H = I would give it; here B is checked against F).
                    CPPUNIT_ASSERT((on.F.adjoint() * on.P).norm() < 1e-10 * on.F.norm());
                }
            }
        }
    }

    void test_minpower_design_and_split()
    {
        const int K = 4, N = 20;
        cmat H = randn(K, N, 20);
        sdisac_params p = base_params(K);
        p.comm = "minpower";
        sdisac_design d = design_sdisac(H, p);
        CPPUNIT_ASSERT(d.ok);
        for (int k = 0; k < K; ++k)
            CPPUNIT_ASSERT_DOUBLES_EQUAL(p.sinr[k], d.sinr[k], 1e-9 * p.sinr[k]);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(d.dual_value, d.comm_power, 1e-9 * d.comm_power);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(d.comm_power / p.power, d.split, 1e-15);
        // more demanding targets -> more comm power -> higher matching cost (null-space
        // paper Fig. 5 trend)
        p.sinr = rvec::Constant(K, db2lin(20));
        sdisac_design d2 = design_sdisac(H, p);
        CPPUNIT_ASSERT(d2.ok);
        CPPUNIT_ASSERT(d2.comm_power > d.comm_power);
        CPPUNIT_ASSERT(d2.matching_cost > d.matching_cost);
    }

    void test_lobes_at_targets()
    {
        const int K = 4, N = 20;
        cmat H = randn(K, N, 30);
        sdisac_params p = base_params(K);
        p.targets_rad = { deg2rad(-30), deg2rad(20) }; // asymmetric: a sign error would show
        p.max_iter = 200;
        sdisac_design d = design_sdisac(H, p);
        CPPUNIT_ASSERT(d.ok);
        CPPUNIT_ASSERT(d.pslr_db < -8.0);
        for (size_t k = 0; k < 2; ++k)
            CPPUNIT_ASSERT(std::fabs(d.peak_angles_rad[k] - p.targets_rad[k]) <= p.beam_width_rad / 2 + 1e-12);
        // Independent evaluation with a hand-written null-space paper steering vector.
        auto P_at = [&](double deg) {
            cvec a(N);
            for (int n = 0; n < N; ++n)
                a[n] = std::polar(1.0, pi * n * std::sin(deg2rad(deg)));
            cmat R = d.F * d.F.adjoint() + d.P * d.B * d.B.adjoint() * d.P.adjoint() / double(p.frame_len);
            return std::real(a.dot(R * a));
        };
        CPPUNIT_ASSERT(P_at(20) > 5 * P_at(-20));
        CPPUNIT_ASSERT(P_at(-30) > 5 * P_at(30));
        CPPUNIT_ASSERT(P_at(20) > 5 * P_at(60));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(P_at(20), d.pattern[110], 1e-9 * P_at(20)); // grid index of +20 deg
    }

    void test_rank_reduced_design()
    {
        const int K = 4, N = 20;
        cmat H = randn(K, N, 40);
        sdisac_params p = base_params(K);
        // MM from a random start behaves like a power iteration and lowers the
        // rank by itself over many iterations; stop early to start from a high rank.
        p.max_iter = 3;
        sdisac_design full = design_sdisac(H, p);
        p.sensing_beams = -1;
        sdisac_design red = design_sdisac(H, p);
        CPPUNIT_ASSERT(red.ok);
        CPPUNIT_ASSERT(full.sensing_rank > 6);
        CPPUNIT_ASSERT(red.sensing_rank <= 6); // floor(sqrt(2N - 1)) = 6
        CPPUNIT_ASSERT((full.pattern - red.pattern).cwiseAbs().maxCoeff() < 1e-9 * full.pattern.maxCoeff());
        CPPUNIT_ASSERT_DOUBLES_EQUAL(full.sensing_power, red.sensing_power, 1e-9);
        CPPUNIT_ASSERT(red.leakage <= 1e-12);
    }

    void test_infeasible_reported()
    {
        const int K = 4, N = 8;
        cmat H = randn(K, N, 50);
        sdisac_params p = base_params(K);
        p.comm = "zf";
        p.comm_power = 2.0; // > P_t
        sdisac_design d = design_sdisac(H, p);
        CPPUNIT_ASSERT(!d.ok);
        CPPUNIT_ASSERT(d.message.find("P_t") != std::string::npos);
        p.comm_power = 0;
        p.comm = "minpower";
        p.sinr = rvec::Constant(K, db2lin(40)); // needs > P_t
        sdisac_design e = design_sdisac(H, p);
        CPPUNIT_ASSERT(!e.ok);
        CPPUNIT_ASSERT(e.comm_power > p.power);
    }

    void test_imperfect_csi_tradeoff()
    {
        // omega < 1 trades pattern matching for less power along R^{1/2} P:
        // the penalty term must fall and the matching cost rise (null-space paper Sec.
        // V).
        const int K = 4, N = 16;
        cmat H = randn(K, N, 60);
        sdisac_params p = base_params(K);
        p.csi_error = 0.3;
        p.csi_corr = 0.5;
        p.csi_weight = 1.0;
        sdisac_design a = design_sdisac(H, p);
        p.csi_weight = 0.2;
        sdisac_design b = design_sdisac(H, p);
        CPPUNIT_ASSERT(a.ok && b.ok);
        const cmat R = exp_correlation(N, 0.5).cast<cdouble>();
        auto leak = [&](const sdisac_design& d) {
            const cmat PB = d.P * d.B;
            return std::real((PB.adjoint() * R * PB).trace());
        };
        CPPUNIT_ASSERT(leak(b) < leak(a));
        CPPUNIT_ASSERT(b.matching_cost > a.matching_cost);
        for (size_t i = 1; i < b.cost_history.size(); ++i)
            CPPUNIT_ASSERT(b.cost_history[i] <= b.cost_history[i - 1] * (1 + 1e-12));
    }

    void test_superimpose_kernel()
    {
        const int N = 6, K = 2, L = 5, n = 13;
        cmatf F = randn(N, K, 70).cast<cfloat>();
        cmatf M = randn(N, L, 71).cast<cfloat>();
        cmatf S = randn(K, n, 72).cast<cfloat>();
        cmatf X(N, n);
        superimpose(S.data(), X.data(), n, F, M, 3);
        for (int i = 0; i < n; ++i) {
            cvecf ref = F * S.col(i) + M.col((3 + i) % L);
            CPPUNIT_ASSERT((X.col(i) - ref).norm() < 1e-5f);
        }
        superimpose(S.data(), X.data(), n, F, cmatf(), 0);
        CPPUNIT_ASSERT((X - F * S).norm() < 1e-5f);
        cmatf Bx = randn(N, n, 73).cast<cfloat>();
        cmatf Pi = randn(N, N, 74).cast<cfloat>();
        superimpose_external(S.data(), Bx.data(), X.data(), n, F, Pi);
        CPPUNIT_ASSERT((X - F * S - Pi * Bx).norm() < 1e-4f);
    }

    void test_beam_count_bounds()
    {
        // beamformer-count paper examples: N_tr = 1 (d = 4) without cancellation: 2 for K
        // = 0, 1; K for K >= 2.
        const long d4 = sensing_dof("gains_aoa", 1, 8);
        CPPUNIT_ASSERT_EQUAL(4L, d4);
        CPPUNIT_ASSERT_EQUAL(2, beam_count_bound(0, d4, false).total);
        CPPUNIT_ASSERT_EQUAL(2, beam_count_bound(1, d4, false).total);
        for (int K = 2; K <= 12; ++K) {
            CPPUNIT_ASSERT_EQUAL(K, beam_count_bound(K, d4, false).total);
            CPPUNIT_ASSERT_EQUAL(0, beam_count_bound(K, d4, false).sensing);
            CPPUNIT_ASSERT_EQUAL(K + 2, beam_count_bound(K, d4, true).total);
            // d = 1: K + 1 with cancellation, K without (K >= 1)
            CPPUNIT_ASSERT_EQUAL(K + 1, beam_count_bound(K, sensing_dof("detection", 1, 8), true).total);
            CPPUNIT_ASSERT_EQUAL(K, beam_count_bound(K, 1, false).total);
        }
        CPPUNIT_ASSERT_EQUAL(39L, sensing_dof("beampattern", 1, 20));
        CPPUNIT_ASSERT_EQUAL(6, beam_count_bound(4, 39, true).sensing);
        CPPUNIT_ASSERT_EQUAL(2, beam_count_bound(4, 39, true, 6).sensing); // N - K cap
        CPPUNIT_ASSERT_EQUAL(15L, sensing_dof("gains_aoa", 2, 8));
        CPPUNIT_ASSERT_EQUAL(64L, sensing_dof("channel", 1, 8));
        CPPUNIT_ASSERT_THROW(sensing_dof("bogus", 1, 8), param_error);
    }

    void test_bad_parameters()
    {
        cmat H = randn(4, 8, 80);
        sdisac_params p = base_params(4);
        CPPUNIT_ASSERT_THROW(design_sdisac(randn(8, 8, 1), p), param_error); // n_users >= n_tx
        sdisac_params q = p;
        q.targets_rad.clear();
        CPPUNIT_ASSERT_THROW(design_sdisac(H, q), param_error);
        q = p;
        q.power = std::nan("");
        CPPUNIT_ASSERT_THROW(design_sdisac(H, q), param_error);
        q = p;
        q.comm = "mmse";
        CPPUNIT_ASSERT_THROW(design_sdisac(H, q), param_error);
        q = p;
        q.csi_weight = 1.5;
        CPPUNIT_ASSERT_THROW(design_sdisac(H, q), param_error);
        cmat Hn = H;
        Hn(1, 1) = cdouble(std::numeric_limits<double>::infinity(), 0);
        CPPUNIT_ASSERT_THROW(design_sdisac(Hn, p), param_error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_nullspace);
