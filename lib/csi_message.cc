/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "csi_message.h"
#include <gnuradio/isac/core/frame.h>
#include <gnuradio/isac/core/limits.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace gr {
namespace isac {

namespace {
// Bound on what a csi message may carry, so a corrupt size cannot make a
// block allocate gigabytes: the module's array and user limits.
constexpr long max_dim =
    core::max_antennas > core::max_users ? core::max_antennas : core::max_users;

// Bound on the sample index a row report may name (frame * frame_len below
// it): far beyond any run (2^53 samples is 2.85 years at 100 MS/s, 285 years
// at 1 MS/s), and with delay (< 2^20 frames) and frame_len (< 2^31) the csi
// offset built from it stays below 2^54, far below the 2^63 that parse_csi
// accepts.
constexpr long max_report_sample = 1L << 53;

bool to_long(const pmt::pmt_t& v, long& out)
{
    if (pmt::is_integer(v)) {
        out = pmt::to_long(v);
        return true;
    }
    if (pmt::is_uint64(v)) {
        const uint64_t u = pmt::to_uint64(v);
        // same range as the integer path, so that whatever parse_csi accepts,
        // make_csi (which writes a u64 offset) encodes back (fuzz finding)
        if (u > uint64_t(std::numeric_limits<long>::max()))
            return false;
        out = static_cast<long>(u);
        return true;
    }
    if (pmt::is_real(v)) { // integral doubles from Python are fine
        const double d = pmt::to_double(v);
        if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 1e15)
            return false;
        out = static_cast<long>(d);
        return true;
    }
    return false;
}

bool num_to_double(const pmt::pmt_t& v, double& out)
{
    // pmt::to_double throws wrong_type for a u64 (found by fuzz_csi_message):
    // convert it here so that no accessor can throw out of a message handler.
    if (pmt::is_uint64(v)) {
        out = static_cast<double>(pmt::to_uint64(v));
        return true;
    }
    if (pmt::is_integer(v) || pmt::is_real(v)) {
        out = pmt::to_double(v);
        return true;
    }
    return false;
}

// The prologue of the dict_get_* accessors: clears `why`, and gives the value
// under `key`, or nil when dict is no dict or lacks the key.
pmt::pmt_t dict_value(const pmt::pmt_t& dict, const char* key, std::string& why)
{
    why.clear();
    if (!pmt::is_dict(dict))
        return pmt::PMT_NIL;
    return pmt::dict_ref(dict, pmt::mp(key), pmt::PMT_NIL);
}

// `why` for a bad value under `key`: "\"key\" " + what.
std::string bad_key(const char* key, const char* what)
{
    return std::string("\"") + key + "\" " + what;
}
} // namespace

std::string zero_channel(const Eigen::MatrixXcd& H)
{
    if (H.size() > 0 && H.isZero(0))
        return "all zero";
    for (Eigen::Index u = 0; u < H.rows(); ++u)
        if (H.row(u).isZero(0))
            return "user " + std::to_string(u) + "'s row all zero";
    return std::string();
}

