/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The radar objective of the CI precoder's MM loop (ci_solver.h): the
 * Theorem-1 QSCNR (spec 3.2) and its MM surrogate (spec 3.3).
 */
#include <gnuradio/isac/core/ci_solver.h>
#include <Eigen/Eigenvalues>

namespace gr {
namespace isac {
namespace core {

double ci_radar_objective::value(const cvec& x) const
{
    const cvec c = steering().transpose() * x;
    std::vector<cdouble> ws(workspace_size());
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
    // QSCNR = mu |c_0|^2 g_R0^H M^{-1} g_R0 (Woodbury, spec 3.2), as radar_scene
    const double c0 = std::abs(c[0]);
    if (!(c0 > 0.0))
        return 0.0;
    const int Q = d_scene.n_clutter();
    return d_mu * c0 * c0 * d_scene.solve_into(c, d_adc, ws, ws + Q, ws + 2 * Q);
}

ci_surrogate ci_qscnr_objective::surrogate(const cvec& x) const
{
    const int Q = d_scene.n_clutter();
    const cvec c = d_scene.couplings(x);
    const radar_solution sol = d_scene.solve(c, d_adc);
    ci_surrogate s;
    s.metric = sol.metric;
    const double c0 = std::abs(c[0]);
    rvec d(Q);
    for (int q = 0; q < Q; ++q)
        d[q] = d_scene.weight(d_adc, q + 1) * std::norm(sol.gq_minv_g0[q]) * c0 * c0;
    // l_max = lambda_max(D^1/2 B^H B D^1/2), a Q x Q problem
    double lmax = 0.0;
    if (Q == 1) {
        lmax = d[0] * d_KT(0, 0).real();
    } else if (Q > 1) {
        const rvec dh = d.cwiseSqrt();
        const cmat S = dh.asDiagonal() * d_KT * dh.asDiagonal();
        if (Q == 2) {
            // closed form for the 2x2 Hermitian case (the default scene)
            const double a = S(0, 0).real(), b = S(1, 1).real();
            lmax =
                0.5 * (a + b) + std::sqrt(0.25 * (a - b) * (a - b) + std::norm(S(0, 1)));
        } else {
            Eigen::SelfAdjointEigenSolver<cmat> es(S, Eigen::EigenvaluesOnly);
            lmax = es.eigenvalues().maxCoeff();
        }
    }
    // w_t = 2 mu [ g_T0^* gmg c_0 - sum_q d_q g_Tq^* c_q + l_max x_t ]   (spec 3.3)
    const cmat& gt = d_scene.gt();
    cvec w = (sol.gmg * c[0]) * gt.col(0).conjugate() + lmax * x;
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
    s.w = to_real(w);
    return s;
}

} // namespace core
} // namespace isac
} // namespace gr
