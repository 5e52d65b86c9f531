/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The frame tags (docs/frame.md) in one place: frame_builder writes them, the
 * precoders read them through known_tx, so every block agrees on their keys
 * and on what a malformed one does (logged once, ignored: the snapshot is
 * precoded as data).
 *
 *   "isac_frame"   first snapshot of a frame: dict {index, frame_len, n_tx,
 *                  payload_len, preamble_block, preamble_reps, pilot_len, seed,
 *                  guard_len} (guard_len absent: 0)
 *   "isac_pilot"   first pilot snapshot: pilot_len
 *   "isac_payload" first payload snapshot: payload_len
 *   "isac_guard"   first guard snapshot: guard_len (frames with a guard only)
 */
#ifndef INCLUDED_ISAC_FRAME_TAGS_H
#define INCLUDED_ISAC_FRAME_TAGS_H

#include <gnuradio/block.h>
#include <gnuradio/isac/api.h>
#include <gnuradio/isac/core/frame.h>
#include <gnuradio/logger.h>
#include <pmt/pmt.h>
#include <memory>
#include <string>
#include <vector>

namespace gr {
namespace isac {

extern const pmt::pmt_t frame_tag_key, pilot_tag_key, payload_tag_key, guard_tag_key;
//! "isac_mute" (uint64 n): a precoder muted the n snapshots from here (a
//! payload before any channel, or a frame's guard); they are zero and the DAC
//! keeps them zero
extern const pmt::pmt_t mute_tag_key;

pmt::pmt_t make_frame_dict(const core::frame_format& f, uint64_t index);
//! Never throws; false with `why` on a malformed dict (or invalid geometry).
bool parse_frame_dict(const pmt::pmt_t& d,
                      core::frame_format& f,
                      uint64_t& index,
                      std::string& why);

/*!
 * A precoder's view of the frame tags on its input: which snapshots are known
 * (preamble, header, pilots) and their transmit vectors, scaled to the
 * precoder's power: amp (+-1 +-j), amp = sqrt(power / (2 n_tx)). The header's
 * sign says whether the precoder had a channel when the frame started, its
 * code the frame index mod 16 (frame.h).
 * Owned by the work() thread.
 */
class known_tx
{
public:
    known_tx(int n_tx, double power);

    //! The "isac_frame" tags of input port 0 for the items work() is about to
    //! produce (get_tags_in_range(tags, 0, abs0, abs0 + n, frame_tag_key)).
    void load(const std::vector<gr::tag_t>& tags);
    /*!
     * Snapshot abs (called in increasing order): the transmit vector to send if
     * it belongs to a known section, else nullptr (precode it, unless
     * in_guard(abs)). has_channel is read at a frame's first snapshot (it sets
     * the header sign).
     */
    const gr_complex* at(uint64_t abs, bool has_channel);
    /*!
     * Whether snapshot abs, for which at() returned nullptr, is in its frame's
     * guard: the precoder sends zeros there, tagged isac_mute, so that the
     * array radiates nothing (the TDD uplink slot).
     */
    bool in_guard(uint64_t abs) const;
    //! Snapshots from abs (a payload or guard snapshot) to the end of its
    //! section (the guard, the frame's end) or the next frame start in the
    //! loaded range, at most limit.
    int payload_run(uint64_t abs, int limit) const;

    //! Whether any of these tags is a valid frame tag for this block.
    bool any_valid(const std::vector<gr::tag_t>& tags) const;

    void set_power(double power);
    void reset();
    uint64_t frames() const { return d_frames; }
    //! the last frame's length (0 before any frame)
    uint64_t frame_len() const { return d_frames ? uint64_t(d_end) : 0; }
    uint64_t bad_tags() const { return d_bad; }
    void set_logger(gr::logger_ptr log) { d_log = log; }

private:
    const int d_n_tx;
    float d_amp;
    std::vector<uint64_t> d_starts; // frame starts in the loaded range
    std::vector<pmt::pmt_t> d_values;
    size_t d_next = 0;
    std::unique_ptr<core::frame_patterns> d_pat;
    std::vector<gr_complex> d_vec; // scaled known section, per header sign
    bool d_in_frame = false, d_flag = false;
    int d_code = 0, d_hs = 0, d_block = 0; // the frame's header code and place
    std::vector<gr_complex> d_scratch;
    uint64_t d_start = 0;
    int d_known = 0, d_guard = 0, d_end = 0; // known_len, guard_start, frame_len
    uint64_t d_frames = 0, d_bad = 0;
    gr::logger_ptr d_log;
    std::string d_last_why;

    void begin_frame(uint64_t abs, const pmt::pmt_t& v, bool has_channel);
    void rescale();
};

} // namespace isac
} // namespace gr

#endif
