/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_ISAC_CHANNEL_IMPL_H
#define INCLUDED_ISAC_ISAC_CHANNEL_IMPL_H

#include "block_utils.h"
#include "csi_message.h"
#include <gnuradio/isac/core/channel.h>
#include <gnuradio/isac/isac_channel.h>
#include <mutex>

namespace gr {
namespace isac {

class isac_channel_impl : public isac_channel
{
private:
    mutable std::mutex d_mutex; // guards d_model and the dirty flags
    seeded_model<core::isac_channel_model> d_model;
    core::isac_channel_model& model() { return d_model.get(); }
    const core::isac_channel_model& model() const { return d_model.get(); }
    bool d_csi_dirty = false;   // H changed by a setter: publish from work()
    bool d_truth_dirty = false; // radar state changed by a setter
    bool d_cpi_tag_pending = true; // CPI 0 starts at the first work() call
    const uint64_t d_csi_lead;
    uint64_t d_next_pub = 1; // next channel draw whose csi is not yet published
    const pmt::pmt_t d_csi_port, d_truth_port, d_set_port, d_resync_port, d_cpi_key,
        d_snap_key;
    bool d_started = false;
    uint64_t d_session = 0;    // drawn at each start(): the high half of every epoch
    int64_t d_index_delta = 0; // peer snapshot index - my item count (isac_snap tags)
    uint64_t d_peer_session = 0;
    pmt::pmt_t d_srcid = pmt::mp("isac_channel"); // tag source id (alias, set in start())

    //! The run-time parameters as the user gives them (degrees); d_model holds
    //! them in the core's units. Guarded by d_mutex.
    struct settings {
        std::vector<double> user_deg, comm_noise_var;
        double rician_k_db, target_deg, tx_deg, rx_deg, target_snr_db;
        std::vector<double> clutter_deg, cnr_db;
        double radar_noise_var;
    } d_set;

    void apply_locked(const core::channel_params& q); // throws param_error
    //! on_set (lock held): d_model takes d_set and draws again; throws param_error
    //! leaving d_model unchanged
    void redraw();
    void handle_set(const pmt::pmt_t& msg);
    void publish_csi(uint64_t offset);
    bool csi_listened(); // csi port has subscribers
    void publish_truth(uint64_t offset);
    void publish_ahead(uint64_t pos); // csi of draws with offset <= pos + lead
    uint64_t epoch_of(uint64_t draw) const
    {
        return (d_session << 32) | (draw & 0xffffffffu);
    }
    uint64_t peer_offset(uint64_t pos) const;
    void handle_snap_tags(int n);

public:
    isac_channel_impl(const core::channel_params& p, uint64_t csi_lead);
    ~isac_channel_impl() override;

    bool start() override;

    // clang-format off
    // gen_params:begin accessors
    //! change() edits d_set under the lock, then redraw(); if either
    //! throws, d_set is as before and the error propagates
    template <class F>
    void change_values(F&& change)
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        const auto previous = d_set;
        try {
            change();
            redraw();
        } catch (...) {
            d_set = previous;
            throw;
        }
    }
    //! the values of a parsed `set` message, all or nothing (throws param_error)
    void apply_set(const set_values& v);
    void set_user_deg(const std::vector<double>& user_deg) override;
    std::vector<double> user_deg() const override;
    void set_comm_noise_var(const std::vector<double>& comm_noise_var) override;
    std::vector<double> comm_noise_var() const override;
    void set_rician_k_db(double rician_k_db) override;
    double rician_k_db() const override;
    void set_target_deg(double target_deg) override;
    double target_deg() const override;
    void set_tx_deg(double tx_deg) override;
    double tx_deg() const override;
    void set_rx_deg(double rx_deg) override;
    double rx_deg() const override;
    void set_target_snr_db(double target_snr_db) override;
    double target_snr_db() const override;
    void set_clutter_deg(const std::vector<double>& clutter_deg) override;
    std::vector<double> clutter_deg() const override;
    void set_cnr_db(const std::vector<double>& cnr_db) override;
    std::vector<double> cnr_db() const override;
    void set_radar_noise_var(double radar_noise_var) override;
    double radar_noise_var() const override;
    // gen_params:end accessors
    // clang-format on
    void set_clutter(const std::vector<double>& clutter_deg,
                     const std::vector<double>& cnr_db) override;
    std::vector<gr_complex> channel() const override;
    std::vector<gr_complex> gains() const override;
    uint64_t seed_used() const override;
    uint64_t nonfinite_count() const override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_ISAC_CHANNEL_IMPL_H */
