/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_message.h"
#include "loop_delay_estimator_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <algorithm>
#include <cmath>

namespace gr {
namespace isac {

loop_delay_estimator::sptr loop_delay_estimator::make(int n_tx,
                                                      int n_rx,
                                                      int max_delay,
                                                      int64_t n_avg,
                                                      bool continuous,
                                                      double min_peak_db,
                                                      double initial_delay)
{
    core::params::loop_delay_estimator::check(
        n_tx, n_rx, max_delay, n_avg, continuous, min_peak_db, initial_delay);
    return gnuradio::make_block_sptr<loop_delay_estimator_impl>(
        n_tx, n_rx, max_delay, n_avg, continuous, min_peak_db, initial_delay);
}

// the delay lines' longest delay: x_align = ceil(delay) + align_latency
static double longest_alignment(int max_delay)
{
    return max_delay + 1.0 + loop_delay_estimator::align_latency;
}

loop_delay_estimator_impl::loop_delay_estimator_impl(int n_tx,
                                                     int n_rx,
                                                     int max_delay,
                                                     int64_t n_avg,
                                                     bool continuous,
                                                     double min_peak_db,
                                                     double initial_delay)
    : gr::sync_block("loop_delay_estimator",
                     gr::io_signature::make2(
                         2, 2, sizeof(gr_complex) * n_tx, sizeof(gr_complex) * n_rx),
                     gr::io_signature::make2(
                         0, 2, sizeof(gr_complex) * n_tx, sizeof(gr_complex) * n_rx)),
      d_est(n_tx, n_rx, max_delay, long(n_avg), min_peak_db),
      d_run(continuous),
      d_out_port(pmt::mp("delay")),
      d_restart_port(pmt::mp("restart")),
      d_tag_key(pmt::mp("isac_delay")),
      // the 16 taps that align_latency gives a full kernel
      d_x_fd(n_tx, longest_alignment(max_delay), 2 * int(align_latency)),
      d_echo_fd(n_rx, longest_alignment(max_delay), 2 * int(align_latency)),
      d_infeasible_key(pmt::mp("isac_infeasible"))
{
    // Each output carries the tags of the stream it lines up (x -> out0, echo ->
    // out1), as one_bit_rx_filter does, not every input's on every output: the
    // precoder's per-snapshot isac_infeasible flags, the most frequent tag on x,
    // stop here too (no consumer of the aligned streams reads them; the
    // precoder counts them), so the echo path downstream no longer copies them
    // block by block.
    set_tag_propagation_policy(TPP_CUSTOM);
    d_x_fd.set_delays({ initial_delay });
    d_echo_fd.set_delays({ 0.0 });
    message_port_register_out(d_out_port);
    message_port_register_in(d_restart_port);
    set_msg_handler(d_restart_port, [this](const pmt::pmt_t&) { restart(); });
}

loop_delay_estimator_impl::~loop_delay_estimator_impl() {}

bool loop_delay_estimator_impl::stop()
{
    forget_buffer_sizes(*this); // the next start() sizes the buffers afresh
    return sync_block::stop();
}

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

uint64_t loop_delay_estimator_impl::valid_estimates() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_run.valid_count();
}

void loop_delay_estimator_impl::restart()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_run.request_restart();
}

int loop_delay_estimator_impl::work(int noutput_items,
                                    gr_vector_const_void_star& input_items,
                                    gr_vector_void_star& output_items)
{
    const auto x = static_cast<const core::cfloat*>(input_items[0]);
    const auto r = static_cast<const core::cfloat*>(input_items[1]);
    pmt::pmt_t msg = pmt::PMT_NIL;
    bool align = false;
    long at = 0; // the item of this call from which a new estimate's delays apply
    double x_align = 0.0, echo_align = 0.0;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        // after a one-shot estimate the block only consumes (no correlation
        // cost), and lines up its outputs
        if (d_run.active([this] { d_est.restart(); }) &&
            d_est.process(x, r, noutput_items)) {
            const auto& res = d_est.result();
            // the split of the two alignments: the echo by
            // align_latency + ceil(d) - d, which puts it back on the sample
            // grid (the extra latency gives its interpolator a full kernel),
            // and x by the integer align_latency + ceil(d)
            const double up = std::ceil(res.delay - 1e-9);
            x_align = up + align_latency;
            echo_align = align_latency + std::max(0.0, up - res.delay);
            msg = msg_dict()
                      .real("delay", res.delay)
                      .i64("integer", res.integer)
                      .real("fractional", res.fractional)
                      .real("x_align", x_align)
                      .real("echo_align", echo_align)
                      .real("peak_db", res.peak_db)
                      .real("delay_se", res.delay_se)
                      .flag("valid", res.valid)
                      .u64("snapshots", res.snapshots)
                      // the estimate's last snapshot, whatever the call sizes
                      .u64("offset", nitems_read(0) + uint64_t(d_est.done_at()) - 1);
            if (res.valid) {
                d_delay = res.delay;
                align = true;
                at = std::min<long>(d_est.done_at(), noutput_items);
            }
            d_run.published(msg, res.valid);
        }
    }
    // the outputs: this call's items, with a new estimate's delays from the
    // snapshot after its last one, a stream position whatever the call sizes
    // (the delay lines belong to work() alone)
    for (size_t o = 0; o < output_items.size(); ++o) {
        const uint64_t r0 = nitems_read(int(o));
        d_tags.clear();
        get_tags_in_range(d_tags, int(o), r0, r0 + uint64_t(noutput_items));
        for (const auto& t : d_tags)
            if (!pmt::eq(t.key, d_infeasible_key))
                add_item_tag(int(o), t.offset, t.key, t.value, t.srcid);
        auto& fd = o == 0 ? d_x_fd : d_echo_fd;
        const core::cfloat* in = o == 0 ? x : r;
        auto out = static_cast<core::cfloat*>(output_items[o]);
        long from = 0;
        if (align) {
            fd.process(in, out, at);
            from = at;
            const double d = o == 0 ? x_align : echo_align;
            fd.set_delays({ d });
            add_item_tag(int(o),
                         nitems_written(o) + uint64_t(at),
                         d_tag_key,
                         pmt::from_double(d),
                         alias_pmt());
        }
        fd.process(in + size_t(from) * fd.n_chan(),
                   out + size_t(from) * fd.n_chan(),
                   noutput_items - from);
    }
    if (!pmt::is_null(msg))
        message_port_pub(d_out_port, msg);
    return noutput_items;
}

} // namespace isac
} // namespace gr