bool parse_csi(const pmt::pmt_t& msg,
               csi_update& out,
               std::string& why,
               int expect_rows,
               int expect_cols)
{
    if (!pmt::is_dict(msg) || !pmt::is_pair(msg)) {
        // an empty dict is PMT_NIL, which is not a pair either
        why = "csi message is not a non-empty PMT dict";
        return false;
    }
    const pmt::pmt_t H = pmt::dict_ref(msg, pmt::mp("H"), pmt::PMT_NIL);
    const pmt::pmt_t r = pmt::dict_ref(msg, pmt::mp("rows"), pmt::PMT_NIL);
    const pmt::pmt_t c = pmt::dict_ref(msg, pmt::mp("cols"), pmt::PMT_NIL);
    long rows = 0, cols = 0;
    if (!pmt::is_c32vector(H) && !pmt::is_c64vector(H)) {
        why = "csi: key \"H\" missing or not a c32vector/c64vector";
        return false;
    }
    if (!to_long(r, rows) || !to_long(c, cols)) {
        why = "csi: keys \"rows\"/\"cols\" missing or not integers";
        return false;
    }
    if (rows < 1 || cols < 1 || rows > max_dim || cols > max_dim) {
        why = "csi: rows/cols = " + std::to_string(rows) + "/" + std::to_string(cols) +
              " out of range [1, " + std::to_string(max_dim) + "]";
        return false;
    }
    if ((expect_rows > 0 && rows != expect_rows) ||
        (expect_cols > 0 && cols != expect_cols)) {
        why = "csi: H is " + std::to_string(rows) + "x" + std::to_string(cols) +
              ", expected " + std::to_string(expect_rows) + "x" +
              std::to_string(expect_cols);
        return false;
    }
    const size_t n = pmt::length(H);
    if (n != size_t(rows * cols)) {
        why = "csi: H has " + std::to_string(n) +
              " entries, rows*cols = " + std::to_string(rows * cols);
        return false;
    }
    Eigen::MatrixXcd M(rows, cols);
    if (pmt::is_c32vector(H)) {
        size_t len = 0;
        const std::complex<float>* p = pmt::c32vector_elements(H, len);
        for (long i = 0; i < rows; ++i)
            for (long j = 0; j < cols; ++j)
                M(i, j) = std::complex<double>(p[i * cols + j]);
    } else {
        size_t len = 0;
        const std::complex<double>* p = pmt::c64vector_elements(H, len);
        for (long i = 0; i < rows; ++i)
            for (long j = 0; j < cols; ++j)
                M(i, j) = p[i * cols + j];
    }
    if (!M.allFinite()) {
        why = "csi: H has non-finite entries";
        return false;
    }
    // Validate the offset before touching `out`: a rejected message must leave
    // the caller's last good csi intact (it used to replace H, then fail).
    bool has_offset = false;
    long o = 0;
    const pmt::pmt_t off = pmt::dict_ref(msg, pmt::mp("offset"), pmt::PMT_NIL);
    if (!pmt::is_null(off)) {
        if (!to_long(off, o) || o < 0) {
            why = "csi: \"offset\" is not a non-negative integer";
            return false;
        }
        has_offset = true;
    }
    uint64_t epoch = 0;
    const pmt::pmt_t ep = pmt::dict_ref(msg, pmt::mp("epoch"), pmt::PMT_NIL);
    if (!pmt::is_null(ep)) {
        if (pmt::is_uint64(ep)) {
            epoch = pmt::to_uint64(ep);
        } else {
            long e = 0;
            if (!to_long(ep, e) || e < 0) {
                why = "csi: \"epoch\" is not a non-negative integer";
                return false;
            }
            epoch = uint64_t(e);
        }
    }
    long measured = -1;
    const pmt::pmt_t ms = pmt::dict_ref(msg, pmt::mp("measured"), pmt::PMT_NIL);
    if (!pmt::is_null(ms) && (!to_long(ms, measured) || measured < 0)) {
        why = "csi: \"measured\" is not a non-negative integer";
        return false;
    }
    out.H = std::move(M);
    out.has_measured = measured >= 0;
    out.measured = measured >= 0 ? uint64_t(measured) : 0;
    out.has_offset = has_offset;
    out.offset = has_offset ? static_cast<uint64_t>(o) : 0;
    out.epoch = epoch;
    return true;
}

void write_header(const snapshot_header& h, std::complex<float>* frame)
{
    uint8_t b[24];
    auto put = [&b](int at, uint64_t v, int n) {
        for (int i = 0; i < n; ++i)
            b[at + i] = uint8_t(v >> (8 * i)); // little-endian on every host
    };
    put(0, snapshot_header::magic, 2);
    b[2] = h.version;
    b[3] = h.flags;
    put(4, h.session, 4);
    put(8, h.index, 8);
    put(16, h.epoch, 8);
    std::memcpy(frame, b, sizeof b);
}

