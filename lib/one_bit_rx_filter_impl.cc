/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Thin block around core::rx_filter (the batched filter/detector kernel) and
 * core::cpi_integrator: buffers, tags, messages and locking only.
 */

#include "block_utils.h"
#include "csi_message.h"
#include "one_bit_rx_filter_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/one_bit_stats.h>
#include <gnuradio/isac/core/quantize.h>
#include <algorithm>
#include <utility>

namespace gr {
namespace isac {

core::radar_scene one_bit_rx_filter_impl::make_scene(const params& p)
{
    core::check_int_range("n_tx", p.n_tx, 1, core::max_antennas);
    core::check_int_range("n_rx", p.n_rx, 1, core::max_antennas);
    core::check_angle_deg("target_deg", p.target_deg);
    core::check_clutter_count("clutter_deg", p.clutter_deg.size());
    {
        // steering and projection rows (double and single precision), the Q x Q
        // system of each snapshot, and the CPI terms of one work() call
        const double q1 = 1.0 + p.clutter_deg.size();
        const double bytes =
            48.0 * q1 * (double(p.n_tx) + p.n_rx) + 32.0 * q1 * q1 + 16.0 * q1 * 8192;
        const bool rx = p.n_rx >= p.n_tx;
        core::check_memory(rx ? "n_rx" : "n_tx",
                           std::to_string(rx ? p.n_rx : p.n_tx),
                           bytes,
                           "the receive filter's steering and projection rows (" +
                               std::to_string(long(q1)) + " angles)");
    }
    std::vector<double> clutter_rad;
    for (double c : p.clutter_deg) {
        core::check_angle_deg("clutter_deg", c);
        clutter_rad.push_back(core::deg2rad(c));
    }
    core::check_finite("snr_r_db", p.snr_r_db);
    const size_t Q = p.clutter_deg.size();
    if (!(p.cnr_db.size() == Q || (p.cnr_db.size() == 1 && Q > 0)))
        core::throw_param("cnr_db",
                          core::list_str(p.cnr_db.size(), "value"),
                          "one per clutter_deg entry (" + std::to_string(Q) +
                              ") or a single value for all");
    std::vector<double> cnr;
    for (size_t q = 0; q < Q; ++q) {
        const double db = p.cnr_db.size() == 1 ? p.cnr_db[0] : p.cnr_db[q];
        cnr.push_back(core::db_to_linear("cnr_db", db)); // the error names the dB value
    }
    return core::radar_scene(p.n_tx,
                             p.n_rx,
                             core::deg2rad(p.target_deg),
                             clutter_rad,
                             core::db_to_linear("snr_r_db", p.snr_r_db),
                             cnr);
}

std::unique_ptr<one_bit_rx_filter_impl::state>
one_bit_rx_filter_impl::build(const params& p)
{
    const core::radar_scene scene = make_scene(p);
    const auto reach = core::pfa_reach(p.adc, p.n_rx, p.cpi_len, p.pfa);
    if (!reach.reachable)
        throw core::param_error(reach.reason);
    // kappa and 1/kappa both stay normal floats
    if (!(std::isfinite(p.threshold_scale) && p.threshold_scale >= 1e-30 &&
          p.threshold_scale <= 1e30))
        core::throw_param(
            "threshold_scale", core::num_str(p.threshold_scale), "[1e-30, 1e+30]");
    return std::unique_ptr<state>(new state{
        core::rx_filter(scene,
                        p.adc,
                        p.pfa,
                        p.noise_var,
                        core::projection_kernel::automatic,
                        p.threshold,
                        p.cpi_len,
                        p.clutter),
        core::cpi_integrator(
            scene, p.adc, p.pfa, p.noise_var, p.cpi_len, p.threshold, p.weights),
        float(1.0 / p.threshold_scale) });
}

one_bit_rx_filter::sptr one_bit_rx_filter::make(int n_tx,
                                                int n_rx,
                                                double target_deg,
                                                const std::vector<double>& clutter_deg,
                                                double snr_r_db,
                                                const std::vector<double>& cnr_db,
                                                double radar_noise_var,
                                                double pfa,
                                                const std::string& adc,
                                                int cpi_len,
                                                double threshold_scale,
                                                const std::string& threshold,
                                                bool tag_detections,
                                                const std::string& clutter_model,
                                                const std::string& cpi_weights)
{
    core::params::one_bit_rx_filter::check(n_tx,
                                           n_rx,
                                           target_deg,
                                           clutter_deg,
                                           snr_r_db,
                                           cnr_db,
                                           radar_noise_var,
                                           pfa,
                                           adc,
                                           cpi_len,
                                           threshold_scale,
                                           threshold,
                                           tag_detections,
                                           clutter_model,
                                           cpi_weights);
    // Validate everything before the io_signatures are built, so the error names our
    // parameter.
    const one_bit_rx_filter_impl::params p{
        n_tx,
        n_rx,
        target_deg,
        clutter_deg,
        snr_r_db,
        cnr_db,
        radar_noise_var,
        pfa,
        core::parse_adc_model("adc", adc),
        cpi_len,
        threshold_scale,
        core::parse_threshold_model("threshold", threshold),
        tag_detections,
        core::parse_clutter_model("clutter_model", clutter_model),
        core::parse_cpi_weights("cpi_weights", cpi_weights)
    };
    auto s = one_bit_rx_filter_impl::build(p);
    return gnuradio::make_block_sptr<one_bit_rx_filter_impl>(p, std::move(s));
}

one_bit_rx_filter_impl::one_bit_rx_filter_impl(const params& p, std::unique_ptr<state> s)
    : gr::sync_block("one_bit_rx_filter",
                     gr::io_signature::make2(
                         2, 2, sizeof(gr_complex) * p.n_rx, sizeof(gr_complex) * p.n_tx),
                     gr::io_signature::make2(2, 2, sizeof(gr_complex), sizeof(float))),
      d_cpi_len(p.cpi_len),
      d_tag_detections(p.tag_detections),
      d_params(p),
      d_state(std::move(s)),
      d_stats_port(pmt::mp("stats")),
      d_set_port(pmt::mp("set")),
      d_detect_key(pmt::mp("isac_detect")),
      d_cpi_key(pmt::mp("isac_cpi")),
      d_infeasible_key(pmt::mp("isac_infeasible")),
      d_no_tx_key(pmt::mp("isac_no_tx"))
{
    // Each output carries the tags of the stream it belongs to: z (out0) those
    // of the echo r (in0), stat (out1) those of the transmit vectors x (in1:
    // frame, epoch and mute tags). All-to-all doubled the tag traffic. The
    // precoder's isac_infeasible flags stop here: they are its per-snapshot QoS
    // record (counted in its stats), the most frequent tag on x, and no consumer
    // of the detection statistic reads them (forward_tags()).
    set_tag_propagation_policy(TPP_CUSTOM);
    message_port_register_out(d_stats_port);
    message_port_register_in(d_set_port);
    set_msg_handler(d_set_port, [this](const pmt::pmt_t& msg) { handle_set(msg); });
    warn_if_coarse(p);
    const auto& table = d_state->filt.table();
    if (table && !table->tabulated())
        // beyond 4 lit clutter patches the exact variance is evaluated per snapshot
        // (O(Q^2 N_R)); say so rather than fall behind silently
        d_logger->warn("threshold=\"exact\" with {} clutter patches (> 4 with CNR > 0): "
                       "the exact H0 variance is computed per snapshot, far below real "
                       "time at large n_rx; threshold=\"theorem1\" stays real time",
                       p.clutter_deg.size());
}

one_bit_rx_filter_impl::~one_bit_rx_filter_impl() {}

bool one_bit_rx_filter_impl::start()
{
    // items count from 0 again: a partial CPI of the previous run is dropped
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        if (d_pending)
            d_state = std::move(d_pending);
    }
    d_state->cpi.reset();
    d_cpi_restarted = false; // item 0 starts a CPI: no tag needed
    // a run that starts in a muted stretch tags it: the last run's stretch ended with it
    d_no_tx_run = false;
    d_srcid = alias_pmt();
    return sync_block::start();
}

void one_bit_rx_filter_impl::apply(const params& p)
{
    auto s = build(p); // throws on invalid parameters: nothing changed yet
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_params = p;
        d_pending = std::move(s);
    }
    warn_if_coarse(p);
}

