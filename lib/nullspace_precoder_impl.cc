/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_message.h"
#include "nullspace_precoder_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/comm_precoder.h>
#include <gnuradio/isac/core/limits.h>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace gr {
namespace isac {

namespace {
std::vector<double> to_rad(const std::vector<double>& deg)
{
    std::vector<double> r;
    r.reserve(deg.size());
    for (double d : deg) {
        core::check_angle_deg("targets_deg", d);
        r.push_back(core::deg2rad(d));
    }
    return r;
}

core::rvec sinr_vector(double sinr_db)
{
    return core::rvec::Constant(1, core::db2lin(sinr_db));
}
} // namespace

nullspace_precoder::sptr nullspace_precoder::make(int n_tx,
                                                  int n_users,
                                                  double power,
                                                  const std::string& comm,
                                                  double sinr_db,
                                                  double noise_var,
                                                  const std::string& sensing,
                                                  const std::vector<double>& targets_deg,
                                                  double beam_width_deg,
                                                  int frame_len,
                                                  double comm_power,
                                                  double grid_step_deg,
                                                  int isl_lags,
                                                  double csi_error,
                                                  double csi_weight,
                                                  double csi_corr,
                                                  int sensing_beams,
                                                  int max_iter,
                                                  double max_seconds)
{
    core::params::nullspace_precoder::check(n_tx,
                                            n_users,
                                            power,
                                            comm,
                                            sinr_db,
                                            noise_var,
                                            sensing,
                                            targets_deg,
                                            beam_width_deg,
                                            frame_len,
                                            comm_power,
                                            grid_step_deg,
                                            isl_lags,
                                            csi_error,
                                            csi_weight,
                                            csi_corr,
                                            sensing_beams,
                                            max_iter,
                                            max_seconds);
    // Validate everything before the io_signatures are built, so each error
    // names the parameter and its allowed range.
    core::sdisac_params p;
    p.frame_len = frame_len;
    p.power = power;
    p.comm = comm;
    // the dB value as written is checked (not its linear value)
    p.sinr = core::rvec::Constant(1, core::db_to_linear("sinr_db", sinr_db));
    p.noise_var = noise_var;
    p.comm_power = comm_power;
    p.sensing = sensing;
    p.targets_rad = to_rad(targets_deg);
    p.beam_width_rad = core::deg2rad(beam_width_deg);
    p.grid_step_rad = core::deg2rad(grid_step_deg);
    p.isl_lags = isl_lags;
    p.csi_error = csi_error;
    p.csi_weight = csi_weight;
    p.csi_corr = csi_corr;
    p.sensing_beams = sensing_beams;
    p.max_iter = max_iter;
    p.max_seconds = max_seconds;
    p.validate(n_tx, n_users);
    {
        // What a design holds: the steering grid and its null-space projection
        // (beampattern), frame-sized matrices (B, P B, the ISL signal), N x N
        // projectors; the stream keeps P B (or P P^H) in single precision.
        const double N = n_tx, L = frame_len;
        const double G =
            p.sensing == "beampattern" ? std::floor(180.0 / grid_step_deg) + 2 : 0;
        const double grid = 16.0 * G * (2 * N + L);
        const double frame = 16.0 * N * L * (p.sensing == "isl" ? 6 : 4);
        const double square = 16.0 * N * N * 3;
        const double total = grid + frame + square;
        const std::string what =
            "the design (n_tx = " + std::to_string(n_tx) +
            ", frame_len = " + std::to_string(frame_len) +
            (G > 0 ? ", " + std::to_string(long(G)) + " grid angles" : "") + ")";
        if (grid >= frame && grid >= square)
            core::check_memory(
                "grid_step_deg", core::num_str(grid_step_deg), total, what);
        else if (frame >= square)
            core::check_memory("frame_len", std::to_string(frame_len), total, what);
        else
            core::check_memory("n_tx", std::to_string(n_tx), total, what);
    }
    return gnuradio::make_block_sptr<nullspace_precoder_impl>(n_tx, n_users, p);
}

nullspace_precoder_impl::nullspace_precoder_impl(int n_tx,
                                                 int n_users,
                                                 const core::sdisac_params& prm)
    : gr::sync_block(
          "nullspace_precoder",
          prm.sensing == "external"
              ? gr::io_signature::make2(
                    2, 2, sizeof(gr_complex) * n_users, sizeof(gr_complex) * n_tx)
              : gr::io_signature::make(1, 1, sizeof(gr_complex) * n_users),
          gr::io_signature::make(1, 1, sizeof(gr_complex) * n_tx)),
      d_n_tx(n_tx),
      d_n_users(n_users),
      d_L(static_cast<uint64_t>(prm.frame_len)),
      d_external(prm.sensing == "external"),
      d_stats_port(pmt::mp("stats")),
      d_csi_port(pmt::mp("csi")),
      d_cal_port(pmt::mp("cal")),
      d_channel_port(pmt::mp("channel")),
      d_tag_key(pmt::mp("isac_design")),
      d_params(prm),
      d_known(n_tx, prm.power),
      d_known_power(prm.power)
{
    d_known.set_logger(d_logger);
    message_port_register_out(d_stats_port);
    message_port_register_out(d_channel_port);
    message_port_register_in(d_csi_port);
    set_msg_handler(d_csi_port, [this](const pmt::pmt_t& m) { handle_csi(m); });
    message_port_register_in(d_cal_port);
    set_msg_handler(d_cal_port, [this](const pmt::pmt_t& m) { handle_cal(m); });
}

nullspace_precoder_impl::~nullspace_precoder_impl()
{
    // before the members design_pending() uses go: a design in progress returns
    // within one iteration
    d_task.stop();
}

void nullspace_precoder_impl::request_locked(uint64_t offset)
{
    if (!d_have_channel || d_H_ended)
        return;
    d_request = true;
    d_req_offset = offset;
    if (!d_posted) {
        d_posted = true;
        d_task.post([this] { design_pending(); });
    }
}

// Requests that arrive during a design are merged: the next design uses the
// latest channel and settings.
void nullspace_precoder_impl::design_pending()
{
    std::unique_lock<std::mutex> lk(d_mutex);
    while (d_request && !core::cancel_requested()) {
        d_request = false;
        d_busy = true;
        const core::sdisac_params prm = d_params;
        const Eigen::MatrixXcd H = d_H;
        auto p = std::make_shared<prepared>();
        p->id = d_next_id++;
        p->offset = d_req_offset;
        p->from_csi = d_H_from_csi;
        p->has_measured = d_H_from_csi && d_H_has_measured;
        p->measured = d_H_measured;
        p->run = d_run;
        p->gen = d_params_gen;
        d_busy_id = p->id;
        d_busy_from_csi = p->from_csi;
        d_busy_gen = p->gen;
        lk.unlock();
        // The design runs without the lock: work() and the setters never wait for it.
        try {
            p->d = core::design_sdisac(H, prm);
        } catch (const std::exception& e) {
            p->d = core::sdisac_design();
            p->d.ok = false;
            p->d.message = e.what();
            p->d.H = H; // last_design() shows which channel failed
        }
        if (p->d.ok) {
            p->F = p->d.F.cast<core::cfloat>();
            if (d_external)
                p->Pi = (p->d.P * p->d.P.adjoint()).cast<core::cfloat>();
            else if (p->d.B.size() && p->d.B.norm() > 0)
                p->M = (p->d.P * p->d.B).cast<core::cfloat>();
        }
        p->stats = stats_dict(*p);
        lk.lock();
        d_ready.push_back(p);
        // no flowgraph running to pick them up: keep the newest, within the queue limit
        double bytes = 0;
        for (const auto& r : d_ready)
            bytes += bytes_of(*r);
        while (d_ready.size() > 1 &&
               (d_ready.size() > 64 || bytes > double(core::queue_limit()))) {
            bytes -= bytes_of(*d_ready.front());
            d_ready.erase(d_ready.begin());
        }
        d_last = p;
        d_busy = false;
        ++d_finished;
        d_cv_idle.notify_all();
    }
    d_posted = false;
}

double nullspace_precoder_impl::bytes_of(const prepared& p)
{
    const core::sdisac_design& d = p.d;
    const double c16 = 16.0, c8 = 8.0;
    return c16 * (d.F.size() + d.P.size() + d.B.size() + d.H.size() + d.symbols.size()) +
           c8 * (p.F.size() + p.M.size() + p.Pi.size()) +
           8.0 * (d.pattern.size() + d.desired.size() + d.grid_rad.size() +
                  d.cost_history.size()) +
           1024.0;
}

bool nullspace_precoder_impl::stop()
{
    drain_queue(*this, d_csi_port, d_logger, "csi");
    drain_queue(*this, d_cal_port, d_logger, "cal");
    d_fence.stopped();
    std::lock_guard<std::mutex> lock(d_mutex);
    // designs requested from here on are for the next run
    ++d_run;
    if (d_H_from_csi) {
        // the previous run's csi: a setter's redesign would use it, and the next
        // run's csi must count as a change even if equal to it
        d_have_channel = false;
        d_request = false;
        // start() keeps the set_channel() designs (the csi's were not in use
        // yet, or failed): if one that work() can still use survives, the
        // setters redesign the last set_channel() channel, as they did before
        // the csi. A failed design never counts, wherever it is at the stop,
        // so the answer does not depend on whether work() picked it up.
        uint64_t kept = 0, kept_gen = 0;
        const auto newer = [&kept, &kept_gen](uint64_t id, bool from_csi, uint64_t gen) {
            if (!from_csi && id > kept) {
                kept = id;
                kept_gen = gen;
            }
        };
        for (const auto& p : d_waiting)
            newer(p->id, p->from_csi, p->gen);
        for (const auto& p : d_ready)
            if (p->d.ok)
                newer(p->id, p->from_csi, p->gen);
        if (d_active)
            newer(d_active->id, d_active->from_csi, d_active->gen);
        if (d_busy)
            newer(d_busy_id, d_busy_from_csi, d_busy_gen);
        if (kept) {
            d_H = d_set_H;
            d_have_channel = true;
            d_H_from_csi = false;
            d_H_ended = false; // a restart forgets the calibration
            // a setter after the kept design asked for a redesign of the csi
            // channel, cleared above: without this the next run would precode
            // with the old settings while work() gives the pilots the new power
            if (kept_gen != d_params_gen)
                request_locked(0);
        }
    }
    return sync_block::stop();
}

bool nullspace_precoder_impl::start()
{
    // A design for a csi message's channel of an earlier run goes (in use,
    // waiting, finished; one still running is skipped by work()): the radios may
    // have been retuned and an emulation restarts its drift, so that channel no
    // longer holds. The payload stays muted (frames) or nothing is produced until
    // a design for this run's csi is ready, as on a fresh block. set_channel()
    // designs are the caller's and stay.
    uint64_t run;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        run = d_run;
    }
    const auto stale = [run](const std::shared_ptr<const prepared>& p) {
        return p && p->from_csi && p->run != run;
    };
    size_t dropped = 0;
    if (stale(d_active)) {
        d_active.reset();
        ++dropped;
    }
    for (auto it = d_waiting.begin(); it != d_waiting.end();) {
        if (stale(*it)) {
            d_waiting_bytes -= bytes_of(**it);
            it = d_waiting.erase(it);
            ++dropped;
        } else {
            ++it;
        }
    }
    // Items count from 0 again after a restart: designs waiting for an offset
    // of the previous run switch at the next frame boundary instead.
    for (auto& w : d_waiting) {
        auto c = std::make_shared<prepared>(*w);
        c->offset = 0;
        w = c;
    }
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_req_offset = 0;
        d_cal_in.clear(); // items of the previous run