bool read_header(const std::complex<float>* frame, snapshot_header& h, std::string& why)
{
    uint8_t b[24];
    std::memcpy(b, frame, sizeof b);
    auto get = [&b](int at, int n) {
        uint64_t v = 0;
        for (int i = 0; i < n; ++i)
            v |= uint64_t(b[at + i]) << (8 * i);
        return v;
    };
    if (get(0, 2) != snapshot_header::magic) {
        why = "not a gr-isac snapshot frame (magic mismatch)";
        return false;
    }
    if (b[2] != snapshot_header::current_version) {
        why = "snapshot frame version " + std::to_string(b[2]) +
              " (this build reads version " +
              std::to_string(snapshot_header::current_version) + ")";
        return false;
    }
    h.version = b[2];
    h.flags = b[3];
    h.session = uint32_t(get(4, 4));
    h.index = get(8, 8);
    h.epoch = get(16, 8);
    return true;
}

pmt::pmt_t make_csi(const Eigen::MatrixXcd& H,
                    uint64_t offset,
                    uint64_t epoch,
                    std::optional<uint64_t> measured)
{
    // Written in place: a staging vector doubled the message's transient memory
    // (+128 MiB at 4096 x 4096).
    pmt::pmt_t hv = pmt::make_c32vector(size_t(H.size()), std::complex<float>());
    size_t len = 0;
    std::complex<float>* v = pmt::c32vector_writable_elements(hv, len);
    for (Eigen::Index i = 0; i < H.rows(); ++i)
        for (Eigen::Index j = 0; j < H.cols(); ++j)
            v[i * H.cols() + j] = std::complex<float>(H(i, j));
    pmt::pmt_t d = pmt::make_dict();
    d = pmt::dict_add(d, pmt::mp("H"), hv);
    d = pmt::dict_add(d, pmt::mp("rows"), pmt::from_long(H.rows()));
    d = pmt::dict_add(d, pmt::mp("cols"), pmt::from_long(H.cols()));
    d = pmt::dict_add(d, pmt::mp("offset"), pmt::from_uint64(offset));
    if (epoch)
        d = pmt::dict_add(d, pmt::mp("epoch"), pmt::from_uint64(epoch));
    if (measured)
        d = pmt::dict_add(d, pmt::mp("measured"), pmt::from_uint64(*measured));
    return d;
}

bool dict_get_double(const pmt::pmt_t& dict,
                     const char* key,
                     double& out,
                     std::string& why)
{
    const pmt::pmt_t v = dict_value(dict, key, why);
    if (pmt::is_null(v))
        return false;
    double d;
    if (!num_to_double(v, d)) {
        why = bad_key(key, "is not a number");
        return false;
    }
    if (!std::isfinite(d)) {
        why = bad_key(key, "is not finite");
        return false;
    }
    out = d;
    return true;
}

bool dict_get_int(const pmt::pmt_t& dict, const char* key, long& out, std::string& why)
{
    const pmt::pmt_t v = dict_value(dict, key, why);
    if (pmt::is_null(v))
        return false;
    if (!to_long(v, out)) {
        why = bad_key(key, "is not an integer");
        return false;
    }
    return true;
}

bool frame_jump_guard::admit(int64_t frame, int64_t ref, int64_t window)
{
    d_confirmed = false;
    if (ref < 0 || frame - ref <= window) {
        d_held = -1;
        return true;
    }
    if (d_held >= 0 && frame > d_held && frame - d_held <= std::max(window, d_jump)) {
        d_step = frame - d_held;
        d_held = -1;
        d_confirmed = true;
        return true;
    }
    d_held = frame;
    d_jump = frame - ref;
    return false;
}

report_frames::report_frames(int n_users, long frame_len)
    : d_users(size_t(n_users)), d_frame_len(frame_len), d_fixed(frame_len > 0)
{
}

void report_frames::reset(long frame_len)
{
    d_users.assign(d_users.size(), user());
    d_frame_len = frame_len;
    d_fixed = frame_len > 0;
    d_other_len = 0;
    d_other_run = 0;
    d_grid_rejected = d_stray = 0;
}

int64_t report_frames::highest() const
{
    int64_t hi = -1;
    for (const auto& x : d_users)
        hi = std::max(hi, x.latest);
    return hi;
}