void one_bit_rx_filter_impl::warn_if_coarse(const params& p)
{
    const auto reach = coarse_reach(p);
    // keyed on the rule, with the strong-clutter CNR pinned at its limit: a rebuild
    // (a clutter change, a CNR tracker on the set port) repeats no warning, a new
    // crossing into the coarse state does
    std::string key;
    if (reach.coarse) {
        const bool strong = !core::pfa_reach(p.adc, p.n_rx, p.cpi_len, p.pfa).coarse;
        key = strong ? core::pfa_reach(
                           p.adc, p.n_rx, p.cpi_len, p.pfa, core::strong_clutter_db)
                           .reason
                     : reach.reason;
    }
    std::lock_guard<std::mutex> lock(d_mutex);
    const bool repeat = key == d_warned_coarse;
    d_warned_coarse = key;
    if (!reach.coarse || repeat)
        return;
    d_logger->warn("{} (pfa_coarse() is true)", reach.reason);
}

bool one_bit_rx_filter_impl::pfa_coarse() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return coarse_reach(d_params).coarse;
}

core::one_bit_pfa_reach one_bit_rx_filter_impl::coarse_reach(const params& p)
{
    // measured only where the clutter draw sets the sign-noise variance (Swerling-I:
    // fixed clutter showed no excess) and for the model threshold: Theorem 1's is
    // conservative there, and a calibrated threshold_scale is the warning's own remedy
    double cnr = -HUGE_VAL;
    if (p.threshold == core::threshold_model::exact &&
        p.clutter == core::clutter_model::swerling1 && p.threshold_scale == 1.0)
        for (double c : p.cnr_db)
            cnr = std::max(cnr, c);
    return core::pfa_reach(p.adc, p.n_rx, p.cpi_len, p.pfa, cnr);
}

