/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Background work of the module's blocks (plain C++, no GNU Radio), the one
 * utility every block uses for it, with the cancellation of cancel.h:
 *  - worker_pool::run(n, f): f(0) ... f(n-1) on the calling thread and the pool's
 *    workers; the caller gets its results in index order, so a block's output
 *    does not depend on the thread count.
 *  - background_task: one worker thread per owner that runs computations one after
 *    the other (a table build, a precoder design), each of which may call run().
 * Both cancel cooperatively: long computations poll core::cancel_requested(),
 * which is true inside a cancelled job, a cancelled background task, a pool
 * being stopped, or a cancel_scope of the caller whose flag was raised. stop()
 * and the destructors return once every running f has returned (a design polls
 * between iterations; the exact branch and bound between nodes).
 */
#ifndef INCLUDED_ISAC_CORE_WORKER_POOL_H
#define INCLUDED_ISAC_CORE_WORKER_POOL_H

#include <gnuradio/isac/core/cancel.h>
#include <condition_variable>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace gr {
namespace isac {
namespace core {

//! Cores of this machine (std::thread::hardware_concurrency, at least 1).
int hardware_threads();

class worker_pool
{
public:
    //! The name of the workers' threads (Linux: /proc/<pid>/task/<tid>/comm).
    static constexpr const char* worker_thread_name = "isac_pool";

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
     * started have returned (false: some indices were skipped). The workers also
     * see the cancel_scope flags of the calling thread. Jobs of several
     * callers share the workers; `background` jobs get a worker only when no other
     * job has work left. f must not throw.
     */
    bool run(long n,
             const std::function<void(long)>& f,
             const std::atomic<bool>* cancel = nullptr,
             long grain = 1,
             bool background = false);

    //! Starts the workers now (they sleep until a job), so that the first run()
    //! does not wait for their creation (a block's start()). Idempotent.
    void spawn();

    /*!
     * A run() will follow shortly (a block's next call, after its serial part):
     * sleeping workers wake now and wait for it awake, for the same bounded time
     * as after a job, so their wake-up overlaps the caller's serial work instead
     * of the start of the job (a worker that finds itself on the caller's CPU
     * sleeps instead). No effect with one thread or before the first run().
     */
    void wake();

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
    std::atomic<unsigned long> d_posted{ 0 }; // jobs queued and stop() calls so far
    // the CPU of the last thread that posted a job or called wake(): a worker waiting
    // for that thread does not poll on its CPU
    std::atomic<int> d_caller_cpu{ -1 };

    void worker_loop(unsigned long generation);
    void spawn_locked(); // under d_mutex
    job* pick_job(); // under d_mutex
    void work_on(job& j, bool yield);
};

/*!
 * A worker thread of its own (started at the first computation, kept until stop()
 * or destruction) running computations one after the other. Inside one,
 * cancel_requested() is true once it is cancelled. f must not throw (an exception
 * is dropped). None of the methods may be called from inside f, except post().
 */
class background_task
{
public:
    background_task() = default;
    ~background_task(); //!< stop()
    background_task(const background_task&) = delete;
    background_task& operator=(const background_task&) = delete;

    //! Cancels the running computation and drops the queued ones, then queues f.
    void start(std::function<void()> f);
    //! Queues f after the running and queued computations (cancels nothing).
    void post(std::function<void()> f);
    //! Cancels the running computation and drops the queued ones (no wait).
    void cancel();
    //! Returns when no computation runs or is queued.
    void wait();
    //! No computation runs or is queued (what wait() waits for).
    bool idle();
    //! cancel(), then ends the thread (idempotent; a later post() starts a new one).
    void stop();
    //! The running computation's flag (what cancel_requested() reports inside it).
    const std::atomic<bool>& cancelled() const { return d_cancel; }

private:
    std::mutex d_mutex;
    std::condition_variable d_cv;
    std::deque<std::function<void()>> d_queue; // guarded
    std::thread d_thread;
    bool d_running = false;         // guarded
    unsigned long d_generation = 0; // stop() ends the thread of older ones (guarded)
    std::atomic<bool> d_cancel{ false };
    void loop(unsigned long generation);
    void queue_locked(std::function<void()> f);
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
