/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_FRAME_BUILDER_H
#define INCLUDED_ISAC_FRAME_BUILDER_H

#include <gnuradio/block.h>
#include <gnuradio/isac/api.h>
#include <cstdint>

namespace gr {
namespace isac {

/*!
 * \brief Puts the users' symbols into downlink frames (docs/frame.md).
 * \ingroup isac
 *
 * Input: vectors of n_users M-PSK symbols, payload_len per frame. Output: the
 * same vectors, frame_len per frame: the known section (preamble, header,
 * pilots; zeros in place of symbols), the payload_len symbol vectors, then
 * guard_len zero vectors (the guard, which the precoders send as zeros).
 * Tags on the output, which a precoder (ci_precoder, nullspace_precoder,
 * one_bit_isac_tx) reads to send the known transmit vectors instead of
 * precoding:
 *  - "isac_frame" on each frame's first snapshot: dict {index, frame_len,
 *    n_tx, payload_len, preamble_block, preamble_reps, pilot_len, seed,
 *    guard_len} (index counts frames from 0 at start());
 *  - "isac_pilot" on the first pilot snapshot: pilot_len;
 *  - "isac_payload" on the first payload snapshot: payload_len;
 *  - "isac_guard" on the first guard snapshot: guard_len (guard_len > 0).
 * Tags on the input symbols move with their symbol.
 */
class ISAC_API frame_builder : virtual public gr::block
{
public:
    typedef std::shared_ptr<frame_builder> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_users        users (streams, input and output vlen); [1, 4096]
     * \param n_tx           transmit antennas (sizes the pilots); [1, 4096]
     * \param payload_len    payload snapshots per frame; [1, 1048576]
     * \param preamble_block preamble block length (0: default; else >= 16); [0, 8192]
     * \param preamble_reps  preamble block repetitions; [2, 64]
     * \param pilot_len      pilot snapshots (0: the Hadamard order; else a multiple of it); [0, 65536]
     * \param frame_seed     seed of the frame's known symbols; [1, inf)
     * \param guard_len      silent snapshots at the frame's end (the precoders send zeros there: the TDD uplink slot); 0: none; [0, 1048576]
     */
    static sptr make(int n_users,
                     int n_tx,
                     int payload_len = 880,
                     int preamble_block = 0,
                     int preamble_reps = 3,
                     int pilot_len = 0,
                     int frame_seed = 1,
                     int guard_len = 0);
    // gen_params:end make
    // clang-format on

    virtual int frame_len() const = 0;
    virtual int known_len() const = 0;
    virtual uint64_t frames() const = 0; //!< frames started since start()
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_FRAME_BUILDER_H */