report_frames::decision report_frames::admit(
    int u_index, int64_t index, long frame_len, int64_t min_interval, bool sets_grid)
{
    decision d;
    if (d_frame_len == 0 && !sets_grid) {
        d.why = "no frame grid yet (the reference user's rows set it)";
        return d;
    }
    if (d_frame_len > 0 && frame_len != d_frame_len) {
        // frame numbers on another grid cannot be compared with the others'
        // (and a csi offset built from them could wrap). A learnt grid follows
        // the reports once they agree on another one for long enough: else a
        // misconfigured receiver that reported first, then was fixed, would
        // lock every user out until the flowgraph restarts.
        if (!d_fixed && sets_grid) {
            d_other_run = frame_len == d_other_len ? d_other_run + 1 : 1;
            d_other_len = frame_len;
        }
        if (d_fixed || !sets_grid || d_other_run < regrid_after()) {
            const uint64_t k = ++d_grid_rejected;
            d.log = (k & (k - 1)) == 0;
            d.why = "\"frame_len\" " + std::to_string(frame_len) +
                    " is not the frame grid's " + std::to_string(d_frame_len) + " (" +
                    std::to_string(k) + " so far; " +
                    (d_fixed      ? std::string("the block's own")
                     : !sets_grid ? std::string("set by the reference user's rows")
                                  : "cleared by restarting the flowgraph, or by " +
                                        std::to_string(regrid_after()) +
                                        " reports in a row on one other frame_len") +
                    ")";
            return d;
        }
        const uint64_t rejected = d_grid_rejected, stray = d_stray;
        reset(0);
        d_grid_rejected = rejected;
        d_stray = stray;
        d.regrid = true;
        d.note = "frame grid learnt again: \"frame_len\" " + std::to_string(frame_len) +
                 " (" + std::to_string(regrid_after()) +
                 " reports in a row on it); every user's frames numbered afresh";
    } else if (sets_grid)
        d_other_run = 0;
    user& u = d_users[size_t(u_index)];
    const int64_t window =
        4 * std::max({ u.step, int64_t(core::header_codes), min_interval });
    const int64_t hi = highest();
    int64_t frame = index + u.base, base = u.base;
    const int64_t held = u.held_back;
    const int64_t codes = core::header_codes;
    // back by more than the header's codes: not an index corrected within them
    // (a repeat), a restarted receiver or a stray. Confirmed by the user's next
    // report when it follows on from the held one (above it by at most the
    // window) and is itself back by more than the codes: after a stray the next
    // report follows on from the latest, and a repeat or a second old row
    // (a replayed batch) is within the codes of it or not plausible for a
    // restart. Back by more than the window (the rule before) missed every
    // restart by no more than the window: its reports dropped as repeats until
    // the index passed the old latest, then taken numbered early by the time
    // the receiver was down
    const bool back = frame <= u.latest && u.latest - frame > codes;
    const bool confirms = held >= 0 && back && index > held && index - held <= window;
    u.held_back = -1;
    if (held >= 0 && !confirms)
        ++d_stray; // the held far-back frame was a stray (or corrupt) one
    if (frame <= u.latest && !confirms) {
        if (!back) {
            d.v = verdict::repeat;
            d.why = "frame " + std::to_string(frame) + " not after the user's latest " +
                    std::to_string(u.latest);
            return d;
        }
        // a receiver that restarted after the user's latest report has counted
        // no more frames than the others have reported since (give or take
        // the window): a higher index is an old row (a stray or a replayed
        // batch), never the first report of a restart
        if (index > hi - u.latest + window) {
            ++d_stray;
            d.why = "frame index " + std::to_string(index) + " goes back more than " +
                    std::to_string(codes) + " frames from the user's latest " +
                    std::to_string(u.latest - u.base) +
                    " and is too high for a receiver restarted since: a stray row";
            return d;
        }
        // one far-back frame may be a corrupt counter (or a stray row):
        // renumbering the user on it would pair every later row with the
        // wrong frame. Only the user's next report, following on, confirms
        // a restarted receiver.
        u.held_back = index;
        u.held_hi = hi;
        d.why = "frame index " + std::to_string(index) + " goes back more than " +
                std::to_string(codes) + " frames from the user's latest " +
                std::to_string(u.latest - u.base) +
                "; taken as a restarted receiver if the user's next report follows on";
        return d;
    }
    if (confirms) {
        // the header tells the frame only modulo its codes: the held report's
        // (the first after the restart) is the one nearest the latest any user
        // had reported when it came (from half the codes behind it to half
        // ahead), after the user's own latest. Not just above it: the others'
        // threads often reported the frame this one re-acquired at before its
        // report came, and it was then numbered a whole cycle late (its rows
        // 16 frames stale in every csi until the others caught up)
        const int64_t lo = std::max(u.latest + 1, u.held_hi + 1 - codes / 2);
        base = (lo - held + codes - 1) / codes * codes;
        // a receiver that restarted after this one's last report, and numbers
        // its frames near this one's now, went down with it (one process):
        // the same offset keeps their frames the same. Near: from 24 frames
        // behind the latest to 8 ahead. Behind, because one receiver's rows
        // come a work() call's batch after the other's (tens of short frames);
        // not 32 behind, where a user silent across the other's restart that
        // restarted 32 frames later took its offset (every frame 31 early).
        // The frame numbers cannot tell the two apart: a user restarting 9 to
        // 24 frames after the other is taken as restarted with it
        int64_t at = -1;
        for (const auto& x : d_users)
            if (&x != &u && x.restart_at > u.latest && x.restart_at > at &&
                index + x.base > u.latest &&
                index + x.base - hi <= int64_t(core::header_codes) / 2 &&
                index + x.base - hi >= -3 * int64_t(core::header_codes) / 2) {
                at = x.restart_at;
                base = x.base;
            }
        frame = index + base;
        d.restart_from = u.latest - u.base;
        d.gap = true;
    } else if (!u.jump.admit(frame, hi, window)) {
        d.why = "frame " + std::to_string(frame) + " is more than " +
                std::to_string(window) +
                " frames ahead of the latest any user reported (" + std::to_string(hi) +
                "); taken if the user's next report follows on";
        return d;
    } else {
        d.gap = u.jump.confirmed();
    }
    if (frame > (max_report_sample - 1) / frame_len) {
        d.why = "frame " + std::to_string(frame) + " (numbered on from " +
                std::to_string(index) + ") * \"frame_len\" not below 2^53 samples";
        return d;
    }
    // a confirmed jump's step from the held frame is the user's report
    // interval (left at 0, a user reporting every 4 x 16 frames or less often
    // lost every other report: each one held back as a jump)
    if (!d.gap && u.latest >= 0)
        u.step = frame - u.latest;
    else if (d.restart_from < 0 && u.jump.confirmed())
        u.step = u.jump.confirmed_step();
    if (d.restart_from >= 0) {
        u.restart_at = frame;
        d.note = "user " + std::to_string(u_index) + "'s frame number went back from " +
                 std::to_string(d.restart_from) + " to " + std::to_string(index) +
                 ": taken as a restarted receiver, its frames counted from " +
                 std::to_string(frame) + " on";
    }
    u.base = base;
    u.latest = frame;
    d_frame_len = frame_len;
    d.v = verdict::take;
    d.frame = frame;
    return d;
}

