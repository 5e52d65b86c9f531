/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The batched receive filter against radar_scene's explicit filter u
 * (radar_scene::filter, an N_R vector) and threshold (radar_scene::threshold):
 * z = u^H r and |z|/kappa per snapshot, in double precision, snapshot by snapshot.
 */
#include <gnuradio/isac/core/cancel.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/rx_filter.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#include <cstring>
#include <limits>
#include <random>

using namespace gr::isac::core;

class qa_rx_filter : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_rx_filter);
    CPPUNIT_TEST(test_matches_explicit_filter);
    CPPUNIT_TEST(test_clutter_free);
    CPPUNIT_TEST(test_degenerate_and_non_finite);
    CPPUNIT_TEST(test_no_transmission);
    CPPUNIT_TEST(test_half_muted_coherent_variance);
    CPPUNIT_TEST(test_cpi_sum_and_variance);
    CPPUNIT_TEST(test_exact_threshold_wiring);
    CPPUNIT_TEST(test_cpi_cross_terms);
    CPPUNIT_TEST(test_cross_cache_and_cap);
    CPPUNIT_TEST(test_cross_terms_boundary);
    CPPUNIT_TEST(test_cross_store_bound);
    CPPUNIT_TEST(test_bad_input);
    CPPUNIT_TEST(test_repeated_x);
    CPPUNIT_TEST(test_cancelled);
    CPPUNIT_TEST(test_small_projection_matches_gemm);
    CPPUNIT_TEST_SUITE_END();

    std::mt19937 rng{ 7 };
    static rx_filter exact_filter(const radar_scene& s, double pfa, int L)
    {
        return rx_filter(s,
                         adc_model::one_bit,
                         pfa,
                         1.0,
                         projection_kernel::automatic,
                         threshold_model::exact,
                         L);
    }

    cmatf rand_mat(int rows, int cols, float scale = 1.0f)
    {
        std::normal_distribution<float> nd;
        cmatf m(rows, cols);
        for (int j = 0; j < cols; ++j)
            for (int i = 0; i < rows; ++i)
                m(i, j) = scale * cfloat(nd(rng), nd(rng));
        return m;
    }

    // Runs the kernel on n random snapshots and compares each with the explicit filter.
    void check_scene(const radar_scene& s, adc_model m, double pfa, double nv, int n)
    {
        cmatf R = rand_mat(s.n_rx(), n), X = rand_mat(s.n_tx(), n);
        for (auto kern : { projection_kernel::gemm, projection_kernel::direct })
            check_kernel(s, m, pfa, nv, n, R, X, kern);
    }

    void check_kernel(const radar_scene& s,
                      adc_model m,
                      double pfa,
                      double nv,
                      int n,
                      const cmatf& R,
                      const cmatf& X,
                      projection_kernel kern)
    {
        rx_filter f(s, m, pfa, nv, kern, threshold_model::theorem1);
        const int nt = f.n_terms();
        CPPUNIT_ASSERT_EQUAL(cpi_terms(s), nt);
        std::vector<cfloat> z(n);
        std::vector<float> st(n);
        std::vector<snapshot_status> status(n);
        std::vector<cdouble> terms(size_t(n) * nt);
        f.process(
            R.data(), X.data(), n, z.data(), st.data(), status.data(), terms.data());
        for (int l = 0; l < n; ++l) {
            const cvec x = X.col(l).cast<cdouble>(), r = R.col(l).cast<cdouble>();
            const radar_solution sol = s.solve(s.couplings(x), m);
            const cvec u = s.filter(sol);
            const cdouble zr = u.dot(r);
            const double kappa = s.threshold(sol, m, pfa, nv);
            CPPUNIT_ASSERT(status[l] == snapshot_status::ok);
            // float inputs and float GEMM: relative error ~ sqrt(N) 1e-7 ||u|| ||r|| /
            // |z|
            const double tol = 2e-5 * std::sqrt(u.squaredNorm() * r.squaredNorm());
            CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, std::abs(cdouble(z[l]) - zr), tol);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(std::abs(zr) / kappa, st[l], tol / kappa + 1e-6);
            // CPI terms: ||u||^2 and c_q u^H g_q
            const double u2 = u.squaredNorm();
            CPPUNIT_ASSERT_DOUBLES_EQUAL(u2, terms[l * nt].real(), 1e-4 * u2);
            for (int q = 1; q <= s.n_clutter(); ++q) {
                const cdouble a = sol.c[q] * u.dot(s.gr().col(q));
                CPPUNIT_ASSERT_DOUBLES_EQUAL(
                    0.0, std::abs(terms[l * nt + q] - a), 1e-4 * std::sqrt(u2) + 1e-9);
            }
            CPPUNIT_ASSERT_EQUAL(0.0, std::abs(terms[l * nt + nt - 1]));
        }
    }

