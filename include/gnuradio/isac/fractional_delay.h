/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_FRACTIONAL_DELAY_H
#define INCLUDED_ISAC_FRACTIONAL_DELAY_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>

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
 * Message in "delay": a dict with "delay" (samples, number) and optionally
 * "valid" (bool; false is ignored), as loop_delay_estimator publishes, or a
 * plain number. Out-of-range or malformed messages are logged and ignored.
 * A change applies from the next work() call; its first output item carries
 * the tag "isac_delay" (value: the new delay, f64).
 */
class ISAC_API fractional_delay : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<fractional_delay> sptr;

    /*!
     * \param vlen channels per item, >= 1
     * \param delay initial delay in samples, [0, max_delay]
     * \param taps kernel length (even, [2, 256])
     * \param max_delay largest delay accepted later, [0, 2^24]
     */
    static sptr make(int vlen, double delay = 0.0, int taps = 16, double max_delay = 4096.0);

    virtual void set_delay(double delay) = 0;
    virtual double delay() const = 0;
    //! How many delay changes were applied (setter or message).
    virtual uint64_t updates() const = 0;
};

} // namespace isac
} // namespace gr

#endif
