/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The radar objectives of the CI precoder's MM loop (ci_solver.h): the
 * Theorem-1 QSCNR (1-bit ISAC paper eq. (17)) with its MM surrogate (1-bit ISAC paper eq.
 * (28)-(31)), and the exact (arcsine-law) deflection with its linearisation.
 */
#include "ci_scratch.h"
#include <gnuradio/isac/core/ci_solver.h>
#include <Eigen/Eigenvalues>

namespace gr {
namespace isac {
namespace core {

namespace {
// lambda_max(D^1/2 KT D^1/2), D = diag(d) >= 0: the largest eigenvalue of
// sum_q d_q g_Tq^* g_Tq^T (N_T x N_T) as a Q x Q problem
// (the arrays: per-thread, sized on use)
struct lmax_work {
    rvec dh;
    cmat S;
    Eigen::SelfAdjointEigenSolver<cmat> es;
};

double clutter_lmax(const rvec& d, const cmat& KT)
{
    const Eigen::Index Q = d.size();
    if (Q == 0)
        return 0.0;
    if (Q == 1)
        return d[0] * KT(0, 0).real();
    scratch<lmax_work> lease;
    lmax_work& w = *lease;
    w.dh = d.cwiseSqrt();
    w.S.noalias() = w.dh.asDiagonal() * KT * w.dh.asDiagonal();
    const cmat& S = w.S;
    if (Q == 2) {
        // closed form for the 2x2 Hermitian case (the default scene)
        const double a = S(0, 0).real(), b = S(1, 1).real();
        return 0.5 * (a + b) + std::sqrt(0.25 * (a - b) * (a - b) + std::norm(S(0, 1)));
    }
    w.es.compute(S, Eigen::EigenvaluesOnly);
    return w.es.eigenvalues().maxCoeff();
}
} // namespace

double ci_radar_objective::value(const cvec& x) const
{
    // per-thread buffers: the MM loop evaluates every iterate
    thread_local cvec c;
    thread_local std::vector<cdouble> ws;
    c.noalias() = steering().transpose() * x;
    ws.resize(workspace_size());
    return value_of(c.data(), ws.data());
}

ci_qscnr_objective::ci_qscnr_objective(const radar_scene& scene,
                                       adc_model adc,
                                       double power)
    : d_scene(scene), d_adc(adc), d_power(power), d_mu(scene.mu(adc))
{
    const int Q = scene.n_clutter();
    const cmat gtc = scene.gt().rightCols(Q);
    d_KT = (gtc.adjoint() * gtc).conjugate();
}

std::size_t ci_qscnr_objective::workspace_size() const
{
    return 2 * std::size_t(d_scene.n_clutter()) + d_scene.workspace_size();
}

double ci_qscnr_objective::value_of(const cdouble* c, cdouble* ws) const
{
    // QSCNR = mu |c_0|^2 g_R0^H M^{-1} g_R0 (Woodbury, 1-bit ISAC paper eq. (17)), as
    // radar_scene
    const double c0 = std::abs(c[0]);
    if (!(c0 > 0.0))
        return 0.0;
    const int Q = d_scene.n_clutter();
    return d_mu * c0 * c0 * d_scene.solve_into(c, d_adc, ws, ws + Q, ws + 2 * Q);
}

ci_surrogate ci_qscnr_objective::surrogate(const cvec& x) const
{
    ci_surrogate s;
    surrogate_into(x, s);
    return s;
}

void ci_qscnr_objective::surrogate_into(const cvec& x, ci_surrogate& s) const
{
    const int Q = d_scene.n_clutter();
    struct work {
        cvec c, w;
        radar_solution sol;
        rvec d;
    };
    scratch<work> lease;
    cvec& c = lease->c;
    c.noalias() = d_scene.gt().transpose() * x; // couplings(x)
    radar_solution& sol = lease->sol;
    d_scene.solution_into(c, d_adc, sol);
    s.metric = sol.metric;
    const double c0 = std::abs(c[0]);
    rvec& d = lease->d;
    d.resize(Q);
    for (int q = 0; q < Q; ++q)
        d[q] = d_scene.weight(d_adc, q + 1) * std::norm(sol.gq_minv_g0[q]) * c0 * c0;
    const double lmax = clutter_lmax(d, d_KT);
    // w_t = 2 mu [ g_T0^* gmg c_0 - sum_q d_q g_Tq^* c_q + l_max x_t ]   (1-bit ISAC
    // paper eq. (28)-(31))
    const cmat& gt = d_scene.gt();
    cvec& w = lease->w;
    w = (sol.gmg * c[0]) * gt.col(0).conjugate() + lmax * x;
    double xMx = 0.0;
    for (int q = 0; q < Q; ++q) {
        w -= (d[q] * c[q + 1]) * gt.col(q + 1).conjugate();
        xMx += d[q] * std::norm(c[q + 1]);
    }
    w *= 2.0 * d_mu;
    // const_1 = -mu ||M^{-1} g_R0||^2 |c_0|^2; ||M^{-1} g_R0||^2 = ||u||^2 |c_0|^2 gmg^2
    double const1 = 0.0;
    if (!sol.degenerate)
        const1 = -d_mu * d_scene.filter_norm2(sol) * std::pow(c0, 4) * sol.gmg * sol.gmg;
    s.const2 = const1 - d_mu * lmax * d_power + d_mu * (xMx - lmax * x.squaredNorm());
    s.w.resize(2 * w.size()); // to_real(w)
    s.w.head(w.size()) = w.real();
    s.w.tail(w.size()) = w.imag();
}

ci_exact_objective::ci_exact_objective(const radar_scene& scene,
                                       adc_model adc,
                                       double power)
    : d_scene(scene), d_adc(adc), d_power(power), d_st(scene)
{
    const int Q = scene.n_clutter();
    const cmat gtc = scene.gt().rightCols(Q);
    d_KT = (gtc.adjoint() * gtc).conjugate();
}

double ci_exact_objective::value_of(const cdouble* c, cdouble*) const
{
    const cvec cc = Eigen::Map<const cvec>(c, d_scene.n_clutter() + 1);
    return exact_deflection(d_scene, d_st, cc, d_adc);
}

/*
 * D depends on x through the patch powers |c_q|^2. Linearised in them,
 *   D ~ D_t + sum_q a_q (|c_q|^2 - |c_q,t|^2),  a_q = dD/d|c_q|^2,
 * is a quadratic in x with a convex part (a_q > 0: the target) and a concave part
 * -x^H B x, B = sum_{a_q < 0} |a_q| g_Tq^* g_Tq^T (the clutter D pays for). The
 * Theorem-1 surrogate's construction then gives a minorizer of that model: the
 * tangent of the convex part and -x^H B x >= -l ||x - x_t||^2 - x_t^H B x_t - 2 Re(...)
 * with l = lambda_max(B) (a Q x Q eigenproblem), i.e.
 *   s(y) = D_t + 2 Re(grad^H (y - x_t)) - l ||y - x_t||^2,  grad = dD/dx^*,
 * which on ||y||^2 = E is wtilde^T ytilde + const2 with w = 2 (grad + l x_t). It
 * agrees with D to first order at x_t; the l term keeps a step near x_t where the
 * linearisation in p holds.
 */
ci_surrogate ci_exact_objective::surrogate(const cvec& x) const
{
    const int Q = d_scene.n_clutter();
    const cvec c = d_scene.couplings(x);
    rvec a;
    ci_surrogate s;
    s.metric = exact_deflection(d_scene, d_st, c, d_adc, &a);
    const cmat& gt = d_scene.gt();
    const cvec grad = gt.conjugate() * (a.cast<cdouble>().cwiseProduct(c));
    rvec neg(Q);
    for (int q = 0; q < Q; ++q)
        neg[q] = std::max(0.0, -a[q + 1]);
    const double l = clutter_lmax(neg, d_KT);
    const cvec w = 2.0 * (grad + l * x);
    s.w = to_real(w);
    s.const2 = s.metric - 2.0 * std::real(grad.dot(x)) - l * (d_power + x.squaredNorm());
    return s;
}

} // namespace core
} // namespace isac
} // namespace gr
