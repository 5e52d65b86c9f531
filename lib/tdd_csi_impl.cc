/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "csi_message.h"
#include "tdd_csi_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <cmath>

namespace gr {
namespace isac {

tdd_csi::sptr tdd_csi::make(int n_tx,
                            int n_users,
                            int uplink_len,
                            int64_t uplink_period,
                            int64_t uplink_offset,
                            int64_t pilot_seed,
                            int ref_user,
                            int memory,
                            int frame_len,
                            int delay_frames,
                            bool user_scale,
                            int report_every)
{
    core::params::tdd_csi::check(n_tx,
                                 n_users,
                                 uplink_len,
                                 uplink_period,
                                 uplink_offset,
                                 pilot_seed,
                                 ref_user,
                                 memory,
                                 frame_len,
                                 delay_frames,
                                 user_scale,
                                 report_every);
    core::tdd_csi_params p;
    p.n_tx = n_tx;
    p.n_users = n_users;
    p.uplink_len = uplink_len;
    p.uplink_period = uint64_t(uplink_period);
    p.uplink_offset = uint64_t(uplink_offset);
    p.pilot_seed = uint64_t(pilot_seed);
    p.ref_user = ref_user;
    p.memory = memory;
    p.validate(); // the cross-parameter rules (uplink_len vs n_users)
    return gnuradio::make_block_sptr<tdd_csi_impl>(
        p, frame_len, delay_frames, user_scale, report_every);
}

tdd_csi_impl::tdd_csi_impl(const core::tdd_csi_params& p,
                           int frame_len,
                           int delay_frames,
                           bool user_scale,
                           int report_every)
    : gr::sync_block("tdd_csi",
                     gr::io_signature::make(p.n_tx, p.n_tx, sizeof(gr_complex)),
                     gr::io_signature::make(0, 0, 0)),
      d_frame_len_param(frame_len),
      d_delay(delay_frames),
      d_user_scale(user_scale),
      d_report_every(report_every),
      d_row_port(pmt::mp("row")),
      d_kappa_port(pmt::mp("kappa")),
      d_csi_port(pmt::mp("csi")),
      d_stats_port(pmt::mp("stats")),
      d_est(p),
      d_frame_len(frame_len)
{
    message_port_register_in(d_row_port);
    set_msg_handler(d_row_port, [this](const pmt::pmt_t& m) { handle_row(m); });
    message_port_register_in(d_kappa_port);
    set_msg_handler(d_kappa_port, [this](const pmt::pmt_t& m) { handle_kappa(m); });
    message_port_register_out(d_csi_port);
    message_port_register_out(d_stats_port);
}

bool tdd_csi_impl::start()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    // a restart is a new session: the item count starts again at 0, so the
    // slots and the offsets of the last one mean nothing now
    d_est.reset();
    d_have_post = false;
    d_frame_len = d_frame_len_param;
    return sync_block::start();
}

void tdd_csi_impl::handle_row(const pmt::pmt_t& msg)
{
    const int n_tx = d_est.params().n_tx;
    row_report rep;
    std::string why;
    if (parse_row_report(msg, n_tx, d_est.params().n_users, rep, why) &&
        !(rep.row.squaredNorm() > 0.0))
        why = "\"row\" is all zero";
    const long user = rep.user, frame_len = rep.frame_len;
    const double nmse = rep.nmse;
    const core::cvec& g = rep.row;
    std::unique_lock<std::mutex> lock(d_mutex);
    if (why.empty() && user != d_est.params().ref_user) {
        if (!d_user_scale)
            return; // another user's row: TDD needs only the reference's
        // only its energy, the scalar TDD cannot measure (the estimate's own
        // error energy taken out)
        const double e = g.squaredNorm() / (1.0 + std::max(0.0, nmse));
        d_est.add_user_energy(int(user), e);
        ++d_received;
        return;
    }
    if (why.empty()) {
        try {
            const double e = std::max(0.0, nmse) * g.squaredNorm() / n_tx;
            d_est.add_reference_row(g, e);
            if (d_frame_len_param == 0)
                d_frame_len = frame_len;
        } catch (const std::exception& ex) {
            why = ex.what();
        }
    }
    if (!why.empty()) {
        ++d_rejected;
        lock.unlock();
        d_logger->warn("row message ignored: {}", why);
        return;
    }
    ++d_received;
}

void tdd_csi_impl::handle_kappa(const pmt::pmt_t& msg)
{
    const int n_tx = d_est.params().n_tx;
    std::string why;
    const pmt::pmt_t k = pmt::is_dict(msg)
                             ? pmt::dict_ref(msg, pmt::mp("kappa"), pmt::PMT_NIL)
                             : pmt::PMT_NIL;
    core::cvec kappa;
    bool clear = false;
    if (!pmt::is_dict(msg))
        why = "not a dict";
    else if (pmt::is_bool(k) && !pmt::to_bool(k))
        clear = true;
    else if (pmt::is_c32vector(k) && pmt::length(k) == size_t(n_tx)) {
        size_t len = 0;
        const gr_complex* p = pmt::c32vector_elements(k, len);
        kappa.resize(n_tx);
        for (int i = 0; i < n_tx; ++i)
            kappa[i] = core::cdouble(p[i]);
    } else if (pmt::is_c64vector(k) && pmt::length(k) == size_t(n_tx)) {
        size_t len = 0;
        const core::cdouble* p = pmt::c64vector_elements(k, len);
        kappa = Eigen::Map<const core::cvec>(p, n_tx);
    } else
        why =
            "\"kappa\" is not #f or a c32/c64 vector of n_tx = " + std::to_string(n_tx) +
            " entries";
    std::unique_lock<std::mutex> lock(d_mutex);
    if (why.empty()) {
        try {
            if (clear)
                d_est.clear_kappa();
            else
                d_est.set_kappa(kappa);
        } catch (const std::exception& ex) {
            why = ex.what();
        }
    }
    if (!why.empty()) {
        ++d_rejected;
        lock.unlock();
        d_logger->warn("kappa message ignored: {}", why);
    }
}

int tdd_csi_impl::work(int noutput_items,
                       gr_vector_const_void_star& input_items,
                       gr_vector_void_star&)
{
    std::unique_lock<std::mutex> lock(d_mutex);
    d_in.resize(input_items.size());
    for (size_t k = 0; k < input_items.size(); ++k)
        d_in[k] = static_cast<const core::cfloat*>(input_items[k]);
    const int done = d_est.process(d_in.data(), noutput_items, nitems_read(0));
    if (done == 0 || !d_est.ready() || d_frame_len < 1)
        return noutput_items;
    const uint64_t fl = uint64_t(d_frame_len);
    const uint64_t offset = (d_est.last_slot_end() / fl + 1 + uint64_t(d_delay)) * fl;
    // one csi every report_every frames: each new channel makes the CI
    // precoder rebuild its table (it precodes directly meanwhile)
    if (d_have_post && int64_t(offset) < d_last + int64_t(d_report_every) * int64_t(fl))
        return noutput_items;
    const core::cmat H = d_est.downlink();
    if (!H.allFinite())
        return noutput_items;
    d_posted = H;
    d_have_post = true;
    ++d_posts;
    if (d_first < 0)
        d_first = int64_t(offset);
    d_last = int64_t(offset);
    std::vector<double> nmse;
    for (int u = 0; u < d_est.params().n_users; ++u)
        nmse.push_back(d_est.uplink_nmse(u));
    const pmt::pmt_t stats = msg_dict()
                                 .u64("posts", d_posts)
                                 .u64("offset", offset)
                                 .u64("slots", d_est.slots())
                                 .u64("bad_slots", d_est.bad_slots())
                                 .reals("nmse", nmse)
                                 .reals("noise_var", d_est.noise_var());
    lock.unlock();
    message_port_pub(d_csi_port, make_csi(H, offset));
    message_port_pub(d_stats_port, stats);
    return noutput_items;
}

#define ISAC_LOCKED std::lock_guard<std::mutex> lock(d_mutex)

uint64_t tdd_csi_impl::posts() const
{
    ISAC_LOCKED;
    return d_posts;
}
int64_t tdd_csi_impl::first_offset() const
{
    ISAC_LOCKED;
    return d_first;
}
int64_t tdd_csi_impl::last_offset() const
{
    ISAC_LOCKED;
    return d_last;
}
std::vector<std::vector<gr_complex>> tdd_csi_impl::channel() const
{
    ISAC_LOCKED;
    std::vector<std::vector<gr_complex>> H;
    if (!d_have_post)
        return H;
    for (Eigen::Index u = 0; u < d_posted.rows(); ++u) {
        std::vector<gr_complex> r;
        for (Eigen::Index i = 0; i < d_posted.cols(); ++i)
            r.push_back(gr_complex(d_posted(u, i)));
        H.push_back(r);
    }
    return H;
}
std::vector<gr_complex> tdd_csi_impl::kappa() const
{
    ISAC_LOCKED;
    std::vector<gr_complex> v;
    const core::cvec k = d_est.kappa();
    for (Eigen::Index i = 0; i < k.size(); ++i)
        v.push_back(gr_complex(k[i]));
    return v;
}
uint64_t tdd_csi_impl::slots() const
{
    ISAC_LOCKED;
    return d_est.slots();
}
uint64_t tdd_csi_impl::bad_slots() const
{
    ISAC_LOCKED;
    return d_est.bad_slots();
}
uint64_t tdd_csi_impl::rows_received() const
{
    ISAC_LOCKED;
    return d_received;
}
uint64_t tdd_csi_impl::rows_rejected() const
{
    ISAC_LOCKED;
    return d_rejected;
}

} // namespace isac
} // namespace gr
