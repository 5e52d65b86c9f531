/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/types.h>
#include <gnuradio/isac/csi_gate.h>
#include <condition_variable>
#include <cstring>
#include <mutex>

namespace gr {
namespace isac {

class csi_gate_impl : public csi_gate
{
    const int d_vlen;
    const pmt::pmt_t d_port;
    mutable std::mutex d_mutex;
    std::condition_variable d_cv;
    bool d_open = false;
    std::atomic<uint64_t> d_ignored{ 0 };
    input_end_grace d_end_grace;

    void handle(const pmt::pmt_t& msg)
    {
        const pmt::pmt_t acc = pmt::is_dict(msg)
                                   ? pmt::dict_ref(msg, pmt::mp("accepted"), pmt::PMT_NIL)
                                   : pmt::PMT_NIL;
        if (pmt::is_bool(acc) && pmt::to_bool(acc)) {
            {
                std::lock_guard<std::mutex> lock(d_mutex);
                d_open = true;
            }
            d_cv.notify_all();
            return;
        }
        const uint64_t n = ++d_ignored;
        const bool raw_csi = pmt::is_dict(msg) && pmt::dict_has_key(msg, pmt::mp("H"));
        if (log_this(n))
            d_logger->warn("{}; ignored ({} so far). Wire the precoder's \"channel\" "
                           "port to this gate: it opens on a channel the precoder "
                           "accepted, never on a csi it did not check",
                           raw_csi ? "a raw csi message reached the gate"
                                   : "not a precoder's {\"accepted\": #t} message",
                           n);
    }

public:
    explicit csi_gate_impl(int vlen)
        : gr::sync_block("csi_gate",
                         gr::io_signature::make(1, 1, sizeof(gr_complex) * vlen),
                         gr::io_signature::make(1, 1, sizeof(gr_complex) * vlen)),
          d_vlen(vlen),
          d_port(pmt::mp("channel"))
    {
        message_port_register_in(d_port);
        set_msg_handler(d_port, [this](const pmt::pmt_t& m) { handle(m); });
    }

    bool is_open() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_open;
    }
    uint64_t ignored_count() const override { return d_ignored.load(); }

    bool start() override
    {
        d_end_grace.reset();
        return sync_block::start();
    }

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override
    {
        {
            std::unique_lock<std::mutex> lock(d_mutex);
            if (!d_open) {
                // Messages are handled between work() calls: wait briefly, then
                // return so the scheduler can deliver them (no busy loop).
                d_cv.wait_for(lock, std::chrono::milliseconds(10));
                if (!d_open) {
                    lock.unlock();
                    return d_end_grace.expired(*this) ? WORK_DONE : 0;
                }
            }
        }
        std::memcpy(output_items[0],
                    input_items[0],
                    sizeof(gr_complex) * size_t(d_vlen) * noutput_items);
        return noutput_items;
    }
};

csi_gate::sptr csi_gate::make(int vlen)
{
    core::params::csi_gate::check(vlen);
    return gnuradio::make_block_sptr<csi_gate_impl>(vlen);
}

} // namespace isac
} // namespace gr
