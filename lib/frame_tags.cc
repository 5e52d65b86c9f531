/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "csi_message.h"
#include "frame_tags.h"
#include <algorithm>
#include <cmath>
#include <limits>

namespace gr {
namespace isac {

const pmt::pmt_t frame_tag_key = pmt::mp("isac_frame");
const pmt::pmt_t pilot_tag_key = pmt::mp("isac_pilot");
const pmt::pmt_t payload_tag_key = pmt::mp("isac_payload");
const pmt::pmt_t guard_tag_key = pmt::mp("isac_guard");
const pmt::pmt_t mute_tag_key = pmt::mp("isac_mute");

pmt::pmt_t make_frame_dict(const core::frame_format& f, uint64_t index)
{
    return msg_dict()
        .u64("index", index)
        .i64("frame_len", f.frame_len())
        .i64("n_tx", f.n_tx)
        .i64("payload_len", f.payload_len)
        .i64("preamble_block", f.block())
        .i64("preamble_reps", f.preamble_reps)
        .i64("pilot_len", f.pilots())
        .u64("seed", f.seed)
        .i64("guard_len", f.guard_len);
}

bool parse_frame_dict(const pmt::pmt_t& d,
                      core::frame_format& f,
                      uint64_t& index,
                      std::string& why)
{
    if (!pmt::is_dict(d) || !pmt::is_pair(d)) {
        why = "isac_frame tag value is not a non-empty dict";
        return false;
    }
    long v[6];
    const char* keys[6] = { "n_tx",          "payload_len", "preamble_block",
                            "preamble_reps", "pilot_len",   "seed" };
    for (int i = 0; i < 6; ++i) {
        std::string w;
        if (!dict_get_int(d, keys[i], v[i], w)) {
            why = std::string("isac_frame: \"") + keys[i] + "\" " +
                  (w.empty() ? "missing" : w);
            return false;
        }
    }
    // absent: a frame without a guard (the dicts before the guard existed)
    long guard = 0;
    std::string w;
    if (pmt::dict_has_key(d, pmt::mp("guard_len")) &&
        (!dict_get_int(d, "guard_len", guard, w) || guard < 0 ||
         guard > core::frame_max_len)) {
        why =
            "isac_frame: \"guard_len\" " + (w.empty() ? std::string("out of range") : w);
        return false;
    }
    long idx = 0;
    w.clear();
    if (!dict_get_int(d, "index", idx, w) || idx < 0) {
        why = "isac_frame: \"index\" missing or negative";
        return false;
    }
    for (int i = 0; i < 6; ++i)
        if (v[i] < 0 || v[i] > core::frame_max_len) {
            why = std::string("isac_frame: \"") + keys[i] + "\" out of range";
            return false;
        }
    core::frame_format g;
    try {
        g = core::frame_format::make(int(v[0]),
                                     int(v[1]),
                                     int(v[2]),
                                     int(v[3]),
                                     int(v[4]),
                                     uint64_t(v[5]),
                                     int(guard));
    } catch (const std::exception& e) {
        why = std::string("isac_frame: ") + e.what();
        return false;
    }
    f = g;
    index = uint64_t(idx);
    return true;
}

known_tx::known_tx(int n_tx, double power) : d_n_tx(n_tx) { set_power(power); }

void known_tx::set_power(double power)
{
    d_amp = float(std::sqrt(power / (2.0 * d_n_tx)));
    rescale();
}

void known_tx::reset()
{
    d_starts.clear();
    d_values.clear();
    d_next = 0;
    d_in_frame = false;
    d_frames = 0;
}

void known_tx::rescale()
{
    if (!d_pat)
        return;
    const auto& f = d_pat->format();
    const size_t m = size_t(f.known_len()) * size_t(d_n_tx);
    d_vec.resize(2 * m);
    for (int flag = 0; flag < 2; ++flag) {
        const core::cmatf& K = d_pat->known(flag == 1);
        for (size_t i = 0; i < m; ++i)
            d_vec[size_t(flag) * m + i] = K.data()[i] * d_amp;
    }
}

void known_tx::load(const std::vector<gr::tag_t>& tags_in)
{
    std::vector<gr::tag_t> tags = tags_in;
    std::stable_sort(
        tags.begin(), tags.end(), [](const gr::tag_t& a, const gr::tag_t& b) {
            return a.offset < b.offset;
        });
    d_starts.clear();
    d_values.clear();
    for (const auto& t : tags) {
        if (!d_starts.empty() && d_starts.back() == t.offset) {
            d_values.back() = t.value; // two tags on one snapshot: the later wins
            continue;
        }
        d_starts.push_back(t.offset);
        d_values.push_back(t.value);
    }
    d_next = 0;
}

void known_tx::begin_frame(uint64_t abs, const pmt::pmt_t& v, bool has_channel)
{
    core::frame_format f;
    uint64_t index = 0;
    std::string why;
    if (!parse_frame_dict(v, f, index, why) || f.n_tx != d_n_tx) {
        if (why.empty())
            why = "isac_frame: n_tx = " + std::to_string(f.n_tx) + ", this block has " +
                  std::to_string(d_n_tx);
        ++d_bad;
        if (d_log && why != d_last_why)
            d_log->warn("frame tag ignored, the frame is precoded as data: {}", why);
        d_last_why = why;
        d_in_frame = false;
        return;
    }
    if (!d_pat || d_pat->format() != f) {
        d_pat = std::make_unique<core::frame_patterns>(f);
        rescale();
    }
    d_in_frame = true;
    d_flag = has_channel;
    d_code = int(index % core::header_codes);
    d_hs = f.header_start();
    d_block = f.block();
    d_start = abs;
    d_known = f.known_len();
    d_guard = f.guard_start();
    d_end = f.frame_len();
    ++d_frames;
}

const gr_complex* known_tx::at(uint64_t abs, bool has_channel)
{
    while (d_next < d_starts.size() && d_starts[d_next] < abs)
        ++d_next; // tags behind us (not expected: at() runs in order)
    if (d_next < d_starts.size() && d_starts[d_next] == abs) {
        begin_frame(abs, d_values[d_next], has_channel);
        ++d_next;
    }
    if (!d_in_frame)
        return nullptr;
    const uint64_t k = abs - d_start;
    if (k >= uint64_t(d_end))
        d_in_frame = false;
    if (k >= uint64_t(d_known))
        return nullptr;
    const size_t m = size_t(d_known) * size_t(d_n_tx);
    const gr_complex* v = d_vec.data() + (d_flag ? m : 0) + size_t(k) * size_t(d_n_tx);
    const int th = int(k) - d_hs;
    if (th >= 0 && th < d_block && core::header_code(d_code, th) < 0) {
        // the header carries the frame number: its code flips this snapshot
        d_scratch.resize(size_t(d_n_tx));
        for (int i = 0; i < d_n_tx; ++i)
            d_scratch[size_t(i)] = -v[i];
        return d_scratch.data();
    }
    return v;
}

bool known_tx::any_valid(const std::vector<gr::tag_t>& tags) const
{
    for (const auto& t : tags) {
        core::frame_format f;
        uint64_t index = 0;
        std::string why;
        if (parse_frame_dict(t.value, f, index, why) && f.n_tx == d_n_tx)
            return true;
    }
    return false;
}

bool known_tx::in_guard(uint64_t abs) const
{
    return d_in_frame && abs >= d_start + uint64_t(d_guard) &&
           abs < d_start + uint64_t(d_end);
}

int known_tx::payload_run(uint64_t abs, int limit) const
{
    if (d_in_frame) { // a payload run ends at the guard, a guard run at the frame's end
        const uint64_t g = d_start + uint64_t(d_guard), e = d_start + uint64_t(d_end);
        if (abs < g)
            limit = int(std::min<uint64_t>(uint64_t(limit), g - abs));
        else if (abs < e)
            limit = int(std::min<uint64_t>(uint64_t(limit), e - abs));
    }
    for (size_t i = d_next; i < d_starts.size(); ++i)
        if (d_starts[i] >= abs)
            return int(std::min<uint64_t>(uint64_t(limit), d_starts[i] - abs));
    return limit;
}

} // namespace isac
} // namespace gr
