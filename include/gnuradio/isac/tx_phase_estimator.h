/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_TX_PHASE_ESTIMATOR_H
#define INCLUDED_ISAC_TX_PHASE_ESTIMATOR_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <pmt/pmt.h>

namespace gr {
namespace isac {

/*!
 * \brief Transmit-array phase calibration from one reference receiver,
 * published as a `cal` message for array_phase_corrector.
 * \ingroup isac
 *
 * in0: vectors of n_tx, x exactly as sent to the radio (after the corrector
 * this block drives, so each estimate is absolute); in1: complex samples of
 * the reference receiver:
 *  - loopback: every Tx output through equal cables into a combiner and one
 *    receive channel (ref_deg = 0);
 *  - far field: a receiver at the known angle ref_deg in line of sight of the
 *    array (module convention, docs/conventions.md), e.g. one user's radio.
 * The receiver may have its own CFO, phase noise and timing (a separate
 * radio): the method (core::tx_phase_estimator) searches the lag up to
 * max_lag, then averages blockwise least-squares products b_n b_0^*.
 * Each phase ends after n_avg snapshots with a nonzero x: muted snapshots (a
 * frame's payload before a channel is known) carry no signal and do not count.
 *
 * Message out "cal": {"phases_rad": f64vector psi_n (psi_0 = 0), "weights":
 * c32vector exp(-j psi_n), with equalize_gains also scaled by c / |g_n|
 * (core::tx_cal_weights: every channel at the same gain, the radiated power
 * unchanged), "reverse_elements": false, "gains_db": f64vector,
 * "lag": s64, "lag_score": f64, "condition_db": f64, "phases_se_rad":
 * f64vector (standard error of each psi_n from the LS covariance and the fit's
 * residual; 0 for channel 0), "snapshots": u64, "first_snapshot",
 * "last_snapshot": u64 (the stretch of in1, muted snapshots included, whose
 * phases the estimate measured: in1's item counts; x's are "lag" earlier),
 * "offset": u64 (where the correction takes effect)} - the array_phase_estimator dict, so
 * array_phase_corrector(n_tx) in front of the radio sink applies it. Published only when
 * valid: once (continuous = false) or after every estimate. A failed lag search starts
 * over. Message in "recalibrate": any message starts over with the lag search.
 *
 * Restart: start() after stop() drops the estimate in progress (the lag search
 * starts over), and a one-shot estimator that has published estimates again, as a
 * conservative default: a stop()/start() does not retune the radios, but a graph
 * that retunes at a start changes their phases, and array_phase_corrector drops a
 * cal of the previous run still waiting for its item. The restarted run's estimate
 * is published even if it matches the last one (the block cannot know that the
 * corrector applied that cal), so the precoders mute the payload from its item
 * until a csi measured after it. The corrector keeps the weights in use until
 * this run's cal. Every cal
 * carries "run" (u64), the stamp of the block's start(): a consumer ignores a
 * cal of a run that ended before its own last stop().
 */
class ISAC_API tx_phase_estimator : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<tx_phase_estimator> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx           transmit antennas; [1, 4096]
     * \param ref_deg        angle of the reference receiver (deg); [-90, 90]
     * \param spacing        element spacing (wavelengths); (0, inf)
     * \param max_lag        largest lag searched (samples); [0, 65536]
     * \param n_avg          nonzero (radiated) snapshots per phase estimate; [block_len, 2^40]
     * \param block_len      LS block in snapshots (>= 2 n_tx and >= 6); (1, 1048576]
     * \param continuous     keep estimating (false: one estimate, then restart())
     * \param min_score      lag detection score; [0, inf)
     * \param equalize_gains equalise the chains' gains too
     */
    static sptr make(int n_tx,
                     double ref_deg = 0.0,
                     double spacing = 0.5,
                     int max_lag = 64,
                     int64_t n_avg = 16384,
                     int block_len = 32,
                     bool continuous = false,
                     double min_score = 12.0,
                     bool equalize_gains = true);
    // gen_params:end make
    // clang-format on

    //! The last published cal dict, or PMT_NIL.
    virtual pmt::pmt_t last_estimate() const = 0;
    //! psi_n of the last valid estimate (empty before).
    virtual std::vector<double> phases_rad() const = 0;
    virtual uint64_t estimates() const = 0;
    virtual void recalibrate() = 0;
};

} // namespace isac
} // namespace gr

#endif
