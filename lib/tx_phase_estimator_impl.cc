/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_message.h"
#include "tx_phase_estimator_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <cmath>

namespace gr {
namespace isac {

tx_phase_estimator::sptr tx_phase_estimator::make(int n_tx,
                                                  double ref_deg,
                                                  double spacing,
                                                  int max_lag,
                                                  int64_t n_avg,
                                                  int block_len,
                                                  bool continuous,
                                                  double min_score,
                                                  bool equalize_gains)
{
    core::params::tx_phase_estimator::check(n_tx,
                                            ref_deg,
                                            spacing,
                                            max_lag,
                                            n_avg,
                                            block_len,
                                            continuous,
                                            min_score,
                                            equalize_gains);
    // block_len >= 2 n_tx, a rule a range cannot say: the core checks it
    core::tx_phase_estimator probe(n_tx,
                                   core::deg2rad(ref_deg),
                                   spacing,
                                   max_lag,
                                   long(n_avg),
                                   block_len,
                                   min_score);
    return gnuradio::make_block_sptr<tx_phase_estimator_impl>(n_tx,
                                                              ref_deg,
                                                              spacing,
                                                              max_lag,
                                                              n_avg,
                                                              block_len,
                                                              continuous,
                                                              min_score,
                                                              equalize_gains);
}

tx_phase_estimator_impl::tx_phase_estimator_impl(int n_tx,
                                                 double ref_deg,
                                                 double spacing,
                                                 int max_lag,
                                                 int64_t n_avg,
                                                 int block_len,
                                                 bool continuous,
                                                 double min_score,
                                                 bool equalize_gains)
    : gr::sync_block(
          "tx_phase_estimator",
          gr::io_signature::make2(2, 2, sizeof(gr_complex) * n_tx, sizeof(gr_complex)),
          gr::io_signature::make(0, 0, 0)),
      d_est(n_tx,
            core::deg2rad(ref_deg),
            spacing,
            max_lag,
            long(n_avg),
            block_len,
            min_score),
      d_run(continuous),
      d_equalize(equalize_gains),
      d_out_port(pmt::mp("cal")),
      d_in_port(pmt::mp("recalibrate"))
{
    message_port_register_out(d_out_port);
    message_port_register_in(d_in_port);
    set_msg_handler(d_in_port, [this](const pmt::pmt_t&) { recalibrate(); });
}

tx_phase_estimator_impl::~tx_phase_estimator_impl() {}

pmt::pmt_t tx_phase_estimator_impl::last_estimate() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_run.last();
}

std::vector<double> tx_phase_estimator_impl::phases_rad() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_phases;
}

uint64_t tx_phase_estimator_impl::estimates() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_run.count();
}

void tx_phase_estimator_impl::recalibrate()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_run.request_restart();
}

bool tx_phase_estimator_impl::start()
{
    // Items count from 0 again: a partial estimate of the previous run would mix
    // two streams whose lag need not match. A finished one-shot estimate is
    // measured and published again as well, conservatively: a stop()/start() of
    // the top block does not retune the radios (the examples' timed_start
    // snippet runs once, and gr-uhd forgets its start time after a start(), so
    // the restarted streams start untimed), but a graph that retunes at a start
    // changes the phases. It is published even when it matches the last one:
    // the block cannot know that array_phase_corrector applied that cal (one
    // published shortly before a stop may never reach the stream, and the
    // corrector drops a finished run's cal), and keeping an unapplied one would
    // leave the array uncalibrated for every later run. The price is the
    // precoders' payload mute from its item until a csi measured after it.
    std::lock_guard<std::mutex> lock(d_mutex);
    d_est.restart();
    d_run.request_restart();
    d_run_stamp = run_stamp_now();
    return sync_block::start();
}

// The correction takes effect at a fixed snapshot of x after the estimate's
// last one ("offset", in the corrector's item count; cal_apply_offset), not
// when the message happens to arrive: the users' channel then changes at the
// same snapshot whatever the threads' timing, as it would on a frame schedule.
// A corrector reading the same stream as x runs at most x's buffer ahead of
// this block; a message arriving later than its offset is applied at once
// (array_phase_corrector counts it).

int tx_phase_estimator_impl::work(int noutput_items,
                                  gr_vector_const_void_star& input_items,
                                  gr_vector_void_star&)
{
    const auto x = static_cast<const core::cfloat*>(input_items[0]);
    const auto y = static_cast<const core::cfloat*>(input_items[1]);
    pmt::pmt_t msg = pmt::PMT_NIL;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        if (!d_run.active([this] { d_est.restart(); }))
            return noutput_items;
        if (d_est.process(x, y, noutput_items)) {
            const auto& r = d_est.result();
            if (r.valid) {
                const std::vector<gr_complex> w = core::tx_cal_weights(r, d_equalize);
                const uint64_t last = nitems_read(0) + uint64_t(d_est.done_at()) - 1;
                msg = msg_dict()
                          .reals("phases_rad", r.phases_rad)
                          .complexes("weights", w)
                          .flag("reverse_elements", false)
                          .reals("gains_db", r.gains_db)
                          .i64("lag", r.lag)
                          .real("lag_score", r.lag_score)
                          .real("fit_db", r.fit_db)
                          .real("cfo", r.cfo)
                          .real("frac_lag", r.frac_lag)
                          .real("condition_db", r.condition_db)
                          .reals("phases_se_rad", r.phases_se_rad)
                          .u64("snapshots", r.snapshots)
                          .u64("first_snapshot", last + 1 - r.span)
                          .u64("last_snapshot", last)
                          .u64("offset", cal_apply_offset(*this, last + 1))
                          .u64("run", d_run_stamp);
                d_phases = r.phases_rad;
                d_run.published(msg, true);
            } else {
                // the reference was not found (receiver off, its timing
                // offset beyond max_lag) or x did not excite every channel:
                // search again rather than publish a guess; a receiver that
                // stays off repeats the same warning, so it thins out (1st,
                // 2nd, 4th, ...)
                const uint64_t k = ++d_invalid;
                if (log_this(k))
                    d_logger->warn(
                        "no valid estimate (lag {} of max_lag {}, score {:.1f}; fit "
                        "{:.1f} "
                        "dB; "
                        "excitation spread {:.1f} dB): is the reference receiver on, and "
                        "its timing offset within max_lag? starting again ({} refused so "
                        "far)",
                        r.lag,
                        d_est.max_lag(),
                        r.lag_score,
                        r.fit_db,
                        r.condition_db,
                        k);
                d_est.restart();
            }
        }
    }
    if (!pmt::is_null(msg))
        message_port_pub(d_out_port, msg);
    return noutput_items;
}

} // namespace isac
} // namespace gr
