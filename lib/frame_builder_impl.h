/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_FRAME_BUILDER_IMPL_H
#define INCLUDED_ISAC_FRAME_BUILDER_IMPL_H

#include <gnuradio/isac/core/frame.h>
#include <gnuradio/isac/frame_builder.h>
#include <atomic>

namespace gr {
namespace isac {

class frame_builder_impl : public frame_builder
{
public:
    frame_builder_impl(int n_users, const core::frame_format& f);

    int frame_len() const override { return d_f.frame_len(); }
    int known_len() const override { return d_f.known_len(); }
    uint64_t frames() const override { return d_frames.load(); }
    bool start() override;
    bool stop() override;

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    const int d_n_users;
    const core::frame_format d_f;
    std::atomic<uint64_t> d_frames{ 0 };
    uint64_t d_index = 0; // frames written since start()
    uint64_t d_out0 = 0;  // output item count at start()
    uint64_t d_in0 = 0;   // input item count at start()
};

} // namespace isac
} // namespace gr

#endif
