/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "csi_message.h"
#include <gnuradio/block_detail.h>
#include <gnuradio/buffer.h>
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/array_phase_corrector.h>
#include <gnuradio/isac/array_phase_estimator.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/rx_phase.h>
#include <gnuradio/isac/core/steering.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <mutex>

namespace gr {
namespace isac {

namespace {
pmt::pmt_t cal_message(const std::vector<double>& ph,
                       const std::vector<double>& se,
                       bool reverse_elements,
                       uint64_t last_snapshot,
                       uint64_t offset,
                       uint64_t run)
{
    std::vector<gr_complex> w(ph.size());
    for (size_t i = 0; i < ph.size(); ++i)
        w[i] = gr_complex(std::polar(1.0, -ph[i]));
    msg_dict d;
    d.reals("phases_rad", ph);
    d.complexes("weights", w);
    // each phase's standard error (core/rx_phase.h), channel 0 the reference: 0
    d.reals("phases_se_rad", se);
    d.flag("reverse_elements", reverse_elements);
    // the estimate's last snapshot, a stream position (acquisition figures),
    // whatever the call sizes
    d.u64("last_snapshot", last_snapshot);
    d.u64("offset", offset);
    d.u64("run", run); // the consumer ignores it after its next stop()
    return d;
}
constexpr float tiny = std::numeric_limits<float>::min(); // smallest normal float

// The correction takes effect at a fixed snapshot after the estimate's last
// one ("offset", cal_apply_offset), not when the message happens to arrive
// (the transmit calibration's convention, tx_phase_estimator): the radar's and
// the DoA's input then changes at the same snapshot whatever the threads'
// timing; a message that still arrives late is applied at once
// (array_phase_corrector counts it).
} // namespace

class array_phase_estimator_impl : public array_phase_estimator
{
    const int d_n;
    const int64_t d_avg;
    const bool d_continuous, d_reverse;
    std::vector<double> d_expected; // angle(a_n), stream order
    const double d_tone_freq;       // cycles per sample, 0: any pilot (plain products)
    const int64_t d_tone_block, d_sub_block;
    std::vector<core::cdouble> d_z, d_zs; // running tone sums of one block, sub-block
    int64_t d_zk = 0, d_zsk = 0;
    const pmt::pmt_t d_cal_port, d_recal_port;
    std::atomic<uint64_t> d_run_stamp{ 0 }; // stamps the cal messages
    mutable std::mutex d_mutex;
    core::product_phase_sum d_acc; // z_n z_0^* over snapshots or tone blocks
    core::product_phase_sum d_sub; // and over tone sub-blocks (aliased rotations)
    std::vector<core::cdouble> d_snap;
    std::vector<double> d_pow;
    int64_t d_k = 0, d_good = 0;
    float d_peak = 0;
    bool d_done = false;
    std::vector<double> d_last;
    std::atomic<uint64_t> d_rejected{ 0 };
    uint64_t d_published = 0;

    void restart_locked()
    {
        d_acc.reset();
        d_sub.reset();
        std::fill(d_pow.begin(), d_pow.end(), 0.0);
        std::fill(d_z.begin(), d_z.end(), core::cdouble(0));
        std::fill(d_zs.begin(), d_zs.end(), core::cdouble(0));
        d_k = d_good = d_zk = d_zsk = 0;
        d_peak = 0;
    }

