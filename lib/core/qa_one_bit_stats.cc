/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The exact 1-bit statistics (one_bit_stats.h) against independent references:
 * the arcsine-law covariance against Monte-Carlo quantised Gaussian echoes entry by
 * entry (tolerance from the trial count) and against the dense asin of C/d; the
 * Toeplitz/FFT and coefficient-space quadratic forms against dense products; the
 * deflection gradient against finite differences; the conditional-Gaussian tail
 * against a Monte-Carlo H0 quantile; the cross covariance of two snapshots with
 * different x and one clutter draw (arcsine_cross) against the dense asin of C_lm and
 * against Monte-Carlo pairs of quantised echoes.
 */
#include "qa_clones.h"
#include <gnuradio/isac/core/one_bit_stats.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <cfloat>
#include <iostream>
#include <random>
#include <vector>

using namespace gr::isac::core;

class qa_one_bit_stats : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_one_bit_stats);
    CPPUNIT_TEST(test_arcsine_vs_monte_carlo);
    CPPUNIT_TEST(test_toeplitz_forms);
    CPPUNIT_TEST(test_deflection_gradient);
    CPPUNIT_TEST(test_clutter_limit_scene);
    CPPUNIT_TEST(test_tail_vs_monte_carlo);
    CPPUNIT_TEST(test_pfa_reach);
    CPPUNIT_TEST(test_cross_vs_dense);
    CPPUNIT_TEST(test_cross_prepared);
    CPPUNIT_TEST(test_cross_prepared_asin);
    CPPUNIT_TEST(test_cross_prepared_clones);
    CPPUNIT_TEST(test_cross_vs_monte_carlo);
    CPPUNIT_TEST_SUITE_END();

    std::mt19937_64 rng{ 11 };

    // asymmetric scene: target 13.7 deg, clutter -41.2 and 27.9 deg
    static radar_scene make_scene(int nt, int nr, double cnr1, double cnr2)
    {
        return radar_scene(nt,
                           nr,
                           deg2rad(13.7),
                           { deg2rad(-41.2), deg2rad(27.9) },
                           10.0,
                           { cnr1, cnr2 });
    }

    // n echoes r = sum_q a_q g_q + noise, a_q ~ CN(0, p_q), quantised
    cmat quantised_echoes(const radar_scene& s, const std::vector<double>& p, int n)
    {
        std::normal_distribution<double> nd;
        const int N = s.n_rx(), P = int(p.size());
        cmat R(N, n);
        for (int l = 0; l < n; ++l) {
            cvec r(N);
            for (int i = 0; i < N; ++i)
                r[i] = cdouble(nd(rng), nd(rng)) * std::sqrt(0.5);
            for (int q = 0; q < P; ++q)
                r += cdouble(nd(rng), nd(rng)) * std::sqrt(p[q] / 2) * s.gr().col(q);
            for (int i = 0; i < N; ++i)
                R(i, l) =
                    cdouble(r[i].real() < 0 ? -1.0 : 1.0, r[i].imag() < 0 ? -1.0 : 1.0);
        }
        return R;
    }

    static cmat dense_arcsine(const radar_scene& s, const std::vector<double>& p)
    {
        const int N = s.n_rx();
        cmat C = cmat::Identity(N, N);
        double d = 1.0;
        for (size_t q = 0; q < p.size(); ++q) {
            C += p[q] * s.gr().col(q) * s.gr().col(q).adjoint();
            d += p[q] / N;
        }
        cmat Cq(N, N);
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) {
                const cdouble rho = C(i, j) / d;
                Cq(i, j) = i == j
                               ? cdouble(2.0)
                               : 4.0 / pi *
                                     cdouble(std::asin(std::clamp(rho.real(), -1., 1.)),
                                             std::asin(std::clamp(rho.imag(), -1., 1.)));
            }
        return Cq;
    }

    // u_l^H Cq_lm u_m from the dense asin of C_lm / sqrt(d_l d_m) (no noise term)
    static cdouble dense_cross(const radar_scene& s,
                               const std::vector<cdouble>& sq,
                               double dl,
                               double dm,
                               const cvec& ul,
                               const cvec& um,
                               bool distortion_only)
    {
        const int N = s.n_rx();
        cmat C = cmat::Zero(N, N);
        for (size_t q = 0; q < sq.size(); ++q)
            C += sq[q] * s.gr().col(q) * s.gr().col(q).adjoint();
        cmat Cq(N, N);
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) {
                const cdouble rho = C(i, j) / std::sqrt(dl * dm);
                Cq(i, j) = 4.0 / pi *
                           (cdouble(std::asin(std::clamp(rho.real(), -1., 1.)),
                                    std::asin(std::clamp(rho.imag(), -1., 1.))) -
                            (distortion_only ? rho : cdouble(0.0)));
            }
        return ul.dot(Cq * um);
    }

    // cross powers, per-antenna powers and random filter coefficients of two x
    struct pair_case {
        std::vector<cdouble> sq;
        double dl, dm;
        cvec bl, bm, cl, cm;
    };
    pair_case make_pair(const radar_scene& s)
    {
        std::normal_distribution<double> nd;
        std::bernoulli_distribution bit;
        const int P = s.n_clutter() + 1, nt = s.n_tx();
        cvec xl(nt), xm(nt);
        for (int i = 0; i < nt; ++i) {
            xl[i] = cdouble(bit(rng) ? 1 : -1, bit(rng) ? 1 : -1) / std::sqrt(2.0 * nt);
            xm[i] = cdouble(bit(rng) ? 1 : -1, bit(rng) ? 1 : -1) / std::sqrt(2.0 * nt);
        }
        const cvec cl = s.couplings(xl), cm = s.couplings(xm);
        pair_case pc;
        pc.cl = cl;
        pc.cm = cm;
        pc.sq.assign(P, cdouble(0.0)); // H0: no target
        pc.dl = pc.dm = 1.0;
        for (int q = 1; q < P; ++q) {
            pc.sq[q] = s.cnr()[q - 1] * cl[q] * std::conj(cm[q]);
            pc.dl += s.cnr()[q - 1] * std::norm(cl[q]) / s.n_rx();
            pc.dm += s.cnr()[q - 1] * std::norm(cm[q]) / s.n_rx();
        }
        pc.bl.resize(P);
        pc.bm.resize(P);
        for (int i = 0; i < P; ++i) {
            pc.bl[i] = cdouble(nd(rng), nd(rng));
            pc.bm[i] = cdouble(nd(rng), nd(rng));
        }
        return pc;
    }

    // one x twice: rho(0) = 1 - 1/d
    static void same_x(const radar_scene& s, pair_case& pc)
    {
        pc.cm = pc.cl;
        pc.bm = pc.bl;
        pc.dm = pc.dl;
        for (int q = 1; q <= s.n_clutter(); ++q)
            pc.sq[q] = s.cnr()[q - 1] * std::norm(pc.cl[q]);
    }

    // a rounding bound's scale for cross_prepared: X(j) sums beta_l,i R_ii'(j)
    // beta_m,i', so its rounding scales with the terms before u = G beta cancels them
    // (||u_l|| ||u_m|| did not bound it: 1.9e-13 of it at N_R = 1, 40 dB, other
    // seeds); the asin adds ~1 ulp absolute per lag
    static double rounding_scale(const radar_scene& s, const pair_case& pc)
    {
        double scale = 1.0;
        for (const cvec* b : { &pc.bl, &pc.bm }) {
            double t = 0.0;
            for (int i = 0; i <= s.n_clutter(); ++i)
                t += std::abs((*b)[i]) * s.gr().col(i).norm();
            scale *= t;
        }
        return scale;
    }