        for (auto it = d_ready.begin(); it != d_ready.end();) {
            if (stale(*it)) {
                it = d_ready.erase(it);
                ++dropped;
            } else {
                ++it;
            }
        }
        if (stale(d_in_use))
            d_in_use.reset();
    }
    if (dropped)
        d_logger->info("start: {} design(s) for the previous run's csi dropped; the "
                       "payload waits for a design for this run's csi",
                       dropped);
    d_end_grace.reset();
    d_wait_logged = false;
    d_known.reset(); // the frame builder counts from 0 again too
    // this run's csi are measured in this run's items: no calibration judges them
    d_cals.clear();
    d_cal_taken = false;
    d_held.reset();
    {
        // A calibration of the previous run ended the set_channel() channel: the
        // corrector keeps its weights across a restart, so the users' channel is
        // still the corrected one and the caller's is as stale as when the
        // calibration ended it. It stays ended (the setters do not redesign it)
        // until a csi or a new set_channel().
        std::lock_guard<std::mutex> lock(d_mutex);
        if (d_H_ended && d_have_channel && !d_H_from_csi && !d_active)
            d_logger->info("start: the set_channel() channel was ended by the transmit "
                           "calibration at item {} of the previous run and is not "
                           "restored; the payload waits for a csi or a new "
                           "set_channel()",
                           d_cal_at);
        else
            d_H_ended = false;
    }
    // the restarted stream carries its design's tag from its first item, as
    // the first run did (a receiver keyed on isac_design sees it again)
    d_retag = d_active != nullptr;
    return sync_block::start();
}

