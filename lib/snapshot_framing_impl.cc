/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The two ends of a network split: snapshot frames carry the header of
 * csi_message.h (the only definition), the symbols and the transmit vector.
 */

#include "block_utils.h"
#include "csi_message.h"
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/types.h>
#include <gnuradio/isac/snapshot_deframer.h>
#include <gnuradio/isac/snapshot_framer.h>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

namespace gr {
namespace isac {

namespace {
constexpr int H = snapshot_header::slots;
}

class snapshot_framer_impl : public snapshot_framer
{
    const int d_n, d_U, d_len;
    const std::chrono::milliseconds d_hello;
    const pmt::pmt_t d_epoch_key;
    std::atomic<uint32_t> d_session{ 0 };
    std::atomic<uint64_t> d_frames{ 0 }, d_hellos{ 0 };
    uint64_t d_epoch = 0;
    bool d_first = true;
    std::chrono::steady_clock::time_point d_last_sent;

public:
    snapshot_framer_impl(int n, int U, int hello_ms)
        : gr::block("snapshot_framer",
                    gr::io_signature::make2(
                        2, 2, sizeof(gr_complex) * n, sizeof(gr_complex) * U),
                    gr::io_signature::make(1, 1, sizeof(gr_complex) * (H + U + n))),
          d_n(n),
          d_U(U),
          d_len(H + U + n),
          d_hello(hello_ms),
          d_epoch_key(pmt::mp(epoch_tag_key))
    {
        set_tag_propagation_policy(TPP_DONT); // the header carries what matters
    }

    bool start() override
    {
        std::random_device rd;
        uint32_t s;
        do
            s = uint32_t(rd());
        while (s == 0);
        d_session = s;
        d_epoch = 0;
        d_first = true;
        // the first HELLO goes out at once: the peer should not wait for it
        d_last_sent = std::chrono::steady_clock::now() - d_hello;
        return block::start();
    }

    uint32_t session() const override { return d_session.load(); }
    uint64_t frames() const override { return d_frames.load(); }
    uint64_t hellos() const override { return d_hellos.load(); }

    void forecast(int, gr_vector_int& required) override
    {
        // never wait for input: a HELLO must go out while the precoder holds back
        for (auto& r : required)
            r = 0;
    }

    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override
    {
        auto out = static_cast<gr_complex*>(output_items[0]);
        const int n = std::min({ noutput_items, ninput_items[0], ninput_items[1] });
        if (n == 0) {
            // The counts of this call may predate the upstream's last items: read
            // `done` and what is available together under the buffer's lock (an
            // upstream marked done has written all its items). Ending on the stale
            // count lost a source's last batch under load.
            bool newer = false;
            for (unsigned i = 0; i < 2; ++i) {
                const gr::buffer_reader_sptr r = detail()->input(i);
                gr::thread::scoped_lock guard(*r->mutex());
                const int avail = r->items_available();
                if (r->done() && avail == 0)
                    return WORK_DONE; // no snapshot can be completed any more
                newer |= avail > ninput_items[i];
            }
            if (newer)
                return 0; // called again at once with the new counts
            const auto now = std::chrono::steady_clock::now();
            if (now - d_last_sent >= d_hello) {
                snapshot_header h;
                h.flags = snapshot_header::flag_hello |
                          (d_first ? snapshot_header::flag_start : 0);
                h.session = d_session;
                h.index = nitems_read(0);
                h.epoch = d_epoch;
                std::fill(out, out + d_len, gr_complex(0));
                write_header(h, out);
                d_last_sent = now;
                ++d_hellos;
                return 1;
            }
            // nothing to send yet: sleep a little instead of spinning
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                d_hello - (now - d_last_sent), std::chrono::milliseconds(10)));
            return 0;
        }
        const auto x = static_cast<const gr_complex*>(input_items[0]);
        const auto s = static_cast<const gr_complex*>(input_items[1]);
        const uint64_t r0 = nitems_read(0);
        std::vector<gr::tag_t> tags;
        get_tags_in_range(tags, 0, r0, r0 + n, d_epoch_key);
        std::sort(tags.begin(), tags.end(), gr::tag_t::offset_compare);
        size_t ti = 0;
        for (int i = 0; i < n; ++i) {
            while (ti < tags.size() && tags[ti].offset <= r0 + i) {
                if (pmt::is_uint64(tags[ti].value))
                    d_epoch = pmt::to_uint64(tags[ti].value);
                ++ti;
            }
            snapshot_header h;
            h.flags = d_first ? snapshot_header::flag_start : 0;
            h.session = d_session;
            h.index = r0 + i;
            h.epoch = d_epoch;
            gr_complex* f = out + size_t(i) * d_len;
            write_header(h, f);
            std::memcpy(f + H, s + size_t(i) * d_U, sizeof(gr_complex) * d_U);
            std::memcpy(f + H + d_U, x + size_t(i) * d_n, sizeof(gr_complex) * d_n);
            d_first = false;
        }
        consume_each(n);
        d_frames += n;
        d_last_sent = std::chrono::steady_clock::now();
        return n;
    }
};

