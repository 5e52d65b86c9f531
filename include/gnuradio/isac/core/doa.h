/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Maximum-likelihood DoA estimation for the bistatic echo of bistatic CRB paper Sec. II,
 * Sec. III-B, IV-B (bistatic CRB paper) and the monostatic UPA echo of the massive-MIMO
 * ISAC paper (eq. (26)-(27)).
 *
 * Bistatic model per snapshot t of a CPI of L snapshots:
 *     y_t = beta b(theta) c_t + n_t,   n_t ~ CN(0, noise_var I),
 * b = ula_steering(n_rx, theta, conv) (bistatic CRB paper midpoint convention by
 * default, so b^H bdot = 0), and c_t = a(phi)^H x_t the transmit signal along
 * the known DoD (a scalar per snapshot: the estimator never needs n_tx or phi).
 *
 * Modes
 *  - gaussian (bistatic CRB paper Sec. III-B): x_t ~ CN(0, R_x) unknown;
 *    theta = argmax b^H Rhat b, |beta|^2 = max(0, b^H Rhat b - N noise_var)/(N^2 p),
 *    p = a^H R_x a.
 *  - known (massive-MIMO ISAC paper eq. (26)-(27), specialised to the bistatic
 *    G = b c_t): theta = argmax |b^H z|^2, z = sum_t y_t c_t^*,
 *    beta = b^H z/(||b||^2 sum |c_t|^2).
 *  - mixed (bistatic CRB paper Sec. IV-B): x_t = x^G_t + s_t, c_t = a^H s_t known,
 *    the Gaussian part has p_gauss = a^H R_G a; theta maximises the likelihood (49)
 *    at beta_hat(theta) of (50)-(52).
 *  - known with clutter (set_clutter): Q further paths gamma_q b(theta_q) c_{q,t}
 *    at known angles, with known references c_{q,t} (a monostatic scene's
 *    static clutter, c_{q,t} = g_T(theta_q)^T x_t) and unknown gains gamma_q.
 *    Stacking the CPI into y = vec(Y), x(theta) = vec(b c^T), x_q = vec(b_q c_q^T),
 *    the concentrated ML is theta = argmax |x^H P y|^2/(x^H P x), P the
 *    projector orthogonal to span{x_q}. With G = [x_q^H x_p] (Q x Q),
 *    v_q = b_q^H Y c_q^*, rho_q = c_q^H c and a_q(theta) = b_q^H b(theta):
 *      x^H P y = b^H z',  z' = z - sum_q b_q conj(rho_q) (G^+ v)_q,
 *      x^H P x = ||b||^2 sum|c_t|^2 - a^H H a,  H = diag(rho)^H G^+ diag(rho),
 *    so the grid costs one matched filter of z' plus a Q x Q form of a_q,
 *    which is tabulated per grid angle.
 *
 * Search: the objective is evaluated on a precomputed grid (single precision,
 * table-driven), then refined around the grid maximum (the massive-MIMO ISAC paper's
 * pi/256 grid floor) either by a parabola through the three grid samples or by Newton
 * iterations on the continuous double-precision objective (derivatives by central
 * differences, steps limited to one grid step, kept only if the objective increases).
 */
#ifndef INCLUDED_ISAC_CORE_DOA_H
#define INCLUDED_ISAC_CORE_DOA_H

#include <gnuradio/isac/core/cancel.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/steering.h>
#include <gnuradio/isac/core/types.h>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

enum class doa_mode { gaussian, known, mixed };
enum class doa_refine { none, parabolic, newton };

//! Parse "gaussian" / "known" / "mixed" (throws param_error naming `name`).
doa_mode parse_doa_mode(const std::string& s, const std::string& name = "mode");
//! Parse "none" / "parabolic" / "newton".
doa_refine parse_doa_refine(const std::string& s, const std::string& name = "refine");

//! Why a CPI has no estimate (doa_result::invalid).
enum class doa_invalid {
    none,         //!< the estimate is valid
    nonfinite,    //!< NaN/Inf samples in the CPI or its references
    no_signal,    //!< all-zero or only denormal samples
    no_reference, //!< the known reference has no energy (no transmit vectors)
    overflow,     //!< finite samples whose products overflow
    clutter_span, //!< the estimate lies inside the clutter span (clutter_deg)
    cancelled     //!< a stop() cancelled the CPI
};
//! A phrase for the logs: "NaN/Inf samples", ...
const char* describe(doa_invalid why);

