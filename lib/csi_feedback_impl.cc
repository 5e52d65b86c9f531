/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "csi_feedback_impl.h"
#include "csi_message.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/csi_estimation.h>
#include <gnuradio/isac/core/limits.h>
#include <algorithm>
#include <cmath>

namespace gr {
namespace isac {

csi_feedback::sptr csi_feedback::make(int n_users, int n_tx, int delay_frames, int bits)
{
    core::params::csi_feedback::check(n_users, n_tx, delay_frames, bits);
    return gnuradio::make_block_sptr<csi_feedback_impl>(
        n_users, n_tx, delay_frames, bits);
}

csi_feedback_impl::csi_feedback_impl(int n_users, int n_tx, int delay_frames, int bits)
    : gr::block("csi_feedback",
                gr::io_signature::make(0, 0, 0),
                gr::io_signature::make(0, 0, 0)),
      d_n_users(n_users),
      d_n_tx(n_tx),
      d_delay(delay_frames),
      d_bits(bits),
      d_row_port(pmt::mp("row")),
      d_csi_port(pmt::mp("csi")),
      d_stats_port(pmt::mp("stats")),
      d_rows(size_t(n_users))
{
    message_port_register_in(d_row_port);
    set_msg_handler(d_row_port, [this](const pmt::pmt_t& m) { handle_row(m); });
    message_port_register_out(d_csi_port);
    message_port_register_out(d_stats_port);
}

bool csi_feedback_impl::start()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_rows.assign(size_t(d_n_users), user_row());
    d_have_post = false;
    d_posted_frame = 0;
    return block::start();
}

void csi_feedback_impl::handle_row(const pmt::pmt_t& msg)
{
    row_report rep;
    std::string why;
    if (parse_row_report(msg, d_n_tx, d_n_users, rep, why) && rep.frame < 0)
        why = "\"frame\" missing or negative";
    const long user = rep.user, frame = rep.frame, frame_len = rep.frame_len;
    const core::cvec& r = rep.row;
    std::unique_lock<std::mutex> lock(d_mutex);
    if (!why.empty()) {
        ++d_rejected;
        lock.unlock();
        d_logger->warn("row message ignored: {}", why);
        return;
    }
    ++d_received;
    user_row& u = d_rows[size_t(user)];
    if (u.have && uint64_t(frame) > u.frame)
        u.interval = uint64_t(frame) - u.frame;
    u.have = true;
    // Each user picks its own phase reference (its receiver's LO), so the row
    // it reports carries an arbitrary phase. Publishing it as is makes the
    // 1-bit CI precoder aim every symbol at a rotated constellation, which its
    // +-1 +-j alphabet serves worse (measured: Pd 0.44 -> 0.04, user SER
    // x2 with ideal hardware). One reference for both ends: element 0 real
    // and positive; the receivers take the published row as their reference.
    core::cvec rn = r;
    if (std::abs(rn[0]) > 0.0)
        rn *= std::conj(rn[0]) / std::abs(rn[0]);
    u.raw = rn;
    u.row = core::quantize_row(rn, d_bits);
    u.frame = uint64_t(frame);
    u.frame_len = frame_len;

    uint64_t fmin = UINT64_MAX, fmax = 0;
    for (const auto& x : d_rows) {
        if (!x.have)
            return; // not every user has reported yet
        fmin = std::min(fmin, x.frame);
        fmax = std::max(fmax, x.frame);
    }
    core::cmat H(d_n_users, d_n_tx);
    double qn = 0;
    for (int k = 0; k < d_n_users; ++k) {
        H.row(k) = d_rows[size_t(k)].row.transpose();
        const double r2 = d_rows[size_t(k)].raw.squaredNorm();
        qn += r2 > 0 ? (d_rows[size_t(k)].row - d_rows[size_t(k)].raw).squaredNorm() / r2
                     : 0;
    }
    bool post = !d_have_post;
    if (!post && fmax > d_posted_frame && H != d_posted) {
        // a complete set for one frame, or a user silent for 4 of its intervals
        const uint64_t iv = std::max<uint64_t>(d_rows[size_t(user)].interval, 1);
        post = fmin == fmax || fmax - fmin >= 4 * iv;
    }
    if (!post)
        return;
    const uint64_t offset = (fmax + 1 + uint64_t(d_delay)) * uint64_t(frame_len);
    d_posted = H;
    d_have_post = true;
    d_posted_frame = fmax;
    ++d_posts;
    if (d_first < 0)
        d_first = int64_t(offset);
    d_last = int64_t(offset);
    const uint64_t posts = d_posts;
    lock.unlock();
    message_port_pub(d_csi_port, make_csi(H, offset));
    message_port_pub(d_stats_port,
                     msg_dict()
                         .u64("posts", posts)
                         .u64("offset", offset)
                         .u64("frame", fmax)
                         .real("quant_nmse", qn / d_n_users));
}

uint64_t csi_feedback_impl::posts() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_posts;
}

int64_t csi_feedback_impl::first_offset() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_first;
}

int64_t csi_feedback_impl::last_offset() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_last;
}

std::vector<std::vector<gr_complex>> csi_feedback_impl::channel() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    std::vector<std::vector<gr_complex>> H;
    if (!d_have_post)
        return H;
    for (int u = 0; u < d_n_users; ++u) {
        std::vector<gr_complex> r(static_cast<size_t>(d_n_tx));
        for (int i = 0; i < d_n_tx; ++i)
            r[size_t(i)] = gr_complex(d_posted(u, i));
        H.push_back(r);
    }
    return H;
}

uint64_t csi_feedback_impl::rows_received() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_received;
}

uint64_t csi_feedback_impl::rows_rejected() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_rejected;
}

} // namespace isac
} // namespace gr
