/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

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
      d_continuous(continuous),
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
    return d_last;
}

double loop_delay_estimator_impl::delay() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_delay;
}

uint64_t loop_delay_estimator_impl::estimates() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_estimates;
}

void loop_delay_estimator_impl::restart()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_restart = true;
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
        if (d_restart) {
            d_est.restart();
            d_done = false;
            d_restart = false;
        }
        // after a one-shot estimate the block only consumes (no correlation cost)
        if (d_done)
            return noutput_items;
        if (d_est.process(x, r, noutput_items)) {
            const auto& res = d_est.result();
            pmt::pmt_t d = pmt::make_dict();
            d = pmt::dict_add(d, pmt::mp("delay"), pmt::from_double(res.delay));
            d = pmt::dict_add(d, pmt::mp("integer"), pmt::from_long(res.integer));
            d = pmt::dict_add(d, pmt::mp("fractional"), pmt::from_double(res.fractional));
            // the split the two delay blocks apply: the echo by
            // align_latency + ceil(d) - d, which puts it back on the sample
            // grid (the extra latency gives its interpolator a full kernel),
            // and x by the integer align_latency + ceil(d)
            const double up = std::ceil(res.delay - 1e-9);
            d = pmt::dict_add(
                d, pmt::mp("x_align"), pmt::from_double(up + align_latency));
            d = pmt::dict_add(
                d,
                pmt::mp("echo_align"),
                pmt::from_double(align_latency + std::max(0.0, up - res.delay)));
            d = pmt::dict_add(d, pmt::mp("peak_db"), pmt::from_double(res.peak_db));
            d = pmt::dict_add(d, pmt::mp("valid"), pmt::from_bool(res.valid));
            d = pmt::dict_add(d, pmt::mp("snapshots"), pmt::from_uint64(res.snapshots));
            // the estimate used the last n_avg snapshots up to this call's end
            // (a mid-call completion is close enough for a label)
            d = pmt::dict_add(d,
                              pmt::mp("offset"),
                              pmt::from_uint64(nitems_read(0) + noutput_items - 1));
            d_last = d;
            ++d_estimates;
            if (res.valid) {
                d_delay = res.delay;
                d_done = !d_continuous;
            }
            msg = d;
        }
    }
    if (!pmt::is_null(msg))
        message_port_pub(d_out_port, msg);
    return noutput_items;
}

} // namespace isac
} // namespace gr