    //! Empty when the average is not usable (and why); fatal: no later
    //! average can be (the channels turn against each other).
    std::vector<double>
    finish_locked(std::string& why, std::vector<double>& se, bool& fatal) const
    {
        fatal = false;
        if (2 * d_good < d_avg) {
            why = std::to_string(d_good) + " of " + std::to_string(d_avg) +
                  " snapshots finite (need at least half)";
            return {};
        }
        if (!(d_peak >= tiny)) {
            why = "all samples zero or denormal";
            return {};
        }
        const auto& acc = d_acc.sums();
        std::vector<double> ph(d_n, 0.0);
        for (int c = 1; c < d_n; ++c) {
            const double coh = std::abs(acc[c]) / std::sqrt(d_pow[c] * d_pow[0]);
            if (!(coh > 1e-6)) {
                why =
                    "channel " + std::to_string(c) + " is not correlated with channel 0";
                return {};
            }
            ph[c] = std::remainder(std::arg(acc[c]) - (d_expected[c] - d_expected[0]),
                                   2 * core::pi);
        }
        // Channels on separate frequency references turn against each other;
        // the sum's phase is then wherever the turning stopped.
        const bool tone = d_tone_freq != 0.0;
        const core::rx_rotation rot =
            core::find_rx_rotation(d_acc,
                                   tone ? long(d_tone_block) : 1L,
                                   tone ? &d_sub : nullptr,
                                   long(d_sub_block));
        if (rot.channel > 0) {
            char buf[320];
            std::snprintf(buf,
                          sizeof buf,
                          "channel %d turns %.0f deg against channel 0 over the %lld "
                          "snapshots (%.3g cycles per snapshot): the receive channels "
                          "are not on one frequency reference, so no fixed calibration "
                          "exists; share the 10 MHz reference (a recalibrate message "
                          "starts again)",
                          rot.channel,
                          rot.turn_rad * 180.0 / core::pi,
                          static_cast<long long>(d_avg),
                          rot.cycles_per_snapshot);
            why = buf;
            fatal = true;
            return {};
        }
        se = d_acc.phase_se();
        return ph;
    }

public:
    array_phase_estimator_impl(int n,
                               int64_t avg,
                               bool cont,
                               bool reverse_elements,
                               std::vector<double> expected,
                               double tone_freq,
                               int64_t tone_block)
        : gr::sync_block("array_phase_estimator",
                         gr::io_signature::make(1, 1, sizeof(gr_complex) * n),
                         gr::io_signature::make(0, 0, 0)),
          d_n(n),
          d_avg(avg),
          d_continuous(cont),
          d_reverse(reverse_elements),
          d_expected(std::move(expected)),
          d_tone_freq(tone_freq),
          d_tone_block(tone_block),
          d_sub_block(core::rx_rotation_sub_block(long(tone_block))),
          d_z(n),
          d_zs(n),
          d_cal_port(pmt::mp("cal")),
          d_recal_port(pmt::mp("recalibrate")),
          d_acc(n),
          d_sub(n),
          d_snap(n),
          d_pow(n)
    {
        message_port_register_out(d_cal_port);
        message_port_register_in(d_recal_port);
        set_msg_handler(d_recal_port, [this](const pmt::pmt_t&) {
            std::lock_guard<std::mutex> lock(d_mutex);
            restart_locked();
            d_done = false;
        });
    }

    bool start() override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        restart_locked(); // a partial average of the previous run is dropped
        d_run_stamp = run_stamp_now();
        return sync_block::start();
    }

