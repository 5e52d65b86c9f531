/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_message.h"
#include "isac_channel_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

namespace gr {
namespace isac {

namespace {
// Degrees at the surface, radians in the core: round the way back to 1e-9 deg
// so that a getter returns the value that was set (10, not 9.999999999999998).
double to_deg(double rad) { return std::round(core::rad2deg(rad) * 1e9) / 1e9; }

std::vector<double> rad_to_deg(const std::vector<double>& rad)
{
    std::vector<double> d;
    for (double r : rad)
        d.push_back(to_deg(r));
    return d;
}

// The default clutter_deg as make() has it (its "[a, b]" text in the parameter table,
// generated from the same descriptor as the make() default).
std::vector<double> default_clutter_deg()
{
    std::vector<double> v;
    std::string t = core::params::isac_channel::clutter_deg.def;
    for (char& c : t)
        if (c == '[' || c == ']' || c == ',')
            c = ' ';
    std::istringstream in(t);
    for (double d; in >> d;)
        v.push_back(d);
    return v;
}

bool radar_fields_differ(const core::channel_params& a, const core::channel_params& b)
{
    return a.target_rad != b.target_rad || a.tx_rad != b.tx_rad || a.rx_rad != b.rx_rad ||
           a.target_snr_db != b.target_snr_db || a.clutter_rad != b.clutter_rad ||
           a.cnr_db != b.cnr_db || a.radar_noise_var != b.radar_noise_var;
}
} // namespace

isac_channel::sptr isac_channel::make(int n_tx,
                                      int n_users,
                                      int n_rx,
                                      const std::string& comm_model,
                                      const std::vector<double>& user_deg,
                                      const std::vector<double>& comm_noise_var,
                                      double rician_k_db,
                                      int64_t coherence,
                                      int64_t seed,
                                      const std::string& geometry,
                                      double target_deg,
                                      double tx_deg,
                                      double rx_deg,
                                      double target_snr_db,
                                      const std::vector<double>& clutter_deg,
                                      const std::vector<double>& cnr_db,
                                      double radar_noise_var,
                                      const std::string& gain_model,
                                      int64_t cpi_len,
                                      int64_t target_delay,
                                      int64_t csi_lead)
{
    core::params::isac_channel::check(n_tx,
                                      n_users,
                                      n_rx,
                                      comm_model,
                                      user_deg,
                                      comm_noise_var,
                                      rician_k_db,
                                      coherence,
                                      seed,
                                      geometry,
                                      target_deg,
                                      tx_deg,
                                      rx_deg,
                                      target_snr_db,
                                      clutter_deg,
                                      cnr_db,
                                      radar_noise_var,
                                      gain_model,
                                      cpi_len,
                                      target_delay,
                                      csi_lead);
    // Validate everything before the io_signatures are built, so the error
    // names our parameter and its allowed range.
    core::channel_params p;
    p.n_tx = n_tx;
    p.n_users = n_users;
    p.n_rx = n_rx;
    p.comm = core::parse_comm_model(comm_model);
    p.user_rad = core::angle_deg_to_rad("user_deg", user_deg);
    p.comm_noise_var = comm_noise_var;
    p.rician_k_db = rician_k_db;
    p.coherence = coherence;
    p.seed = uint64_t(seed);
    p.geometry = core::parse_geometry(geometry);
    p.target_rad = core::angle_deg_to_rad("target_deg", target_deg);
    p.tx_rad = core::angle_deg_to_rad("tx_deg", tx_deg);
    p.rx_rad = core::angle_deg_to_rad("rx_deg", rx_deg);
    p.target_snr_db = target_snr_db;
    p.clutter_rad = core::angle_deg_to_rad("clutter_deg", clutter_deg);
    p.cnr_db = cnr_db;
    p.radar_noise_var = radar_noise_var;
    p.gains = core::parse_gain_model(gain_model);
    p.cpi_len = cpi_len;
    p.target_delay = target_delay;
    p.validate();
    {
        // steering/coupling matrices per echo (double and split single precision),
        // H and its split copy, the delay line, and one item of each output
        const double e = 1.0 + p.clutter_rad.size();
        const double bytes = 24.0 * e * (double(n_tx) + n_rx) +
                             24.0 * n_users * double(n_tx) + 8.0 * double(target_delay) +
                             64.0 * (n_rx + n_users + n_tx);
        core::check_memory(n_rx >= n_tx ? "n_rx" : "n_tx",
                           std::to_string(n_rx >= n_tx ? n_rx : n_tx),
                           bytes,
                           "the channel's steering and coupling matrices");
    }
    if (coherence > 0) {
        // Draws announced ahead are kept in memory until they take effect.
        const int64_t ahead = csi_lead / coherence + 1;
        if (ahead > 65536 || ahead * n_users * n_tx > (int64_t(1) << 24))
            core::throw_param("csi_lead",
                              std::to_string(csi_lead),
                              "(csi_lead/coherence + 1) <= 65536 and "
                              "(csi_lead/coherence + 1) * n_users * n_tx <= 2^24");
    }
    return gnuradio::make_block_sptr<isac_channel_impl>(p, uint64_t(csi_lead));
}

isac_channel_impl::isac_channel_impl(const core::channel_params& p, uint64_t csi_lead)
    : gr::sync_block(
          "isac_channel",
          gr::io_signature::make(1, 1, sizeof(gr_complex) * p.n_tx),
          gr::io_signature::make2(
              2, 2, sizeof(gr_complex) * p.n_users, sizeof(gr_complex) * p.n_rx)),
      d_model(p),
      d_csi_lead(csi_lead),
      d_csi_port(pmt::mp("csi")),
      d_truth_port(pmt::mp("truth")),
      d_set_port(pmt::mp("set")),
      d_resync_port(pmt::mp("resync")),
      d_cpi_key(pmt::mp("isac_cpi")),
      d_snap_key(pmt::mp(snap_tag_key)),
      d_set{ rad_to_deg(p.user_rad), p.comm_noise_var,          p.rician_k_db,
             to_deg(p.target_rad),   to_deg(p.tx_rad),          to_deg(p.rx_rad),
             p.target_snr_db,        rad_to_deg(p.clutter_rad), p.cnr_db,
             p.radar_noise_var }
{
    message_port_register_out(d_csi_port);
    message_port_register_out(d_truth_port);
    message_port_register_in(d_set_port);
    set_msg_handler(d_set_port, [this](const pmt::pmt_t& msg) { handle_set(msg); });
    message_port_register_in(d_resync_port);
    set_msg_handler(d_resync_port, [this](const pmt::pmt_t&) {
        // A (re)appearing transmitter needs the channel now, whatever the message
        // says, and may send no snapshot before it has one: publish from here.
        std::lock_guard<std::mutex> lock(d_mutex);
        publish_csi(model().position());
        d_csi_dirty = false;
        d_next_pub = model().comm_draw_index() + 1;
        publish_ahead(model().position());
    });
    // The default clutter belongs to the default (monostatic) scene: a bistatic channel
    // built with it, e.g. from GRC where the geometry hides clutter_deg, is not told off.
    if (p.geometry == core::radar_geometry::bistatic && !d_set.clutter_deg.empty() &&
        d_set.clutter_deg != default_clutter_deg())
        d_logger->warn("clutter_deg is ignored in the bistatic geometry (echo: "
                       "beta g(rx_deg) g(tx_deg)^T x + n, unit-norm steering vectors)");
}

isac_channel_impl::~isac_channel_impl() {}

bool isac_channel_impl::start()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_srcid = pmt::mp(alias()); // the alias is final once the flowgraph starts
    if (d_started) {
        // Items count from 0 again: the simulation restarts from its seed with the
        // current parameters (draws, CPI counter, delay line), so offsets and tags
        // match the new item count.
        d_model.restart_from_seed(alias());
    }
    d_started = true;
    d_cpi_tag_pending = true;
    d_truth_dirty = false;
    d_index_delta = 0;
    d_peer_session = 0;
    std::random_device rd;
    do
        d_session = uint64_t(rd()) & 0xffffffffu;
    while (d_session == 0);
    // Published at start so precoders wired to "csi" have H before the first
    // snapshot; offset = the snapshot where the current draw took effect.
    publish_csi(model().comm_draw_start());
    d_csi_dirty = false;
    d_next_pub = model().comm_draw_index() + 1;
    publish_ahead(model().position());
    return sync_block::start();
}

void isac_channel_impl::publish_ahead(uint64_t pos)
{
    const auto coh = uint64_t(model().params().coherence);
    if (coh == 0)
        return; // static channel: only draw 0, published at start
    const bool listened = csi_listened();
    while (d_next_pub <= (pos + d_csi_lead) / coh) { // no overflow for huge coherence
        if (!listened) { // the draws are the same whether drawn ahead or on time
            ++d_next_pub;
            continue;
        }
        message_port_pub(d_csi_port,
                         make_csi(model().H_of_draw(d_next_pub),
                                  peer_offset(d_next_pub * coh),
                                  epoch_of(d_next_pub)));
        ++d_next_pub;
    }
}

uint64_t isac_channel_impl::peer_offset(uint64_t pos) const
{
    const int64_t o = int64_t(pos) + d_index_delta;
    return o < 0 ? 0 : uint64_t(o);
}

bool isac_channel_impl::csi_listened()
{
    // Subscriptions are set when the flowgraph starts. At 4096 x 4096 each csi
    // message is 128 MiB that nobody would read.
    return pmt::length(message_subscribers(d_csi_port)) > 0;
}

void isac_channel_impl::publish_csi(uint64_t offset)
{
    if (!csi_listened())
        return;
    message_port_pub(
        d_csi_port,
        make_csi(model().H(), peer_offset(offset), epoch_of(model().comm_draw_index())));
}

void isac_channel_impl::handle_snap_tags(int n)
{
    std::vector<gr::tag_t> tags;
    get_tags_in_window(tags, 0, 0, n, d_snap_key);
    for (const auto& t : tags) {
        if (!pmt::is_dict(t.value))
            continue;
        const pmt::pmt_t idx = pmt::dict_ref(t.value, pmt::mp("index"), pmt::PMT_NIL);
        const pmt::pmt_t ses = pmt::dict_ref(t.value, pmt::mp("session"), pmt::PMT_NIL);
        if (!pmt::is_uint64(idx) || !pmt::is_uint64(ses))
            continue;
        d_index_delta = int64_t(pmt::to_uint64(idx)) - int64_t(t.offset);
        const uint64_t s = pmt::to_uint64(ses);
        if (s != d_peer_session) {
            // a new transmitter session: it needs the channel in its own index
            d_peer_session = s;
            d_csi_dirty = true;
        }
    }
}

void isac_channel_impl::publish_truth(uint64_t offset)
{
    // Building the dict costs microseconds per CPI; skip it when nobody listens.
    if (pmt::is_null(message_subscribers(d_truth_port)))
        return;
    const auto& p = model().params();
    const core::cvec g = model().gains();
    const core::rvec z = model().zeta2();
    std::vector<std::complex<double>> gv(g.data(), g.data() + g.size());
    std::vector<double> zv(z.data(), z.data() + z.size());
    msg_dict d;
    d.u64("cpi", model().cpi_index());
    d.u64("cpi_start", model().cpi_start());
    d.u64("offset", offset);
    d.text("geometry", core::to_string(p.geometry));
    d.complexes("gamma", gv);
    d.reals("zeta2", zv);
    d.real("radar_noise_var", p.radar_noise_var);
    d.real("target_snr_db", p.target_snr_db);
    d.i64("target_delay", p.target_delay);
    if (p.geometry == core::radar_geometry::monostatic) {
        const auto cl = rad_to_deg(p.clutter_rad);
        std::vector<double> ang{ to_deg(p.target_rad) };
        ang.insert(ang.end(), cl.begin(), cl.end());
        d.real("target_deg", ang[0]);
        d.reals("clutter_deg", cl);
        d.reals("cnr_db", p.cnr_db);
        d.reals("angles_deg", ang);
    } else {
        d.real("tx_deg", to_deg(p.tx_rad));
        d.real("rx_deg", to_deg(p.rx_rad));
    }
    message_port_pub(d_truth_port, d);
}

void isac_channel_impl::apply_locked(const core::channel_params& q)
{
    const core::cmat H0 = model().H();
    const core::channel_params old = model().params();
    model().apply(q); // validates; leaves the state unchanged on error
    if ((H0.array() != model().H().array()).any())
        d_csi_dirty = true;
    if (radar_fields_differ(old, model().params()))
        d_truth_dirty = true;
}

void isac_channel_impl::redraw()
{
    core::channel_params q = model().params();
    q.user_rad = core::angle_deg_to_rad("user_deg", d_set.user_deg);
    q.comm_noise_var = d_set.comm_noise_var;
    q.rician_k_db = d_set.rician_k_db;
    q.target_rad = core::angle_deg_to_rad("target_deg", d_set.target_deg);
    q.tx_rad = core::angle_deg_to_rad("tx_deg", d_set.tx_deg);
    q.rx_rad = core::angle_deg_to_rad("rx_deg", d_set.rx_deg);
    q.target_snr_db = d_set.target_snr_db;
    q.clutter_rad = core::angle_deg_to_rad("clutter_deg", d_set.clutter_deg);
    q.cnr_db = d_set.cnr_db;
    q.radar_noise_var = d_set.radar_noise_var;
    apply_locked(q);
}

void isac_channel_impl::handle_set(const pmt::pmt_t& msg)
{
    std::string why;
    if (!apply_set_message(
            msg,
            core::params::isac_channel::all,
            [this](const set_values& v) { apply_set(v); },
            why))
        d_logger->warn(set_rejected(why));
}

void isac_channel_impl::set_clutter(const std::vector<double>& clutter_deg,
                                    const std::vector<double>& cnr_db)
{
    core::check_values(core::params::isac_channel::clutter_deg, clutter_deg);
    core::check_length(
        core::params::isac_channel::cnr_db, cnr_db.size(), { long(clutter_deg.size()) });
    core::check_values(core::params::isac_channel::cnr_db, cnr_db);
    change_values([&] {
        d_set.clutter_deg = clutter_deg;
        d_set.cnr_db = cnr_db;
    });
}

// clang-format off
// gen_params:begin accessor_definitions
void isac_channel_impl::set_user_deg(const std::vector<double>& user_deg)
{
    change_values([&] {
        core::check_values(core::params::isac_channel::user_deg, user_deg);
        d_set.user_deg = user_deg;
    });
}

std::vector<double> isac_channel_impl::user_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_set.user_deg;
}