struct doa_result {
    bool valid = false;                      //!< false: see `invalid`
    doa_invalid invalid = doa_invalid::none; //!< why valid is false
    double theta_rad = 0.0;  //!< estimate (NaN when invalid)
    cdouble beta = 0.0;      //!< gain estimate (gaussian mode: real, = |beta|)
    double beta_abs = 0.0;   //!< |beta|
    double snr_est = 0.0; //!< gamma_s = |beta|^2 ||b||^2 p / noise_var (the sensing SNR
                          //!< of docs/doa_mle.md)
    double crb_rad2 = 0.0;   //!< CRB of the mode evaluated at the estimate
    double objective = 0.0;  //!< objective at the estimate
    int grid_index = -1;     //!< grid maximum before refinement
    //! Estimated integrated SNR of the CPI: |beta|^2 x^H P x/noise_var in known
    //! mode (= tnr * sum_t |c_t|^2 without clutter), snr_est * L otherwise.
    double snr_int = 0.0;
    //! snr_int >= doa_mle_core::threshold_snr_int(mode, n_rx, L): the CPI lies
    //! above the ML threshold region, where the CRB describes the error.
    bool above_threshold = false;
};

class doa_mle_core
{
public:
    /*!
     * \param n_rx      receive antennas (>= 2)
     * \param grid_min_rad, grid_max_rad  search interval within [-pi/2, pi/2]
     * \param grid_step_rad  grid step (> 0, at most 1e6 points)
     * \param noise_var total complex noise variance per antenna (> 0)
     * \param mode      see above
     * \param p_gauss   a^H R_x a (gaussian; used for |beta| only) or
     *                  a^H R_G a (mixed); >= 0, > 0 in mixed mode
     * \param refine    grid refinement
     * \param conv      receive array convention (midpoint_positive by default)
     */
    doa_mle_core(int n_rx,
                 double grid_min_rad,
                 double grid_max_rad,
                 double grid_step_rad,
                 double noise_var,
                 doa_mode mode,
                 double p_gauss = 1.0,
                 doa_refine refine = doa_refine::newton,
                 const array_convention& conv = array_convention::midpoint_positive());

    /*!
     * Estimate from one CPI. Y holds L snapshots of n_rx samples, snapshot t
     * at Y[t*n_rx .. t*n_rx + n_rx - 1] (the layout of a GNU Radio vector
     * stream, i.e. a column-major n_rx x L matrix). c holds the L known
     * references c_t (known/mixed modes; ignored and may be null in gaussian).
     */
    doa_result estimate(const cfloat* Y,
                        int L,
                        const cfloat* c = nullptr,
                        const cancel_check& cancel = {},
                        const cfloat* clutter_ref = nullptr);

    //! Double-precision convenience (Python): Y is n_rx x L, c has L entries,
    //! Cq is L x Q (the clutter references, column q at clutter angle q).
    doa_result estimate(const cmat& Y, const cvec& c, const cmat& Cq = cmat());

    /*!
     * Known clutter: receive angles theta_q (rad, the core's convention) whose
     * paths are projected out in known mode. estimate() then needs the
     * references c_{q,t}: clutter_ref holds L x Q values, column q (L values)
     * at clutter_ref + q L. Throws param_error naming "clutter_deg" for an
     * angle outside [-pi/2, pi/2] or not finite, more than max_clutter_doa
     * angles, or clutter outside the pure known mode. Empty: no clutter.
     */
    void set_clutter(const std::vector<double>& clutter_rad);
    const std::vector<double>& clutter() const { return d_clutter; }
    //! Most clutter angles set_clutter takes (the grid keeps Q values per angle).
    static constexpr int max_clutter_doa = 64;
    /*!
     * The integrated SNR (doa_result::snr_int, linear) above which the ML
     * estimate is out of the threshold region, for a mode, array size and CPI
     * length; known_fraction = p_det/(p_det + p_gauss) in mixed mode (docs/doa_mle.md,
     * "Threshold region", has the measurements behind it).
     */
    static double
    threshold_snr_int(doa_mode mode, int n_rx, int L, double known_fraction = 0.5);

    //! Grid objective of the last estimate (one value per grid angle).
    const Eigen::VectorXf& last_grid_objective() const { return d_obj; }
    //! Grid angles (rad).
    const rvec& grid() const { return d_grid; }
    /*!
     * Continuous objective of the last CPI at theta (the function the grid
     * samples and Newton maximises): b^H Rhat b (gaussian), |b^H z|^2/(||b||^2
     * ||c||^2) (known), ln f(theta, beta_hat(theta)) up to a theta-independent
     * constant (mixed).
     */
    double objective(double theta_rad) const;
    //! The n_rx x cpi_len x n_rx multiply-adds of one CPI (gaussian/mixed) above
    //! which the block refuses a configuration (minutes per CPI on one core).
    static constexpr double max_cpi_work = 17179869184.0; // 2^34