    std::vector<double> phases() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_last;
    }
    uint64_t rejected_count() const override { return d_rejected.load(); }
    uint64_t estimates() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_published;
    }

    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star&) override
    {
        const auto r = static_cast<const gr_complex*>(in[0]);
        std::vector<pmt::pmt_t> out;
        {
            std::lock_guard<std::mutex> lock(d_mutex);
            for (int t = 0; t < n && !d_done; ++t) {
                const gr_complex* s = r + size_t(t) * d_n;
                bool finite = true;
                float peak = 0;
                for (int c = 0; c < d_n; ++c) {
                    finite = finite && std::isfinite(s[c].real()) &&
                             std::isfinite(s[c].imag());
                    peak = std::max(
                        peak, std::max(std::fabs(s[c].real()), std::fabs(s[c].imag())));
                }
                if (finite && d_tone_freq != 0.0) {
                    // demodulate the tone (absolute index: a continuous phase) and sum
                    // coherently over the block: wideband signals at the array (the
                    // radar's own echo, clutter) fall to 1/tone_block of their power
                    const double ft = d_tone_freq * double(nitems_read(0) + uint64_t(t));
                    const core::cdouble rot =
                        std::polar(1.0, -2 * core::pi * (ft - std::floor(ft)));
                    for (int c = 0; c < d_n; ++c) {
                        const core::cdouble rc = core::cdouble(s[c]) * rot;
                        d_z[c] += rc;
                        d_zs[c] += rc;
                        d_pow[c] += std::norm(rc);
                    }
                    d_peak = std::max(d_peak, peak);
                    ++d_good;
                } else if (finite) { // a NaN snapshot is skipped, not averaged
                    for (int c = 0; c < d_n; ++c) {
                        d_snap[c] = s[c];
                        d_pow[c] += std::norm(d_snap[c]);
                    }
                    d_acc.add(d_snap.data());
                    d_peak = std::max(d_peak, peak);
                    ++d_good;
                }
                if (d_tone_freq != 0.0 && (++d_zsk == d_sub_block || d_k + 1 == d_avg)) {
                    d_sub.add(d_zs.data());
                    std::fill(d_zs.begin(), d_zs.end(), core::cdouble(0));
                    d_zsk = 0;
                }
                if (d_tone_freq != 0.0 && (++d_zk == d_tone_block || d_k + 1 == d_avg)) {
                    // a completed (or the last, partial) tone block
                    d_acc.add(d_z.data());
                    std::fill(d_z.begin(), d_z.end(), core::cdouble(0));
                    d_zk = 0;
                }
                if (++d_k < d_avg)
                    continue;
                std::string why;
                std::vector<double> se;
                bool fatal = false;
                std::vector<double> ph = finish_locked(why, se, fatal);
                restart_locked();
                if (ph.empty()) {
                    const uint64_t k = ++d_rejected;
                    if (fatal) {
                        // one-shot: stop here, loudly; a later average (the
                        // pilot gone) would find only the echo's phases.
                        // Continuous: every average says the same, so it is
                        // logged as sparsely as the other refusals.
                        if (log_this(k))
                            d_logger->error(
                                "calibration not published: {} ({} rejected so far)",
                                why,
                                k);
                        d_done = !d_continuous;
                    } else if (log_this(k)) {
                        d_logger->warn(
                            "calibration not published: {} ({} rejected so far)", why, k);
                    }
                    continue; // keep averaging, also in one-shot mode
                }
                d_last = ph;
                ++d_published;
                d_done = !d_continuous;
                const uint64_t last = nitems_read(0) + uint64_t(t);
                out.push_back(cal_message(
                    ph, se, d_reverse, last, cal_apply_offset(*this, last), d_run_stamp));
            }
        }
        for (const auto& m : out)
            message_port_pub(d_cal_port, m);
        return n;
    }
};

array_phase_estimator::sptr array_phase_estimator::make(int n_rx,
                                                        double cal_deg,
                                                        int64_t n_avg,
                                                        double spacing,
                                                        bool reverse_elements,
                                                        bool continuous,
                                                        double tone_freq,
                                                        int64_t tone_block)
{
    core::params::array_phase_estimator::check(n_rx,
                                               cal_deg,
                                               n_avg,
                                               spacing,
                                               reverse_elements,
                                               continuous,
                                               tone_freq,
                                               tone_block);
    // a source at cal_deg arrives as the module's a(cal_deg) (docs/conventions.md),
    // in stream order (reversed when stream channel k is antenna n_rx-1-k)
    const core::array_convention c{ spacing, -1, core::phase_ref::first, false };
    const core::cvec a = core::ula_steering(n_rx, core::deg2rad(cal_deg), c);
    std::vector<double> expected(n_rx);
    for (int i = 0; i < n_rx; ++i)
        expected[i] = std::arg(a[reverse_elements ? n_rx - 1 - i : i]);
    return gnuradio::make_block_sptr<array_phase_estimator_impl>(n_rx,
                                                                 n_avg,
                                                                 continuous,
                                                                 reverse_elements,
                                                                 std::move(expected),
                                                                 tone_freq,
                                                                 tone_block);
}

class array_phase_corrector_impl : public array_phase_corrector
{
    const int d_n;
    const bool d_reverse; // output in antenna order: channel k <- stream n-1-k
    const pmt::pmt_t d_port;
    mutable std::mutex d_mutex;
    std::vector<gr_complex> d_w;
    uint64_t d_updates = 0;
    // weights of cal messages with an "offset": applied from that item on
    struct scheduled {
        uint64_t offset;
        std::vector<gr_complex> w;
    };
    std::vector<scheduled> d_sched; // in offset order
    uint64_t d_late = 0;
    run_fence d_fence; // a cal of a finished run: its offset counts that run's items

