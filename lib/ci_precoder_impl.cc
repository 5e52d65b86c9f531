/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "ci_precoder_impl.h"
#include "csi_message.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/comm_precoder.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/quantize.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

namespace gr {
namespace isac {

namespace {
/*
 * What a solver of these sizes holds: the per-symbol constraint rows
 * (M x 2U x 2N doubles, built per channel), the scene's steering matrices and
 * the Q x Q clutter couplings. Checked against the module's memory limit
 * before anything is allocated, naming the parameter that dominates.
 */
void check_solver_memory(int n_tx, int n_users, int M, int n_rx, size_t Q, int copies)
{
    const double rows = 32.0 * M * double(n_users) * n_tx;
    const double scene = 16.0 * (Q + 1.0) * (double(n_tx) + n_rx) + 16.0 * double(Q) * Q;
    const double total = copies * (rows + scene);
    const std::string sizes =
        "n_tx = " + std::to_string(n_tx) + ", n_users = " + std::to_string(n_users) +
        ", psk_order = " + std::to_string(M) + ", n_rx = " + std::to_string(n_rx);
    if (rows >= scene) {
        const bool by_m = M >= n_tx;
        core::check_memory(by_m ? "psk_order" : "n_tx",
                           std::to_string(by_m ? M : n_tx),
                           total,
                           "the solver's constraint rows (psk_order x 2 n_users x 2 n_tx "
                           "doubles; " +
                               sizes + ")");
    } else {
        core::check_memory(n_rx >= n_tx ? "n_rx" : "n_tx",
                           std::to_string(n_rx >= n_tx ? n_rx : n_tx),
                           total,
                           "the radar scene (steering matrices of " +
                               std::to_string(Q + 1) + " angles; " + sizes + ")");
    }
}
} // namespace

ci_precoder_impl::solver_kind ci_precoder_impl::parse_solver(const std::string& s)
{
    if (s == "realtime")
        return solver_kind::realtime;
    if (s == "exact")
        return solver_kind::exact;
    if (s == "lut")
        return solver_kind::lut;
    if (s == "quality")
        return solver_kind::quality;
    if (s == "fast")
        return solver_kind::fast;
    core::throw_param(
        "solver", "'" + s + "'", "'realtime', 'quality', 'exact', 'lut' or 'fast'");
}

std::unique_ptr<core::ci_solver> ci_precoder_impl::build(const config& c)
{
    core::check_int_range("n_users", c.n_users, 1, core::max_users);
    core::check_int_range("n_tx", c.n_tx, c.n_users, core::max_antennas);
    core::check_int_range("psk_order", c.psk_order, 2, 1 << 16);
    core::check_int_range("n_rx", c.n_rx, 1, core::max_antennas);
    core::check_positive_finite("power", c.power);
    core::check_positive_finite("noise_var", c.noise_var);
    core::check_angle_deg("target_deg", c.target_deg);
    if (c.clutter_deg.size() != c.cnr_db.size())
        core::throw_param("cnr_db",
                          core::list_str(c.cnr_db.size(), "value"),
                          "one value per clutter_deg entry (" +
                              std::to_string(c.clutter_deg.size()) + ")");
    core::check_clutter_count("clutter_deg", c.clutter_deg.size());
    check_solver_memory(c.n_tx,
                        c.n_users,
                        c.psk_order,
                        c.n_rx,
                        c.clutter_deg.size(),
                        c.kind == solver_kind::lut ? 2 : 1);
    const std::vector<double> clutter_rad =
        core::angle_deg_to_rad("clutter_deg", c.clutter_deg);
    std::vector<double> cnr;
    for (double v : c.cnr_db)
        cnr.push_back(core::db_to_linear("cnr_db", v));
    core::ci_params p;
    p.psk_order = c.psk_order;
    p.power = c.power;
    p.noise_var = c.noise_var;
    p.gamma = core::db_to_linear("gamma_db", c.gamma_db);
    p.mode = core::parse_ci_mode("mode", c.mode);
    p.chi = core::db_to_linear("chi_db", c.chi_db);
    p.one_bit_dac = core::parse_adc_model("dac", c.dac) == core::adc_model::one_bit;
    p.max_iter = c.max_iter;
    p.radar_metric = core::parse_ci_radar_metric("radar_metric", c.radar_metric);
    if (c.kind == solver_kind::exact)
        p.solver = core::ci_preset::exact;
    else if (c.kind == solver_kind::quality)
        p.solver = core::ci_preset::quality;
    else if (c.kind == solver_kind::fast)
        p.solver = core::ci_preset::fast;
    p.validate();
    core::radar_scene scene(c.n_tx,
                            c.n_rx,
                            core::deg2rad(c.target_deg),
                            clutter_rad,
                            core::db_to_linear("snr_r_db", c.snr_r_db),
                            cnr);
    return std::make_unique<core::ci_solver>(scene, c.n_users, p);
}

ci_precoder::sptr ci_precoder::make(int n_tx,
                                    int n_users,
                                    int psk_order,
                                    double power,
                                    double noise_var,
                                    double gamma_db,
                                    double target_deg,
                                    const std::vector<double>& clutter_deg,
                                    double snr_r_db,
                                    const std::vector<double>& cnr_db,
                                    int n_rx,
                                    const std::string& mode,
                                    double chi_db,
                                    const std::string& dac,
                                    const std::string& solver,
                                    int max_iter,
                                    int stats_interval,
                                    int threads,
                                    const std::string& radar_metric,
                                    bool tag_infeasible)
{
    core::params::ci_precoder::check(n_tx,
                                     n_users,
                                     psk_order,
                                     power,
                                     noise_var,
                                     gamma_db,
                                     target_deg,
                                     clutter_deg,
                                     snr_r_db,
                                     cnr_db,
                                     n_rx,
                                     mode,
                                     chi_db,
                                     dac,
                                     solver,
                                     max_iter,
                                     stats_interval,
                                     threads,
                                     radar_metric,
                                     tag_infeasible);
    // everything is validated before the io_signatures are built
    const auto kind = ci_precoder_impl::parse_solver(solver);
    const ci_precoder_impl::config cfg{ n_tx,        n_users,  psk_order,  power,
                                        noise_var,   gamma_db, target_deg, clutter_deg,
                                        snr_r_db,    cnr_db,   n_rx,       mode,
                                        chi_db,      dac,      max_iter,   kind,
                                        radar_metric };
    auto base = ci_precoder_impl::build(cfg);
    if (kind == ci_precoder_impl::solver_kind::lut) {
        // reject a table that cannot fit before any thread starts: its size
        // (M^U entries, 2^20 at most) and its memory
        core::ci_lut probe_size(1, n_users, psk_order);
        (void)probe_size;
        core::check_memory(
            "solver",
            "'lut'",
            core::ci_lut::table_bytes(n_tx, n_users, psk_order),
            "the lookup table (psk_order^n_users = " + std::to_string(psk_order) + "^" +
                std::to_string(n_users) +
                " symbol vectors x n_tx = " + std::to_string(n_tx) + " antennas x 8 B)");
    }
    return gnuradio::make_block_sptr<ci_precoder_impl>(
        cfg,
        std::move(base),
        stats_interval,
        threads > 0 ? threads : core::hardware_threads(),
        tag_infeasible);
}

ci_precoder_impl::ci_precoder_impl(const config& cfg,
                                   std::unique_ptr<core::ci_solver> base,
                                   int stats_interval,
                                   int threads,
                                   bool tag_infeasible)
    : gr::sync_block("ci_precoder",
                     gr::io_signature::make(1, 1, sizeof(gr_complex) * base->n_users()),
                     gr::io_signature::make(1, 1, sizeof(gr_complex) * base->n_tx())),
      d_base(std::move(base)),
      d_kind(cfg.kind),
      d_n_tx(d_base->n_tx()),
      d_n_users(d_base->n_users()),
      d_M(d_base->params().psk_order),
      d_stats_interval(stats_interval),
      d_tag_infeasible(tag_infeasible),
      d_stats_port(pmt::mp("stats")),
      d_csi_port(pmt::mp("csi")),
      d_cal_port(pmt::mp("cal")),
      d_channel_port(pmt::mp("channel")),
      d_tag_key(pmt::mp("isac_infeasible")),
      d_epoch_key(pmt::mp(epoch_tag_key)),
      d_cfg(cfg),
      d_t_last(std::chrono::steady_clock::now()),
      d_known(d_n_tx, d_base->params().power),
      d_pool(threads)
{
    d_known.set_logger(d_logger);
    if (core::parse_adc_model("dac", cfg.dac) == core::adc_model::one_bit)
        d_dac_amplitude = core::one_bit_dac_amplitude(d_n_tx, cfg.power);
    d_sym_k = core::psk_index_cache(d_M);
    // the design cache holds up to one design per rotation class (M^U / 4 when
    // M % 4 == 0, else M^U; when the indices fit a 64-bit key), at most 32 MiB of
    // vectors and 1/64 of the module's memory limit
    const double bytes = std::min(32.0 * (1 << 20), double(core::memory_limit()) / 64);
    double vectors = 1;
    for (int u = 0; u < d_n_users && vectors <= 0x1p62; ++u)
        vectors *= d_M;
    if (vectors <= 0x1p62)
        d_cache.init(d_n_tx,
                     long(std::min(d_M % 4 == 0 ? vectors / 4 : vectors,
                                   std::floor(bytes / (sizeof(gr_complex) * d_n_tx)))));
    message_port_register_in(d_csi_port);
    set_msg_handler(d_csi_port, [this](const pmt::pmt_t& m) { handle_csi(m); });
    message_port_register_in(d_cal_port);
    set_msg_handler(d_cal_port, [this](const pmt::pmt_t& m) { handle_cal(m); });
    message_port_register_out(d_stats_port);
    message_port_register_out(d_channel_port);
}

ci_precoder_impl::~ci_precoder_impl()
{
    d_run_cancel = true; // a design in progress ends with its best point so far
    stop_lut();
    d_pool.stop();
}

bool ci_precoder_impl::start()
{
    // A restart counts items from 0 again: channels queued for offsets of the old
    // run would apply at the wrong items, so they go (a set_channel() stays).
    std::lock_guard<std::mutex> lock(d_mutex);
    std::vector<pending> keep;
    uint64_t dropped = 0;
    for (auto& p : d_pending) {
        if (p.immediate)
            keep.push_back(std::move(p));
        else if (!p.invalidate) // a calibration (previous run's item) goes uncounted
            ++dropped;
    }
    if (dropped) {
        d_dropped_total += dropped;
        d_logger->info(
            "start: {} channel update(s) queued for offsets of the previous run "
            "discarded",
            dropped);
    }
    d_pending.swap(keep);
    d_pending_bytes = 0;
    for (const auto& p : d_pending)
        d_pending_bytes += csi_bytes(p.H.rows(), p.H.cols());
    // The channel in use from a csi message was measured in the previous run: the
    // radios may have been retuned and an emulation restarts its drift, so it no
    // longer holds. The payload stays muted (frames) or nothing is produced until
    // this run's csi takes effect, as on a fresh block. A set_channel() channel is
    // the caller's and stays.
    if (d_solver && !(d_user_H_set && d_solver->channel() == d_user_H)) {
        drop_channel_locked();
        d_logger->info("start: the channel of the previous run's csi is dropped; the "
                       "payload waits for this run's csi");
    }
    // A calibration of the previous run ended the set_channel() channel: the
    // corrector keeps its weights across a restart, so the users' channel is
    // still the corrected one and the caller's is as stale as when the
    // calibration ended it. It stays ended (never radiate on a stale channel).
    bool queued = false;
    for (const auto& p : d_pending)
        queued = queued || p.immediate;
    if (!d_solver && d_cal_taken && d_user_H_newest && !queued)
        d_logger->info("start: the set_channel() channel was ended by the transmit "
                       "calibration at item {} of the previous run and is not "
                       "restored; the payload waits for a csi or a new set_channel()",
                       d_cal_at);
    d_has_channel = d_solver != nullptr || !d_pending.empty();
    d_wait_logged = false;
    d_prepared.reset();
    d_lut_wait_max = 0;
    d_lut_waits_long = 0;
    d_lead_min = INT64_MAX;
    d_end_grace.reset();
    d_run_cancel = false;
    // a peer restarted with the flowgraph may send the csi of the previous run again
    // for the new run's items: judged as on a fresh block (late if the stream passed
    // it, and the first late one of the run warns)
    d_csi_seen = false;
    d_late_run = 0;
    d_cal_taken = false; // this run's csi are measured in this run's items
    d_held = false;
    d_stale_run = 0;
    // the workers exist before the first work() call, which would otherwise wait
    // for their creation (0.3-0.9 ms per flowgraph start at N_T = 64)
    d_pool.spawn();
    return sync_block::start();
}

bool ci_precoder_impl::stop()
{
    d_dropped_total += drain_queue(*this, d_csi_port, d_logger, "csi");
    drain_queue(*this, d_cal_port, d_logger, "cal");
    d_fence.stopped();
    stop_lut();
    d_pool.stop(); // a restart spawns the workers again
    d_known.reset();
    return sync_block::stop();
}

void ci_precoder_impl::stop_lut()
{
    d_lut_task.cancel();
    d_lut_task.wait();
}

void ci_precoder_impl::apply(const config& c)
{
    // validates (param_error naming the parameter) before anything changes
    std::shared_ptr<const core::ci_solver> next = build(c);
    if (c.kind == solver_kind::lut) {
        core::ci_lut probe_size(1, c.n_users, c.psk_order);
        (void)probe_size;
    }
    std::lock_guard<std::mutex> lock(d_mutex);
    d_cfg = c;
    d_next = std::move(next);
}

void ci_precoder_impl::set_clutter(const std::vector<double>& clutter_deg,
                                   const std::vector<double>& cnr_db)
{
    core::check_values(core::params::ci_precoder::clutter_deg, clutter_deg);
    core::check_length(
        core::params::ci_precoder::cnr_db, cnr_db.size(), { long(clutter_deg.size()) });
    core::check_values(core::params::ci_precoder::cnr_db, cnr_db);
    auto c = locked_config();
    c.clutter_deg = clutter_deg;
    c.cnr_db = cnr_db;
    apply(c);
}

std::string ci_precoder_impl::solver_name(solver_kind k)
{
    switch (k) {
    case solver_kind::exact:
        return "exact";
    case solver_kind::lut:
        return "lut";
    case solver_kind::quality:
        return "quality";
    case solver_kind::fast:
        return "fast";
    default:
        return "realtime";
    }
}

// clang-format off
// gen_params:begin accessor_definitions
void ci_precoder_impl::set_noise_var(double noise_var)
{
    core::check_value(core::params::ci_precoder::noise_var, double(noise_var));
    auto c = locked_config();
    c.noise_var = noise_var;
    apply(c);
}

double ci_precoder_impl::noise_var() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.noise_var;
}

void ci_precoder_impl::set_gamma_db(double gamma_db)
{
    core::check_value(core::params::ci_precoder::gamma_db, double(gamma_db));
    auto c = locked_config();
    c.gamma_db = gamma_db;
    apply(c);
}

double ci_precoder_impl::gamma_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.gamma_db;
}