void isac_channel_impl::set_comm_noise_var(const std::vector<double>& comm_noise_var)
{
    change_values([&] {
        core::check_length(core::params::isac_channel::comm_noise_var, comm_noise_var.size(), { long(1), long(model().params().n_users) });
        core::check_values(core::params::isac_channel::comm_noise_var, comm_noise_var);
        d_set.comm_noise_var = comm_noise_var;
    });
}

std::vector<double> isac_channel_impl::comm_noise_var() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_set.comm_noise_var;
}

void isac_channel_impl::set_rician_k_db(double rician_k_db)
{
    change_values([&] {
        core::check_value(core::params::isac_channel::rician_k_db, double(rician_k_db));
        d_set.rician_k_db = rician_k_db;
    });
}

double isac_channel_impl::rician_k_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_set.rician_k_db;
}

void isac_channel_impl::set_target_deg(double target_deg)
{
    change_values([&] {
        core::check_value(core::params::isac_channel::target_deg, double(target_deg));
        d_set.target_deg = target_deg;
    });
}

double isac_channel_impl::target_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_set.target_deg;
}

void isac_channel_impl::set_tx_deg(double tx_deg)
{
    change_values([&] {
        core::check_value(core::params::isac_channel::tx_deg, double(tx_deg));
        d_set.tx_deg = tx_deg;
    });
}

