/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_TDD_CSI_IMPL_H
#define INCLUDED_ISAC_TDD_CSI_IMPL_H

#include <gnuradio/isac/core/tdd_csi.h>
#include <gnuradio/isac/tdd_csi.h>
#include <mutex>

namespace gr {
namespace isac {

class tdd_csi_impl : public tdd_csi
{
public:
    tdd_csi_impl(const core::tdd_csi_params& p,
                 int frame_len,
                 int delay_frames,
                 bool user_scale,
                 int report_every);

    uint64_t posts() const override;
    int64_t first_offset() const override;
    int64_t last_offset() const override;
    std::vector<std::vector<gr_complex>> channel() const override;
    std::vector<gr_complex> kappa() const override;
    uint64_t slots() const override;
    uint64_t bad_slots() const override;
    uint64_t rows_received() const override;
    uint64_t rows_rejected() const override;
    bool start() override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    const int d_frame_len_param, d_delay;
    const bool d_user_scale;
    const int d_report_every;
    const pmt::pmt_t d_row_port, d_kappa_port, d_csi_port, d_stats_port;

    mutable std::mutex d_mutex; // guards everything below
    core::tdd_csi_estimator d_est;
    long d_frame_len; // d_frame_len_param, or the reference rows' frame_len
    core::cmat d_posted;
    bool d_have_post = false;
    uint64_t d_posts = 0, d_received = 0, d_rejected = 0;
    int64_t d_first = -1, d_last = -1;
    std::vector<const core::cfloat*> d_in;

    void handle_row(const pmt::pmt_t& msg);
    void handle_kappa(const pmt::pmt_t& msg);
};

} // namespace isac
} // namespace gr

#endif
