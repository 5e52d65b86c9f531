/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_LOOP_DELAY_ESTIMATOR_H
#define INCLUDED_ISAC_LOOP_DELAY_ESTIMATOR_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <pmt/pmt.h>

namespace gr {
namespace isac {

/*!
 * \brief Estimates the Tx->Rx loop delay (integer + fractional snapshots) by
 * correlating the transmitted x with the received echo, and posts it to the
 * delay blocks that line x up with the echo.
 * \ingroup isac
 *
 * in0: vectors of n_tx, x as sent to the radio; in1: vectors of n_rx, the
 * echo as received (raw or phase-corrected: the estimate is invariant to
 * per-channel phases and gains).
 * Optional outputs: out0, vectors of n_tx, x delayed by "x_align"; out1
 * (needs out0), vectors of n_rx, the echo delayed by "echo_align" - what two
 * fractional_delay blocks on those keys, fed by the "delay" message, put out,
 * without their threads and with the change at a known snapshot: each valid
 * estimate applies from the snapshot after its last one ("offset" + 1,
 * whatever the work() calls' sizes; tagged "isac_delay" on each output, as
 * fractional_delay tags); until
 * the first, x is delayed by initial_delay and the echo by none. With no
 * output connected the block is a sink, as before.
 * Method (core::loop_delay_estimator): the lag of the largest correlation
 * energy, then the fraction from the phase slope of the correlation around
 * it, which is unbiased for any symmetric DAC/ADC filter.
 *
 * Message out "delay": {"delay": f64 samples, "integer": s64, "fractional":
 * f64, "x_align": f64 (8 + ceil(delay)), "echo_align": f64 (8 + ceil(delay) -
 * delay: the 8 snapshots let a 16-tap interpolator put the echo back on the
 * sample grid with its full kernel),
 * "peak_db": f64, "delay_se": f64 (the estimate's standard error in samples,
 * from the fit's linearisation and the far lags' noise), "valid": bool,
 * "snapshots": u64, "offset": u64 (index of the last snapshot used)} after every n_avg
 * snapshots until the first valid estimate (continuous = false), or after every n_avg
 * (continuous). Message in "restart": any message starts a new estimate.
 */
class ISAC_API loop_delay_estimator : virtual public gr::sync_block
{
public:
    //! Snapshots added to both alignment delays (x_align, echo_align).
    static constexpr double align_latency = 8.0;

    typedef std::shared_ptr<loop_delay_estimator> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx          transmit antennas; [1, 4096]
     * \param n_rx          receive antennas; [1, 4096]
     * \param max_delay     largest delay searched (samples); [4, 65536]
     * \param n_avg         snapshots per estimate; [16, 2^40]
     * \param continuous    keep estimating (false: one estimate, then restart())
     * \param min_peak_db   detection margin of the correlation peak (dB); [0, 100]
     * \param initial_delay with the outputs connected: the delay of x on out0 until the first valid estimate (the echo on out1: none) (samples); [0, max_delay]
     */
    static sptr make(int n_tx,
                     int n_rx,
                     int max_delay = 64,
                     int64_t n_avg = 8192,
                     bool continuous = false,
                     double min_peak_db = 12.0,
                     double initial_delay = 0.0);
    // gen_params:end make
    // clang-format on

    //! The last published estimate (PMT dict), or PMT_NIL before the first.
    virtual pmt::pmt_t last_estimate() const = 0;
    //! The last valid delay (samples), or -1 before the first valid estimate.
    virtual double delay() const = 0;
    //! Estimates published (valid or not) and the valid ones among them,
    //! counted over the block's life (restarts included), as a message store
    //! of the delay port would count them.
    virtual uint64_t estimates() const = 0;
    virtual uint64_t valid_estimates() const = 0;
    virtual void restart() = 0;
};

} // namespace isac
} // namespace gr

#endif
