/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The instrumentation blocks of the examples (SER and detection meters). In
 * C++ so that a flowgraph holding them never needs the Python interpreter at
 * teardown (GNU Radio's Python blocks deadlock on the GIL when a running top
 * block is destroyed).
 */

#include "csi_message.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/safe_margin.h>
#include <gnuradio/isac/core/types.h>
#include <gnuradio/isac/detection_meter.h>
#include <gnuradio/isac/psk_ser_meter.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

namespace gr {
namespace isac {

namespace {
} // namespace

class psk_ser_meter_impl : public psk_ser_meter
{
    const int d_U, d_M, d_bits; // bits per symbol (power-of-two M)
    const bool d_pow2;
    const int64_t d_skip, d_report;
    const pmt::pmt_t d_port;
    mutable std::mutex d_mutex;
    int64_t d_seen = 0; // since start(), for skip
    uint64_t d_n = 0;
    uint64_t d_ref_bad = 0;
    std::vector<int64_t> d_sym, d_bit;
    // since the last start(), for out0: a GUI's number shows the run it watches
    uint64_t d_run_n = 0;
    std::vector<int64_t> d_run_sym;

    pmt::pmt_t report_locked() const
    {
        std::vector<double> s(d_U), b(d_U);
        for (int u = 0; u < d_U; ++u) {
            s[u] = double(d_sym[u]) / double(std::max<uint64_t>(d_n, 1));
            b[u] = core::gray_ber(uint64_t(d_bit[u]), d_n, d_M);
        }
        msg_dict d;
        d.reals("ser", s);
        d.reals("ber", b);
        d.u64("symbols", d_n);
        d.u64("ref_nonfinite", d_ref_bad);
        return d;
    }

public:
    psk_ser_meter_impl(int U, int M, int64_t skip, int64_t report)
        : gr::sync_block("psk_ser_meter",
                         gr::io_signature::make(2, 2, sizeof(gr_complex) * U),
                         gr::io_signature::make(1, 1, sizeof(float) * U)),
          d_U(U),
          d_M(M),
          d_bits(M > 1 ? __builtin_ctz(unsigned(M)) : 1),
          d_pow2((M & (M - 1)) == 0),
          d_skip(skip),
          d_report(report),
          d_port(pmt::mp("ser")),
          d_sym(U, 0),
          d_bit(U, 0),
          d_run_sym(U, 0)
    {
        message_port_register_out(d_port);
    }

    bool start() override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_seen = 0; // the warm-up happens again after a restart
        d_run_n = 0;
        std::fill(d_run_sym.begin(), d_run_sym.end(), 0);
        return sync_block::start();
    }

    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star& out) override
    {
        const auto y = static_cast<const gr_complex*>(in[0]);
        const auto s = static_cast<const gr_complex*>(in[1]);
        auto o = static_cast<float*>(out[0]);
        // Every output item is the SER after its own snapshot, and every report
        // holds the totals at its multiple of report_every: the values a
        // snapshot sees do not depend on how the stream is split into calls.
        std::vector<pmt::pmt_t> reps;
        bool log_first = false; // the first left-out snapshot since reset(): logged once
        {
            std::lock_guard<std::mutex> lock(d_mutex);
            const int64_t first =
                std::max<int64_t>(0, std::min<int64_t>(n, d_skip - d_seen));
            d_seen += n;
            for (int64_t t = 0; t < n; ++t) {
                // A NaN/Inf sent symbol has no index: scored as symbol 0 it
                // added errors that no receiver made (as in user_receiver, the
                // snapshot is left out and counted)
                bool ref_ok = true;
                for (int u = 0; u < d_U && t >= first; ++u)
                    ref_ok = ref_ok && std::isfinite(s[t * d_U + u].real()) &&
                             std::isfinite(s[t * d_U + u].imag());
                if (!ref_ok && ++d_ref_bad == 1)
                    log_first = true;
                if (t >= first && ref_ok) {
                    for (int u = 0; u < d_U; ++u) {
                        const gr_complex yv = y[t * d_U + u];
                        const int ref =
                            core::psk_index(core::cdouble(s[t * d_U + u]), d_M);
                        const bool finite =
                            std::isfinite(yv.real()) && std::isfinite(yv.imag());
                        const int dec =
                            finite ? core::psk_index(core::cdouble(yv), d_M) : -1;
                        if (dec != ref) {
                            ++d_sym[u];
                            ++d_run_sym[u];
                            if (d_pow2)
                                d_bit[u] +=
                                    dec < 0 ? d_bits : core::gray_bit_errors(dec, ref);
                        }
                    }
                    ++d_n;
                    ++d_run_n;
                    if (d_report > 0 && d_n % uint64_t(d_report) == 0)
                        reps.push_back(report_locked());
                }
                const double count = double(std::max<uint64_t>(d_run_n, 1));
                for (int u = 0; u < d_U; ++u)
                    o[size_t(t) * d_U + u] = float(double(d_run_sym[u]) / count);
            }
        }
        if (log_first)
            d_logger->warn("a non-finite sent symbol on in1: its snapshot is left out "
                           "of the SER and counted by ref_nonfinite()");
        for (const auto& rep : reps)
            message_port_pub(d_port, rep);
        return n;
    }

