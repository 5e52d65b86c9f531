/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "ci_precoder_impl.h"
#include "csi_message.h"
#include <gnuradio/io_signature.h>
#include <algorithm>
#include <cmath>

namespace gr {
namespace isac {

namespace {
double db2lin(const char* name, float db)
{
    core::check_finite(name, db);
    return std::pow(10.0, double(db) / 10.0);
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
    core::throw_param("solver", "'" + s + "'", "'realtime', 'exact', 'lut' or 'quality'");
}

std::unique_ptr<core::ci_solver> ci_precoder_impl::build(const config& c)
{
    core::check_int_range("n_users", c.n_users, 1, 4096);
    core::check_int_range("n_tx", c.n_tx, c.n_users, 1 << 16);
    core::check_int_range("psk_order", c.psk_order, 2, 1 << 16);
    core::check_int_range("n_rx", c.n_rx, 1, 1 << 16);
    core::check_positive_finite("power", c.power);
    core::check_positive_finite("noise_var", c.noise_var);
    core::check_angle_deg("target_deg", c.target_deg);
    if (c.clutter_deg.size() != c.cnr_db.size())
        core::throw_param("cnr_db",
                          std::to_string(c.cnr_db.size()) + " values",
                          "one value per clutter_deg entry (" +
                              std::to_string(c.clutter_deg.size()) + ")");
    std::vector<double> clutter_rad, cnr;
    for (float a : c.clutter_deg) {
        core::check_angle_deg("clutter_deg", a);
        clutter_rad.push_back(core::deg2rad(a));
    }
    for (float v : c.cnr_db)
        cnr.push_back(db2lin("cnr_db", v));
    core::ci_params p;
    p.psk_order = c.psk_order;
    p.power = c.power;
    p.noise_var = c.noise_var;
    p.gamma = db2lin("gamma_db", c.gamma_db);
    p.mode = core::parse_ci_mode("mode", c.mode);
    p.chi = db2lin("chi_db", c.chi_db);
    p.one_bit_dac = core::parse_adc_model("dac", c.dac) == core::adc_model::one_bit;
    p.max_iter = c.max_iter;
    if (c.kind == solver_kind::exact)
        p.method = core::ci_method::exact;
    else if (c.kind == solver_kind::quality)
        p = core::ci_quality_params(p, c.n_tx);
    p.validate();
    core::radar_scene scene(c.n_tx,
                            c.n_rx,
                            core::deg2rad(c.target_deg),
                            clutter_rad,
                            db2lin("snr_r_db", c.snr_r_db),
                            cnr);
    return std::make_unique<core::ci_solver>(scene, c.n_users, p);
}

ci_precoder::sptr ci_precoder::make(int n_tx,
                                    int n_users,
                                    int psk_order,
                                    float power,
                                    float noise_var,
                                    float gamma_db,
                                    float target_deg,
                                    const std::vector<float>& clutter_deg,
                                    float snr_r_db,
                                    const std::vector<float>& cnr_db,
                                    int n_rx,
                                    const std::string& mode,
                                    float chi_db,
                                    const std::string& dac,
                                    const std::string& solver,
                                    int max_iter,
                                    int stats_interval)
{
    // everything is validated before the io_signatures are built
    const auto kind = ci_precoder_impl::parse_solver(solver);
    const ci_precoder_impl::config cfg{ n_tx,      n_users,  psk_order,  power,
                                        noise_var, gamma_db, target_deg, clutter_deg,
                                        snr_r_db,  cnr_db,   n_rx,       mode,
                                        chi_db,    dac,      max_iter,   kind };
    auto base = ci_precoder_impl::build(cfg);
    core::check_int_range("stats_interval", stats_interval, 1, 1 << 30);
    if (kind == ci_precoder_impl::solver_kind::lut) {
        // reject a table that cannot fit before any thread starts
        core::ci_lut probe_size(1, n_users, psk_order);
        (void)probe_size;
    }
    return gnuradio::make_block_sptr<ci_precoder_impl>(
        cfg, std::move(base), stats_interval);
}

ci_precoder_impl::ci_precoder_impl(const config& cfg,
                                   std::unique_ptr<core::ci_solver> base,
                                   int stats_interval)
    : gr::sync_block("ci_precoder",
                     gr::io_signature::make(1, 1, sizeof(gr_complex) * base->n_users()),
                     gr::io_signature::make(1, 1, sizeof(gr_complex) * base->n_tx())),
      d_base(std::move(base)),
      d_kind(cfg.kind),
      d_n_tx(d_base->n_tx()),
      d_n_users(d_base->n_users()),
      d_M(d_base->params().psk_order),
      d_stats_interval(stats_interval),
      d_stats_port(pmt::mp("stats")),
      d_csi_port(pmt::mp("csi")),
      d_tag_key(pmt::mp("isac_infeasible")),
      d_cfg(cfg),
      d_t_last(std::chrono::steady_clock::now()),
      d_known(d_n_tx, d_base->params().power)
{
    d_known.set_logger(d_logger);
    message_port_register_in(d_csi_port);
    set_msg_handler(d_csi_port, [this](const pmt::pmt_t& m) { handle_csi(m); });
    message_port_register_out(d_stats_port);
}

ci_precoder_impl::~ci_precoder_impl() { stop_lut(); }

bool ci_precoder_impl::stop()
{
    stop_lut();
    d_known.reset();
    return true;
}

void ci_precoder_impl::stop_lut()
{
    d_lut_cancel = true;
    if (d_lut_thread.joinable())
        d_lut_thread.join();
    d_lut_cancel = false;
}

void ci_precoder_impl::reconfigure(const std::function<void(config&)>& change)
{
    config c;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        c = d_cfg;
    }
    change(c);
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

void ci_precoder_impl::set_target_deg(float target_deg)
{
    reconfigure([&](config& c) { c.target_deg = target_deg; });
}

void ci_precoder_impl::set_clutter(const std::vector<float>& clutter_deg,
                                   const std::vector<float>& cnr_db)
{
    reconfigure([&](config& c) {
        c.clutter_deg = clutter_deg;
        c.cnr_db = cnr_db;
    });
}

void ci_precoder_impl::set_snr_r_db(float snr_r_db)
{
    reconfigure([&](config& c) { c.snr_r_db = snr_r_db; });
}

void ci_precoder_impl::set_gamma_db(float gamma_db)
{
    reconfigure([&](config& c) { c.gamma_db = gamma_db; });
}

void ci_precoder_impl::set_noise_var(float noise_var)
{
    reconfigure([&](config& c) { c.noise_var = noise_var; });
}

void ci_precoder_impl::set_solver(const std::string& solver)
{
    const auto kind = parse_solver(solver);
    reconfigure([&](config& c) { c.kind = kind; });
}

float ci_precoder_impl::target_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.target_deg;
}

std::vector<float> ci_precoder_impl::clutter_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.clutter_deg;
}

std::vector<float> ci_precoder_impl::cnr_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.cnr_db;
}