void one_bit_rx_filter_impl::set_clutter(const std::vector<double>& clutter_deg,
                                         const std::vector<double>& cnr_db)
{
    core::check_values(core::params::one_bit_rx_filter::clutter_deg, clutter_deg);
    core::check_values(core::params::one_bit_rx_filter::cnr_db, cnr_db);
    auto p = locked_config();
    p.clutter_deg = clutter_deg;
    p.cnr_db = cnr_db;
    apply(p);
}

// clang-format off
// gen_params:begin accessor_definitions
void one_bit_rx_filter_impl::set_target_deg(double target_deg)
{
    core::check_value(core::params::one_bit_rx_filter::target_deg, double(target_deg));
    auto c = locked_config();
    c.target_deg = target_deg;
    apply(c);
}

double one_bit_rx_filter_impl::target_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_params.target_deg;
}

void one_bit_rx_filter_impl::set_clutter_deg(const std::vector<double>& clutter_deg)
{
    core::check_values(core::params::one_bit_rx_filter::clutter_deg, clutter_deg);
    auto c = locked_config();
    c.clutter_deg = clutter_deg;
    apply(c);
}

std::vector<double> one_bit_rx_filter_impl::clutter_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_params.clutter_deg;
}

void one_bit_rx_filter_impl::set_snr_r_db(double snr_r_db)
{
    core::check_value(core::params::one_bit_rx_filter::snr_r_db, double(snr_r_db));
    auto c = locked_config();
    c.snr_r_db = snr_r_db;
    apply(c);
}

double one_bit_rx_filter_impl::snr_r_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_params.snr_r_db;
}

void one_bit_rx_filter_impl::set_cnr_db(const std::vector<double>& cnr_db)
{
    core::check_values(core::params::one_bit_rx_filter::cnr_db, cnr_db);
    auto c = locked_config();
    c.cnr_db = cnr_db;
    apply(c);
}

std::vector<double> one_bit_rx_filter_impl::cnr_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_params.cnr_db;
}

void one_bit_rx_filter_impl::set_radar_noise_var(double radar_noise_var)
{
    core::check_value(core::params::one_bit_rx_filter::radar_noise_var, double(radar_noise_var));
    auto c = locked_config();
    c.noise_var = radar_noise_var;
    apply(c);
}

