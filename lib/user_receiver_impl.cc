/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_message.h"
#include "user_receiver_impl.h"
#include <gnuradio/block_detail.h>
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/safe_margin.h> // psk_index, gray_ber
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace gr {
namespace isac {

namespace {
// a frame waiting for its reference symbols holds its payload here; past this
// many the oldest is sent on uncounted (the reference stream stalled)
constexpr size_t max_pending = 256;
} // namespace

user_receiver::sptr user_receiver::make(int n_tx,
                                        int n_users,
                                        int user,
                                        int psk_order,
                                        int payload_len,
                                        int preamble_block,
                                        int preamble_reps,
                                        int pilot_len,
                                        int frame_seed,
                                        double power,
                                        const std::string& estimator,
                                        double channel_var,
                                        double channel_corr,
                                        double csi_noise_var,
                                        int avg_frames,
                                        int report_every,
                                        double sync_threshold,
                                        int ser_every,
                                        int grid_offset,
                                        double pll_gain,
                                        double fll_gain,
                                        double mismatch_margin_db,
                                        double mismatch_cap_db,
                                        int guard_len)
{
    core::params::user_receiver::check(n_tx,
                                       n_users,
                                       user,
                                       psk_order,
                                       payload_len,
                                       preamble_block,
                                       preamble_reps,
                                       pilot_len,
                                       frame_seed,
                                       power,
                                       estimator,
                                       channel_var,
                                       channel_corr,
                                       csi_noise_var,
                                       avg_frames,
                                       report_every,
                                       sync_threshold,
                                       ser_every,
                                       grid_offset,
                                       pll_gain,
                                       fll_gain,
                                       mismatch_margin_db,
                                       mismatch_cap_db,
                                       guard_len);
    core::user_rx_params p;
    p.format = core::frame_format::make(n_tx,
                                        payload_len,
                                        preamble_block,
                                        preamble_reps,
                                        pilot_len,
                                        uint64_t(frame_seed),
                                        guard_len);
    p.psk_order = psk_order;
    p.power = power;
    p.estimator = core::parse_csi_estimator("estimator", estimator);
    p.channel_var = channel_var;
    p.channel_corr = channel_corr;
    p.csi_noise_var = csi_noise_var;
    p.avg_frames = avg_frames;
    p.report_every = report_every;
    p.sync_threshold = sync_threshold;
    p.grid_offset = grid_offset;
    p.pll_gain = pll_gain;
    p.fll_gain = fll_gain;
    p.mismatch_margin_db = mismatch_margin_db;
    p.mismatch_cap_db = mismatch_cap_db;
    p.validate();
    return gnuradio::make_block_sptr<user_receiver_impl>(p, n_users, user, ser_every);
}

user_receiver_impl::user_receiver_impl(const core::user_rx_params& p,
                                       int n_users,
                                       int user,
                                       int ser_every)
    : gr::block(
          "user_receiver",
          gr::io_signature::make2(1, 2, sizeof(gr_complex), sizeof(gr_complex) * n_users),
          gr::io_signature::make2(0, 2, sizeof(gr_complex), sizeof(float))),
      d_n_users(n_users),
      d_user(user),
      d_M(p.psk_order),
      d_ser_every(ser_every),
      d_F(p.format.frame_len()),
      d_Ld(p.format.payload_len),
      d_row_port(pmt::mp("row")),
      d_ser_port(pmt::mp("ser")),
      d_stats_port(pmt::mp("stats")),
      d_csi_port(pmt::mp("csi")),
      d_core(p),
      d_pll_gain(p.pll_gain),
      d_fll_gain(p.fll_gain),
      d_ref_k(p.psk_order),
      d_ref(p.format.payload_len,
            core::reference_window::default_cap(p.format.payload_len))
{
    message_port_register_out(d_row_port);
    message_port_register_out(d_ser_port);
    message_port_register_out(d_stats_port);
    message_port_register_in(d_csi_port);
    set_msg_handler(d_csi_port, [this](const pmt::pmt_t& m) { handle_csi(m); });
    set_tag_propagation_policy(TPP_DONT);
}

bool user_receiver_impl::start()
{
    // a restarted flowgraph restarts both streams: frame grid, reference and
    // counters start again, and the last frame and row are the new run's (a
    // run that outputs none must not report the previous run's)
    std::lock_guard<std::mutex> lock(d_mutex);
    d_core.reset();
    d_pending.clear();
    d_ref.reset();
    d_ref_warned = 0;
    d_mm_warned = 0;
    d_grid_warned = 0;
    d_ref_held = 0;
    d_in_held = 0;
    d_eos = false;
    d_n = d_err = d_bit_err = 0;
    d_ref_nonfinite = 0;
    d_csi_rejected = 0;
    d_locked_frame = d_first_report = -1;
    d_last_row.clear();
    d_last_frame = frame_stats();
    d_has_frame = false;
    d_last_stats = pmt::PMT_NIL;
    d_run_stamp = run_stamp_now();
    return block::start();
}

bool user_receiver_impl::stop()
{
    // GNU Radio keeps a message queue across a restart: a csi of this run still
    // queued would be handled after the next start() and set the phase reference
    // of the new run's frames from its old-run offset on (from frame 0 with none)
    drain_queue(*this, d_csi_port, d_logger, "csi");
    d_fence.stopped();
    return block::stop();
}

void user_receiver_impl::handle_csi(const pmt::pmt_t& msg)
{
    if (d_fence.finished(msg, d_logger, "csi"))
        return;
    csi_update u;
    std::string why;
    if (parse_csi(msg, u, why, 0, d_core.params().format.n_tx) && u.H.rows() <= d_user)
        why = std::to_string(u.H.rows()) + " rows, this receiver is user " +
              std::to_string(d_user);
    std::unique_lock<std::mutex> lock(d_mutex);
    if (!why.empty()) {
        ++d_csi_rejected;
        lock.unlock();
        d_logger->warn("csi message ignored: {}", why);
        return;
    }
    d_core.set_reference(u.H.row(d_user).transpose(), u.has_offset ? u.offset : 0);
}

user_receiver_impl::input_state user_receiver_impl::peek_input(int i) const
{
    // read together under the buffer's lock: an upstream marked done has
    // written all its items, so `available` is then all that will come
    const gr::buffer_reader_sptr r = detail()->input(unsigned(i));
    gr::thread::scoped_lock guard(*r->mutex());
    input_state s;
    s.available = r->items_available();
    s.done = r->done();
    return s;
}

bool user_receiver_impl::can_progress(bool has_ref,
                                      const input_state& in0,
                                      const input_state& in1) const
{
    if (in0.available > d_in_held || (has_ref && in1.available > d_ref_held))
        return true; // new samples or symbols
    if (in0.done && !d_eos)
        return true; // in0 ended: the held frame is flushed
    if (d_pending.empty())
        return d_eos; // only the end left
    const pending& p = d_pending.front();
    if (!has_ref || p.matched || d_pending.size() > max_pending)
        return true;
    const gr_complex* sym = nullptr;
    if (d_ref.find(p.f.index, &sym) != core::reference_window::lookup::waiting)
        return true;
    return d_eos && in1.done; // its symbols never come: output uncounted
}

void user_receiver_impl::forecast(int, gr_vector_int& ninput_items_required)
{
    // A receiver must never stall the transmitter: asking for samples of in0
    // before every call left in1 unread while the radio delivered nothing, and a
    // symbol source shared with the transmitter stalled when its buffer to in1
    // was full. So nothing is asked of in0 while the call can do something
    // without samples (read in1 into the bounded window, flush at the end of
    // in0, output a frame); otherwise a new item of in0 (or of in1 once in0 has
    // ended) is asked for, and the scheduler waits for input instead of
    // calling again at once. In the held-item counts: the last item of each
    // input stays unconsumed (general_work).
    const bool has_ref = ninput_items_required.size() > 1;
    const input_state in0 = peek_input(0);
    const input_state in1 = has_ref ? peek_input(1) : input_state();
    std::lock_guard<std::mutex> lock(d_mutex);
    const bool progress = can_progress(has_ref, in0, in1);
    ninput_items_required[0] = progress || d_eos ? 0 : d_in_held + 1;
    if (has_ref)
        ninput_items_required[1] = progress || !d_eos ? 0 : d_ref_held + 1;
}

// A frame's stats dict: built for a listener on the port or a last_stats() call
// only (ten keys, microseconds per frame otherwise spent for nobody).
pmt::pmt_t user_receiver_impl::stats_dict(const frame_stats& f, int F)
{
    return msg_dict()
        .u64("frame", f.index)
        .real("start", f.start)
        .real("timing", f.start - double(f.index) * F)
        .real("cfo", f.cfo)
        .real("cfo_preamble", f.cfo_preamble)
        .real("snr_db", f.snr_db)
        .real("noise_var", f.noise_var)
        .flag("header", f.header_flag)
        .flag("decided", f.decided)
        .flag("acquired", f.acquired)
        .u64("ref_dropped", f.ref_dropped)
        .u64("ref_nonfinite", f.ref_nonfinite)
        .u64("format_mismatches", f.format_mismatches);
}

void user_receiver_impl::post_frame_messages(const core::rx_frame& f)
{
    frame_stats st;
    st.index = f.index;
    st.start = f.start;
    st.cfo = f.cfo;
    st.cfo_preamble = f.cfo_preamble;
    st.snr_db = f.snr_db;
    st.noise_var = f.noise_var;
    st.header_flag = f.header_flag;
    st.decided = f.decided;
    st.acquired = f.acquired;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        st.ref_dropped = d_ref.dropped();
        st.ref_nonfinite = d_ref_nonfinite;
        st.format_mismatches = d_core.format_mismatches();
    }
    const bool listened = !pmt::is_null(message_subscribers(d_stats_port));
    const pmt::pmt_t s = listened ? stats_dict(st, d_F) : pmt::PMT_NIL;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_last_frame = st;
        d_has_frame = true;
        d_last_stats = s; // nil: last_stats() builds it
    }
    if (listened)
        message_port_pub(d_stats_port, s);
    if (f.report) {
        std::vector<gr_complex> row(size_t(f.row.size()));
        for (Eigen::Index i = 0; i < f.row.size(); ++i)
            row[size_t(i)] = gr_complex(f.row[i]);
        const pmt::pmt_t r = msg_dict()
                                 .i64("user", d_user)
                                 .complexes("row", row)
                                 .u64("frame", f.index)
                                 .i64("frame_len", d_F)
                                 .real("nmse", f.row_nmse)
                                 .real("noise_var", f.noise_var)
                                 .real("snr_db", f.snr_db)
                                 .flag("changed", f.report_changed)
                                 .u64("run", d_run_stamp);
        {
            std::lock_guard<std::mutex> lock(d_mutex);
            d_last_row = row;
            if (d_first_report < 0)
                d_first_report = int64_t(f.index);
        }
        message_port_pub(d_row_port, r);
    }
}

