/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * worker_pool and background_task: every index runs exactly once whatever the thread
 * count and grain, results land by index, cancellation and stop() skip the rest and
 * are visible through cancel_requested(), and a stopped pool runs again.
 */
#include <gnuradio/isac/core/worker_pool.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <atomic>
#ifdef __linux__
#include <sched.h>
#endif
#include <chrono>
#include <ctime>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace gr::isac::core;

class qa_worker_pool : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_worker_pool);
    CPPUNIT_TEST(test_every_index_once);
    CPPUNIT_TEST(test_cancel_and_stop);
    CPPUNIT_TEST(test_stop_races_run);
    CPPUNIT_TEST(test_background_task);
    CPPUNIT_TEST(test_background_task_queue);
    CPPUNIT_TEST(test_cancel_scopes);
    CPPUNIT_TEST(test_bad_threads);
    CPPUNIT_TEST(test_idle_pool_sleeps);
    CPPUNIT_TEST(test_no_poll_on_the_callers_cpu);
    CPPUNIT_TEST(test_workers_named);
    CPPUNIT_TEST_SUITE_END();

    // f(i) = a hash of i: what a design computes from its own input only
    static double value(long i)
    {
        double v = double(i);
        for (int k = 0; k < 50; ++k)
            v = v * 1.000001 + 0.5 * double(k);
        return v;
    }