bool parse_row_report(
    const pmt::pmt_t& msg, int n_tx, int n_users, row_report& r, std::string& why)
{
    why.clear();
    const pmt::pmt_t row = pmt::is_dict(msg)
                               ? pmt::dict_ref(msg, pmt::mp("row"), pmt::PMT_NIL)
                               : pmt::PMT_NIL;
    r.frame = -1;
    r.nmse = 0.0;
    if (!pmt::is_dict(msg))
        why = "not a dict";
    else if (!dict_get_int(msg, "user", r.user, why) || r.user < 0 || r.user >= n_users)
        why = "\"user\" missing or not in [0, " + std::to_string(n_users) + ")";
    else if ((!dict_get_int(msg, "frame", r.frame, why) && !why.empty()) ||
             (why.empty() && r.frame < -1))
        why = "\"frame\" is not an integer >= 0";
    else if (!dict_get_int(msg, "frame_len", r.frame_len, why) || r.frame_len < 1 ||
             r.frame_len > std::numeric_limits<int>::max())
        why = "\"frame_len\" missing or not in [1, 2^31)";
    else if (r.frame > (max_report_sample - 1) / r.frame_len)
        // frame * frame_len < 2^53 exactly (frame >= -1 and frame_len >= 1
        // here, so nothing overflows): the csi offset (frame + 1 + delay) *
        // frame_len built from it must not wrap
        why = "\"frame\" * \"frame_len\" not below 2^53 samples";
    else if (!pmt::is_c32vector(row) || pmt::length(row) != size_t(n_tx))
        why = "\"row\" is not a c32vector of n_tx = " + std::to_string(n_tx) + " entries";
    else if (!dict_get_double(msg, "nmse", r.nmse, why) && !why.empty())
        why = "\"nmse\" is not a finite number";
    if (!why.empty())
        return false;
    size_t len = 0;
    const std::complex<float>* p = pmt::c32vector_elements(row, len);
    r.row.resize(n_tx);
    for (int i = 0; i < n_tx; ++i)
        r.row[i] = std::complex<double>(p[i]);
    if (!r.row.allFinite()) {
        why = "\"row\" has non-finite entries";
        return false;
    }
    return true;
}