void ci_precoder_impl::set_target_deg(double target_deg)
{
    core::check_value(core::params::ci_precoder::target_deg, double(target_deg));
    auto c = locked_config();
    c.target_deg = target_deg;
    apply(c);
}

double ci_precoder_impl::target_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.target_deg;
}

std::vector<double> ci_precoder_impl::clutter_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.clutter_deg;
}

void ci_precoder_impl::set_snr_r_db(double snr_r_db)
{
    core::check_value(core::params::ci_precoder::snr_r_db, double(snr_r_db));
    auto c = locked_config();
    c.snr_r_db = snr_r_db;
    apply(c);
}

double ci_precoder_impl::snr_r_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.snr_r_db;
}

std::vector<double> ci_precoder_impl::cnr_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.cnr_db;
}

void ci_precoder_impl::set_solver(const std::string& solver)
{
    core::check_option(core::params::ci_precoder::solver, solver);
    auto c = locked_config();
    c.kind = parse_solver(solver);
    apply(c);
}

std::string ci_precoder_impl::solver() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return solver_name(d_cfg.kind);
}

int ci_precoder_impl::threads() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_pool.threads();
}

bool ci_precoder_impl::tag_infeasible() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_tag_infeasible;
}
// gen_params:end accessor_definitions
// clang-format on