pmt::pmt_t nullspace_precoder_impl::stats_dict(const prepared& p)
{
    const core::sdisac_design& d = p.d;
    msg_dict s;
    s.u64("design_id", p.id);
    s.flag("ok", d.ok);
    s.text("message", d.message);
    s.real("design_time_s", d.design_time_s);
    s.i64("iterations", d.iterations);
    s.real("cost", d.cost);
    s.real("matching_cost", d.matching_cost);
    s.real("pslr_db", d.pslr_db);
    // NaN: not evaluated within the design's work budget
    s.real("isl_db",
           std::isnan(d.isl) ? d.isl
           : d.isl > 0       ? 10 * std::log10(d.isl)
                             : -INFINITY);
    s.real("comm_power", d.comm_power);
    s.real("sensing_power", d.sensing_power);
    s.real("split", d.split);
    s.real("leakage", d.leakage);
    s.i64("rank", d.rank);
    s.flag("rank_deficient", d.rank_deficient);
    s.i64("sensing_rank", d.sensing_rank);
    std::vector<double> sdb;
    for (Eigen::Index k = 0; k < d.sinr.size(); ++k)
        sdb.push_back(10 * std::log10(d.sinr[k]));
    s.reals("sinr_db", sdb);
    return s;
}

void nullspace_precoder_impl::publish_and_log(const prepared& p)
{
    if (!p.d.ok)
        d_logger->warn("design {} not usable, {}: {}",
                       p.id,
                       d_active || !d_waiting.empty() ? "keeping the previous design"
                                                      : "no usable design yet",
                       p.d.message);
    else if (p.d.rank_deficient)
        d_logger->warn("design {}: {}", p.id, p.d.message);
    message_port_pub(d_stats_port, p.stats);
}