bool dict_get_string(const pmt::pmt_t& dict,
                     const char* key,
                     std::string& out,
                     std::string& why)
{
    const pmt::pmt_t v = dict_value(dict, key, why);
    if (pmt::is_null(v))
        return false;
    if (!pmt::is_symbol(v)) {
        why = bad_key(key, "is not a string");
        return false;
    }
    out = pmt::symbol_to_string(v);
    return true;
}

bool dict_get_doubles(const pmt::pmt_t& dict,
                      const char* key,
                      std::vector<double>& out,
                      std::string& why)
{
    const pmt::pmt_t v = dict_value(dict, key, why);
    if (pmt::is_null(v))
        return false;
    std::vector<double> r;
    double d;
    if (num_to_double(v, d)) {
        r.push_back(d);
    } else if (pmt::is_f32vector(v)) {
        for (float f : pmt::f32vector_elements(v))
            r.push_back(f);
    } else if (pmt::is_f64vector(v)) {
        r = pmt::f64vector_elements(v);
    } else if (pmt::is_s32vector(v)) {
        for (auto i : pmt::s32vector_elements(v))
            r.push_back(i);
    } else if (pmt::is_s64vector(v)) {
        for (auto i : pmt::s64vector_elements(v))
            r.push_back(double(i));
    } else if (pmt::is_tuple(v) || pmt::is_vector(v)) {
        const size_t n = pmt::length(v);
        if (n > size_t(max_dim)) {
            why = bad_key(key, "has too many elements");
            return false;
        }
        for (size_t i = 0; i < n; ++i) {
            pmt::pmt_t e =
                pmt::is_tuple(v) ? pmt::tuple_ref(v, i) : pmt::vector_ref(v, i);
            if (!num_to_double(e, d)) {
                why = bad_key(key, "has a non-numeric element");
                return false;
            }
            r.push_back(d);
        }
    } else if (pmt::is_pair(v)) {
        // Walk the list by hand: pmt::length and pmt::nth throw wrong_type on an
        // improper list such as (1 . 2) (found by fuzz_csi_message), and a
        // message handler must never throw.
        pmt::pmt_t p = v;
        for (; pmt::is_pair(p); p = pmt::cdr(p)) {
            if (r.size() >= size_t(max_dim)) {
                why = bad_key(key, "has too many elements");
                return false;
            }
            if (!num_to_double(pmt::car(p), d)) {
                why = bad_key(key, "has a non-numeric element");
                return false;
            }
            r.push_back(d);
        }
        if (!pmt::is_null(p)) {
            why = bad_key(key, "is not a proper list");
            return false;
        }
    } else {
        why = bad_key(key, "is not a number or a numeric vector/list");
        return false;
    }
    if (r.size() > size_t(max_dim)) {
        why = bad_key(key, "has too many elements");
        return false;
    }
    for (double x : r)
        if (!std::isfinite(x)) {
            why = bad_key(key, "has non-finite elements");
            return false;
        }
    out = std::move(r);
    return true;
}