void ci_precoder_impl::set_channel(const std::vector<std::vector<gr_complex>>& H)
{
    if (int(H.size()) != d_n_users)
        core::throw_param("H",
                          std::to_string(H.size()) + " rows",
                          std::to_string(d_n_users) + " (n_users)");
    core::cmat M(d_n_users, d_n_tx);
    for (int u = 0; u < d_n_users; ++u) {
        if (int(H[u].size()) != d_n_tx)
            core::throw_param("H row " + std::to_string(u),
                              core::list_str(H[u].size(), "entry", "entries"),
                              std::to_string(d_n_tx) + " (n_tx)");
        for (int j = 0; j < d_n_tx; ++j) {
            if (!(std::isfinite(H[u][j].real()) && std::isfinite(H[u][j].imag())))
                core::throw_param("H", "non-finite entry", "finite entries");
            M(u, j) = core::cdouble(H[u][j]);
        }
    }
    const std::string zero = zero_channel(M);
    if (!zero.empty())
        core::throw_param("H", zero, "a non-zero row for every user");
    warn_rank(M);
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_user_H = M; // a restart keeps it while it is the channel in use
        d_user_H_set = true;
        d_user_H_newest = true;
        pending p{ 0, std::move(M) }; // offset 0: from the next vector on
        p.immediate = true;
        enqueue_locked(std::move(p));
        d_has_channel = true;
    }
    // the channel in use is no longer the last csi: a re-sent csi switches back to it,
    // which is an update, not a copy
    d_csi_seen = false;
    d_channel_cv.notify_all();
    announce(0, 0);
}

void ci_precoder_impl::enqueue_locked(pending p)
{
    // Updates wait here until the stream reaches their offset. Offsets the stream
    // never reaches (another item domain, a restarted source) would pile up: the
    // queue is bounded in bytes by the module's queue limit, oldest out first.
    const double b = csi_bytes(p.H.rows(), p.H.cols());
    const double lim = double(core::queue_limit());
    uint64_t dropped = 0;
    while (!d_pending.empty() && d_pending_bytes + b > lim) {
        d_pending_bytes -=
            csi_bytes(d_pending.front().H.rows(), d_pending.front().H.cols());
        d_pending.erase(d_pending.begin());
        ++dropped;
    }
    if (dropped) {
        const uint64_t total = d_dropped_total.fetch_add(dropped) + dropped;
        if (log_this(total))
            d_logger->warn(
                "csi queue above the queue limit ({}): dropped the oldest queued "
                "channel update ({} dropped so far; is the offset in this block's "
                "item count?)",
                core::format_bytes(lim),
                total);
    }
    d_pending_bytes += b;
    d_pending.push_back(std::move(p));
}

void ci_precoder_impl::warn_rank(const core::cmat& H)
{
    // A rank below n_users (co-located users) is still designed for: refusing it would
    // keep radiating toward the channel the users left. The infeasible tags carry the
    // per-snapshot signal; this says why, once per change of rank.
    int r = core::numerical_rank(H);
    if (r >= H.rows())
        r = -1;
    if (d_warned_rank.exchange(r) != r && r >= 0)
        d_logger->warn("H is rank-deficient (numerical rank {} < K = {}): users with "
                       "dependent channels; snapshots whose symbols they cannot all "
                       "receive are tagged isac_infeasible",
                       r,
                       H.rows());
}

void ci_precoder_impl::announce(uint64_t offset, uint64_t epoch)
{
    message_port_pub(d_channel_port, make_accepted(offset, epoch));
}

void ci_precoder_impl::handle_csi(const pmt::pmt_t& msg)
{
    if (d_fence.finished(msg, d_logger, "csi"))
        return;
    csi_update upd;
    std::string why;
    if (!parse_csi(msg, upd, why, d_n_users, d_n_tx)) {
        d_logger->warn("csi message ignored: {}", why);
        return;
    }
    why = zero_channel(upd.H);
    if (!why.empty()) {
        d_logger->warn("csi message ignored: H = {}", why);
        return;
    }
    warn_rank(upd.H);
    const uint64_t offset = upd.has_offset ? upd.offset : 0;
    // message handlers run on this block's thread, between work() calls
    const uint64_t now = nitems_written(0);
    const bool repeat = d_csi_seen && upd.has_offset && offset == d_csi_offset &&
                        upd.epoch == d_csi_epoch && upd.H == d_csi_H;
    if (upd.has_offset) {
        d_csi_seen = true;
        d_csi_offset = offset;
        d_csi_epoch = upd.epoch;
        d_csi_H = upd.H;
    }
    if (repeat && offset < now) {
        d_logger->debug("csi for item {} received again at item {}: the channel in use, "
                        "not a late update",
                        offset,
                        now);
    } else if (upd.has_offset && offset < now) {
        // the stream is past the item the channel was meant for: it takes effect
        // from the next item, so where depends on the threads' timing. What gives
        // the csi more lead depends on who sent it, so the warning names each knob.
        const uint64_t late = d_late_total.fetch_add(1) + 1;
        const uint64_t run = ++d_late_run;
        if ((run & (run - 1)) == 0)
            d_logger->warn(
                "csi for item {} arrived at item {}: applied late ({} so far). Its "
                "offset is behind this block's stream: from csi_feedback or tdd_csi "
                "raise delay_frames, from isac_channel raise csi_lead; a csi meant for "
                "now leaves out offset (make_csi_message(H, offset=None)). "
                "los_csi_source sends offset 0: its changes at run time are counted "
                "here and apply from the next item, as meant",
                offset,
                now,
                late);
    }
    // a copy says nothing new about the loop's latency: the lead the original had counts
    if (upd.has_offset && !repeat)
        d_lead_min =
            std::min(d_lead_min, offset > now ? int64_t(offset - now) : int64_t(0));
    if (d_kind == solver_kind::lut && upd.has_offset && offset > now)
        prepare_lut(upd.H);
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        enqueue_locked({ offset,
                         std::move(upd.H),
                         upd.epoch,
                         false,
                         now,
                         false,
                         upd.has_measured,
                         upd.measured });
        d_has_channel = true;
        d_user_H_newest = false;
    }
    announce(offset, upd.epoch);
}