double one_bit_rx_filter_impl::radar_noise_var() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_params.noise_var;
}

void one_bit_rx_filter_impl::set_pfa(double pfa)
{
    core::check_value(core::params::one_bit_rx_filter::pfa, double(pfa));
    auto c = locked_config();
    c.pfa = pfa;
    apply(c);
}

double one_bit_rx_filter_impl::pfa() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_params.pfa;
}

std::string one_bit_rx_filter_impl::adc() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_params.adc == core::adc_model::one_bit ? "1bit" : "inf";
}

int one_bit_rx_filter_impl::cpi_len() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_params.cpi_len;
}

void one_bit_rx_filter_impl::set_threshold_scale(double threshold_scale)
{
    core::check_value(core::params::one_bit_rx_filter::threshold_scale, double(threshold_scale));
    auto c = locked_config();
    c.threshold_scale = threshold_scale;
    apply(c);
}

double one_bit_rx_filter_impl::threshold_scale() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_params.threshold_scale;
}

std::string one_bit_rx_filter_impl::threshold() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_params.threshold == core::threshold_model::exact ? "exact" : "theorem1";
}

bool one_bit_rx_filter_impl::tag_detections() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_params.tag_detections;
}

std::string one_bit_rx_filter_impl::clutter_model() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return core::clutter_model_name(d_params.clutter);
}

std::string one_bit_rx_filter_impl::cpi_weights() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return core::cpi_weights_name(d_params.weights);
}

void one_bit_rx_filter_impl::apply_set(const set_values& v)
{
    auto c = locked_config();
    v.get("target_deg", c.target_deg);
    v.get("clutter_deg", c.clutter_deg);
    v.get("snr_r_db", c.snr_r_db);
    v.get("cnr_db", c.cnr_db);
    v.get("radar_noise_var", c.noise_var);
    v.get("pfa", c.pfa);
    v.get("threshold_scale", c.threshold_scale);
    apply(c);
}
// gen_params:end accessor_definitions
// clang-format on

namespace {
core::cvec checked_x(const std::vector<gr_complex>& x, int n_tx)
{
    if (int(x.size()) != n_tx)
        core::throw_param("x",
                          core::list_str(x.size(), "entry", "entries"),
                          std::to_string(n_tx) + " (n_tx)");
    core::cvec xv(n_tx);
    for (int i = 0; i < n_tx; ++i)
        xv[i] = core::cdouble(x[i]);
    if (!xv.allFinite())
        core::throw_param("x", "non-finite entries", "finite values");
    return xv;
}
} // namespace

double one_bit_rx_filter_impl::expected_metric(const std::vector<gr_complex>& x) const
{
    const params p = locked_config();
    const core::cvec xv = checked_x(x, p.n_tx);
    const core::radar_scene scene = make_scene(p);
    if (p.threshold == core::threshold_model::theorem1)
        return scene.metric(xv, p.adc);
    return core::exact_deflection(
        scene, core::arcsine_stats(scene), scene.couplings(xv), p.adc);
}

double one_bit_rx_filter_impl::expected_pd(const std::vector<gr_complex>& x) const
{
    const params p = locked_config();
    const core::cvec xv = checked_x(x, p.n_tx);
    const core::radar_scene scene = make_scene(p);
    // the ideal ADC's |z| is Rayleigh under both hypotheses (eq. 16 with the SCNR);
    // Theorem 1 predicts eq. 16 with its QSCNR
    if (p.adc == core::adc_model::ideal || p.threshold == core::threshold_model::theorem1)
        return core::detection_probability(p.pfa, scene.metric(xv, p.adc));
    return core::predicted_pd(scene,
                              *core::cached_threshold_table(scene, p.pfa, 1, p.clutter),
                              scene.couplings(xv));
}

void one_bit_rx_filter_impl::handle_set(const pmt::pmt_t& msg)
{
    std::string why;
    if (!apply_set_message(
            msg,
            core::params::one_bit_rx_filter::all,
            [this](const set_values& v) { apply_set(v); },
            why))
        d_logger->warn(set_rejected(why));
}

