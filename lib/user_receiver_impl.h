/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_USER_RECEIVER_IMPL_H
#define INCLUDED_ISAC_USER_RECEIVER_IMPL_H

#include "csi_message.h"
#include <gnuradio/isac/core/safe_margin.h>
#include <gnuradio/isac/core/user_rx.h>
#include <gnuradio/isac/user_receiver.h>
#include <deque>
#include <mutex>

namespace gr {
namespace isac {

class user_receiver_impl : public user_receiver
{
public:
    user_receiver_impl(const core::user_rx_params& p,
                       int n_users,
                       int user,
                       int ser_every);

    std::vector<double> ser() const override;
    std::vector<double> ber() const override;
    std::vector<uint64_t> errors() const override;
    uint64_t count() const override;
    void reset() override;
    void set_count_window(uint64_t first, uint64_t end) override;

    bool locked() const override;
    double cfo() const override;
    uint64_t frames() const override;
    uint64_t missed() const override;
    uint64_t acquisitions() const override;
    int64_t locked_frame() const override;
    int64_t first_report_frame() const override;
    std::vector<gr_complex> last_row() const override;
    pmt::pmt_t last_stats() const override;
    uint64_t nonfinite_count() const override;
    uint64_t ref_dropped() const override;
    uint64_t ref_nonfinite() const override;
    uint64_t format_mismatches() const override;
    uint64_t csi_rejected() const override;
    void set_loop_gains(double pll_gain, double fll_gain) override;
    // clang-format off
    // gen_params:begin accessors
    void set_pll_gain(double pll_gain) override;
    double pll_gain() const override;
    void set_fll_gain(double fll_gain) override;
    double fll_gain() const override;
    // gen_params:end accessors
    // clang-format on

    bool start() override;
    bool stop() override;
    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    struct pending {
        core::rx_frame f;
        size_t out_pos = 0;   // payload samples already written
        bool matched = false; // the reference was looked at (counted or not)
    };

    const int d_n_users, d_user, d_M, d_ser_every;
    const int d_F, d_Ld;
    const pmt::pmt_t d_row_port, d_ser_port, d_stats_port, d_csi_port;

    run_fence d_fence;                      // the run of incoming messages
    std::atomic<uint64_t> d_run_stamp{ 0 }; // stamps what this block publishes
    mutable std::mutex d_mutex; // guards everything below
    core::user_receiver d_core;
    double d_pll_gain, d_fll_gain; // the tracking loops' gains (d_core has them too)
    std::deque<pending> d_pending;
    core::psk_index_cache d_ref_k; // reference symbols repeat: their decisions cached
    core::reference_window d_ref;  // this user's symbols of the frames still expected
    uint64_t d_ref_warned = 0;     // d_ref.dropped() at the last warning
    uint64_t d_mm_warned = 0;      // d_core.format_mismatches() at the last warning
    uint64_t d_grid_warned = 0;    // d_core.grid_mismatches() at the last warning
    int d_ref_held = 0;            // items of in1 in the window, not consumed
    int d_in_held = 0;             // items of in0 pushed to d_core, not consumed
    bool d_eos = false;            // in0 ended: the held frame flushed
    uint64_t d_ref_nonfinite = 0;  // non-finite reference symbols left out of the SER
    uint64_t d_csi_rejected = 0;   // csi messages ignored since start()
    uint64_t d_n = 0, d_err = 0, d_bit_err = 0;
    uint64_t d_count_first = 0, d_count_end = 0; // frames counted (end 0: all)
    int64_t d_locked_frame = -1, d_first_report = -1;
    std::vector<gr_complex> d_last_row;
    // the last frame's stats, and their dict once built (nil until then)
    struct frame_stats {
        uint64_t index = 0;
        double start = 0, cfo = 0, cfo_preamble = 0, snr_db = 0, noise_var = 0;
        bool header_flag = false, decided = false, acquired = false;
        uint64_t ref_dropped = 0, ref_nonfinite = 0, format_mismatches = 0;
    };
    frame_stats d_last_frame;
    bool d_has_frame = false;
    mutable pmt::pmt_t d_last_stats = pmt::PMT_NIL;

    struct input_state {
        int available = 0;
        bool done = false;
    };
    input_state peek_input(int i) const;
    bool can_progress(bool has_ref, const input_state& in0, const input_state& in1) const;
    void handle_csi(const pmt::pmt_t& msg);
    void post_frame_messages(const core::rx_frame& f);
    static pmt::pmt_t stats_dict(const frame_stats& f, int F);
    pmt::pmt_t ser_dict(const core::rx_frame& f) const; // d_mutex held
    void loop_gains_changed();   // on_set (d_mutex held)
};

} // namespace isac
} // namespace gr

#endif
