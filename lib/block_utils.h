/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What every block needs to stay responsive: GNU Radio's stop() seen as a
 * cancellation (core/cancel.h), a per-call work budget, and a bounded queue of entries
 * waiting for a future offset (counted in bytes against the module's limit).
 */
#ifndef INCLUDED_ISAC_BLOCK_UTILS_H
#define INCLUDED_ISAC_BLOCK_UTILS_H

#include <gnuradio/block.h>
#include <gnuradio/block_detail.h>
#include <gnuradio/buffer.h>
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/cancel.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/logger.h>
#include <boost/thread/thread.hpp>
#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace gr {
namespace isac {

/*!
 * Called from stop(): lets the next start() size b's output buffers as the
 * first one did. GNU Radio 3.10 stores each buffer's allocated size as the
 * port's max_output_buffer, and at a restart that stored maximum wins over
 * min_output_buffer, so such a buffer falls back to its default size with a
 * warning "max output buffer set to ... instead of requested ...". Only a
 * minimum or a downstream block's needs make an allocation larger than the
 * default, so only a stored maximum above the default is forgotten; one at or
 * below it is a cap the user set (or the default itself) and is kept.
 */
inline void forget_buffer_sizes(gr::block& b)
{
    if (!b.detail())
        return;
    constexpr long fixed_buffer_bytes = 32 * 1024; // GNU Radio's GR_FIXED_BUFFER_SIZE
    for (int p = 0; p < b.detail()->noutputs(); ++p) {
        const long item = std::max(1, b.output_signature()->sizeof_stream_item(p));
        const long default_items =
            std::max(2 * fixed_buffer_bytes / item, 2L * b.output_multiple());
        if (b.max_output_buffer(p) > default_items)
            b.set_max_output_buffer(p, -1);
    }
}

/*!
 * The item from which a calibration estimated up to item `last` of `b`'s in0
 * takes effect (the "offset" of a cal message): at least 8192 items later, and
 * at least in0's buffer size later. A corrector fed from the same buffer runs
 * at most that buffer's size ahead of `b`, so the offset is never late there
 * and the switch item does not depend on the threads' timing.
 */
inline uint64_t cal_apply_offset(const gr::block& b, uint64_t last)
{
    constexpr uint64_t min_delay = 8192;
    const int64_t buf = b.detail()->input(0)->buffer()->bufsize();
    return last + std::max<uint64_t>(min_delay, uint64_t(std::max<int64_t>(0, buf)));
}

/*!
 * A block's core model that start() after a run rebuilds from the seed it used,
 * with the same parameters: a restart is a new run, and the same seed draws the
 * same scene and radios. The old model goes first, because the two side by side
 * double the memory peak of a large array; so the holder is empty when that
 * rebuild threw, and get() then throws too. The block's lock guards it.
 */
template <class Model>
class seeded_model
{
public:
    template <class Params>
    explicit seeded_model(const Params& p) : d_m(std::in_place, p)
    {
    }
    Model& get() { return const_cast<Model&>(std::as_const(*this).get()); }
    const Model& get() const
    {
        if (!d_m)
            throw std::runtime_error(d_who +
                                     ": no model: rebuilding it at start() failed");
        return *d_m;
    }
    //! who: the block, for the error of a later get() if the rebuild throws
    void restart_from_seed(const std::string& who)
    {
        d_who = who;
        auto q = get().params();
        q.seed = get().seed_used();
        d_m.reset();
        d_m.emplace(q);
    }

private:
    std::optional<Model> d_m;
    std::string d_who = "block";
};

/*!
 * The setter of a parameter with an on_set hook (tools/gen_params.py writes the
 * calls): stores value in member, then runs on_set; if on_set throws, member
 * gets its old value back and the error propagates, so a rejected value changes
 * nothing. The caller holds the block's lock.
 */
template <class T, class V, class F>
void set_or_restore(T& member, V&& value, F&& on_set)
{
    auto previous = member;
    member = std::forward<V>(value);
    try {
        on_set();
    } catch (...) {
        member = std::move(previous);
        throw;
    }
}

/*!
 * True once the flowgraph asked this block's thread to stop: GNU Radio's
 * stop() interrupts the block threads, and only the interrupted thread can
 * read that flag. False on threads GNU Radio did not start (Python callers).
 */
inline bool stop_requested() { return boost::this_thread::interruption_requested(); }

/*!
 * While alive, the computations of a block's work thread see the flowgraph's
 * stop() as a cancellation (core::cancel_requested()); `raise` (may be null) is
 * set when it fires, so that the workers of a pool job cancelled through it
 * stop too.
 */
class stop_scope : public core::cancel_scope
{
public:
    explicit stop_scope(std::atomic<bool>* raise = nullptr)
        : core::cancel_scope(&stop_requested, raise)
    {
    }
};

/*!
 * Bounds the time one work() call spends, so that stop(), message handlers
 * and setters never wait long: a call returns what it has done once the
 * budget is spent (a sync block may produce fewer items than offered).
 */
class work_budget
{
public:
    explicit work_budget(double seconds = 0.05)
        : d_end(std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(seconds)))
    {
    }
    //! Spent, or the flowgraph is stopping.
    bool exhausted() const
    {
        return std::chrono::steady_clock::now() >= d_end || stop_requested();
    }

private:
    std::chrono::steady_clock::time_point d_end;
};

/*!
 * A block that holds its input back (no channel, no design yet) would keep a
 * finite flowgraph from ever finishing. Once every input's writer has
 * finished, it waits `grace` seconds more for what it waits for (a csi
 * message may still be in flight), then gives up: expired() becomes true and
 * the block returns WORK_DONE having emitted nothing. While the caller says
 * a design is requested or running (`busy`), the grace restarts, so a short
 * input still gets the design it asked for; but only for `busy_limit`
 * seconds after the input ended, so a design that never returns cannot keep
 * the flowgraph from ending.
 */
class input_end_grace
{
public:
    explicit input_end_grace(double grace = 0.5, double busy_limit = 60.0)
        : d_grace(grace), d_busy_limit(busy_limit)
    {
    }
    void reset() { d_seen = false; }
    bool expired(gr::block& b, bool busy = false)
    {
        const auto det = b.detail();
        if (!det || det->ninputs() == 0)
            return false;
        for (int i = 0; i < det->ninputs(); ++i)
            if (!det->input(i)->done())
                return false;
        const auto now = std::chrono::steady_clock::now();
        if (!d_seen) {
            d_seen = true;
            d_since = d_ended = now;
        }
        if (busy && seconds(now - d_ended) < d_busy_limit) {
            d_since = now;
            return false;
        }
        return seconds(now - d_since) >= d_grace;
    }

private:
    static double seconds(std::chrono::steady_clock::duration d)
    {
        return std::chrono::duration<double>(d).count();
    }
    double d_grace;
    double d_busy_limit;
    bool d_seen = false;
    std::chrono::steady_clock::time_point d_since;
    std::chrono::steady_clock::time_point d_ended;
};

/*!
 * Discards the messages still queued on `port` of `b`, logs their number (as
 * `what` messages) and returns it. Called
 * from stop(), where the block's thread has left its loop: what is queued then
 * was posted for the run that ends, and GNU Radio keeps the queue across a
 * restart, so the next run would otherwise handle it as its own. Not at start():
 * each block starts on its own thread, so a block upstream may already have
 * posted for the new run.
 */
inline size_t drain_queue(gr::basic_block& b,
                          const pmt::pmt_t& port,
                          const gr::logger_ptr& log,
                          const char* what)
{
    size_t n = 0;
    while (b.delete_head_nowait(port))
        ++n;
    if (n)
        log->info(
            "stop: {} {} message(s) of the ending run not handled; discarded", n, what);
    return n;
}

/*!
 * The item a transmit calibration's correction takes effect at: the "offset" of
 * a cal dict (tx_phase_estimator, in the corrector's item count, which is the
 * precoder's). Anything else is logged as ignored and returns false.
 */
inline bool
parse_cal_offset(const pmt::pmt_t& msg, uint64_t& offset, const gr::logger_ptr& log)
{
    const pmt::pmt_t off = pmt::is_dict(msg)
                               ? pmt::dict_ref(msg, pmt::mp("offset"), pmt::PMT_NIL)
                               : pmt::PMT_NIL;
    if (pmt::is_uint64(off)) {
        offset = pmt::to_uint64(off);
        return true;
    }
    if (pmt::is_integer(off) && pmt::to_long(off) >= 0) {
        offset = uint64_t(pmt::to_long(off));
        return true;
    }
    log->warn("cal message ignored: {}",
              pmt::is_dict(msg) ? "\"offset\" (the item the correction takes effect "
                                  "at) is missing or not a non-negative integer"
                                : "not a dict");
    return false;
}

/*!
 * A transmit calibration mutes the payload until a csi measured a frame after
 * its item c takes effect. That csi is not certain to come: csi_feedback posts
 * only rows that changed unless its "cal" port has the calibration, so in a graph
 * without that wire a correction too small to move a reported row, or a user who
 * stopped reporting, leaves it away for good. The rows come every 16
 * frames and the loop takes about 12 more, so the first csi after c comes within
 * about 30 frames; after cal_mute_bound_frames the precoder resumes on the
 * newest channel it holds (measured before c) and warns.
 */
constexpr uint64_t cal_mute_bound_frames = 64;

//! True (and a warning naming why) once item abs is the bound past the calibration
//! at cal_at; never without frames (frame_len 0: nothing leaves the block there).
inline bool cal_mute_ended(uint64_t cal_at,
                           uint64_t abs,
                           uint64_t frame_len,
                           const gr::logger_ptr& log)
{
    if (frame_len == 0 || abs < cal_at + cal_mute_bound_frames * frame_len)
        return false;
    log->warn("no csi measured after the transmit calibration at item {} came within "
              "{} frames (the users' rows did not change enough to be posted again "
              "and csi_feedback's \"cal\" port is not connected, or a user stopped "
              "reporting): the payload resumes at item {} on the newest channel held, "
              "measured before the calibration",
              cal_at,
              cal_mute_bound_frames,
              abs);
    return true;
}

//! Log throttle: true for the 1st, 2nd, 4th, 8th, ... event of a kind.
inline bool log_this(uint64_t count_after)
{
    return (count_after & (count_after - 1)) == 0;
}

/*!
 * A calibration taken at item `at` after its correction's item c already went out:
 * the items [c, at) were precoded on the old channel and are radiated through the
 * new correction. The mute starts at `at`; this counts it and warns (1st, 2nd,
 * 4th ...), since it means the precoder ran further ahead of tx_phase_estimator
 * than the calibration's delay allows.
 */
inline void
count_late_cal(uint64_t c, uint64_t at, uint64_t& count, const gr::logger_ptr& log)
{
    if (c >= at)
        return;
    if (log_this(++count))
        log->warn("transmit calibration for item {} taken at item {}: {} items went out "
                  "on the old channel through the new correction (the precoder leads "
                  "tx_phase_estimator by more than the calibration's delay; {} late so "
                  "far)",
                  c,
                  at,
                  at - c,
                  count);
}

} // namespace isac
} // namespace gr

#endif
