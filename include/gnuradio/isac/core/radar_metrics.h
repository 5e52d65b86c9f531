/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Monostatic radar scene of the 1-bit ISAC paper (eq. (2), Theorem 1, eq. (13)-(16), eq.
 * (17), eq. (24)-(25)): a target at theta_0 and Q clutter patches at theta_q seen by an
 * N_T transmit and N_R receive ULA with unit-norm steering vectors g_T, g_R (1-bit ISAC
 * paper convention).
 *
 * Every radar quantity depends on the transmit vector x only through the
 * Q+1 couplings c_q = g_T(theta_q)^T x, and the clutter-plus-noise matrix
 *   M = I + sum_q w_q |c_q|^2 g_R(theta_q) g_R(theta_q)^H
 * is rank-Q plus identity, so M^{-1} g_R0 is handled by Woodbury in
 * O(Q^3) from the precomputed K = A_R^H A_R and b = A_R^H g_R0:
 *   M^{-1} g_R0 = g_R0 - A_R y,  y = D (I + D K D)^{-1} D b,  D = diag(sqrt(w_q)|c_q|).
 * No N_R x N_R matrix is formed anywhere. This is the one implementation of
 * QSCNR/SCNR, the optimal filter and the detector threshold: the CI precoder
 * and the 1-bit receive filter both use it.
 *
 * ADC models (1-bit ISAC paper eq. (13)-(16)):
 *   one_bit: mu = (2/pi) SNR_R, w_q = CNR_{R,q} = (2/pi) zeta_q^2/sigma_R^2  (QSCNR)
 *   ideal:   mu = SNR_R,        w_q = zeta_q^2/sigma_R^2                   (SCNR)
 * SNR_R = zeta_0^2/sigma_R^2 and cnr are the physical ratios (not the 2/π-scaled CNR_R of
 * the 1-bit ISAC paper eq. (17)).
 */
#ifndef INCLUDED_ISAC_CORE_RADAR_METRICS_H
#define INCLUDED_ISAC_CORE_RADAR_METRICS_H

#include <gnuradio/isac/core/steering.h>
#include <vector>

namespace gr {
namespace isac {
namespace core {

enum class adc_model { one_bit, ideal };

//! Parses "1bit"/"inf" (the block parameter spelling); throws param_error naming `name`.
adc_model parse_adc_model(const std::string& name, const std::string& value);

struct radar_solution {
    cvec c;             //!< couplings c_0..c_Q (copy of the input)
    cvec y;             //!< Woodbury coefficients: M^{-1} g_R0 = g_R0 - A_R y  (Q)
    double gmg = 0;     //!< g_R0^H M^{-1} g_R0 (real, in (0, 1])
    cvec gq_minv_g0;    //!< g_R(theta_q)^H M^{-1} g_R0, q = 1..Q
    double metric = 0;  //!< QSCNR (one_bit) or SCNR (ideal) = mu |c_0|^2 gmg
    bool degenerate = false; //!< c_0 == 0: the filter is undefined, metric 0
};

class radar_scene
{
public:
    /*!
     * \param n_tx, n_rx   array sizes (>= 1)
     * \param target_rad   theta_0
     * \param clutter_rad  theta_1..theta_Q (may be empty)
     * \param snr_r        SNR_R = zeta_0^2/sigma_R^2 (linear, > 0)
     * \param cnr          zeta_q^2/sigma_R^2 per clutter (linear, >= 0), same length
     */
    radar_scene(int n_tx,
                int n_rx,
                double target_rad,
                const std::vector<double>& clutter_rad,
                double snr_r,
                const std::vector<double>& cnr);

    int n_tx() const { return d_n_tx; }
    int n_rx() const { return d_n_rx; }
    int n_clutter() const { return static_cast<int>(d_cnr.size()); }
    double snr_r() const { return d_snr_r; }
    const std::vector<double>& cnr() const { return d_cnr; }

    //! Transmit steering vectors g_T(theta_q), q = 0..Q, as columns (N_T x (Q+1)).
    const cmat& gt() const { return d_gt; }
    //! Receive steering vectors g_R(theta_q), q = 0..Q, as columns (N_R x (Q+1)).
    const cmat& gr() const { return d_gr; }

    //! mu and the clutter weights w_q for an ADC model.
    double mu(adc_model m) const;
    double weight(adc_model m, int q) const; //!< q = 1..Q

