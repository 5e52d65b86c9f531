/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/types.h>
#include <gnuradio/isac/core/worker_pool.h>
#include <initializer_list>
#include <algorithm>
#include <chrono>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#endif

namespace gr {
namespace isac {
namespace core {

namespace {
// Cancellation flags of the calling thread's current scopes (a chunk of a pool job
// inside a background task sees the job's, the pool's, the task's and the scopes
// of the thread that called run()).
struct flag_stack {
    static constexpr int max_flags = 16;
    const std::atomic<bool>* f[max_flags];
    int n = 0;
    void push(const std::atomic<bool>* p)
    {
        if (p && n < max_flags)
            f[n++] = p;
    }
    bool any() const
    {
        for (int i = 0; i < n; ++i)
            if (f[i]->load(std::memory_order_relaxed))
                return true;
        return false;
    }
};
thread_local flag_stack tl_flags;
thread_local cancel_scope::poll_fn tl_poll = nullptr;
thread_local std::atomic<bool>* tl_raise = nullptr;

// How long a thread that just finished its part of a job polls before it sleeps:
// the caller for the workers' last chunks, a worker for the next job. A flowgraph
// block calls run() once per work() call, with ~0.1 ms of serial work between two
// calls; a futex sleep and wake-up costs about as much in a VM (ci_precoder,
// N_T = 64: 60-90 us per call less time in run() with 2 threads). Bounded, so an
// idle pool sleeps: it spins at most once, after its last job.
constexpr auto spin_time = std::chrono::microseconds(100);

// The CPU this thread runs on (-1: unknown).
int current_cpu()
{
#ifdef __linux__
    return sched_getcpu();
#else
    return -1;
#endif
}

// Polls done() for up to spin_time; true once it holds. A thread that waits for
// another one running on `other_cpu` stops polling as soon as it finds itself on
// that CPU: there it only delays the thread it waits for (on a busy machine a
// woken worker often preempts its caller, which then waited for the worker's
// whole poll: 30-100 us per work() call of ci_precoder at N_T = 64), and the
// futex sleep that follows hands the CPU back.
template <class F>
bool spin_until(F done, const std::atomic<int>* other_cpu = nullptr)
{
    const auto end = std::chrono::steady_clock::now() + spin_time;
    for (;;) {
        for (int k = 0; k < 64; ++k) {
            if (done())
                return true;
#if defined(__x86_64__) || defined(__i386__)
            _mm_pause();
#endif
        }
        if (std::chrono::steady_clock::now() >= end)
            return done();
        if (other_cpu) {
            const int cpu = current_cpu();
            if (cpu >= 0 && cpu == other_cpu->load(std::memory_order_relaxed))
                return done();
        }
    }
}

// The flags of a pool job's chunk: the job's own, and those its caller was in.
class job_scope
{
public:
    job_scope(std::initializer_list<const std::atomic<bool>*> own,
              const flag_stack* inherited)
        : d_saved(tl_flags.n)
    {
        for (const auto* p : own)
            tl_flags.push(p);
        for (int i = 0; inherited && i < inherited->n; ++i)
            tl_flags.push(inherited->f[i]);
    }
    ~job_scope() { tl_flags.n = d_saved; }
    job_scope(const job_scope&) = delete;
    job_scope& operator=(const job_scope&) = delete;

private:
    int d_saved;
};
} // namespace

bool cancel_requested()
{
    if (tl_flags.any())
        return true;
    if (tl_poll && tl_poll()) {
        if (tl_raise)
            tl_raise->store(true, std::memory_order_relaxed);
        return true;
    }
    return false;
}

cancel_scope::cancel_scope(const std::atomic<bool>* flag)
    : d_saved_flags(tl_flags.n),
      d_saved_poll(tl_poll),
      d_saved_raise(tl_raise),
      d_poll(false)
{
    tl_flags.push(flag);
}

cancel_scope::cancel_scope(poll_fn poll, std::atomic<bool>* raise)
    : d_saved_flags(tl_flags.n),
      d_saved_poll(tl_poll),
      d_saved_raise(tl_raise),
      d_poll(true)
{
    // the raised flag is a flag of this scope too: the thread stops with its job
    tl_flags.push(raise);
    tl_poll = poll;
    tl_raise = raise;
}

cancel_scope::~cancel_scope()
{
    tl_flags.n = d_saved_flags;
    if (d_poll) {
        tl_poll = d_saved_poll;
        tl_raise = d_saved_raise;
    }
}

int hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

// ---------------------------------------------------------------- worker_pool

struct worker_pool::job {
    long n, grain;
    const std::function<void(long)>* f;
    const std::atomic<bool>* cancel;    // the caller's flag (may be null)
    std::atomic<bool> stopped{ false }; // set by worker_pool::stop()
    bool background;
    std::atomic<long> next{ 0 }; // first unclaimed index
    std::atomic<long> done{ 0 }; // indices that ran
    std::atomic<int> active{ 0 }; // workers inside work_on (changed under the pool mutex)
    // the CPU of the worker that joined last: the caller waiting for the workers'
    // last chunks does not poll on it
    std::atomic<int> worker_cpu{ -1 };
    flag_stack inherited;        // the caller's scopes when run() was called