float ci_precoder_impl::snr_r_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.snr_r_db;
}

float ci_precoder_impl::gamma_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.gamma_db;
}

float ci_precoder_impl::noise_var() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_cfg.noise_var;
}

std::string ci_precoder_impl::solver() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    switch (d_cfg.kind) {
    case solver_kind::exact:
        return "exact";
    case solver_kind::lut:
        return "lut";
    case solver_kind::quality:
        return "quality";
    default:
        return "realtime";
    }
}

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
                              std::to_string(H[u].size()) + " entries",
                              std::to_string(d_n_tx) + " (n_tx)");
        for (int j = 0; j < d_n_tx; ++j) {
            if (!(std::isfinite(H[u][j].real()) && std::isfinite(H[u][j].imag())))
                core::throw_param("H", "non-finite entry", "finite entries");
            M(u, j) = core::cdouble(H[u][j]);
        }
    }
    std::lock_guard<std::mutex> lock(d_mutex);
    d_pending.push_back({ 0, std::move(M) }); // offset 0: from the next vector on
    d_has_channel = true;
}

void ci_precoder_impl::handle_csi(const pmt::pmt_t& msg)
{
    csi_update upd;
    std::string why;
    if (!parse_csi(msg, upd, why, d_n_users, d_n_tx)) {
        d_logger->warn("csi message ignored: {}", why);
        return;
    }
    std::lock_guard<std::mutex> lock(d_mutex);
    // Updates wait here until the stream reaches their offset. Offsets that the
    // stream never reaches (another item domain, a restarted source) would
    // pile up for ever and be re-sorted on every work() call: bound the queue
    // (isac_channel publishes at most 65536 draws ahead).
    constexpr size_t max_pending = size_t(1) << 17;
    if (d_pending.size() >= max_pending) {
        d_logger->warn("csi message dropped: {} channel updates are already waiting for "
                       "their offsets (is the offset in this block's item count?)",
                       d_pending.size());
        return;
    }
    d_pending.push_back({ upd.has_offset ? upd.offset : 0, std::move(upd.H) });
    d_has_channel = true;
}