pmt::pmt_t user_receiver_impl::ser_dict(const core::rx_frame& f) const
{
    const double n = double(std::max<uint64_t>(d_n, 1));
    return msg_dict()
        .reals("ser", { d_err / n })
        .reals("ber", { core::gray_ber(uint64_t(d_bit_err), d_n, d_M) })
        .u64("symbols", d_n)
        // the counts as of the frame that completed the report, not of the
        // search's position in this call: the same whatever the call sizes
        .u64("frames", f.frames_found)
        .u64("missed", f.missed_total)
        .u64("ref_dropped", d_ref.dropped())
        .u64("ref_nonfinite", d_ref_nonfinite)
        .u64("format_mismatches", d_core.format_mismatches())
        .i64("locked_frame", long(d_locked_frame));
}

int user_receiver_impl::general_work(int noutput_items,
                                     gr_vector_int& ninput_items,
                                     gr_vector_const_void_star& input_items,
                                     gr_vector_void_star& output_items)
{
    const bool has_ref = input_items.size() > 1;
    const bool has_out = !output_items.empty();
    const bool has_ser_out = output_items.size() > 1;
    const int n0 = ninput_items[0];
    const int nref = has_ref ? ninput_items[1] : 0;
    // in0 has ended when its upstream is done and nothing came after these items
    const input_state end0 = peek_input(0);
    const bool in0_ends = end0.done && end0.available == n0;
    const input_state end1 = has_ref ? peek_input(1) : input_state();
    const bool in1_ended = has_ref && end1.done && end1.available == nref;
    std::vector<core::rx_frame> fresh;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        if (n0 > d_in_held)
            d_core.push(static_cast<const gr_complex*>(input_items[0]) + d_in_held,
                        size_t(n0 - d_in_held));
        if (in0_ends && !d_eos) {
            // the last frame waits for the next one's known section, which
            // never comes: out with its phase held flat, as after a miss
            d_core.flush();
            d_eos = true;
        }
        const uint64_t mism = d_core.format_mismatches();
        if (mism > 2 * d_mm_warned) { // the first, then a line per doubling
            d_logger->error(
                "{} frame(s) rejected: the known section does not fit (fit SNR "
                "{:.1f} dB) where the preamble shows {:.1f} dB. This receiver's frame "
                "format differs from the transmitter's: n_tx, payload_len, "
                "preamble_block, preamble_reps, pilot_len, guard_len and frame_seed "
                "must match "
                "frame_builder's (or the signal is badly distorted: an ADC driven "
                "into clipping); no row, csi or SER comes from such frames",
                mism,
                d_core.mismatch_fit_snr_db(),
                d_core.mismatch_sync_snr_db());
            d_mm_warned = mism;
        }
        const uint64_t grid = d_core.grid_mismatches();
        if (grid > 2 * d_grid_warned) { // the first, then a line per doubling
            const auto& fmt = d_core.params().format;
            d_logger->warn(
                "{} time(s) a frame was acquired off the frame grid after an "
                "unconfirmed one: frames arrive every {:.1f} snapshots, this "
                "receiver's frame_len is {} (payload_len {}, guard_len {}). "
                "payload_len and guard_len must match frame_builder's: a mismatch "
                "loses the frame grid after every frame",
                grid,
                d_core.grid_mismatch_spacing(),
                d_F,
                fmt.payload_len,
                fmt.guard_len);
            d_grid_warned = grid;
        }
        core::rx_frame f;
        while (d_core.pop(f))
            fresh.push_back(std::move(f));
        // The last item stays in the buffer (it is in d_core already): an input
        // read empty whose upstream has ended ends the block before a call,
        // and this block must see the end of in0 to flush its last frame.
        d_in_held = std::min(n0, 1);
    }
    consume(0, n0 - std::min(n0, 1));
    for (const auto& f : fresh)
        post_frame_messages(f);

    std::vector<pmt::pmt_t> ser_msgs;
    int produced = 0;
    auto out = has_out ? static_cast<gr_complex*>(output_items[0]) : nullptr;
    float* ser_out = has_ser_out ? static_cast<float*>(output_items[1]) : nullptr;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        for (auto& f : fresh) {
            if (f.decided && d_locked_frame < 0)
                d_locked_frame = int64_t(f.index);
            pending p;
            p.f = std::move(f);
            d_pending.push_back(std::move(p));
        }
        const uint64_t Ld = uint64_t(d_Ld);
        const auto ref =
            has_ref ? static_cast<const gr_complex*>(input_items[1]) : nullptr;
        if (has_ref) {
            // The symbols are taken as they come (the source shared with the
            // transmitter never waits for this receiver) and kept for the
            // frames it can still output: those its search can still reach, and
            // those out of it still waiting for their symbols. A bound on
            // samples seen lost the frames of a radio more than two frames late
            // whenever the symbols ran ahead.
            uint64_t first = d_core.first_expected_frame();
            for (const auto& p : d_pending)
                if (!p.matched)
                    first = std::min(first, p.f.index);
            d_ref.release_before(first);
            // The last item stays in the buffer (it is in the window already):
            // an input read empty whose source has ended ends the block, and a
            // finite reference must not end the receiver before its samples.
            if (nref > d_ref_held) {
                d_ref.push(ref + size_t(d_ref_held) * d_n_users + d_user,
                           size_t(nref - d_ref_held),
                           size_t(d_n_users));
                consume(1, nref - 1);
                d_ref_held = 1;
            }
            const uint64_t dropped = d_ref.dropped();
            if (dropped > 2 * d_ref_warned) { // a line per doubling
                d_logger->warn("{} reference symbols dropped unused so far: more than "
                               "{} ({} frames) waited for frames this receiver "
                               "could still output (its radio that late, or "
                               "delivering no frames); those frames are not counted",
                               dropped,
                               d_ref.cap(),
                               d_ref.cap() / Ld);
                d_ref_warned = dropped;
            }
        }
        while (!d_pending.empty()) {
            pending& p = d_pending.front();
            if (has_ref && !p.matched) {
                const gr_complex* sym = nullptr;
                const auto found = d_ref.find(p.f.index, &sym);
                if (found == core::reference_window::lookup::waiting &&
                    d_pending.size() <= max_pending && !(d_eos && in1_ended))
                    break; // wait for the reference symbols
                p.matched = true;
                const bool counted = p.f.index >= d_count_first &&
                                     (d_count_end == 0 || p.f.index < d_count_end);
                if (found == core::reference_window::lookup::ready && p.f.decided &&
                    counted) {
                    const uint64_t before = d_n;
                    for (uint64_t t = 0; t < Ld; ++t) {
                        bool bad = false;
                        const int k = d_ref_k(sym[t], &bad);
                        if (bad) {
                            // a non-finite symbol has no index: left out
                            ++d_ref_nonfinite;
                            continue;
                        }
                        const int dk = p.f.decisions[t];
                        if (dk != k) {
                            ++d_err;
                            if ((d_M & (d_M - 1)) == 0)
                                d_bit_err += core::gray_bit_errors(dk, k);
                        }
                        ++d_n;
                    }
                    if (d_ser_every > 0 &&
                        d_n / d_ser_every > before / uint64_t(d_ser_every))
                        ser_msgs.push_back(ser_dict(p.f));
                }
            }
            // payload samples out (no output port: a sink, nothing to hold back)
            const size_t left = p.f.payload.size() - p.out_pos;
            const size_t k =
                has_out ? std::min(size_t(noutput_items - produced), left) : left;
            if (has_out)
                std::copy(p.f.payload.begin() + p.out_pos,
                          p.f.payload.begin() + p.out_pos + k,
                          out + produced);
            if (ser_out) {
                const float v = d_n ? float(double(d_err) / double(d_n)) : 0.0f;
                std::fill(ser_out + produced, ser_out + produced + k, v);
            }
            produced += int(k);
            p.out_pos += k;
            if (p.out_pos < p.f.payload.size())
                break; // output full
            d_pending.pop_front();
        }
    }
    for (const auto& m : ser_msgs)
        message_port_pub(d_ser_port, m);
    if (has_out)
        produce(0, produced);
    if (has_ser_out)
        produce(1, produced);
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        if (d_eos && d_pending.empty() && produced == 0) {
            consume(0, d_in_held);
            d_in_held = 0;
            return WORK_DONE;
        }
    }
    return WORK_CALLED_PRODUCE;
}