double isac_channel_impl::tx_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_set.tx_deg;
}

void isac_channel_impl::set_rx_deg(double rx_deg)
{
    change_values([&] {
        core::check_value(core::params::isac_channel::rx_deg, double(rx_deg));
        d_set.rx_deg = rx_deg;
    });
}

double isac_channel_impl::rx_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_set.rx_deg;
}

void isac_channel_impl::set_target_snr_db(double target_snr_db)
{
    change_values([&] {
        core::check_value(core::params::isac_channel::target_snr_db, double(target_snr_db));
        d_set.target_snr_db = target_snr_db;
    });
}

double isac_channel_impl::target_snr_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_set.target_snr_db;
}

void isac_channel_impl::set_clutter_deg(const std::vector<double>& clutter_deg)
{
    change_values([&] {
        core::check_values(core::params::isac_channel::clutter_deg, clutter_deg);
        d_set.clutter_deg = clutter_deg;
    });
}

std::vector<double> isac_channel_impl::clutter_deg() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_set.clutter_deg;
}

void isac_channel_impl::set_cnr_db(const std::vector<double>& cnr_db)
{
    change_values([&] {
        core::check_length(core::params::isac_channel::cnr_db, cnr_db.size(), { long(d_set.clutter_deg.size()) });
        core::check_values(core::params::isac_channel::cnr_db, cnr_db);
        d_set.cnr_db = cnr_db;
    });
}