    uint64_t ref_nonfinite() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_ref_bad;
    }

    uint64_t count() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_n;
    }
    std::vector<int64_t> errors() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_sym;
    }
    std::vector<double> ser() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        std::vector<double> v(d_U);
        for (int u = 0; u < d_U; ++u)
            v[u] = double(d_sym[u]) / double(std::max<uint64_t>(d_n, 1));
        return v;
    }
    std::vector<double> ber() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        std::vector<double> v(d_U);
        for (int u = 0; u < d_U; ++u)
            v[u] = core::gray_ber(uint64_t(d_bit[u]), d_n, d_M);
        return v;
    }
    void reset() override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_n = d_run_n = 0;
        d_ref_bad = 0;
        std::fill(d_sym.begin(), d_sym.end(), 0);
        std::fill(d_bit.begin(), d_bit.end(), 0);
        std::fill(d_run_sym.begin(), d_run_sym.end(), 0);
    }
};

psk_ser_meter::sptr
psk_ser_meter::make(int n_users, int psk_order, int64_t skip, int64_t report_every)
{
    core::params::psk_ser_meter::check(n_users, psk_order, skip, report_every);
    return gnuradio::make_block_sptr<psk_ser_meter_impl>(
        n_users, psk_order, skip, report_every);
}

class detection_meter_impl : public detection_meter
{
    const double d_thr;
    const int64_t d_skip;
    const uint64_t d_period;
    mutable std::mutex d_mutex;
    int64_t d_seen = 0;
    uint64_t d_n = 0, d_det = 0, d_bad = 0, d_nodec = 0;
    double d_sum = 0;
    // the same counts since the last start(): a run's figures without the
    // totals taken before it
    uint64_t d_run_n = 0, d_run_det = 0, d_run_bad = 0, d_run_nodec = 0;
    // the item where the filter's CPI in progress started (numbered as d_seen)
    uint64_t d_start = 0;
    const pmt::pmt_t d_cpi_key = pmt::mp("isac_cpi");
    std::vector<gr::tag_t> d_tags;
    uint64_t d_rec_first = 0, d_rec_end = 0, d_rec_every = 1;
    std::vector<float> d_rec;

    // a counter as work() last left it (the getters run on other threads)
    uint64_t locked(const uint64_t& counter) const
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return counter;
    }

