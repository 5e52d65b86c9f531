/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CRBs (spec 6.4) against the MathWorks crlb test vector, the spec's closed
 * forms, and Fisher information matrices built by finite differences of the
 * model's mean and covariance (independent of the analytic derivatives).
 */
#include <gnuradio/isac/core/crb.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <random>

using namespace gr::isac::core;

namespace {
array_convention first_plus() { return array_convention{ 0.5, +1, phase_ref::first, false }; }

// Slepian-Bangs FIM of y_t ~ CN(mu(eta) c_t, R(eta)) with derivatives of mu and R
// taken by central differences of the model itself (bistatic, params theta,
// |beta|, arg beta).
rmat fd_bistatic_fim(int n, double th, double ba, double pD, double pG, int L, double s2,
                     const array_convention& c)
{
    auto mu = [&](const Eigen::Vector3d& e) {
        return cvec(std::polar(e[1], e[2]) * ula_steering(n, e[0], c));
    };
    auto R = [&](const Eigen::Vector3d& e) {
        const cvec b = ula_steering(n, e[0], c);
        return cmat(e[1] * e[1] * pG * b * b.adjoint() + s2 * cmat::Identity(n, n));
    };
    const Eigen::Vector3d e0(th, ba, 0.3);
    const int np = pD > 0 ? 3 : 2;
    const double h = 1e-6;
    std::vector<cvec> dmu(np);
    std::vector<cmat> dR(np);
    for (int i = 0; i < np; ++i) {
        Eigen::Vector3d ep = e0, em = e0;
        ep[i] += h;
        em[i] -= h;
        dmu[i] = (mu(ep) - mu(em)) / (2 * h);
        dR[i] = (R(ep) - R(em)) / (2 * h);
    }
    const cmat Ri = R(e0).inverse();
    rmat F(np, np);
    for (int i = 0; i < np; ++i)
        for (int j = 0; j < np; ++j)
            F(i, j) = 2.0 * L * pD * std::real(dmu[i].dot(Ri * dmu[j])) +
                      L * std::real((Ri * dR[i] * Ri * dR[j]).trace());
    return F;
}

cmat random_psd(int n, std::mt19937& rng)
{
    std::normal_distribution<double> nd;
    cmat A(n, n + 2);
    for (int i = 0; i < A.rows(); ++i)
        for (int j = 0; j < A.cols(); ++j)
            A(i, j) = cdouble(nd(rng), nd(rng));
    return A * A.adjoint() / double(n);
}
} // namespace

class qa_crb : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_crb);
    CPPUNIT_TEST(test_mathworks_vector);
    CPPUNIT_TEST(test_closed_forms_match_exact_fim);
    CPPUNIT_TEST(test_exact_fim_matches_finite_differences);
    CPPUNIT_TEST(test_ordering_and_scaling);
    CPPUNIT_TEST(test_monostatic);
    CPPUNIT_TEST(test_upa_closed_form);
    CPPUNIT_TEST(test_bad_input);
    CPPUNIT_TEST_SUITE_END();