    //! c_q = g_T(theta_q)^T x, q = 0..Q.
    cvec couplings(const cvec& x) const;

    //! Woodbury solve for given couplings (Q+1 values). O(Q^3).
    radar_solution solve(const cvec& c, adc_model m) const;
    //! solve() into s: its arrays keep their storage (no allocation once grown)
    void solution_into(const cvec& c, adc_model m, radar_solution& s) const;

    /*!
     * Allocation-free core of solve() for streaming kernels (solve() calls it).
     * From the couplings c[0..Q] it writes the Woodbury coefficients y[0..Q-1]
     * and gq[q-1] = g_R(theta_q)^H M^{-1} g_R0, and returns g_R0^H M^{-1} g_R0.
     * ws must hold workspace_size() values. The Q x Q system (I + D K D) is
     * Hermitian with eigenvalues >= 1, so an unpivoted LDL^H is stable.
     */
    double solve_into(const cdouble* c, adc_model m, cdouble* y, cdouble* gq, cdouble* ws) const;
    std::size_t workspace_size() const
    {
        return std::size_t(n_clutter()) * n_clutter() + n_clutter();
    }

    //! ||M^{-1} g_R0||^2 = ||g_R0 - A_R y||^2 from the Woodbury coefficients y (Q), O(Q^2).
    double minv_g0_norm2(const cdouble* y) const;

    /*!
     * H0 variance E|f^H r|^2 of a receive filter f with ||f||^2 = norm2 and
     * clutter gains a[q-1] = c_q f^H g_R(theta_q) (1-bit ISAC paper eq. (12)):
     *   one_bit: 2 norm2 + sum_q (4 zeta_q^2/(pi sigma_R^2)) |a_q|^2
     *   ideal:   noise_var (norm2 + sum_q (zeta_q^2/sigma_R^2) |a_q|^2)
     * threshold() is sqrt(-h0_variance * ln Pfa) for f = u; the coherent CPI sum
     * of the receive filter uses the same formula with summed terms.
     */
    double h0_variance(double norm2, const cdouble* a, adc_model m, double noise_var) const;

    //! QSCNR (one_bit) or SCNR (ideal) of transmit vector x (1-bit ISAC paper eq. (17)).
    double metric(const cvec& x, adc_model m) const;

    /*!
     * Distortionless optimal filter u = M^{-1} g_R0 / (c_0^* g_R0^H M^{-1} g_R0)
     * (1-bit ISAC paper eq. (24)-(25)), so that u^H G_0 x = 1. Zero vector when c_0 == 0.
     */
    cvec filter(const radar_solution& s) const;
    //! filter() into u: its storage kept when the size matches
    void filter_into(const radar_solution& s, cvec& u) const;

    //! ||u||^2 of filter(s), in O(Q^2).
    double filter_norm2(const radar_solution& s) const;

    //! u^H g_R(theta_q), q = 1..Q, in O(Q^2).
    cvec filter_clutter_gain(const radar_solution& s) const;

    /*!
     * Detection threshold kappa on |z| for the requested Pfa (1-bit ISAC paper eq. (15)):
     *   one_bit: kappa = sqrt(-(2||u||^2 + Pi_0) ln Pfa),
     *            Pi_0 = sum_q (4 zeta_q^2/(pi sigma_R^2)) |c_q|^2 |u^H g_R(theta_q)|^2
     *   ideal:   kappa = sqrt(-(sigma_R^2 ||u||^2 + sum_q zeta_q^2 |c_q|^2 |u^H g_q|^2)
     * ln Pfa) noise_var (sigma_R^2) scales the ideal-ADC threshold only. 0 when
     * degenerate.
     */
    double threshold(const radar_solution& s, adc_model m, double pfa, double noise_var = 1.0) const;

private:
    //! Throws param_error when s was not solved for this scene's Q.
    void check_solution(const radar_solution& s) const;

    int d_n_tx, d_n_rx;
    double d_snr_r;
    std::vector<double> d_cnr;
    cmat d_gt, d_gr;
    cmat d_K; // A_R^H A_R (Q x Q)
    cvec d_b; // A_R^H g_R0 (Q)
};

//! Pd = Pfa^{1/(1+metric)} (1-bit ISAC paper eq. (16)).
double detection_probability(double pfa, double metric);

} // namespace core
} // namespace isac
} // namespace gr

#endif
