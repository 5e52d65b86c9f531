/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_DOA_MLE_H
#define INCLUDED_ISAC_DOA_MLE_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_decimator.h>
#include <string>

namespace gr {
namespace isac {

/*!
 * \brief DoA maximum-likelihood estimator of a bistatic echo, one estimate per CPI.
 * \ingroup isac
 *
 * Model (the bistatic CRB paper's, in the module convention of
 * docs/conventions.md): y_t = beta g_R(theta) c_t + n_t, n_t ~ CN(0, noise_var I),
 * g_R the unit-norm n_rx receive response (d = lambda/2, element 0 the
 * reference, a source at theta arrives as exp(-j pi n sin theta)/sqrt(n_rx)),
 * c_t = g_T(phi)^T x_t the transmit signal along the known DoD (unit-norm g_T:
 * what steering_reference computes). This is isac_channel's echo model in both
 * geometries, so theta_deg reads the channel's rx_deg (target_deg) and beta_abs
 * its |beta|.
 *
 * in0: vectors of n_rx complex samples (one snapshot). A CPI is cpi_len
 *      consecutive snapshots.
 * in1 (mode "known" only): one complex scalar c_t per snapshot, the known
 *      reference along the DoD (steering_reference, or a 1 x n_tx
 *      multiply_matrix by g_T(phi)^T); the block needs neither n_tx nor phi.
 * out0: float, theta-hat in degrees, one per CPI (NaN for an invalid CPI).
 * "doa" message port: dict {theta_deg, beta_abs, snr_est, tnr_est, crb_deg2,
 *      cpi_index, valid, above_threshold} per CPI; valid = false (and NaN
 *      numbers) when the CPI held a NaN/Inf sample or (known mode) a zero
 *      reference. above_threshold: the CPI's estimated integrated SNR is above
 *      the ML threshold region (docs/doa_mle.md), where crb_deg2 describes the
 *      error; false for an invalid CPI.
 *      tnr_est = beta_abs^2/noise_var is the target-to-noise ratio (what
 *      isac_channel's target_snr_db sets); snr_est = tnr_est * p is the array
 *      (post-beamforming) SNR, p the transmit power along the DoD per snapshot
 *      (known: (1/L) sum |c_t|^2; gaussian: p_gauss; mixed: both). The
 *      per-antenna SNR is snr_est/n_rx.
 *      set_record_window() keeps the dicts of a window of CPIs for
 *      recorded(): what a check reads back without a message sink (and its
 *      thread, woken for every CPI).
 *
 * Modes: "gaussian" (bistatic CRB paper III-B: only p_gauss = g_T^T R_x g_T^*
 * known; theta-hat = argmax g_R^H Rhat g_R), "known" (known realisations; with
 * p_gauss > 0 the mixed Gaussian + known estimator of the same paper, eq. 49-52,
 * p_gauss = g_T^T R_G g_T^* of the Gaussian part). Grid search on a
 * precomputed grid, then Newton (or parabolic) refinement.
 *
 * Clutter (known mode, n_tx > 0): clutter_deg lists static patches at known
 * angles theta_q, each adding gamma_q g_R(theta_q) g_T(theta_q)^T x_t with an
 * unknown gain (isac_channel's monostatic clutter). The block forms their
 * references from x_t and the estimate is the ML with the gains as nuisance
 * parameters (the clutter projected out); beta_abs, tnr_est, snr_est and
 * crb_deg2 are those of that model.
 */
class ISAC_API doa_mle : virtual public gr::sync_decimator
{
public:
    typedef std::shared_ptr<doa_mle> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_rx          receive antennas; [2, 4096]
     * \param cpi_len       snapshots per CPI (L); [1, 65536]
     * \param mode          gaussian (unknown transmit signal) or known (the reference on in1); "gaussian", "known"
     * \param grid_min_deg  grid start (deg); [-90, 90]
     * \param grid_max_deg  grid end (deg); (grid_min_deg, 90]
     * \param grid_step_deg grid step (at most 1e6 points) (deg); (0, inf)
     * \param noise_var     total complex noise variance per antenna; (0, inf)
     * \param p_gauss       gaussian mode: g_T^T R_x g_T^* (scales beta_abs/tnr_est only; 0: unknown, treated as 1); known mode: g_T^T R_G g_T^* of an additional Gaussian part (0: pure known signal; > 0: mixed estimator); [0, inf)
     * \param refine        refinement of the grid maximum; "newton", "parabolic", "none"
     * \param n_tx          known mode: 0: in1 carries the reference c_t (one complex per snapshot); > 0: in1 carries the transmit vectors x_t (n_tx each) and the block forms c_t = g_T(tx_deg)^T x_t itself (steering_reference in the same thread); [0, 4096]
     * \param tx_deg        direction of departure of the reference (n_tx > 0) (deg); [-90, 90]
     * \param clutter_deg   known mode with n_tx > 0: angles of static clutter patches (monostatic: the same angle on transmit and receive, as isac_channel's clutter_deg), whose paths with unknown gains are projected out of the estimate; at most 64; [] = none (deg); each in [-90, 90]
     */
    static sptr make(int n_rx,
                     int cpi_len,
                     const std::string& mode,
                     double grid_min_deg,
                     double grid_max_deg,
                     double grid_step_deg,
                     double noise_var,
                     double p_gauss = 0.0,
                     const std::string& refine = "newton",
                     int n_tx = 0,
                     double tx_deg = 0.0,
                     const std::vector<double>& clutter_deg = {});
    // gen_params:end make
    // clang-format on

    // clang-format off
    // gen_params:begin accessors
    //! total complex noise variance per antenna; (0, inf)
    virtual void set_noise_var(double noise_var) = 0;
    virtual double noise_var() const = 0;
    //! gaussian mode: g_T^T R_x g_T^* (scales beta_abs/tnr_est only; 0: unknown, treated as 1); known mode: g_T^T R_G g_T^* of an additional Gaussian part (0: pure known signal; > 0: mixed estimator); [0, inf)
    virtual void set_p_gauss(double p_gauss) = 0;
    virtual double p_gauss() const = 0;
    //! direction of departure of the reference (n_tx > 0) (deg); [-90, 90]
    virtual void set_tx_deg(double tx_deg) = 0;
    virtual double tx_deg() const = 0;
    //! known mode with n_tx > 0: angles of static clutter patches (monostatic: the same angle on transmit and receive, as isac_channel's clutter_deg), whose paths with unknown gains are projected out of the estimate; at most 64; [] = none (deg); each in [-90, 90]
    virtual void set_clutter_deg(const std::vector<double>& clutter_deg) = 0;
    virtual std::vector<double> clutter_deg() const = 0;
    // gen_params:end accessors
    // clang-format on
    //! CPIs processed so far (valid or not).
    virtual uint64_t cpi_count() const = 0;
    //! CPIs marked invalid so far.
    virtual uint64_t invalid_count() const = 0;
    //! Valid CPIs whose above_threshold was false so far.
    virtual uint64_t below_threshold_count() const = 0;
    /*!
     * From now on keep the "doa" dict of every CPI with first_cpi <= cpi_index
     * < end_cpi (CPIs counted from start()) for recorded(); clears the record.
     * Throws (naming the parameter) unless first_cpi <= end_cpi and the
     * window stays under 2^20 CPIs.
     */
    virtual void set_record_window(uint64_t first_cpi, uint64_t end_cpi) = 0;
    //! The recorded dicts in CPI order, as a PMT vector (the "doa" port's dicts).
    virtual pmt::pmt_t recorded() const = 0;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_DOA_MLE_H */
