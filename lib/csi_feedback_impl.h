/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_CSI_FEEDBACK_IMPL_H
#define INCLUDED_ISAC_CSI_FEEDBACK_IMPL_H

#include "csi_message.h"
#include <gnuradio/isac/core/types.h>
#include <gnuradio/isac/csi_feedback.h>
#include <mutex>

namespace gr {
namespace isac {

class csi_feedback_impl : public csi_feedback
{
public:
    csi_feedback_impl(int n_users, int n_tx, int delay_frames, int bits);

    uint64_t posts() const override;
    int64_t first_offset() const override;
    int64_t last_offset() const override;
    std::vector<std::vector<gr_complex>> channel() const override;
    uint64_t rows_received() const override;
    uint64_t rows_rejected() const override;
    bool start() override;
    bool stop() override;

private:
    struct user_row {
        bool have = false;
        core::cvec row, raw;
        uint64_t frame = 0, interval = 0;
        long frame_len = 0;
        bool rebased = false; // its next interval is not a gap's (restart, outage)
    };
    struct report {
        int user;
        uint64_t frame;
        long frame_len;
        core::cvec row;
    };
    const int d_n_users, d_n_tx, d_delay, d_bits;
    const pmt::pmt_t d_row_port, d_cal_port, d_csi_port, d_stats_port;

    run_fence d_fence;                      // the run of incoming messages
    std::atomic<uint64_t> d_run_stamp{ 0 }; // stamps what this block publishes
    mutable std::mutex d_mutex;
    std::vector<user_row> d_rows;
    report_frames d_frames;        // the reports' frame numbers (restarts, jumps, grid)
    std::vector<report> d_waiting; // received, not yet taken (frame order decides)
    core::cmat d_posted;
    bool d_have_post = false;
    uint64_t d_posted_frame = 0;
    uint64_t d_posts = 0, d_received = 0, d_rejected = 0, d_restarts = 0;
    int64_t d_first = -1, d_last = -1;
    // a transmit calibration's item: the first complete row set measured a frame
    // after it is posted even if unchanged (it ends the precoders' mute)
    bool d_cal_pending = false;
    uint64_t d_cal_at = 0;

    void handle_row(const pmt::pmt_t& msg);
    void handle_cal(const pmt::pmt_t& msg);
    //! Takes one frame's reports into d_rows and decides whether H is published;
    //! returns the messages to publish (empty: none).
    bool take_frame(uint64_t frame, pmt::pmt_t& csi, pmt::pmt_t& stats);
};

} // namespace isac
} // namespace gr

#endif
