/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_SNAPSHOT_FRAMER_H
#define INCLUDED_ISAC_SNAPSHOT_FRAMER_H

#include <gnuradio/block.h>
#include <gnuradio/isac/api.h>

namespace gr {
namespace isac {

/*!
 * \brief Packs each snapshot with its symbols and a header for a network split.
 * \ingroup isac
 *
 * in0: transmit vectors x (n_tx) from a precoder (its "isac_epoch" tags give
 * the channel epoch); in1: the symbol vectors s (n_users) of the same
 * snapshots. out: frames of 3 + n_users + n_tx complex values: the snapshot
 * header v1 (3 slots: magic, version, flags, session, snapshot index, channel
 * epoch; docs/reliability.md), then s, then x. x and s travel in one frame,
 * so they can never be misaligned by a lost or restarted connection.
 *
 * The session is drawn at each start(); the index counts snapshots from 0 in
 * the session. While the precoder holds its input back (no channel yet), the
 * framer sends a HELLO frame (header only, payload zero) every hello_ms, so
 * that the receiving side learns that a transmitter (re)appeared and
 * publishes its channel (snapshot_deframer "peer" -> isac_channel "resync").
 * A HELLO frame is never radiated: it only exists on the network split.
 *
 * Restart: start() after stop() draws a new session, sends snapshot indices
 * from 0 with epoch 0 and a HELLO at once; frames() and hellos() run on.
 */
class ISAC_API snapshot_framer : virtual public gr::block
{
public:
    typedef std::shared_ptr<snapshot_framer> sptr;
    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx     transmit antennas (input vlen); [1, 4096]
     * \param n_users  users (frame payload); [1, 4096]
     * \param hello_ms HELLO period while no snapshot flows (ms); [10, 60000]
     */
    static sptr make(int n_tx = 16,
                     int n_users = 4,
                     int hello_ms = 100);
    // gen_params:end make
    // clang-format on
    virtual uint32_t session() const = 0;
    virtual uint64_t frames() const = 0; //!< data frames sent
    virtual uint64_t hellos() const = 0; //!< HELLO frames sent
};

} // namespace isac
} // namespace gr

#endif
