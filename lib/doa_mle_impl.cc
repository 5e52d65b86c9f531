/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_message.h"
#include "doa_mle_impl.h"
#include "tx_reference.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <cmath>
#include <limits>

namespace gr {
namespace isac {

namespace {
/*
 * The module's receive response (docs/conventions.md): a source at theta
 * arrives as g_R(theta)_n ~ exp(-j pi n sin theta), unit norm, so theta_deg is
 * in the convention of every other block and beta_abs is the gain of the same
 * unit-norm model as isac_channel's echo. The core keeps the bistatic CRB
 * paper's midpoint reference (b^H db/dtheta = 0); a reference only rotates the
 * phase of beta, which the estimator does not report.
 */
core::array_convention receive_convention()
{
    return core::array_convention{ 0.5, -1, core::phase_ref::center, true };
}
} // namespace

doa_mle::sptr doa_mle::make(int n_rx,
                            int cpi_len,
                            const std::string& mode,
                            double grid_min_deg,
                            double grid_max_deg,
                            double grid_step_deg,
                            double noise_var,
                            double p_gauss,
                            const std::string& refine,
                            int n_tx,
                            double tx_deg,
                            const std::vector<double>& clutter_deg)
{
    core::params::doa_mle::check(n_rx,
                                 cpi_len,
                                 mode,
                                 grid_min_deg,
                                 grid_max_deg,
                                 grid_step_deg,
                                 noise_var,
                                 p_gauss,
                                 refine,
                                 n_tx,
                                 tx_deg,
                                 clutter_deg);
    // Rules a range cannot say, before any io_signature is built.
    if (n_tx > 0 && mode != "known")
        core::throw_param(
            "n_tx", std::to_string(n_tx), "0 in mode \"gaussian\" (no reference input)");
    if (!clutter_deg.empty() && (mode != "known" || n_tx == 0))
        core::throw_param(
            "clutter_deg",
            core::list_str(clutter_deg.size(), "angle"),
            "[] unless mode is \"known\" and n_tx > 0 (the block forms each "
            "patch's reference g_T(theta_q)^T x_t from the transmit "
            "vectors on in1)");
    if (clutter_deg.size() > size_t(core::doa_mle_core::max_clutter_doa))
        core::throw_param(
            "clutter_deg",
            core::list_str(clutter_deg.size(), "angle"),
            "at most " + std::to_string(core::doa_mle_core::max_clutter_doa) + " angles");
    if (!clutter_deg.empty() && p_gauss > 0.0)
        core::throw_param("p_gauss",
                          core::num_str(p_gauss),
                          "0 while clutter_deg is set (the clutter projection needs "
                          "the pure known mode)");
    const double n_grid = (double(grid_max_deg) - grid_min_deg) / grid_step_deg + 1;
    if (n_grid > 1e6 + 1)
        core::throw_param("grid_step_deg",
                          core::num_str(grid_step_deg),
                          "a step giving at most 1e6 grid points");
    {
        // The grid tables (b(theta)^H and the lag table, single precision), the
        // covariance, and the CPI itself: one item is cpi_len x n_rx samples and
        // the upstream buffer holds at least two.
        // (with clutter: Q values per grid angle and the L x Q references)
        const double grid = n_grid * (n_rx + 2.0 * clutter_deg.size()) * 16.0;
        const double item =
            double(cpi_len) * 8.0 *
            (mode == "known" ? n_rx * 1.2 + std::max(n_tx, 1) + clutter_deg.size()
                             : n_rx);
        const double total = grid + 4.0 * item + 8.0 * double(n_rx) * n_rx;
        const std::string what = "the DoA grid (" + std::to_string(long(n_grid)) +
                                 " angles x " + std::to_string(n_rx) +
                                 " antennas) and CPI buffers (" +
                                 std::to_string(cpi_len) + " snapshots x " +
                                 std::to_string(n_rx) + " antennas)";
        if (grid >= 4.0 * item)
            core::check_memory(
                "grid_step_deg", core::num_str(grid_step_deg), total, what);
        else
            core::check_memory("cpi_len", std::to_string(cpi_len), total, what);
    }
    if (mode != "known" &&
        double(cpi_len) * n_rx * n_rx > core::doa_mle_core::max_cpi_work)
        // the sample covariance costs cpi_len n_rx^2 multiply-adds per CPI
        core::throw_param("cpi_len",
                          std::to_string(cpi_len),
                          "cpi_len x n_rx^2 <= 2^34 (n_rx = " + std::to_string(n_rx) +
                              ": cpi_len <= " +
                              std::to_string(long(core::doa_mle_core::max_cpi_work /
                                                  (double(n_rx) * n_rx))) +
                              "); more takes minutes per CPI");
    const core::doa_refine rf = core::parse_doa_refine(refine);
    return gnuradio::make_block_sptr<doa_mle_impl>(n_rx,
                                                   cpi_len,
                                                   mode == "known",
                                                   grid_min_deg,
                                                   grid_max_deg,
                                                   grid_step_deg,
                                                   noise_var,
                                                   p_gauss,
                                                   rf,
                                                   n_tx,
                                                   tx_deg,
                                                   clutter_deg);
}

doa_mle_impl::doa_mle_impl(int n_rx,
                           int cpi_len,
                           bool known,
                           double grid_min_deg,
                           double grid_max_deg,
                           double grid_step_deg,
                           double noise_var,
                           double p_gauss,
                           core::doa_refine refine,
                           int n_tx,
                           double tx_deg,
                           const std::vector<double>& clutter_deg)
    : gr::sync_decimator(
          "doa_mle",
          known ? gr::io_signature::make2(2,
                                          2,
                                          sizeof(gr_complex) * n_rx,
                                          sizeof(gr_complex) * std::max(n_tx, 1))
                : gr::io_signature::make(1, 1, sizeof(gr_complex) * n_rx),
          gr::io_signature::make(1, 1, sizeof(float)),
          cpi_len),
      d_n_rx(n_rx),
      d_cpi_len(cpi_len),
      d_known(known),
      d_n_tx(n_tx),
      d_core(n_rx,
             core::deg2rad(grid_min_deg),
             core::deg2rad(grid_max_deg),
             core::deg2rad(grid_step_deg),
             noise_var,
             core_mode(known, p_gauss),
             p_gauss,
             refine,
             receive_convention()),
      d_noise_var(noise_var),
      d_p_gauss(p_gauss),
      d_tx_deg(tx_deg),
      d_clutter_deg(clutter_deg),
      d_port(pmt::mp("doa"))
{
    // One estimate per CPI: the snapshot tags of y and c (frames, the precoder's
    // isac_infeasible flags) mean nothing on it, and no consumer reads them.
    set_tag_propagation_policy(TPP_DONT);
    tx_deg_changed();
    clutter_deg_changed();
    message_port_register_out(d_port);
}

doa_mle_impl::~doa_mle_impl() {}

bool doa_mle_impl::start()
{
    d_run_cpi = 0; // the decimator's CPIs restart at item 0
    return sync_decimator::start();
}

void doa_mle_impl::noise_var_changed() { d_core.set_noise_var(d_noise_var); }

void doa_mle_impl::tx_deg_changed()
{
    if (d_n_tx > 0)
        d_g = tx_reference_steering(d_n_tx, d_tx_deg);
}

void doa_mle_impl::clutter_deg_changed()
{
    const size_t Q = d_clutter_deg.size();
    if (Q > 0 && (!d_known || d_n_tx == 0))
        core::throw_param(
            "clutter_deg",
            core::list_str(Q, "angle"),
            "[] unless mode is \"known\" and n_tx > 0 (the block forms each "
            "patch's reference from the transmit vectors on in1)");
    std::vector<double> rad(Q);
    for (size_t q = 0; q < Q; ++q)
        rad[q] = core::deg2rad(d_clutter_deg[q]);
    // same angle in the core's receive convention and on transmit (monostatic);
    // each vector's phase reference only rotates gamma_q
    d_core.set_clutter(rad);
    core::cmatf gq(std::max(d_n_tx, 0), Eigen::Index(Q));
    for (size_t q = 0; q < Q; ++q)
        gq.col(Eigen::Index(q)) = tx_reference_steering(d_n_tx, d_clutter_deg[q]);
    d_gq = std::move(gq);
}

void doa_mle_impl::p_gauss_changed()
{
    // known mode: p_gauss > 0 switches to the mixed estimator (bistatic CRB paper Sec.
    // IV-B) and back
    d_core.configure(core_mode(d_known, d_p_gauss), d_p_gauss);
}

// clang-format off
// gen_params:begin accessor_definitions
void doa_mle_impl::set_noise_var(double noise_var)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    core::check_value(core::params::doa_mle::noise_var, double(noise_var));
    set_or_restore(d_noise_var, noise_var, [&] { noise_var_changed(); });
}

double doa_mle_impl::noise_var() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_noise_var;
}