bool ci_precoder_impl::has_channel() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_has_channel;
}

bool ci_precoder_impl::lut_ready() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_lut && d_lut_for && d_lut_for == d_solver;
}

pmt::pmt_t ci_precoder_impl::last_stats() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_last_stats;
}

void ci_precoder_impl::activate(const core::cmat& H, bool force)
{
    // a periodically re-sent, unchanged channel must not restart a table build
    if (!force && d_solver && d_solver->channel() == H)
        return;
    auto s = std::make_shared<core::ci_solver>(*d_base);
    s->set_channel(H);
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_solver = s;
    }
    if (d_kind == solver_kind::lut) {
        // the table is built with the quality settings its build budget affords;
        // direct designs while it builds stay on the real-time ones
        auto t = std::make_shared<core::ci_solver>(
            d_base->scene(),
            d_base->n_users(),
            core::ci_lut::table_params(d_base->params()));
        t->set_channel(H);
        start_lut(s, t);
    }
}

void ci_precoder_impl::start_lut(std::shared_ptr<core::ci_solver> s,
                                 std::shared_ptr<const core::ci_solver> table_solver)
{
    // a newer channel supersedes a table still being built: cancel it, then build
    // in the background while work() keeps streaming in direct mode
    stop_lut();
    d_lut_thread = std::thread([this, s, table_solver]() {
        auto lut = std::make_shared<core::ci_lut>(d_n_tx, d_n_users, d_M);
        if (!lut->build(*table_solver, &d_lut_cancel))
            return;
        std::lock_guard<std::mutex> lock(d_mutex);
        d_lut = lut;
        d_lut_for = s;
    });
}

void ci_precoder_impl::publish_stats()
{
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::chrono::duration<double>(now - d_t_last).count();
    d_t_last = now;
    const stats_acc& a = d_acc;
    const double ns = a.solved ? double(a.solved) : 1.0;
    pmt::pmt_t d = pmt::make_dict();
    auto put = [&d](const char* k, const pmt::pmt_t& v) {
        d = pmt::dict_add(d, pmt::mp(k), v);
    };
    put("vectors", pmt::from_uint64(a.vectors));
    put("vectors_per_s", pmt::from_double(dt > 0 ? a.vectors / dt : 0.0));
    put("solved", pmt::from_uint64(a.solved));
    put("lut_hits", pmt::from_uint64(a.lut_hits));
    put("solve_time_mean_us", pmt::from_double(a.time_sum / ns * 1e6));
    put("solve_time_max_us", pmt::from_double(a.time_max * 1e6));
    put("mm_iterations_mean", pmt::from_double(a.iterations / ns));
    put("infeasible", pmt::from_uint64(a.infeasible));
    put("infeasible_total", pmt::from_uint64(d_infeasible_total.load()));
    put("qscnr_db_mean",
        pmt::from_double(a.qscnr_n ? a.qscnr_db_sum / a.qscnr_n : std::nan("")));
    put("min_margin_ratio",
        pmt::from_double(std::isfinite(a.min_margin_ratio) ? a.min_margin_ratio
                                                           : std::nan("")));
    put("gap_mean", pmt::from_double(a.gap_sum / ns));
    put("gap_max", pmt::from_double(a.gap_max));
    put("bad_symbols", pmt::from_uint64(d_bad_interval));
    put("far_symbols", pmt::from_uint64(d_far_interval));
    put("bad_symbols_total", pmt::from_uint64(d_bad_total.load()));
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_last_stats = d;
    }
    message_port_pub(d_stats_port, d);
    d_acc = stats_acc();
    d_bad_interval = d_far_interval = 0;
}

