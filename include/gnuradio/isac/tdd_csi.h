/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_TDD_CSI_H
#define INCLUDED_ISAC_TDD_CSI_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <cstdint>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief TDD acquisition of the users' downlink channel: uplink pilots on the
 * transmit array plus reciprocity calibration (core::tdd_csi_estimator,
 * docs/ota.md).
 * \ingroup isac
 *
 * Inputs: n_tx complex streams, the transmit antennas' own receive chains
 * (radio_source role "uplink"; item index = the transmitter's item index, as
 * the radios start on one PPS edge). In the slots [uplink_offset + k
 * uplink_period, + uplink_len) user u sends row u of
 * core.orthogonal_pilots(n_users, uplink_len, pilot_seed); each slot gives an
 * LS estimate of the uplink columns, averaged over `memory` slots.
 *
 * Reciprocity calibration kappa_n = t_n / r_n (transmit over receive chain of
 * antenna n), from
 *  - message in "row": the reference user's (ref_user) downlink rows as its
 *    user_receiver reports them ({user, row, frame, frame_len, nmse, ...};
 *    other users' rows are ignored): kappa_n = g_ref,n / h_n,ref, which also
 *    sets the rows' scale; or
 *  - message in "kappa": {kappa: c32/c64 vector of n_tx} from an external
 *    (e.g. Argos-style, core.reciprocity_from_pairs) calibration; it replaces
 *    the reference rows until a {kappa: #f} message.
 * With user_scale, rows of the other users on "row" set only their row's
 * energy (a scalar per user, CQI-like): the users' own transmit/receive gain
 * ratio, the one thing the uplink cannot show.
 * Rows are paired with the uplink by frame number, not by arrival: the csi of
 * the slot ending at snapshot S takes the rows of the frames before S's frame
 * (floor(S / frame_len)) and waits until they are all in, i.e. until each user
 * that matters (ref_user, and with user_scale every other) has reported one
 * of those frames or a later one, or its next report (every report_every
 * frames, user_receiver's schedule) falls at or after S's frame. A user whose
 * last report is more than 4 report intervals before S's frame no longer holds
 * it back, and a slot the stream has passed by 4 report intervals is taken
 * with the rows there are (logged). A row without a frame number, and a kappa
 * message, are taken as they arrive. Frame numbers follow csi_feedback's
 * rules (one grid, a far jump held back, a restarted receiver numbered on once
 * its next row confirms it) with report_every as the interval; the grid is
 * frame_len when > 0 (fixed), else the reference user's rows' (another
 * user's rows before the first of those are held until it, not rejected); at
 * most 1024 x n_users rows in all wait for the stream (over it the oldest go,
 * rows_dropped).
 * An external kappa on "kappa" is taken with |kappa_n / kappa_0| in
 * [1e-3, 1e3] and |kappa_0| in [1e-15, 1e15] (else logged and counted in
 * rows_rejected); a kappa computed from the reference rows outside them
 * (an antenna's receive chain dead, its uplink in a deep fade) gives no csi
 * until the estimates come back within them (logged at the 1st, 2nd, 4th ...
 * slot, counted in the stats' kappa_rejected).
 * Message out "csi": the module's csi dict {H, rows, cols, offset}, rows
 * kappa_n h_n,u with element 0 real positive (csi_feedback's convention),
 * once kappa and every user's column exist, then every report_every frames:
 * offset = (floor(slot_end / frame_len) + 1 + delay_frames) frame_len.
 * Message out "stats": {posts, offset, slots, bad_slots, nmse (per user),
 * noise_var, grid_rejected, stray_rejected, rows_dropped, kappa_rejected}. Malformed
 * messages are logged and ignored; a slot with a non-finite sample is dropped.
 *
 * Restart: start() after stop() is a new run from item 0. The uplink slots,
 * the reference rows (taken or waiting: their frame numbers are the last
 * run's), the frame_len learnt from them and the counters (posts(),
 * first_offset(), last_offset(), slots(), bad_slots(), rows_received(),
 * rows_rejected(), the stats fields) start again; an external kappa from the
 * "kappa" port is kept (a property of the radios' chains, not of the run)
 * until a {kappa: #f} message. With the same input a restarted run publishes
 * the csi and stats of the first.
 */
class ISAC_API tdd_csi : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<tdd_csi> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx          transmit antennas (input streams, their TDD receive chains); [1, 4096]
     * \param n_users       users (rows of H); [1, 4096]
     * \param uplink_len    uplink pilot snapshots per slot (a multiple of n_users rounded up to a power of two; above n_users: the noise is estimated too) (snapshots); [2, 1048576]
     * \param uplink_period snapshots from one uplink slot to the next (snapshots); [uplink_len, 2^40]
     * \param uplink_offset absolute index of the first slot (snapshots); [0, 2^40]
     * \param pilot_seed    seed of the users' orthogonal uplink pilots (the radio's uplink_seed); [1, inf)
     * \param ref_user      reference user whose reported downlink row calibrates reciprocity (-1: only a kappa message); [-1, n_users)
     * \param memory        slots (and reference rows) averaged; [1, 1048576]
     * \param frame_len     downlink frame length, the csi offset grid (0: the reference rows' frame_len) (snapshots); [0, 1048576]
     * \param delay_frames  frames from the end of a slot's frame until the csi takes effect; [0, 1048576]
     * \param user_scale    scale each user's row to the energy of its reported rows on "row" (a scalar report per user, CQI-like; only the norm of rows of users other than ref_user is used)
     * \param report_every  frames between publications (a new csi makes the CI precoder rebuild its table; user_receiver's report_every) (frames); [1, 1048576]
     */
    static sptr make(int n_tx,
                     int n_users,
                     int uplink_len = 32,
                     int64_t uplink_period = 1024,
                     int64_t uplink_offset = 0,
                     int64_t pilot_seed = 3,
                     int ref_user = 0,
                     int memory = 32,
                     int frame_len = 0,
                     int delay_frames = 2,
                     bool user_scale = false,
                     int report_every = 16);
    // gen_params:end make
    // clang-format on

    virtual uint64_t posts() const = 0;
    //! Offset of the first publication (-1 before it): "snapshots to CSI lock".
    virtual int64_t first_offset() const = 0;
    virtual int64_t last_offset() const = 0;
    //! Last published H, rows of n_tx (empty before the first publication).
    virtual std::vector<std::vector<gr_complex>> channel() const = 0;
    //! The calibration in use (empty before it exists).
    virtual std::vector<gr_complex> kappa() const = 0;
    virtual uint64_t slots() const = 0;
    virtual uint64_t bad_slots() const = 0;
    virtual uint64_t rows_received() const = 0;
    virtual uint64_t rows_rejected() const = 0;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_TDD_CSI_H */