void doa_mle_impl::set_p_gauss(double p_gauss)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    core::check_value(core::params::doa_mle::p_gauss, double(p_gauss));
    set_or_restore(d_p_gauss, p_gauss, [&] { p_gauss_changed(); });
}

double doa_mle_impl::p_gauss() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_p_gauss;
}

void doa_mle_impl::set_tx_deg(double tx_deg)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    core::check_value(core::params::doa_mle::tx_deg, double(tx_deg));
    set_or_restore(d_tx_deg, tx_deg, [&] { tx_deg_changed(); });
}

double doa_mle_impl::tx_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_tx_deg;
}

void doa_mle_impl::set_clutter_deg(const std::vector<double>& clutter_deg)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    core::check_values(core::params::doa_mle::clutter_deg, clutter_deg);
    set_or_restore(d_clutter_deg, clutter_deg, [&] { clutter_deg_changed(); });
}

std::vector<double> doa_mle_impl::clutter_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_clutter_deg;
}
// gen_params:end accessor_definitions
// clang-format on

void doa_mle_impl::set_record_window(uint64_t first_cpi, uint64_t end_cpi)
{
    if (end_cpi < first_cpi)
        core::throw_param("end_cpi",
                          std::to_string(end_cpi),
                          ">= first_cpi (" + std::to_string(first_cpi) + ")");
    if (end_cpi - first_cpi >= (uint64_t(1) << 20))
        core::throw_param("end_cpi",
                          std::to_string(end_cpi),
                          "a window under 2^20 CPIs (end_cpi - first_cpi)");
    std::lock_guard<std::mutex> lock(d_rec_mutex);
    d_rec_first = first_cpi;
    d_rec_end = end_cpi;
    d_rec.clear();
}