// A transmit calibration's correction changes every user's channel at its item c:
// from c on the channel in use is the old one, so the payload mutes there (as
// before a first channel; the known sections go on) until a csi measured after it
// takes effect. Queued with the channels, so it ends the one in use at its item.
void ci_precoder_impl::handle_cal(const pmt::pmt_t& msg)
{
    if (d_fence.finished(msg, d_logger, "cal"))
        return;
    uint64_t c = 0;
    if (!parse_cal_offset(msg, c, d_logger))
        return;
    std::lock_guard<std::mutex> lock(d_mutex);
    pending p{ c, core::cmat() };
    p.invalidate = true;
    p.has_measured = true;
    p.measured = c;
    enqueue_locked(std::move(p));
}

void ci_precoder_impl::drop_channel_locked()
{
    d_solver.reset();
    d_lut.reset();
    d_lut_for.reset();
    d_built.reset();
    d_built_for.reset();
    d_epoch_in_use = 0;
    d_epoch_tagged = 0;
}

// The frame holding the correction is measured half before it, and a receiver
// keeps its old average over the first frame that departs from it: a csi counts
// from one frame after the correction (a csi without "measured" always counts).
bool ci_precoder_impl::stale(const pending& p) const
{
    return d_cal_taken && !p.invalidate && p.has_measured &&
           p.measured < d_cal_at + d_known.frame_len();
}

void ci_precoder_impl::hold(const core::cmat& H, uint64_t epoch)
{
    d_held = true;
    d_held_H = H;
    d_held_epoch = epoch;
}

bool ci_precoder_impl::has_channel() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_has_channel;
}

bool ci_precoder_impl::channel_in_use() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_solver != nullptr;
}

bool ci_precoder_impl::lut_ready() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return (d_lut && d_lut_for && d_lut_for == d_solver) ||
           (d_built && d_built_for && d_built_for == d_solver);
}

pmt::pmt_t ci_precoder_impl::last_stats() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    if (pmt::is_null(d_last_stats) && d_last_snap.a.vectors > 0)
        d_last_stats = stats_dict(d_last_snap);
    return d_last_stats;
}

void ci_precoder_impl::activate(const core::cmat& H, uint64_t epoch, bool force)
{
    d_epoch_in_use = epoch;
    // a periodically re-sent, unchanged channel must not restart a table build
    if (!force && d_solver && d_solver->channel() == H)
        return;
    if (!force && d_kind == solver_kind::lut && d_prepared &&
        d_prepared->channel() == H) {
        // its table was started when it arrived (prepare_lut)
        std::lock_guard<std::mutex> lock(d_mutex);
        d_solver = std::move(d_prepared);
        d_prepared.reset();
        return;
    }
    d_prepared.reset(); // a build ahead for another channel is cancelled below
    auto s = std::make_shared<core::ci_solver>(*d_base);
    s->set_channel(H);
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_solver = s;
    }
    if (d_kind == solver_kind::lut) {
        // the table is built with the quality settings its build budget affords;
        // direct designs while it builds stay on the real-time ones
        core::ci_params tp = d_base->params();
        tp.solver = core::ci_preset::table;
        auto t =
            std::make_shared<core::ci_solver>(d_base->scene(), d_base->n_users(), tp);
        t->set_channel(H);
        start_lut(s, t);
    }
}

void ci_precoder_impl::start_lut(std::shared_ptr<core::ci_solver> s,
                                 std::shared_ptr<const core::ci_solver> table_solver)
{
    // a newer channel supersedes a table still being built: cancel it, then build
    // in the background (on the pool's idle workers too) while work() keeps streaming
    // in direct mode
    d_lut_task.start([this, s, table_solver]() {
        std::shared_ptr<core::ci_lut> lut;
        try {
            lut = std::make_shared<core::ci_lut>(d_n_tx, d_n_users, d_M);
        } catch (const std::exception& e) {
            // the memory limit may have been lowered since construction
            d_logger->error("lookup table not built: {}", e.what());
            return;
        }
        if (!lut->build(*table_solver, &d_lut_task.cancelled(), &d_pool))
            return;
        std::lock_guard<std::mutex> lock(d_mutex);
        d_built = lut;
        d_built_for = s;
    });
}

void ci_precoder_impl::prepare_lut(const core::cmat& H)
{
    if ((d_prepared && d_prepared->channel() == H) ||
        (d_solver && d_solver->channel() == H))
        return;
    // one build at a time: while one runs (the table in use, or another channel
    // ahead) this channel's table is built when it takes effect, as before
    if (!d_lut_task.idle())
        return;
    auto s = std::make_shared<core::ci_solver>(*d_base);
    s->set_channel(H);
    core::ci_params tp = d_base->params();
    tp.solver = core::ci_preset::table;
    auto t = std::make_shared<core::ci_solver>(d_base->scene(), d_base->n_users(), tp);
    t->set_channel(H);
    d_prepared = s;
    start_lut(s, t);
}

void ci_precoder_impl::promote_locked()
{
    if (d_built_for && d_built_for == d_solver && d_lut_for != d_solver) {
        d_lut = d_built;
        d_lut_for = d_built_for;
    }
}

