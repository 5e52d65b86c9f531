/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_ONE_BIT_QUANTIZER_IMPL_H
#define INCLUDED_ISAC_ONE_BIT_QUANTIZER_IMPL_H

#include <gnuradio/isac/one_bit_quantizer.h>
#include <atomic>
#include <mutex>

namespace gr {
namespace isac {

class one_bit_quantizer_impl : public one_bit_quantizer
{
private:
    const int d_vlen;
    mutable std::mutex d_mutex; // guards d_adc, d_power, d_amplitude
    bool d_adc;
    double d_power;
    float d_amplitude;
    std::atomic<uint64_t> d_nan_count{ 0 };
    uint64_t d_items = 0;
    uint64_t d_mute_end = 0; // items before this are muted (isac_mute tags)
    const pmt::pmt_t d_stats_port;

    static bool parse_mode(const std::string& mode);
    void power_changed(); // on_set (lock held)

public:
    one_bit_quantizer_impl(int vlen, const std::string& mode, double power);
    ~one_bit_quantizer_impl() override;

    // clang-format off
    // gen_params:begin accessors
    void set_mode(const std::string& mode) override;
    std::string mode() const override;
    void set_power(double power) override;
    double power() const override;
    // gen_params:end accessors
    // clang-format on
    uint64_t nan_count() const override { return d_nan_count.load(); }
    bool start() override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_ONE_BIT_QUANTIZER_IMPL_H */
