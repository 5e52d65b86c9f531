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
 * Model (spec 1.6, seed 004): y_t = beta b(theta) c_t + n_t, n_t ~ CN(0, noise_var I),
 * b the n_rx receive ULA in the seed-004 convention (d = lambda/2, midpoint
 * reference, sign +1, unnormalised), c_t = a(phi)^H x_t the transmit signal
 * along the known DoD.
 *
 * in0: vectors of n_rx complex samples (one snapshot). A CPI is cpi_len
 *      consecutive snapshots.
 * in1 (mode "known" only): one complex scalar c_t per snapshot, the known
 *      reference along the DoD. Form it upstream from the n_tx transmit vector
 *      with a 1 x n_tx multiply_matrix by a(phi)^H (the convention of your
 *      channel); the block needs neither n_tx nor phi.
 * out0: float, theta-hat in degrees, one per CPI (NaN for an invalid CPI).
 * "doa" message port: dict {theta_deg, beta_abs, snr_est, crb_deg2, cpi_index,
 *      valid} per CPI; valid = false (and NaN numbers) when the CPI held a
 *      NaN/Inf sample or (known mode) a zero reference.
 *
 * Modes: "gaussian" (spec 6.2, only a^H R_x a = p_gauss known; theta-hat =
 * argmax b^H Rhat b), "known" (spec 6.1; with p_gauss > 0 the mixed
 * Gaussian + known estimator of spec 6.3, p_gauss = a^H R_G a of the Gaussian
 * part). Grid search on a precomputed grid, then Newton (or parabolic)
 * refinement.
 */
class ISAC_API doa_mle : virtual public gr::sync_decimator
{
public:
    typedef std::shared_ptr<doa_mle> sptr;

    /*!
     * \param n_rx          receive antennas, [2, 4096]
     * \param cpi_len       snapshots per CPI (L), [1, 65536]
     * \param mode          "gaussian" or "known"
     * \param grid_min_deg  grid start, [-90, 90]
     * \param grid_max_deg  grid end, (grid_min_deg, 90]
     * \param grid_step_deg grid step, > 0 (at most 1e6 points)
     * \param noise_var     total complex noise variance per antenna, > 0
     * \param p_gauss       gaussian: a^H R_x a (scales beta_abs/snr_est only;
     *                      0 means unknown and is treated as 1);
     *                      known: a^H R_G a of an additional Gaussian part
     *                      (0: pure known signal, spec 6.1; > 0: spec 6.3)
     * \param refine        "newton" (default), "parabolic" or "none"
     */
    static sptr make(int n_rx,
                     int cpi_len,
                     const std::string& mode,
                     float grid_min_deg,
                     float grid_max_deg,
                     float grid_step_deg,
                     float noise_var,
                     float p_gauss = 0.0f,
                     const std::string& refine = "newton");

    virtual void set_noise_var(float noise_var) = 0;
    virtual float noise_var() const = 0;
    virtual void set_p_gauss(float p_gauss) = 0;
    virtual float p_gauss() const = 0;
    //! CPIs processed so far (valid or not).
    virtual uint64_t cpi_count() const = 0;
    //! CPIs marked invalid so far.
    virtual uint64_t invalid_count() const = 0;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_DOA_MLE_H */