std::vector<double> isac_channel_impl::cnr_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_set.cnr_db;
}

void isac_channel_impl::set_radar_noise_var(double radar_noise_var)
{
    change_values([&] {
        core::check_value(core::params::isac_channel::radar_noise_var, double(radar_noise_var));
        d_set.radar_noise_var = radar_noise_var;
    });
}

double isac_channel_impl::radar_noise_var() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_set.radar_noise_var;
}

void isac_channel_impl::apply_set(const set_values& v)
{
    change_values([&] {
        v.get("user_deg", d_set.user_deg);
        v.get("comm_noise_var", d_set.comm_noise_var);
        v.get("rician_k_db", d_set.rician_k_db);
        v.get("target_deg", d_set.target_deg);
        v.get("tx_deg", d_set.tx_deg);
        v.get("rx_deg", d_set.rx_deg);
        v.get("target_snr_db", d_set.target_snr_db);
        v.get("clutter_deg", d_set.clutter_deg);
        v.get("cnr_db", d_set.cnr_db);
        v.get("radar_noise_var", d_set.radar_noise_var);
    });
}
// gen_params:end accessor_definitions
// clang-format on

// ---- getters ---------------------------------------------------------------
std::vector<gr_complex> isac_channel_impl::channel() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const core::cmat& H = model().H();
    std::vector<gr_complex> v(H.size());
    for (Eigen::Index i = 0; i < H.rows(); ++i)
        for (Eigen::Index j = 0; j < H.cols(); ++j)
            v[i * H.cols() + j] = gr_complex(H(i, j));
    return v;
}
std::vector<gr_complex> isac_channel_impl::gains() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const core::cvec g = model().gains();
    std::vector<gr_complex> v(g.size());
    for (Eigen::Index i = 0; i < g.size(); ++i)
        v[i] = gr_complex(g[i]);
    return v;
}
uint64_t isac_channel_impl::seed_used() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return model().seed_used();
}
uint64_t isac_channel_impl::nonfinite_count() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return model().nonfinite_inputs() + model().overflow_snapshots();
}