public:
    detection_meter_impl(double thr, int64_t skip, int64_t period)
        : gr::sync_block("detection_meter",
                         gr::io_signature::make(1, 1, sizeof(float)),
                         gr::io_signature::make(0, 1, sizeof(float))),
          d_thr(thr),
          d_skip(skip),
          d_period(uint64_t(period))
    {
    }

    bool start() override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_seen = 0;
        d_start = 0;
        d_run_n = d_run_det = d_run_bad = d_run_nodec = 0;
        // the window's indices count from this start() again: the last run's
        // values go (keeping them would repeat the indices and let the record
        // grow by a window per restart)
        d_rec.clear();
        return sync_block::start();
    }

    int work(int n, gr_vector_const_void_star& in, gr_vector_void_star& out) override
    {
        const auto v = static_cast<const float*>(in[0]);
        auto o = out.empty() ? nullptr : static_cast<float*>(out[0]);
        {
            std::lock_guard<std::mutex> lock(d_mutex);
            const int64_t first =
                std::max<int64_t>(0, std::min<int64_t>(n, d_skip - d_seen));
            d_seen += n;
            // the rate after each item (not the call's last): the same values
            // whatever the call sizes
            const uint64_t i0 = uint64_t(d_seen - n), i1 = uint64_t(d_seen);
            // isac_cpi: one_bit_rx_filter restarted a CPI mid-stream at that item
            const uint64_t r0 = nitems_read(0);
            get_tags_in_range(d_tags, 0, r0, r0 + uint64_t(n), d_cpi_key);
            std::sort(d_tags.begin(), d_tags.end(), gr::tag_t::offset_compare);
            size_t j = 0;
            for (int64_t t = 0; t < n; ++t) {
                // items numbered from this start() (as the record window's), as
                // one_bit_rx_filter's CPIs are: period = cpi_len takes its CPI
                // ends, d_start + m period - 1 (m >= 1) after the CPI start d_start
                while (j < d_tags.size() && d_tags[j].offset <= r0 + uint64_t(t))
                    d_start = i0 + (d_tags[j++].offset - r0);
                const uint64_t i = i0 + uint64_t(t);
                if (t >= first && (i - d_start + 1) % d_period == 0) {
                    if (!std::isfinite(v[t])) {
                        ++d_bad; // an overflowed or NaN statistic is never a detection
                        ++d_run_bad;
                        ++d_n;
                        ++d_run_n;
                    } else if (v[t] < 0.0f) {
                        ++d_nodec; // nothing transmitted (-1): neither hit nor miss
                        ++d_run_nodec;
                    } else {
                        const bool hit = v[t] >= d_thr;
                        d_det += hit;
                        d_run_det += hit;
                        d_sum += v[t];
                        ++d_n;
                        ++d_run_n;
                    }
                }
                // the run's rate: a GUI's number shows the run it watches (the
                // totals would mix in the runs before the last start())
                if (o)
                    o[t] =
                        float(double(d_run_det) / double(std::max<uint64_t>(d_run_n, 1)));
            }
            // items [i0, i1) of this run: keep the window's group ends
            if (d_rec_end > d_rec_first && i1 > d_rec_first && i0 < d_rec_end) {
                uint64_t i = std::max(i0, d_rec_first);
                i += (d_rec_every - 1 - i % d_rec_every); // the next group end
                for (; i < std::min(i1, d_rec_end); i += d_rec_every)
                    d_rec.push_back(v[i - i0]);
            }
        }
        return n;
    }

    void set_record_window(int64_t first, int64_t end, int every) override
    {
        if (every < 1)
            core::throw_param("every", std::to_string(every), "[1, inf)");
        if (first < 0)
            core::throw_param("first", std::to_string(first), "[0, inf)");
        if (end < first)
            core::throw_param(
                "end", std::to_string(end), ">= first (" + std::to_string(first) + ")");
        if (uint64_t(end - first) / uint64_t(every) >= (uint64_t(1) << 27))
            core::throw_param("end",
                              std::to_string(end),
                              "a record under 2^27 values ((end - first) / every)");
        std::lock_guard<std::mutex> lock(d_mutex);
        d_rec_first = uint64_t(first);
        d_rec_end = uint64_t(end);
        d_rec_every = uint64_t(every);
        d_rec.clear();
        d_rec.reserve(size_t(uint64_t(end - first) / uint64_t(every) + 1));
    }

    std::vector<float> recorded() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_rec;
    }

    uint64_t count() const override { return locked(d_n); }
    uint64_t detections() const override { return locked(d_det); }
    double rate() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return double(d_det) / double(std::max<uint64_t>(d_n, 1));
    }
    double mean_statistic() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        // count() includes the non-finite items (decided misses), which add
        // nothing to d_sum: dividing by it would pull the mean towards 0
        return d_sum / double(std::max<uint64_t>(d_n - d_bad, 1));
    }
    uint64_t nonfinite_count() const override { return locked(d_bad); }
    uint64_t no_decision_count() const override { return locked(d_nodec); }
    uint64_t run_count() const override { return locked(d_run_n); }
    uint64_t run_detections() const override { return locked(d_run_det); }
    uint64_t run_nonfinite_count() const override { return locked(d_run_bad); }
    uint64_t run_no_decision_count() const override { return locked(d_run_nodec); }
    std::tuple<uint64_t, uint64_t, uint64_t, uint64_t> run_counts() const override
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return { d_run_det, d_run_n, d_run_nodec, d_run_bad };
    }
    int64_t skip() const override { return d_skip; }
    int64_t period() const override { return int64_t(d_period); }
};

detection_meter::sptr
detection_meter::make(double threshold, int64_t skip, int64_t period)
{
    core::params::detection_meter::check(threshold, skip, period);
    return gnuradio::make_block_sptr<detection_meter_impl>(threshold, skip, period);
}

} // namespace isac
} // namespace gr