void nullspace_precoder_impl::handle_csi(const pmt::pmt_t& msg)
{
    if (d_fence.finished(msg, d_logger, "csi"))
        return;
    csi_update u;
    std::string why;
    if (!parse_csi(msg, u, why, d_n_users, d_n_tx)) {
        d_logger->warn("ignoring csi message: {}", why);
        return;
    }
    announce(u.has_offset ? u.offset : 0, u.epoch);
    std::lock_guard<std::mutex> lock(d_mutex);
    // A repeated, unchanged channel (e.g. a periodic strobe) is not a change:
    // no redesign, no new design id. One measured later is: after a transmit
    // calibration csi_feedback posts the unchanged rows measured after the
    // correction, whose design ends the mute (a repeat would leave it to its bound).
    const bool newer = u.has_measured && (!d_H_has_measured || u.measured > d_H_measured);
    if (d_have_channel && u.H == d_H && !d_H_ended && !newer)
        return;
    d_H = u.H;
    d_have_channel = true;
    d_H_from_csi = true;
    d_H_has_measured = u.has_measured;
    d_H_measured = u.measured;
    d_H_ended = false;
    request_locked(u.has_offset ? u.offset : 0);
}

// A transmit calibration's correction changes every user's channel at its item c:
// the design in use ends there (mid-frame: the channel changes at c, not at a
// frame boundary), the payload mutes (as before a first design; the known
// sections go on) until a design for a csi measured after it switches in.
void nullspace_precoder_impl::handle_cal(const pmt::pmt_t& msg)
{
    if (d_fence.finished(msg, d_logger, "cal"))
        return;
    uint64_t c = 0;
    if (!parse_cal_offset(msg, c, d_logger))
        return;
    std::lock_guard<std::mutex> lock(d_mutex);
    d_cal_in.push_back(c);
}

