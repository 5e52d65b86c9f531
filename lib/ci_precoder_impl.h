/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_CI_PRECODER_IMPL_H
#define INCLUDED_ISAC_CI_PRECODER_IMPL_H

#include "block_utils.h"
#include "csi_message.h"
#include "frame_tags.h"
#include <gnuradio/isac/ci_precoder.h>
#include <gnuradio/isac/core/ci_solver.h>
#include <gnuradio/isac/core/safe_margin.h>
#include <gnuradio/isac/core/worker_pool.h>
#include <condition_variable>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gr {
namespace isac {

class ci_precoder_impl : public ci_precoder
{
public:
    enum class solver_kind { realtime, exact, lut, quality, fast };

    //! The make() arguments the design depends on (the setters change them).
    struct config {
        int n_tx, n_users, psk_order;
        double power, noise_var, gamma_db, target_deg;
        std::vector<double> clutter_deg;
        double snr_r_db;
        std::vector<double> cnr_db;
        int n_rx;
        std::string mode;
        double chi_db;
        std::string dac;
        int max_iter;
        solver_kind kind;
        std::string radar_metric;
    };

    ci_precoder_impl(const config& cfg,
                     std::unique_ptr<core::ci_solver> base,
                     int stats_interval,
                     int threads,
                     bool tag_infeasible = true);
    ~ci_precoder_impl() override;

    void set_channel(const std::vector<std::vector<gr_complex>>& H) override;
    bool has_channel() const override;
    bool lut_ready() const override;
    pmt::pmt_t last_stats() const override;
    uint64_t infeasible_count() const override { return d_infeasible_total.load(); }
    uint64_t bad_symbol_count() const override { return d_bad_total.load(); }
    uint64_t dropped_csi_count() const override { return d_dropped_total.load(); }
    uint64_t channel_epoch() const override { return d_epoch_in_use.load(); }
    bool channel_in_use() const override;
    bool start() override;
    bool stop() override;

    // clang-format off
    // gen_params:begin accessors
    //! d_cfg as it is now: the setters change this copy and apply() it
    auto locked_config() const
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_cfg;
    }
    void set_noise_var(double noise_var) override;
    double noise_var() const override;
    void set_gamma_db(double gamma_db) override;
    double gamma_db() const override;
    void set_target_deg(double target_deg) override;
    double target_deg() const override;
    std::vector<double> clutter_deg() const override;
    void set_snr_r_db(double snr_r_db) override;
    double snr_r_db() const override;
    std::vector<double> cnr_db() const override;
    void set_solver(const std::string& solver) override;
    std::string solver() const override;
    int threads() const override;
    bool tag_infeasible() const override;
    // gen_params:end accessors
    // clang-format on
    void set_clutter(const std::vector<double>& clutter_deg,
                     const std::vector<double>& cnr_db) override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