    bool cancelled() const
    {
        return (cancel && cancel->load(std::memory_order_relaxed)) ||
               stopped.load(std::memory_order_relaxed) || inherited.any();
    }
    bool has_work() const { return next.load() < n && !cancelled(); }
};

worker_pool::worker_pool(int threads) : d_threads(threads)
{
    check_int_range("threads", threads, 1, 1024);
}

worker_pool::~worker_pool() { stop(); }

// The workers of this generation are taken out under the lock and joined outside
// it, so a run() on another thread meanwhile (a table build, a work() call racing a
// flowgraph stop) never sees a half-cleared d_workers: it starts a new generation.
void worker_pool::stop()
{
    std::vector<std::thread> old;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        for (job* j : d_jobs)
            j->stopped = true;
        ++d_generation;
        ++d_posted; // a spinning worker looks at the generation
        old.swap(d_workers);
    }
    d_wake.notify_all();
    for (auto& t : old)
        t.join();
}

// Claims chunks of j until none is left or j is cancelled. A worker (yield) leaves
// a background job as soon as a foreground job is waiting.
void worker_pool::work_on(job& j, bool yield)
{
    // a worker takes on the caller's scopes; the caller is in them already
    job_scope scope({ j.cancel, &j.stopped }, yield ? &j.inherited : nullptr);
    for (;;) {
        // the caller also polls what only its thread sees (raising the job's flag)
        if (j.cancelled() || (!yield && cancel_requested()) ||
            (yield && j.background && d_foreground.load() > 0))
            return;
        const long i0 = j.next.fetch_add(j.grain);
        if (i0 >= j.n)
            return;
        const long i1 = std::min(j.n, i0 + j.grain);
        for (long i = i0; i < i1; ++i)
            (*j.f)(i);
        j.done += i1 - i0;
    }
}

worker_pool::job* worker_pool::pick_job()
{
    job* bg = nullptr;
    for (job* j : d_jobs) {
        if (!j->has_work())
            continue;
        if (!j->background)
            return j;
        if (!bg && d_foreground.load() == 0)
            bg = j;
    }
    return bg;
}

void worker_pool::worker_loop(unsigned long generation)
{
#ifdef __linux__
    // A thread inherits its creator's name (a block's thread, or python3 for a block
    // started from Python): named, perf, top -H and pidstat -t tell the workers apart.
    pthread_setname_np(pthread_self(), worker_thread_name);
#endif
    std::unique_lock<std::mutex> lock(d_mutex);
    unsigned long seen = d_posted.load();
    for (;;) {
        job* j = nullptr;
        d_wake.wait(lock, [&] {
            return d_generation != generation || (j = pick_job()) != nullptr ||
                   d_posted.load() != seen;
        });
        if (d_generation != generation)
            return;
        if (!j) {
            // woken ahead of a job (wake()): wait for it awake
            seen = d_posted.load();
            lock.unlock();
            spin_until([&] { return d_posted.load() != seen; }, &d_caller_cpu);
            lock.lock();
            continue;
        }
        ++j->active;
        j->worker_cpu.store(current_cpu(), std::memory_order_relaxed);
        lock.unlock();
        work_on(*j, true);
        lock.lock();
        --j->active;
        d_wake.notify_all(); // the job's caller may be waiting for active == 0
        seen = d_posted.load();
        if (d_generation == generation && !pick_job()) {
            // the caller's next job is usually posted soon: wait for it awake
            lock.unlock();
            spin_until([&] { return d_posted.load() != seen; }, &d_caller_cpu);
            lock.lock();
        }
    }
}

void worker_pool::spawn_locked()
{
    if (d_workers.empty())
        for (int t = 1; t < d_threads; ++t)
            d_workers.emplace_back([this, g = d_generation] { worker_loop(g); });
}

void worker_pool::spawn()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    spawn_locked();
}

void worker_pool::wake()
{
    if (d_threads < 2)
        return;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        if (d_workers.empty())
            return; // run() starts them
        d_caller_cpu.store(current_cpu(), std::memory_order_relaxed);
        ++d_posted;
    }
    d_wake.notify_all();
}