void nullspace_precoder_impl::take_cals(uint64_t abs)
{
    if (d_cals.empty() || d_cals.front() > abs)
        return;
    while (!d_cals.empty() && d_cals.front() <= abs) {
        d_cal_at = d_cals.front();
        d_cals.pop_front();
    }
    count_late_cal(d_cal_at, abs, d_late_cals, d_logger);
    d_cal_taken = true;
    if (d_active)
        d_held = d_active;
    d_active.reset();
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_in_use.reset();
        d_H_ended = true;
    }
    d_logger->info("transmit calibration at item {} (taken at {}): the payload is "
                   "muted until a design for a csi measured after it",
                   d_cal_at,
                   abs);
    drop_stale_waiting();
}

// The frame holding the correction is measured half before it, and a receiver
// keeps its old average over the first frame that departs from it: a csi counts
// from one users' frame after the correction (one without "measured" always
// counts). The users' frame, not the design length L: the two differ (64 and 948
// in the OTA examples), and the frame after the one holding c is still stale.
void nullspace_precoder_impl::drop_stale_waiting()
{
    if (!d_cal_taken)
        return;
    for (auto it = d_waiting.begin(); it != d_waiting.end();) {
        const prepared& p = **it;
        if (p.has_measured && p.measured < d_cal_at + d_known.frame_len()) {
            d_waiting_bytes -= bytes_of(p);
            const uint64_t n = ++d_dropped;
            if (log_this(n))
                d_logger->info("design {} for a csi measured from item {}, before the "
                               "calibration at item {} settled: dropped ({} so far)",
                               p.id,
                               p.measured,
                               d_cal_at,
                               n);
            d_held = *it;
            it = d_waiting.erase(it);
        } else {
            ++it;
        }
    }
}

void nullspace_precoder_impl::announce(uint64_t offset, uint64_t epoch)
{
    message_port_pub(d_channel_port, make_accepted(offset, epoch));
}

void nullspace_precoder_impl::set_channel(const Eigen::MatrixXcd& H)
{
    if (H.rows() != d_n_users || H.cols() != d_n_tx)
        core::throw_param("H",
                          core::shape_str(H.rows(), H.cols()),
                          std::to_string(d_n_users) + "x" + std::to_string(d_n_tx) +
                              " (n_users x n_tx)");
    if (!H.allFinite())
        core::throw_param("H", "non-finite entries", "finite entries");
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_H = H;
        d_set_H = H;
        d_have_channel = true;
        d_H_from_csi = false;
        d_H_ended = false;
        request_locked(0);
    }
    announce(0, 0);
}

bool nullspace_precoder_impl::wait_design(double timeout_s)
{
    core::check_positive_finite("timeout_s", timeout_s);
    std::unique_lock<std::mutex> lk(d_mutex);
    return d_cv_idle.wait_for(lk,
                              std::chrono::duration<double>(timeout_s),
                              [this] { return !d_request && !d_busy; });
}

bool nullspace_precoder_impl::wait_designs(uint64_t count, double timeout_s)
{
    core::check_positive_finite("timeout_s", timeout_s);
    std::unique_lock<std::mutex> lk(d_mutex);
    return d_cv_idle.wait_for(lk,
                              std::chrono::duration<double>(timeout_s),
                              [this, count] { return d_finished >= count; });
}