int ci_precoder_impl::work(int noutput_items,
                           gr_vector_const_void_star& input_items,
                           gr_vector_void_star& output_items)
{
    const auto in = static_cast<const gr_complex*>(input_items[0]);
    auto out = static_cast<gr_complex*>(output_items[0]);
    const uint64_t base = nitems_written(0);

    std::vector<pending> local;
    std::shared_ptr<core::ci_lut> lut;
    std::shared_ptr<core::ci_solver> lut_for;
    std::shared_ptr<const core::ci_solver> next;
    solver_kind next_kind;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        next.swap(d_next);
        next_kind = d_cfg.kind;
    }
    if (next) {
        // new settings (a setter): redesign for the channel in use from here on
        if (d_kind == solver_kind::lut && next_kind != solver_kind::lut) {
            stop_lut();
            std::lock_guard<std::mutex> lock(d_mutex);
            d_lut.reset();
            d_lut_for.reset();
        }
        d_base = next;
        d_kind = next_kind;
        if (d_solver)
            activate(d_solver->channel(), true);
    }
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        local.swap(d_pending);
        lut = d_lut;
        lut_for = d_lut_for;
    }
    // stable: of two updates for the same item the later message wins
    std::stable_sort(local.begin(), local.end(), [](const pending& a, const pending& b) {
        return a.offset < b.offset;
    });
    size_t pi = 0;
    std::vector<int> k(d_n_users);
    {
        std::vector<gr::tag_t> ft;
        get_tags_in_range(ft, 0, base, base + noutput_items, frame_tag_key);
        d_known.load(ft);
    }

    for (int i = 0; i < noutput_items; ++i) {
        const uint64_t abs = base + i;
        while (pi < local.size() && local[pi].offset <= abs) {
            activate(local[pi].H);
            ++pi;
            std::lock_guard<std::mutex> lock(d_mutex);
            lut = d_lut;
            lut_for = d_lut_for;
        }
        gr_complex* o = out + size_t(i) * d_n_tx;
        // preamble, header and pilots of a tagged frame go out as they are
        if (const gr_complex* kx = d_known.at(abs, d_solver != nullptr)) {
            std::copy(kx, kx + d_n_tx, o);
            continue;
        }
        if (!d_solver) {
            if (!d_warned) {
                d_logger->warn(
                    "no channel yet (set_channel or a csi message): output is zero");
                d_warned = true;
            }
            std::fill(o, o + d_n_tx, gr_complex(0, 0));
            continue;
        }
        const gr_complex* s = in + size_t(i) * d_n_users;
        for (int u = 0; u < d_n_users; ++u) {
            bool bad = false, far = false;
            k[u] = core::psk_index(core::cdouble(s[u]), d_M, &bad, &far);
            if (bad) {
                ++d_bad_interval;
                ++d_bad_total;
            } else if (far) {
                ++d_far_interval;
            }
        }
        bool feasible;
        if (d_kind == solver_kind::lut && lut && lut_for == d_solver) {
            feasible = lut->lookup(k.data(), o);
            ++d_acc.lut_hits;
        } else {
            const auto t0 = std::chrono::steady_clock::now();
            const core::ci_result r = d_solver->solve_indices(k);
            const double dt =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                    .count();
            for (int j = 0; j < d_n_tx; ++j)
                o[j] = gr_complex(r.x[j]);
            feasible = r.feasible;
            d_acc.solved++;
            d_acc.time_sum += dt;
            d_acc.time_max = std::max(d_acc.time_max, dt);
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
        }
        if (!feasible) {
            add_item_tag(0, abs, d_tag_key, pmt::PMT_T);
            d_acc.infeasible++;
            d_infeasible_total++;
        }
        if (++d_acc.vectors >= uint64_t(d_stats_interval))
            publish_stats();
    }
    if (pi < local.size()) {
        // channels for later items stay queued
        std::lock_guard<std::mutex> lock(d_mutex);
        d_pending.insert(d_pending.begin(), local.begin() + pi, local.end());
    }
    return noutput_items;
}

} /* namespace isac */
} /* namespace gr */