public:
    void test_mathworks_vector()
    {
        // MathWorks crlb example: 5-element ULA, positions (0:4)/2 wavelengths
        // from the first element, s = exp(+j 2 pi p sin theta), theta = 45 deg,
        // one snapshot, unit known signal, ncov = sigma^2 = 0.1^2 total complex
        // noise power. FIM = (2/ncov) ||ds/dtheta||^2 (theta in degrees).
        const double th = deg2rad(45.0), ncov = 0.01;
        const cvec b = ula_steering(5, th, first_plus());
        const cvec bd = ula_steering_derivative(5, th, first_plus());
        const double deg2 = std::pow(180.0 / pi, 2);
        const double known = crb_deterministic(b, bd, 1.0, 1.0, 1, ncov, true) * deg2;
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.1109, known, 5e-5);
        // the same number from the example's own expression: sum p^2 = 7.5
        const double k = 2 * pi * std::cos(th) * pi / 180.0;
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0 / ((2.0 / ncov) * k * k * 7.5), known, 1e-12);
        // unknown complex gain: sum (p - mean p)^2 = 2.5 -> 0.3326 deg^2, and
        // any phase reference gives the same value
        const double unk = crb_deterministic(b, bd, 1.0, 1.0, 1, ncov, false) * deg2;
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.3326, unk, 5e-5);
        const auto c4 = array_convention::seed004();
        const double unk_mid = crb_deterministic(ula_steering(5, th, c4),
                                                 ula_steering_derivative(5, th, c4),
                                                 1.0, 1.0, 1, ncov) * deg2;
        CPPUNIT_ASSERT_DOUBLES_EQUAL(unk, unk_mid, 1e-12);
        // ...and the exact FIM with (theta, |beta|, arg beta) unknown agrees
        const double fim = crb_from_fim(bistatic_fim(b, bd, 1.0, 1.0, 0.0, 1, ncov)) * deg2;
        CPPUNIT_ASSERT_DOUBLES_EQUAL(unk, fim, 1e-9 * unk);
    }

    void test_closed_forms_match_exact_fim()
    {
        for (auto c : { array_convention::seed004(), first_plus(), array_convention::seed000() }) {
            for (int n : { 4, 16 }) {
                const double th = deg2rad(-23.0);
                const cvec b = ula_steering(n, th, c), bd = ula_steering_derivative(n, th, c);
                const double ba = 0.7, s2 = 0.3, pD = 2.0, pG = 5.0;
                const int L = 32;
                const double d = crb_deterministic(b, bd, ba, pD, L, s2);
                const double g = crb_gaussian(b, bd, ba, pG, L, s2);
                const double m = crb_mixed(b, bd, ba, pD, pG, L, s2);
                CPPUNIT_ASSERT_DOUBLES_EQUAL(d, crb_from_fim(bistatic_fim(b, bd, ba, pD, 0, L, s2)), 1e-9 * d);
                CPPUNIT_ASSERT_DOUBLES_EQUAL(g, crb_from_fim(bistatic_fim(b, bd, ba, 0, pG, L, s2)), 1e-9 * g);
                CPPUNIT_ASSERT_DOUBLES_EQUAL(m, crb_from_fim(bistatic_fim(b, bd, ba, pD, pG, L, s2)), 1e-9 * m);
            }
        }
        // spec 6.4(a) with ||bdot||^2 = (pi cos)^2 N (N^2-1)/12 (seed-004 b)
        const int n = 16, L = 64;
        const double th = deg2rad(30.0), ba = 0.1, p = 3.0, s2 = 0.5;
        const auto c = array_convention::seed004();
        const double bd2 = std::pow(pi * std::cos(th), 2) * n * (n * n - 1) / 12.0;
        const double ref = s2 / (2.0 * L * ba * ba * p * bd2);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(
            ref, crb_deterministic(ula_steering(n, th, c), ula_steering_derivative(n, th, c), ba, p, L, s2),
            1e-9 * ref);
        // 6.4(b): CRB_G = CRB_D (1 + 1/gamma_s), gamma_s = |beta|^2 N p/s2
        const double gs = ba * ba * n * p / s2;
        CPPUNIT_ASSERT_DOUBLES_EQUAL(
            ref * (1 + 1 / gs),
            crb_gaussian(ula_steering(n, th, c), ula_steering_derivative(n, th, c), ba, p, L, s2),
            1e-9 * ref);
    }

    void test_exact_fim_matches_finite_differences()
    {
        for (auto c : { array_convention::seed004(), first_plus() }) {
            const int n = 8, L = 10;
            const double th = deg2rad(12.0), ba = 0.9, s2 = 0.4;
            const cvec b = ula_steering(n, th, c), bd = ula_steering_derivative(n, th, c);
            for (auto pp : { std::pair<double, double>{ 1.5, 0.0 },
                             std::pair<double, double>{ 0.0, 2.5 },
                             std::pair<double, double>{ 1.5, 2.5 } }) {
                const rmat F = bistatic_fim(b, bd, ba, pp.first, pp.second, L, s2);
                const rmat Ffd = fd_bistatic_fim(n, th, ba, pp.first, pp.second, L, s2, c);
                CPPUNIT_ASSERT_EQUAL(Ffd.rows(), F.rows());
                CPPUNIT_ASSERT((F - Ffd).norm() < 1e-6 * F.norm());
            }
        }
    }

    void test_ordering_and_scaling()
    {
        const auto c = array_convention::seed004();
        const int n = 16, L = 64;
        const double th = deg2rad(40.0), s2 = 1.0, P = 4.0;
        const cvec b = ula_steering(n, th, c), bd = ula_steering_derivative(n, th, c);
        for (double ba : { 1e-3, 0.03, 1.0 }) {
            for (double f : { 0.1, 0.5, 0.9 }) {
                const double d = crb_deterministic(b, bd, ba, P, L, s2);
                const double m = crb_mixed(b, bd, ba, f * P, (1 - f) * P, L, s2);
                const double g = crb_gaussian(b, bd, ba, P, L, s2);
                CPPUNIT_ASSERT(d <= m * (1 + 1e-12));
                CPPUNIT_ASSERT(m <= g * (1 + 1e-12));
            }
        }
        // Remark 3: +10 dB power -> -20 dB CRB_G at low SNR, -10 dB at high SNR;
        // CRB_D always -10 dB.
        auto slope = [&](double ba, bool gauss) {
            const double a = gauss ? crb_gaussian(b, bd, ba, P, L, s2) : crb_deterministic(b, bd, ba, P, L, s2);
            const double z = gauss ? crb_gaussian(b, bd, ba, 10 * P, L, s2)
                                   : crb_deterministic(b, bd, ba, 10 * P, L, s2);
            return 10 * std::log10(z / a);
        };
        CPPUNIT_ASSERT_DOUBLES_EQUAL(-20.0, slope(1e-4, true), 0.01);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(-10.0, slope(10.0, true), 0.01);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(-10.0, slope(1e-4, false), 1e-9);
        // zero gain: no information, an infinite bound rather than an exception
        CPPUNIT_ASSERT(std::isinf(crb_deterministic(b, bd, 0.0, P, L, s2)));
    }

    void test_monostatic()
    {
        std::mt19937 rng(7);
        const int nt = 6, nr = 5, L = 20;
        const double th = deg2rad(25.0), s2 = 0.2;
        const cdouble alpha(0.3, -0.4);
        for (auto c : { array_convention::seed000(), array_convention::seed004() }) {
            const cmat Rx = random_psd(nt, rng);
            auto G = [&](double t) {
                return cmat(ula_steering(nr, t, c) * ula_steering(nt, t, c).adjoint());
            };
            const double h = 1e-6;
            const cmat Gd_fd = (G(th + h) - G(th - h)) / (2 * h);
            const rmat F = monostatic_fim(G(th), { Gd_fd }, Rx, alpha, L, s2);
            const double ref = crb_from_fim(F);
            const double cf = crb_monostatic(ula_steering(nr, th, c),
                                             ula_steering_derivative(nr, th, c),
                                             ula_steering(nt, th, c),
                                             ula_steering_derivative(nt, th, c),
                                             Rx, std::abs(alpha), L, s2);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(ref, cf, 1e-6 * ref);
        }
    }

    void test_upa_closed_form()
    {
        // Remark 3 closed form vs the exact FIM with (theta, phi, Re a, Im a)
        // unknown, UPA vectors and derivatives from steering.h.
        for (auto dims : { std::vector<int>{ 5, 5, 5, 5 }, std::vector<int>{ 4, 3, 5, 2 } }) {
            const int th_ = dims[0], tv = dims[1], rh = dims[2], rv = dims[3];
            const double th = pi / 8, ph = pi / 4, xi = 0.7, rho = 0.2, s2 = 1.0;
            const int L = 30;
            const cdouble alpha(0.6, 0.8);
            const cvec a = upa_steering(th_, tv, th, ph), b = upa_steering(rh, rv, th, ph);
            const cvec at = upa_steering_dtheta(th_, tv, th, ph), ap = upa_steering_dphi(th_, tv, th, ph);
            const cvec bt = upa_steering_dtheta(rh, rv, th, ph), bp = upa_steering_dphi(rh, rv, th, ph);
            const int nt = th_ * tv;
            const cmat R = xi * cmat::Identity(nt, nt) + rho * a * a.adjoint();
            const cmat G = b * a.adjoint();
            const cmat Gt = bt * a.adjoint() + b * at.adjoint();
            const cmat Gp = bp * a.adjoint() + b * ap.adjoint();
            const rmat Fi = monostatic_fim(G, { Gt, Gp }, R, alpha, L, s2).inverse();
            const auto cf = crb_upa(th_, tv, rh, rv, th, ph, xi, rho, std::abs(alpha), L, s2);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(Fi(0, 0), cf.first, 1e-8 * Fi(0, 0));
            CPPUNIT_ASSERT_DOUBLES_EQUAL(Fi(1, 1), cf.second, 1e-8 * Fi(1, 1));
            const auto ex = crb_upa_exact(th_, tv, rh, rv, th, ph, R, std::abs(alpha), L, s2);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(cf.first, ex.first, 1e-8 * cf.first);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(cf.second, ex.second, 1e-8 * cf.second);
        }
        // seed 001 Fig. 2: a beam misaligned by eps degrades the CRLB, slowly
        const double th = pi / 8, ph = pi / 4;
        const cvec a = upa_steering(5, 5, th, ph);
        double prev = 0.0;
        for (double eps_deg : { 0.0, 2.0, 5.0, 10.0 }) {
            const cvec v = upa_steering(5, 5, th + deg2rad(eps_deg), ph + deg2rad(eps_deg));
            const cmat R = 0.1 * cmat::Identity(25, 25) + 0.9 * v * v.adjoint();
            const double c = crb_upa_exact(5, 5, 5, 5, th, ph, R, 1.0, 30, 1.0).first;
            CPPUNIT_ASSERT(c >= prev * (1 - 1e-12));
            prev = c;
        }
        const cmat R0 = 0.1 * cmat::Identity(25, 25) + 0.9 * a * a.adjoint();
        const double c0 = crb_upa_exact(5, 5, 5, 5, th, ph, R0, 1.0, 30, 1.0).first;
        CPPUNIT_ASSERT(prev > c0 && prev < 100.0 * c0);
    }

    void test_bad_input()
    {
        const cvec b = cvec::Ones(4), bd = cvec::Ones(3);
        CPPUNIT_ASSERT_THROW(crb_deterministic(b, bd, 1, 1, 1, 1), param_error);
        CPPUNIT_ASSERT_THROW(crb_deterministic(b, b, 1, 1, 0, 1), param_error);
        CPPUNIT_ASSERT_THROW(crb_deterministic(b, b, 1, 1, 1, 0.0), param_error);
        CPPUNIT_ASSERT_THROW(crb_mixed(b, b, -1, 1, 1, 1, 1), param_error);
        CPPUNIT_ASSERT_THROW(bistatic_fim(b, b, 1, 0, 0, 1, 1), param_error);
        CPPUNIT_ASSERT_THROW(crb_from_fim(rmat::Zero(2, 2)), param_error);
        CPPUNIT_ASSERT_THROW(crb_upa(0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1), param_error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_crb);
