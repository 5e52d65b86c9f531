/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The frame's known patterns and the channel-estimation core against closed
 * forms: pilot orthogonality, LS and MMSE NMSE (the Massive MIMO-ISAC paper's
 * eq. 6-7 and its correlated-prior generalisation) by Monte Carlo with
 * tolerances from the trial count, the feedback quantiser's uniform-error
 * law, the phase-continuous tracker and the reciprocity calibration.
 */
#include <gnuradio/isac/core/channel.h>
#include <gnuradio/isac/core/csi_estimation.h>
#include <gnuradio/isac/core/frame.h>
#include <gnuradio/isac/core/nullspace.h>
#include <gnuradio/isac/core/tdd_csi.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <cmath>

using namespace gr::isac::core;

namespace {
cvec cn_vec(gaussian_rng& g, int n, double var = 1.0)
{
    cvec v(n);
    for (int i = 0; i < n; ++i)
        v[i] = g.cn() * std::sqrt(var);
    return v;
}

// a draw of h ~ CN(0, R) through a Cholesky factor
cvec correlated(gaussian_rng& g, const cmat& Lchol)
{
    return Lchol * cn_vec(g, int(Lchol.rows()));
}
} // namespace

class qa_csi_estimation : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_csi_estimation);
    CPPUNIT_TEST(test_pilots_orthogonal);
    CPPUNIT_TEST(test_frame_layout);
    CPPUNIT_TEST(test_ls_mmse_nmse_theory);
    CPPUNIT_TEST(test_quantizer);
    CPPUNIT_TEST(test_tracker);
    CPPUNIT_TEST(test_tracker_restart);
    CPPUNIT_TEST(test_reciprocity);
    CPPUNIT_TEST(test_bad_params);
    CPPUNIT_TEST(test_tdd_slots);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_pilots_orthogonal()
    {
        for (int n : { 1, 3, 4, 5, 16, 17, 33 }) {
            int order = 1;
            while (order < n)
                order <<= 1;
            for (int mult : { 1, 3 }) {
                const int L = order * mult;
                const cmatf P = orthogonal_pilots(n, L, 99 + n);
                const cmat Pd = P.cast<cdouble>();
                const cmat G = Pd * Pd.adjoint();
                CPPUNIT_ASSERT((G - 2.0 * L * cmat::Identity(n, n)).norm() < 1e-9);
                for (int t = 0; t < L; ++t) {
                    bool all_same = n > 1;
                    for (int r = 0; r < n; ++r) {
                        const cfloat v = P(r, t);
                        // a 1-bit DAC point +-1 +-j
                        CPPUNIT_ASSERT(std::abs(v.real()) == 1.0f &&
                                       std::abs(v.imag()) == 1.0f);
                        all_same = all_same && v == P(0, t);
                    }
                    // the unscrambled Hadamard column 0 would be a constant vector
                    // (an unsteered broadside beam): the scrambling prevents it
                    if (n >= 4)
                        CPPUNIT_ASSERT(!all_same);
                }
            }
        }
    }

    void test_frame_layout()
    {
        frame_format f;
        f.n_tx = 12;
        f.payload_len = 300;
        f.validate();
        CPPUNIT_ASSERT_EQUAL(16, f.hadamard_order());
        CPPUNIT_ASSERT_EQUAL(32, f.block()); // max(16, 2 x 16)
        CPPUNIT_ASSERT_EQUAL(16, f.pilots());
        CPPUNIT_ASSERT_EQUAL(3 * 32, f.header_start());
        CPPUNIT_ASSERT_EQUAL(4 * 32, f.pilot_start());
        CPPUNIT_ASSERT_EQUAL(4 * 32 + 16 + 300, f.frame_len());
        const frame_patterns p(f);
        const cmatf& K1 = p.known(true);
        const cmatf& K0 = p.known(false);
        CPPUNIT_ASSERT_EQUAL(long(f.known_len()), long(K1.cols()));
        // preamble: the block repeated; header: sign flag; pilots: P
        for (int r = 1; r < f.preamble_reps; ++r)
            CPPUNIT_ASSERT((K1.middleCols(r * 32, 32) - p.preamble_block()).norm() == 0);
        CPPUNIT_ASSERT((K1.middleCols(96, 32) + K0.middleCols(96, 32)).norm() == 0);
        CPPUNIT_ASSERT((K1.middleCols(128, 16) - p.pilots()).norm() == 0);
        CPPUNIT_ASSERT((p.preamble_block() - p.header_block()).norm() > 1); // different
        // header codes: frame k's header is code k mod 16, orthogonal codes
        for (int j = 0; j < header_codes; ++j)
            for (int k = 0; k < header_codes; ++k) {
                double c = 0;
                for (int t = 0; t < 32; ++t)
                    c += header_code(j, t) * header_code(k, t);
                CPPUNIT_ASSERT_EQUAL(j == k ? 32.0 : 0.0, c);
            }
        const cmatf K5 = p.known(true, 21); // 21 mod 16 = 5
        for (int t = 0; t < 32; ++t)
            CPPUNIT_ASSERT((K5.col(96 + t) - header_code(5, t) * K1.col(96 + t)).norm() ==
                           0);
        CPPUNIT_ASSERT((K5.leftCols(96) - K1.leftCols(96)).norm() == 0);
    }

    void test_ls_mmse_nmse_theory()
    {
        // z = g (amp P) + w; NMSE over trials against e / beta (LS) and
        // tr(R - R (R + e I)^-1 R) / tr R (MMSE), for an i.i.d. and a
        // correlated prior. The sample mean of T trials of n-entry errors has a
        // relative std of about sqrt(1/(T n)) (LS, chi-square with 2nT dof):
        // 5 sigma tolerances.
        gaussian_rng g(2024);
        const int n = 8, L = 8, T = 3000;
        const double amp = std::sqrt(1.0 / (2 * n)), s2 = 0.05, beta = 0.7;
        const cmatf P = orthogonal_pilots(n, L, 5);
        const cmat Pd = P.cast<cdouble>();
        const double e = ls_error_var(s2, amp * amp * 2 * L);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(s2 / (amp * amp * 2 * L), e, 1e-15);
        for (double r : { 0.0, 0.8 }) {
            const cmat R = beta * exp_correlation(n, r).cast<cdouble>();
            const cmat C = R.llt().matrixL();
            double ls = 0, mm = 0, tr = 0;
            for (int k = 0; k < T; ++k) {
                const cvec h = correlated(g, C); // h = g^H
                const cvec grow = h.conjugate();
                cmat Z = (grow.transpose() * (amp * Pd));
                Z += cn_vec(g, L, s2).transpose();
                const cvec gls = ls_estimate(Z, Pd, amp).row(0).transpose();
                const cvec gmm = mmse_row(gls, e, R);
                ls += (gls - grow).squaredNorm();
                mm += (gmm - grow).squaredNorm();
                tr += grow.squaredNorm();
            }
            const double ls_nmse = ls / (T * n * beta), mm_nmse = mm / tr;
            const double ls_th = ls_nmse_theory(e, beta), mm_th = mmse_nmse_theory(e, R);
            const double tol = 5.0 / std::sqrt(double(T) * n);
            CPPUNIT_ASSERT(std::abs(ls_nmse / ls_th - 1) < tol);
            CPPUNIT_ASSERT(std::abs(mm_nmse / mm_th - 1) < 2 * tol); // normalised by tr
            if (r == 0.0) // the paper's scalar form eps/beta
                CPPUNIT_ASSERT_DOUBLES_EQUAL(e / (beta + e), mm_th, 1e-12);
            else // correlation is what the prior adds: 0.057 against 0.071 here
                CPPUNIT_ASSERT(mm_th < 0.85 * ls_th);
        }
    }

    void test_quantizer()
    {
        gaussian_rng g(7);
        const int n = 64;
        for (int bits : { 3, 5, 8 }) {
            double err = 0, th = 0;
            for (int k = 0; k < 200; ++k) {
                const cvec v = cn_vec(g, n);
                const cvec q = quantize_row(v, bits);
                err += (q - v).squaredNorm() / v.squaredNorm();
                th += quantization_nmse_theory(v, bits);
                // every component on the grid, within half a step
                double s = 0;
                for (int i = 0; i < n; ++i)
                    s = std::max(s,
                                 std::max(std::abs(v[i].real()), std::abs(v[i].imag())));
                const double delta = 2 * s / std::ldexp(1.0, bits);
                for (int i = 0; i < n; ++i) {
                    CPPUNIT_ASSERT(std::abs(q[i].real() - v[i].real()) <=
                                   0.5 * delta + 1e-12);
                    const double kq = (q[i].real() + s) / delta - 0.5;
                    CPPUNIT_ASSERT(std::abs(kq - std::round(kq)) < 1e-9);
                }
            }
            // uniform-error law within 10 % (12800 components x 2)
            CPPUNIT_ASSERT(std::abs(err / th - 1) < 0.1);
        }
        const cvec v = cn_vec(g, 5);
        CPPUNIT_ASSERT(quantize_row(v, 0) == v);
    }

    void test_tracker()
    {
        // estimates g e^{j phi_k} + noise with random phases: the average keeps
        // the first phase and its error matches err_var()
        gaussian_rng g(11);
        const int n = 16, K = 40, T = 200;
        const double e = 0.2;
        double err = 0, pred = 0;
        for (int t = 0; t < T; ++t) {
            const cvec h = cn_vec(g, n);
            csi_tracker tr(n, 32);
            const double phi0 = 6.283 * g.uniform();
            for (int k = 0; k < K; ++k) {
                const double phi = k == 0 ? phi0 : 6.283 * g.uniform();
                const cvec est = h * std::polar(1.0, phi) + cn_vec(g, n, e);
                const double rot = tr.add(est, e);
                if (k > 0) { // the reported rotation is that of est against the mean
                    const double want = std::remainder(phi - phi0, 2 * pi);
                    // alignment noise is ~0.1 rad here: 1 rad only catches a sign
                    // or reference error
                    CPPUNIT_ASSERT(std::abs(std::remainder(rot - want, 2 * pi)) < 1.0);
                }
            }
            // the phase stays the first frame's (continuity), the error up to a
            // common phase is what err_var() predicts
            const cvec m = tr.mean();
            CPPUNIT_ASSERT(std::abs(std::arg(h.dot(m) * std::polar(1.0, -phi0))) < 0.3);
            err += aligned_nmse(m, h) * h.squaredNorm() / n;
            pred += tr.err_var();
        }
        // the mean after 40 frames (weights 1/k up to 32, then 1/32); T n = 3200
        // entries: 10 %
        CPPUNIT_ASSERT(std::abs(err / pred - 1) < 0.1);
    }

    void test_tracker_restart()
    {
        // a static row for 200 frames (no restart may fire: two outliers in a
        // row have probability ~1e-8 per frame), then the transmitter's
        // calibration turns each antenna's phase: the average restarts within
        // a few frames and holds the new row, not a mix of both
        gaussian_rng g(21);
        const int n = 4;
        const double e = 0.1; // per-frame LS error per entry (-10 dB)
        int restarts_static = 0;
        double nmse_after = 0;
        const int T = 50;
        for (int trial = 0; trial < T; ++trial) {
            cvec h(n); // a line-of-sight row: unit-modulus entries
            for (int i = 0; i < n; ++i)
                h[i] = std::polar(1.0, 6.283 * g.uniform());
            csi_tracker tr(n, 128);
            for (int k = 0; k < 200; ++k)
                tr.add(h * std::polar(1.0, 6.283 * g.uniform()) + cn_vec(g, n, e), e);
            restarts_static += tr.restarts();
            cvec h2 = h;
            for (int i = 1; i < n; ++i) // phases of 60 deg or more
                h2[i] *= std::polar(
                    1.0, (1.05 + 2.0 * g.uniform()) * (g.uniform() < 0.5 ? 1 : -1));
            for (int k = 0; k < 40; ++k)
                tr.add(h2 * std::polar(1.0, 6.283 * g.uniform()) + cn_vec(g, n, e), e);
            CPPUNIT_ASSERT(tr.restarts() >= 1);
            nmse_after += aligned_nmse(tr.mean(), h2);
        }
        CPPUNIT_ASSERT_EQUAL(0, restarts_static);
        // after the restart the average of >= 30 frames: NMSE ~ e / beta / 30
        // (about -15 dB); a mix with the old row would sit near 0 dB
        CPPUNIT_ASSERT(nmse_after / T < 0.1);
    }

    void test_reciprocity()
    {
        gaussian_rng g(3);
        const int n = 7, U = 3;
        cvec t(n), r(n);
        for (int i = 0; i < n; ++i) {
            t[i] = std::polar(0.8 + 0.4 * g.uniform(), 6.283 * g.uniform());
            r[i] = std::polar(0.8 + 0.4 * g.uniform(), 6.283 * g.uniform());
        }
        const cvec kappa_true = (t.array() / r.array()).matrix() / (t[0] / r[0]);
        // antenna pairs over the air: fwd(i, j) = t_i c_ij r_j with c symmetric
        cmat c(n, n), fwd = cmat::Zero(n, n);
        for (int i = 0; i < n; ++i)
            for (int j = i; j < n; ++j)
                c(i, j) = c(j, i) = g.cn();
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                if (i != j)
                    fwd(i, j) = t[i] * c(i, j) * r[j];
        const cvec k1 = reciprocity_from_pairs(fwd);
        CPPUNIT_ASSERT((k1 - kappa_true).norm() < 1e-9);
        // noisy measurements: still close
        cmat noisy = fwd;
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                if (i != j)
                    noisy(i, j) += 0.01 * g.cn();
        CPPUNIT_ASSERT((reciprocity_from_pairs(noisy) - kappa_true).norm() < 0.1);
        // users: downlink g_un = t_n c_un r_u, uplink h_nu = r_n c_un t_u
        cmat cu(U, n);
        cvec tu(U), ru(U);
        for (int u = 0; u < U; ++u) {
            tu[u] = g.cn();
            ru[u] = g.cn();
            for (int i = 0; i < n; ++i)
                cu(u, i) = g.cn();
        }
        cmat Gdl(U, n), Hul(n, U);
        for (int u = 0; u < U; ++u)
            for (int i = 0; i < n; ++i) {
                Gdl(u, i) = t[i] * cu(u, i) * ru[u];
                Hul(i, u) = r[i] * cu(u, i) * tu[u];
            }
        const cvec k2 = reciprocity_from_reference(Gdl.row(1).transpose(), Hul.col(1));
        CPPUNIT_ASSERT((k2 - kappa_true).norm() < 1e-9);
        // each downlink row from the uplink, up to that user's complex scalar
        const cmat Gest = downlink_from_uplink(Hul, k1);
        for (int u = 0; u < U; ++u)
            CPPUNIT_ASSERT(aligned_nmse(Gest.row(u).transpose() *
                                            (std::abs(Gdl(u, 0)) / std::abs(Gest(u, 0))),
                                        Gdl.row(u).transpose()) < 1e-18);
        // not connected: antenna 2 never measured
        cmat cut = fwd;
        cut.row(2).setZero();
        cut.col(2).setZero();
        CPPUNIT_ASSERT_THROW(reciprocity_from_pairs(cut), param_error);
    }

    void test_bad_params()
    {
        frame_format f;
        f.pilot_len = 24; // n_tx 16: a multiple of 16 needed
        CPPUNIT_ASSERT_THROW(f.validate(), param_error);
        f.pilot_len = 0;
        f.preamble_reps = 1;
        CPPUNIT_ASSERT_THROW(f.validate(), param_error);
        f.preamble_reps = 3;
        f.preamble_block = 8;
        CPPUNIT_ASSERT_THROW(f.validate(), param_error);
        f.preamble_block = 0;
        f.seed = 0;
        CPPUNIT_ASSERT_THROW(f.validate(), param_error);
        f.seed = 1;
        f.payload_len = 0;
        CPPUNIT_ASSERT_THROW(f.validate(), param_error);
        CPPUNIT_ASSERT_THROW(quantize_row(cvec::Ones(3), 25), param_error);
        CPPUNIT_ASSERT_THROW(parse_csi_estimator("estimator", "ml"), param_error);
        CPPUNIT_ASSERT_THROW(csi_tracker(4, 0), param_error);
        // an external kappa: each |kappa_n / kappa_0| in [1e-3, 1e3] (the edges taken)
        tdd_csi_estimator est{ tdd_csi_params() };
        for (double a :
             { 1e-3, 1e3, 1e-3 * (1 - 1e-9), 1e3 * (1 + 1e-9), 1e38, 1.4e-45 }) {
            cvec k = cvec::Ones(4);
            k[2] = cdouble(0.0, a); // |k_2| = a exactly
            if (a >= 1e-3 && a <= 1e3) {
                est.set_kappa(k);
                CPPUNIT_ASSERT(est.kappa() == k);
            } else {
                CPPUNIT_ASSERT_THROW(est.set_kappa(k), param_error);
            }
            // the bound is on |kappa_n / kappa_0|: a common factor (an
            // un-normalised calibration, 2e3) changes nothing
            if (a >= 1e-3 && a <= 1e3) {
                est.set_kappa(2e3 * k);
                CPPUNIT_ASSERT(est.kappa() == 2e3 * k);
            } else {
                CPPUNIT_ASSERT_THROW(est.set_kappa(2e3 * k), param_error);
            }
        }
        cvec k0 = cvec::Ones(4);
        k0[0] = 0.0; // kappa_0 = 0: no ratio
        CPPUNIT_ASSERT_THROW(est.set_kappa(k0), param_error);
        CPPUNIT_ASSERT_THROW(est.set_kappa(cvec::Constant(4, 1e16)), param_error);
    }
    // tdd_csi_estimator without noise: slots cut anywhere by the stream's
    // blocks give the exact downlink kappa_n h_n,u (kappa from the reference
    // row t_n c_n r_ref), a slot entered midway or with a NaN is dropped
    void test_tdd_slots()
    {
        const int nt = 5, nu = 3, L = 8;
        const uint64_t P = 40, off = 13;
        gaussian_rng g(77);
        const cvec t = cn_vec(g, nt), r = cn_vec(g, nt), tu = cn_vec(g, nu),
                   ru = cn_vec(g, nu);
        cmat C(nu, nt); // reciprocal air
        for (int u = 0; u < nu; ++u)
            C.row(u) = cn_vec(g, nt).transpose();
        tdd_csi_params p;
        p.n_tx = nt;
        p.n_users = nu;
        p.uplink_len = L;
        p.uplink_period = P;
        p.uplink_offset = off;
        p.pilot_seed = 9;
        p.ref_user = 1;
        const cmatf Pm = orthogonal_pilots(nu, L, 9);
        const long n = long(off + 5 * P);
        std::vector<std::vector<cfloat>> x(nt, std::vector<cfloat>(n, cfloat(0, 0)));
        for (long i = 0; i < n; ++i) {
            if (uint64_t(i) < off || (uint64_t(i) - off) % P >= uint64_t(L))
                continue;
            const long k = long((uint64_t(i) - off) % P);
            for (int a = 0; a < nt; ++a) {
                cdouble v = 0;
                for (int u = 0; u < nu; ++u)
                    v += r[a] * C(u, a) * tu[u] * cdouble(Pm(u, k));
                x[a][i] = cfloat(v);
            }
        }
        x[2][off + 3 * P + 4] = cfloat(NAN, 0); // slot 3
        for (int split : { 0, 1, 7 }) {
            tdd_csi_estimator est(p);
            est.add_reference_row(
                (C.row(1).transpose().array() * t.array()).matrix() * ru[1], 0.0);
            long pos = split == 0 ? 0 : 2 * long(P) + long(off) + 3; // midway in slot 2
            std::vector<const cfloat*> in(nt);
            while (pos < n) {
                const long m = split == 0 ? n : std::min<long>(split, n - pos);
                for (int a = 0; a < nt; ++a)
                    in[a] = x[a].data() + pos;
                est.process(in.data(), m, uint64_t(pos));
                pos += m;
            }
            CPPUNIT_ASSERT_EQUAL(uint64_t(split == 0 ? 4 : 1), est.slots());
            CPPUNIT_ASSERT_EQUAL(uint64_t(split == 0 ? 1 : 2), est.bad_slots());
            CPPUNIT_ASSERT(est.ready());
            const cmat D = est.downlink();
            for (int u = 0; u < nu; ++u) {
                cvec d = (C.row(u).transpose().array() * t.array()).matrix();
                d *= ru[1] * tu[u] / tu[1]; // TDD's scale: the reference's
                d *= std::conj(d[0]) / std::abs(d[0]);
                CPPUNIT_ASSERT((D.row(u).transpose() - d).norm() < 1e-5 * d.norm());
            }
        }
    }
};


CPPUNIT_TEST_SUITE_REGISTRATION(qa_csi_estimation);