bool worker_pool::run(long n,
                      const std::function<void(long)>& f,
                      const std::atomic<bool>* cancel,
                      long grain,
                      bool background)
{
    if (n <= 0)
        return true;
    job j;
    j.n = n;
    j.grain = std::max(1L, grain);
    j.f = &f;
    j.cancel = cancel;
    j.inherited = tl_flags;
    j.background = background;
    const bool shared = d_threads > 1 && n > j.grain;
    if (shared) {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_caller_cpu.store(current_cpu(), std::memory_order_relaxed);
        spawn_locked();
        d_jobs.push_back(&j);
        if (!background)
            ++d_foreground;
        ++d_posted;
    }
    if (shared) // idle workers have nothing to do with a job this thread runs alone
        d_wake.notify_all();
    work_on(j, false);
    if (shared) {
        // the workers' last chunks take part of a chunk's time: wait for them awake
        spin_until([&] { return j.active.load() == 0; }, &j.worker_cpu);
        std::unique_lock<std::mutex> lock(d_mutex);
        if (!background)
            --d_foreground;
        d_wake.wait(lock, [&] { return j.active == 0; });
        d_jobs.erase(std::remove(d_jobs.begin(), d_jobs.end(), &j), d_jobs.end());
        d_wake.notify_all(); // background work may wait for the foreground to end
    }
    return j.done.load() == n;
}

// ---------------------------------------------------------------- background_task

background_task::~background_task() { stop(); }

void background_task::queue_locked(std::function<void()> f)
{
    if (!d_thread.joinable())
        d_thread = std::thread([this, g = d_generation] { loop(g); });
    d_queue.push_back(std::move(f));
    d_cv.notify_all();
}

void background_task::post(std::function<void()> f)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    queue_locked(std::move(f));
}

void background_task::start(std::function<void()> f)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_queue.clear();
    if (d_running)
        d_cancel = true;
    queue_locked(std::move(f));
}

void background_task::cancel()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_queue.clear();
    if (d_running)
        d_cancel = true;
}

bool background_task::idle()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return !d_running && d_queue.empty();
}

void background_task::wait()
{
    std::unique_lock<std::mutex> lock(d_mutex);
    d_cv.wait(lock, [this] { return !d_running && d_queue.empty(); });
}

void background_task::stop()
{
    std::thread t;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_queue.clear();
        d_cancel = true;
        ++d_generation; // ends the thread, not one a later post() starts
        t.swap(d_thread);
    }
    d_cv.notify_all();
    if (t.joinable())
        t.join();
}

void background_task::loop(unsigned long generation)
{
    std::unique_lock<std::mutex> lock(d_mutex);
    for (;;) {
        d_cv.wait(lock, [&] { return d_generation != generation || !d_queue.empty(); });
        if (d_generation != generation)
            return;
        std::function<void()> f = std::move(d_queue.front());
        d_queue.pop_front();
        d_cancel = false; // under the lock: a cancel() from now on reaches f
        d_running = true;
        lock.unlock();
        {
            cancel_scope scope(&d_cancel);
            try {
                f();
            } catch (...) {
                // f reports its own errors; the thread must outlive one that did not
            }
        }
        f = nullptr; // what f holds is released outside the lock
        lock.lock();
        d_running = false;
        d_cv.notify_all();
    }
}

} // namespace core
} // namespace isac
} // namespace gr