void one_bit_rx_filter_impl::forward_tags(int n)
{
    for (int port = 0; port < 2; ++port) {
        const uint64_t r0 = nitems_read(port), w0 = nitems_written(port);
        d_tags.clear();
        get_tags_in_range(d_tags, port, r0, r0 + uint64_t(n));
        for (const auto& t : d_tags)
            // isac_cpi on stat means "the filter restarted its CPI here" (its
            // readers realign on it): x's own would be taken for one
            if (port == 0 ||
                !(pmt::eq(t.key, d_infeasible_key) || pmt::eq(t.key, d_cpi_key)))
                add_item_tag(port, t.offset - r0 + w0, t.key, t.value, t.srcid);
    }
}

int one_bit_rx_filter_impl::work(int noutput_items,
                                 gr_vector_const_void_star& input_items,
                                 gr_vector_void_star& output_items)
{
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        if (d_pending) {
            d_state = std::move(d_pending); // a fresh CPI integrator comes with it
            d_cpi_restarted = true;         // tagged at the next item written
        }
    }
    const gr_complex* r = static_cast<const gr_complex*>(input_items[0]);
    const auto x = static_cast<const gr_complex*>(input_items[1]);
    auto z = static_cast<gr_complex*>(output_items[0]);
    auto stat = static_cast<float*>(output_items[1]);
    const bool cpi = d_cpi_len > 1;
    const int Q1 = d_state->filt.n_terms();
    const int nr = d_state->filt.scene().n_rx();

    // A 1-bit receiver only has the signs of r: taking them here makes the
    // statistic independent of the input's scale (an unquantised or 1e38 input
    // cannot fake a detection). NaN components stay NaN: those snapshots are
    // counted and never detected.
    if (d_state->filt.adc() == core::adc_model::one_bit) {
        const size_t nf = size_t(2) * nr * noutput_items;
        d_signs.resize(nf);
        const float* rf = reinterpret_cast<const float*>(r);
        if (core::one_bit_quantize(rf, d_signs.data(), nf, 1.0f))
            for (size_t i = 0; i < nf; ++i)
                if (std::isnan(rf[i]))
                    d_signs[i] = rf[i];
        r = reinterpret_cast<const gr_complex*>(d_signs.data());
    }

    // Q x Q solves per snapshot make large scenes slow: process in chunks and
    // return within the budget (stop(), setters and messages never wait long).
    d_status.resize(noutput_items);
    if (cpi) {
        d_terms.resize(size_t(noutput_items) * Q1);
        d_ends.resize(noutput_items);
    }
    const double per =
        1.0 * Q1 * Q1 * Q1 / 3 + 8.0 * Q1 * (nr + d_state->filt.scene().n_tx());
    const int chunk = int(std::max(1.0, std::min(double(noutput_items), 2e7 / per)));
    // One snapshot of a large scene (512 clutter patches, the exact threshold
    // evaluated per snapshot) costs ~0.2 s of CPU, seconds on a loaded host:
    // the kernel checks the flowgraph's stop() between its stages and returns
    // the snapshots it completed (stop_scope, core/cancel.h).
    const stop_scope stopping;
    const work_budget budget(0.05);
    int n = 0;
    while (n < noutput_items) {
        if (n > 0 && budget.exhausted())
            break;
        const int b = std::min(chunk, noutput_items - n);
        const int done =
            d_state->filt.process(r + size_t(n) * nr,
                                  x + size_t(n) * d_state->filt.scene().n_tx(),
                                  b,
                                  z + n,
                                  stat + n,
                                  d_status.data() + n,
                                  cpi ? d_terms.data() + size_t(n) * Q1 : nullptr);
        n += done;
        if (done < b)
            break; // stopping
    }

    uint64_t degenerate = 0, nan = 0, detections = 0, no_decision = 0;
    for (int l = 0; l < n; ++l) {
        degenerate += d_status[l] == core::snapshot_status::degenerate ||
                      d_status[l] == core::snapshot_status::no_tx;
        nan += d_status[l] == core::snapshot_status::non_finite;
    }

    forward_tags(n);
    const uint64_t n0 = nitems_written(0);
    if (cpi) {
        std::vector<gr::tag_t> tags;
        get_tags_in_window(tags, 0, 0, n, d_cpi_key);
        std::sort(tags.begin(), tags.end(), gr::tag_t::offset_compare);
        const uint64_t r0 = nitems_read(0); // tag offsets count input items
        size_t k = 0;
        // consumed once: with an isac_cpi tag on item 0 too, the swap's restart
        // and the tag's are one restart (evaluated in the loop, a tagged item 0
        // would leave it pending for a second restart further on)
        const bool swapped = n > 0 && std::exchange(d_cpi_restarted, false);
        for (int l = 0; l < n; ++l) {
            // an isac_cpi tag starts a new CPI at this item (a partial one is dropped)
            bool restart = false;
            while (k < tags.size() && tags[k].offset <= r0 + l)
                restart |= tags[k++].offset == r0 + l;
            if (restart || (l == 0 && swapped)) {
                d_state->cpi.reset();
                // the statistic's readers (cpi_decimator, a period
                // detection_meter) count CPI ends from here on
                add_item_tag(
                    1, n0 + l, d_cpi_key, pmt::from_uint64(uint64_t(d_cpi_len)), d_srcid);
            }
            core::cdouble Z;
            double s;
            stat[l] = 0.0f;
            d_ends[l] =
                d_state->cpi.add(z[l], &d_terms[size_t(l) * Q1], d_status[l], Z, s);
            if (d_ends[l])
                stat[l] = float(s);
        }
        if (!d_cap_logged && d_state->cpi.uncrossed_cpis() > 0) {
            d_cap_logged = true;
            d_logger->info("a CPI had more than {} distinct x: its threshold leaves the "
                           "distortion cross terms out (bounded cost; the Pfa model "
                           "of docs/one_bit_rx_filter.md without them)",
                           core::cpi_integrator::cross_max_x);
        }
    }
    const float inv_scale = d_state->inv_scale;
    for (int l = 0; l < n; ++l) {
        if (stat[l] == core::no_decision) { // nothing transmitted: not scaled, no test
            ++no_decision;
            // one tag per stretch without transmission, not per CPI: with cpi_len = 1
            // a muted section is thousands of them; the -1 marks each
            if (d_tag_detections && !std::exchange(d_no_tx_run, true)) {
                const pmt::pmt_t v = pmt::from_uint64(uint64_t(d_cpi_len));
                add_item_tag(0, n0 + l, d_no_tx_key, v, d_srcid);
                add_item_tag(1, n0 + l, d_no_tx_key, v, d_srcid);
            }
            continue;
        }
        if (!cpi || d_ends[l])
            d_no_tx_run = false; // a decision ends the stretch
        stat[l] *= inv_scale;
        if (!std::isfinite(stat[l])) { // a huge statistic times 1/threshold_scale
            stat[l] = 0.0f;
            ++nan;
            continue;
        }
        if (stat[l] >= 1.0f) {
            ++detections;
            if (!d_tag_detections)
                continue;
            const pmt::pmt_t v = pmt::from_double(stat[l]);
            add_item_tag(0, n0 + l, d_detect_key, v, d_srcid);
            add_item_tag(1, n0 + l, d_detect_key, v, d_srcid);
        }
    }

    d_items += n;
    d_detections += detections;
    if (no_decision && d_no_decision.load() == 0)
        d_logger->info("no decision on {} output(s) whose snapshots transmitted nothing "
                       "(x = 0: muted sections, TDD guards): statistic -1, counted by "
                       "no_decision_count()",
                       no_decision);
    if (degenerate || nan || no_decision) {
        const uint64_t dt = d_degenerate.fetch_add(degenerate) + degenerate;
        const uint64_t nt = d_nan.fetch_add(nan) + nan;
        const uint64_t nd = d_no_decision.fetch_add(no_decision) + no_decision;
        msg_dict d;
        d.u64("items", d_items);
        d.u64("detection_count", d_detections.load());
        d.u64("degenerate_count", dt);
        d.u64("nan_count", nt);
        d.u64("no_decision_count", nd);
        message_port_pub(d_stats_port, d);
    }
    return n;
}

} /* namespace isac */
} /* namespace gr */