uint64_t nullspace_precoder_impl::designs_finished() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_finished;
}

uint64_t nullspace_precoder_impl::design_id() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_in_use ? d_in_use->id : 0;
}

core::sdisac_design nullspace_precoder_impl::design() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    if (!d_in_use)
        throw std::runtime_error("nullspace_precoder: no design in use yet");
    return d_in_use->d;
}

core::sdisac_design nullspace_precoder_impl::last_design() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    if (!d_last)
        throw std::runtime_error("nullspace_precoder: no design finished yet");
    return d_last->d;
}

void nullspace_precoder_impl::apply(const core::sdisac_params& p)
{
    p.validate(d_n_tx, d_n_users);
    if (p.comm_power > p.power)
        core::throw_param("power", core::num_str(p.power), ">= comm_power");
    std::lock_guard<std::mutex> lock(d_mutex);
    d_params = p;
    ++d_params_gen;
    request_locked(0);
}

void nullspace_precoder_impl::set_csi(double csi_error,
                                      double csi_weight,
                                      double csi_corr)
{
    core::check_value(core::params::nullspace_precoder::csi_error, csi_error);
    core::check_value(core::params::nullspace_precoder::csi_weight, csi_weight);
    core::check_value(core::params::nullspace_precoder::csi_corr, csi_corr);
    auto p = locked_config();
    p.csi_error = csi_error;
    p.csi_weight = csi_weight;
    p.csi_corr = csi_corr;
    apply(p);
}

// clang-format off
// gen_params:begin accessor_definitions
void nullspace_precoder_impl::set_power(double power)
{
    core::check_value(core::params::nullspace_precoder::power, double(power));
    auto c = locked_config();
    c.power = power;
    apply(c);
}

void nullspace_precoder_impl::set_sinr_db(double sinr_db)
{
    core::check_value(core::params::nullspace_precoder::sinr_db, double(sinr_db));
    auto c = locked_config();
    c.sinr = sinr_vector(sinr_db);
    apply(c);
}

void nullspace_precoder_impl::set_targets_deg(const std::vector<double>& targets_deg)
{
    core::check_values(core::params::nullspace_precoder::targets_deg, targets_deg);
    auto c = locked_config();
    c.targets_rad = to_rad(targets_deg);
    apply(c);
}

void nullspace_precoder_impl::set_beam_width_deg(double beam_width_deg)
{
    core::check_value(core::params::nullspace_precoder::beam_width_deg, double(beam_width_deg));
    auto c = locked_config();
    c.beam_width_rad = core::deg2rad(beam_width_deg);
    apply(c);
}
// gen_params:end accessor_definitions
// clang-format on

namespace {
// Copies n values into buf with non-finite entries replaced by 0 when there
// are any; returns the pointer to use and counts the replacements.
const gr_complex* sanitize(const gr_complex* in, size_t n, std::vector<gr_complex>& buf, uint64_t& bad)
{
    size_t first = n;
    for (size_t i = 0; i < n; ++i)
        if (!std::isfinite(in[i].real()) || !std::isfinite(in[i].imag())) {
            first = i;
            break;
        }
    if (first == n)
        return in;
    buf.assign(in, in + n);
    for (size_t i = first; i < n; ++i)
        if (!std::isfinite(buf[i].real()) || !std::isfinite(buf[i].imag())) {
            buf[i] = 0;
            ++bad;
        }
    return buf.data();
}
} // namespace

