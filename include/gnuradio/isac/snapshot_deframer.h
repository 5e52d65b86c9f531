/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_SNAPSHOT_DEFRAMER_H
#define INCLUDED_ISAC_SNAPSHOT_DEFRAMER_H

#include <gnuradio/block.h>
#include <gnuradio/isac/api.h>

namespace gr {
namespace isac {

/*!
 * \brief Unpacks snapshot_framer frames and follows the transmitter's sessions.
 * \ingroup isac
 *
 * in: frames of 3 + n_users + n_tx complex values (header v1, s, x).
 * out0: x (n_tx); out1: s (n_users), one item per data frame, always aligned.
 * HELLO frames and frames whose header is not a version-1 snapshot header
 * produce no output (counted). The first frame of a new session, the first
 * after a gap in the snapshot index and every epoch change are tagged
 * "isac_snap" = {session, index, epoch} (u64 each) on both outputs; feeding
 * out0 to isac_channel re-bases the channel's csi offsets to the
 * transmitter's snapshot index.
 *
 * Message out "peer": {"event": "hello" | "session" | "gap", "session",
 * "index", "epoch"} on every HELLO, new session and gap. Wire it to
 * isac_channel's "resync" port: a transmitter that (re)starts gets the
 * channel at once.
 *
 * Restart: start() after stop() follows the first session that comes (a
 * session event and tag); the counters run on across restarts.
 */
class ISAC_API snapshot_deframer : virtual public gr::block
{
public:
    typedef std::shared_ptr<snapshot_deframer> sptr;
    //! \param n_tx [1, 65536]; \param n_users [1, 4096]
    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx    transmit antennas (output vlen); [1, 4096]
     * \param n_users users (frame payload); [1, 4096]
     */
    static sptr make(int n_tx = 16,
                     int n_users = 4);
    // gen_params:end make
    // clang-format on
    virtual uint64_t frames() const = 0;     //!< data frames passed on
    virtual uint64_t hellos() const = 0;     //!< HELLO frames received
    virtual uint64_t sessions() const = 0;   //!< transmitter sessions seen
    virtual uint64_t gaps() const = 0;       //!< index discontinuities within a session
    virtual uint64_t lost() const = 0;       //!< snapshots missing in those gaps
    virtual uint64_t bad_frames() const = 0; //!< frames without a valid header
    virtual uint32_t session() const = 0;    //!< current transmitter session (0: none)
};

} // namespace isac
} // namespace gr

#endif
