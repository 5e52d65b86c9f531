/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "csi_message.h"
#include "loop_delay_estimator_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <algorithm>
#include <cmath>

namespace gr {
namespace isac {

loop_delay_estimator::sptr loop_delay_estimator::make(
    int n_tx, int n_rx, int max_delay, int64_t n_avg, bool continuous, double min_peak_db)
{
    core::params::loop_delay_estimator::check(
        n_tx, n_rx, max_delay, n_avg, continuous, min_peak_db);
    return gnuradio::make_block_sptr<loop_delay_estimator_impl>(
        n_tx, n_rx, max_delay, n_avg, continuous, min_peak_db);
}

loop_delay_estimator_impl::loop_delay_estimator_impl(
    int n_tx, int n_rx, int max_delay, int64_t n_avg, bool continuous, double min_peak_db)
    : gr::sync_block("loop_delay_estimator",
                     gr::io_signature::make2(
                         2, 2, sizeof(gr_complex) * n_tx, sizeof(gr_complex) * n_rx),
                     gr::io_signature::make(0, 0, 0)),
      d_est(n_tx, n_rx, max_delay, long(n_avg), min_peak_db),
      d_run(continuous),
      d_out_port(pmt::mp("delay")),
      d_restart_port(pmt::mp("restart"))
{
    message_port_register_out(d_out_port);
    message_port_register_in(d_restart_port);
    set_msg_handler(d_restart_port, [this](const pmt::pmt_t&) { restart(); });
}

loop_delay_estimator_impl::~loop_delay_estimator_impl() {}

pmt::pmt_t loop_delay_estimator_impl::last_estimate() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_run.last();
}

double loop_delay_estimator_impl::delay() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_delay;
}

uint64_t loop_delay_estimator_impl::estimates() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_run.count();
}

void loop_delay_estimator_impl::restart()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_run.request_restart();
}

int loop_delay_estimator_impl::work(int noutput_items,
                                    gr_vector_const_void_star& input_items,
                                    gr_vector_void_star&)
{
    const auto x = static_cast<const core::cfloat*>(input_items[0]);
    const auto r = static_cast<const core::cfloat*>(input_items[1]);
    pmt::pmt_t msg = pmt::PMT_NIL;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        // after a one-shot estimate the block only consumes (no correlation cost)
        if (!d_run.active([this] { d_est.restart(); }))
            return noutput_items;
        if (d_est.process(x, r, noutput_items)) {
            const auto& res = d_est.result();
            // the split the two delay blocks apply: the echo by
            // align_latency + ceil(d) - d, which puts it back on the sample
            // grid (the extra latency gives its interpolator a full kernel),
            // and x by the integer align_latency + ceil(d)
            const double up = std::ceil(res.delay - 1e-9);
            msg = msg_dict()
                      .real("delay", res.delay)
                      .i64("integer", res.integer)
                      .real("fractional", res.fractional)
                      .real("x_align", up + align_latency)
                      .real("echo_align", align_latency + std::max(0.0, up - res.delay))
                      .real("peak_db", res.peak_db)
                      .flag("valid", res.valid)
                      .u64("snapshots", res.snapshots)
                      // the estimate's last snapshot, whatever the call sizes
                      .u64("offset", nitems_read(0) + uint64_t(d_est.done_at()) - 1);
            if (res.valid)
                d_delay = res.delay;
            d_run.published(msg, res.valid);
        }
    }
    if (!pmt::is_null(msg))
        message_port_pub(d_out_port, msg);
    return noutput_items;
}

} // namespace isac
} // namespace gr