// A key not in the dict yet goes in front, as pmt::dict_add puts it, without
// dict_add's search of the whole list for it (its dynamic casts made a stats dict
// of 20 keys cost about 14 us, 4 times the consing); a repeated key is
// dict_add's replacement. Symbols are interned: the same name is the same pointer.
msg_dict& msg_dict::put(const char* key, const pmt::pmt_t& v)
{
    const pmt::pmt_t k = pmt::mp(key);
    const bool known = d_n_keys > d_keys.size() ||
                       std::find(d_keys.begin(), d_keys.begin() + d_n_keys, k.get()) !=
                           d_keys.begin() + d_n_keys;
    if (known) {
        d_dict = pmt::dict_add(d_dict, k, v);
    } else {
        d_dict = pmt::acons(k, v, d_dict);
        if (d_n_keys < d_keys.size())
            d_keys[d_n_keys] = k.get();
        ++d_n_keys;
    }
    return *this;
}

msg_dict& msg_dict::u64(const char* key, uint64_t v)
{
    return put(key, pmt::from_uint64(v));
}

msg_dict& msg_dict::i64(const char* key, long v) { return put(key, pmt::from_long(v)); }

msg_dict& msg_dict::real(const char* key, double v)
{
    return put(key, pmt::from_double(v));
}

msg_dict& msg_dict::flag(const char* key, bool v) { return put(key, pmt::from_bool(v)); }

msg_dict& msg_dict::text(const char* key, const std::string& v)
{
    return put(key, pmt::mp(v));
}

msg_dict& msg_dict::reals(const char* key, const std::vector<double>& v)
{
    return put(key, pmt::init_f64vector(v.size(), v));
}

msg_dict& msg_dict::complexes(const char* key, const std::vector<std::complex<double>>& v)
{
    return put(key, pmt::init_c64vector(v.size(), v));
}

msg_dict& msg_dict::complexes(const char* key, const std::vector<std::complex<float>>& v)
{
    return put(key, pmt::init_c32vector(v.size(), v));
}

msg_dict& msg_dict::value(const char* key, const pmt::pmt_t& v) { return put(key, v); }

pmt::pmt_t make_accepted(uint64_t offset, uint64_t epoch)
{
    return msg_dict().flag("accepted", true).u64("offset", offset).u64("epoch", epoch);
}

pmt::pmt_t make_snap_info(const snapshot_header& h, const char* event)
{
    msg_dict d;
    if (event)
        d.text("event", event);
    return d.u64("session", h.session).u64("index", h.index).u64("epoch", h.epoch);
}

bool set_values::get(const char* key, double& out) const
{
    const auto it = reals.find(key);
    if (it == reals.end())
        return false;
    out = it->second;
    return true;
}

bool set_values::get(const char* key, std::vector<double>& out) const
{
    const auto it = vectors.find(key);
    if (it == vectors.end())
        return false;
    out = it->second;
    return true;
}

bool set_values::get(const char* key, std::string& out) const
{
    const auto it = texts.find(key);
    if (it == texts.end())
        return false;
    out = it->second;
    return true;
}