public:
    void test_every_index_once()
    {
        const long n = 5000;
        std::vector<double> ref(n);
        for (long i = 0; i < n; ++i)
            ref[i] = value(i);
        for (int threads : { 1, 2, 4 })
            for (long grain : { 1L, 7L, 10000L }) {
                worker_pool pool(threads);
                std::vector<std::atomic<int>> count(n);
                std::vector<double> out(n, -1.0);
                for (int rep = 0; rep < 3; ++rep) { // the workers are reused
                    for (auto& c : count)
                        c = 0;
                    const bool all = pool.run(
                        n,
                        [&](long i) {
                            ++count[i];
                            out[i] = value(i);
                        },
                        nullptr,
                        grain);
                    CPPUNIT_ASSERT(all);
                    for (long i = 0; i < n; ++i) {
                        CPPUNIT_ASSERT_EQUAL(1, count[i].load());
                        CPPUNIT_ASSERT_EQUAL(ref[i], out[i]); // bit for bit
                    }
                }
                CPPUNIT_ASSERT(pool.run(0, [](long) {}));
            }
    }

    void test_cancel_and_stop()
    {
        worker_pool pool(2);
        std::atomic<bool> cancel{ false };
        std::atomic<long> ran{ 0 }, saw_flag{ 0 };
        const long n = 1000;
        const bool all = pool.run(
            n,
            [&](long i) {
                if (i == 10)
                    cancel = true;
                if (cancel_requested())
                    ++saw_flag;
                ++ran;
            },
            &cancel);
        CPPUNIT_ASSERT(!all);
        CPPUNIT_ASSERT(ran.load() < n);
        CPPUNIT_ASSERT(saw_flag.load() >= 1); // index 10 itself saw it
        CPPUNIT_ASSERT(!cancel_requested());  // outside a job
        // stop() from another thread ends a running job; the pool then runs again
        std::atomic<long> ran2{ 0 };
        std::thread stopper([&] {
            while (ran2.load() < 10) // the job is registered and running
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            pool.stop();
        });
        const bool all2 = pool.run(1000000, [&](long) {
            ++ran2;
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        });
        stopper.join();
        CPPUNIT_ASSERT(!all2);
        CPPUNIT_ASSERT(ran2.load() < 1000000);
        std::vector<long> out(100, -1);
        CPPUNIT_ASSERT(pool.run(100, [&](long i) { out[i] = i; }));
        for (long i = 0; i < 100; ++i)
            CPPUNIT_ASSERT_EQUAL(i, out[i]);
    }

    // stop() while other threads are inside run() (a flowgraph stopping while its
    // work() call and a table build use the pool): every run either completes with
    // each index once or reports that it was cut short
    void test_stop_races_run()
    {
        worker_pool pool(3);
        std::atomic<bool> done{ false };
        std::atomic<long> complete{ 0 }, cut{ 0 }, wrong{ 0 };
        auto runner = [&] {
            std::vector<std::atomic<int>> count(200);
            while (!done) {
                for (auto& c : count)
                    c = 0;
                if (pool.run(200, [&](long i) { ++count[i]; })) {
                    ++complete;
                    for (auto& c : count)
                        wrong += c.load() != 1;
                } else {
                    ++cut;
                    for (auto& c : count)
                        wrong += c.load() > 1;
                }
            }
        };
        std::thread a(runner), b(runner);
        for (int i = 0; i < 200; ++i) {
            pool.stop();
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
        done = true;
        a.join();
        b.join();
        CPPUNIT_ASSERT_EQUAL(0L, wrong.load());
        CPPUNIT_ASSERT(complete.load() > 0);
    }

    void test_background_task()
    {
        background_task task;
        std::atomic<bool> started{ false }, saw{ false };
        task.start([&] {
            started = true;
            while (!cancel_requested())
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            saw = true;
        });
        while (!started)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        task.cancel();
        task.wait();
        CPPUNIT_ASSERT(saw.load());
        // a new start clears the flag
        std::atomic<bool> flag_at_start{ true };
        task.start([&] { flag_at_start = cancel_requested(); });
        task.wait();
        CPPUNIT_ASSERT(!flag_at_start.load());
    }

    // post() runs computations in order on one thread without cancelling the
    // running one; start() cancels it and drops the queue; stop() ends the thread
    // and a later post() starts a new one
    void test_background_task_queue()
    {
        background_task task;
        std::mutex m;
        std::vector<int> order;
        std::vector<std::thread::id> ids;
        std::atomic<int> cancelled_seen{ 0 };
        for (int i = 0; i < 5; ++i)
            task.post([&, i] {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
                if (cancel_requested())
                    ++cancelled_seen;
                std::lock_guard<std::mutex> lock(m);
                order.push_back(i);
                ids.push_back(std::this_thread::get_id());
            });
        task.wait();
        CPPUNIT_ASSERT_EQUAL(size_t(5), order.size());
        for (int i = 0; i < 5; ++i) {
            CPPUNIT_ASSERT_EQUAL(i, order[i]);
            CPPUNIT_ASSERT(ids[i] == ids[0]); // one thread for all
        }
        CPPUNIT_ASSERT(ids[0] != std::this_thread::get_id());
        CPPUNIT_ASSERT_EQUAL(0, cancelled_seen.load());

        std::atomic<bool> started{ false }, first_saw{ false }, queued_ran{ false },
            last_ran{ false };
        task.post([&] {
            started = true;
            while (!cancel_requested())
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            first_saw = true;
        });
        task.post([&] { queued_ran = true; });
        while (!started)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        task.start([&] { last_ran = !cancel_requested(); });
        task.wait();
        CPPUNIT_ASSERT(first_saw.load());   // start() cancelled the running one
        CPPUNIT_ASSERT(!queued_ran.load()); // and dropped the queued one
        CPPUNIT_ASSERT(last_ran.load());    // its own flag starts clear

        task.stop();
        task.stop(); // idempotent
        std::atomic<bool> again{ false };
        task.post([&] { again = true; });
        task.wait();
        CPPUNIT_ASSERT(again.load());
    }

    // One cancellation for every style of caller: a scope's flag is seen by the
    // computations of the thread and by the workers of the pool jobs it starts; a
    // poll scope raises its flag when the poll fires; cancel_check adds a deadline.
    void test_cancel_scopes()
    {
        CPPUNIT_ASSERT(!cancel_requested());
        std::atomic<bool> flag{ false };
        worker_pool pool(3);
        {
            cancel_scope scope(&flag);
            CPPUNIT_ASSERT(!cancel_requested());
            CPPUNIT_ASSERT(!cancel_check()());
            std::atomic<long> ran{ 0 }, worker_saw{ 0 };
            const std::thread::id caller = std::this_thread::get_id();
            const bool all = pool.run(100000, [&](long i) {
                if (i == 50)
                    flag = true; // the scope's flag, not the job's
                if (cancel_requested() && std::this_thread::get_id() != caller)
                    ++worker_saw;
                ++ran;
                std::this_thread::sleep_for(std::chrono::microseconds(20));
            });
            CPPUNIT_ASSERT(!all);
            CPPUNIT_ASSERT(ran.load() < 100000);
            CPPUNIT_ASSERT(cancel_requested());
            CPPUNIT_ASSERT(cancel_check().cancelled());
        }
        CPPUNIT_ASSERT(!cancel_requested()); // the scope ended
        static std::atomic<bool> poll_says{ false };
        std::atomic<bool> raised{ false };
        {
            cancel_scope scope(
                +[] { return poll_says.load(); }, &raised);
            CPPUNIT_ASSERT(!cancel_requested());
            poll_says = true;
            CPPUNIT_ASSERT(cancel_requested());
            CPPUNIT_ASSERT(raised.load());
            poll_says = false;
            CPPUNIT_ASSERT(cancel_requested()); // raised stays raised in the scope
        }
        CPPUNIT_ASSERT(!cancel_requested());
        // a deadline fires without a cancellation
        const cancel_check c = cancel_check().with_deadline(0.02);
        CPPUNIT_ASSERT(!c());
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        CPPUNIT_ASSERT(c() && c.past_deadline() && !c.cancelled());
        CPPUNIT_ASSERT(!cancel_check().with_deadline(0)()); // 0: no deadline
    }

    void test_bad_threads()
    {
        CPPUNIT_ASSERT_THROW(worker_pool(0), std::exception);
        CPPUNIT_ASSERT_THROW(worker_pool(2000), std::exception);
        CPPUNIT_ASSERT(hardware_threads() >= 1);
    }

    static double process_cpu_seconds()
    {
        timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
    }

#ifdef __linux__
    // Pins the process to the CPU it runs on, and restores its mask on leaving the
    // scope (also when an assertion throws, so later tests run on all CPUs).
    class pin_to_this_cpu
    {
    public:
        pin_to_this_cpu()
        {
            const int cpu = sched_getcpu();
            if (cpu < 0 || sched_getaffinity(0, sizeof(d_saved), &d_saved) != 0)
                return;
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            d_pinned = sched_setaffinity(0, sizeof(one), &one) == 0;
        }
        ~pin_to_this_cpu()
        {
            if (d_pinned)
                sched_setaffinity(0, sizeof(d_saved), &d_saved);
        }
        bool pinned() const { return d_pinned; }

    private:
        cpu_set_t d_saved;
        bool d_pinned = false;
    };

    // The process CPU of a caller that posts small jobs and wakes the workers, with a
    // sleep after each, 100 times.
    static double small_jobs_cpu_seconds(int threads)
    {
        std::atomic<long> sum{ 0 };
        worker_pool pool(threads); // its threads inherit the caller's CPU mask
        pool.spawn();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        const double c0 = process_cpu_seconds();
        for (int r = 0; r < 100; ++r) {
            CPPUNIT_ASSERT(pool.run(8, [&](long i) { sum += long(value(i)) & 1; }));
            std::this_thread::sleep_for(std::chrono::microseconds(500));
            pool.wake();
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
        return process_cpu_seconds() - c0;
    }

    // A worker that waits for its caller's next job (after a job, or woken ahead by
    // wake()) polls only on another CPU: on the caller's it would only delay the
    // caller. All threads on one CPU: two workers polling for up to 100 us per wait
    // use up to 40 ms over the loop, ones that sleep at once about a context switch
    // per wait. The loop on one thread (the caller's own sleeps and wake-ups) is
    // subtracted, so a machine's slower system calls do not count.
    void test_no_poll_on_the_callers_cpu()
    {
        pin_to_this_cpu pin;
        if (!pin.pinned())
            return; // no CPU number (the pool's check is off too) or pinning refused
        const double alone = small_jobs_cpu_seconds(1);
        const double used = small_jobs_cpu_seconds(3);
        CPPUNIT_ASSERT_MESSAGE(std::to_string(used) + " s with workers, " +
                                   std::to_string(alone) + " s alone",
                               used - alone < 0.02);
    }
#else
    void test_no_poll_on_the_callers_cpu() {}
#endif

#ifdef __linux__
    // The thread running index i of a job: the caller keeps its own name, each of
    // the workers that took part carries the pool's, so a per-thread profile of a
    // flowgraph tells the pool's CPU from the block thread's and Python's.
    void test_workers_named()
    {
        const auto name = [] {
            std::ifstream f("/proc/thread-self/comm");
            std::string s;
            std::getline(f, s);
            return s;
        };
        const std::string caller = name();
        CPPUNIT_ASSERT(caller != worker_pool::worker_thread_name);
        worker_pool pool(3);
        std::vector<std::string> who(256);
        std::vector<std::thread::id> tid(who.size());
        CPPUNIT_ASSERT(pool.run(long(who.size()), [&](long i) {
            who[size_t(i)] = name();
            tid[size_t(i)] = std::this_thread::get_id();
            // long enough that the workers join before the caller has taken every index
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }));
        int by_workers = 0;
        for (size_t i = 0; i < who.size(); ++i) {
            const bool worker = tid[i] != std::this_thread::get_id();
            CPPUNIT_ASSERT_EQUAL(
                worker ? std::string(worker_pool::worker_thread_name) : caller, who[i]);
            by_workers += worker;
        }
        CPPUNIT_ASSERT(by_workers > 0);
    }
#else
    void test_workers_named() {}
#endif

    // After a job, the threads wait awake only briefly for the next one: a pool
    // whose caller has nothing to do (an idle flowgraph) burns no CPU.
    void test_idle_pool_sleeps()
    {
        worker_pool pool(4);
        std::atomic<long> sum{ 0 };
        CPPUNIT_ASSERT(pool.run(1000, [&](long i) { sum += long(value(i)) & 1; }));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        const double c0 = process_cpu_seconds();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const double idle = process_cpu_seconds() - c0;
        // three spinning workers would use ~0.9 s; a sleeping pool about nothing
        CPPUNIT_ASSERT_MESSAGE(std::to_string(idle), idle < 0.03);
        CPPUNIT_ASSERT(pool.run(1000, [&](long i) { sum += long(value(i)) & 1; }));
        // woken ahead of a run() that does not come, or spawned before any: the
        // workers wait awake only for a bounded time, then sleep again
        worker_pool spawned(4);
        spawned.spawn();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        const double c1 = process_cpu_seconds();
        pool.wake();
        spawned.wake();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const double woken = process_cpu_seconds() - c1;
        CPPUNIT_ASSERT_MESSAGE(std::to_string(woken), woken < 0.03);
        std::atomic<long> n{ 0 };
        CPPUNIT_ASSERT(spawned.run(1000, [&](long) { ++n; }));
        CPPUNIT_ASSERT_EQUAL(1000L, n.load());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_worker_pool);