    //! Validates every parameter (throws param_error naming it) and builds the core
    //! solver.
    static std::unique_ptr<core::ci_solver> build(const config& c);
    static solver_kind parse_solver(const std::string& s);
    static std::string solver_name(solver_kind k);

private:
    struct pending {
        uint64_t offset;
        core::cmat H;
        uint64_t epoch = 0;
        bool immediate = false; // set_channel: from the next vector, whatever the run
        uint64_t arrived = 0;   // the stream position when it arrived (its lead)
        // a transmit calibration's correction (no H): the channel in use ends here
        bool invalidate = false;
        // csi: the item its rows were measured from; invalidate: the correction's item
        bool has_measured = false;
        uint64_t measured = 0;
    };
    // one output vector of a work() call
    // data: precoded; known: a frame's preamble/header/pilot vector (d_kx);
    // mute: a frame's payload before any channel (zeros, tagged isac_mute)
    enum class item_kind { data, known, mute };
    struct item {
        item_kind kind = item_kind::data;
        std::shared_ptr<core::ci_solver> solver; // set for data items
        const core::ci_lut* lut = nullptr;       // the ready table of that solver
        int k0 = 0;                              // offset of its symbol indices
        // direct designs: quarter turns from the canonical member of its rotation
        // class (its indices in d_k are that member's; ci_lut::canonical)
        int rot = 0;
        uint64_t epoch = 0;                      // epoch of that channel
        bool feasible = true;
        core::ci_result r; // direct designs
        double seconds = 0;
        bool done = false; // designed (false after a cancelled run)
        // design cache: the slot a repeat copies, the slot this design fills (-1: none)
        long hit = -1, fill = -1;
    };
    //! what the statistics need of a design copied from the cache, and where its
    //! vector is: amp > 0, a 1-bit design (every entry +-amp +- j amp, its signs in
    //! the slot's bits); else full >= 0, the vector in the full store
    struct design_summary {
        bool feasible = true;
        float amp = 0;
        long full = -1;
        double metric = 0, margin_ratio = 0;
    };
    /*!
     * Designs of the current solver (channel and settings) keyed by the canonical
     * member of the symbol vector's rotation class. The block's design of a vector
     * is j^r times the design of its canonical member (ci_lut::canonical; every
     * vector is its own class when M % 4 != 0), a deterministic function of the
     * vector, the channel and the settings, so a vector whose class was designed
     * before (M^U / 4 classes per channel when M % 4 == 0) gets a copy, turned by
     * j^r, that is bit-identical to designing it again. Filled and read in item
     * order by the work thread only (the pool's designs write their own slots), so
     * output and statistics do not depend on the thread count. Not used by the
     * exact preset (its time budget makes a design depend on the machine's speed).
     */
    struct design_cache {
        std::shared_ptr<core::ci_solver> solver; // the solver the entries belong to
        std::vector<design_summary> info;        // per slot
        long max_slots = 0;
        int n_tx = 0, words = 0; // words: 64-bit words of one slot's sign bits
        /*
         * A 1-bit design is stored as its 2 n_tx sign bits and its amplitude,
         * checked exactly when it is stored: 16 bytes at N_T = 64 instead of a
         * 512-byte vector, so filling the cache on a stream without repeats
         * touches ~32x fewer fresh pages (each a page fault) and copies less.
         */
        std::vector<uint64_t> bits;
        /*
         * Any other design (a continuous DAC, or entries that are not +-amp) is
         * kept whole, in chunks of chunk_slots vectors allocated uninitialised as
         * they are needed and kept by a new solver (growth copies nothing).
         */
        static constexpr long chunk_slots = 64;
        std::vector<std::unique_ptr<float[]>> chunks;
        long n_full = 0;
        // key -> slot: open addressing with linear probing (no allocation per entry)
        std::vector<uint64_t> keys;
        std::vector<long> slots; // -1: empty
        long used = 0;

        void init(int n, long max);
        //! the solver's entries go (a new channel or settings)
        void reset(std::shared_ptr<core::ci_solver> s);
        long find(uint64_t key) const;
        void insert(uint64_t key, long slot);
        //! drops the keys of the lost slots (their designs were cancelled)
        void drop(const std::vector<uint8_t>& lost);
        //! slot s takes the canonical design j^-rot o (n_tx entries)
        void store(long s, const gr_complex* o, int rot);
        std::vector<gr_complex> turned; // store's scratch
        void load(long s, gr_complex* o) const;
    };
    struct stats_acc {
        uint64_t vectors = 0, solved = 0, iterations = 0, infeasible = 0, lut_hits = 0;
        uint64_t cache_hits = 0;       // vectors whose rotation class was designed before
        uint64_t budget_exhausted = 0; // exact preset: vectors whose budget ran out
        double time_sum = 0, time_max = 0, qscnr_db_sum = 0, gap_sum = 0, gap_max = 0;
        double min_margin_ratio = std::numeric_limits<double>::infinity();
        uint64_t qscnr_n = 0;
    };

    // the design settings: d_base/d_kind are the work thread's; a setter validates a
    // new config, builds its solver and leaves it in d_next for the next work() call
    std::shared_ptr<const core::ci_solver> d_base;
    solver_kind d_kind;
    const int d_n_tx, d_n_users, d_M;
    const int d_stats_interval;
    // isac_infeasible tags: every downstream block copies them (the OTA
    // flowgraphs, where nothing reads them, turn them off)
    const bool d_tag_infeasible;
    const pmt::pmt_t d_stats_port, d_csi_port, d_cal_port, d_channel_port, d_tag_key,
        d_epoch_key;

