/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_message.h"
#include "tdd_csi_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/frame.h>
#include <gnuradio/isac/core/limits.h>
#include <algorithm>
#include <cmath>

namespace gr {
namespace isac {

tdd_csi::sptr tdd_csi::make(int n_tx,
                            int n_users,
                            int uplink_len,
                            int64_t uplink_period,
                            int64_t uplink_offset,
                            int64_t pilot_seed,
                            int ref_user,
                            int memory,
                            int frame_len,
                            int delay_frames,
                            bool user_scale,
                            int report_every)
{
    core::params::tdd_csi::check(n_tx,
                                 n_users,
                                 uplink_len,
                                 uplink_period,
                                 uplink_offset,
                                 pilot_seed,
                                 ref_user,
                                 memory,
                                 frame_len,
                                 delay_frames,
                                 user_scale,
                                 report_every);
    core::tdd_csi_params p;
    p.n_tx = n_tx;
    p.n_users = n_users;
    p.uplink_len = uplink_len;
    p.uplink_period = uint64_t(uplink_period);
    p.uplink_offset = uint64_t(uplink_offset);
    p.pilot_seed = uint64_t(pilot_seed);
    p.ref_user = ref_user;
    p.memory = memory;
    p.validate(); // the cross-parameter rules (uplink_len vs n_users)
    return gnuradio::make_block_sptr<tdd_csi_impl>(
        p, frame_len, delay_frames, user_scale, report_every);
}

tdd_csi_impl::tdd_csi_impl(const core::tdd_csi_params& p,
                           int frame_len,
                           int delay_frames,
                           bool user_scale,
                           int report_every)
    : gr::sync_block("tdd_csi",
                     gr::io_signature::make(p.n_tx, p.n_tx, sizeof(gr_complex)),
                     gr::io_signature::make(0, 0, 0)),
      d_frame_len_param(frame_len),
      d_delay(delay_frames),
      d_user_scale(user_scale),
      d_report_every(report_every),
      d_row_port(pmt::mp("row")),
      d_kappa_port(pmt::mp("kappa")),
      d_csi_port(pmt::mp("csi")),
      d_stats_port(pmt::mp("stats")),
      d_est(p),
      d_frame_len(frame_len),
      d_cal(p),
      d_frames(p.n_users, frame_len)
{
    message_port_register_in(d_row_port);
    set_msg_handler(d_row_port, [this](const pmt::pmt_t& m) { handle_row(m); });
    message_port_register_in(d_kappa_port);
    set_msg_handler(d_kappa_port, [this](const pmt::pmt_t& m) { handle_kappa(m); });
    message_port_register_out(d_csi_port);
    message_port_register_out(d_stats_port);
}

bool tdd_csi_impl::start()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    // a restart is a new session: the item count starts again at 0, so the
    // slots and the offsets of the last one mean nothing now
    d_est.reset();
    d_cal.reset();
    d_waiting.clear();
    d_early.clear();
    d_pending.clear();
    d_frames.reset(d_frame_len_param);
    d_have_post = false;
    d_frame_len = d_frame_len_param;
    // the counters and offsets describe this run (first_offset() is this
    // run's snapshots to CSI lock); an external kappa is the radios' and
    // stays (d_cal.reset() keeps it) until a {kappa: #f}
    d_posts = d_received = d_rejected = d_forced = d_dropped = d_kappa_rejected = 0;
    d_first = d_last = -1;
    d_run_stamp = run_stamp_now();
    return sync_block::start();
}

bool tdd_csi_impl::stop()
{
    // rows the ending run's receivers posted that this thread did not handle
    // would otherwise be the next run's first reports and number its frames on
    // from the old run's (GNU Radio keeps the queue across a restart)
    drain_queue(*this, d_row_port, d_logger, "row");
    d_fence.stopped();
    return sync_block::stop();
}

// under d_mutex: checks a parsed row against the frame grid and numbering and
// takes it (its calibration, or d_waiting); the reason when it is not taken
std::string tdd_csi_impl::take_row(const row_report& rep,
                                   double value,
                                   bool ref,
                                   report_frames::decision& dec)
{
    const bool sets_grid = ref || d_frame_len_param > 0;
    std::string why;
    if (why.empty() && rep.frame < 0 && d_frames.frame_len() > 0 &&
        rep.frame_len != d_frames.frame_len())
        why = "\"frame_len\" " + std::to_string(rep.frame_len) +
              " is not the frame grid's " + std::to_string(d_frames.frame_len());
    else if (why.empty() && rep.frame < 0 && !sets_grid && d_frame_len < 1)
        why = "no frame grid yet (the reference user's rows set it)";
    if (why.empty() && rep.frame < 0) {
        // no frame number: nothing to pair it by; taken as it arrives
        try {
            if (ref)
                d_cal.add_reference_row(rep.row, value);
            else
                d_cal.add_user_energy(int(rep.user), value);
        } catch (const std::exception& ex) {
            why = ex.what();
        }
    } else if (why.empty()) {
        // a user's rows come in frame order: a repeat or an older frame is
        // dropped (counted); a receiver that restarted is numbered on; a
        // corrupt frame far ahead is held back (taken as is, it would become
        // the user's latest and every later valid row would be dropped as old)
        dec = d_frames.admit(
            int(rep.user), rep.frame, rep.frame_len, d_report_every, sets_grid);
        if (dec.v != report_frames::verdict::take)
            why = dec.why;
        else {
            if (dec.regrid)
                d_waiting.clear(); // numbered on the old grid
            d_waiting.push_back({ int(rep.user), dec.frame, rep.row, value });
            // rows wait for the stream to reach their frame; a receiver far
            // ahead of the stream (or numbered so) must not grow this without
            // bound: over 1024 x n_users rows in all the oldest go (as csi_feedback's
            // cap; 64 per user there, where nothing waits for a stream: rows
            // posted before the stream starts wait here legitimately)
            const size_t cap = size_t(1024 * d_est.params().n_users);
            while (d_waiting.size() > cap) {
                d_waiting.pop_front();
                const uint64_t k = ++d_dropped;
                if ((k & (k - 1)) == 0)
                    dec.note += (dec.note.empty() ? "" : "; ") +
                                std::string("more than ") + std::to_string(cap) +
                                " rows waiting for the stream: the oldest dropped (" +
                                std::to_string(k) + " so far)";
            }
        }
    }
    if (!why.empty() || d_frame_len_param > 0)
        return why;
    if (d_frames.frame_len() > 0)
        d_frame_len = d_frames.frame_len();
    else if (ref)
        d_frame_len = rep.frame_len; // a frameless reference row, no grid yet
    return why;
}

bool tdd_csi_impl::no_grid_for(const row_report& rep, bool ref) const
{
    return d_frame_len_param == 0 && !ref &&
           (rep.frame < 0 ? d_frame_len < 1 : d_frames.frame_len() == 0);
}

void tdd_csi_impl::handle_row(const pmt::pmt_t& msg)
{
    if (d_fence.finished(msg, d_logger, "row"))
        return;
    const int n_tx = d_est.params().n_tx;
    row_report rep;
    std::string why;
    if (parse_row_report(msg, n_tx, d_est.params().n_users, rep, why) &&
        !(rep.row.squaredNorm() > 0.0))
        why = "\"row\" is all zero";
    const bool ref = rep.user == d_est.params().ref_user;
    if (why.empty() && !ref && !d_user_scale)
        return; // another user's row: TDD needs only the reference's
    // the reference row with its error variance per entry; of another user's
    // row only its energy, the scalar TDD cannot measure (the estimate's own
    // error energy taken out)
    const double nmse = std::max(0.0, rep.nmse), g2 = rep.row.squaredNorm();
    const double value = ref ? nmse * g2 / n_tx : g2 / (1.0 + nmse);
    if (why.empty() && !(std::isfinite(value) && (ref || value > 0.0)))
        why = "\"nmse\" is not finite";
    posts_out out;
    report_frames::decision dec;
    std::unique_lock<std::mutex> lock(d_mutex);
    // with no frame_len parameter the grid is the reference rows' (the csi
    // offsets are on it): another user's row can neither set nor change it
    if (why.empty() && no_grid_for(rep, ref)) {
        // which receiver reports first at start-up is thread timing: held
        // (not rejected) until the reference row sets the grid; over the cap
        // the oldest go, counted as dropped
        d_early.emplace_back(rep, value);
        if (d_early.size() > size_t(1024 * d_est.params().n_users)) {
            d_early.pop_front();
            ++d_dropped;
        }
        return;
    }
    if (why.empty())
        why = take_row(rep, value, ref, dec);
    std::vector<std::string> early_why;
    if (why.empty() && ref) {
        for (auto it = d_early.begin(); it != d_early.end();) {
            if (no_grid_for(it->first, false)) {
                ++it;
                continue;
            }
            report_frames::decision ed;
            const std::string w = take_row(it->first, it->second, false, ed);
            if (w.empty())
                ++d_received;
            else {
                ++d_rejected;
                if (ed.log)
                    early_why.push_back(w);
            }
            if (!ed.note.empty())
                dec.note += (dec.note.empty() ? "" : "; ") + ed.note;
            it = d_early.erase(it);
        }
    }
    if (!why.empty()) {
        ++d_rejected;
        lock.unlock();
        if (dec.log)
            d_logger->warn("row message ignored: {}", why);
        return;
    }
    ++d_received;
    take_pending(detail() ? nitems_read(0) : 0, out);
    lock.unlock();
    for (const auto& w : early_why)
        d_logger->warn("row message ignored: {}", w);
    if (!dec.note.empty())
        d_logger->warn("{}", dec.note);
    for (const auto& m : out) {
        message_port_pub(d_csi_port, with_run(m.first, d_run_stamp));
        message_port_pub(d_stats_port, m.second);
    }
}

void tdd_csi_impl::handle_kappa(const pmt::pmt_t& msg)
{
    const int n_tx = d_est.params().n_tx;
    std::string why;
    const pmt::pmt_t k = pmt::is_dict(msg)
                             ? pmt::dict_ref(msg, pmt::mp("kappa"), pmt::PMT_NIL)
                             : pmt::PMT_NIL;
    core::cvec kappa;
    bool clear = false;
    if (!pmt::is_dict(msg))
        why = "not a dict";
    else if (pmt::is_bool(k) && !pmt::to_bool(k))
        clear = true;
    else if (pmt::is_c32vector(k) && pmt::length(k) == size_t(n_tx)) {
        size_t len = 0;
        const gr_complex* p = pmt::c32vector_elements(k, len);
        kappa.resize(n_tx);
        for (int i = 0; i < n_tx; ++i)
            kappa[i] = core::cdouble(p[i]);
    } else if (pmt::is_c64vector(k) && pmt::length(k) == size_t(n_tx)) {
        size_t len = 0;
        const core::cdouble* p = pmt::c64vector_elements(k, len);
        kappa = Eigen::Map<const core::cvec>(p, n_tx);
    } else
        why =
            "\"kappa\" is not #f or a c32/c64 vector of n_tx = " + std::to_string(n_tx) +
            " entries";
    std::unique_lock<std::mutex> lock(d_mutex);
    if (why.empty()) {
        try {
            // taken by the next slot's csi (an external calibration is not
            // paired by frame)
            if (clear)
                d_cal.clear_kappa();
            else
                d_cal.set_kappa(kappa);
        } catch (const std::exception& ex) {
            why = ex.what();
        }
    }
    if (!why.empty()) {
        ++d_rejected;
        lock.unlock();
        d_logger->warn("kappa message ignored: {}", why);
    }
}

bool tdd_csi_impl::rows_complete(int64_t frame) const
{
    // Frames before `frame` are complete for a user once it has reported one
    // of them or a later one, or its next report (every report_every frames,
    // user_receiver's rule) falls at or after `frame`. A user that has not
    // reported yet holds the slot back (its first report may still be for an
    // earlier frame). A user whose last report is more than 4 report intervals
    // before `frame` is silent: it no longer holds slots back (a live receiver
    // reports within a frame or two of the stream, so this does not depend on
    // the threads' timing).
    const int ref = d_est.params().ref_user;
    const bool need_ref = ref >= 0 && d_cal.kappa().size() == 0;
    const int64_t silent = 4 * int64_t(d_report_every);
    for (int u = 0; u < d_est.params().n_users; ++u) {
        if (u == ref ? !need_ref : !d_user_scale)
            continue;
        const int64_t f = d_frames.latest(u);
        if (frame - f > silent)
            continue;
        if (f < 0 || f + d_report_every < frame)
            return false;
    }
    return true;
}

void tdd_csi_impl::take_rows(int64_t frame)
{
    for (auto it = d_waiting.begin(); it != d_waiting.end();) {
        if (it->frame >= frame) {
            ++it;
            continue;
        }
        try {
            if (it->user == d_est.params().ref_user)
                d_cal.add_reference_row(it->row, it->value);
            else
                d_cal.add_user_energy(it->user, it->value);
        } catch (const std::exception& ex) {
            ++d_rejected;
            d_logger->warn(
                "row of user {} frame {} ignored: {}", it->user, it->frame, ex.what());
        }
        it = d_waiting.erase(it);
    }
}

void tdd_csi_impl::evaluate(uint64_t slot_end,
                            const core::tdd_csi_estimator& est,
                            posts_out& out)
{
    if (!est.ready()) {
        // a chain whose gain legitimately differs by more than the bounds
        // would otherwise get no csi and no word why
        const std::string why = est.own_kappa_out_of_bounds();
        if (!why.empty()) {
            const uint64_t k = ++d_kappa_rejected;
            if ((k & (k - 1)) == 0)
                d_logger->warn("no csi: the kappa computed from the reference user's "
                               "rows has {} (outside [1e-3, 1e3]; {} slots so far)",
                               why,
                               k);
        }
        return;
    }
    const uint64_t fl = uint64_t(d_frame_len);
    const uint64_t offset = (slot_end / fl + 1 + uint64_t(d_delay)) * fl;
    // one csi every report_every frames: each new channel makes the CI
    // precoder rebuild its table
    if (d_have_post && int64_t(offset) < d_last + int64_t(d_report_every) * int64_t(fl))
        return;
    const core::cmat H = est.downlink();
    if (!H.allFinite())
        return;
    d_posted = H;
    d_have_post = true;
    ++d_posts;
    if (d_first < 0)
        d_first = int64_t(offset);
    d_last = int64_t(offset);
    std::vector<double> nmse;
    for (int u = 0; u < est.params().n_users; ++u)
        nmse.push_back(est.uplink_nmse(u));
    const pmt::pmt_t stats = msg_dict()
                                 .u64("posts", d_posts)
                                 .u64("offset", offset)
                                 .u64("slots", est.slots())
                                 .u64("bad_slots", est.bad_slots())
                                 .reals("nmse", nmse)
                                 .reals("noise_var", est.noise_var())
                                 .u64("grid_rejected", d_frames.grid_rejected())
                                 .u64("stray_rejected", d_frames.stray_rejected())
                                 .u64("rows_dropped", d_dropped)
                                 .u64("kappa_rejected", d_kappa_rejected);
    out.emplace_back(make_csi(H, offset), stats);
}

void tdd_csi_impl::on_slot(uint64_t slot_end, posts_out& out)
{
    if (d_frame_len < 1)
        return; // no frame grid yet: nothing to pair the rows by, no offset
    const int64_t frame = int64_t(slot_end / uint64_t(d_frame_len));
    if (d_pending.empty() && rows_complete(frame)) {
        take_rows(frame);
        d_est.take_calibration(d_cal);
        evaluate(slot_end, d_est, out);
        return;
    }
    d_pending.push_back({ slot_end, d_est });
}

void tdd_csi_impl::take_pending(uint64_t now, posts_out& out)
{
    // A slot waits for its rows until the stream is 4 report intervals past
    // it (a silent user: the rows there are are taken, logged) or until 256
    // slots wait.
    const uint64_t patience =
        4 * uint64_t(d_report_every) * uint64_t(std::max<long>(d_frame_len, 1));
    while (!d_pending.empty()) {
        pending_slot& p = d_pending.front();
        const int64_t frame = int64_t(p.slot_end / uint64_t(d_frame_len));
        if (!rows_complete(frame)) {
            if (now < p.slot_end + patience && d_pending.size() <= 256)
                break;
            const uint64_t k = ++d_forced;
            if ((k & (k - 1)) == 0)
                d_logger->warn("slot ending at {} taken without every user's rows up to "
                               "frame {} (a user silent; {} so far)",
                               p.slot_end,
                               frame - 1,
                               k);
        }
        take_rows(frame);
        p.est.take_calibration(d_cal);
        evaluate(p.slot_end, p.est, out);
        d_pending.pop_front();
    }
    d_est.take_calibration(d_cal);
}

int tdd_csi_impl::work(int noutput_items,
                       gr_vector_const_void_star& input_items,
                       gr_vector_void_star&)
{
    posts_out out;
    std::unique_lock<std::mutex> lock(d_mutex);
    const auto& p = d_est.params();
    const uint64_t P = p.uplink_period, L = uint64_t(p.uplink_len);
    const uint64_t pos0 = nitems_read(0);
    d_in.resize(input_items.size());
    long i = 0;
    while (i < noutput_items) {
        // up to the next slot's end at most: each slot's csi sees the uplink as
        // it stood at that slot, whatever the call sizes
        const uint64_t pos = pos0 + uint64_t(i);
        uint64_t end = p.uplink_offset + L;
        if (pos >= p.uplink_offset) {
            end = p.uplink_offset + (pos - p.uplink_offset) / P * P + L;
            if (end <= pos)
                end += P;
        }
        const long m = long(std::min<uint64_t>(end - pos, uint64_t(noutput_items - i)));
        for (size_t k = 0; k < input_items.size(); ++k)
            d_in[k] = static_cast<const core::cfloat*>(input_items[k]) + i;
        const int done = d_est.process(d_in.data(), m, pos);
        i += m;
        if (done > 0)
            on_slot(d_est.last_slot_end(), out);
        take_pending(pos0 + uint64_t(i), out);
    }
    lock.unlock();
    for (const auto& m : out) {
        message_port_pub(d_csi_port, with_run(m.first, d_run_stamp));
        message_port_pub(d_stats_port, m.second);
    }
    return noutput_items;
}

#define ISAC_LOCKED std::lock_guard<std::mutex> lock(d_mutex)

uint64_t tdd_csi_impl::posts() const
{
    ISAC_LOCKED;
    return d_posts;
}
int64_t tdd_csi_impl::first_offset() const
{
    ISAC_LOCKED;
    return d_first;
}
int64_t tdd_csi_impl::last_offset() const
{
    ISAC_LOCKED;
    return d_last;
}
std::vector<std::vector<gr_complex>> tdd_csi_impl::channel() const
{
    ISAC_LOCKED;
    std::vector<std::vector<gr_complex>> H;
    if (!d_have_post)
        return H;
    for (Eigen::Index u = 0; u < d_posted.rows(); ++u) {
        std::vector<gr_complex> r;
        for (Eigen::Index i = 0; i < d_posted.cols(); ++i)
            r.push_back(gr_complex(d_posted(u, i)));
        H.push_back(r);
    }
    return H;
}
std::vector<gr_complex> tdd_csi_impl::kappa() const
{
    ISAC_LOCKED;
    std::vector<gr_complex> v;
    const core::cvec k = d_est.kappa();
    for (Eigen::Index i = 0; i < k.size(); ++i)
        v.push_back(gr_complex(k[i]));
    return v;
}
uint64_t tdd_csi_impl::slots() const
{
    ISAC_LOCKED;
    return d_est.slots();
}
uint64_t tdd_csi_impl::bad_slots() const
{
    ISAC_LOCKED;
    return d_est.bad_slots();
}
uint64_t tdd_csi_impl::rows_received() const
{
    ISAC_LOCKED;
    return d_received;
}
uint64_t tdd_csi_impl::rows_rejected() const
{
    ISAC_LOCKED;
    return d_rejected;
}

} // namespace isac
} // namespace gr
