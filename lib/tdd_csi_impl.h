/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_TDD_CSI_IMPL_H
#define INCLUDED_ISAC_TDD_CSI_IMPL_H

#include "csi_message.h"
#include <gnuradio/isac/core/tdd_csi.h>
#include <gnuradio/isac/tdd_csi.h>
#include <deque>
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
    bool stop() override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    const int d_frame_len_param, d_delay;
    const bool d_user_scale;
    const int d_report_every;
    const pmt::pmt_t d_row_port, d_kappa_port, d_csi_port, d_stats_port;

    run_fence d_fence;                      // the run of incoming messages
    std::atomic<uint64_t> d_run_stamp{ 0 }; // stamps what this block publishes
    mutable std::mutex d_mutex; // guards everything below
    core::tdd_csi_estimator d_est;
    long d_frame_len; // d_frame_len_param, or the reference rows' frame_len
    core::cmat d_posted;
    bool d_have_post = false;
    uint64_t d_posts = 0, d_received = 0, d_rejected = 0;
    int64_t d_first = -1, d_last = -1;
    std::vector<const core::cfloat*> d_in;

    // Rows are paired with the uplink by frame number, not by arrival: the
    // csi for a slot ending at S takes the rows of the frames before S's frame
    // (their reports complete), whatever the users' threads did meanwhile.
    using posts_out = std::vector<std::pair<pmt::pmt_t, pmt::pmt_t>>; // csi, stats
    struct waiting_row {
        int user;
        int64_t frame;
        core::cvec row;
        double value; // the reference row's error variance, or a user's energy
    };
    struct pending_slot {
        uint64_t slot_end;
        core::tdd_csi_estimator est; // the uplink as it stood at slot_end
    };
    core::tdd_csi_estimator d_cal; // calibration side: rows taken frame by frame
    std::deque<waiting_row>
        d_waiting;                 // received, not yet taken (per user in frame order)
    report_frames d_frames;        // the rows' frame numbers (restarts, jumps, grid)
    std::deque<pending_slot> d_pending; // slots waiting for their rows, in stream order
    uint64_t d_forced = 0;              // slots taken without every user's rows
    uint64_t d_dropped = 0;             // rows over d_waiting's cap (oldest first)
    uint64_t d_kappa_rejected = 0;      // slots with the own kappa out of bounds
    // another user's rows that came before the reference user's first row set
    // the grid (a start-up order, not a fault): admitted once it is known
    std::deque<std::pair<row_report, double>> d_early;

    std::string
    take_row(const row_report& rep, double value, bool ref, report_frames::decision& dec);
    bool no_grid_for(const row_report& rep, bool ref) const;

    void handle_row(const pmt::pmt_t& msg);
    void handle_kappa(const pmt::pmt_t& msg);
    bool rows_complete(int64_t frame) const;
    void take_rows(int64_t frame);
    void on_slot(uint64_t slot_end, posts_out& out);
    void take_pending(uint64_t now, posts_out& out);
    void evaluate(uint64_t slot_end, const core::tdd_csi_estimator& est, posts_out& out);
};

} // namespace isac
} // namespace gr

#endif
