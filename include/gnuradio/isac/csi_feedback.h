/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_CSI_FEEDBACK_H
#define INCLUDED_ISAC_CSI_FEEDBACK_H

#include <gnuradio/block.h>
#include <gnuradio/isac/api.h>
#include <cstdint>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief The users' channel feedback as a message link with a delay and a
 * quantiser (docs/csi.md).
 * \ingroup isac
 *
 * Message in "row": the users' estimated rows (user_receiver's "row" port:
 * {user, row, frame, frame_len, ...}; every user's receiver connects to it).
 * Message out "csi": the module's csi dict {H, rows, cols, offset} for the
 * precoder. Each row is quantised as it arrives (`bits` bits per real
 * component on a per-row scale, 0 = unquantised). H is published when every
 * user has a row, then whenever all users have reported the same frame and
 * some row changed (or a user has been silent for 4 of its report
 * intervals). offset = (frame + 1 + delay_frames) frame_len: the estimate of
 * frame k reaches the transmitter delay_frames frames after the next frame
 * starts, and takes effect at a frame start. Every report must be on one
 * frame grid (the first report's frame_len; 4 x n_users reports in a row on
 * one other frame_len make that the grid, the frames numbered afresh); a
 * report on another is rejected and counted (warnings at the 1st, 2nd, 4th,
 * ...). A user's report for a frame not above its last one is ignored, unless
 * its frame number went back by more than the header's 16 frame codes: that
 * report is held back (if its index is no more than the frames reported since
 * plus W, else it is a stray), and if the user's next report follows on from
 * it (above it by at most W = 4 x max(its report interval, 16) frames) and is
 * more than 16 back too, the receiver restarted. It is logged, and
 * that user's frames are numbered on near the latest any user reported (the
 * frame its index tells modulo the header's 16 frame codes, from 7 behind to
 * 8 ahead of it), or with the offset of another user whose receiver restarted
 * with it. A single stray old frame changes nothing.
 * Message out "stats": {posts, offset, frame, quant_nmse, grid_rejected,
 * stray_rejected, restarts} per publication (restarts: receivers seen to
 * restart in this run).
 */
class ISAC_API csi_feedback : virtual public gr::block
{
public:
    typedef std::shared_ptr<csi_feedback> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_users      users (rows of H); [1, 4096]
     * \param n_tx         transmit antennas (columns of H); [1, 4096]
     * \param delay_frames feedback delay in frames; [0, 1048576]
     * \param bits         bits per real component (0: no quantisation); [0, 24]
     */
    static sptr make(int n_users,
                     int n_tx,
                     int delay_frames = 2,
                     int bits = 0);
    // gen_params:end make
    // clang-format on

    virtual uint64_t posts() const = 0;
    //! Offset of the first publication (-1 before it): "snapshots to CSI lock".
    virtual int64_t first_offset() const = 0;
    virtual int64_t last_offset() const = 0;
    //! Last published H, rows of n_tx (empty before this run's first publication:
    //! start() clears it).
    virtual std::vector<std::vector<gr_complex>> channel() const = 0;
    virtual uint64_t rows_received() const = 0;
    virtual uint64_t rows_rejected() const = 0;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_CSI_FEEDBACK_H */