std::vector<double> user_receiver_impl::ser() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return { d_n ? double(d_err) / double(d_n) : 0.0 };
}

std::vector<double> user_receiver_impl::ber() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return { core::gray_ber(uint64_t(d_bit_err), d_n, d_M) };
}

std::vector<uint64_t> user_receiver_impl::errors() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return { d_err };
}

uint64_t user_receiver_impl::count() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_n;
}

void user_receiver_impl::reset()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_n = d_err = d_bit_err = 0;
    d_ref_nonfinite = 0;
}

void user_receiver_impl::set_count_window(uint64_t first, uint64_t end)
{
    if (end != 0 && end <= first)
        throw std::invalid_argument("count window: end (" + std::to_string(end) +
                                    ") must be 0 or > first (" + std::to_string(first) +
                                    ")");
    std::lock_guard<std::mutex> lock(d_mutex);
    d_count_first = first;
    d_count_end = end;
}

bool user_receiver_impl::locked() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_core.locked();
}

double user_receiver_impl::cfo() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_core.cfo();
}

uint64_t user_receiver_impl::frames() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_core.frames();
}

uint64_t user_receiver_impl::missed() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_core.missed();
}

uint64_t user_receiver_impl::acquisitions() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_core.acquisitions();
}

int64_t user_receiver_impl::locked_frame() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_locked_frame;
}