// A new channel takes effect at its item with its table: the items after it are
// table look-ups from the first one on, never direct designs for as long as the
// build happens to take, so what goes out does not depend on the threads'
// timing (nor does what the users then estimate from it). The build of a small
// table takes milliseconds; a channel that arrives ahead of its offset, as a
// frame schedule sends it, has it ready before the stream gets there.
void ci_precoder_impl::await_lut()
{
    for (;;) {
        {
            std::lock_guard<std::mutex> lock(d_mutex);
            promote_locked();
            if (!d_solver || (d_lut && d_lut_for == d_solver))
                return;
        }
        if (d_lut_task.idle() || stop_requested())
            return;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

// Above this, a pause of work() for a table is logged: a radio's transmit
// buffering (UHD's send buffer, the flowgraph's own buffers) absorbs about a
// millisecond, a longer pause can underrun it (docs/ota_measurements.md).
constexpr double lut_wait_warn_s = 1e-3;

void ci_precoder_impl::await_lut_at(const pending& p, bool streaming)
{
    const auto t0 = std::chrono::steady_clock::now();
    await_lut();
    const double w =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    d_lut_wait_max = std::max(d_lut_wait_max, w);
    // before the first item nothing streams yet: the wait holds the start back,
    // as the wait for a first channel does
    if (!(w > lut_wait_warn_s) || !streaming)
        return;
    const uint64_t k = ++d_lut_waits_long;
    if (!log_this(k))
        return;
    double entries = 1;
    for (int u = 0; u < d_n_users; ++u)
        entries *= d_M;
    d_logger->warn(
        "the channel for item {} waited {:.1f} ms for its table ({:.0f} entries "
        "of {} antennas: {}-PSK, {} users); it arrived {} snapshots ahead of "
        "its offset. On a radio a pause this long can underrun the transmit "
        "buffer: raise the feedback delay or use a smaller table ({} so far)",
        p.offset,
        w * 1e3,
        entries,
        d_n_tx,
        d_M,
        d_n_users,
        p.offset > p.arrived ? p.offset - p.arrived : 0,
        k);
}

// One stats interval's figures: a dict only for a listener on the port or a
// last_stats() call (about 20 keys, microseconds to build, every stats_interval
// vectors).
void ci_precoder_impl::publish_stats()
{
    const auto now = std::chrono::steady_clock::now();
    stats_snap s;
    s.dt = std::chrono::duration<double>(now - d_t_last).count();
    d_t_last = now;
    s.a = d_acc;
    s.infeasible_total = d_infeasible_total.load();
    s.budget_total = d_budget_total.load();
    s.bad = d_bad_interval;
    s.far = d_far_interval;
    s.bad_total = d_bad_total.load();
    s.dropped = d_dropped_total.load();
    s.late = d_late_total.load();
    s.lut_wait_max = d_lut_wait_max;
    s.lut_waits_long = d_lut_waits_long;
    s.lead_min = d_lead_min;
    const bool listened = !pmt::is_null(message_subscribers(d_stats_port));
    const pmt::pmt_t d = listened ? stats_dict(s) : pmt::PMT_NIL;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_last_snap = s;
        d_last_stats = d; // nil: last_stats() builds it from d_last_snap
    }
    if (listened)
        message_port_pub(d_stats_port, d);
    d_acc = stats_acc();
    d_bad_interval = d_far_interval = 0;
}

pmt::pmt_t ci_precoder_impl::stats_dict(const stats_snap& s)
{
    const stats_acc& a = s.a;
    // an interval of table or design-cache copies solved nothing: its solve
    // figures are NaN (not measured), never a 0 that reads as a measurement
    const double nan = std::nan("");
    const double ns = a.solved ? double(a.solved) : nan;
    msg_dict d;
    d.u64("vectors", a.vectors);
    d.real("vectors_per_s", s.dt > 0 ? a.vectors / s.dt : 0.0);
    d.u64("solved", a.solved);
    d.u64("lut_hits", a.lut_hits);
    d.u64("cache_hits", a.cache_hits);
    d.real("solve_time_mean_us", a.time_sum / ns * 1e6);
    d.real("solve_time_max_us", a.solved ? a.time_max * 1e6 : nan);
    d.real("mm_iterations_mean", a.iterations / ns);
    d.u64("infeasible", a.infeasible);
    d.u64("infeasible_total", s.infeasible_total);
    d.real("qscnr_db_mean", a.qscnr_n ? a.qscnr_db_sum / a.qscnr_n : nan);
    d.real("min_margin_ratio",
           std::isfinite(a.min_margin_ratio) ? a.min_margin_ratio : nan);
    d.u64("budget_exhausted", a.budget_exhausted);
    d.u64("budget_exhausted_total", s.budget_total);
    d.real("gap_mean", a.gap_sum / ns);
    d.real("gap_max", a.solved ? a.gap_max : nan);
    d.u64("bad_symbols", s.bad);
    d.u64("far_symbols", s.far);
    d.u64("bad_symbols_total", s.bad_total);
    d.u64("dropped_csi", s.dropped);
    d.u64("late_csi", s.late);
    d.real("lut_wait_max_us", s.lut_wait_max * 1e6);
    d.u64("lut_waits_long", s.lut_waits_long);
    d.i64("csi_lead_min", s.lead_min == INT64_MAX ? -1 : long(s.lead_min));
    return d;
}

int ci_precoder_impl::work(int noutput_items,
                           gr_vector_const_void_star& input_items,
                           gr_vector_void_star& output_items)
{
    const auto in = static_cast<const gr_complex*>(input_items[0]);
    auto out = static_cast<gr_complex*>(output_items[0]);
    const uint64_t base = nitems_written(0);
    // designs ahead (as in the last call): the workers wake now, so their wake-up
    // overlaps this call's serial part (tags, plan) instead of its designs
    if (d_direct > 1)
        d_pool.wake();
    apply_new_settings();
    // Frame mode (frame_builder's tags): the known sections of every frame go out
    // from the start, with or without a channel, and the payload is muted until
    // one is accepted. Without frames nothing leaves the block before a channel.
    std::vector<gr::tag_t> frame_tags;
    get_tags_in_range(frame_tags, 0, base, base + noutput_items, frame_tag_key);
    const bool framed = d_known.frames() > 0 || d_known.any_valid(frame_tags);
    d_known.load(frame_tags);
    std::vector<pending> local;
    if (const auto early = take_pending(framed, local))
        return *early;
    order_pending(local, base, framed);
    // Slow designs (exact, large arrays) get fewer items per call, so that stop(),
    // messages and setters are served within about 50 ms of work.
    int n = noutput_items;
    if (d_design_seconds > 0) {
        const double fit = 0.05 * d_pool.threads() / d_design_seconds;
        n = int(std::max(1.0, std::min(double(n), fit)));
    }
    n = plan(n, in, base, framed, local);
    const int done = design_items(n, out);
    deliver(done, out, base);
    return done;
}

// The settings a setter left in d_next take effect here, on the scheduler thread,
// between calls: a redesign for the channel in use from this call on.
void ci_precoder_impl::apply_new_settings()
{
    std::shared_ptr<const core::ci_solver> next;
    solver_kind next_kind;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        next.swap(d_next);
        next_kind = d_cfg.kind;
    }
    if (!next)
        return;
    if (d_kind == solver_kind::lut && next_kind != solver_kind::lut) {
        stop_lut();
        std::lock_guard<std::mutex> lock(d_mutex);
        d_lut.reset();
        d_lut_for.reset();
        d_built.reset();
        d_built_for.reset();
    }
    d_base = next;
    d_kind = next_kind;
    d_prepared.reset(); // built ahead with the old settings
    if (d_solver) {
        // a copy: activate() replaces d_solver, which owns the channel matrix
        const core::cmat H = d_solver->channel();
        activate(H, d_epoch_in_use.load(), true);
    }
}