bool parse_set(const pmt::pmt_t& msg,
               const core::param_spec* specs,
               size_t n_specs,
               set_values& out,
               std::string& why)
{
    out = set_values();
    why.clear();
    std::string settable;
    for (size_t i = 0; i < n_specs; ++i)
        if (specs[i].settable)
            settable += (settable.empty() ? "" : ", ") + std::string(specs[i].name);
    if (!pmt::is_dict(msg)) {
        why = "message is not a PMT dict (keys: " + settable + ")";
        return false;
    }
    const pmt::pmt_t keys = pmt::dict_keys(msg);
    if (!pmt::is_pair(keys)) {
        why = "empty dict (keys: " + settable + ")";
        return false;
    }
    for (pmt::pmt_t ks = keys; pmt::is_pair(ks); ks = pmt::cdr(ks)) {
        const pmt::pmt_t k = pmt::car(ks);
        const core::param_spec* s = nullptr;
        if (pmt::is_symbol(k)) {
            const std::string name = pmt::symbol_to_string(k);
            for (size_t i = 0; i < n_specs; ++i)
                if (specs[i].settable && name == specs[i].name)
                    s = &specs[i];
        }
        if (!s) {
            why = "unknown key " + pmt::write_string(k) + " (keys: " + settable + ")";
            return false;
        }
        try {
            switch (s->type) {
            case core::param_type::integer: {
                long v;
                if (!dict_get_int(msg, s->name, v, why))
                    return false;
                if (!s->lo_ref && !s->hi_ref)
                    core::check_value(*s, double(v));
                out.reals[s->name] = double(v);
                break;
            }
            case core::param_type::real: {
                double v;
                if (!dict_get_double(msg, s->name, v, why))
                    return false;
                if (!s->lo_ref && !s->hi_ref)
                    core::check_value(*s, v);
                out.reals[s->name] = v;
                break;
            }
            case core::param_type::reals: {
                std::vector<double> v;
                if (!dict_get_doubles(msg, s->name, v, why))
                    return false;
                if (!s->lo_ref && !s->hi_ref)
                    core::check_values(*s, v);
                out.vectors[s->name] = std::move(v);
                break;
            }
            case core::param_type::text: {
                std::string v;
                if (!dict_get_string(msg, s->name, v, why))
                    return false;
                if (s->options)
                    core::check_option(*s, v);
                out.texts[s->name] = std::move(v);
                break;
            }
            case core::param_type::boolean:
                why = std::string(s->name) + " cannot be set by message";
                return false;
            }
        } catch (const std::exception& e) {
            why = e.what();
            return false;
        }
    }
    return true;
}

std::string set_rejected(const std::string& why)
{
    return "set: " + why + "; message ignored, state unchanged";
}

} // namespace isac
} // namespace gr

namespace gr {
namespace isac {

namespace {
constexpr int run_seq_bits = 40;
constexpr uint64_t run_seq_mask = (uint64_t(1) << run_seq_bits) - 1;

uint64_t run_process_tag()
{
    // drawn once per process; never 0, so a stamp is never 0 either
    static const uint64_t tag = [] {
        std::random_device rd;
        const uint64_t t = ((uint64_t(rd()) << 32) ^ rd()) & 0xFFFFFF;
        return t ? t : 1;
    }();
    return tag;
}
} // namespace

uint64_t run_stamp_now()
{
    static std::atomic<uint64_t> seq{ 0 };
    return (run_process_tag() << run_seq_bits) | ((++seq) & run_seq_mask);
}

pmt::pmt_t with_run(const pmt::pmt_t& dict, uint64_t stamp)
{
    return pmt::dict_add(dict, pmt::mp("run"), pmt::from_uint64(stamp));
}

bool run_fence::finished(const pmt::pmt_t& msg,
                         const gr::logger_ptr& log,
                         const char* port)
{
    const uint64_t stop = d_stop.load();
    if (!stop || !pmt::is_dict(msg))
        return false;
    const pmt::pmt_t r = pmt::dict_ref(msg, pmt::mp("run"), pmt::PMT_NIL);
    if (!pmt::is_uint64(r))
        return false;
    const uint64_t stamp = pmt::to_uint64(r);
    if ((stamp >> run_seq_bits) != (stop >> run_seq_bits) ||
        (stamp & run_seq_mask) > (stop & run_seq_mask))
        return false;
    const uint64_t n = ++d_dropped;
    if ((n & (n - 1)) == 0)
        log->info("{} message of a run that ended before this block's last stop() "
                  "ignored: its offsets count that run's items ({} so far)",
                  port,
                  n);
    return true;
}

} // namespace isac
} // namespace gr