    void set_noise_var(double noise_var);
    double noise_var() const { return d_noise_var; }
    void set_p_gauss(double p_gauss);
    double p_gauss() const { return d_p_gauss; }
    //! Switch mode and p_gauss together (validated as in the constructor);
    //! the grid tables serve every mode, so this is O(1).
    void configure(doa_mode mode, double p_gauss);
    doa_mode mode() const { return d_mode; }
    bool clutter_active() const
    {
        return d_mode == doa_mode::known && !d_clutter.empty();
    }
    int n_rx() const { return d_n; }

private:
    doa_result estimate_scaled(const cfloat* Y,
                               int L,
                               const cfloat* c,
                               const cancel_check& cancel,
                               const cfloat* cq);
    int d_n;
    double d_noise_var;
    doa_mode d_mode;
    double d_p_gauss;
    doa_refine d_refine;
    array_convention d_conv;
    double d_step;
    rvec d_grid;
    Eigen::MatrixXf d_lag_table; // M x 2(N-1): [cos(k_m d), sin(k_m d)], d = 1..N-1
    cmatf d_BH;                  // M x N: conj(b(theta_m))^T
    // per-CPI statistics
    int d_L = 0;
    cmatf d_Rf;       // sum_t y_t y_t^H / L (float)
    cvec d_r;         // lag sums r_d = sum_m R(m, m+d), d = 0..N-1 (double)
    cvec d_z;         // sum_t y_t c_t^*
    double d_Ec = 0;  // sum_t |c_t|^2
    Eigen::VectorXf d_lags; // [Re r_d; -Im r_d]
    Eigen::VectorXf d_obj;
    std::vector<cfloat> d_ys, d_cs, d_cqs; // power-of-two scaled copies of extreme CPIs
    Eigen::VectorXf d_J;    // Bartlett values on the grid (mixed mode)
    Eigen::VectorXcf d_g;   // b^H z on the grid
    std::vector<float> d_scratch; // the known mode's grid sums
    // clutter (known mode): fixed tables and per-CPI sums
    std::vector<double> d_clutter;
    cmat d_Bq;    // N x Q: b(theta_q)
    cmat d_BqG;   // Q x Q: b_q^H b_p
    cmat d_Agrid; // Q x M: b_q^H b(theta_m)
    cmat d_H;     // Q x Q: diag(rho)^H G^+ diag(rho)
    cvec d_rho;   // rho_q = c_q^H c
    cmat d_Cc;    // c_q^H c_p
    cvec d_zp;    // z' = Y c^* minus the clutter's part
    cmat d_HA;    // Q x M: H a(theta_m)
    rvec d_quad;  // a(theta_m)^H H a(theta_m)
    double clutter_den(const cvec& b, const cvec& a) const; // x^H P x

    double mixed_objective(double J, cdouble g) const;
    double bartlett_at(const cvec& b) const; // b^H Rhat b in O(N) from the lags
    doa_result finish(double theta, int grid_index);
    static doa_result invalid_result(doa_invalid why);
};

/*!
 * Massive-MIMO ISAC paper monostatic UPA MLE with a known transmit block (eq. (26)-(27)):
 *   (theta, phi) = argmax |b^H Y X^H a|^2/(||b||^2 ||X^H a||^2), a, b the
 * centre-referenced UPA vectors (n_th x n_tv transmit, n_rh x n_rv receive),
 * on a 2-D grid followed by 2-D Newton refinement (finite differences) in
 * u = sin(theta) sin(phi), v = cos(phi) within the view u^2 + v^2 <= 1; the angles
 * returned are that (u, v)'s pair with theta in [-pi/2, pi/2], phi in [0, pi].
 * The refined estimate may leave the grid's angle window by up to two grid steps
 * in (u, v), which near phi = 0 or pi is many degrees of theta.
 * Y is n_rx x L, X is n_tx x L. Returns (theta, phi, alpha) with alpha =
 * x_s^H y_s/||x_s||^2.
 */
struct doa2d_result {
    double theta_rad = 0.0;
    double phi_rad = 0.0;
    cdouble alpha = 0.0;
    double objective = 0.0;
};
doa2d_result doa_mle_upa_known(const cmat& Y,
                               const cmat& X,
                               int n_th,
                               int n_tv,
                               int n_rh,
                               int n_rv,
                               const std::vector<double>& theta_grid_rad,
                               const std::vector<double>& phi_grid_rad,
                               bool refine = true);

} // namespace core
} // namespace isac
} // namespace gr

#endif