snapshot_framer::sptr snapshot_framer::make(int n_tx, int n_users, int hello_ms)
{
    core::params::snapshot_framer::check(n_tx, n_users, hello_ms);
    return gnuradio::make_block_sptr<snapshot_framer_impl>(n_tx, n_users, hello_ms);
}

class snapshot_deframer_impl : public snapshot_deframer
{
    const int d_n, d_U, d_len;
    const pmt::pmt_t d_peer_port, d_snap_key;
    std::atomic<uint64_t> d_frames{ 0 }, d_hellos{ 0 }, d_sessions{ 0 }, d_gaps{ 0 },
        d_lost{ 0 }, d_bad{ 0 };
    std::atomic<uint32_t> d_session{ 0 };
    uint64_t d_next = 0, d_epoch = 0;
    bool d_have = false;

    void peer(const char* event, const snapshot_header& h)
    {
        message_port_pub(d_peer_port, make_snap_info(h, event));
    }

public:
    snapshot_deframer_impl(int n, int U)
        : gr::block("snapshot_deframer",
                    gr::io_signature::make(1, 1, sizeof(gr_complex) * (H + U + n)),
                    gr::io_signature::make2(
                        2, 2, sizeof(gr_complex) * n, sizeof(gr_complex) * U)),
          d_n(n),
          d_U(U),
          d_len(H + U + n),
          d_peer_port(pmt::mp("peer")),
          d_snap_key(pmt::mp(snap_tag_key))
    {
        message_port_register_out(d_peer_port);
        set_tag_propagation_policy(TPP_DONT);
    }

    bool start() override
    {
        d_have = false; // a restarted receiver follows whatever session comes
        return block::start();
    }

    uint64_t frames() const override { return d_frames.load(); }
    uint64_t hellos() const override { return d_hellos.load(); }
    uint64_t sessions() const override { return d_sessions.load(); }
    uint64_t gaps() const override { return d_gaps.load(); }
    uint64_t lost() const override { return d_lost.load(); }
    uint64_t bad_frames() const override { return d_bad.load(); }
    uint32_t session() const override { return d_session.load(); }

    void forecast(int noutput_items, gr_vector_int& required) override
    {
        required[0] = noutput_items;
    }

    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override
    {
        const auto in = static_cast<const gr_complex*>(input_items[0]);
        auto x = static_cast<gr_complex*>(output_items[0]);
        auto s = static_cast<gr_complex*>(output_items[1]);
        const int avail = std::min(ninput_items[0], noutput_items);
        int produced = 0;
        std::string why;
        for (int i = 0; i < avail; ++i) {
            const gr_complex* f = in + size_t(i) * d_len;
            snapshot_header h;
            if (!read_header(f, h, why)) {
                const uint64_t k = ++d_bad;
                if (log_this(k))
                    d_logger->warn("frame dropped: {} ({} so far)", why, k);
                continue;
            }
            const bool new_session = !d_have || h.session != d_session.load();
            if (h.flags & snapshot_header::flag_hello) {
                ++d_hellos;
                peer("hello", h); // the transmitter waits for a channel
                continue;
            }
            bool tag = false;
            if (new_session) {
                d_session = h.session;
                d_have = true;
                ++d_sessions;
                peer("session", h);
                tag = true;
            } else if (h.index != d_next) {
                ++d_gaps;
                if (h.index > d_next)
                    d_lost += h.index - d_next;
                peer("gap", h);
                tag = true;
            }
            if (h.epoch != d_epoch) {
                d_epoch = h.epoch;
                tag = true;
            }
            d_next = h.index + 1;
            if (tag) {
                const pmt::pmt_t v = make_snap_info(h);
                add_item_tag(0, nitems_written(0) + produced, d_snap_key, v);
                add_item_tag(1, nitems_written(1) + produced, d_snap_key, v);
            }
            std::memcpy(s + size_t(produced) * d_U, f + H, sizeof(gr_complex) * d_U);
            std::memcpy(
                x + size_t(produced) * d_n, f + H + d_U, sizeof(gr_complex) * d_n);
            ++produced;
        }
        consume(0, avail);
        d_frames += produced;
        produce(0, produced);
        produce(1, produced);
        return WORK_CALLED_PRODUCE;
    }
};

snapshot_deframer::sptr snapshot_deframer::make(int n_tx, int n_users)
{
    core::params::snapshot_deframer::check(n_tx, n_users);
    return gnuradio::make_block_sptr<snapshot_deframer_impl>(n_tx, n_users);
}

} // namespace isac
} // namespace gr
