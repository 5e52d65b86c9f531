/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_message.h"
#include "fractional_delay_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <cmath>

namespace gr {
namespace isac {

fractional_delay::sptr fractional_delay::make(
    int vlen, double delay, int taps, double max_delay, const std::string& key)
{
    core::params::fractional_delay::check(vlen, delay, taps, max_delay, key);
    if (key.empty())
        core::throw_param("key", "''", "a dict field name");
    // taps must be even, a rule a range cannot say: the core checks it
    core::fractional_delay probe(1, max_delay, taps);
    return gnuradio::make_block_sptr<fractional_delay_impl>(
        vlen, delay, taps, max_delay, key);
}

fractional_delay_impl::fractional_delay_impl(
    int vlen, double delay, int taps, double max_delay, const std::string& key)
    : gr::sync_block("fractional_delay",
                     gr::io_signature::make(1, 1, sizeof(gr_complex) * vlen),
                     gr::io_signature::make(1, 1, sizeof(gr_complex) * vlen)),
      d_fd(vlen, max_delay, taps),
      d_delay(delay),
      d_key(key),
      d_port(pmt::mp("delay")),
      d_tag_key(pmt::mp("isac_delay"))
{
    d_fd.set_delays({ delay });
    message_port_register_in(d_port);
    set_msg_handler(d_port, [this](const pmt::pmt_t& m) { handle(m); });
}

fractional_delay_impl::~fractional_delay_impl() {}

void fractional_delay_impl::delay_changed()
{
    d_pending = true; // work() moves the kernel and tags the item
    ++d_updates;
}

// clang-format off
// gen_params:begin accessor_definitions
void fractional_delay_impl::set_delay(double delay)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    core::check_value(core::params::fractional_delay::delay, double(delay), core::params::fractional_delay::delay.lo, double(d_fd.max_delay()));
    set_or_restore(d_delay, delay, [&] { delay_changed(); });
}

double fractional_delay_impl::delay() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_delay;
}
// gen_params:end accessor_definitions
// clang-format on

uint64_t fractional_delay_impl::updates() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_updates;
}

bool fractional_delay_impl::start()
{
    // a restart is a new stream from item 0: the last run's final samples are
    // not this run's past (work() is not running, d_fd needs no lock)
    d_fd.reset();
    return sync_block::start();
}

void fractional_delay_impl::handle(const pmt::pmt_t& msg)
{
    double d = 0.0;
    std::string why;
    // a bare number goes through the same non-throwing accessor as a dict entry
    const pmt::pmt_t dict =
        pmt::is_dict(msg) ? msg : pmt::pmt_t(msg_dict().value(d_key.c_str(), msg));
    const pmt::pmt_t v = pmt::dict_ref(dict, pmt::mp("valid"), pmt::PMT_NIL);
    if (pmt::is_bool(v) && !pmt::to_bool(v))
        return; // an estimate its producer does not trust
    if (!dict_get_double(dict, d_key.c_str(), d, why)) {
        d_logger->warn("delay: {}; message ignored",
                       why.empty() ? "needs a number or a dict with \"" + d_key + "\""
                                   : why);
        return;
    }
    try {
        set_delay(d);
    } catch (const std::exception& e) {
        d_logger->warn("delay: {}; message ignored, delay unchanged", e.what());
    }
}

int fractional_delay_impl::work(int noutput_items,
                                gr_vector_const_void_star& input_items,
                                gr_vector_void_star& output_items)
{
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        if (d_pending) {
            d_fd.set_delays({ d_delay });
            d_pending = false;
            add_item_tag(
                0, nitems_written(0), d_tag_key, pmt::from_double(d_delay), alias_pmt());
        }
    }
    d_fd.process(static_cast<const core::cfloat*>(input_items[0]),
                 static_cast<core::cfloat*>(output_items[0]),
                 noutput_items);
    return noutput_items;
}

} // namespace isac
} // namespace gr
