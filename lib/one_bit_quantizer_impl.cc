/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_message.h"
#include "frame_tags.h"
#include "one_bit_quantizer_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/quantize.h>
#include <algorithm>
#include <cmath>
#include <vector>

namespace gr {
namespace isac {

one_bit_quantizer::sptr
one_bit_quantizer::make(int vlen, const std::string& mode, double power)
{
    core::params::one_bit_quantizer::check(vlen, mode, power);
    return gnuradio::make_block_sptr<one_bit_quantizer_impl>(vlen, mode, power);
}

bool one_bit_quantizer_impl::parse_mode(const std::string& mode)
{
    if (mode == "adc")
        return true;
    if (mode == "dac")
        return false;
    core::throw_param("mode", "'" + mode + "'", "'dac' or 'adc'");
}

one_bit_quantizer_impl::one_bit_quantizer_impl(int vlen,
                                               const std::string& mode,
                                               double power)
    : gr::sync_block("one_bit_quantizer",
                     gr::io_signature::make(1, 1, sizeof(gr_complex) * vlen),
                     gr::io_signature::make(1, 1, sizeof(gr_complex) * vlen)),
      d_vlen(vlen),
      d_adc(parse_mode(mode)),
      d_power(power),
      d_amplitude(core::one_bit_dac_amplitude(vlen, power)),
      d_stats_port(pmt::mp("stats"))
{
    message_port_register_out(d_stats_port);
}

one_bit_quantizer_impl::~one_bit_quantizer_impl() {}

void one_bit_quantizer_impl::power_changed()
{
    d_amplitude = core::one_bit_dac_amplitude(d_vlen, d_power);
}

// clang-format off
// gen_params:begin accessor_definitions
void one_bit_quantizer_impl::set_mode(const std::string& mode)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    core::check_option(core::params::one_bit_quantizer::mode, mode);
    d_adc = parse_mode(mode);
}

std::string one_bit_quantizer_impl::mode() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_adc ? "adc" : "dac";
}

void one_bit_quantizer_impl::set_power(double power)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    core::check_value(core::params::one_bit_quantizer::power, double(power));
    set_or_restore(d_power, power, [&] { power_changed(); });
}

double one_bit_quantizer_impl::power() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_power;
}
// gen_params:end accessor_definitions
// clang-format on

bool one_bit_quantizer_impl::start()
{
    // items count from 0 again, and the stats totals are this run's (the
    // block has no reset(): totals across runs would never restart)
    d_mute_end = 0;
    d_items = 0;
    d_nan_count.store(0);
    return sync_block::start();
}

int one_bit_quantizer_impl::work(int noutput_items,
                                 gr_vector_const_void_star& input_items,
                                 gr_vector_void_star& output_items)
{
    float amp;
    bool adc;
    {
        // One consistent (mode, power) pair per call: a setter never splits a vector.
        std::lock_guard<std::mutex> lock(d_mutex);
        adc = d_adc;
        amp = adc ? 1.0f : d_amplitude;
    }
    const auto in = static_cast<const float*>(input_items[0]);
    auto out = static_cast<float*>(output_items[0]);
    const size_t nf = size_t(2) * d_vlen * noutput_items;
    const uint64_t nans = core::one_bit_quantize(in, out, nf, amp);
    if (adc && nans) {
        // A sample that is not a number has no sign: the ADC passes NaN on, so the
        // receiver discards (and counts) that snapshot instead of treating it as +1.
        // The DAC keeps +a: what it drives must stay in the alphabet.
        for (size_t i = 0; i < nf; ++i)
            if (std::isnan(in[i]))
                out[i] = in[i];
    }
    if (!adc) {
        // A precoder mutes a payload before any channel and every frame's guard
        // (isac_mute): the DAC keeps those snapshots zero, the radio sends silence
        // instead of an unsteered alphabet vector (and none in a TDD uplink slot).
        const uint64_t base = nitems_read(0);
        const uint64_t end = base + uint64_t(noutput_items);
        std::vector<gr::tag_t> tags;
        get_tags_in_range(tags, 0, base, end, mute_tag_key);
        auto zero = [&](uint64_t a, uint64_t b) { // items [a, b) of this call
            a = std::max(a, base);
            b = std::min(b, end);
            if (a < b)
                std::fill(
                    out + 2 * d_vlen * (a - base), out + 2 * d_vlen * (b - base), 0.0f);
        };
        zero(base, d_mute_end);
        for (const auto& t : tags) {
            if (!pmt::is_integer(t.value) && !pmt::is_uint64(t.value))
                continue;
            const uint64_t n = pmt::is_uint64(t.value)
                                   ? pmt::to_uint64(t.value)
                                   : uint64_t(std::max(0L, pmt::to_long(t.value)));
            zero(t.offset, t.offset + n);
            d_mute_end = std::max(d_mute_end, t.offset + n);
        }
    }
    d_items += noutput_items;
    if (nans) {
        const uint64_t total = d_nan_count.fetch_add(nans) + nans;
        msg_dict d;
        d.u64("nan_count", total);
        d.u64("items", d_items);
        message_port_pub(d_stats_port, d);
    }
    return noutput_items;
}

} /* namespace isac */
} /* namespace gr */