// Moves the queued channels into local (under the lock) and returns nullopt. Without
// a channel and without frames nothing may be radiated: returns what work() returns
// at once (0, or WORK_DONE when the input ended first).
std::optional<int> ci_precoder_impl::take_pending(bool framed,
                                                  std::vector<pending>& local)
{
    std::unique_lock<std::mutex> lock(d_mutex);
    // a calibration queued alone brings no channel
    const auto no_channel = [this] {
        return std::none_of(d_pending.begin(), d_pending.end(), [](const pending& p) {
            return !p.invalidate;
        });
    };
    if (!d_solver && no_channel() && framed && !d_wait_logged) {
        d_logger->info("no channel yet: the frames' preamble, header and pilots go "
                       "out, their payload is muted (isac_mute)");
        d_wait_logged = true;
    }
    if (!d_solver && no_channel() && !framed) {
        // No channel: produce nothing, so nothing is radiated. csi messages are
        // handled between work() calls, so wait briefly (a set_channel() wakes
        // us) and return; the scheduler calls again after the message handlers.
        if (!d_wait_logged) {
            d_logger->info("no channel yet (set_channel or a csi message): holding "
                           "the input back, no output");
            d_wait_logged = true;
        }
        d_channel_cv.wait_for(lock, std::chrono::milliseconds(10));
        if (no_channel()) {
            if (d_end_grace.expired(*this)) {
                if (d_cal_taken)
                    d_logger->warn("the input ended while waiting for a csi measured "
                                   "after the transmit calibration at item {}: nothing "
                                   "was precoded from it",
                                   d_cal_at);
                else
                    d_logger->warn("the input ended before any channel arrived: nothing "
                                   "was precoded or transmitted");
                return WORK_DONE;
            }
            return 0;
        }
    }
    local.swap(d_pending);
    d_pending_bytes = 0;
    return std::nullopt;
}

// The channels in the order they take effect, each at its item.
void ci_precoder_impl::order_pending(std::vector<pending>& local,
                                     uint64_t base,
                                     bool framed) const
{
    // due now (set_channel(), a csi without offset, a late one): from base, in arrival
    // order, so an older late csi does not override a newer channel meant for now
    for (auto& p : local)
        if (p.immediate || p.offset < base) {
            p.offset = base;
            p.immediate = false;
        }
    // stable: of two updates for the same item the later message wins
    // a calibration ends the channel in use before a channel for the same item
    std::stable_sort(local.begin(), local.end(), [](const pending& a, const pending& b) {
        return a.offset < b.offset ||
               (a.offset == b.offset && a.invalidate && !b.invalidate);
    });
    if (!d_solver && !framed && !local.empty() && local[0].offset > base) {
        // the first channel applies from the first item produced: there is nothing
        // before it to precode with anything else
        local[0].offset = base;
    }
}

// Designs the planned items [0, n) into out on the pool; returns how many leading
// items are complete (all of them unless the flowgraph stopped meanwhile).
int ci_precoder_impl::design_items(int n, gr_complex* out)
{
    // every item is designed independently into its own slot
    const std::function<void(long)> one = [&](long i) {
        design(d_items[i], &d_k[d_items[i].k0], out + size_t(i) * d_n_tx);
    };
    bool complete;
    {
        // the flowgraph's stop() interrupts this thread: a design polls it and
        // cancels the whole job (the pool's workers see d_run_cancel)
        const stop_scope stop(&d_run_cancel);
        // copies only (tables, cached designs, known vectors): one chunk, so the
        // pool's workers are not woken
        complete = d_pool.run(n, one, &d_run_cancel, d_direct ? 1 : std::max(1, n));
    }
    settle_cache(n, out);
    int done = n;
    if (!complete) {
        // stopped while designing: only the finished leading items leave the block
        done = 0;
        while (done < n && d_items[done].done)
            ++done;
    }
    return done;
}

// The items [0, done) leave the block: the 1-bit DAC's output when this block is
// the DAC, isac_mute tags on the muted runs, and the statistics.
void ci_precoder_impl::deliver(int done, gr_complex* out, uint64_t base)
{
    if (d_dac_amplitude > 0 && done > 0) {
        // dac "1bit": this output is the 1-bit DAC's (one_bit_quantizer "dac", the
        // same kernel and amplitude), so no quantizer thread has to follow. The
        // designs and known vectors are alphabet points already; this makes it a
        // guarantee (a NaN goes out as +a, as the DAC drives it), and muted
        // snapshots stay zero (the DAC's isac_mute).
        auto f = reinterpret_cast<float*>(out);
        core::one_bit_quantize(f, f, size_t(2) * d_n_tx * done, d_dac_amplitude);
        for (int i = 0; i < done; ++i)
            if (d_items[i].kind == item_kind::mute)
                std::fill(out + size_t(i) * d_n_tx,
                          out + size_t(i + 1) * d_n_tx,
                          gr_complex(0, 0));
    }
    for (int i = 0; i < done; ++i) {
        if (d_items[i].kind == item_kind::mute &&
            (i == 0 || d_items[i - 1].kind != item_kind::mute)) {
            // the radio sends silence here (one_bit_quantizer keeps it zero)
            int len = 1;
            while (i + len < done && d_items[i + len].kind == item_kind::mute)
                ++len;
            add_item_tag(0, base + i, mute_tag_key, pmt::from_uint64(uint64_t(len)));
        }
        account(d_items[i], base + i);
    }
}

// Serial pass over the items [0, n): channel switches at their exact items, symbol
// indices, and which items a table answers. No design runs here.
int ci_precoder_impl::plan(
    int n, const gr_complex* in, uint64_t base, bool framed, std::vector<pending>& local)
{
    std::shared_ptr<core::ci_lut> lut;
    std::shared_ptr<core::ci_solver> lut_for;
    d_lut_hold.clear(); // the tables of the previous call's items
    auto refresh_lut = [&]() {
        std::lock_guard<std::mutex> lock(d_mutex);
        promote_locked();
        lut = d_lut;
        lut_for = d_lut_for;
        if (lut)
            d_lut_hold.push_back(lut); // items point into it until the next call
    };
    refresh_lut();
    size_t pi = 0;
    d_items.resize(size_t(n));
    d_k.resize(size_t(n) * d_n_users);
    d_kx.resize(size_t(n) * d_n_tx);
    for (int i = 0; i < n; ++i) {
        while (pi < local.size() && local[pi].offset <= base + i) {
            const pending& p = local[pi++];
            if (p.invalidate) {
                if (d_solver)
                    hold(d_solver->channel(), d_epoch_in_use);
                {
                    std::lock_guard<std::mutex> lock(d_mutex);
                    drop_channel_locked();
                }
                d_prepared.reset();
                d_cal_taken = true;
                d_cal_at = p.measured;
                count_late_cal(p.measured, base + i, d_late_cals, d_logger);
                d_logger->info("transmit calibration at item {} (taken at {}): the "
                               "payload is muted until a csi measured after it",
                               p.measured,
                               base + i);
            } else if (stale(p)) {
                const uint64_t total = d_dropped_total.fetch_add(1) + 1;
                if (log_this(++d_stale_run))
                    d_logger->info("csi for item {} measured from item {}, before the "
                                   "calibration at item {} settled: ignored ({} csi "
                                   "dropped so far)",
                                   p.offset,
                                   p.measured,
                                   d_cal_at,
                                   total);
                hold(p.H, p.epoch);
                continue;
            } else {
                activate(p.H, p.epoch);
                if (d_kind == solver_kind::lut)
                    await_lut_at(p, base + i > 0);
            }
            refresh_lut();
        }
        if (!d_solver && d_held &&
            cal_mute_ended(d_cal_at, base + i, d_known.frame_len(), d_logger)) {
            d_held = false;
            d_cal_taken = false;
            activate(d_held_H, d_held_epoch);
            if (d_kind == solver_kind::lut)
                await_lut_at(pending{ base + i, d_held_H }, true);
            refresh_lut();
        }
        if (!d_solver && !framed) {
            // without frames nothing leaves the block without a channel
            n = i;
            break;
        }
        d_next_cal = UINT64_MAX;
        for (size_t j = pi; j < local.size() && d_next_cal == UINT64_MAX; ++j)
            if (local[j].invalidate)
                d_next_cal = local[j].offset;
        plan_item(i,
                  in + size_t(i) * d_n_users,
                  base + i,
                  d_kind == solver_kind::lut && lut && lut_for == d_solver ? lut.get()
                                                                           : nullptr);
    }
    d_direct = 0;
    for (int i = 0; i < n; ++i) {
        const item& it = d_items[i];
        if (it.kind == item_kind::data && !it.lut && it.hit < 0)
            ++d_direct;
    }
    if (pi < local.size())
        requeue_later_channels(local, pi);
    return n;
}

