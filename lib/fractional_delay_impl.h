/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_FRACTIONAL_DELAY_IMPL_H
#define INCLUDED_ISAC_FRACTIONAL_DELAY_IMPL_H

#include <gnuradio/isac/core/frontend.h>
#include <gnuradio/isac/fractional_delay.h>
#include <mutex>

namespace gr {
namespace isac {

class fractional_delay_impl : public fractional_delay
{
private:
    mutable std::mutex d_mutex;  // guards d_pending, d_delay, d_updates
    core::fractional_delay d_fd; // used by work() only
    double d_delay;
    const std::string d_key;
    bool d_pending = false;
    uint64_t d_updates = 0;
    const pmt::pmt_t d_port, d_tag_key;

    void handle(const pmt::pmt_t& msg);
    void delay_changed(); // on_set (lock held)

public:
    fractional_delay_impl(
        int vlen, double delay, int taps, double max_delay, const std::string& key);
    ~fractional_delay_impl() override;

    // clang-format off
    // gen_params:begin accessors
    void set_delay(double delay) override;
    double delay() const override;
    // gen_params:end accessors
    // clang-format on
    uint64_t updates() const override;
    bool start() override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace isac
} // namespace gr

#endif
