/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CRBs of the bistatic CRB and massive-MIMO ISAC papers against the MathWorks crlb test
 * vector, the papers' closed forms, and Fisher information matrices built by finite
 * differences of the model's mean and covariance (independent of the analytic
 * derivatives).
 */
#include <gnuradio/isac/core/crb.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <functional>
#include <iostream>
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

// Angles drawn away from the symmetric points that hid the UPA typo: never
// within 4 deg of 0, +-45 or +-90 deg.
double draw_angle(std::mt19937& rng, double lo_deg, double hi_deg)
{
    std::uniform_real_distribution<double> u(lo_deg, hi_deg);
    for (;;) {
        const double d = u(rng);
        const double a = std::abs(d);
        if (a > 4.0 && std::abs(a - 45.0) > 4.0 && a < 86.0)
            return deg2rad(d);
    }
}

double log_uniform(std::mt19937& rng, double lo, double hi)
{
    std::uniform_real_distribution<double> u(std::log(lo), std::log(hi));
    return std::exp(u(rng));
}

// Any sign and phase reference (the bounds must not depend on them); unit-norm
// vectors only where the closed form takes b explicitly.
array_convention random_convention(std::mt19937& rng, bool allow_normalized = true)
{
    std::uniform_int_distribution<int> coin(0, 1);
    array_convention c;
    c.sign = coin(rng) ? 1 : -1;
    c.ref = coin(rng) ? phase_ref::center : phase_ref::first;
    c.normalize = allow_normalized && coin(rng);
    return c;
}

// Transmit block X (n x L, L >= n) with (1/L) X X^H = R exactly: R^{1/2} times
// orthonormal DFT rows.
cmat block_with_covariance(const cmat& R, int L)
{
    Eigen::SelfAdjointEigenSolver<cmat> es(R);
    const rmat w = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
    const cmat Rh = es.eigenvectors() * w.asDiagonal() * es.eigenvectors().adjoint();
    cmat Q(R.rows(), L);
    for (int i = 0; i < R.rows(); ++i)
        for (int t = 0; t < L; ++t)
            Q(i, t) = std::polar(1.0, -2.0 * pi * i * t / L);
    return Rh * Q; // Q Q^H = L I
}

// FIM of the deterministic model Y = alpha G(omega) X + N, N ~ CN(0, s2 I),
// over (omega_1..omega_K, Re alpha, Im alpha), written from the mean alone:
// F_ij = (2/s2) Re tr(dM_i^H dM_j), with dM/domega by central differences of
// G (independent of monostatic_fim and of the analytic steering derivatives).
rmat fd_mean_fim(const std::function<cmat(const std::vector<double>&)>& G,
                 const std::vector<double>& om,
                 const cmat& X,
                 cdouble alpha,
                 double s2)
{
    const int K = static_cast<int>(om.size());
    const double h = 1e-6;
    std::vector<cmat> dM;
    for (int k = 0; k < K; ++k) {
        auto p = om, m = om;
        p[k] += h;
        m[k] -= h;
        dM.push_back(alpha * (G(p) - G(m)) * X / (2 * h));
    }
    const cmat M0 = G(om) * X;
    dM.push_back(M0);
    dM.push_back(cdouble(0.0, 1.0) * M0);
    rmat F(K + 2, K + 2);
    for (int i = 0; i < K + 2; ++i)
        for (int j = 0; j < K + 2; ++j)
            F(i, j) = 2.0 / s2 * std::real((dM[i].adjoint() * dM[j]).trace());
    return F;
}