// Item i (stream position abs, users' symbols s) with the channel in use: a known
// vector, muted, a table's, or a direct design (its class's canonical indices and
// the cache's part).
void ci_precoder_impl::plan_item(int i,
                                 const gr_complex* s,
                                 uint64_t abs,
                                 const core::ci_lut* lut)
{
    item& it = d_items[i];
    it.done = false;
    it.solver = d_solver;
    it.epoch = d_epoch_in_use.load();
    it.k0 = i * d_n_users;
    it.lut = lut;
    it.kind = item_kind::data;
    it.hit = it.fill = -1;
    it.rot = 0;
    // preamble, header and pilots of a tagged frame go out as they are; they
    // are how the users learn the channel, so they go out before one is known
    // a frame holding a calibration's item says "no channel" in its header: its
    // users do not decide a payload muted from that item on
    const bool channel = d_solver && d_next_cal >= abs + d_known.frame_len();
    if (const gr_complex* kx = d_known.at(abs, channel)) {
        it.kind = item_kind::known;
        std::copy(kx, kx + d_n_tx, d_kx.begin() + size_t(i) * d_n_tx);
        return;
    }
    if (!d_solver || d_known.in_guard(abs)) {
        // a frame's payload before any channel (never an unsteered vector) or
        // its guard (the array radiates nothing): muted
        it.kind = item_kind::mute;
        return;
    }
    for (int u = 0; u < d_n_users; ++u) {
        bool bad = false, far = false;
        d_k[it.k0 + u] = d_sym_k(s[u], &bad, &far);
        if (bad) {
            ++d_bad_interval;
            ++d_bad_total;
        } else if (far) {
            ++d_far_interval;
        }
    }
    if (it.lut)
        return; // the table turns its canonical entries itself
    // a direct design is its class's canonical member's, turned (every preset,
    // so that a class's outputs are turns of one another)
    it.rot = core::ci_lut::canonical(&d_k[it.k0], d_n_users, d_M, &d_k[it.k0]);
    if (d_kind != solver_kind::exact)
        plan_cache(i, &d_k[it.k0]);
}

// The channels local[pi, end) are for later items: back to the queue, ahead of
// anything that arrived meanwhile.
void ci_precoder_impl::requeue_later_channels(std::vector<pending>& local, size_t pi)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    double b = 0;
    for (size_t j = pi; j < local.size(); ++j)
        b += csi_bytes(local[j].H.rows(), local[j].H.cols());
    d_pending.insert(d_pending.begin(),
                     std::make_move_iterator(local.begin() + pi),
                     std::make_move_iterator(local.end()));
    d_pending_bytes += b;
}

// A data item designed directly (k: its class's canonical member): a vector whose
// class was designed before with the same solver copies that design, turned
// (settle_cache), else it reserves a slot.
void ci_precoder_impl::plan_cache(int i, const int* k)
{
    item& it = d_items[i];
    if (d_cache.max_slots <= 0)
        return;
    if (d_cache.solver != it.solver) {
        // a new channel or settings within this call: the earlier items of the call
        // are designed directly (their slots go with the old solver's entries)
        for (int j = 0; j < i; ++j)
            d_items[j].hit = d_items[j].fill = -1;
        d_cache.reset(it.solver);
    }
    uint64_t key = 0;
    for (int u = d_n_users - 1; u >= 0; --u)
        key = key * uint64_t(d_M) + uint64_t(k[u]);
    const long f = d_cache.find(key);
    if (f >= 0) {
        it.hit = f;
        return;
    }
    const long s = long(d_cache.info.size());
    if (s >= d_cache.max_slots)
        return;
    d_cache.insert(key, s);
    d_cache.info.emplace_back();
    it.fill = s;
}

// In item order, after the designs: each reserved slot takes its design, each repeat
// copies its slot (filled by an earlier item of this or an earlier call). A slot
// whose design was cancelled (stop) leaves the cache, and so do its repeats.
void ci_precoder_impl::settle_cache(int n, gr_complex* out)
{
    std::vector<uint8_t> lost;
    for (int i = 0; i < n; ++i) {
        item& it = d_items[i];
        gr_complex* o = out + size_t(i) * d_n_tx;
        if (it.fill >= 0) {
            if (it.done) {
                d_cache.store(it.fill, o, it.rot);
                design_summary& d = d_cache.info[it.fill];
                d.feasible = it.r.feasible;
                d.metric = it.r.metric;
                d.margin_ratio = it.r.lambda > 0
                                     ? it.r.margins.minCoeff() / it.r.lambda
                                     : std::numeric_limits<double>::infinity();
            } else {
                lost.resize(d_cache.info.size());
                lost[it.fill] = 1;
            }
        } else if (it.hit >= 0) {
            it.done = lost.empty() || !lost[it.hit];
            if (it.done) {
                d_cache.load(it.hit, o);
                core::ci_lut::quarter_turn(o, o, d_n_tx, it.rot);
                it.feasible = d_cache.info[it.hit].feasible;
            }
        }
    }
    if (!lost.empty())
        d_cache.drop(lost);
}

void ci_precoder_impl::design_cache::init(int n, long max)
{
    n_tx = n;
    words = (2 * n + 63) / 64;
    max_slots = max;
    keys.assign(64, 0);
    slots.assign(64, -1);
    used = 0;
}

void ci_precoder_impl::design_cache::reset(std::shared_ptr<core::ci_solver> s)
{
    solver = std::move(s);
    info.clear();
    bits.clear();
    n_full = 0;
    std::fill(slots.begin(), slots.end(), -1L);
    used = 0;
}

namespace {
// the table's home index of a key (Fibonacci hashing; the table size is 2^k)
size_t home(uint64_t key, size_t size)
{
    return size_t((key * 0x9E3779B97F4A7C15ull) >> 32) & (size - 1);
}
} // namespace

long ci_precoder_impl::design_cache::find(uint64_t key) const
{
    for (size_t h = home(key, slots.size());; h = (h + 1) & (slots.size() - 1)) {
        if (slots[h] < 0)
            return -1;
        if (keys[h] == key)
            return slots[h];
    }
}

void ci_precoder_impl::design_cache::insert(uint64_t key, long slot)
{
    if (2 * (used + 1) > long(slots.size())) {
        // at most half full: rehash into twice the size
        std::vector<uint64_t> k(2 * slots.size(), 0);
        std::vector<long> v(2 * slots.size(), -1);
        k.swap(keys);
        v.swap(slots);
        used = 0;
        for (size_t j = 0; j < v.size(); ++j)
            if (v[j] >= 0)
                insert(k[j], v[j]);
    }
    size_t h = home(key, slots.size());
    while (slots[h] >= 0)
        h = (h + 1) & (slots.size() - 1);
    keys[h] = key;
    slots[h] = slot;
    ++used;
}