public:
    void test_matches_explicit_filter()
    {
        // 1-bit ISAC paper geometry at a reduced size; 600 snapshots span three GEMM
        // chunks.
        radar_scene s(24,
                      20,
                      deg2rad(10),
                      { deg2rad(-50), deg2rad(30) },
                      std::pow(10, 1.5),
                      { 1000.0, 500.0 });
        check_scene(s, adc_model::one_bit, 1e-2, 1.0, 600);
        check_scene(s, adc_model::ideal, 1e-3, 0.5, 300);
        radar_scene s3(8,
                       32,
                       deg2rad(-5),
                       { deg2rad(40), deg2rad(-60), deg2rad(15) },
                       10.0,
                       { 100.0, 30.0, 0.0 });
        check_scene(s3, adc_model::one_bit, 1e-4, 1.0, 50);
        // Q = 1 (4 projection rows) and N = 70 (2N not a multiple of 16, automatic =
        // direct)
        radar_scene s1(70, 66, deg2rad(-30), { deg2rad(20) }, 10.0, { 300.0 });
        check_scene(s1, adc_model::ideal, 1e-2, 1.0, 40);
        check_scene(s1, adc_model::one_bit, 1e-2, 1.0, 40);
    }

    void test_clutter_free()
    {
        radar_scene s(6, 9, deg2rad(25), {}, 3.0, {});
        check_scene(s, adc_model::one_bit, 1e-2, 1.0, 40);
        check_scene(s, adc_model::ideal, 1e-2, 2.0, 40);
        // Q = 0: u = g_R0 / (c0^*), so z = g_R0^H r / c0 exactly
        cmatf R = rand_mat(9, 1), X = rand_mat(6, 1);
        rx_filter f(s,
                    adc_model::one_bit,
                    0.1,
                    1.0,
                    projection_kernel::automatic,
                    threshold_model::theorem1);
        cfloat z;
        float st;
        snapshot_status ss;
        f.process(R.data(), X.data(), 1, &z, &st, &ss);
        const cdouble c0 = s.couplings(X.col(0).cast<cdouble>())[0];
        const cdouble ref = s.gr().col(0).dot(R.col(0).cast<cdouble>()) / c0;
        CPPUNIT_ASSERT_DOUBLES_EQUAL(
            0.0, std::abs(cdouble(z) - ref), 1e-5 * std::abs(ref));
        // kappa = sqrt(-2 ||u||^2 ln pfa), ||u||^2 = 1/|c0|^2
        const double kappa = std::sqrt(-2.0 / std::norm(c0) * std::log(0.1));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(std::abs(ref) / kappa, st, 1e-5 * st);
    }

    void test_degenerate_and_non_finite()
    {
        const int nt = 16, nr = 12, n = 6;
        radar_scene s(nt, nr, deg2rad(10), { deg2rad(-50) }, 30.0, { 100.0 });
        cmatf R = rand_mat(nr, n), X = rand_mat(nt, n);
        // snapshot 1: x orthogonal to conj(g_T0), i.e. c0 = g_T0^T x = 0
        const cvecf g0c = s.gt().col(0).conjugate().cast<cfloat>();
        X.col(1) -= g0c * (g0c.dot(X.col(1)) / g0c.squaredNorm());
        X.col(2).setZero();                                              // x = 0
        R(3, 3) = cfloat(std::numeric_limits<float>::quiet_NaN(), 0.0f); // NaN in r
        X(0, 4) = cfloat(0.0f, std::numeric_limits<float>::infinity());  // Inf in x
        R(5, 5) = cfloat(std::numeric_limits<float>::infinity(), 1.0f);  // Inf in r
        rx_filter f(s, adc_model::one_bit, 1e-2);
        std::vector<cfloat> z(n);
        std::vector<float> st(n);
        std::vector<snapshot_status> status(n);
        const int K = cpi_terms(s);
        std::vector<cdouble> terms(size_t(n) * K, cdouble(7.0));
        f.process(
            R.data(), X.data(), n, z.data(), st.data(), status.data(), terms.data());
        CPPUNIT_ASSERT(status[0] == snapshot_status::ok);
        CPPUNIT_ASSERT(status[1] == snapshot_status::degenerate);
        CPPUNIT_ASSERT(status[2] == snapshot_status::no_tx);
        CPPUNIT_ASSERT(status[3] == snapshot_status::non_finite);
        CPPUNIT_ASSERT(status[4] == snapshot_status::non_finite);
        CPPUNIT_ASSERT(status[5] == snapshot_status::non_finite);
        for (int l = 1; l < n; ++l) {
            CPPUNIT_ASSERT_EQUAL(0.0f, std::abs(z[l]));
            CPPUNIT_ASSERT_EQUAL(l == 2 ? no_decision : 0.0f, st[l]);
            for (int k = 0; k < K; ++k)
                CPPUNIT_ASSERT_EQUAL(0.0, std::abs(terms[size_t(l) * K + k]));
        }
        CPPUNIT_ASSERT(std::isfinite(st[0]) && st[0] > 0.0f);
        // a CPI made only of unusable snapshots has statistic 0, not 0/0
        cpi_integrator cpi(s, adc_model::one_bit, 1e-2, 1.0, 5);
        cdouble Z;
        double S = -1;
        for (int l = 1; l < n; ++l)
            CPPUNIT_ASSERT_EQUAL(l == n - 1,
                                 cpi.add(z[l], &terms[size_t(l) * K], status[l], Z, S));
        CPPUNIT_ASSERT_EQUAL(0.0, S);
        CPPUNIT_ASSERT_EQUAL(0.0, std::abs(Z));
    }

    /*
     * Nothing transmitted (x = 0: a muted section, a TDD guard): a snapshot, and a CPI
     * whose snapshots all have x = 0, give no decision (the statistic no_decision,
     * z = Z = 0), in both ADC modes and both threshold models; nothing non-finite
     * comes out, and the CPIs after it decide bit for bit as a fresh filter and
     * integrator decide them (the x-terms cache and the integrator keep no trace).
     */
    // A coherent CPI across a guard's edge (4 of 16 snapshots muted, one x in the other
    // k = 12): its variance is k V + k (k-1) W with the tail shape 1 + e f_k, W the
    // covariance of two snapshots of x under one clutter draw, here from the arcsine
    // law directly (arcsine_cross with x_l = x_m) instead of the L-copy kappa^2 the
    // integrator reads from t[Q+1] (the table's interpolation: a few percent)
    void test_half_muted_coherent_variance()
    {
        const int nt = 6, nr = 4, L = 16, muted = 4, k = L - muted, Q = 2;
        const double pfa = 1e-2;
        const radar_scene s(nt,
                            nr,
                            deg2rad(-8.3),
                            { deg2rad(37.2), deg2rad(-49.5) },
                            10.0,
                            { 100.0, 40.0 });
        cmatf R = rand_mat(nr, L), X(nt, L);
        const cmatf x = rand_mat(nt, 1);
        for (int l = 0; l < L; ++l)
            X.col(l) = l < muted ? cmatf::Zero(nt, 1) : x;
        rx_filter f = exact_filter(s, pfa, L);
        const int K = f.n_terms();
        std::vector<cfloat> z(L);
        std::vector<float> st(L);
        std::vector<snapshot_status> status(L);
        std::vector<cdouble> terms(size_t(L) * K);
        f.process(
            R.data(), X.data(), L, z.data(), st.data(), status.data(), terms.data());
        cpi_integrator cpi(s, adc_model::one_bit, pfa, 1.0, L, threshold_model::exact);
        cdouble Z, zs = 0.0;
        double stat = 0.0;
        for (int l = 0; l < L; ++l) {
            CPPUNIT_ASSERT(status[l] ==
                           (l < muted ? snapshot_status::no_tx : snapshot_status::ok));
            cpi.add(z[l], &terms[size_t(l) * K], status[l], Z, stat);
            zs += cdouble(z[l]);
        }
        const cdouble* t = &terms[size_t(muted) * K];
        std::vector<cdouble> sp(Q + 1, cdouble(0.0));
        double lin = 0.0;
        for (int q = 1; q <= Q; ++q) {
            sp[q] = s.cnr()[q - 1] * std::norm(t[Q + 1 + q]);
            lin += s.cnr()[q - 1] * std::norm(t[q]);
        }
        const double d = t[3 * Q + 3].real();
        const double W = arcsine_cross(s)
                             .cross(sp.data(), d, d, t + 2 * Q + 2, t + 2 * Q + 2, false)
                             .real();
        const double V = t[0].real() + 4.0 / pi * lin, e = t[0].imag() / t[0].real();
        const double Ek = k * V + k * (k - 1.0) * W;
        const double var = Ek * (1.0 + e * k * (k - 1.0) * W / Ek);
        const double expect = std::abs(zs) / std::sqrt(-std::log(pfa) * var);
        CPPUNIT_ASSERT(W > 0.05 * V); // the coherent part matters here
        CPPUNIT_ASSERT_DOUBLES_EQUAL(expect, stat, 0.1 * expect);
    }

    void test_no_transmission()
    {
        const int nt = 8, nr = 4, L = 4;
        radar_scene s(
            nt, nr, deg2rad(12), { deg2rad(-37), deg2rad(51) }, 10.0, { 100.0, 30.0 });
        // same: every transmitted snapshot has one x, so the exact 1-bit threshold takes
        // the partial coherent path in CPI 1 and the coherent one after it
        for (bool same : { false, true })
            for (auto adc : { adc_model::one_bit, adc_model::ideal })
                for (auto thr : { threshold_model::exact, threshold_model::theorem1 }) {
                    // CPI 0 muted, CPI 1 half muted (its last two snapshots), CPIs 2-3
                    // whole
                    const int n = 4 * L;
                    cmatf R = rand_mat(nr, n), X = rand_mat(nt, n);
                    if (adc == adc_model::one_bit)
                        for (int j = 0; j < n; ++j)
                            for (int i = 0; i < nr; ++i)
                                R(i, j) = cfloat(R(i, j).real() < 0 ? -1.0f : 1.0f,
                                                 R(i, j).imag() < 0 ? -1.0f : 1.0f);
                    if (same)
                        for (int j = 1; j < n; ++j)
                            X.col(j) = X.col(0);
                    X.leftCols(L).setZero();
                    X.middleCols(L + 2, 2).setZero();
                    rx_filter f(s, adc, 1e-2, 1.0, projection_kernel::automatic, thr, L);
                    std::vector<cfloat> z(n);
                    std::vector<float> st(n);
                    std::vector<snapshot_status> status(n);
                    std::vector<cdouble> terms(size_t(n) * f.n_terms());
                    f.process(R.data(),
                              X.data(),
                              n,
                              z.data(),
                              st.data(),
                              status.data(),
                              terms.data());
                    for (int l = 0; l < n; ++l) {
                        const bool muted = l < L || l == L + 2 || l == L + 3;
                        CPPUNIT_ASSERT(muted == (status[l] == snapshot_status::no_tx));
                        CPPUNIT_ASSERT_EQUAL(muted ? no_decision : st[l], st[l]);
                        CPPUNIT_ASSERT(std::isfinite(st[l]) &&
                                       std::isfinite(z[l].real()));
                        if (!muted)
                            CPPUNIT_ASSERT(st[l] > 0.0f);
                    }
                    cpi_integrator cpi(s, adc, 1e-2, 1.0, L, thr);
                    std::vector<double> S;
                    std::vector<cdouble> Zs;
                    for (int l = 0; l < n; ++l) {
                        cdouble Z;
                        double sl;
                        if (cpi.add(z[l],
                                    &terms[size_t(l) * f.n_terms()],
                                    status[l],
                                    Z,
                                    sl)) {
                            S.push_back(sl);
                            Zs.push_back(Z);
                        }
                    }
                    CPPUNIT_ASSERT_EQUAL(size_t(4), S.size());
                    CPPUNIT_ASSERT_EQUAL(double(no_decision), S[0]);
                    CPPUNIT_ASSERT_EQUAL(0.0, std::abs(Zs[0]));
                    // the half-muted CPI decides, on its two transmitted snapshots: Z is
                    // their sum (equal weights)
                    CPPUNIT_ASSERT(std::isfinite(S[1]) && S[1] > 0.0);
                    CPPUNIT_ASSERT_DOUBLES_EQUAL(
                        0.0,
                        std::abs(Zs[1] - cdouble(z[L]) - cdouble(z[L + 1])),
                        1e-6 * std::abs(Zs[1]));
                    if (!same &&
                        (adc == adc_model::ideal || thr == threshold_model::theorem1)) {
                        // mixed x, the sums of the threshold run over the transmitted
                        // snapshots: a CPI of those two alone
                        cpi_integrator two(s, adc, 1e-2, 1.0, 2, thr);
                        cdouble Z;
                        double sl;
                        CPPUNIT_ASSERT(!two.add(
                            z[L], &terms[size_t(L) * f.n_terms()], status[L], Z, sl));
                        CPPUNIT_ASSERT(two.add(z[L + 1],
                                               &terms[size_t(L + 1) * f.n_terms()],
                                               status[L + 1],
                                               Z,
                                               sl));
                        CPPUNIT_ASSERT_DOUBLES_EQUAL(S[1], sl, 1e-12 * S[1]);
                        CPPUNIT_ASSERT(Z == Zs[1]);
                    }
                    // from the CPI right after the muted one: as a fresh filter and
                    // integrator see them alone, bit for bit
                    rx_filter g(s, adc, 1e-2, 1.0, projection_kernel::automatic, thr, L);
                    const int m = 3 * L;
                    std::vector<cfloat> z2(m);
                    std::vector<float> st2(m);
                    std::vector<snapshot_status> status2(m);
                    std::vector<cdouble> terms2(size_t(m) * g.n_terms());
                    g.process(R.data() + size_t(L) * nr,
                              X.data() + size_t(L) * nt,
                              m,
                              z2.data(),
                              st2.data(),
                              status2.data(),
                              terms2.data());
                    cpi_integrator cpi2(s, adc, 1e-2, 1.0, L, thr);
                    int k = 1;
                    for (int l = 0; l < m; ++l) {
                        CPPUNIT_ASSERT(z2[l] == z[L + l] && st2[l] == st[L + l]);
                        CPPUNIT_ASSERT(status2[l] == status[L + l]);
                        cdouble Z;
                        double sl;
                        if (cpi2.add(z2[l],
                                     &terms2[size_t(l) * g.n_terms()],
                                     status2[l],
                                     Z,
                                     sl)) {
                            CPPUNIT_ASSERT_EQUAL(S[k], sl);
                            CPPUNIT_ASSERT(Z == Zs[k]);
                            ++k;
                        }
                    }
                    CPPUNIT_ASSERT_EQUAL(4, k);
                }
    }

    void test_cpi_sum_and_variance()
    {
        // Brute force: V = 2 sum ||u_l||^2 + sum_q (4 zeta_q^2/(pi sigma^2)) |sum_l c_ql
        // u_l^H g_q|^2
        const int nt = 10, nr = 14, L = 4, n = 3 * L;
        radar_scene s(
            nt, nr, deg2rad(0), { deg2rad(35), deg2rad(-20) }, 10.0, { 200.0, 50.0 });
        for (auto m : { adc_model::one_bit, adc_model::ideal }) {
            const double pfa = 1e-3, nv = 0.7;
            cmatf R = rand_mat(nr, n), X = rand_mat(nt, n);
            rx_filter f(
                s, m, pfa, nv, projection_kernel::automatic, threshold_model::theorem1);
            std::vector<cfloat> z(n);
            std::vector<float> st(n);
            std::vector<snapshot_status> status(n);
            const int K = cpi_terms(s);
            std::vector<cdouble> terms(size_t(n) * K);
            f.process(
                R.data(), X.data(), n, z.data(), st.data(), status.data(), terms.data());
            cpi_integrator cpi(s, m, pfa, nv, L, threshold_model::theorem1);
            // inverse-variance weights: w_l = 1/V_l, V_l the snapshot's own H0
            // variance; the weighted sum is the plain sum of the filters w_l u_l
            cpi_integrator cpiw(s,
                                m,
                                pfa,
                                nv,
                                L,
                                threshold_model::theorem1,
                                cpi_weights::inverse_variance);
            CPPUNIT_ASSERT(cpiw.weights() == cpi_weights::inverse_variance);
            CPPUNIT_ASSERT(cpi.weights() == cpi_weights::equal);
            const auto h0var = [&](double n2, cdouble a1, cdouble a2) {
                return m == adc_model::one_bit
                           ? 2 * n2 +
                                 4 / pi * (200.0 * std::norm(a1) + 50.0 * std::norm(a2))
                           : nv * (n2 + 200.0 * std::norm(a1) + 50.0 * std::norm(a2));
            };
            for (int k = 0; k < n / L; ++k) {
                cdouble zsum = 0.0, a1 = 0.0, a2 = 0.0, zw = 0.0, b1 = 0.0, b2 = 0.0;
                double n2 = 0.0, n2w = 0.0, wsum = 0.0;
                for (int l = k * L; l < (k + 1) * L; ++l) {
                    const cvec x = X.col(l).cast<cdouble>();
                    const radar_solution sol = s.solve(s.couplings(x), m);
                    const cvec u = s.filter(sol);
                    const cdouble zl = u.dot(R.col(l).cast<cdouble>());
                    const cdouble g1 = sol.c[1] * u.dot(s.gr().col(1));
                    const cdouble g2 = sol.c[2] * u.dot(s.gr().col(2));
                    zsum += zl;
                    n2 += u.squaredNorm();
                    a1 += g1;
                    a2 += g2;
                    const double w = 1.0 / h0var(u.squaredNorm(), g1, g2);
                    zw += w * zl;
                    n2w += w * w * u.squaredNorm();
                    b1 += w * g1;
                    b2 += w * g2;
                    wsum += w;
                }
                const double V = h0var(n2, a1, a2);
                const double ref = std::abs(zsum) / std::sqrt(-V * std::log(pfa));
                const double refw =
                    std::abs(zw) / std::sqrt(-h0var(n2w, b1, b2) * std::log(pfa));
                cdouble Z, Zw;
                double S = 0, Sw = 0;
                for (int l = k * L; l < (k + 1) * L; ++l) {
                    CPPUNIT_ASSERT_EQUAL(
                        l == (k + 1) * L - 1,
                        cpi.add(z[l], &terms[size_t(l) * K], status[l], Z, S));
                    CPPUNIT_ASSERT_EQUAL(
                        l == (k + 1) * L - 1,
                        cpiw.add(z[l], &terms[size_t(l) * K], status[l], Zw, Sw));
                }
                CPPUNIT_ASSERT_DOUBLES_EQUAL(
                    0.0, std::abs(Z - zsum), 1e-4 * std::abs(zsum) + 1e-6);
                CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, S, 1e-4 * ref);
                CPPUNIT_ASSERT_EQUAL(0, cpi.count());
                // Z on the equal-weight scale: L / sum w times sum w z
                const cdouble zwr = zw * (L / wsum);
                CPPUNIT_ASSERT_DOUBLES_EQUAL(
                    0.0, std::abs(Zw - zwr), 1e-4 * std::abs(zwr) + 1e-6);
                CPPUNIT_ASSERT_DOUBLES_EQUAL(refw, Sw, 1e-4 * refw);
                // the weights differ (random x): a test that could not fail otherwise
                CPPUNIT_ASSERT(std::abs(refw - ref) > 1e-3 * ref);
            }
            // L = 1 reproduces the per-snapshot statistic (1-bit ISAC paper eq. (15))
            cpi_integrator one(s, m, pfa, nv, 1, threshold_model::theorem1);
            for (int l = 0; l < n; ++l) {
                cdouble Z;
                double S;
                CPPUNIT_ASSERT(one.add(z[l], &terms[size_t(l) * K], status[l], Z, S));
                CPPUNIT_ASSERT_DOUBLES_EQUAL(st[l], S, 1e-5 * S);
            }
        }
    }

    void test_exact_threshold_wiring()
    {
        // threshold = exact: the same z; kappa^2 is eq. 15's times the table's ratio at
        // the snapshot's clutter powers; the CPI terms carry the exact variance (dense
        // arcsine law here), its linear clutter part and the coherent-CPI kappa^2.
        const int nt = 12, nr = 20, L = 3, n = 4 * L;
        const double pfa = 1e-2;
        radar_scene s(nt,
                      nr,
                      deg2rad(13.7),
                      { deg2rad(-41.2), deg2rad(27.9) },
                      10.0,
                      { 300.0, 80.0 });
        cmatf R = rand_mat(nr, n), X = rand_mat(nt, n);
        for (int l = L; l < 2 * L; ++l) // CPI 1 repeats one x: the coherent case
            X.col(l) = X.col(L);
        rx_filter ft(s,
                     adc_model::one_bit,
                     pfa,
                     1.0,
                     projection_kernel::automatic,
                     threshold_model::theorem1);
        rx_filter fe = exact_filter(s, pfa, L);
        CPPUNIT_ASSERT(fe.table() && !ft.table());
        CPPUNIT_ASSERT_EQUAL(L, fe.table()->cpi_len());
        const int K = fe.n_terms();
        std::vector<cfloat> zt(n), ze(n);
        std::vector<float> st(n), se(n);
        std::vector<snapshot_status> status(n);
        std::vector<cdouble> terms(size_t(n) * K);
        ft.process(R.data(), X.data(), n, zt.data(), st.data(), status.data());
        fe.process(
            R.data(), X.data(), n, ze.data(), se.data(), status.data(), terms.data());
        std::vector<double> Vl(n), Ll(n), El(n);
        for (int l = 0; l < n; ++l) {
            CPPUNIT_ASSERT(ze[l] == zt[l]);
            const cvec c = s.couplings(X.col(l).cast<cdouble>());
            std::vector<double> p = { 300.0 * std::norm(c[1]), 80.0 * std::norm(c[2]) };
            double kr, vr;
            fe.table()->factors(p.data(), kr, vr);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(st[l] / std::sqrt(kr), se[l], 1e-5 * se[l]);
            // dense arcsine law for u
            const radar_solution sol = s.solve(c, adc_model::one_bit);
            const cvec u = s.filter(sol);
            const double d = 1.0 + (p[0] + p[1]) / nr;
            cmat C0 = cmat::Identity(nr, nr);
            for (int q = 1; q <= 2; ++q)
                C0 += p[q - 1] * s.gr().col(q) * s.gr().col(q).adjoint();
            cmat Cq(nr, nr);
            for (int i = 0; i < nr; ++i)
                for (int j = 0; j < nr; ++j) {
                    const cdouble rho = C0(i, j) / d;
                    Cq(i, j) = i == j ? cdouble(2.0)
                                      : 4.0 / pi *
                                            cdouble(std::asin(rho.real()),
                                                    std::asin(rho.imag()));
                }
            Vl[l] = std::real(u.dot(Cq * u));
            Ll[l] = 0.0;
            for (int q = 1; q <= 2; ++q)
                Ll[l] += 4.0 / pi * s.cnr()[q - 1] *
                         std::norm(c[q] * u.dot(s.gr().col(q))) / d;
            const cdouble t0 = terms[size_t(l) * K];
            // the table interpolates the variance ratio: ~1 % (docs)
            CPPUNIT_ASSERT_DOUBLES_EQUAL(Vl[l] - Ll[l], t0.real(), 0.02 * Vl[l]);
            // tail excess per unit clutter share of a coherent CPI of this x
            El[l] = t0.imag() / t0.real();
            for (int q = 1; q <= 2; ++q)
                CPPUNIT_ASSERT_DOUBLES_EQUAL(
                    0.0,
                    std::abs(terms[size_t(l) * K + q] -
                             c[q] * u.dot(s.gr().col(q)) / std::sqrt(d)),
                    1e-4 * std::sqrt(Vl[l]));
            const double var_t1 = s.threshold(sol, adc_model::one_bit, pfa) *
                                  s.threshold(sol, adc_model::one_bit, pfa) /
                                  -std::log(pfa);
            const double kc =
                -std::log(pfa) * L * var_t1 * fe.table()->coherent_factor(p.data());
            CPPUNIT_ASSERT_DOUBLES_EQUAL(kc, terms[size_t(l) * K + 3].real(), 1e-4 * kc);
        }
        // equal weights (w = 1) and inverse-variance weights w_l = 1/V_l (the dense
        // arcsine-law V_l): each term carries the weight as the filter w_l u_l does
        for (auto wt : { cpi_weights::equal, cpi_weights::inverse_variance }) {
            cpi_integrator cpi(
                s, adc_model::one_bit, pfa, 1.0, L, threshold_model::exact, wt);
            for (int k = 0; k < n / L; ++k) {
                cdouble Z, zs = 0.0, a1 = 0.0, a2 = 0.0;
                double S = 0, inc = 0, sw = 0, wsum = 0;
                for (int l = k * L; l < (k + 1) * L; ++l) {
                    CPPUNIT_ASSERT_EQUAL(
                        l == (k + 1) * L - 1,
                        cpi.add(ze[l], &terms[size_t(l) * K], status[l], Z, S));
                    const double w = wt == cpi_weights::equal ? 1.0 : 1.0 / Vl[l];
                    zs += w * cdouble(ze[l]);
                    wsum += w;
                    inc += w * w * (Vl[l] - Ll[l]);
                    sw += w * w * El[l] * (Vl[l] - Ll[l]);
                    a1 += w * terms[size_t(l) * K + 1];
                    a2 += w * terms[size_t(l) * K + 2];
                }
                double k2;
                if (k == 1) { // repeated x: the coherent-CPI kappa^2 of its terms
                    const double w = wsum / L;
                    k2 = w * w * terms[size_t(L) * K + 3].real();
                } else {
                    // the excess scaled by the CPI's clutter-leakage share
                    const double coh =
                        4.0 / pi * (300.0 * std::norm(a1) + 80.0 * std::norm(a2));
                    k2 = -std::log(pfa) * (inc + coh) *
                         (1.0 + coh / (inc + coh) * sw / inc);
                }
                CPPUNIT_ASSERT_DOUBLES_EQUAL(std::abs(zs) / std::sqrt(k2), S, 0.02 * S);
                CPPUNIT_ASSERT_DOUBLES_EQUAL(
                    0.0, std::abs(Z - zs * (L / wsum)), 0.02 * std::abs(zs) * L / wsum);
            }
        }
    }

    // A mixed-x CPI on a small array (6 antennas, 20 and 13 dB patches): the terms
    // carry c_q, u's coefficients on G and d; the CPI variance adds, to the incoherent
    // terms and the linear leakage, the distortion cross terms sum_{l != m} Re
    // u_l^H (Cq_lm - (4/pi) rho_lm) u_m from the dense arcsine law of C_lm =
    // sum_q CNR_q c_ql conj(c_qm) g_q g_q^H, counted in the leakage share of the shape.
    void test_cpi_cross_terms()
    {
        const int nt = 8, nr = 6, L = 5, n = 3 * L;
        const double pfa = 1e-2;
        radar_scene s(nt,
                      nr,
                      deg2rad(17.3),
                      { deg2rad(-38.6), deg2rad(51.2) },
                      10.0,
                      { 100.0, 20.0 });
        CPPUNIT_ASSERT(nr <= cross_terms_max_rx);
        cmatf R = rand_mat(nr, n), X = rand_mat(nt, n);
        X.col(3) = X.col(1); // a repeated x within a mixed CPI
        rx_filter fe = exact_filter(s, pfa, L);
        const int K = fe.n_terms(), Q = 2;
        std::vector<cfloat> z(n);
        std::vector<float> st(n);
        std::vector<snapshot_status> status(n);
        std::vector<cdouble> terms(size_t(n) * K);
        fe.process(
            R.data(), X.data(), n, z.data(), st.data(), status.data(), terms.data());
        std::vector<cvec> u(n), c(n);
        std::vector<double> d(n);
        for (int l = 0; l < n; ++l) {
            const cdouble* t = &terms[size_t(l) * K];
            c[l] = s.couplings(X.col(l).cast<cdouble>());
            u[l] = s.filter(s.solve(c[l], adc_model::one_bit));
            d[l] = 1.0 + (100.0 * std::norm(c[l][1]) + 20.0 * std::norm(c[l][2])) / nr;
            for (int q = 1; q <= Q; ++q)
                CPPUNIT_ASSERT(std::abs(t[Q + 1 + q] - c[l][q]) < 1e-5 * c[l].norm());
            const cvec ub = s.gr() * Eigen::Map<const cvec>(t + 2 * Q + 2, Q + 1);
            CPPUNIT_ASSERT((ub - u[l]).norm() < 1e-4 * u[l].norm());
            CPPUNIT_ASSERT_DOUBLES_EQUAL(d[l], t[3 * Q + 3].real(), 1e-6 * d[l]);
        }
        const auto dense_dist = [&](int l, int m) {
            cmat C = cmat::Zero(nr, nr);
            for (int q = 1; q <= Q; ++q)
                C += s.cnr()[q - 1] * c[l][q] * std::conj(c[m][q]) * s.gr().col(q) *
                     s.gr().col(q).adjoint();
            cmat N(nr, nr);
            for (int i = 0; i < nr; ++i)
                for (int j = 0; j < nr; ++j) {
                    const cdouble rho = C(i, j) / std::sqrt(d[l] * d[m]);
                    N(i, j) =
                        4.0 / pi *
                        (cdouble(std::asin(rho.real()), std::asin(rho.imag())) - rho);
                }
            return std::real(u[l].dot(N * u[m]));
        };
        cpi_integrator cpi(s, adc_model::one_bit, pfa, 1.0, L, threshold_model::exact);
        double worst = 0.0;
        for (int k = 0; k < n / L; ++k) {
            cdouble Z, zs = 0.0, a1 = 0.0, a2 = 0.0;
            double S = 0, inc = 0, sw = 0, delta = 0;
            for (int l = k * L; l < (k + 1) * L; ++l) {
                cpi.add(z[l], &terms[size_t(l) * K], status[l], Z, S);
                const cdouble t0 = terms[size_t(l) * K];
                zs += cdouble(z[l]);
                inc += t0.real();
                sw += t0.imag();
                a1 += terms[size_t(l) * K + 1];
                a2 += terms[size_t(l) * K + 2];
                for (int m = k * L; m < (k + 1) * L; ++m)
                    if (m != l)
                        delta += dense_dist(l, m);
            }
            const double coh = 4.0 / pi * (100.0 * std::norm(a1) + 20.0 * std::norm(a2));
            const double V = inc + coh + delta;
            // the leakage share is clamped to [0, 1]: these strong-clutter CPIs
            // include negative cross terms below -coh (share < 0)
            const double share = std::min(1.0, std::max(0.0, (coh + delta) / V));
            const double k2 = -std::log(pfa) * V * (1.0 + share * sw / inc);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(std::abs(zs) / std::sqrt(k2), S, 1e-6 * S);
            // without the cross terms (the model before them) the statistic differs
            const double k2m =
                -std::log(pfa) * (inc + coh) * (1.0 + coh / (inc + coh) * sw / inc);
            worst = std::max(worst, std::abs(std::sqrt(k2 / k2m) - 1.0));
        }
        CPPUNIT_ASSERT(worst > 0.01);
    }

    // The pair cache over CPIs and the distinct-x cap: CPIs drawn from a pool of 400
    // x (more than the cache's 256 slots: evictions every CPI) and CPIs of 16 to 100
    // distinct x, each bitwise equal to a fresh integrator's statistic of the same CPI
    // (nothing carried over but cached values); a CPI above cross_max_x distinct x
    // equals the statistic without cross terms (its terms' d_l cleared)
    void test_cross_cache_and_cap()
    {
        const int nt = 6, nr = 4, pool = 400;
        const radar_scene s(nt,
                            nr,
                            deg2rad(21.4),
                            { deg2rad(-44.1), deg2rad(29.7) },
                            10.0,
                            { 100.0, 30.0 });
        std::vector<int> lens(40, 16);
        for (int L : { 100, 16, 40, 16, 33, 16 })
            lens.push_back(L);
        int n = 0;
        for (int L : lens)
            n += L;
        const cmatf P = rand_mat(nt, pool);
        cmatf R = rand_mat(nr, n), X(nt, n);
        for (int l = 0; l < n; ++l)
            X.col(l) = P.col(rng() % pool);
        // the 100-snapshot CPI: 100 distinct x (pool columns in order); before it the
        // stream holds more distinct x than the cache's slots (evictions)
        const int big = 40 * 16;
        for (int l = 0; l < 100; ++l)
            X.col(big + l) = P.col(l);
        const auto distinct = [&X](int a, int b) {
            int d = 0;
            for (int l = a; l < b; ++l) {
                int m = a;
                while (m < l && X.col(m) != X.col(l))
                    ++m;
                d += m == l;
            }
            return d;
        };
        CPPUNIT_ASSERT(distinct(0, big) > 256);
        std::vector<cfloat> z(n);
        std::vector<float> st(n);
        std::vector<snapshot_status> status(n);
        const int K = cpi_terms(s);
        std::vector<cdouble> terms(size_t(n) * K);
        int l0 = 0;
        std::vector<std::unique_ptr<cpi_integrator>> by_len;
        for (size_t k = 0; k < lens.size(); ++k) {
            const int L = lens[k];
            rx_filter f = exact_filter(s, 1e-2, L);
            f.process(R.data() + size_t(l0) * nr,
                      X.data() + size_t(l0) * nt,
                      L,
                      z.data() + l0,
                      st.data() + l0,
                      status.data() + l0,
                      terms.data() + size_t(l0) * K);
            // one integrator per length kept over its CPIs, against a fresh one
            auto it = std::find_if(by_len.begin(), by_len.end(), [L](const auto& c) {
                return c->cpi_len() == L;
            });
            if (it == by_len.end()) {
                by_len.push_back(std::make_unique<cpi_integrator>(
                    s, adc_model::one_bit, 1e-2, 1.0, L, threshold_model::exact));
                it = by_len.end() - 1;
            }
            cpi_integrator* kept = it->get();
            cpi_integrator fresh(
                s, adc_model::one_bit, 1e-2, 1.0, L, threshold_model::exact);
            cdouble Z1, Z2;
            double s1 = -1.0, s2 = -2.0;
            for (int l = l0; l < l0 + L; ++l) {
                kept->add(z[l], &terms[size_t(l) * K], status[l], Z1, s1);
                fresh.add(z[l], &terms[size_t(l) * K], status[l], Z2, s2);
            }
            CPPUNIT_ASSERT(s1 > 0.0);
            CPPUNIT_ASSERT_EQUAL(s2, s1);
            const bool over = distinct(l0, l0 + L) > cpi_integrator::cross_max_x;
            CPPUNIT_ASSERT_EQUAL(uint64_t(over), fresh.uncrossed_cpis());
            // the same CPI without the cross terms' inputs: equal where capped,
            // different where the cross terms count
            cpi_integrator plain(
                s, adc_model::one_bit, 1e-2, 1.0, L, threshold_model::exact);
            double s3 = -3.0;
            for (int l = l0; l < l0 + L; ++l) {
                std::vector<cdouble> t(terms.begin() + size_t(l) * K,
                                       terms.begin() + size_t(l + 1) * K);
                t[K - 1] = 0.0; // d_l: the last term (cpi_terms' layout)
                plain.add(z[l], t.data(), status[l], Z2, s3);
            }
            if (over)
                CPPUNIT_ASSERT_EQUAL(s3, s1);
            else if (distinct(l0, l0 + L) > 1)
                CPPUNIT_ASSERT(s3 != s1);
            l0 += L;
        }
        CPPUNIT_ASSERT_EQUAL(uint64_t(1), by_len[1]->uncrossed_cpis()); // L = 100
    }

    // cross_terms_max_rx: at 16 receive antennas a mixed-x CPI adds the cross terms (its
    // statistic differs from the one of the same terms with d_l = 0, which carry no
    // cross inputs, as a cpi_len 1 filter writes them), at 17 it equals it
    // the pair cache's store at max_clutter patches stays under its stated bound
    // (it reserved 256 prepared slots before: 80 MB at 8 antennas, 145 MB at 16);
    // a few patches keep all 256 slots in far less
    void test_cross_store_bound()
    {
        std::uniform_real_distribution<double> ud(-80.0, 80.0);
        for (const int nr : { 8, 16 }) {
            std::vector<double> ang(max_clutter), cnr(max_clutter);
            for (int q = 0; q < max_clutter; ++q) {
                ang[q] = deg2rad(ud(rng));
                cnr[q] = 0.5 + 0.01 * q;
            }
            const radar_scene s(5, nr, deg2rad(17.3), ang, 10.0, cnr);
            const cpi_integrator c(
                s, adc_model::one_bit, 1e-2, 1.0, 16, threshold_model::exact);
            const arcsine_cross ac(s);
            const size_t per_slot = sizeof(double) * ac.prepared_size() +
                                    sizeof(cdouble) * (2 * max_clutter + 2);
            const size_t slots = cpi_integrator::cross_max_x + 2;
            const size_t bound =
                std::max(cpi_integrator::cross_store_budget, slots * per_slot) +
                (size_t(1) << 20);
            CPPUNIT_ASSERT(c.cross_store_bytes() <= bound);
            CPPUNIT_ASSERT(c.cross_store_bytes() < size_t(20e6));
        }
        const radar_scene small(
            5, 8, deg2rad(17.3), { deg2rad(-31.2), deg2rad(44.6) }, 10.0, { 30.0, 5.0 });
        const cpi_integrator c(
            small, adc_model::one_bit, 1e-2, 1.0, 16, threshold_model::exact);
        CPPUNIT_ASSERT(c.cross_store_bytes() < size_t(2e6));
    }

    void test_cross_terms_boundary()
    {
        for (const int nr : { cross_terms_max_rx, cross_terms_max_rx + 1 }) {
            const int nt = 5, L = 6;
            const radar_scene s(nt,
                                nr,
                                deg2rad(-12.7),
                                { deg2rad(33.9), deg2rad(-51.3) },
                                10.0,
                                { 300.0, 60.0 });
            cmatf R = rand_mat(nr, L), X = rand_mat(nt, L);
            rx_filter f = exact_filter(s, 1e-2, L);
            const int K = f.n_terms(), Q = 2;
            std::vector<cfloat> z(L);
            std::vector<float> st(L);
            std::vector<snapshot_status> status(L);
            std::vector<cdouble> terms(size_t(L) * K);
            f.process(
                R.data(), X.data(), L, z.data(), st.data(), status.data(), terms.data());
            std::vector<cdouble> cleared = terms;
            for (int l = 0; l < L; ++l)
                cleared[size_t(l) * K + 3 * Q + 3] = 0.0;
            cpi_integrator a(s, adc_model::one_bit, 1e-2, 1.0, L, threshold_model::exact);
            cpi_integrator b(s, adc_model::one_bit, 1e-2, 1.0, L, threshold_model::exact);
            cdouble Z;
            double sa = 0.0, sb = 0.0;
            for (int l = 0; l < L; ++l) {
                a.add(z[l], &terms[size_t(l) * K], status[l], Z, sa);
                b.add(z[l], &cleared[size_t(l) * K], status[l], Z, sb);
            }
            CPPUNIT_ASSERT(sa > 0.0 && sb > 0.0);
            if (nr <= cross_terms_max_rx)
                CPPUNIT_ASSERT(std::abs(sa / sb - 1.0) > 1e-3);
            else
                CPPUNIT_ASSERT_EQUAL(sb, sa);
        }
    }

    // One filter over a whole stream in uneven calls against a fresh filter (empty
    // x-terms cache) per snapshot: bitwise the same outputs and CPI terms, whether x
    // repeats (1-bit DAC points: cache hits) or not (the lookups pause), with unusable
    // x mixed in, for every projection kernel (a snapshot's output must not depend on
    // the call sizes: a seed reproduces a flowgraph's streams).
    void check_against_fresh(const radar_scene& s, const cmatf& R, const cmatf& X)
    {
        for (auto kern : { projection_kernel::direct,
                           projection_kernel::gemm,
                           projection_kernel::automatic })
            check_against_fresh(s, R, X, kern);
    }

    void check_against_fresh(const radar_scene& s,
                             const cmatf& R,
                             const cmatf& X,
                             projection_kernel kern)
    {
        const int n = int(R.cols()), K = cpi_terms(s);
        const auto make = [&s, kern]() {
            return rx_filter(
                s, adc_model::one_bit, 1e-2, 1.0, kern, threshold_model::exact, 16);
        };
        rx_filter f = make();
        std::vector<cfloat> z(n);
        std::vector<float> st(n);
        std::vector<snapshot_status> status(n);
        std::vector<cdouble> terms(size_t(n) * K);
        // uneven work() calls
        for (int l0 = 0, b = 1; l0 < n; l0 += b, b = b * 3 % 1000 + 1) {
            const int m = std::min(b, n - l0);
            f.process(R.data() + size_t(l0) * s.n_rx(),
                      X.data() + size_t(l0) * s.n_tx(),
                      m,
                      &z[l0],
                      &st[l0],
                      &status[l0],
                      &terms[size_t(l0) * K]);
        }
        std::vector<int> check{ 500, 501, 1000 }; // NaN x, -0.0 in x, Inf in r
        for (int l = 0; l < n; l += 47)
            check.push_back(l);
        for (int l : check) {
            rx_filter g = make();
            cfloat zg;
            float sg;
            snapshot_status ssg;
            std::vector<cdouble> tg(K);
            g.process(R.col(l).data(), X.col(l).data(), 1, &zg, &sg, &ssg, tg.data());
            CPPUNIT_ASSERT(ssg == status[l]);
            CPPUNIT_ASSERT(zg == z[l]);
            CPPUNIT_ASSERT_EQUAL(sg, st[l]);
            for (int k = 0; k < K; ++k)
                CPPUNIT_ASSERT(tg[k] == terms[size_t(l) * K + k]);
        }
    }

    // The OTA scene's shape (N_R = 4, Q = 2: a 6 x 8 projection) takes a kernel of its
    // own in Eigen's order: every output equals the GEMM's bit for bit, whatever the
    // call sizes (the gemm kernel multiplies whole chunks: Eigen's product takes
    // three paths by the number of columns).
    void test_small_projection_matches_gemm()
    {
        radar_scene s(4,
                      4,
                      deg2rad(12),
                      { deg2rad(-40), deg2rad(27) },
                      std::pow(10, 1.2),
                      { 300.0, 100.0 });
        for (auto m : { adc_model::one_bit, adc_model::ideal }) {
            const int n = 1500;
            cmatf R = rand_mat(4, n), X = rand_mat(4, n);
            std::uniform_int_distribution<int> pick(0, 9);
            for (int j = 0; j < n; ++j)
                for (int i = 0; i < 4; ++i) {
                    const int c = pick(rng);
                    if (m == adc_model::one_bit && c < 8) // signs, some of them zeros
                        R(i, j) = cfloat(R(i, j).real() < 0 ? -1.0f : 1.0f,
                                         c == 0               ? -0.0f
                                         : c == 1             ? 0.0f
                                         : R(i, j).imag() < 0 ? -1.0f
                                                              : 1.0f);
                    if (c == 9)
                        R(i, j) = cfloat(-0.0f, R(i, j).imag());
                }
            rx_filter fa(
                s, m, 1e-2, 1.0, projection_kernel::automatic, threshold_model::exact, 4);
            rx_filter fg(
                s, m, 1e-2, 1.0, projection_kernel::gemm, threshold_model::exact, 4);
            const int nt = fa.n_terms();
            std::vector<cfloat> za(n), zg(n);
            std::vector<float> sa(n), sg(n);
            std::vector<snapshot_status> ta(n), tg(n);
            std::vector<cdouble> ca(size_t(n) * nt), cg(size_t(n) * nt);
            // call sizes across every path: 1-5 (coefficient-based), 6.. with every
            // remainder mod 4, and more than a chunk (256)
            const int sizes[] = { 1,  2,  3,  4,  5,   6,   7,   8,  9,
                                  10, 11, 13, 17, 255, 256, 300, 517 };
            int l = 0;
            for (int k = 0; l < n; ++k) {
                const int b = std::min(sizes[k % std::size(sizes)], n - l);
                CPPUNIT_ASSERT_EQUAL(b,
                                     fa.process(&R(0, l),
                                                &X(0, l),
                                                b,
                                                &za[l],
                                                &sa[l],
                                                &ta[l],
                                                &ca[size_t(l) * nt]));
                CPPUNIT_ASSERT_EQUAL(b,
                                     fg.process(&R(0, l),
                                                &X(0, l),
                                                b,
                                                &zg[l],
                                                &sg[l],
                                                &tg[l],
                                                &cg[size_t(l) * nt]));
                l += b;
            }
            CPPUNIT_ASSERT(std::memcmp(za.data(), zg.data(), sizeof(cfloat) * n) == 0);
            CPPUNIT_ASSERT(std::memcmp(sa.data(), sg.data(), sizeof(float) * n) == 0);
            CPPUNIT_ASSERT(ta == tg);
            CPPUNIT_ASSERT(
                std::memcmp(ca.data(), cg.data(), sizeof(cdouble) * ca.size()) == 0);
            int ok = 0;
            for (int j = 0; j < n; ++j)
                ok += ta[j] == snapshot_status::ok;
            CPPUNIT_ASSERT(ok > n - 10);
        }
    }

    void test_repeated_x()
    {
        // the over-the-air scene: 4 x 4, target 23 deg, clutter -47 / 31 deg
        radar_scene s(4,
                      4,
                      deg2rad(23),
                      { deg2rad(-47), deg2rad(31) },
                      std::pow(10, 1.5),
                      { 10.0, 10.0 });
        const int n = 9000;
        std::uniform_int_distribution<int> bit(0, 1);
        cmatf X(4, n);
        for (int l = 0; l < n; ++l)
            for (int i = 0; i < 4; ++i)
                X(i, l) = cfloat(bit(rng) ? 0.5f : -0.5f, bit(rng) ? 0.5f : -0.5f);
        for (int l = 0; l < n; l += 97)
            X.col(l).setZero(); // a muted payload: degenerate
        X(2, 500) = cfloat(std::numeric_limits<float>::quiet_NaN(), 0.0f);
        X(0, 501) = cfloat(-0.0f, 0.5f); // the same value, other bytes
        cmatf R = rand_mat(4, n);
        R(1, 1000) = cfloat(0.0f, std::numeric_limits<float>::infinity());
        check_against_fresh(s, R, X);
        // explicit-filter reference of the hits (theorem1: radar_scene's threshold)
        cmatf Xr(4, 1200); // 1-bit points: each of the 256 about 5 times
        for (int l = 0; l < 1200; ++l)
            for (int i = 0; i < 4; ++i)
                Xr(i, l) = cfloat(bit(rng) ? 1.0f : -1.0f, bit(rng) ? 1.0f : -1.0f);
        check_kernel(s,
                     adc_model::one_bit,
                     1e-2,
                     1.0,
                     1200,
                     rand_mat(4, 1200),
                     Xr,
                     projection_kernel::automatic);
        // x that never repeats: more than 4096 lookups with no hit
        check_against_fresh(s, rand_mat(4, n), rand_mat(4, n));
        // a 16 x 16 array (the gemm kernel's shape for automatic)
        const radar_scene s16(16,
                              16,
                              deg2rad(23),
                              { deg2rad(-47), deg2rad(31) },
                              std::pow(10, 1.5),
                              { 10.0, 10.0 });
        check_against_fresh(s16, rand_mat(16, 2000), rand_mat(16, 2000));
        // 2 x 2 with one patch: a 4 x 4 projection (Eigen's coefficient-based
        // product up to 11 columns)
        const radar_scene s2(
            2, 2, deg2rad(23), { deg2rad(-47) }, std::pow(10, 1.5), { 10.0 });
        check_against_fresh(s2, rand_mat(2, 2000), rand_mat(2, 2000));
    }

    // A cancelled thread (a flowgraph's stop()) gets back the snapshots done before
    // the cut; nothing of the cut snapshot is kept (cache included): the same
    // filter then gives a fresh filter's output bit for bit.
    void test_cancelled()
    {
        const int nt = 8, nr = 8, n = 5;
        std::vector<double> cl, cnr;
        for (int q = 0; q < 40; ++q) { // Q >= 32: x-terms check for cancellation
            cl.push_back(deg2rad(-80.0 + 4.1 * q));
            cnr.push_back(10.0);
        }
        radar_scene s(nt, nr, deg2rad(23), cl, 30.0, cnr);
        cmatf R = rand_mat(nr, n), X = rand_mat(nt, n);
        rx_filter f(s, adc_model::one_bit, 0.01); // exact, evaluated per snapshot
        std::vector<cfloat> z(n, cfloat(7.0f)), z0(n);
        std::vector<float> st(n, 7.0f), st0(n);
        std::vector<snapshot_status> ss(n), ss0(n);
        std::atomic<bool> stop{ true };
        {
            const cancel_scope scope(&stop);
            CPPUNIT_ASSERT_EQUAL(
                0, f.process(R.data(), X.data(), n, z.data(), st.data(), ss.data()));
        }
        CPPUNIT_ASSERT_EQUAL(7.0f, st[0]); // not written
        CPPUNIT_ASSERT_EQUAL(
            n, f.process(R.data(), X.data(), n, z.data(), st.data(), ss.data()));
        rx_filter fresh(s, adc_model::one_bit, 0.01);
        CPPUNIT_ASSERT_EQUAL(
            n, fresh.process(R.data(), X.data(), n, z0.data(), st0.data(), ss0.data()));
        for (int l = 0; l < n; ++l) {
            CPPUNIT_ASSERT(ss[l] == snapshot_status::ok && ss0[l] == snapshot_status::ok);
            CPPUNIT_ASSERT_EQUAL(st0[l], st[l]);
            CPPUNIT_ASSERT(z0[l] == z[l]);
        }
    }

    void test_bad_input()
    {
        radar_scene s(4, 4, 0, { 0.5 }, 1, { 2.0 });
        CPPUNIT_ASSERT_THROW(rx_filter(s, adc_model::one_bit, 0.0), param_error);
        CPPUNIT_ASSERT_THROW(rx_filter(s, adc_model::one_bit, 1.0), param_error);
        CPPUNIT_ASSERT_THROW(rx_filter(s, adc_model::one_bit, std::nan("")), param_error);
        CPPUNIT_ASSERT_THROW(rx_filter(s, adc_model::one_bit, -0.1), param_error);
        CPPUNIT_ASSERT_THROW(rx_filter(s, adc_model::ideal, 0.1, 0.0), param_error);
        CPPUNIT_ASSERT_THROW(rx_filter(s, adc_model::ideal, 0.1, INFINITY), param_error);
        CPPUNIT_ASSERT_THROW(cpi_integrator(s, adc_model::one_bit, 0.1, 1.0, 0),
                             param_error);
        CPPUNIT_ASSERT_THROW(s.solve(cvec::Ones(3), adc_model::one_bit), param_error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_rx_filter);