    run_fence d_fence;          // the run of incoming csi and cal
    mutable std::mutex d_mutex; // guards d_pending, d_last_stats, d_lut*, d_has_channel
    std::condition_variable d_channel_cv; // a set_channel() while work() waits for one
    std::vector<pending> d_pending;
    double d_pending_bytes = 0;
    // the last interval's figures, and their dict once built (nil until then)
    struct stats_snap {
        stats_acc a;
        double dt = 0;
        uint64_t infeasible_total = 0, budget_total = 0, bad = 0, far = 0;
        uint64_t bad_total = 0, dropped = 0, late = 0;
        double lut_wait_max = 0;
        uint64_t lut_waits_long = 0;
        int64_t lead_min = INT64_MAX;
    };
    stats_snap d_last_snap;
    mutable pmt::pmt_t d_last_stats = pmt::PMT_NIL;
    bool d_has_channel = false;
    // the last set_channel() matrix: the one channel a restart keeps (guarded)
    core::cmat d_user_H;
    bool d_user_H_set = false;
    // d_user_H is the newest channel accepted (no csi since): start() says so
    // when a calibration ended it
    bool d_user_H_newest = false;
    config d_cfg;                                  // the latest accepted settings
    std::shared_ptr<const core::ci_solver> d_next; // built from d_cfg, not yet in use

    // owned by the work thread
    std::shared_ptr<core::ci_solver> d_solver;
    stats_acc d_acc;
    std::chrono::steady_clock::time_point d_t_last;
    uint64_t d_bad_interval = 0, d_far_interval = 0;
    known_tx d_known;          // frame tags: known snapshots are sent, not precoded
    float d_dac_amplitude = 0; // dac "1bit": the output is the 1-bit DAC's

    // designs run on the pool; the output is the same for any thread count
    core::worker_pool d_pool;
    std::atomic<bool> d_run_cancel{ false }; // the flowgraph's stop() seen in a design
    std::vector<item> d_items;
    std::vector<std::shared_ptr<core::ci_lut>> d_lut_hold; // tables the items point to
    std::vector<int> d_k;         // symbol indices of the items, n_users each
    std::vector<gr_complex> d_kx; // the known items' vectors, n_tx each
    double d_design_seconds = 0;  // running mean time of a direct design (work thread)
    design_cache d_cache;         // work thread
    int d_direct = 0;             // plan(): items that need a direct design
    // the symbols' indices (work thread; sources repeat their points bit for bit)
    core::psk_index_cache d_sym_k{ 2 };

    // lookup table built in the background for d_solver (on the pool too)
    std::shared_ptr<core::ci_lut> d_lut; // ready table (guarded)
    std::shared_ptr<core::ci_solver>
        d_lut_for; // solver the ready table belongs to (guarded)
    core::background_task d_lut_task;
    // A table built ahead: its build starts when the channel arrives, so a
    // channel that arrives ahead of its offset finds its table ready there
    // instead of pausing work() for the build. The build lands in d_built and
    // becomes d_lut when its solver is the one in use.
    std::shared_ptr<core::ci_lut> d_built;        // (guarded)
    std::shared_ptr<core::ci_solver> d_built_for; // (guarded)
    std::shared_ptr<core::ci_solver> d_prepared;  // work thread: built ahead
    // the waits at a channel's offset for its table (work thread; stats)
    double d_lut_wait_max = 0;
    uint64_t d_lut_waits_long = 0;
    int64_t d_lead_min = INT64_MAX; // snapshots from a csi's arrival to its offset
    // the last csi received (message thread): a re-sent copy of it (a receiver
    // republishing its channel for a peer that (re)appeared) is no late update
    std::atomic<bool> d_csi_seen{ false }; // cleared by set_channel (caller's thread)
    // rank of the last rank-deficient channel warned about (-1: none since the last
    // full-rank one): a stream of csi of the same co-located users warns once
    std::atomic<int> d_warned_rank{ -1 };
    uint64_t d_csi_offset = 0, d_csi_epoch = 0;
    Eigen::MatrixXcd d_csi_H;
    uint64_t d_late_run = 0; // message thread: late csi this run (its warnings' rate)
    // work thread: the last transmit calibration's correction taken (its item): a
    // csi measured before it plus a frame describes the channel before it
    bool d_cal_taken = false;
    uint64_t d_cal_at = 0;
    uint64_t d_stale_run = 0; // work thread: csi dropped as pre-calibration (log rate)
    // work thread: the newest channel a calibration ended or judged stale, taken
    // again if no csi measured after the calibration comes within the bound
    bool d_held = false;
    uint64_t d_late_cals = 0; // work thread: calibrations taken after their item
    core::cmat d_held_H;
    uint64_t d_held_epoch = 0;
    uint64_t d_next_cal = UINT64_MAX; // plan(): the next queued calibration's item