void ci_precoder_impl::design_cache::drop(const std::vector<uint8_t>& lost)
{
    // rare (a stop within a call): rebuild the table without the lost slots
    std::vector<uint64_t> k(slots.size(), 0);
    std::vector<long> v(slots.size(), -1);
    k.swap(keys);
    v.swap(slots);
    used = 0;
    for (size_t j = 0; j < v.size(); ++j)
        if (v[j] >= 0 && !(v[j] < long(lost.size()) && lost[v[j]]))
            insert(k[j], v[j]);
}

void ci_precoder_impl::design_cache::store(long s, const gr_complex* o, int rot)
{
    if (rot) {
        turned.resize(size_t(n_tx));
        core::ci_lut::quarter_turn(o, turned.data(), n_tx, 4 - rot);
        o = turned.data();
    }
    design_summary& d = info[s];
    // one pass over the floats' bit patterns: the sign bits, packed, and whether
    // every magnitude is the first one's (then sign | magnitude rebuilds each float)
    const auto f = reinterpret_cast<const float*>(o);
    const int nf = 2 * n_tx;
    uint32_t mag;
    std::memcpy(&mag, f, sizeof mag);
    mag &= 0x7fffffffu;
    if (bits.size() < size_t(s + 1) * words)
        bits.resize(size_t(s + 1) * words);
    uint64_t* w = &bits[size_t(s) * words];
    uint32_t differ = 0;
    for (int i0 = 0; i0 < nf; i0 += 64) {
        uint64_t word = 0;
        const int i1 = std::min(nf, i0 + 64);
        for (int i = i0; i < i1; ++i) {
            uint32_t u;
            std::memcpy(&u, f + i, sizeof u);
            differ |= (u & 0x7fffffffu) ^ mag;
            word |= uint64_t(u >> 31) << (i - i0);
        }
        w[i0 / 64] = word;
    }
    float a;
    std::memcpy(&a, &mag, sizeof a);
    if (differ == 0 && a > 0 && std::isfinite(a)) {
        d.amp = a;
        d.full = -1;
        return;
    }
    d.amp = 0;
    d.full = n_full++;
    while (long(chunks.size()) * chunk_slots <= d.full)
        // new float[] leaves the floats uninitialised (no page is touched)
        chunks.emplace_back(new float[size_t(2) * chunk_slots * n_tx]);
    std::copy(o,
              o + n_tx,
              reinterpret_cast<gr_complex*>(chunks[size_t(d.full / chunk_slots)].get()) +
                  size_t(d.full % chunk_slots) * n_tx);
}

void ci_precoder_impl::design_cache::load(long s, gr_complex* o) const
{
    const design_summary& d = info[s];
    if (d.full >= 0) {
        const gr_complex* x = reinterpret_cast<const gr_complex*>(
                                  chunks[size_t(d.full / chunk_slots)].get()) +
                              size_t(d.full % chunk_slots) * n_tx;
        std::copy(x, x + n_tx, o);
        return;
    }
    // the stored signs on the stored magnitude: the same floats, bit for bit
    uint32_t mag;
    std::memcpy(&mag, &d.amp, sizeof mag);
    const uint64_t* w = &bits[size_t(s) * words];
    const auto f = reinterpret_cast<float*>(o);
    for (int i = 0; i < 2 * n_tx; ++i) {
        const uint32_t u = mag | uint32_t((w[i / 64] >> (i % 64)) & 1) << 31;
        std::memcpy(f + i, &u, sizeof u);
    }
}

// One output vector (any thread): a table lookup or a direct design; class repeats are
// copied by settle_cache.
void ci_precoder_impl::design(item& it, const int* k, gr_complex* o) const
{
    if (it.hit >= 0)
        return;
    if (it.kind != item_kind::data) {
        const size_t i = size_t(&it - d_items.data());
        if (it.kind == item_kind::known)
            std::copy(d_kx.begin() + i * d_n_tx, d_kx.begin() + (i + 1) * d_n_tx, o);
        else
            std::fill(o, o + d_n_tx, gr_complex(0, 0));
        it.feasible = true;
        it.done = true;
        return;
    }
    if (it.lut) {
        it.feasible = it.lut->lookup(k, o);
        it.done = true;
        return;
    }
    // the indices in a vector the thread keeps (no allocation per design)
    thread_local std::vector<int> kv;
    kv.assign(k, k + d_n_users);
    const auto t0 = std::chrono::steady_clock::now();
    // into the item's result, whose arrays keep their storage from call to call
    it.solver->solve_indices(kv, it.r);
    it.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (int j = 0; j < d_n_tx; ++j)
        o[j] = gr_complex(it.r.x[j]);
    core::ci_lut::quarter_turn(o, o, d_n_tx, it.rot);
    it.feasible = it.r.feasible;
    // a design cut short by a stop is not emitted
    it.done = !core::cancel_requested();
}

// Serial pass in item order: tags and statistics.
void ci_precoder_impl::account(const item& it, uint64_t abs)
{
    if (it.epoch != d_epoch_tagged || abs == 0) {
        if (it.epoch)
            add_item_tag(0, abs, d_epoch_key, pmt::from_uint64(it.epoch));
        d_epoch_tagged = it.epoch;
    }
    if (it.kind != item_kind::data)
        return; // known or muted: nothing designed
    if (it.lut) {
        ++d_acc.lut_hits;
    } else if (it.hit >= 0) {
        ++d_acc.cache_hits;
        const design_summary& d = d_cache.info[it.hit];
        if (d.metric > 0) {
            d_acc.qscnr_db_sum += 10.0 * std::log10(d.metric);
            d_acc.qscnr_n++;
        }
        d_acc.min_margin_ratio = std::min(d_acc.min_margin_ratio, d.margin_ratio);
    } else {
        const core::ci_result& r = it.r;
        d_acc.solved++;
        d_acc.time_sum += it.seconds;
        d_acc.time_max = std::max(d_acc.time_max, it.seconds);
        d_design_seconds =
            d_design_seconds > 0 ? 0.9 * d_design_seconds + 0.1 * it.seconds : it.seconds;
        d_acc.iterations += r.iterations;
        if (r.metric > 0) {
            d_acc.qscnr_db_sum += 10.0 * std::log10(r.metric);
            d_acc.qscnr_n++;
        }
        if (r.lambda > 0)
            d_acc.min_margin_ratio =
                std::min(d_acc.min_margin_ratio, r.margins.minCoeff() / r.lambda);
        d_acc.gap_sum += r.gap;
        d_acc.gap_max = std::max(d_acc.gap_max, r.gap);
        if (r.budget_exhausted) {
            d_acc.budget_exhausted++;
            d_budget_total++;
        }
    }
    if (!it.feasible) {
        if (d_tag_infeasible)
            add_item_tag(0, abs, d_tag_key, pmt::PMT_T);
        d_acc.infeasible++;
        d_infeasible_total++;
    }
    if (++d_acc.vectors >= uint64_t(d_stats_interval))
        publish_stats();
}

} /* namespace isac */
} /* namespace gr */