    void check_weights(const std::vector<gr_complex>& w) const
    {
        if (int(w.size()) != d_n)
            core::throw_param("weights",
                              core::list_str(w.size(), "value"),
                              std::to_string(d_n) + " (n_rx) finite non-zero values");
        for (const auto& v : w)
            if (!(std::isfinite(v.real()) && std::isfinite(v.imag()) &&
                  std::abs(v) >= tiny))
                core::throw_param("weights",
                                  "an entry " + core::num_str(v.real()) +
                                      (v.imag() < 0 ? "" : "+") +
                                      core::num_str(v.imag()) + "j",
                                  "finite non-zero values (|w| >= 1.2e-38): a zero or "
                                  "infinite weight erases or blows up a channel");
    }

public:
    void handle(const pmt::pmt_t& msg)
    {
        if (d_fence.finished(msg, d_logger, "cal"))
            return;
        try {
            if (!pmt::is_dict(msg))
                throw core::param_error("not a dict");
            const pmt::pmt_t rev =
                pmt::dict_ref(msg, pmt::mp("reverse_elements"), pmt::PMT_NIL);
            if (pmt::is_bool(rev) && pmt::to_bool(rev) != d_reverse)
                throw core::param_error(std::string("estimated with reverse_elements=") +
                                        (pmt::to_bool(rev) ? "True" : "False") +
                                        ", this corrector has " +
                                        (d_reverse ? "True" : "False"));
            std::vector<gr_complex> wv;
            const pmt::pmt_t w = pmt::dict_ref(msg, pmt::mp("weights"), pmt::PMT_NIL);
            const pmt::pmt_t ph = pmt::dict_ref(msg, pmt::mp("phases_rad"), pmt::PMT_NIL);
            if (pmt::is_c32vector(w))
                wv = pmt::c32vector_elements(w);
            else if (pmt::is_f64vector(ph))
                wv = weights_of(pmt::f64vector_elements(ph));
            else
                throw core::param_error(
                    "needs 'weights' (c32vector) or 'phases_rad' (f64vector)");
            check_weights(wv);
            const pmt::pmt_t off = pmt::dict_ref(msg, pmt::mp("offset"), pmt::PMT_NIL);
            if (pmt::is_null(off)) {
                set_weights(wv);
                return;
            }
            if (!pmt::is_integer(off) && !pmt::is_uint64(off))
                throw core::param_error("'offset' is not an integer");
            const uint64_t at = pmt::is_uint64(off)
                                    ? pmt::to_uint64(off)
                                    : uint64_t(std::max<long>(0, pmt::to_long(off)));
            // message handlers run on this block's thread, between work() calls
            // (handle_cal() may also come before the flowgraph ever ran)
            const uint64_t now = detail() ? nitems_written(0) : 0;
            if (at < now) {
                // the stream is past the item it was meant for: apply it now
                // (what a message without an offset does) and say so
                const uint64_t late = ++d_late;
                set_weights(wv);
                if ((late & (late - 1)) == 0)
                    d_logger->warn("cal message for item {} arrived at item {}: applied "
                                   "late ({} so far)",
                                   at,
                                   now,
                                   late);
                return;
            }
            std::lock_guard<std::mutex> lock(d_mutex);
            auto it = std::upper_bound(
                d_sched.begin(), d_sched.end(), at, [](uint64_t o, const scheduled& x) {
                    return o < x.offset;
                });
            d_sched.insert(it, scheduled{ at, std::move(wv) });
        } catch (const std::exception& e) {
            d_logger->warn("ignored cal message: {}", e.what());
        }
    }
    void handle_cal(const pmt::pmt_t& msg) override { handle(msg); }

    explicit array_phase_corrector_impl(int n, bool reverse_elements)
        : gr::sync_block("array_phase_corrector",
                         gr::io_signature::make(1, 1, sizeof(gr_complex) * n),
                         gr::io_signature::make(1, 1, sizeof(gr_complex) * n)),
          d_n(n),
          d_reverse(reverse_elements),
          d_port(pmt::mp("cal")),
          d_w(n, gr_complex(1, 0))
    {
        message_port_register_in(d_port);
        set_msg_handler(d_port, [this](const pmt::pmt_t& m) { handle(m); });
    }

