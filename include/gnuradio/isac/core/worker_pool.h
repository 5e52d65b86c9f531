/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Worker threads for the module's CPU-heavy blocks (plain C++, no GNU Radio):
 *  - worker_pool::run(n, f): f(0) ... f(n-1) on the calling thread and the pool's
 *    workers; the caller gets its results in index order, so a block's output
 *    does not depend on the thread count.
 *  - background_task: one computation on its own thread (a table build) that
 *    may itself call run() to use the workers.
 * Both cancel cooperatively: long computations poll core::cancel_requested(),
 * which is true inside a cancelled job, a cancelled background task, or a pool
 * being stopped. stop() and the destructors return once every running f has
 * returned (a design takes microseconds to milliseconds; the exact branch and
 * bound polls the flag between nodes).
 */
#ifndef INCLUDED_ISAC_CORE_WORKER_POOL_H
#define INCLUDED_ISAC_CORE_WORKER_POOL_H

#include <condition_variable>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace gr {
namespace isac {
namespace core {

//! True when the job, background task or pool running the calling thread's current
//! computation was cancelled; false outside of them.
bool cancel_requested();

/*!
 * While alive, cancel_requested() on the constructing thread also asks `poll`
 * (a cancellation only that thread can see, e.g. GNU Radio's thread
 * interruption at a flowgraph's stop()). When poll says yes, *raise is set, so
 * the other threads of a pool job cancelled through that flag stop too.
 */
class cancel_poll_scope
{
public:
    cancel_poll_scope(bool (*poll)(), std::atomic<bool>* raise);
    ~cancel_poll_scope();
    cancel_poll_scope(const cancel_poll_scope&) = delete;
    cancel_poll_scope& operator=(const cancel_poll_scope&) = delete;

private:
    bool (*d_saved_poll)();
    std::atomic<bool>* d_saved_raise;
};

//! Cores of this machine (std::thread::hardware_concurrency, at least 1).
int hardware_threads();

class worker_pool
{
public:
    //! threads >= 1 computing threads: the caller of run() and threads - 1 workers.
    explicit worker_pool(int threads);
    ~worker_pool(); //!< stop()
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;

    int threads() const { return d_threads; }

    /*!
     * Runs f(i) for every i in [0, n), in chunks of `grain` consecutive indices
     * claimed by the caller and the idle workers; returns when all have run (true)
     * or, after `cancel` became true or stop() was called, when the chunks already
     * started have returned (false: some indices were skipped). Jobs of several
     * callers share the workers; `background` jobs get a worker only when no other
     * job has work left. f must not throw.
     */
    bool run(long n,
             const std::function<void(long)>& f,
             const std::atomic<bool>* cancel = nullptr,
             long grain = 1,
             bool background = false);

    //! Cancels every running job and joins the workers (idempotent; safe while
    //! another thread is in run()); a later run() starts new workers.
    void stop();

private:
    struct job;
    const int d_threads;
    std::mutex d_mutex;
    std::condition_variable d_wake;
    std::vector<job*> d_jobs; // jobs with unclaimed indices
    std::vector<std::thread> d_workers;
    unsigned long d_generation = 0;     // stop() ends the workers of older ones (guarded)
    std::atomic<int> d_foreground{ 0 }; // foreground jobs being run

    void worker_loop(unsigned long generation);
    job* pick_job(); // under d_mutex
    void work_on(job& j, bool yield);
};

//! One computation on its own thread with a cancellation flag (the flag is what
//! cancel_requested() reports inside it).
class background_task
{
public:
    background_task() = default;
    ~background_task(); //!< cancel() and wait()
    background_task(const background_task&) = delete;
    background_task& operator=(const background_task&) = delete;

    //! Cancels and waits for a previous computation, then starts f on a new thread.
    void start(std::function<void()> f);
    void cancel() { d_cancel = true; }
    //! Joins the thread (returns at once when none runs).
    void wait();
    //! The flag f should poll (also reported by cancel_requested() inside f).
    const std::atomic<bool>& cancelled() const { return d_cancel; }

private:
    std::thread d_thread;
    std::atomic<bool> d_cancel{ false };
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
