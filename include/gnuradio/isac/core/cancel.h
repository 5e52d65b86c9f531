/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Cooperative cancellation of the module's long computations (branch and bound,
 * MM/ISL designs, table builds, DoA accumulation, large updates), one mechanism
 * for all of them: a computation asks cancel_requested() between iterations, and
 * whoever runs it decides what cancels it by the scopes the running thread is in:
 *  - a worker_pool job or a background_task (worker_pool.h) cancelled or stopped;
 *  - a cancel_scope a block opens around its work: its own flag (set by its
 *    destructor or stop()) and a poll of what only that thread can see (GNU
 *    Radio's thread interruption at a flowgraph's stop()).
 * A cancelled computation returns its best result so far, marked as such.
 * cancel_check adds a work budget (a deadline) to the same question.
 */
#ifndef INCLUDED_ISAC_CORE_CANCEL_H
#define INCLUDED_ISAC_CORE_CANCEL_H

#include <atomic>
#include <chrono>

namespace gr {
namespace isac {
namespace core {

//! True when a scope the calling thread runs in was cancelled (false outside all).
bool cancel_requested();

/*!
 * While alive, cancel_requested() on the constructing thread is also true when
 * `flag` is set, or when `poll` says so (a cancellation only this thread can
 * read); then *raise is set too, so that the other threads of a worker_pool job
 * cancelled through that flag stop with it. Scopes nest; a worker_pool job's
 * workers see the scopes of the thread that called run().
 */
class cancel_scope
{
public:
    using poll_fn = bool (*)();
    explicit cancel_scope(const std::atomic<bool>* flag);
    cancel_scope(poll_fn poll, std::atomic<bool>* raise);
    ~cancel_scope();
    cancel_scope(const cancel_scope&) = delete;
    cancel_scope& operator=(const cancel_scope&) = delete;

private:
    int d_saved_flags;
    poll_fn d_saved_poll;
    std::atomic<bool>* d_saved_raise;
    bool d_poll;
};

/*!
 * What a long computation polls: the calling thread's cancellation
 * (cancel_requested()) and, optionally, a work budget. When the deadline passes
 * the check fires too; cancelled() / past_deadline() tell the two apart (a
 * cancelled result is not used, one at its budget is, with a note).
 */
class cancel_check
{
public:
    using clock = std::chrono::steady_clock;
    //! The thread's cancellation, no deadline.
    cancel_check() = default;
    //! A copy that also fires `seconds` from now (seconds <= 0: no deadline).
    cancel_check with_deadline(double seconds) const
    {
        cancel_check c = *this;
        if (seconds > 0)
            c.d_deadline = clock::now() + std::chrono::duration_cast<clock::duration>(
                                              std::chrono::duration<double>(seconds));
        return c;
    }
    bool cancelled() const { return cancel_requested(); }
    bool past_deadline() const
    {
        return d_deadline != clock::time_point::max() && clock::now() >= d_deadline;
    }
    bool operator()() const { return cancelled() || past_deadline(); }

private:
    clock::time_point d_deadline = clock::time_point::max();
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