int64_t user_receiver_impl::first_report_frame() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_first_report;
}

std::vector<gr_complex> user_receiver_impl::last_row() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_last_row;
}

pmt::pmt_t user_receiver_impl::last_stats() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    if (pmt::is_null(d_last_stats) && d_has_frame)
        d_last_stats = stats_dict(d_last_frame, d_F);
    return d_last_stats;
}

uint64_t user_receiver_impl::nonfinite_count() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_core.nonfinite();
}

uint64_t user_receiver_impl::ref_dropped() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_ref.dropped();
}

uint64_t user_receiver_impl::format_mismatches() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_core.format_mismatches();
}

uint64_t user_receiver_impl::csi_rejected() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_csi_rejected;
}

uint64_t user_receiver_impl::ref_nonfinite() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_ref_nonfinite;
}

void user_receiver_impl::set_loop_gains(double pll_gain, double fll_gain)
{
    core::check_value(core::params::user_receiver::pll_gain, pll_gain);
    core::check_value(core::params::user_receiver::fll_gain, fll_gain);
    std::lock_guard<std::mutex> lock(d_mutex);
    d_pll_gain = pll_gain;
    d_fll_gain = fll_gain;
    loop_gains_changed();
}

void user_receiver_impl::loop_gains_changed()
{
    d_core.set_loop_gains(d_pll_gain, d_fll_gain);
}

// clang-format off
// gen_params:begin accessor_definitions
void user_receiver_impl::set_pll_gain(double pll_gain)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    core::check_value(core::params::user_receiver::pll_gain, double(pll_gain));
    set_or_restore(d_pll_gain, pll_gain, [&] { loop_gains_changed(); });
}

double user_receiver_impl::pll_gain() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_pll_gain;
}

void user_receiver_impl::set_fll_gain(double fll_gain)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    core::check_value(core::params::user_receiver::fll_gain, double(fll_gain));
    set_or_restore(d_fll_gain, fll_gain, [&] { loop_gains_changed(); });
}

double user_receiver_impl::fll_gain() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_fll_gain;
}
// gen_params:end accessor_definitions
// clang-format on

} // namespace isac
} // namespace gr