    std::vector<gr_complex> weights_of(const std::vector<double>& ph) const
    {
        if (int(ph.size()) != d_n)
            core::throw_param("phases_rad",
                              core::list_str(ph.size(), "value"),
                              std::to_string(d_n) + " (n_rx) finite values");
        std::vector<gr_complex> w(d_n);
        for (int i = 0; i < d_n; ++i) {
            if (!std::isfinite(ph[i]))
                core::throw_param("phases_rad", core::num_str(ph[i]), "finite values");
            w[i] = gr_complex(std::polar(1.0, -ph[i]));
        }
        return w;
    }

    void set_phases(const std::vector<double>& ph) override
    {
        set_weights(weights_of(ph));
    }

    void set_weights(const std::vector<gr_complex>& w) override
    {
        check_weights(w);
        std::lock_guard<std::mutex> lock(d_mutex);
        d_w = w;
        ++d_updates;
    }

    bool start() override
    {
        // a restart counts items from 0 again: offsets of the last run are void
        std::lock_guard<std::mutex> lock(d_mutex);
        d_sched.clear();
        return sync_block::start();
    }

    bool stop() override
    {
        // a cal whose offset the stream never reached: most likely an offset
        // of another run's stream (a calibration carried over from another
        // flowgraph keeps its weights and drops its offset)
        drain_queue(*this, d_port, d_logger, "cal");
        std::lock_guard<std::mutex> lock(d_mutex);
        if (!d_sched.empty())
            d_logger->warn("{} cal message(s) never applied: the stream stopped at item "
                           "{} before their offset {}",
                           d_sched.size(),
                           nitems_written(0),
                           d_sched.front().offset);
        d_fence.stopped();
        forget_buffer_sizes(*this); // the next start() sizes the buffers afresh
        return sync_block::stop();
    }

    std::vector<gr_complex> weights() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_w;
    }
    uint64_t updates() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_updates;
    }

    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star& out) override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        // the products in real arithmetic: std::complex's operator* checks every
        // result for NaN (C99 Annex G), which keeps the loop from vectorising
        const float* xf = reinterpret_cast<const float*>(in[0]);
        float* yf = reinterpret_cast<float*>(out[0]);
        const uint64_t base = nitems_written(0);
        int t = 0;
        while (!d_sched.empty() && d_sched.front().offset < base + uint64_t(n)) {
            const int at = int(std::max<uint64_t>(d_sched.front().offset, base) - base);
            rotate(xf, yf, t, at);
            t = at;
            d_w = std::move(d_sched.front().w);
            ++d_updates;
            d_sched.erase(d_sched.begin());
        }
        rotate(xf, yf, t, n);
        return n;
    }

    // y = w x per channel for the items [t0, t1)
    void rotate(const float* xf, float* yf, int t0, int t1) const
    {
        const float* w = reinterpret_cast<const float*>(d_w.data());
        for (int t = t0; t < t1; ++t) {
            const float* xt = xf + 2 * size_t(t) * d_n;
            float* yt = yf + 2 * size_t(t) * d_n;
            for (int c = 0; c < d_n; ++c) {
                const int o = d_reverse ? d_n - 1 - c : c;
                const float xr = xt[2 * c], xi = xt[2 * c + 1];
                const float wr = w[2 * c], wi = w[2 * c + 1];
                yt[2 * o] = xr * wr - xi * wi;
                yt[2 * o + 1] = xr * wi + xi * wr;
            }
        }
    }
};

array_phase_corrector::sptr array_phase_corrector::make(
    int n_rx, const std::vector<double>& phases_rad, bool reverse_elements)
{
    core::params::array_phase_corrector::check(n_rx, phases_rad, reverse_elements);
    auto b =
        gnuradio::make_block_sptr<array_phase_corrector_impl>(n_rx, reverse_elements);
    if (!phases_rad.empty()) {
        b->set_phases(phases_rad); // validates: the block is never returned half-set
    }
    return b;
}

} // namespace isac
} // namespace gr