public:
    void test_pfa_reach()
    {
        // the bounds against their closed forms (the enumeration behind them:
        // qa_one_bit_rx_filter test_018/019)
        struct row {
            int n_rx, cpi_len;
            double pfa;
            bool reachable, coarse;
        };
        const row rows[] = {
            { 1, 1, 0.9, false, false },    // |z| one value: no pfa
            { 4, 1, 0.015, false, false },  // below 4^-3
            { 4, 1, 0.015625, true, true }, // exactly one class of 4 patterns
            { 2, 2, 0.5, true, true },      // 2 of 16 classes
            { 7, 1, 0.5, true, true },      // 2048 classes, but one small snapshot
            { 8, 1, 0.01, true, false },    // 163.8 classes
            { 8, 1, 0.0039, true, true },   // 63.9 classes
            { 4, 16, 0.01, true, false },   // the OTA examples
            { 1, 16, 1e-7, true, true },    // 107 classes, but one antenna
            { 1, 16, 5e-8, true, true },    // 53.7 classes
            { 2, 8, 1e-3, true, false },    // 16384 classes
            { 4096, 1 << 24, 1e-300, true, false },
        };
        for (const auto& r : rows) {
            const auto q = pfa_reach(adc_model::one_bit, r.n_rx, r.cpi_len, r.pfa);
            const double n = double(r.n_rx) * r.cpi_len;
            const double min_pfa = std::pow(4.0, 1.0 - n);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(min_pfa, q.min_pfa, 1e-15 * min_pfa);
            if (n < 100)
                CPPUNIT_ASSERT_DOUBLES_EQUAL(
                    r.pfa / min_pfa, q.classes_above, 1e-12 * q.classes_above);
            CPPUNIT_ASSERT_EQUAL(r.reachable, q.reachable);
            CPPUNIT_ASSERT_EQUAL(r.coarse, q.coarse);
            CPPUNIT_ASSERT_EQUAL(r.reachable && !r.coarse, q.reason.empty());
            const auto ideal = pfa_reach(adc_model::ideal, r.n_rx, r.cpi_len, r.pfa);
            CPPUNIT_ASSERT(ideal.reachable && !ideal.coarse && ideal.reason.empty());
        }
    }

    void test_arcsine_vs_monte_carlo()
    {
        // lit clutter (per-antenna CNR ~ +9 dB) and a target: far from Theorem 1
        const int N = 10, T = 40000;
        const radar_scene s = make_scene(8, N, 1.0, 1.0);
        const std::vector<double> p = { 3.0, 60.0, 30.0 };
        const arcsine_stats st(s);
        const cmat Cq = st.covariance(p.data());
        // the Toeplitz form equals the dense asin of C/d
        CPPUNIT_ASSERT((Cq - dense_arcsine(s, p)).cwiseAbs().maxCoeff() < 1e-12);
        const cmat R = quantised_echoes(s, p, T);
        const cmat E = R * R.adjoint() / double(T);
        // Re/Im of each product are +-2 or 0 valued with variance <= 2: 5 sigma bound
        const double tol = 5.0 * std::sqrt(2.0 / T);
        double worst = 0.0;
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) {
                CPPUNIT_ASSERT_DOUBLES_EQUAL(Cq(i, j).real(), E(i, j).real(), tol);
                CPPUNIT_ASSERT_DOUBLES_EQUAL(Cq(i, j).imag(), E(i, j).imag(), tol);
                worst = std::max(worst, std::abs(Cq(i, j) - E(i, j)));
            }
        // and Theorem 1's linearisation is far off in this regime (the test can fail)
        const double d = st.per_antenna_power(p.data());
        CPPUNIT_ASSERT(d > 8.0);
        std::cout << "\narcsine law vs MC (" << T << " trials): max |error| " << worst
                  << " (tolerance " << tol << ")" << std::endl;
    }

    void test_toeplitz_forms()
    {
        // 37: the direct lag sums; 300: the FFT forms
        for (int N : { 37, 300 })
            check_toeplitz_forms(N);
    }

    void check_toeplitz_forms(int N)
    {
        const radar_scene s = make_scene(12, N, 200.0, 50.0);
        const std::vector<double> p = { 0.5, 80.0, 7.0 };
        const arcsine_stats st(s);
        const cmat Cq = dense_arcsine(s, p);
        std::normal_distribution<double> nd;
        cvec u(N);
        for (int i = 0; i < N; ++i)
            u[i] = cdouble(nd(rng), nd(rng));
        cvec t(N);
        st.lags(p.data(), t.data());
        const double ref = std::real(u.dot(Cq * u));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, toeplitz_quad_form(t, u), 1e-9 * std::abs(ref));
        // coefficient space: v = G alpha
        cvec alpha(3);
        for (int i = 0; i < 3; ++i)
            alpha[i] = cdouble(nd(rng), nd(rng));
        const cvec v = s.gr() * alpha;
        const double rv = std::real(v.dot(Cq * v));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(rv, st.variance(p.data(), alpha.data()), 1e-9 * rv);
        const cmat Gm = s.gr().adjoint() * Cq * s.gr();
        CPPUNIT_ASSERT((Gm - st.gram(p.data())).cwiseAbs().maxCoeff() < 1e-9 * Gm.norm());
        const cvec Ga = Gm * alpha;
        CPPUNIT_ASSERT((Ga - st.gram_apply(p.data(), alpha.data())).norm() <
                       1e-9 * Ga.norm());
        // two snapshots with independent noise: the diagonal is (4/pi) asin(1 - 1/d)
        cmat Cw = Cq;
        const double d = st.per_antenna_power(p.data());
        Cw.diagonal().setConstant(4.0 / pi * std::asin(1.0 - 1.0 / d));
        const double rw = std::real(v.dot(Cw * v));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(
            rw, st.variance(p.data(), alpha.data(), nullptr, false), 1e-9 * rv);
        // the block's filter: filter_coefficients gives M^{-1} g_0 (1-bit weights 2/pi)
        double vt1 = 0.0;
        const cvec a = filter_coefficients(s, p.data(), adc_model::one_bit, &vt1);
        cmat M = cmat::Identity(N, N);
        for (int q = 1; q < 3; ++q)
            M += 2.0 / pi * p[q] * s.gr().col(q) * s.gr().col(q).adjoint();
        const cvec vref = M.lu().solve(s.gr().col(0));
        CPPUNIT_ASSERT((s.gr() * a - vref).norm() < 1e-9 * vref.norm());
        double t1 = 2.0 * vref.squaredNorm();
        for (int q = 1; q < 3; ++q)
            t1 += 4.0 / pi * p[q] * std::norm(vref.dot(s.gr().col(q)));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(t1, vt1, 1e-9 * t1);
    }

    void test_deflection_gradient()
    {
        // 24 antennas: the direct lag sums; 160: the FFT forms
        for (int nr : { 24, 160 })
            check_deflection_gradient(nr);
    }

    // arcsine_cross against the dense asin of C_lm: the lag-Gram path (Q = 2) and the
    // direct cross-correlation (64 antennas, 40 patches: a table beyond 2^16 values);
    // and two snapshots of the same x give the noise-free term of arcsine_stats
    void test_cross_vs_dense()
    {
        std::uniform_real_distribution<double> ud(-80.0, 80.0);
        std::vector<double> ang(40), cnr(40);
        for (int q = 0; q < 40; ++q) {
            ang[q] = deg2rad(ud(rng));
            cnr[q] = 2.0 + 0.5 * q;
        }
        const std::vector<radar_scene> scenes = {
            make_scene(12, 37, 300.0, 50.0),
            radar_scene(12, 64, deg2rad(13.7), ang, 10.0, cnr)
        };
        for (const radar_scene& s : scenes) {
            const arcsine_cross ac(s);
            CPPUNIT_ASSERT_EQUAL(s.n_clutter() == 2, ac.tabulated());
            const pair_case pc = make_pair(s);
            const cvec ul = s.gr() * pc.bl, um = s.gr() * pc.bm;
            for (bool dist : { false, true }) {
                const cdouble got = ac.cross(
                    pc.sq.data(), pc.dl, pc.dm, pc.bl.data(), pc.bm.data(), dist);
                const cdouble ref = dense_cross(s, pc.sq, pc.dl, pc.dm, ul, um, dist);
                CPPUNIT_ASSERT(std::abs(got - ref) < 1e-9 * std::abs(ref));
            }
            // the same x: sq = p (real), d_l = d_m
            std::vector<double> p(s.n_clutter() + 1, 0.0);
            std::vector<cdouble> sq(p.size());
            for (size_t q = 1; q < p.size(); ++q)
                sq[q] = p[q] = std::abs(pc.sq[q]);
            const arcsine_stats st(s);
            const double d = st.per_antenna_power(p.data());
            const double w = st.variance(p.data(), pc.bl.data(), nullptr, false);
            const cdouble got =
                ac.cross(sq.data(), d, d, pc.bl.data(), pc.bl.data(), false);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(w, got.real(), 1e-9 * w);
            CPPUNIT_ASSERT(std::abs(got.imag()) < 1e-9 * w);
        }
    }

    // cross_prepared (what cpi_integrator evaluates per pair: prepared x, a branch-free
    // vectorised asin) against the straightforward cross(): 1 to 32 antennas (9 pads
    // 17 lags to 24; 32 fills the lag arrays exactly), the lag-Gram table (Q = 2) and
    // the direct path (8 antennas, 70 patches: no table), CNR from 0 to 40 dB so that
    // |rho| covers both halves of the asin up to 1 - 1e-4 (a pair of one x at 40 dB);
    // d <= 0 or not finite gives 0; 33 antennas are refused by prepare and by
    // cross_prepared (whose lag arrays they would overrun)
    void test_cross_prepared()
    {
        std::uniform_real_distribution<double> ud(-80.0, 80.0);
        std::vector<double> ang(70), cnr70(70);
        for (int q = 0; q < 70; ++q) {
            ang[q] = deg2rad(ud(rng));
            cnr70[q] = 0.5 + 0.1 * q;
        }
        std::vector<radar_scene> scenes;
        for (int nr : { 1, 2, 3, 5, 8, 9, 12, 16, 32 })
            for (double cnr : { 1.0, 100.0, 10000.0 })
                scenes.push_back(make_scene(6, nr, cnr, 0.3 * cnr));
        scenes.push_back(radar_scene(6, 8, deg2rad(13.7), ang, 10.0, cnr70));
        int n_big = 0, n_small = 0, n_near1 = 0;
        for (const radar_scene& s : scenes) {
            const arcsine_cross ac(s);
            CPPUNIT_ASSERT_EQUAL(s.n_clutter() == 2, ac.tabulated());
            const int Q = s.n_clutter(), ps = ac.prepared_size();
            std::vector<double> pl(ps), pm(ps);
            for (int t = 0; t < 20; ++t) {
                pair_case pc = make_pair(s);
                if (t == 0)
                    same_x(s, pc);
                ac.prepare(pc.cl.data() + 1, pc.dl, pc.bl.data(), pl.data());
                ac.prepare(pc.cm.data() + 1, pc.dm, pc.bm.data(), pm.data());
                const double got = ac.cross_prepared(pl.data(), pm.data());
                const double ref =
                    ac.cross(pc.sq.data(), pc.dl, pc.dm, pc.bl.data(), pc.bm.data())
                        .real();
                const double scale = rounding_scale(s, pc);
                CPPUNIT_ASSERT(std::abs(got - ref) <= 1e-13 * scale);
                // which parts of the asin the pairs reached
                const int N = s.n_rx();
                for (int j = -(N - 1); j < N; ++j) {
                    cdouble T = 0.0;
                    for (int q = 1; q <= Q; ++q)
                        T += pc.sq[q] * s.gr()(std::max(j, 0), q) *
                             std::conj(s.gr()(std::max(-j, 0), q));
                    for (double v : { T.real(), T.imag() }) {
                        const double a = std::abs(v) / std::sqrt(pc.dl * pc.dm);
                        n_near1 += a >= 0.99;
                        n_big += a >= 0.5;
                        n_small += a < 0.5;
                    }
                }
            }
            // no per-antenna power, or an infinite one: no cross term
            const pair_case pc = make_pair(s);
            ac.prepare(pc.cl.data() + 1, pc.dl, pc.bl.data(), pl.data());
            for (double bad : { 0.0, -1.0, double(HUGE_VAL), double(NAN) }) {
                ac.prepare(pc.cm.data() + 1, bad, pc.bm.data(), pm.data());
                CPPUNIT_ASSERT_EQUAL(0.0, ac.cross_prepared(pl.data(), pm.data()));
                CPPUNIT_ASSERT_EQUAL(0.0, ac.cross_prepared(pm.data(), pl.data()));
            }
            // a non-finite beta or c with a finite d > 0: no cross term either, in
            // both forms (cross() gave NaN where rho != 0)
            for (const double bad : { double(NAN), double(HUGE_VAL) }) {
                for (int which = 0; which < 2; ++which) {
                    pair_case pb = pc;
                    (which ? pb.cm[1] : pb.bm[Q]) = cdouble(0.3, bad);
                    for (int q = 1; q <= Q; ++q)
                        pb.sq[q] = s.cnr()[q - 1] * pb.cl[q] * std::conj(pb.cm[q]);
                    ac.prepare(pb.cm.data() + 1, pb.dm, pb.bm.data(), pm.data());
                    CPPUNIT_ASSERT_EQUAL(0.0, ac.cross_prepared(pl.data(), pm.data()));
                    CPPUNIT_ASSERT_EQUAL(0.0, ac.cross_prepared(pm.data(), pl.data()));
                    CPPUNIT_ASSERT_EQUAL(
                        cdouble(0.0),
                        ac.cross(pb.sq.data(), pb.dl, pb.dm, pb.bl.data(), pb.bm.data()));
                }
            }
        }
        CPPUNIT_ASSERT(n_small > 100 && n_big > 100 && n_near1 >= 5);
        const arcsine_cross ac33(
            make_scene(6, arcsine_cross::prepared_max_rx + 1, 10.0, 10.0));
        std::vector<double> p33(ac33.prepared_size());
        const cdouble c33[2] = { 1.0, 1.0 }, b33[3] = { 1.0, 0.0, 0.0 };
        CPPUNIT_ASSERT_THROW(ac33.prepare(c33, 2.0, b33, p33.data()),
                             std::invalid_argument);
        p33[0] = 2.0; // a caller's own buffer with d > 0
        CPPUNIT_ASSERT_THROW(ac33.cross_prepared(p33.data(), p33.data()),
                             std::invalid_argument);
    }

    // cross_prepared's branch-free asin(v) - v driven directly (a prepared form with
    // rho(0) = v and X(0) = 1 on one antenna, every other value 0), past what pairs
    // of real x reach: |v| >= 1 (clamped, as cross()), NaN (clamped to -1, as
    // cross()), +-Inf, 0, denormals, the branch at 1/2, and a sweep against a
    // long-double reference (its series below 0.03): within 1.5 ulp of 1 absolute
    // everywhere and 1e-14 relative below 1/2 where the value is a normal double
    // (no cancellation there; glibc's
    // asin(v) - v loses 1e-3 of it near 6e-7)
    void test_cross_prepared_asin()
    {
        const arcsine_cross ac(make_scene(4, 1, 10.0, 3.0));
        const int Q = 2, P = 3, Jp = ac.prepared_lags();
        std::vector<double> p(ac.prepared_size(), 0.0);
        p[0] = 1.0;                 // d
        double* b = p.data() + 8;   // b_0(0): Re rho(0) = v
        double* y = b + 2 * Q * Jp; // Y_0(0) = 1
        double* a = y + 2 * P * Jp; // a_0 = 1
        double* bt = a + 2 * Q;     // beta_0 = 1
        y[0] = a[0] = bt[0] = 1.0;
        const auto f = [&](double v) {
            b[0] = v;
            return ac.cross_prepared(p.data(), p.data()) * (pi / 4.0);
        };
        const auto ref = [](double v) {
            const long double c = std::min(1.0L, std::max(-1.0L, (long double)v));
            if (std::fabs(v) < 0.03) { // asinl(v) - v would cancel
                const long double v2 = c * c;
                return double(
                    c * v2 *
                    (1.0L / 6 +
                     v2 * (3.0L / 40 +
                           v2 * (15.0L / 336 +
                                 v2 * (105.0L / 3456 + v2 * (945.0L / 42240 +
                                                             v2 * 10395.0L / 599040))))));
            }
            return double(std::asin(c) - c);
        };
        const double h = double(pi / 2 - 1.0L);
        for (const double sg : { 1.0, -1.0 }) {
            for (const double v : { 1.0, 1.0 + 1e-15, 2.0, double(HUGE_VAL) })
                CPPUNIT_ASSERT_DOUBLES_EQUAL(sg * h, f(sg * v), 2e-16);
            for (const double v : { 0.0, 1e-300, 4e-320, 1e-160 })
                CPPUNIT_ASSERT_EQUAL(0.0, f(sg * v));
        }
        CPPUNIT_ASSERT_DOUBLES_EQUAL(-h, f(NAN), 2e-16);
        std::mt19937_64 g(3);
        std::uniform_real_distribution<double> u(0.0, 1.0), lg(-300.0, 0.0);
        std::vector<double> vs = { 0.5, std::nextafter(0.5, 0.0), 0.975, 6e-7, 0.03 };
        for (int k = 0; k < 20000; ++k) {
            vs.push_back(u(g));
            vs.push_back(std::pow(10.0, lg(g)));
            vs.push_back(1.0 - 1e-16 * std::pow(10.0, 15.0 * u(g)));
        }
        for (const double v0 : vs)
            for (const double v : { v0, -v0 }) {
                const double r = ref(v), e = std::fabs(f(v) - r);
                CPPUNIT_ASSERT(e <= 1.5 * DBL_EPSILON);
                if (std::fabs(v) < 0.5 && std::fabs(r) > 1e-290) // not denormal
                    CPPUNIT_ASSERT(e <= 1e-14 * std::fabs(r));
            }
    }

    // cross_prepared's distortion-only term Re u_l^H (Cq_lm - (4/pi) rho_lm) u_m in
    // long double from the dense rho_lm = C_lm / sqrt(d_l d_m) with
    // C_lm = sum_q CNR_q c_l,q conj(c_m,q) g_q g_q^H (H0: no target), u = G beta: no
    // lag table, no prepared form
    static long double dense_cross_ld(const radar_scene& s, const pair_case& pc)
    {
        using cld = std::complex<long double>;
        const int N = s.n_rx(), P = s.n_clutter() + 1;
        const cmat& G = s.gr();
        std::vector<cld> C(size_t(N) * N, cld(0.0L)), ul(N, cld(0.0L)), um(N, cld(0.0L));
        for (int q = 1; q < P; ++q) {
            const cld sq =
                (long double)s.cnr()[q - 1] * cld(pc.cl[q]) * std::conj(cld(pc.cm[q]));
            for (int i = 0; i < N; ++i)
                for (int k = 0; k < N; ++k)
                    C[size_t(i) * N + k] += sq * cld(G(i, q)) * std::conj(cld(G(k, q)));
        }
        for (int i = 0; i < N; ++i)
            for (int q = 0; q < P; ++q) {
                ul[i] += cld(G(i, q)) * cld(pc.bl[q]);
                um[i] += cld(G(i, q)) * cld(pc.bm[q]);
            }
        const long double norm = 1.0L / std::sqrt((long double)pc.dl * pc.dm);
        long double acc = 0.0L;
        for (int i = 0; i < N; ++i)
            for (int k = 0; k < N; ++k) {
                const cld rho = C[size_t(i) * N + k] * norm;
                const cld f = cld(std::asin(std::clamp(rho.real(), -1.0L, 1.0L)),
                                  std::asin(std::clamp(rho.imag(), -1.0L, 1.0L))) -
                              rho;
                acc += (std::conj(ul[i]) * f * um[k]).real();
            }
        return 4.0L / (long double)pi * acc;
    }

    // every clone of prepare and cross_prepared that this CPU runs (the default one
    // always) against the default clone bitwise, and against the long-double
    // reference to rounding: ISAC_CLONES_EXACT promises outputs that do not depend on
    // the machine, which a clone built with FMA contraction or a reduction
    // vectorised differently would break while the resolver's clone still passes
    // test_cross_prepared's tolerance. 1 to 32 antennas, Q = 1, 2, 3, 5 (tabulated)
    // and Q = 70 at 4, 8, .. 32 antennas (no table from 8 on), random angles and CNR up
    // to 40 dB, one x twice (rho near 1), and operands scaled by 1e-150, 1e150 and 1e300
    // (with d 1e-250: c / sqrt(d) overflows) for the bitwise part; guard words past
    // prepared_size(). Either function built with ISAC_CLONES (FMA contraction in the
    // AVX-512 clone) fails here, while test_cross_prepared passes.
    void test_cross_prepared_clones()
    {
        using prep_fn =
            void(const arcsine_cross*, const cdouble*, double, const cdouble*, double*);
        using cross_fn = double(const arcsine_cross*, const double*, const double*);
        const auto preps = qa::clones_of<prep_fn>(
            "gr::isac::core::arcsine_cross::prepare(std::complex<double> const*, double, "
            "std::complex<double> const*, double*) const");
        const auto crosses = qa::clones_of<cross_fn>(
            "gr::isac::core::arcsine_cross::cross_prepared(double const*, double const*) "
            "const");
        if (preps.empty())
            return;
        struct clone {
            std::string isa;
            prep_fn* prep;
            cross_fn* cross;
        };
        std::vector<clone> clones;
        for (size_t k = 0; k < preps.size(); ++k)
            clones.push_back({ preps[k].isa, preps[k].fn, crosses[k].fn });
        std::uniform_real_distribution<double> ud(-80.0, 80.0), udb(0.0, 40.0);
        const double guard = 7.0;
        int n_ref = 0, n_untab = 0;
        for (int nr = 1; nr <= arcsine_cross::prepared_max_rx; ++nr)
            for (int Q : { 1, 2, 3, 5, 70 }) {
                if (Q == 70 && nr % 4)
                    continue;
                std::vector<double> ang(Q), cnr(Q);
                for (int q = 0; q < Q; ++q) {
                    ang[q] = deg2rad(ud(rng));
                    cnr[q] = std::pow(10.0, udb(rng) / 10.0) / (Q > 5 ? Q : 1);
                }
                const radar_scene s(6, nr, deg2rad(ud(rng)), ang, 10.0, cnr);
                const arcsine_cross ac(s);
                n_untab += !ac.tabulated();
                const int ps = ac.prepared_size();
                for (int t = 0; t < 6; ++t) {
                    pair_case pc = make_pair(s);
                    if (t == 0)
                        same_x(s, pc);
                    const double scale = t < 3    ? 1.0
                                         : t == 3 ? 1e-150
                                         : t == 4 ? 1e150
                                                  : 1e300;
                    for (cvec* v : { &pc.cl, &pc.cm, &pc.bl, &pc.bm })
                        *v *= scale;
                    if (t == 5)
                        pc.dl *= 1e-250;
                    std::vector<std::vector<double>> pl, pm;
                    for (const clone& k : clones) {
                        pl.emplace_back(ps + 8, guard);
                        pm.emplace_back(ps + 8, guard);
                        k.prep(
                            &ac, pc.cl.data() + 1, pc.dl, pc.bl.data(), pl.back().data());
                        k.prep(
                            &ac, pc.cm.data() + 1, pc.dm, pc.bm.data(), pm.back().data());
                        for (int g = ps; g < ps + 8; ++g)
                            CPPUNIT_ASSERT(pl.back()[g] == guard &&
                                           pm.back()[g] == guard);
                    }
                    const double r0 = clones[0].cross(&ac, pl[0].data(), pm[0].data());
                    for (size_t k = 1; k < clones.size(); ++k) {
                        const std::string where =
                            std::string(clones[k].isa) + " n_rx " + std::to_string(nr) +
                            " Q " + std::to_string(Q) + " case " + std::to_string(t);
                        CPPUNIT_ASSERT_MESSAGE(
                            "prepare " + where,
                            !std::memcmp(
                                pl[k].data(), pl[0].data(), ps * sizeof(double)) &&
                                !std::memcmp(
                                    pm[k].data(), pm[0].data(), ps * sizeof(double)));
                        // on the default clone's prepared values and on its own
                        const double rk0 =
                                         clones[k].cross(&ac, pl[0].data(), pm[0].data()),
                                     rk =
                                         clones[k].cross(&ac, pl[k].data(), pm[k].data());
                        CPPUNIT_ASSERT_MESSAGE("cross_prepared " + where,
                                               !std::memcmp(&rk0, &r0, sizeof r0) &&
                                                   !std::memcmp(&rk, &r0, sizeof r0));
                    }
                    if (scale != 1.0)
                        continue;
                    // the default clone against the long-double dense reference, with
                    // test_cross_prepared's rounding bound
                    const double bound = rounding_scale(s, pc);
                    const long double ref = dense_cross_ld(s, pc);
                    CPPUNIT_ASSERT(std::fabs((long double)r0 - ref) <= 1e-13L * bound);
                    ++n_ref;
                }
            }
        // Q = 70 from 8 antennas on leaves the lag-Gram table (above 2^16 entries)
        CPPUNIT_ASSERT(n_ref == 3 * (32 * 4 + 8) && n_untab == 7);
    }

    // E[z_l z_m^*] of two snapshots with different 1-bit x, one Swerling-I clutter
    // draw and independent noise (4 antennas, 20 and 16 dB patches) by simulation:
    // the exact cross term holds within 5 sigma of the trial count on each of three
    // pairs, the linear leakage alone (the CPI variance's cross term before
    // arcsine_cross) misses by more than 8 sigma
    void test_cross_vs_monte_carlo()
    {
        const int N = 4, T = 200000;
        const radar_scene s = make_scene(8, N, 100.0, 40.0);
        const arcsine_cross ac(s);
        const int P = s.n_clutter() + 1;
        std::normal_distribution<double> nd;
        double worst_lin = 0.0; // the linear part's largest error in sigmas
        for (int trial = 0; trial < 3; ++trial) {
            const pair_case pc = make_pair(s);
            const cvec ul = s.gr() * pc.bl, um = s.gr() * pc.bm;
            // z_l z_m^* over T draws; Re and Im of the products for their spread
            std::vector<cdouble> prod(T);
            cvec rl(N), rm(N);
            for (int t = 0; t < T; ++t) {
                for (int i = 0; i < N; ++i) {
                    rl[i] = cdouble(nd(rng), nd(rng)) * std::sqrt(0.5);
                    rm[i] = cdouble(nd(rng), nd(rng)) * std::sqrt(0.5);
                }
                for (int q = 1; q < P; ++q) {
                    const cdouble a =
                        cdouble(nd(rng), nd(rng)) * std::sqrt(s.cnr()[q - 1] / 2);
                    rl += a * pc.cl[q] * s.gr().col(q);
                    rm += a * pc.cm[q] * s.gr().col(q);
                }
                cdouble zl = 0.0, zm = 0.0;
                for (int i = 0; i < N; ++i) {
                    const cdouble ql(rl[i].real() < 0 ? -1.0 : 1.0,
                                     rl[i].imag() < 0 ? -1.0 : 1.0);
                    const cdouble qm(rm[i].real() < 0 ? -1.0 : 1.0,
                                     rm[i].imag() < 0 ? -1.0 : 1.0);
                    zl += std::conj(ul[i]) * ql;
                    zm += std::conj(um[i]) * qm;
                }
                prod[t] = zl * std::conj(zm);
            }
            cdouble mean = 0.0;
            for (const cdouble& v : prod)
                mean += v;
            mean /= double(T);
            double vr = 0.0, vi = 0.0;
            for (const cdouble& v : prod) {
                vr += (v.real() - mean.real()) * (v.real() - mean.real());
                vi += (v.imag() - mean.imag()) * (v.imag() - mean.imag());
            }
            const double sr = std::sqrt(vr / (T - 1.0) / T),
                         si = std::sqrt(vi / (T - 1.0) / T);
            const cdouble exact =
                ac.cross(pc.sq.data(), pc.dl, pc.dm, pc.bl.data(), pc.bm.data(), false);
            const cdouble dist =
                ac.cross(pc.sq.data(), pc.dl, pc.dm, pc.bl.data(), pc.bm.data(), true);
            const cdouble lin = exact - dist;
            std::cout << "\ncross term vs MC (" << T << " pairs): MC " << mean << " +- ("
                      << sr << ", " << si << "), exact " << exact << ", linear only "
                      << lin << std::endl;
            CPPUNIT_ASSERT_DOUBLES_EQUAL(mean.real(), exact.real(), 5.0 * sr);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(mean.imag(), exact.imag(), 5.0 * si);
            worst_lin = std::max(worst_lin,
                                 std::hypot((mean.real() - lin.real()) / sr,
                                            (mean.imag() - lin.imag()) / si));
        }
        // the linear part alone misses at least one pair by more than 8 sigma
        CPPUNIT_ASSERT(worst_lin > 8.0);
    }

    // A scene at the clutter limit with a large array: the statistics hold no
    // per-lag Gram table (it would be (2 N - 1) 513^2 values, 8.6 GB here), and the
    // variance equals the dense Toeplitz sum over the lags.
    void test_clutter_limit_scene()
    {
        const int N = 1024, Q = 512;
        std::uniform_real_distribution<double> ud(-80.0, 80.0);
        std::vector<double> clutter(Q), cnr(Q);
        for (int q = 0; q < Q; ++q) {
            clutter[q] = deg2rad(ud(rng));
            cnr[q] = 0.5 + 0.01 * q;
        }
        const radar_scene s(16, N, deg2rad(13.7), clutter, 10.0, cnr);
        const arcsine_stats st(s);
        std::vector<double> p(Q + 1);
        p[0] = 2.0;
        for (int q = 1; q <= Q; ++q)
            p[q] = cnr[q - 1];
        std::normal_distribution<double> nd;
        cvec alpha(Q + 1);
        for (auto& a : alpha)
            a = cdouble(nd(rng), nd(rng));
        std::vector<cdouble> t(N);
        st.lags(p.data(), t.data());
        const cvec v = s.gr() * alpha;
        cdouble ref = 0.0;
        for (int m = 0; m < N; ++m)
            for (int n = 0; n < N; ++n)
                ref += std::conj(v[m]) * (m >= n ? t[m - n] : std::conj(t[n - m])) * v[n];
        CPPUNIT_ASSERT_DOUBLES_EQUAL(
            ref.real(), st.variance(p.data(), alpha.data()), 1e-9 * std::abs(ref));
    }

    void check_deflection_gradient(int nr)
    {
        const radar_scene s = make_scene(16, nr, 300.0, 40.0);
        const arcsine_stats st(s);
        std::normal_distribution<double> nd;
        cvec x(16);
        for (int i = 0; i < 16; ++i)
            x[i] = cdouble(nd(rng), nd(rng)) * 0.25;
        cvec g;
        const double D = exact_deflection_x(s, st, x, adc_model::one_bit, &g);
        CPPUNIT_ASSERT(D > 0.0);
        // D(x + h dx) - D(x - h dx) = 4 h Re(g^H dx) + O(h^3)
        for (int k = 0; k < 4; ++k) {
            cvec dx(16);
            for (int i = 0; i < 16; ++i)
                dx[i] = cdouble(nd(rng), nd(rng));
            const double h = 1e-5;
            const double fd =
                (exact_deflection_x(s, st, x + h * dx, adc_model::one_bit, nullptr) -
                 exact_deflection_x(s, st, x - h * dx, adc_model::one_bit, nullptr)) /
                (4 * h);
            const double an = std::real(g.dot(dx));
            CPPUNIT_ASSERT_DOUBLES_EQUAL(fd, an, 1e-5 * (std::abs(fd) + D));
        }
        // the deflection is E_1/E_0 - 1 of the dense arcsine law for the block's filter
        const cvec c = s.couplings(x);
        std::vector<double> p = { 10.0 * std::norm(c[0]),
                                  300.0 * std::norm(c[1]),
                                  40.0 * std::norm(c[2]) };
        const cvec v = s.gr() * filter_coefficients(s, p.data(), adc_model::one_bit);
        const double e1 = std::real(v.dot(dense_arcsine(s, p) * v));
        p[0] = 0.0;
        const double e0 = std::real(v.dot(dense_arcsine(s, p) * v));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(e1 / e0 - 1.0, D, 1e-9 * D);
    }

    void test_tail_vs_monte_carlo()
    {
        // lit clutter, N_R = 48: the model's (1 - Pfa) quantile of |z|^2 against the
        // empirical one of the block's filter on quantised H0 echoes
        const int N = 48, T = 60000;
        const double pfa = 1e-2;
        const radar_scene s = make_scene(8, N, 1.0, 1.0);
        const std::vector<double> p = { 0.0, 150.0, 90.0 }; // per-antenna CNR +7 dB
        double vt1 = 0.0;
        const cvec v =
            s.gr() * filter_coefficients(s, p.data(), adc_model::one_bit, &vt1);
        conditional_tail ct(s);
        ct.prepare(p.data(), v);
        const double k2 = ct.threshold2(pfa);
        // the model's variance is the arcsine law's (quadrature error only)
        const double ev = std::real(v.dot(dense_arcsine(s, p) * v));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(ev, ct.variance(), 0.01 * ev);
        const cmat R = quantised_echoes(s, p, T);
        const rvec z2 = (v.adjoint() * R).cwiseAbs2().transpose();
        const double meas = double((z2.array() > k2).count()) / T;
        // binomial: 4 sigma of the count, plus 5 % for the model (CLT over N_R terms)
        const double tol = 4.0 * std::sqrt(pfa / T) + 0.05 * pfa;
        std::cout << "\nconditional tail: Pfa " << meas << " at a set " << pfa
                  << "; Gaussian tail at the arcsine variance: "
                  << double((z2.array() > -std::log(pfa) * ev).count()) / T
                  << "; Theorem 1: "
                  << double((z2.array() > -std::log(pfa) * vt1).count()) / T << std::endl;
        CPPUNIT_ASSERT_DOUBLES_EQUAL(pfa, meas, tol);
        // Theorem 1's threshold is far too high here (what the issue measured)
        CPPUNIT_ASSERT(double((z2.array() > -std::log(pfa) * vt1).count()) / T <
                       0.3 * pfa);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_one_bit_stats);
