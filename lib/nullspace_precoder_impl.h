/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_NULLSPACE_PRECODER_IMPL_H
#define INCLUDED_ISAC_NULLSPACE_PRECODER_IMPL_H

#include "block_utils.h"
#include "csi_message.h"
#include "frame_tags.h"
#include <gnuradio/isac/core/worker_pool.h>
#include <gnuradio/isac/nullspace_precoder.h>
#include <condition_variable>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>

namespace gr {
namespace isac {

class nullspace_precoder_impl : public nullspace_precoder
{
private:
    // A finished design, with the single-precision matrices the stream uses,
    // prepared on the design thread so work() only swaps a pointer.
    struct prepared {
        uint64_t id = 0;
        uint64_t offset = 0; // switch not before this absolute item
        core::sdisac_design d;
        core::cmatf F, M, Pi;
        pmt::pmt_t stats;
        bool from_csi = false; // designed for a csi message's channel, not set_channel()
        uint64_t run = 0;      // d_run when it was designed
        uint64_t gen = 0;      // d_params_gen of the settings it was designed with
        // the csi's "measured" item (csi_message.h): judged against a calibration
        bool has_measured = false;
        uint64_t measured = 0;
    };

    const int d_n_tx, d_n_users;
    const uint64_t d_L; // frame_len: fixed for the block's life
    const bool d_external;
    const pmt::pmt_t d_stats_port, d_csi_port, d_cal_port, d_channel_port, d_tag_key;

    run_fence d_fence;          // the run of incoming csi and cal
    mutable std::mutex d_mutex; // guards everything below up to d_task
    std::condition_variable d_cv_idle;
    core::sdisac_params d_params;
    Eigen::MatrixXcd d_H;
    bool d_have_channel = false;
    bool d_H_from_csi = false; // d_H came from a csi message (a restart drops it)
    // the last set_channel() channel: a restart that drops a csi channel gives it back
    Eigen::MatrixXcd d_set_H;
    uint64_t d_params_gen = 0; // apply() calls: a kept design of older settings is redone
    bool d_H_has_measured = false; // d_H's csi said when it was measured
    // a calibration ended d_H: a setter must not redesign the pre-calibration
    // channel (until the next csi or set_channel, or the mute's bound)
    bool d_H_ended = false;
    uint64_t d_H_measured = 0;
    std::vector<uint64_t> d_cal_in; // calibrations' items, not yet seen by work()
    uint64_t d_run = 0;        // stop() calls: a csi design of an earlier run is stale
    bool d_request = false; // a redesign is wanted
    bool d_posted = false;  // design_pending() is queued or running on d_task
    bool d_busy = false;    // a design is running
    // the running design's id, source and settings (stop() may keep it)
    uint64_t d_busy_id = 0;
    bool d_busy_from_csi = false;
    uint64_t d_busy_gen = 0;
    uint64_t d_req_offset = 0;
    uint64_t d_next_id = 1;
    uint64_t d_finished = 0;
    std::vector<std::shared_ptr<prepared>> d_ready; // finished, not yet picked up by work()
    std::shared_ptr<const prepared> d_in_use; // copy of d_active for design()
    std::shared_ptr<const prepared> d_last;   // last finished (ok or not)
    // designs run one after the other on the module's background worker; its
    // cancellation (the destructor) ends a design within one iteration
    core::background_task d_task;

    // Owned by the work() thread only.
    std::shared_ptr<const prepared> d_active;
    bool d_retag = false; // start() after a stop(): tag the design in use at item 0
    // ok designs waiting for their frame boundary (and offset), oldest first
    std::deque<std::shared_ptr<const prepared>> d_waiting;
    std::atomic<uint64_t> d_nonfinite{ 0 }, d_dropped{ 0 };
    double d_waiting_bytes = 0;
    bool d_wait_logged = false;
    // work thread: calibrations ahead (items, in order), and the last one taken
    std::deque<uint64_t> d_cals;
    bool d_cal_taken = false;
    uint64_t d_cal_at = 0;
    // the newest design a calibration ended or judged stale, taken again if no
    // csi measured after the calibration comes within the bound
    std::shared_ptr<const prepared> d_held;
    uint64_t d_late_cals = 0; // calibrations taken after their item
    input_end_grace d_end_grace;
    std::vector<gr_complex> d_clean_s, d_clean_b;
    known_tx d_known; // frame tags: known snapshots are sent, not precoded
    double d_known_power;

    void design_pending(); // on d_task: designs until no request is left
    static double bytes_of(const prepared& p);
    void request_locked(uint64_t offset);
    //! the setters' apply: validates p as a whole, takes it and asks for a redesign
    void apply(const core::sdisac_params& p);
    void handle_csi(const pmt::pmt_t& msg);
    void handle_cal(const pmt::pmt_t& msg);
    //! work(): the calibrations due at item abs end the design in use
    void take_cals(uint64_t abs);
    //! drops the waiting designs for a csi measured before the calibration settled
    void drop_stale_waiting();
    void announce(uint64_t offset, uint64_t epoch);
    static pmt::pmt_t stats_dict(const prepared& p);
    void publish_and_log(const prepared& p);

public:
    nullspace_precoder_impl(int n_tx, int n_users, const core::sdisac_params& prm);
    ~nullspace_precoder_impl() override;

    void set_channel(const Eigen::MatrixXcd& H) override;
    bool wait_design(double timeout_s) override;
    bool wait_designs(uint64_t count, double timeout_s) override;
    uint64_t designs_finished() const override;
    void post_csi(const pmt::pmt_t& msg) override { handle_csi(msg); }
    uint64_t design_id() const override;
    core::sdisac_design design() const override;
    core::sdisac_design last_design() const override;
    uint64_t nonfinite_count() const override { return d_nonfinite.load(); }
    uint64_t dropped_design_count() const override { return d_dropped.load(); }
    bool start() override;
    bool stop() override;

    // clang-format off
    // gen_params:begin accessors
    //! d_params as it is now: the setters change this copy and apply() it
    auto locked_config() const
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_params;
    }
    void set_power(double power) override;
    void set_sinr_db(double sinr_db) override;
    void set_targets_deg(const std::vector<double>& targets_deg) override;
    void set_beam_width_deg(double beam_width_deg) override;
    // gen_params:end accessors
    // clang-format on
    void set_csi(double csi_error, double csi_weight, double csi_corr) override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_NULLSPACE_PRECODER_IMPL_H */