// ---- work ------------------------------------------------------------------
int isac_channel_impl::work(int noutput_items,
                            gr_vector_const_void_star& input_items,
                            gr_vector_void_star& output_items)
{
    // The whole call runs under the lock: a setter never splits a snapshot
    // and takes effect at the first snapshot of the next call.
    std::lock_guard<std::mutex> lock(d_mutex);
    const auto& p = model().params();
    const auto in = static_cast<const core::cfloat*>(input_items[0]);
    auto y = static_cast<core::cfloat*>(output_items[0]);
    auto r = static_cast<core::cfloat*>(output_items[1]);

    handle_snap_tags(noutput_items);
    if (d_csi_dirty) {
        // H changed by a setter: from now on, and the draws already published
        // ahead are published again with the new angles.
        publish_csi(model().position());
        d_csi_dirty = false;
        d_next_pub = model().comm_draw_index() + 1;
    }
    // Large arrays with many clutter patches cost milliseconds per snapshot: work
    // in chunks and return within the budget, so stop() and setters never wait.
    const long per =
        long(p.n_rx) * (1 + long(p.clutter_rad.size())) + long(p.n_tx) * (p.n_users + 2);
    const long chunk = std::max(1L, (1L << 22) / std::max(1L, per));
    const work_budget budget(0.05);
    long done = 0;
    while (done < noutput_items) {
        if (done > 0 && budget.exhausted())
            break;
        publish_ahead(model().position()); // before the draw it announces
        if (model().comm_due())
            model().draw_comm();
        if (model().cpi_due()) {
            model().draw_gains();
            d_cpi_tag_pending = true;
        }
        if (d_cpi_tag_pending) {
            add_item_tag(1,
                         model().position(),
                         d_cpi_key,
                         pmt::from_uint64(model().cpi_index()),
                         d_srcid);
            d_cpi_tag_pending = false;
            d_truth_dirty = true;
        }
        if (d_truth_dirty) {
            publish_truth(model().position());
            d_truth_dirty = false;
        }
        done += model().process(in + done * p.n_tx,
                                y + done * p.n_users,
                                r + done * p.n_rx,
                                std::min<long>(noutput_items - done, chunk));
    }
    publish_ahead(model().position());
    return int(done);
}

} /* namespace isac */
} /* namespace gr */