double rel(double a, double ref) { return std::abs(a - ref) / std::abs(ref); }
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
    CPPUNIT_TEST(test_random_draws_bistatic);
    CPPUNIT_TEST(test_random_draws_monostatic);
    CPPUNIT_TEST(test_random_draws_upa);
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
        const auto c4 = array_convention::midpoint_positive();
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
        for (auto c : { array_convention::midpoint_positive(),
                        first_plus(),
                        array_convention::first_element_unit_norm() }) {
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
        // bistatic CRB paper eq. (23) with ||bdot||^2 = (pi cos)^2 N (N^2-1)/12 (bistatic
        // CRB paper b)
        const int n = 16, L = 64;
        const double th = deg2rad(30.0), ba = 0.1, p = 3.0, s2 = 0.5;
        const auto c = array_convention::midpoint_positive();
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
        for (auto c : { array_convention::midpoint_positive(), first_plus() }) {
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
        const auto c = array_convention::midpoint_positive();
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
        for (auto c : { array_convention::first_element_unit_norm(),
                        array_convention::midpoint_positive() }) {
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
        // massive-MIMO ISAC paper Fig. 2: a beam misaligned by eps degrades the CRLB,
        // slowly
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

    // Every closed form at >= 20 random draws against a FIM whose derivatives
    // are finite differences of the model itself (random conventions, sizes,
    // powers; angles away from 0 and +-45 deg). Max relative errors printed.
    void test_random_draws_bistatic()
    {
        std::mt19937 rng(20260521);
        double e_d = 0, e_g = 0, e_m = 0, e_f = 0;
        for (int draw = 0; draw < 24; ++draw) {
            const auto c = random_convention(rng);
            const int n = std::uniform_int_distribution<int>(3, 20)(rng);
            const double th = draw_angle(rng, -80.0, 80.0);
            const double ba = log_uniform(rng, 0.05, 3.0),
                         s2 = log_uniform(rng, 0.1, 10.0);
            const double pD = log_uniform(rng, 0.01, 10.0),
                         pG = log_uniform(rng, 0.01, 10.0);
            const int L = std::uniform_int_distribution<int>(1, 64)(rng);
            const cvec b = ula_steering(n, th, c), bd = ula_steering_derivative(n, th, c);
            const double rd = crb_from_fim(fd_bistatic_fim(n, th, ba, pD, 0.0, L, s2, c));
            const double rg = crb_from_fim(fd_bistatic_fim(n, th, ba, 0.0, pG, L, s2, c));
            const double rm = crb_from_fim(fd_bistatic_fim(n, th, ba, pD, pG, L, s2, c));
            e_d = std::max(e_d, rel(crb_deterministic(b, bd, ba, pD, L, s2), rd));
            e_g = std::max(e_g, rel(crb_gaussian(b, bd, ba, pG, L, s2), rg));
            e_m = std::max(e_m, rel(crb_mixed(b, bd, ba, pD, pG, L, s2), rm));
            const rmat F = bistatic_fim(b, bd, ba, pD, pG, L, s2);
            const rmat Ff = fd_bistatic_fim(n, th, ba, pD, pG, L, s2, c);
            e_f = std::max(e_f, (F - Ff).norm() / Ff.norm());
        }
        std::cout << "\n[crb random draws] bistatic max rel. error: CRB_D " << e_d
                  << ", CRB_G " << e_g << ", CRB_mix " << e_m << ", bistatic_fim " << e_f
                  << std::endl;
        CPPUNIT_ASSERT(e_d < 1e-6 && e_g < 1e-6 && e_m < 1e-6 && e_f < 1e-6);
    }

    void test_random_draws_monostatic()
    {
        std::mt19937 rng(7041);
        double e_c = 0, e_f = 0;
        for (int draw = 0; draw < 24; ++draw) {
            const auto c = random_convention(rng);
            const int nt = std::uniform_int_distribution<int>(2, 10)(rng);
            const int nr = std::uniform_int_distribution<int>(2, 10)(rng);
            const int L = nt + std::uniform_int_distribution<int>(0, 20)(rng);
            const double th = draw_angle(rng, -80.0, 80.0),
                         s2 = log_uniform(rng, 0.1, 5.0);
            const cdouble alpha = std::polar(log_uniform(rng, 0.1, 2.0), 0.37 * draw);
            const cmat Rx = random_psd(nt, rng);
            auto G = [&](const std::vector<double>& om) {
                return cmat(ula_steering(nr, om[0], c) *
                            ula_steering(nt, om[0], c).adjoint());
            };
            const rmat Ff =
                fd_mean_fim(G, { th }, block_with_covariance(Rx, L), alpha, s2);
            const double ref = crb_from_fim(Ff);
            const double cf = crb_monostatic(ula_steering(nr, th, c),
                                             ula_steering_derivative(nr, th, c),
                                             ula_steering(nt, th, c),
                                             ula_steering_derivative(nt, th, c),
                                             Rx,
                                             std::abs(alpha),
                                             L,
                                             s2);
            e_c = std::max(e_c, rel(cf, ref));
            const cmat Gd =
                ula_steering_derivative(nr, th, c) * ula_steering(nt, th, c).adjoint() +
                ula_steering(nr, th, c) * ula_steering_derivative(nt, th, c).adjoint();
            const rmat F = monostatic_fim(G({ th }), { Gd }, Rx, alpha, L, s2);
            e_f = std::max(e_f, (F - Ff).norm() / Ff.norm());
        }
        std::cout << "\n[crb random draws] monostatic max rel. error: crb_monostatic "
                  << e_c << ", monostatic_fim " << e_f << std::endl;
        CPPUNIT_ASSERT(e_c < 1e-6 && e_f < 1e-6);
    }

    void test_random_draws_upa()
    {
        // crb_upa (Remark 3 closed form, corrected eq. 49/51) and crb_upa_exact
        // against the finite-difference FIM over (theta, phi, Re alpha, Im alpha).
        // The closed form takes no vectors: any sign/reference must give it.
        // crb_upa_exact reads R_x in the basis of the default UPA convention, so
        // its references are built with upa_steering's default.
        std::mt19937 rng(4501);
        std::uniform_int_distribution<int> side(2, 6);
        double e_t = 0, e_p = 0, e_xt = 0, e_xp = 0, e_rt = 0, e_rp = 0;
        for (int draw = 0; draw < 24; ++draw) {
            const auto c = random_convention(rng, false); // Remark 3: ||a||^2 = N_t
            const int th_ = side(rng), tv = side(rng), rh = side(rng), rv = side(rng);
            const int nt = th_ * tv;
            const double th = draw_angle(rng, -80.0, 80.0),
                         ph = draw_angle(rng, -85.0, 85.0);
            const double xi = log_uniform(rng, 0.01, 2.0);
            const double rho = draw % 5 == 0 ? 0.0 : log_uniform(rng, 0.01, 2.0);
            const double s2 = log_uniform(rng, 0.1, 5.0);
            const int L = nt + std::uniform_int_distribution<int>(0, 10)(rng);
            const cdouble alpha = std::polar(log_uniform(rng, 0.1, 2.0), -0.61 * draw);
            auto fd_crb = [&](const cmat& R, bool default_conv) {
                auto G = [&](const std::vector<double>& om) {
                    return default_conv
                               ? cmat(upa_steering(rh, rv, om[0], om[1]) *
                                      upa_steering(th_, tv, om[0], om[1]).adjoint())
                               : cmat(upa_steering(rh, rv, om[0], om[1], c) *
                                      upa_steering(th_, tv, om[0], om[1], c).adjoint());
                };
                const rmat Fi =
                    fd_mean_fim(G, { th, ph }, block_with_covariance(R, L), alpha, s2)
                        .inverse();
                return std::make_pair(Fi(0, 0), Fi(1, 1));
            };
            auto beam_cov = [&](const cvec& a) {
                return cmat(xi * cmat::Identity(nt, nt) + rho * a * a.adjoint());
            };
            const auto ref = fd_crb(beam_cov(upa_steering(th_, tv, th, ph, c)), false);
            const auto cf =
                crb_upa(th_, tv, rh, rv, th, ph, xi, rho, std::abs(alpha), L, s2);
            e_t = std::max(e_t, rel(cf.first, ref.first));
            e_p = std::max(e_p, rel(cf.second, ref.second));
            const cmat R = beam_cov(upa_steering(th_, tv, th, ph));
            const auto ref_d = fd_crb(R, true);
            const auto ex =
                crb_upa_exact(th_, tv, rh, rv, th, ph, R, std::abs(alpha), L, s2);
            e_xt = std::max(e_xt, rel(ex.first, ref_d.first));
            e_xp = std::max(e_xp, rel(ex.second, ref_d.second));
            // any covariance (a misaligned beam plus a random part)
            const cvec v = upa_steering(th_, tv, th + 0.05, ph - 0.03);
            const cmat Rm = random_psd(nt, rng) + rho * v * v.adjoint();
            const auto ref_m = fd_crb(Rm, true);
            const auto em =
                crb_upa_exact(th_, tv, rh, rv, th, ph, Rm, std::abs(alpha), L, s2);
            e_rt = std::max(e_rt, rel(em.first, ref_m.first));
            e_rp = std::max(e_rp, rel(em.second, ref_m.second));
        }
        std::cout << "\n[crb random draws] UPA max rel. error: crb_upa theta " << e_t
                  << " phi " << e_p << "; crb_upa_exact (xi I + rho a a^H) " << e_xt
                  << " / " << e_xp << "; crb_upa_exact (random R_x) " << e_rt << " / "
                  << e_rp << std::endl;
        CPPUNIT_ASSERT(e_t < 1e-6 && e_p < 1e-6 && e_xt < 1e-6 && e_xp < 1e-6);
        CPPUNIT_ASSERT(e_rt < 1e-6 && e_rp < 1e-6);
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
