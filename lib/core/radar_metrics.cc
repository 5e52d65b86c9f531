/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
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
    check_int_range("n_tx", n_tx, 1, 1 << 16);
    check_int_range("n_rx", n_rx, 1, 1 << 16);
    check_angle_deg("target_deg", rad2deg(target_rad));
    for (double c : clutter_rad)
        check_angle_deg("clutter_deg", rad2deg(c));
    check_positive_finite("snr_r (linear target SNR)", snr_r);
    if (cnr.size() != clutter_rad.size())
        throw_param("cnr_db",
                    std::to_string(cnr.size()) + " values",
                    "one value per clutter_deg entry (" +
                        std::to_string(clutter_rad.size()) + ")");
    for (double v : cnr)
        if (!(std::isfinite(v) && v >= 0.0))
            throw_param("cnr (linear)", std::to_string(v), "finite and >= 0");

    const auto conv = array_convention::seed000();
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
        throw_param("x", std::to_string(x.size()) + " entries", std::to_string(d_n_tx) + " (n_tx)");
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

radar_solution radar_scene::solve(const cvec& c, adc_model m) const
{
    const int Q = n_clutter();
    // c[q + 1] below is unchecked: a short c read past its end and segfaulted
    // (reachable from Python as radar_scene.solve; fuzz_core_radar_metrics finding)
    if (c.size() != Q + 1)
        throw_param("c (couplings)", std::to_string(c.size()) + " entries",
                    std::to_string(Q + 1) + " (1 + number of clutter patches)");
    radar_solution s;
    s.c = c;
    rvec d(Q);
    for (int q = 0; q < Q; ++q)
        d[q] = std::sqrt(weight(m, q + 1)) * std::abs(c[q + 1]);
    if (Q > 0) {
        // (I + D K D) is Hermitian positive definite for any d >= 0: LLT is safe
        // even when some c_q = 0, which is why this form and not C^{-1} is used.
        cmat S = d.asDiagonal() * d_K * d.asDiagonal();
        S.diagonal().array() += 1.0;
        cvec rhs = d.asDiagonal() * d_b;
        s.y = d.asDiagonal() * S.llt().solve(rhs);
        s.gq_minv_g0 = d_b - d_K * s.y;
        s.gmg = 1.0 - std::real(d_b.dot(s.y)); // b^H y
    } else {
        s.y.resize(0);
        s.gq_minv_g0.resize(0);
        s.gmg = 1.0;
    }
    const double c0 = std::abs(c[0]);
    s.degenerate = !(c0 > 0.0);
    s.metric = s.degenerate ? 0.0 : mu(m) * c0 * c0 * s.gmg;
    return s;
}

double radar_scene::metric(const cvec& x, adc_model m) const
{
    return solve(couplings(x), m).metric;
}

cvec radar_scene::filter(const radar_solution& s) const
{
    check_solution(s);
    if (s.degenerate)
        return cvec::Zero(d_n_rx);
    const int Q = n_clutter();
    cvec v = d_gr.col(0);
    if (Q > 0)
        v -= d_gr.rightCols(Q) * s.y;
    return v / (std::conj(s.c[0]) * s.gmg);
}

double radar_scene::filter_norm2(const radar_solution& s) const
{
    check_solution(s);
    if (s.degenerate)
        return 0.0;
    const int Q = n_clutter();
    // ||g0 - A y||^2 = 1 - 2 Re(b^H y) + y^H K y
    double v = 1.0;
    if (Q > 0)
        v += -2.0 * std::real(d_b.dot(s.y)) + std::real(s.y.dot(d_K * s.y));
    const double c0 = std::abs(s.c[0]);
    return v / (c0 * c0 * s.gmg * s.gmg);
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
    const int Q = n_clutter();
    const cvec g = filter_clutter_gain(s);
    double clutter = 0.0;
    for (int q = 0; q < Q; ++q)
        clutter += d_cnr[q] * std::norm(s.c[q + 1]) * std::norm(g[q]);
    double var;
    if (m == adc_model::one_bit)
        var = 2.0 * filter_norm2(s) + 4.0 / pi * clutter;
    else
        var = noise_var * (filter_norm2(s) + clutter); // zeta^2 = cnr * sigma^2
    return std::sqrt(-var * std::log(pfa));
}

double detection_probability(double pfa, double metric)
{
    return std::pow(pfa, 1.0 / (1.0 + metric));
}

} // namespace core
} // namespace isac
} // namespace gr