int nullspace_precoder_impl::work(int noutput_items,
                                  gr_vector_const_void_star& input_items,
                                  gr_vector_void_star& output_items)
{
    std::vector<std::shared_ptr<prepared>> fresh;
    std::vector<uint64_t> cals;
    double power;
    uint64_t run;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        fresh.swap(d_ready);
        cals.swap(d_cal_in);
        power = d_params.power;
        run = d_run;
    }
    if (power != d_known_power) { // the pilots follow set_power()
        d_known.set_power(power);
        d_known_power = power;
    }
    for (const auto& f : fresh) {
        publish_and_log(*f);
        // a design for the previous run's csi that finished after start()
        if (!f->d.ok || (f->from_csi && f->run != run))
            continue;
        d_waiting.push_back(f);
        d_waiting_bytes += bytes_of(*f);
        // designs waiting for an offset the stream never reaches would pile up
        while (d_waiting.size() > 1 && d_waiting_bytes > double(core::queue_limit())) {
            d_waiting_bytes -= bytes_of(*d_waiting.front());
            d_waiting.pop_front();
            const uint64_t n = ++d_dropped;
            if (log_this(n))
                d_logger->warn("designs waiting for their offset exceed the queue limit "
                               "({}): dropped the oldest ({} so far)",
                               core::format_bytes(double(core::queue_limit())),
                               n);
        }
    }
    for (const uint64_t c : cals)
        d_cals.insert(std::upper_bound(d_cals.begin(), d_cals.end(), c), c);
    drop_stale_waiting();
    // Frame mode (frame_builder's tags): the known sections of every frame go out
    // from the start, with or without a design, and the payload is muted until
    // there is one. Without frames nothing leaves the block before a design.
    const uint64_t base = nitems_written(0);
    take_cals(base);
    std::vector<gr::tag_t> frame_tags;
    get_tags_in_range(frame_tags, 0, base, base + noutput_items, frame_tag_key);
    const bool framed = d_known.frames() > 0 || d_known.any_valid(frame_tags);
    d_known.load(frame_tags);
    if (!d_active && d_waiting.empty() && framed && !d_wait_logged) {
        d_logger->info("no design yet: the frames' preamble, header and pilots go out, "
                       "their payload is muted (isac_mute)");
        d_wait_logged = true;
    }
    // (framed, the first design switches in at a design frame boundary like any other)
    if (!d_active && !framed) {
        if (d_waiting.empty()) {
            // No design yet: produce nothing (a zero frame would still be
            // transmitted). Wait briefly for the worker, then let the scheduler
            // handle messages and call again.
            if (!d_wait_logged) {
                d_logger->info("no design yet: holding the input back until the first "
                               "design is ready");
                d_wait_logged = true;
            }
            std::unique_lock<std::mutex> lk(d_mutex);
            d_cv_idle.wait_for(
                lk, std::chrono::milliseconds(10), [this] { return !d_ready.empty(); });
            // (a design requested or running extends the grace: a short input
            // waits for it, up to input_end_grace's bound)
            if (d_ready.empty() && d_end_grace.expired(*this, d_request || d_busy)) {
                if (d_cal_taken)
                    d_logger->warn("the input ended while waiting for a design for a csi "
                                   "measured after the transmit calibration at item {}: "
                                   "nothing was precoded from it",
                                   d_cal_at);
                else
                    d_logger->warn("the input ended before any design was ready: nothing "
                                   "was precoded or transmitted");
                return WORK_DONE;
            }
            return 0;
        }
        // The first design applies from the first item produced: the newest one
        // already due, else the earliest (whatever its offset); later ones wait.
        const uint64_t now = nitems_written(0);
        size_t take = 0;
        for (size_t j = 0; j < d_waiting.size(); ++j)
            if (d_waiting[j]->offset <= now)
                take = j;
        d_active = d_waiting[take];
        for (size_t j = 0; j <= take; ++j)
            d_waiting_bytes -= bytes_of(*d_waiting[j]);
        d_waiting.erase(d_waiting.begin(), d_waiting.begin() + take + 1);
        add_item_tag(0, nitems_written(0), d_tag_key, pmt::from_uint64(d_active->id));
        std::lock_guard<std::mutex> lock(d_mutex);
        d_in_use = d_active;
    }
    const auto s_in = static_cast<const gr_complex*>(input_items[0]);
    const auto b_in = d_external ? static_cast<const gr_complex*>(input_items[1]) : nullptr;
    auto out = static_cast<gr_complex*>(output_items[0]);
    const uint64_t L = d_L;
    if (d_retag && d_active) {
        d_retag = false;
        // unless a waiting design switches in at this item (tagged below)
        bool switching = false;
        if (base % L == 0)
            for (const auto& w : d_waiting)
                switching = switching || w->offset <= base;
        if (!switching)
            add_item_tag(0, base, d_tag_key, pmt::from_uint64(d_active->id));
    }
    uint64_t bad = 0;
    int i = 0;
    while (i < noutput_items) {
        const uint64_t abs = base + i;
        take_cals(abs);
        if (!d_active && d_held && d_waiting.empty() &&
            cal_mute_ended(d_cal_at, abs, d_known.frame_len(), d_logger)) {
            d_active = std::move(d_held);
            d_cal_taken = false;
            add_item_tag(0, abs, d_tag_key, pmt::from_uint64(d_active->id));
            std::lock_guard<std::mutex> lock(d_mutex);
            d_in_use = d_active;
            d_H_ended = false;
            // a setter during the mute asked for nothing (the channel was
            // ended): design its settings now, or the payload would keep the
            // old ones while work() gives the pilots the new power
            if (d_active->gen != d_params_gen)
                request_locked(0);
        }
        // without frames nothing leaves without a design (the next call takes the first)
        if (!d_active && !framed)
            break;
        if (!d_waiting.empty() && abs % L == 0) {
            // The newest design whose offset has been reached wins; older ones are dropped.
            size_t take = d_waiting.size();
            for (size_t j = 0; j < d_waiting.size(); ++j)
                if (d_waiting[j]->offset <= abs)
                    take = j;
            if (take < d_waiting.size()) {
                d_active = d_waiting[take];
                for (size_t j = 0; j <= take; ++j)
                    d_waiting_bytes -= bytes_of(*d_waiting[j]);
                d_waiting.erase(d_waiting.begin(), d_waiting.begin() + take + 1);
                add_item_tag(0, abs, d_tag_key, pmt::from_uint64(d_active->id));
                std::lock_guard<std::mutex> lock(d_mutex);
                d_in_use = d_active;
            }
        }
        // preamble, header and pilots of a tagged frame go out as they are
        // a frame holding a calibration's item says "no channel" in its header:
        // its users do not decide a payload muted from that item on
        const bool channel =
            d_active && (d_cals.empty() || d_cals.front() >= abs + d_known.frame_len());
        if (const gr_complex* kx = d_known.at(abs, channel)) {
            std::copy(kx, kx + d_n_tx, out + size_t(i) * d_n_tx);
            ++i;
            continue;
        }
        // Run to the next frame boundary only while a switch is pending.
        int run = noutput_items - i;
        if (!d_waiting.empty())
            run = static_cast<int>(std::min<uint64_t>(run, L - abs % L));
        if (!d_cals.empty()) // a calibration ends the design at its item
            run = static_cast<int>(std::min<uint64_t>(run, d_cals.front() - abs));
        const uint64_t resume = d_cal_at + cal_mute_bound_frames * d_known.frame_len();
        if (!d_active && d_held && resume > abs) // the mute's bound ends the run
            run = static_cast<int>(std::min<uint64_t>(run, resume - abs));
        run = d_known.payload_run(abs, run);
        gr_complex* x = out + size_t(i) * d_n_tx;
        if (!d_active || d_known.in_guard(abs)) {
            // a frame's payload before any design, or its guard: muted (the radio
            // sends silence)
            std::fill(x, x + size_t(run) * d_n_tx, gr_complex(0));
            add_item_tag(0, abs, mute_tag_key, pmt::from_uint64(uint64_t(run)));
        } else {
            const gr_complex* s =
                sanitize(s_in + size_t(i) * d_n_users, size_t(run) * d_n_users, d_clean_s, bad);
            if (d_external) {
                const gr_complex* b =
                    sanitize(b_in + size_t(i) * d_n_tx, size_t(run) * d_n_tx, d_clean_b, bad);
                core::superimpose_external(s, b, x, run, d_active->F, d_active->Pi);
            } else {
                core::superimpose(s, x, run, d_active->F, d_active->M, static_cast<long>(abs % L));
            }
        }
        i += run;
    }
    if (bad)
        d_nonfinite += bad;
    return i;
}

} /* namespace isac */
} /* namespace gr */