pmt::pmt_t doa_mle_impl::recorded() const
{
    std::lock_guard<std::mutex> lock(d_rec_mutex);
    pmt::pmt_t v = pmt::make_vector(d_rec.size(), pmt::PMT_NIL);
    for (size_t k = 0; k < d_rec.size(); ++k)
        pmt::vector_set(v, k, d_rec[k]);
    return v;
}

int doa_mle_impl::work(int noutput_items,
                       gr_vector_const_void_star& input_items,
                       gr_vector_void_star& output_items)
{
    const auto y = static_cast<const core::cfloat*>(input_items[0]);
    const core::cfloat* c =
        d_known ? static_cast<const core::cfloat*>(input_items[1]) : nullptr;
    if (d_n_tx > 0)
        d_ref.resize(size_t(d_cpi_len));
    auto out = static_cast<float*>(output_items[0]);
    const double r2d2 = std::pow(180.0 / core::pi, 2);

    const work_budget budget(0.05);
    const stop_scope stop; // a stop() cancels the CPI being accumulated
    int i = 0;
    for (; i < noutput_items; ++i) {
        if (i > 0 && budget.exhausted())
            break; // large CPIs: return, so stop() and setters are served
        core::doa_result r;
        double nv = 0.0;
        try {
            // one consistent (noise_var, p_gauss, mode) per CPI
            std::lock_guard<std::mutex> lock(d_mutex);
            nv = d_core.noise_var();
            const core::cfloat* ci = c ? c + size_t(i) * d_cpi_len : nullptr;
            if (d_n_tx > 0) {
                // in1 carries x: the reference along the DoD, as steering_reference forms
                // it
                tx_reference(
                    c + size_t(i) * d_cpi_len * d_n_tx, d_cpi_len, d_g, d_ref.data());
                ci = d_ref.data();
            }
            const core::cfloat* cq = nullptr;
            if (d_gq.cols() > 0) {
                // each clutter patch's reference g_T(theta_q)^T x_t
                d_cref.resize(size_t(d_cpi_len) * d_gq.cols());
                tx_reference(
                    c + size_t(i) * d_cpi_len * d_n_tx, d_cpi_len, d_gq, d_cref.data());
                cq = d_cref.data();
            }
            r = d_core.estimate(
                y + size_t(i) * d_cpi_len * d_n_rx, d_cpi_len, ci, {}, cq);
        } catch (const std::exception& e) {
            // the core rejects only what it cannot bound; a stream never stops for it
            d_logger->warn("CPI estimate failed ({:s}); marked invalid", e.what());
            r = core::doa_result();
            r.theta_rad = r.beta_abs = r.snr_est = r.crb_rad2 =
                std::numeric_limits<double>::quiet_NaN();
        }
        if (!r.valid && stop_requested())
            break; // cancelled mid-CPI by stop(): not an estimate
        d_cpi.fetch_add(1);
        const uint64_t idx = d_run_cpi++;
        if (!r.valid) {
            d_invalid.fetch_add(1);
            // once per reason: a user who fixed one cause still hears of another
            const unsigned bit = 1u << unsigned(r.invalid);
            if (r.invalid != core::doa_invalid::none && !(d_invalid_logged & bit)) {
                d_invalid_logged |= bit;
                d_logger->warn("CPI {:d}: {:s}; estimate marked invalid (further "
                               "invalid CPIs of this kind are counted by "
                               "invalid_count(), not logged)",
                               idx,
                               core::describe(r.invalid));
            }
        }
        const bool above = r.valid && r.above_threshold;
        if (r.valid && !above) {
            // rate-limited: the first CPI in the threshold region, then at most one
            // line per 10 s with the count since the last line
            const uint64_t nb = d_below.fetch_add(1) + 1;
            const auto now = std::chrono::steady_clock::now();
            if (nb == 1 || now - d_below_logged >= std::chrono::seconds(10)) {
                const double db = 10.0 * std::log10(std::max(r.snr_int, 1e-30));
                if (nb == 1)
                    d_logger->info(
                        "CPI {:d}: estimated integrated SNR {:.1f} dB is in the ML "
                        "threshold region, where crb_deg2 understates the error (such "
                        "CPIs are counted by below_threshold_count() and noted at most "
                        "every 10 s)",
                        idx,
                        db);
                else
                    d_logger->info("{:d} CPIs in the ML threshold region since the last "
                                   "note (CPI {:d}: estimated integrated SNR {:.1f} dB)",
                                   nb - d_below_at_log,
                                   idx,
                                   db);
                d_below_logged = now;
                d_below_at_log = nb;
            }
        }
        const double th = r.valid ? core::rad2deg(r.theta_rad)
                                  : std::numeric_limits<double>::quiet_NaN();
        out[i] = float(th);
        // The dict costs microseconds per CPI: built only for a listener on the
        // port or the record window (as isac_channel's truth).
        bool keep;
        {
            std::lock_guard<std::mutex> lock(d_rec_mutex);
            keep = idx >= d_rec_first && idx < d_rec_end;
        }
        if (!keep && pmt::is_null(message_subscribers(d_port)))
            continue;
        msg_dict d;
        d.real("theta_deg", th);
        d.real("beta_abs", r.beta_abs);
        d.real("snr_est", r.snr_est);
        // target-to-noise ratio |beta|^2/sigma^2 of the unit-norm model: the
        // quantity isac_channel's target_snr_db sets (docs/conventions.md)
        d.real("tnr_est", r.beta_abs * r.beta_abs / nv);
        d.real("crb_deg2", r.crb_rad2 * r2d2);
        d.u64("cpi_index", idx);
        d.flag("valid", r.valid);
        d.flag("above_threshold", above);
        const pmt::pmt_t dict = d;
        if (keep) {
            std::lock_guard<std::mutex> lock(d_rec_mutex);
            if (idx >= d_rec_first && idx < d_rec_end) // the window may have moved
                d_rec.push_back(dict);
        }
        message_port_pub(d_port, dict);
    }
    return i;
}

} /* namespace isac */
} /* namespace gr */
