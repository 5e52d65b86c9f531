/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/radar_metrics.h>

namespace gr {
namespace isac {
namespace core {

adc_model parse_adc_model(const std::string& name, const std::string& value)
{
    if (value == "1bit")
        return adc_model::one_bit;
    if (value == "inf")
        return adc_model::ideal;
    throw_param(name, "'" + value + "'", "'1bit' or 'inf'");
}

radar_scene::radar_scene(int n_tx,
                         int n_rx,
                         double target_rad,
                         const std::vector<double>& clutter_rad,
                         double snr_r,
                         const std::vector<double>& cnr)
    : d_n_tx(n_tx), d_n_rx(n_rx), d_snr_r(snr_r), d_cnr(cnr)
{
    check_int_range("n_tx", n_tx, 1, max_antennas);
    check_int_range("n_rx", n_rx, 1, max_antennas);
    check_angle_deg("target_deg", rad2deg(target_rad));
    for (double c : clutter_rad)
        check_angle_deg("clutter_deg", rad2deg(c));
    check_positive_finite("snr_r (linear target SNR)", snr_r);
    if (cnr.size() != clutter_rad.size())
        throw_param("cnr_db",
                    list_str(cnr.size(), "value"),
                    "one value per clutter_deg entry (" +
                        std::to_string(clutter_rad.size()) + ")");
    for (double v : cnr)
        if (!(std::isfinite(v) && v >= 0.0))
            throw_param("cnr (linear)", std::to_string(v), "finite and >= 0");

    const auto conv = array_convention::first_element_unit_norm();
    std::vector<double> all{ target_rad };
    all.insert(all.end(), clutter_rad.begin(), clutter_rad.end());
    d_gt = ula_steering_matrix(n_tx, all, conv);
    d_gr = ula_steering_matrix(n_rx, all, conv);
    const int Q = n_clutter();
    const auto AR = d_gr.rightCols(Q);
    d_K = AR.adjoint() * AR;
    d_b = AR.adjoint() * d_gr.col(0);
}

double radar_scene::mu(adc_model m) const
{
    return m == adc_model::one_bit ? 2.0 / pi * d_snr_r : d_snr_r;
}

double radar_scene::weight(adc_model m, int q) const
{
    const double z = d_cnr.at(q - 1);
    return m == adc_model::one_bit ? 2.0 / pi * z : z;
}

cvec radar_scene::couplings(const cvec& x) const
{
    if (x.size() != d_n_tx)
        throw_param("x",
                    list_str(x.size(), "entry", "entries"),
                    std::to_string(d_n_tx) + " (n_tx)");
    // c_q = g_T^T x: a transpose, not an adjoint
    return d_gt.transpose() * x;
}

void radar_scene::check_solution(const radar_solution& s) const
{
    // A solution of another scene (other Q) would be read out of bounds by
    // the O(Q^2) formulas below.
    const long Q = n_clutter();
    if (s.c.size() != Q + 1 || (!s.degenerate && (s.y.size() != Q || s.gq_minv_g0.size() != Q)))
        throw_param("solution", std::to_string(s.c.size()) + " couplings",
                    "a solution of this scene (" + std::to_string(Q + 1) + " couplings)");
}

double radar_scene::solve_into(
    const cdouble* c, adc_model m, cdouble* y, cdouble* gq, cdouble* ws) const
{
    const int Q = n_clutter();
    if (Q == 0)
        return 1.0;
    // ws = [ L (Q x Q, column-major: unit lower LDL^H factor of S below the diagonal,
    //        (1/D_j, D_j) on it) | d (Q, real in .real()) ]
    // LDL^H rather than Cholesky: no square roots and one division per column, so
    // the dependent chain of a snapshot's solve is a third as long (a receive filter
    // solves once per snapshot)
    cdouble* L = ws;
    cdouble* d = ws + Q * Q;
    const double wscale = m == adc_model::one_bit ? 2.0 / pi : 1.0; // weight(m, q)
    for (int q = 0; q < Q; ++q)
        d[q] = std::sqrt(wscale * d_cnr[q] * std::norm(c[q + 1]));
    // S = I + D K D; only its lower triangle is read.
    for (int j = 0; j < Q; ++j)
        for (int i = j; i < Q; ++i)
            L[i + j * Q] = d[i].real() * d_K(i, j) * d[j].real() + (i == j ? 1.0 : 0.0);
    for (int j = 0; j < Q; ++j) {
        double dj = L[j + j * Q].real();
        for (int k = 0; k < j; ++k)
            dj -= std::norm(L[j + k * Q]) * L[k + k * Q].imag();
        const double inv = 1.0 / dj;
        L[j + j * Q] = cdouble(inv, dj);
        for (int i = j + 1; i < Q; ++i) {
            cdouble v = L[i + j * Q];
            for (int k = 0; k < j; ++k)
                v -= L[i + k * Q] * std::conj(L[j + k * Q]) * L[k + k * Q].imag();
            L[i + j * Q] = v * inv;
        }
    }
    // L D L^H t = D b, then y = D t (y is used as the scratch for t).
    for (int i = 0; i < Q; ++i) {
        cdouble v = d[i].real() * d_b[i];
        for (int k = 0; k < i; ++k)
            v -= L[i + k * Q] * y[k];
        y[i] = v;
    }
    for (int i = Q - 1; i >= 0; --i) {
        cdouble v = y[i] * L[i + i * Q].real();
        for (int k = i + 1; k < Q; ++k)
            v -= std::conj(L[k + i * Q]) * y[k];
        y[i] = v;
    }
    double bhy = 0.0;
    for (int i = 0; i < Q; ++i) {
        y[i] *= d[i].real();
        bhy += std::real(std::conj(d_b[i]) * y[i]);
    }
    for (int i = 0; i < Q; ++i) {
        cdouble v = d_b[i];
        for (int k = 0; k < Q; ++k)
            v -= d_K(i, k) * y[k];
        gq[i] = v;
    }
    return 1.0 - bhy; // g0^H (g0 - A y) = 1 - b^H y (real: M^{-1} is Hermitian)
}

radar_solution radar_scene::solve(const cvec& c, adc_model m) const
{
    radar_solution s;
    solution_into(c, m, s);
    return s;
}

void radar_scene::solution_into(const cvec& c, adc_model m, radar_solution& s) const
{
    const int Q = n_clutter();
    // c[q + 1] below is unchecked: a short c read past its end and segfaulted
    // (reachable from Python as radar_scene.solve; fuzz_core_radar_metrics finding)
    if (c.size() != Q + 1)
        throw_param("c (couplings)",
                    list_str(c.size(), "entry", "entries"),
                    std::to_string(Q + 1) + " (1 + number of clutter patches)");
    s.c = c;
    s.y.resize(Q);
    s.gq_minv_g0.resize(Q);
    thread_local std::vector<cdouble> ws; // per-thread: a solve per MM step
    ws.resize(workspace_size());
    s.gmg = solve_into(c.data(), m, s.y.data(), s.gq_minv_g0.data(), ws.data());
    const double c0 = std::abs(c[0]);
    s.degenerate = !(c0 > 0.0);
    s.metric = s.degenerate ? 0.0 : mu(m) * c0 * c0 * s.gmg;
}

double radar_scene::minv_g0_norm2(const cdouble* y) const
{
    const int Q = n_clutter();
    // ||g0 - A y||^2 = 1 - 2 Re(b^H y) + y^H K y
    double v = 1.0;
    for (int i = 0; i < Q; ++i) {
        v -= 2.0 * std::real(std::conj(d_b[i]) * y[i]);
        cdouble ky = 0.0;
        for (int k = 0; k < Q; ++k)
            ky += d_K(i, k) * y[k];
        v += std::real(std::conj(y[i]) * ky);
    }
    return v;
}

double radar_scene::h0_variance(double norm2, const cdouble* a, adc_model m, double noise_var) const
{
    double clutter = 0.0;
    for (int q = 0; q < n_clutter(); ++q)
        clutter += d_cnr[q] * std::norm(a[q]);
    if (m == adc_model::one_bit)
        return 2.0 * norm2 + 4.0 / pi * clutter;
    return noise_var * (norm2 + clutter); // zeta^2 = cnr * sigma^2
}

double radar_scene::metric(const cvec& x, adc_model m) const
{
    return solve(couplings(x), m).metric;
}

cvec radar_scene::filter(const radar_solution& s) const
{
    cvec u;
    filter_into(s, u);
    return u;
}

void radar_scene::filter_into(const radar_solution& s, cvec& u) const
{
    check_solution(s);
    if (s.degenerate) {
        u.setZero(d_n_rx);
        return;
    }
    const int Q = n_clutter();
    u = d_gr.col(0);
    if (Q > 0)
        u.noalias() -= d_gr.rightCols(Q) * s.y;
    u /= std::conj(s.c[0]) * s.gmg;
}

double radar_scene::filter_norm2(const radar_solution& s) const
{
    check_solution(s);
    if (s.degenerate)
        return 0.0;
    const double c0 = std::abs(s.c[0]);
    return minv_g0_norm2(s.y.data()) / (c0 * c0 * s.gmg * s.gmg);
}

cvec radar_scene::filter_clutter_gain(const radar_solution& s) const
{
    check_solution(s);
    const int Q = n_clutter();
    if (s.degenerate)
        return cvec::Zero(Q);
    // u^H g_q = conj(g_q^H u) = conj(g_q^H M^{-1} g0) / (c0 gmg)
    return s.gq_minv_g0.conjugate() / (s.c[0] * s.gmg);
}

double radar_scene::threshold(const radar_solution& s, adc_model m, double pfa, double noise_var) const
{
    if (!(pfa > 0.0 && pfa < 1.0))
        throw_param("pfa", std::to_string(pfa), "(0, 1)");
    if (!(std::isfinite(noise_var) && noise_var >= 0.0))
        throw_param("noise_var", std::to_string(noise_var), "finite and >= 0");
    check_solution(s);
    if (s.degenerate)
        return 0.0;
    const cvec g = filter_clutter_gain(s);
    cvec a(n_clutter());
    for (int q = 0; q < n_clutter(); ++q)
        a[q] = s.c[q + 1] * g[q];
    const double var = h0_variance(filter_norm2(s), a.data(), m, noise_var);
    return std::sqrt(-var * std::log(pfa));
}

double detection_probability(double pfa, double metric)
{
    return std::pow(pfa, 1.0 / (1.0 + metric));
}

} // namespace core
} // namespace isac
} // namespace gr
