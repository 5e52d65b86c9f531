/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_FRACTIONAL_DELAY_H
#define INCLUDED_ISAC_FRACTIONAL_DELAY_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <string>

namespace gr {
namespace isac {

/*!
 * \brief Delay of vectors of vlen complex samples by an integer plus a
 * fractional number of snapshots, settable by message.
 * \ingroup isac
 *
 * Each of the vlen channels goes through the same Kaiser-windowed sinc
 * (core::fractional_delay; an integer delay is an exact FIFO). Over the air it
 * lines the transmitted x up with the echo before the radar and DoA chains:
 * wire loop_delay_estimator's "delay" message to the "delay" port.
 *
 * Message in "delay": a dict with the field named by `key` (samples, number;
 * default "delay") and optionally "valid" (bool; false is ignored), as
 * loop_delay_estimator publishes, or a plain number. Out-of-range or
 * malformed messages are logged and ignored.
 *
 * Over the air two of these take loop_delay_estimator's message: one on x
 * with key "x_align" (the integer 8 + ceil(d)) and one on the echo with key
 * "echo_align" (8 + ceil(d) - d), which puts the echo back on the sample grid
 * before the 1-bit ADC, so a fractional loop delay costs no inter-snapshot
 * interference (the receive filter's model is one x per echo snapshot).
 * A change applies from the next work() call; its first output item carries
 * the tag "isac_delay" (value: the new delay, f64).
 *
 * Restart: start() after stop() is a new stream from item 0, so the history
 * is zeroed (the first outputs are the delayed zeros, as in the first run,
 * not the last run's final samples); the delay in use (the last one set) is
 * kept.
 */
class ISAC_API fractional_delay : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<fractional_delay> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param vlen      channels per vector; [1, 65536]
     * \param delay     delay applied to every channel (samples); [0, max_delay]
     * \param taps      windowed-sinc kernel taps (even); [2, 256]
     * \param max_delay largest delay (sizes the history) (samples); [0, 16777216]
     * \param key       field of the "delay" message dict that sets the delay (non-empty; "x_align", "echo_align" over the air)
     */
    static sptr make(int vlen,
                     double delay = 0.0,
                     int taps = 16,
                     double max_delay = 4096.0,
                     const std::string& key = "delay");
    // gen_params:end make
    // clang-format on

    // clang-format off
    // gen_params:begin accessors
    //! delay applied to every channel (samples); [0, max_delay]
    virtual void set_delay(double delay) = 0;
    virtual double delay() const = 0;
    // gen_params:end accessors
    // clang-format on
    //! How many delay changes were applied (setter or message).
    virtual uint64_t updates() const = 0;
};

} // namespace isac
} // namespace gr

#endif
