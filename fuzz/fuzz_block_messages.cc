/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fuzzes every block message handler through the block itself: each input is
 * a sequence of up to 8 messages, delivered to the blocks' input message ports
 * (isac_channel "set", one_bit_rx_filter "set", ci_precoder "csi",
 * nullspace_precoder "csi") exactly as the scheduler delivers them
 * (basic_block::dispatch_msg). Properties: no handler throws (an exception
 * would end the block's thread and stall the flowgraph), no sanitizer report,
 * and after every message the block's getters still describe a valid state
 * (finite, in range) — a malformed message is logged and ignored.
 *
 * Blocks are built once per process (construction is the expensive part and
 * state carried across inputs only widens the search); the replay test runs
 * every input in one process as well.
 */
#include "fuzz_common.h"
#include <gnuradio/isac/ci_precoder.h>
#include <gnuradio/isac/isac_channel.h>
#include <gnuradio/isac/nullspace_precoder.h>
#include <gnuradio/isac/one_bit_rx_filter.h>
#include <functional>

using isac_fuzz::fail;

namespace {

// dispatch_msg is protected; a member pointer named through a derived class
// is the standard way to call it from a test without patching the block.
struct msg_access : gr::basic_block {
    static void
    dispatch(gr::basic_block* b, const pmt::pmt_t& port, const pmt::pmt_t& msg)
    {
        (b->*(&msg_access::dispatch_msg))(port, msg);
    }
};

bool finite_all(const std::vector<double>& v)
{
    for (double x : v)
        if (!std::isfinite(x))
            return false;
    return true;
}

struct target {
    const char* name;
    gr::basic_block_sptr blk;
    pmt::pmt_t port;
    std::vector<std::string> keys;
    std::function<void()> check; // getters still valid
};

std::vector<target>& targets()
{
    static std::vector<target> t = [] {
        std::vector<target> v;
        {
            auto ch = gr::isac::isac_channel::make(4,
                                                   2,
                                                   4,
                                                   "rician",
                                                   { 10.0, -30.0 },
                                                   { 1.0 },
                                                   10.0,
                                                   16,
                                                   1,
                                                   "monostatic",
                                                   10.0,
                                                   0.0,
                                                   0.0,
                                                   15.0,
                                                   { -20.0 },
                                                   { 20.0 });
            v.push_back(
                { "isac_channel",
                  ch,
                  pmt::mp("set"),
                  { "user_deg",
                    "comm_noise_var",
                    "rician_k_db",
                    "target_deg",
                    "tx_deg",
                    "rx_deg",
                    "target_snr_db",
                    "clutter_deg",
                    "cnr_db",
                    "radar_noise_var" },
                  [ch] {
                      if (ch->user_deg().size() != 2 || !finite_all(ch->user_deg()) ||
                          !finite_all(ch->comm_noise_var()) ||
                          !std::isfinite(ch->target_deg()) ||
                          std::fabs(ch->target_deg()) > 90 ||
                          ch->clutter_deg().size() != ch->cnr_db().size() ||
                          !finite_all(ch->clutter_deg()) || !finite_all(ch->cnr_db()) ||
                          !(ch->radar_noise_var() > 0) ||
                          !std::isfinite(ch->radar_noise_var()) ||
                          !std::isfinite(ch->target_snr_db()) ||
                          !std::isfinite(ch->rician_k_db()))
                          fail("isac_channel state invalid after a set message");
                  } });
        }
        {
            // CPIs of 16: one snapshot of 4 signs cannot hold Pfa 1e-3 (core::pfa_reach)
            auto rx = gr::isac::one_bit_rx_filter::make(
                4, 4, 10.0, { -20.0 }, 15.0, { 20.0 }, 1.0, 1e-3, "1bit", 16);
            v.push_back(
                { "one_bit_rx_filter",
                  rx,
                  pmt::mp("set"),
                  { "target_deg",
                    "clutter_deg",
                    "cnr_db",
                    "snr_r_db",
                    "pfa",
                    "radar_noise_var",
                    "threshold_scale" },
                  [rx] {
                      if (!std::isfinite(rx->target_deg()) ||
                          std::fabs(rx->target_deg()) > 90 ||
                          // one cnr_db value for all clutter patches is allowed
                          !(rx->clutter_deg().size() == rx->cnr_db().size() ||
                            (rx->cnr_db().size() == 1 && !rx->clutter_deg().empty())) ||
                          !finite_all(rx->clutter_deg()) || !finite_all(rx->cnr_db()) ||
                          !(rx->pfa() > 0 && rx->pfa() < 1) ||
                          !(rx->radar_noise_var() > 0) ||
                          !std::isfinite(rx->radar_noise_var()) ||
                          !std::isfinite(rx->snr_r_db()) ||
                          !(rx->threshold_scale() > 0) ||
                          !std::isfinite(rx->threshold_scale()))
                          fail("one_bit_rx_filter state invalid after a set message",
                               "target " + std::to_string(rx->target_deg()) + " pfa " +
                                   std::to_string(rx->pfa()) + " nv " +
                                   std::to_string(rx->radar_noise_var()) + " snr " +
                                   std::to_string(rx->snr_r_db()) + " scale " +
                                   std::to_string(rx->threshold_scale()) + " Q " +
                                   std::to_string(rx->clutter_deg().size()) + "/" +
                                   std::to_string(rx->cnr_db().size()));
                  } });
        }
        {
            auto ci = gr::isac::ci_precoder::make(
                4, 2, 8, 1.0f, 1.0f, 5.0f, 10.0f, { -20.0f }, 15.0f, { 20.0f }, 4);
            v.push_back({ "ci_precoder", ci, pmt::mp("csi"), isac_fuzz::csi_keys(), [ci] {
                             (void)ci->has_channel();
                             (void)ci->infeasible_count();
                         } });
        }
        {
            // sensing "none": a csi message triggers the (cheap) ZF design only,
            // so the fuzzer measures the parsing, not the beampattern optimiser
            auto ns = gr::isac::nullspace_precoder::make(
                4, 2, 1.0, "zf", 10.0, 1.0, "none", { 0.0 }, 10.0, 8);
            v.push_back(
                { "nullspace_precoder", ns, pmt::mp("csi"), isac_fuzz::csi_keys(), [ns] {
                     (void)ns->design_id();
                 } });
        }
        // every rejected message logs a warning; ISAC_FUZZ_LOG=1 shows them
        if (!std::getenv("ISAC_FUZZ_LOG"))
            for (auto& x : v)
                x.blk->set_log_level("off");
        return v;
    }();
    return t;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto& ts = targets();
    isac_fuzz::reader r(data, size);
    const int n = int(r.range(1, 8));
    for (int i = 0; i < n && (i == 0 || !r.empty()); ++i) {
        target& t = ts[r.u8() % ts.size()];
        isac_fuzz::pmt_gen g(r, t.keys);
        // a third of the time: a dict of this block's keys with plain numbers or
        // number vectors, which gets past the type checks into the range checks
        pmt::pmt_t msg;
        if (r.u8() % 3 == 0) {
            msg = pmt::make_dict();
            const long k = r.range(1, 3);
            for (long j = 0; j < k; ++j) {
                pmt::pmt_t val;
                if (r.flag()) {
                    val = pmt::from_double(r.real());
                } else {
                    std::vector<double> vv(r.range(0, 4));
                    for (auto& x : vv)
                        x = r.real();
                    val = pmt::init_f64vector(vv.size(), vv);
                }
                msg = pmt::dict_add(msg, g.key(), val);
            }
        } else {
            msg = g.message();
        }
        try {
            msg_access::dispatch(t.blk.get(), t.port, msg);
            t.check();
        } catch (const std::exception& e) {
            fail(t.name, std::string("message handler threw: ") + e.what());
        }
    }
    return 0;
}
