/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The downlink frame of the over-the-air chains (docs/frame.md). One frame is
 * frame_len snapshots:
 *
 *   | preamble: reps x block | header: block | pilots: pilot_len | payload | guard |
 *   '------------- known (not precoded) section ------------------'-precoded-'-zero-'
 *
 *   (payload: payload_len snapshots, guard: guard_len)
 *
 *  - preamble: the same block of `block` transmit vectors sent `reps` times
 *    (block > n_tx by default, see block()).
 *    Whatever the user's channel, the user sees a signal that repeats with
 *    period `block`, which gives frame detection and the CFO without knowing
 *    the channel (Schmidl-Cox style autocorrelation).
 *  - header: one block of another pattern, snapshot t multiplied by c_j(t), the
 *    Walsh-Hadamard code j = frame index mod 16 (order 16, repeated), and by a
 *    sign: +1 "the payload of this frame is precoded with a channel", -1 "no
 *    channel yet". The user decides both coherently with its pilot estimate:
 *    the sign tells it when decisions make sense, the code which frame this
 *    is (a receiver whose stream lags the transmitter's by up to 15 frames
 *    still numbers frames as the transmitter does).
 *  - pilots: orthogonal across the transmit antennas, P P^H = 2 pilot_len I:
 *    rows of a Sylvester-Hadamard matrix times (1 + j), scrambled per
 *    snapshot (a sign) and per antenna (a sign, times j on odd antennas, so
 *    that no pilot snapshot is a constant, unsteered vector). pilot_len is a
 *    multiple of the Hadamard order (n_tx rounded up to a power of two).
 *  - payload: the user symbols, precoded.
 *  - guard: guard_len zero snapshots (default 0: none), where the array
 *    radiates nothing, e.g. the TDD uplink slot (docs/ota.md). At the frame's
 *    end, so every known and payload position is that of a guard-free frame.
 *
 * Every known entry is +-1 +-j, i.e. a point of the 1-bit DAC alphabet once
 * scaled by sqrt(E / (2 n_tx)) (the transmitter's power E), so the same
 * vectors serve the 1-bit and the infinite-resolution chains.
 *
 * Plain C++ (Eigen), no GNU Radio runtime.
 */
#ifndef INCLUDED_ISAC_CORE_FRAME_H
#define INCLUDED_ISAC_CORE_FRAME_H

#include <gnuradio/isac/core/types.h>
#include <algorithm>
#include <cstdint>

namespace gr {
namespace isac {
namespace core {

//! Frame geometry shared by the frame builder, the precoders and the receivers.
struct frame_format {
    int n_tx = 16;         //!< transmit antennas
    int payload_len = 880; //!< precoded snapshots per frame
    int preamble_block =
        0; //!< repeated preamble block (and header) length; 0 = block()'s default
    int preamble_reps = 3; //!< repetitions of the preamble block, >= 2
    int pilot_len = 0;     //!< orthogonal pilot snapshots; 0 = the Hadamard order
    uint64_t seed = 1;     //!< pattern seed (preamble, header, scrambling); > 0
    int guard_len = 0;     //!< silent snapshots at the frame's end, >= 0

    //! The format of the blocks' parameters (frame_builder, user_receiver),
    //! validated: throws param_error naming the parameter.
    static frame_format make(int n_tx,
                             int payload_len,
                             int preamble_block,
                             int preamble_reps,
                             int pilot_len,
                             uint64_t seed,
                             int guard_len);

    //! Throws param_error naming the parameter (block-level names).
    void validate() const;

    //! n_tx rounded up to a power of two: the pilots' Hadamard order.
    int hadamard_order() const;
    int pilots() const { return pilot_len > 0 ? pilot_len : hadamard_order(); }
    /*!
     * The preamble block length: preamble_block, or by default max(16, 2 x the
     * Hadamard order). Longer than n_tx, so that the preamble itself pins the
     * timing (with block <= n_tx every block-periodic sequence lies in the span
     * of the preamble, and only the pilots tell a shifted window apart).
     */
    int block() const
    {
        return preamble_block > 0 ? preamble_block : std::max(16, 2 * hadamard_order());
    }
    int header_start() const { return preamble_reps * block(); }
    int preamble_len() const { return (preamble_reps + 1) * block(); } //!< incl. header
    int pilot_start() const { return preamble_len(); }
    int payload_start() const { return preamble_len() + pilots(); }
    int known_len() const { return payload_start(); }
    int guard_start() const { return payload_start() + payload_len; }
    int frame_len() const { return guard_start() + guard_len; }

    bool operator==(const frame_format& o) const;
    bool operator!=(const frame_format& o) const { return !(*this == o); }
};

//! Limits of the frame parameters (validate() and the blocks).
constexpr int frame_max_len = 1 << 20;
//! Frame numbers the header tells apart (frame index mod header_codes).
constexpr int header_codes = 16;
//! c_j(t) = +-1: Walsh-Hadamard code j (Sylvester order 16) at t mod 16.
inline float header_code(int j, int t)
{
    return (__builtin_popcount(unsigned(j & (t & 15))) & 1) ? -1.0f : 1.0f;
}

/*!
 * Rows-orthogonal pilot matrix (n_streams x len), entries +-1 +-j: the first
 * n_streams rows of Sylvester-Hadamard blocks of order 2^ceil(log2 n_streams),
 * one block per `order` snapshots, times (1 + j), each snapshot multiplied by
 * a pseudo-random sign and each row by a pseudo-random sign times j^(row mod
 * 2) (from `seed`), so that P P^H = 2 len I and no snapshot is a constant
 * vector. len must be a multiple of the order. Shared by the downlink pilots
 * (n_tx streams) and the uplink pilots of the TDD option (n_users).
 */
cmatf orthogonal_pilots(int n_streams, int len, uint64_t seed);

//! The known section of a frame (sign units: entries +-1 +-j).
class frame_patterns
{
public:
    explicit frame_patterns(const frame_format& f);

    const frame_format& format() const { return d_f; }
    /*!
     * n_tx x known_len, column t = snapshot t of the frame, for header sign +1
     * or -1 and frame number 0 mod 16 (code c_0 = 1); known(flag, index)
     * applies the frame's code to the header columns.
     */
    const cmatf& known(bool header_flag) const
    {
        return header_flag ? d_known1 : d_known0;
    }
    cmatf known(bool header_flag, uint64_t index) const;
    const cmatf& preamble_block() const { return d_block; } //!< n_tx x block
    const cmatf& header_block() const
    {
        return d_header;
    }                                                //!< n_tx x block (sign +1, code 0)
    const cmatf& pilots() const { return d_pilots; } //!< n_tx x pilot_len

private:
    frame_format d_f;
    cmatf d_block, d_header, d_pilots, d_known0, d_known1;
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
