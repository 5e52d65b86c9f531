/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_RADIO_EMULATOR_IMPL_H
#define INCLUDED_ISAC_RADIO_EMULATOR_IMPL_H

#include "block_utils.h"
#include <gnuradio/isac/radio_emulator.h>
#include <chrono>
#include <mutex>
#include <vector>

namespace gr {
namespace isac {

class radio_emulator_impl : public radio_emulator
{
private:
    mutable std::mutex d_mutex; // guards d_emu (the truth getters read it)
    seeded_model<core::frontend_emulator> d_emu;
    const int d_n_sense_out; // n_sense_out() reads it unlocked: fixed at construction
    bool d_pace;
    const bool d_vector; // vector_ports
    bool d_started = false; // start() was called before: the next one restarts d_emu
    bool d_clock_started = false;
    std::chrono::steady_clock::time_point d_t0;
    uint64_t d_pos0 = 0;                                      // position at d_t0
    bool d_clip_warned = false; // this run's DAC clipping was logged (work thread)
    std::vector<core::cfloat> d_x, d_echo, d_users, d_uplink; // snapshot-major scratch

    core::frontend_emulator& emu() { return d_emu.get(); }
    const core::frontend_emulator& emu() const { return d_emu.get(); }

public:
    radio_emulator_impl(const core::frontend_params& p, bool pace, bool vector_ports);
    ~radio_emulator_impl() override;

    bool start() override;
    bool stop() override;

    std::string impairments() const override;
    core::impairment_profile profile() const override;
    uint64_t seed_used() const override;
    uint64_t position() const override;
    int n_sense_out() const override { return d_n_sense_out; }
    // clang-format off
    // gen_params:begin accessors
    void set_pace(bool pace) override;
    bool pace() const override;
    // gen_params:end accessors
    // clang-format on
    void pace_changed() { d_clock_started = false; } // on_set (lock held)
    void warn_tx_clipping();                         // work thread, after process()

    double loop_delay() const override;
    std::vector<double> tx_phases_rad() const override;
    std::vector<double> rx_phases_rad() const override;
    std::vector<double> tx_phases_rad_over(uint64_t first, uint64_t last) const override;
    std::vector<double> rx_phases_rad_over(uint64_t first, uint64_t last) const override;
    std::vector<gr_complex> tx_gains() const override;
    std::vector<gr_complex> rx_gains() const override;
    std::vector<gr_complex> user_gains() const override;
    std::vector<double> user_cfo() const override;
    std::vector<double> user_delay() const override;
    std::vector<double> rx_cfo() const override;
    std::vector<double> rx_delay() const override;
    std::vector<gr_complex> channel() const override;
    std::vector<gr_complex> channel_effective() const override;
    std::vector<gr_complex> echo_matrix() const override;
    std::vector<gr_complex> echo_gains() const override;
    std::vector<uint64_t> rx_clipped() const override;
    std::vector<uint64_t> user_clipped() const override;
    std::vector<uint64_t> tx_clipped() const override;
    uint64_t nonfinite_count() const override;
    std::vector<gr_complex> uplink_channel() const override;
    uint64_t uplink_collisions() const override;
    std::vector<gr_complex> channel_reported() const override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace isac
} // namespace gr

#endif