    std::atomic<uint64_t> d_infeasible_total{ 0 }, d_bad_total{ 0 }, d_dropped_total{ 0 },
        d_late_total{ 0 };
    std::atomic<uint64_t> d_budget_total{ 0 };
    std::atomic<uint64_t> d_epoch_in_use{ 0 };
    uint64_t d_epoch_tagged = 0; // work thread: epoch of the last tagged switch
    bool d_wait_logged = false;
    input_end_grace d_end_grace;

    void handle_csi(const pmt::pmt_t& msg);
    void handle_cal(const pmt::pmt_t& msg);
    //! no channel in use (start(), a calibration): the payload mutes until the next
    void drop_channel_locked();
    //! a csi measured before the last calibration's correction had settled
    bool stale(const pending& p) const;
    void hold(const core::cmat& H, uint64_t epoch);
    //! queue a channel (lock held), dropping the oldest above the queue limit
    void enqueue_locked(pending p);
    void announce(uint64_t offset, uint64_t epoch);
    void warn_rank(const core::cmat& H);
    //! validates a changed configuration and leaves its solver for the next
    //! work() call (the caller holds no lock; the setters' apply)
    void apply(const config& c);
    void activate(const core::cmat& H, uint64_t epoch, bool force = false);
    //! builds the table with table_solver (same channel); it serves while s is current
    void start_lut(std::shared_ptr<core::ci_solver> s,
                   std::shared_ptr<const core::ci_solver> table_solver);
    void stop_lut();
    //! starts the table build of a channel that has just arrived (work thread)
    void prepare_lut(const core::cmat& H);
    //! the finished build becomes the table in use when it is for d_solver
    void promote_locked();
    //! waits for the table of the channel that has just taken effect; a wait
    //! above lut_wait_warn_s once the stream has started is logged and counted
    void await_lut_at(const pending& p, bool streaming);
    //! Returns once the table of the solver in use is ready, or no build is left
    //! that could make it (failed, cancelled), or the flowgraph stops.
    void await_lut();
    void publish_stats();
    static pmt::pmt_t stats_dict(const stats_snap& s);
    // work()'s steps, in order (ci_precoder_impl.cc)
    void apply_new_settings();
    std::optional<int> take_pending(bool framed, std::vector<pending>& local);
    void order_pending(std::vector<pending>& local, uint64_t base, bool framed) const;
    int design_items(int n, gr_complex* out);
    void deliver(int done, gr_complex* out, uint64_t base);
    //! the items [0, n) of a work() call: channel switches, indices, table or design
    //! returns how many it planned: without frames, none from a calibration on
    int plan(int n,
             const gr_complex* in,
             uint64_t base,
             bool framed,
             std::vector<pending>& local);
    void plan_item(int i, const gr_complex* s, uint64_t abs, const core::ci_lut* lut);
    void requeue_later_channels(std::vector<pending>& local, size_t pi);
    void design(item& it, const int* k, gr_complex* out) const;
    //! plan(): the cache's part for a data item designed directly
    void plan_cache(int i, const int* k);
    //! after the designs: fill the cache, copy repeats within the call
    void settle_cache(int n, gr_complex* out);
    void account(const item& it, uint64_t abs);
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_CI_PRECODER_IMPL_H */
