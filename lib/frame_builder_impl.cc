/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "frame_builder_impl.h"
#include "frame_tags.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <algorithm>
#include <cstring>

namespace gr {
namespace isac {

frame_builder::sptr frame_builder::make(int n_users,
                                        int n_tx,
                                        int payload_len,
                                        int preamble_block,
                                        int preamble_reps,
                                        int pilot_len,
                                        int frame_seed,
                                        int guard_len)
{
    core::params::frame_builder::check(n_users,
                                       n_tx,
                                       payload_len,
                                       preamble_block,
                                       preamble_reps,
                                       pilot_len,
                                       frame_seed,
                                       guard_len);
    return gnuradio::make_block_sptr<frame_builder_impl>(
        n_users,
        core::frame_format::make(n_tx,
                                 payload_len,
                                 preamble_block,
                                 preamble_reps,
                                 pilot_len,
                                 uint64_t(frame_seed),
                                 guard_len));
}

frame_builder_impl::frame_builder_impl(int n_users, const core::frame_format& f)
    : gr::block("frame_builder",
                gr::io_signature::make(1, 1, sizeof(gr_complex) * n_users),
                gr::io_signature::make(1, 1, sizeof(gr_complex) * n_users)),
      d_n_users(n_users),
      d_f(f)
{
    set_output_multiple(f.frame_len());
    set_relative_rate(uint64_t(f.frame_len()), uint64_t(f.payload_len));
    // input tags are moved to their symbol's place by hand
    set_tag_propagation_policy(TPP_DONT);
}

bool frame_builder_impl::start()
{
    // frame numbers and positions restart with the stream (a restarted
    // flowgraph starts a new frame at its first snapshot)
    d_index = 0;
    d_frames = 0;
    d_out0 = nitems_written(0);
    d_in0 = nitems_read(0);
    return block::start();
}

bool frame_builder_impl::stop()
{
    forget_buffer_sizes(*this); // the next start() sizes the buffers afresh
    return block::stop();
}

void frame_builder_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    ninput_items_required[0] = (noutput_items / d_f.frame_len()) * d_f.payload_len;
}

int frame_builder_impl::general_work(int noutput_items,
                                     gr_vector_int& ninput_items,
                                     gr_vector_const_void_star& input_items,
                                     gr_vector_void_star& output_items)
{
    const int F = d_f.frame_len(), Ld = d_f.payload_len, K = d_f.known_len();
    const int G = d_f.guard_start();
    const int nf = std::min(noutput_items / F, ninput_items[0] / Ld);
    if (nf <= 0)
        return 0;
    const auto in = static_cast<const gr_complex*>(input_items[0]);
    auto out = static_cast<gr_complex*>(output_items[0]);
    const size_t U = size_t(d_n_users);
    const uint64_t w0 = nitems_written(0), r0 = nitems_read(0);

    std::vector<gr::tag_t> tags;
    get_tags_in_range(tags, 0, r0, r0 + uint64_t(nf) * Ld);

    for (int k = 0; k < nf; ++k) {
        gr_complex* o = out + size_t(k) * F * U;
        std::fill(o, o + size_t(K) * U, gr_complex(0, 0));
        std::memcpy(
            o + size_t(K) * U, in + size_t(k) * Ld * U, sizeof(gr_complex) * Ld * U);
        std::fill(o + size_t(G) * U, o + size_t(F) * U, gr_complex(0, 0));
        const uint64_t s = w0 + uint64_t(k) * F;
        add_item_tag(0, s, frame_tag_key, make_frame_dict(d_f, d_index + k));
        add_item_tag(
            0, s + d_f.pilot_start(), pilot_tag_key, pmt::from_long(d_f.pilots()));
        add_item_tag(0, s + K, payload_tag_key, pmt::from_long(Ld));
        if (d_f.guard_len > 0)
            add_item_tag(0, s + G, guard_tag_key, pmt::from_long(d_f.guard_len));
    }
    for (const auto& t : tags) {
        // input item i (since start) is payload item i % Ld of frame i / Ld
        const uint64_t i = t.offset - d_in0;
        const uint64_t frame = i / Ld, j = i % Ld;
        add_item_tag(0, d_out0 + frame * F + K + j, t.key, t.value, t.srcid);
    }
    d_index += nf;
    d_frames = d_index;
    consume(0, nf * Ld);
    return nf * F;
}

} // namespace isac
} // namespace gr
