/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_feedback_impl.h"
#include "csi_message.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/csi_estimation.h>
#include <gnuradio/isac/core/frame.h>
#include <gnuradio/isac/core/limits.h>
#include <algorithm>
#include <cmath>

namespace gr {
namespace isac {

csi_feedback::sptr csi_feedback::make(int n_users, int n_tx, int delay_frames, int bits)
{
    core::params::csi_feedback::check(n_users, n_tx, delay_frames, bits);
    return gnuradio::make_block_sptr<csi_feedback_impl>(
        n_users, n_tx, delay_frames, bits);
}

csi_feedback_impl::csi_feedback_impl(int n_users, int n_tx, int delay_frames, int bits)
    : gr::block("csi_feedback",
                gr::io_signature::make(0, 0, 0),
                gr::io_signature::make(0, 0, 0)),
      d_n_users(n_users),
      d_n_tx(n_tx),
      d_delay(delay_frames),
      d_bits(bits),
      d_row_port(pmt::mp("row")),
      d_cal_port(pmt::mp("cal")),
      d_csi_port(pmt::mp("csi")),
      d_stats_port(pmt::mp("stats")),
      d_rows(size_t(n_users)),
      d_frames(n_users)
{
    message_port_register_in(d_row_port);
    set_msg_handler(d_row_port, [this](const pmt::pmt_t& m) { handle_row(m); });
    message_port_register_in(d_cal_port);
    set_msg_handler(d_cal_port, [this](const pmt::pmt_t& m) { handle_cal(m); });
    message_port_register_out(d_csi_port);
    message_port_register_out(d_stats_port);
}

bool csi_feedback_impl::start()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_rows.assign(size_t(d_n_users), user_row());
    d_frames.reset();
    d_waiting.clear();
    d_have_post = false;
    d_posted_frame = 0;
    d_restarts = 0; // per run, as grid_rejected and stray_rejected (d_frames.reset())
    d_cal_pending = false; // its item was the previous run's
    d_run_stamp = run_stamp_now();
    return block::start();
}

bool csi_feedback_impl::stop()
{
    // rows the ending run's receivers posted that this thread did not handle
    // would otherwise be the next run's first reports and number its frames on
    // from the old run's (GNU Radio keeps the queue across a restart)
    drain_queue(*this, d_row_port, d_logger, "row");
    drain_queue(*this, d_cal_port, d_logger, "cal");
    d_fence.stopped();
    return block::stop();
}

void csi_feedback_impl::handle_row(const pmt::pmt_t& msg)
{
    if (d_fence.finished(msg, d_logger, "row"))
        return;
    row_report rep;
    std::string why;
    if (parse_row_report(msg, d_n_tx, d_n_users, rep, why) && rep.frame < 0)
        why = "\"frame\" missing or negative";
    std::unique_lock<std::mutex> lock(d_mutex);
    if (!why.empty()) {
        ++d_rejected;
        lock.unlock();
        d_logger->warn("row message ignored: {}", why);
        return;
    }
    user_row& u = d_rows[size_t(rep.user)];
    // A user's reports come in frame order: a repeat, or a small step back
    // (its receiver correcting its frame index by less than the header's frame
    // codes), changes nothing. A counter that goes back further is a receiver
    // that restarted; one far ahead of every user is held back (taken as is,
    // it would become the user's latest frame and its valid reports would then
    // look like a restarted receiver's).
    const report_frames::decision dec =
        d_frames.admit(int(rep.user), rep.frame, rep.frame_len, int64_t(u.interval));
    if (dec.v == report_frames::verdict::repeat) {
        ++d_received;
        return;
    }
    if (dec.v == report_frames::verdict::reject) {
        ++d_rejected;
        lock.unlock();
        if (dec.log)
            d_logger->warn("row message of user {} ignored: {}", rep.user, dec.why);
        return;
    }
    if (dec.regrid) {
        // the frames held and taken so far are on the old grid's numbering
        d_rows.assign(size_t(d_n_users), user_row());
        d_waiting.clear();
        d_have_post = false;
        d_posted_frame = 0;
    }
    const int64_t frame = dec.frame;
    if (dec.restart_from >= 0)
        ++d_restarts;
    if (dec.gap)
        u.rebased = true; // its next interval is not the gap of the restart/outage
    ++d_received;
    d_waiting.push_back({ int(rep.user), uint64_t(frame), rep.frame_len, rep.row });

    // The users' receivers run in threads of their own, so their reports arrive
    // in any order. What is published must not depend on that order (nor on
    // which receiver the scheduler ran first): reports are taken frame by frame,
    // and a frame only once every user has reported it or a later one (its
    // reports are then complete). A user silent for 4 of its report intervals
    // behind the others no longer holds the rest back.
    std::vector<std::pair<pmt::pmt_t, pmt::pmt_t>> out;
    for (;;) {
        if (d_waiting.empty())
            break;
        uint64_t f = UINT64_MAX;
        for (const auto& w : d_waiting)
            f = std::min(f, w.frame);
        int64_t lo = INT64_MAX, hi = -1;
        uint64_t iv = 0;
        for (int k = 0; k < d_n_users; ++k) {
            lo = std::min(lo, d_frames.latest(k));
            hi = std::max(hi, d_frames.latest(k));
            iv = std::max<uint64_t>(iv, d_rows[size_t(k)].interval);
        }
        const bool complete = lo >= int64_t(f);
        // silent: only once every user has reported and the report interval is
        // known (before, a user that is merely slow would be passed over)
        const bool stale = lo >= 0 && iv > 0 && int64_t(f) + int64_t(4 * iv) <= hi;
        if (!complete && !stale && d_waiting.size() > size_t(64 * d_n_users)) {
            // a user that never reports: the others' oldest reports go (nothing
            // can be published before every user has reported once)
            d_waiting.erase(std::min_element(
                d_waiting.begin(), d_waiting.end(), [](const report& a, const report& b) {
                    return a.frame < b.frame;
                }));
            continue;
        }
        if (!complete && !stale)
            break;
        pmt::pmt_t csi, st;
        if (take_frame(f, csi, st))
            out.emplace_back(csi, st);
    }
    lock.unlock();
    if (!dec.note.empty())
        d_logger->warn("{}", dec.note);
    for (const auto& m : out) {
        message_port_pub(d_csi_port, with_run(m.first, d_run_stamp));
        message_port_pub(d_stats_port, m.second);
    }
}

// The precoders mute the payload from a transmit calibration's item c until a
// csi measured a frame after c; a correction too small to move a quantised row
// would otherwise post nothing new and leave them muted to their bound.
void csi_feedback_impl::handle_cal(const pmt::pmt_t& msg)
{
    // a cal of a finished run names an item of that run: as the later cal wins, it
    // would hold this run's own cal back and the mute would last to its bound
    if (d_fence.finished(msg, d_logger, "cal"))
        return;
    uint64_t c = 0;
    if (!parse_cal_offset(msg, c, d_logger))
        return;
    std::lock_guard<std::mutex> lock(d_mutex);
    d_cal_at = d_cal_pending ? std::max(d_cal_at, c) : c;
    d_cal_pending = true;
}

bool csi_feedback_impl::take_frame(uint64_t frame, pmt::pmt_t& csi, pmt::pmt_t& stats)
{
    long frame_len = 0;
    int last_user = 0;
    for (auto it = d_waiting.begin(); it != d_waiting.end();) {
        if (it->frame != frame) {
            ++it;
            continue;
        }
        user_row& u = d_rows[size_t(it->user)];
        if (u.have && frame > u.frame && !u.rebased)
            u.interval = frame - u.frame;
        u.rebased = false;
        u.have = true;
        // Each user picks its own phase reference (its receiver's LO), so the row
        // it reports carries an arbitrary phase. Publishing it as is makes the
        // 1-bit CI precoder aim every symbol at a rotated constellation, which its
        // +-1 +-j alphabet serves worse (measured: Pd 0.44 -> 0.04, user SER
        // x2 with ideal hardware). One reference for both ends: element 0 real
        // and positive; the receivers take the published row as their reference.
        core::cvec rn = it->row;
        if (std::abs(rn[0]) > 0.0)
            rn *= std::conj(rn[0]) / std::abs(rn[0]);
        u.raw = rn;
        u.row = core::quantize_row(rn, d_bits);
        u.frame = frame;
        u.frame_len = it->frame_len;
        frame_len = it->frame_len;
        last_user = it->user;
        it = d_waiting.erase(it);
    }

    uint64_t fmin = UINT64_MAX, fmax = 0;
    for (const auto& x : d_rows) {
        if (!x.have)
            return false; // not every user has reported yet
        fmin = std::min(fmin, x.frame);
        fmax = std::max(fmax, x.frame);
    }
    core::cmat H(d_n_users, d_n_tx);
    double qn = 0;
    for (int k = 0; k < d_n_users; ++k) {
        H.row(k) = d_rows[size_t(k)].row.transpose();
        const double r2 = d_rows[size_t(k)].raw.squaredNorm();
        qn += r2 > 0 ? (d_rows[size_t(k)].row - d_rows[size_t(k)].raw).squaredNorm() / r2
                     : 0;
    }
    bool post = !d_have_post;
    if (!post && fmax > d_posted_frame && H != d_posted) {
        // a complete set for one frame, or a user silent for 4 of its intervals
        const uint64_t iv = std::max<uint64_t>(d_rows[size_t(last_user)].interval, 1);
        post = fmin == fmax || fmax - fmin >= 4 * iv;
    }
    // every row measured a frame after the calibration's item (the precoders'
    // test of the csi's "measured")
    const bool after_cal =
        d_cal_pending && fmin * uint64_t(frame_len) >= d_cal_at + uint64_t(frame_len);
    if (!post && !after_cal)
        return false;
    if (after_cal)
        d_cal_pending = false;
    const uint64_t offset = (fmax + 1 + uint64_t(d_delay)) * uint64_t(frame_len);
    d_posted = H;
    d_have_post = true;
    d_posted_frame = fmax;
    ++d_posts;
    if (d_first < 0)
        d_first = int64_t(offset);
    d_last = int64_t(offset);
    // the oldest row's frame start: a precoder judges by it whether the rows
    // postdate its transmit calibration's correction
    csi = make_csi(H, offset, 0, fmin * uint64_t(frame_len));
    stats = msg_dict()
                .u64("posts", d_posts)
                .u64("offset", offset)
                .u64("frame", fmax)
                .u64("grid_rejected", d_frames.grid_rejected())
                .u64("stray_rejected", d_frames.stray_rejected())
                .u64("restarts", d_restarts)
                .real("quant_nmse", qn / d_n_users);
    return true;
}

uint64_t csi_feedback_impl::posts() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_posts;
}

int64_t csi_feedback_impl::first_offset() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_first;
}

int64_t csi_feedback_impl::last_offset() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_last;
}

std::vector<std::vector<gr_complex>> csi_feedback_impl::channel() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    std::vector<std::vector<gr_complex>> H;
    if (!d_have_post)
        return H;
    for (int u = 0; u < d_n_users; ++u) {
        std::vector<gr_complex> r(static_cast<size_t>(d_n_tx));
        for (int i = 0; i < d_n_tx; ++i)
            r[size_t(i)] = gr_complex(d_posted(u, i));
        H.push_back(r);
    }
    return H;
}

uint64_t csi_feedback_impl::rows_received() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_received;
}

uint64_t csi_feedback_impl::rows_rejected() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_rejected;
}

} // namespace isac
} // namespace gr
