/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "clones.h"
#include <gnuradio/isac/core/frame.h>
#include <gnuradio/isac/core/frontend.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/steering.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

namespace gr {
namespace isac {
namespace core {

namespace {
std::string num(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

void check_nonneg(const std::string& name, double v)
{
    if (!(std::isfinite(v) && v >= 0.0))
        throw_param(name, num(v), "a finite value >= 0");
}

void check_db_range(const std::string& name, double v)
{
    if (!(std::isfinite(v) && std::abs(v) <= 200.0))
        throw_param(name, num(v), "[-200, 200] dB");
}

void check_rad(const std::string& name, double r)
{
    if (!(std::isfinite(r) && std::abs(r) <= pi / 2 + 1e-12))
        throw_param(name, num(rad2deg(r)), "[-90, 90] degrees");
}

// grow only: the block sizes vary from call to call, and a vector that shrank
// would zero-fill its new part on every regrowth
template <class T>
void at_least(std::vector<T>& v, size_t n)
{
    if (v.size() < n)
        v.resize(n);
}

inline float clampf(float v, float a) { return v > a ? a : (v < -a ? -a : v); }

// ar/ai[t] = sum_j h[j] re/im[t + j]: 32 outputs at a time with their sums in
// registers while the taps sweep over them, each output summing its taps in
// ascending order (the same rounding in every clone)
ISAC_CLONES_EXACT void fir_split(const float* __restrict h,
                                 long L,
                                 const float* __restrict re,
                                 const float* __restrict im,
                                 float* __restrict ar,
                                 float* __restrict ai,
                                 long n)
{
    constexpr long W = 32; // 1.1-1.4 x a pass over the whole block per tap
    long t0 = 0;
    for (; t0 + W <= n; t0 += W) {
        float a[W], b[W];
        for (long w = 0; w < W; ++w) {
            a[w] = 0.0f;
            b[w] = 0.0f;
        }
        for (long j = 0; j < L; ++j) {
            const float hj = h[j];
            const float* r = re + t0 + j;
            const float* i = im + t0 + j;
            for (long w = 0; w < W; ++w) {
                a[w] += hj * r[w];
                b[w] += hj * i[w];
            }
        }
        std::memcpy(ar + t0, a, sizeof a);
        std::memcpy(ai + t0, b, sizeof b);
    }
    for (; t0 < n; ++t0) {
        float a = 0.0f, b = 0.0f;
        for (long j = 0; j < L; ++j) {
            a += h[j] * re[t0 + j];
            b += h[j] * im[t0 + j];
        }
        ar[t0] = a;
        ai[t0] = b;
    }
}
} // namespace

// ---------------------------------------------------------------------------
fractional_delay::fractional_delay(int n_chan,
                                   double max_delay,
                                   int taps,
                                   double kaiser_beta)
    : d_nchan(n_chan), d_taps(taps), d_beta(kaiser_beta), d_max_delay(max_delay)
{
    check_int_range("n_chan", n_chan, 1, 1 << 16);
    if (taps < 2 || taps > 256 || taps % 2)
        throw_param("taps", std::to_string(taps), "an even number in [2, 256]");
    if (!(std::isfinite(kaiser_beta) && kaiser_beta >= 0.0 && kaiser_beta <= 50.0))
        throw_param("kaiser_beta", num(kaiser_beta), "[0, 50]");
    if (!(std::isfinite(max_delay) && max_delay >= 0.0 && max_delay <= double(1 << 24)))
        throw_param("max_delay", num(max_delay), "[0, 2^24] samples");
    d_hist = long(std::floor(max_delay)) + taps / 2 + 1;
    d_delay.assign(n_chan, 0.0);
    d_int.assign(n_chan, 0);
    d_kfirst.assign(n_chan, 0);
    d_h.assign(n_chan, std::vector<float>{ 1.0f });
    d_re.assign(n_chan, std::vector<float>(d_hist, 0.0f));
    d_im.assign(n_chan, std::vector<float>(d_hist, 0.0f));
    d_len = d_hist;
    d_copy = copy_delay();
}

std::vector<double>
fractional_delay::kernel(double d, int taps, double kaiser_beta, int& k_first)
{
    const double I = std::floor(d);
    double f = d - I;
    if (f < 1e-9 || f > 1.0 - 1e-9) { // an integer delay: one exact tap
        // d just below an integer rounds up: the tap at k = 1, y(t) = x(t - I - 1)
        k_first = f > 0.5 ? 1 : 0;
        return { 1.0 };
    }
    const int h = int(std::min<double>(taps / 2, I + 1.0));
    k_first = -(h - 1);
    std::vector<double> w(2 * size_t(h));
    const double i0b = bessel_i0(kaiser_beta);
    double sum = 0.0;
    for (int j = 0; j < 2 * h; ++j) {
        const double u = double(k_first + j) - f; // |u| < h
        const double r = u / double(h);
        const double win =
            bessel_i0(kaiser_beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / i0b;
        const double s = std::sin(pi * u) / (pi * u);
        w[j] = win * s;
        sum += w[j];
    }
    for (auto& v : w) // unit gain at DC
        v /= sum;
    return w;
}

void fractional_delay::set_delays(const std::vector<double>& delays)
{
    if (delays.size() != 1 && delays.size() != size_t(d_nchan))
        throw_param("delays",
                    list_str(delays.size(), "value"),
                    "1 or n_chan (" + std::to_string(d_nchan) + ") values");
    for (double v : delays)
        if (!(std::isfinite(v) && v >= 0.0 && v <= d_max_delay))
            throw_param("delay", num(v), "[0, " + num(d_max_delay) + "] samples");
    for (int c = 0; c < d_nchan; ++c) {
        d_delay[c] = delays.size() == 1 ? delays[0] : delays[c];
        rebuild(c);
    }
    d_copy = copy_delay();
}

long fractional_delay::copy_delay() const
{
    const long D = d_int[0] + d_kfirst[0];
    for (int c = 0; c < d_nchan; ++c)
        if (d_h[c].size() != 1 || d_h[c][0] != 1.0f || d_int[c] + d_kfirst[c] != D)
            return -1;
    return D;
}

void fractional_delay::rebuild(int c)
{
    int kf = 0;
    const auto h = kernel(d_delay[c], d_taps, d_beta, kf);
    d_int[c] = long(std::floor(d_delay[c]));
    d_kfirst[c] = kf;
    d_h[c].resize(h.size());
    for (size_t j = 0; j < h.size(); ++j) // reversed: ascending sample index
        d_h[c][j] = float(h[h.size() - 1 - j]);
}

void fractional_delay::reset()
{
    for (int c = 0; c < d_nchan; ++c) {
        d_re[c].assign(d_hist, 0.0f);
        d_im[c].assign(d_hist, 0.0f);
    }
    d_len = d_hist;
}

long fractional_delay::make_room(long n)
{
    // Each channel's line holds the last d_hist samples at [d_len - d_hist,
    // d_len) and grows by n per call; the history moves back to the front only
    // when the line is full (a long max_delay would otherwise be copied on
    // every call).
    if (d_len + n > long(d_re[0].size())) {
        const long cap = std::max<long>(long(d_re[0].size()), 2 * (d_hist + n));
        for (long c = 0; c < d_nchan; ++c) {
            for (auto* v : { &d_re[c], &d_im[c] }) {
                std::copy(v->begin() + (d_len - d_hist), v->begin() + d_len, v->begin());
                v->resize(size_t(cap));
            }
        }
        d_len = d_hist;
    }
    return d_len - d_hist;
}

void fractional_delay::filter(long c, long base, long n, float* ar, float* ai)
{
    const float* re = d_re[c].data() + base;
    const float* im = d_im[c].data() + base;
    const float* h = d_h[c].data();
    const long L = long(d_h[c].size());
    // y(t) = sum_j h_rev[j] x(t - I - k_first - L + 1 + j)
    const long off = d_hist - d_int[c] - d_kfirst[c] - L + 1;
    if (L == 1 && h[0] == 1.0f) {
        // an integer delay: a copy, 0 + x being the FIR's exact sum
        // (1 * x == x; the zero start turns -0 into +0)
        for (long t = 0; t < n; ++t) {
            ar[t] = 0.0f + re[off + t];
            ai[t] = 0.0f + im[off + t];
        }
        return;
    }
    fir_split(h, L, re + off, im + off, ar, ai, n);
}

void fractional_delay::process(const cfloat* in, cfloat* out, long n)
{
    if (n <= 0)
        return;
    const long C = d_nchan;
    const long base = make_room(n);
    if (d_copy >= 0) {
        // one integer delay D for every channel (an exact tap each): snapshot
        // t >= D is 0 + snapshot t - D of this block, all channels in one pass
        // (the zero start turns -0 into +0, as the FIR's sum does), the first D
        // from the lines; the lines keep only what a later call reads, the
        // last d_hist samples
        const long D = d_copy, head = std::min(D, n);
        for (long c = 0; c < C; ++c) {
            const float* re = d_re[c].data() + base + d_hist - D;
            const float* im = d_im[c].data() + base + d_hist - D;
            for (long t = 0; t < head; ++t)
                out[t * C + c] = cfloat(0.0f + re[t], 0.0f + im[t]);
        }
        const float* src = reinterpret_cast<const float*>(in);
        float* dst = reinterpret_cast<float*>(out + head * C);
        const long m = 2 * C * (n - head);
        for (long i = 0; i < m; ++i)
            dst[i] = 0.0f + src[i];
        const long t0 = std::max(0L, n - d_hist);
        for (long c = 0; c < C; ++c) {
            float* re = d_re[c].data() + base + d_hist;
            float* im = d_im[c].data() + base + d_hist;
            for (long t = t0; t < n; ++t) {
                re[t] = in[t * C + c].real();
                im[t] = in[t * C + c].imag();
            }
        }
        d_len += n;
        return;
    }
    for (long c = 0; c < C; ++c) {
        float* re = d_re[c].data() + base;
        float* im = d_im[c].data() + base;
        for (long t = 0; t < n; ++t) {
            re[d_hist + t] = in[t * C + c].real();
            im[d_hist + t] = in[t * C + c].imag();
        }
        const float* h = d_h[c].data();
        const long L = long(d_h[c].size());
        // y(t) = sum_j h_rev[j] x(t - I - k_first - L + 1 + j)
        const long off = d_hist - d_int[c] - d_kfirst[c] - L + 1;
        if (L == 1 && h[0] == 1.0f) {
            // the integer delay's copy (filter()) straight into the snapshots
            for (long t = 0; t < n; ++t)
                out[t * C + c] = cfloat(0.0f + re[off + t], 0.0f + im[off + t]);
            continue;
        }
        at_least(d_acc_re, size_t(n));
        at_least(d_acc_im, size_t(n));
        float* ar = d_acc_re.data();
        float* ai = d_acc_im.data();
        fir_split(h, L, re + off, im + off, ar, ai, n);
        for (long t = 0; t < n; ++t)
            out[t * C + c] = cfloat(ar[t], ai[t]);
    }
    d_len += n;
}

void fractional_delay::process_split(const float* in, float* out, long n)
{
    if (n <= 0)
        return;
    const long base = make_room(n);
    const size_t N = size_t(n);
    for (long c = 0; c < d_nchan; ++c) {
        const float* xr = in + 2 * size_t(c) * N;
        std::copy(xr, xr + N, d_re[c].data() + base + d_hist);
        std::copy(xr + N, xr + 2 * N, d_im[c].data() + base + d_hist);
        float* yr = out + 2 * size_t(c) * N;
        filter(c, base, n, yr, yr + N);
    }
    d_len += n;
}

// ---------------------------------------------------------------------------
impairment_profile impairment_profile::named(const std::string& name)
{
    impairment_profile p;
    if (name == "none")
        return p;
    if (name == "typical") {
        // One phase-coherent array on shared 10 MHz + PPS (N310/X310 class),
        // users on their own radios; docs/ota.md lists the source of each value.
        p.name = "typical";
        p.gain_std_db = 0.5;
        p.random_phase = true;
        p.drift_phase_std_deg = 2.0;
        p.drift_gain_std_db = 0.1;
        p.drift_tau_s = 60.0;
        p.iq_gain_db = 0.2;
        p.iq_phase_deg = 1.5;
        p.pn_rms_deg = 1.0;
        p.pn_corner_hz = 100e3;
        p.sense_cfo_ppm = 0.0;
        p.user_cfo_ppm = 0.05;
        p.loop_delay_min = 8.0;
        p.loop_delay_max = 40.0;
        p.rx_skew_max = 0.0;
        p.user_delay_max = 256.0;
        p.user_timing_ns = 100.0;
        p.adc_headroom_db = 40.0;
        return p;
    }
    if (name == "harsh") {
        // Beyond the data sheets: separate references, warm-up drift, an
        // uncalibrated IQ front end and a receive gain set too high.
        p.name = "harsh";
        p.gain_std_db = 1.5;
        p.random_phase = true;
        p.drift_phase_std_deg = 10.0;
        p.drift_gain_std_db = 0.5;
        p.drift_tau_s = 10.0;
        p.iq_gain_db = 1.0;
        p.iq_phase_deg = 5.0;
        p.pn_rms_deg = 3.0;
        p.pn_corner_hz = 300e3;
        p.sense_cfo_ppm = 0.02;
        p.user_cfo_ppm = 10.0;
        p.loop_delay_min = 8.0;
        p.loop_delay_max = 200.0;
        p.rx_skew_max = 0.1;
        p.user_delay_max = 4096.0;
        p.users_free_running = true;
        p.adc_headroom_db = 25.0;
        return p;
    }
    throw_param("impairments", "'" + name + "'", "'none', 'typical' or 'harsh'");
}

void impairment_profile::validate() const
{
    check_nonneg("gain_std_db", gain_std_db);
    check_nonneg("drift_phase_std_deg", drift_phase_std_deg);
    check_nonneg("drift_gain_std_db", drift_gain_std_db);
    check_positive_finite("drift_tau_s", drift_tau_s);
    check_nonneg("iq_gain_db", iq_gain_db);
    if (!(std::isfinite(iq_phase_deg) && iq_phase_deg >= 0.0 && iq_phase_deg < 45.0))
        throw_param("iq_phase_deg", num(iq_phase_deg), "[0, 45) degrees");
    if (iq_gain_db > 6.0)
        throw_param("iq_gain_db", num(iq_gain_db), "[0, 6] dB");
    if (!(std::isfinite(pn_rms_deg) && pn_rms_deg >= 0.0 && pn_rms_deg <= 60.0))
        throw_param("pn_rms_deg", num(pn_rms_deg), "[0, 60] degrees");
    check_positive_finite("pn_corner_hz", pn_corner_hz);
    check_nonneg("sense_cfo_ppm", sense_cfo_ppm);
    check_nonneg("user_cfo_ppm", user_cfo_ppm);
    check_nonneg("loop_delay_min", loop_delay_min);
    if (!(std::isfinite(loop_delay_max) && loop_delay_max >= loop_delay_min &&
          loop_delay_max <= 1e5))
        throw_param(
            "loop_delay_max", num(loop_delay_max), "[loop_delay_min, 1e5] samples");
    if (!(std::isfinite(rx_skew_max) && rx_skew_max >= 0.0 && rx_skew_max <= 8.0))
        throw_param("rx_skew_max", num(rx_skew_max), "[0, 8] samples");
    if (!(std::isfinite(user_delay_max) && user_delay_max >= 0.0 &&
          user_delay_max <= 1e6))
        throw_param("user_delay_max", num(user_delay_max), "[0, 1e6] samples");
    if (!(std::isfinite(user_timing_ns) && user_timing_ns >= 0.0 &&
          user_timing_ns <= 1e9))
        throw_param("user_timing_ns", num(user_timing_ns), "[0, 1e9] ns");
    if (!(adc_headroom_db > 0.0)) // +inf (no clipping) is allowed
        throw_param("adc_headroom_db", num(adc_headroom_db), "> 0 dB (inf: no clipping)");
}

void frontend_params::validate() const
{
    check_int_range("n_tx", n_tx, 1, max_antennas);
    check_int_range("n_rx", n_rx, 1, max_antennas);
    check_int_range("n_users", n_users, 1, max_users);
    check_positive_finite("samp_rate", samp_rate);
    check_positive_finite("center_freq", center_freq);
    if (users != comm_model::rayleigh && user_rad.size() != size_t(n_users))
        throw_param("user_deg",
                    list_str(user_rad.size(), "angle"),
                    "n_users (" + std::to_string(n_users) + ") angles");
    for (double r : user_rad)
        check_rad("user_deg", r);
    check_positive_finite("user_gain", user_gain);
    check_db_range("rician_k_db", rician_k_db);
    check_positive_finite("comm_noise_var", comm_noise_var);
    check_rad("target_deg", target_rad);
    check_db_range("target_snr_db", target_snr_db);
    if (clutter_rad.size() != cnr_db.size())
        throw_param("cnr_db",
                    list_str(cnr_db.size(), "value"),
                    "one value per clutter_deg entry (" +
                        std::to_string(clutter_rad.size()) + ")");
    for (double r : clutter_rad)
        check_rad("clutter_deg", r);
    for (double c : cnr_db)
        check_db_range("cnr_db", c);
    check_positive_finite("radar_noise_var", radar_noise_var);
    check_int_range("target_coherence", target_coherence, 0, 1L << 40);
    check_rad("pilot_deg", pilot_rad);
    if (!(pilot_snr_db == -std::numeric_limits<double>::infinity()))
        check_db_range("pilot_snr_db", pilot_snr_db);
    if (!(std::isfinite(pilot_freq) && std::abs(pilot_freq) < 0.5))
        throw_param("pilot_freq", num(pilot_freq), "(-0.5, 0.5) cycles per sample");
    check_db_range("loopback_snr_db", loopback_snr_db);
    if (fd_taps < 2 || fd_taps > 64 || fd_taps % 2)
        throw_param("fd_taps", std::to_string(fd_taps), "an even number in [2, 64]");
    if (phase_history_values < 1 || phase_history_values > (uint64_t(1) << 27))
        throw_param("phase_history_values",
                    std::to_string(phase_history_values),
                    "[1, 2^27] phases (1 GiB)");
    if (uplink_len < 0 || uplink_len > frame_max_len)
        throw_param("uplink_len",
                    std::to_string(uplink_len),
                    "[0, " + std::to_string(frame_max_len) +
                        "] snapshots (0: no uplink)");
    if (uplink_len > 0) {
        int order = 1;
        while (order < n_users)
            order *= 2;
        if (uplink_len % order)
            throw_param("uplink_len",
                        std::to_string(uplink_len),
                        "a multiple of " + std::to_string(order) +
                            " (n_users rounded up to a power of two)");
        if (uplink_period < uint64_t(uplink_len) || uplink_period > (uint64_t(1) << 40))
            throw_param("uplink_period",
                        std::to_string(uplink_period),
                        "[uplink_len, 2^40] snapshots");
        if (uplink_offset >= uplink_period)
            throw_param("uplink_offset",
                        std::to_string(uplink_offset),
                        "[0, uplink_period) snapshots");
        check_db_range("uplink_snr_db", uplink_snr_db);
        check_db_range("uplink_self_db", uplink_self_db);
        if (uplink_seed == 0)
            throw_param("uplink_seed", "0", "> 0");
    }
    imp.validate();
}

// ---------------------------------------------------------------------------
frontend_emulator::frontend_emulator(const frontend_params& p)
    : d_p(p),
      d_fd_echo(p.n_rx + (p.loopback ? 1 : 0),
                p.imp.loop_delay_max + p.imp.rx_skew_max + 1.0,
                p.fd_taps),
      d_fd_user(p.n_users, p.imp.user_delay_max + 2.0, p.fd_taps),
      d_fd_ul(p.n_users, p.fd_taps / 2 + 1.0, p.fd_taps)
{
    d_p.validate();
    d_seed = d_p.seed ? d_p.seed : random_seed();
    uint64_t st = d_seed;
    gaussian_rng rng_scene(splitmix64(st));
    gaussian_rng rng_static(splitmix64(st));
    d_rng_drift.seed(splitmix64(st));
    const uint64_t chain_seed = splitmix64(st);
    d_rng_target.seed(splitmix64(st));

    draw_scene(rng_scene);
    if (d_p.target_coherence > 0)
        draw_target();

    const auto& im = d_p.imp;
    d_loop_delay = im.loop_delay_min +
                   (im.loop_delay_max - im.loop_delay_min) * rng_static.uniform();
    if (im.loop_delay_max == im.loop_delay_min)
        d_loop_delay = im.loop_delay_min;

    d_tx.resize(d_p.n_tx);
    d_rx.resize(n_sense_out());
    d_user.resize(d_p.n_users);
    uint64_t cs = chain_seed;
    for (auto& c : d_tx) {
        c.rng.seed(splitmix64(cs));
        draw_chain(c, rng_static, 0.0, 0.0, false);
    }
    std::vector<double> echo_delay;
    for (int m = 0; m < n_sense_out(); ++m) {
        auto& c = d_rx[m];
        c.rng.seed(splitmix64(cs));
        draw_chain(c, rng_static, im.sense_cfo_ppm, d_p.radar_noise_var, true);
        const double skew = im.rx_skew_max * (2.0 * rng_static.uniform() - 1.0);
        c.truth.delay = std::max(0.0, d_loop_delay + (m < d_p.n_rx ? skew : 0.0));
        echo_delay.push_back(c.truth.delay);
    }
    std::vector<double> user_delay;
    for (auto& c : d_user) {
        c.rng.seed(splitmix64(cs));
        draw_chain(c, rng_static, im.user_cfo_ppm, d_p.comm_noise_var, true);
        const double whole = std::floor((im.user_delay_max + 1.0) * rng_static.uniform());
        const double frac_max =
            im.users_free_running
                ? 1.0
                : std::min(1.0, im.user_timing_ns * 1e-9 * d_p.samp_rate);
        c.truth.delay =
            std::min(im.user_delay_max + 1.0, whole + frac_max * rng_static.uniform());
        user_delay.push_back(c.truth.delay);
    }
    d_fd_echo.set_delays(echo_delay);
    d_fd_user.set_delays(user_delay);
    d_pilot_phase0 = 2.0 * pi * rng_static.uniform();

    // the history's memory is bounded whatever the array (2^20 phases, 8 MiB,
    // by default)
    d_hist_cap = std::max<size_t>(
        64, size_t(d_p.phase_history_values) / size_t(d_p.n_tx + d_p.n_rx));
    d_hist_cap -= d_hist_cap % 2;
    record_phases();

    // drift: Ornstein-Uhlenbeck steps every drift_step snapshots
    const double dt = double(drift_step) / d_p.samp_rate;
    d_drift_a = std::exp(-dt / im.drift_tau_s);
    const double s = std::sqrt(std::max(0.0, 1.0 - d_drift_a * d_drift_a));
    d_drift_b_ph = deg2rad(im.drift_phase_std_deg) * s;
    d_drift_b_g = im.drift_gain_std_db * s;

    if (d_p.uplink_len > 0) {
        // Streams of their own, drawn after everything else: switching the
        // uplink on leaves every other draw of a seed as it was.
        gaussian_rng rng_ul(splitmix64(st));
        d_rng_drift_ul.seed(splitmix64(st));
        uint64_t us = splitmix64(st);
        d_utx.resize(d_p.n_users);
        for (int u = 0; u < d_p.n_users; ++u) {
            auto& c = d_utx[u];
            c.rng.seed(splitmix64(us));
            draw_chain(c, rng_ul, 0.0, 0.0, false);
            c.cfo = -d_user[u].cfo; // the user's one LO: its uplink moves the other way
            c.truth.cfo = c.cfo;
        }
        d_arx.resize(d_p.n_tx);
        for (auto& c : d_arx) {
            c.rng.seed(splitmix64(us));
            draw_chain(c, rng_ul, im.sense_cfo_ppm, d_p.radar_noise_var, true);
        }
        d_ul_pilots =
            0.5f * orthogonal_pilots(d_p.n_users, d_p.uplink_len, d_p.uplink_seed);
        // |pilot|^2 = 1/2 per snapshot
        d_ul_gain = std::sqrt(d_p.radar_noise_var * db2lin(d_p.uplink_snr_db) / 0.5) /
                    d_p.user_gain;
        // timing advance aligns each user to the slot up to its fractional
        // timing offset; the delay line needs d_ul_lead samples of lead
        d_ul_lead = d_p.fd_taps / 2;
        std::vector<double> ul_delay;
        for (int u = 0; u < d_p.n_users; ++u) {
            const double f = d_user[u].truth.delay - std::floor(d_user[u].truth.delay);
            d_utx[u].truth.delay = f;
            ul_delay.push_back(double(d_ul_lead) + f);
        }
        d_fd_ul.set_delays(ul_delay);
        // the array's own transmission reaches its receive chains one loop
        // delay later (its integer part: the Tx->Rx latency to the snapshot)
        d_self_gain = float(std::sqrt(d_p.radar_noise_var *
                                      db2lin(d_p.uplink_snr_db + d_p.uplink_self_db) *
                                      double(d_p.n_tx)));
        d_self_delay = long(std::floor(d_loop_delay));
        d_self_hist.assign(2 * size_t(d_self_delay) * size_t(d_p.n_tx), 0.0f);
        d_self_on.assign(size_t(d_self_delay), 0);
    }
}

void frontend_emulator::draw_scene(gaussian_rng& rng)
{
    const int nt = d_p.n_tx, nr = d_p.n_rx, nu = d_p.n_users;
    // users
    if (d_p.users == comm_model::los)
        d_H = d_p.user_gain * los_channel(nt, d_p.user_rad);
    else
        d_H = d_p.user_gain *
              draw_comm_channel(d_p.users, nu, nt, d_p.user_rad, d_p.rician_k_db, rng);
    // echo: clutter static with random phases (a room's reflections do not
    // fluctuate); the target static too, or Swerling 1 (rebuild_echo)
    const auto conv = array_convention::first_element_unit_norm();
    const int e = 1 + int(d_p.clutter_rad.size());
    d_gamma.resize(e);
    d_G_clutter = cmat::Zero(nr, nt);
    for (int q = 0; q < e; ++q) {
        const double th = q == 0 ? d_p.target_rad : d_p.clutter_rad[q - 1];
        const double snr = q == 0 ? d_p.target_snr_db : d_p.cnr_db[q - 1];
        const double ph = 2.0 * pi * rng.uniform();
        d_gamma[q] = std::sqrt(d_p.radar_noise_var * db2lin(snr)) *
                     cdouble(std::cos(ph), std::sin(ph));
        const cmat Gq =
            ula_steering(nr, th, conv) * ula_steering(nt, th, conv).transpose();
        if (q == 0)
            d_G_target = Gq;
        else
            d_G_clutter += d_gamma[q] * Gq;
    }
    rebuild_echo();
    d_Hf.resize(size_t(nu) * nt);
    for (int u = 0; u < nu; ++u)
        for (int k = 0; k < nt; ++k)
            d_Hf[size_t(u) * nt + k] = cfloat(d_H(u, k));
    d_coupler =
        cfloat(float(std::sqrt(d_p.radar_noise_var * db2lin(d_p.loopback_snr_db))), 0.0f);
    d_pilot_a.assign(nr, cfloat(0.0f, 0.0f));
    if (d_p.pilot_snr_db != -std::numeric_limits<double>::infinity()) {
        const double amp = std::sqrt(d_p.radar_noise_var * db2lin(d_p.pilot_snr_db));
        const cvec a = ula_steering(nr, d_p.pilot_rad); // unit modulus entries
        for (int m = 0; m < nr; ++m)
            d_pilot_a[m] = cfloat(amp * a[m]);
    }
}

void frontend_emulator::rebuild_echo()
{
    const int nt = d_p.n_tx, nr = d_p.n_rx;
    d_G = d_G_clutter + d_gamma[0] * d_G_target;
    d_Gf.resize(size_t(nr) * nt);
    for (int m = 0; m < nr; ++m)
        for (int k = 0; k < nt; ++k)
            d_Gf[size_t(m) * nt + k] = cfloat(d_G(m, k));
}

void frontend_emulator::draw_target()
{
    // Swerling 1: a new CN(0, zeta_0^2) gain for each coherence interval
    const double z = std::sqrt(d_p.radar_noise_var * db2lin(d_p.target_snr_db));
    d_gamma[0] = z * d_rng_target.cn();
    rebuild_echo();
}

void frontend_emulator::draw_chain(
    chain& c, gaussian_rng& rng, double cfo_ppm, double noise_var, bool rx)
{
    const auto& im = d_p.imp;
    // static gain and phase; drawn even when zero so every profile consumes the
    // same static stream (a profile change does not reshuffle the others)
    const double g_db = im.gain_std_db * rng.normal();
    const double u_ph = rng.uniform();
    const double ph = im.random_phase ? 2.0 * pi * u_ph - pi : 0.0;
    c.g_static = std::pow(10.0, g_db / 20.0) * cdouble(std::cos(ph), std::sin(ph));
    // IQ imbalance: y = K1 z + K2 z*, K1 = (1 + g e^{-j phi})/2, K2 = (1 - g e^{j phi})/2
    const double eps = im.iq_gain_db * (2.0 * rng.uniform() - 1.0);
    const double iphi = deg2rad(im.iq_phase_deg) * (2.0 * rng.uniform() - 1.0);
    const double g = std::pow(10.0, eps / 20.0);
    const cdouble k1 = 0.5 * (1.0 + g * cdouble(std::cos(-iphi), std::sin(-iphi)));
    const cdouble k2 = 0.5 * (1.0 - g * cdouble(std::cos(iphi), std::sin(iphi)));
    c.k1 = cfloat(k1);
    c.k2 = cfloat(k2);
    c.truth.image = k2;
    const double u_cfo = rng.uniform();
    c.cfo = cfo_ppm * 1e-6 * d_p.center_freq / d_p.samp_rate * (2.0 * u_cfo - 1.0);
    c.truth.cfo = c.cfo;
    // phase noise: discrete OU with stationary std pn_rms and corner pn_corner
    const double a = std::exp(-2.0 * pi * im.pn_corner_hz / d_p.samp_rate);
    const double sd = deg2rad(im.pn_rms_deg);
    c.pn_a = float(a);
    c.pn_b = float(sd * std::sqrt(std::max(0.0, 1.0 - a * a)));
    c.pn_exact = sd > deg2rad(2.0);
    c.pn = float(sd * c.rng.normal()); // start in the stationary state
    if (rx) {
        c.noise_std = float(std::sqrt(0.5 * noise_var));
        c.clip = std::isfinite(im.adc_headroom_db)
                     ? float(std::sqrt(noise_var * db2lin(im.adc_headroom_db)))
                     : 0.0f;
    } else {
        c.clip = 1.0f; // DAC full scale of the fc32 stream
    }
    refresh_gain(c);
}

void frontend_emulator::refresh_gain(chain& c)
{
    const cdouble drift = std::pow(10.0, c.drift_gain_db / 20.0) *
                          cdouble(std::cos(c.drift_phase), std::sin(c.drift_phase));
    const cdouble g = c.g_static * drift;
    c.g_now = cfloat(g);
    c.truth.gain = g * cdouble(c.k1);
}

void frontend_emulator::update_drift()
{
    auto step = [this](std::vector<chain>& v) {
        for (auto& c : v) {
            c.drift_phase =
                d_drift_a * c.drift_phase + d_drift_b_ph * d_rng_drift.normal();
            c.drift_gain_db =
                d_drift_a * c.drift_gain_db + d_drift_b_g * d_rng_drift.normal();
            refresh_gain(c);
        }
    };
    step(d_tx);
    step(d_rx);
    step(d_user);
    for (auto* v : { &d_utx, &d_arx })
        for (auto& c : *v) {
            c.drift_phase =
                d_drift_a * c.drift_phase + d_drift_b_ph * d_rng_drift_ul.normal();
            c.drift_gain_db =
                d_drift_a * c.drift_gain_db + d_drift_b_g * d_rng_drift_ul.normal();
            refresh_gain(c);
        }
}

std::vector<double> frontend_emulator::tx_phases() const
{
    std::vector<double> v;
    for (const auto& c : d_tx)
        v.push_back(std::arg(c.truth.gain * std::conj(d_tx[0].truth.gain)));
    return v;
}

std::vector<double> frontend_emulator::rx_phases() const
{
    std::vector<double> v;
    for (int m = 0; m < d_p.n_rx; ++m)
        v.push_back(std::arg(d_rx[m].truth.gain * std::conj(d_rx[0].truth.gain)));
    return v;
}

void frontend_emulator::record_phases()
{
    if ((d_pos / drift_step) % d_hist_stride)
        return;
    if (d_hist_pos.size() == d_hist_cap) {
        // full: keep every second entry (those at multiples of twice the stride)
        const size_t w = size_t(d_p.n_tx + d_p.n_rx);
        size_t k = 0;
        for (size_t i = 0; i < d_hist_pos.size(); i += 2, ++k) {
            d_hist_pos[k] = d_hist_pos[i];
            std::copy(d_hist.begin() + i * w,
                      d_hist.begin() + (i + 1) * w,
                      d_hist.begin() + k * w);
        }
        d_hist_pos.resize(k);
        d_hist.resize(k * w);
        d_hist_stride *= 2;
        if ((d_pos / drift_step) % d_hist_stride)
            return;
    }
    d_hist_pos.push_back(d_pos);
    const auto t = tx_phases(), r = rx_phases();
    d_hist.insert(d_hist.end(), t.begin(), t.end());
    d_hist.insert(d_hist.end(), r.begin(), r.end());
}

std::vector<double>
frontend_emulator::phases_over(uint64_t first, uint64_t last, bool tx) const
{
    if (first > last || last >= d_pos)
        throw std::out_of_range(
            "phases over snapshots [" + std::to_string(first) + ", " +
            std::to_string(last) +
            "]: need first <= last < position() = " + std::to_string(d_pos));
    const size_t w = size_t(d_p.n_tx + d_p.n_rx);
    const int n = tx ? d_p.n_tx : d_p.n_rx;
    const size_t col = tx ? 0 : size_t(d_p.n_tx);
    std::vector<cdouble> acc(size_t(n), 0.0);
    auto add = [&](const double* ph, uint64_t a, uint64_t b) { // [a, b) of the window
        for (int k = 0; k < n; ++k)
            acc[size_t(k)] += double(b - a) * std::polar(1.0, ph[k]);
    };
    // entry i holds from d_hist_pos[i] to the next entry; after the last kept
    // one, the updates since (d_last_drift) hold the current phases
    const uint64_t end = last + 1;
    size_t i = size_t(std::upper_bound(d_hist_pos.begin(), d_hist_pos.end(), first) -
                      d_hist_pos.begin()) -
               1; // d_hist_pos[0] = 0 <= first
    const uint64_t cur_from = std::max(d_hist_pos.back(), d_last_drift);
    for (uint64_t a = first; a < end && i < d_hist_pos.size(); ++i) {
        uint64_t b = i + 1 < d_hist_pos.size() ? d_hist_pos[i + 1] : cur_from;
        b = std::min(std::max(b, a), end);
        add(d_hist.data() + i * w + col, a, b);
        a = b;
    }
    if (end > cur_from) {
        const auto now = tx ? tx_phases() : rx_phases();
        add(now.data(), std::max(first, cur_from), end);
    }
    std::vector<double> v;
    for (const auto& z : acc)
        v.push_back(std::arg(z));
    return v;
}

std::vector<double> frontend_emulator::tx_phases_over(uint64_t first, uint64_t last) const
{
    return phases_over(first, last, true);
}

std::vector<double> frontend_emulator::rx_phases_over(uint64_t first, uint64_t last) const
{
    return phases_over(first, last, false);
}

cmat frontend_emulator::H_effective() const
{
    cmat He = d_H;
    for (int u = 0; u < d_p.n_users; ++u)
        for (int k = 0; k < d_p.n_tx; ++k)
            He(u, k) *= d_user[u].truth.gain * d_tx[k].truth.gain;
    return He;
}

cmat frontend_emulator::H_uplink() const
{
    cmat Hu = cmat::Zero(d_p.n_tx, d_p.n_users);
    if (d_p.uplink_len <= 0)
        return Hu;
    for (int n = 0; n < d_p.n_tx; ++n)
        for (int u = 0; u < d_p.n_users; ++u)
            Hu(n, u) = d_arx[n].truth.gain * d_H(u, n) * d_ul_gain * d_utx[u].truth.gain;
    return Hu;
}

cmat frontend_emulator::H_downlink_reported() const
{
    cmat D = d_H;
    for (int u = 0; u < d_p.n_users; ++u) {
        const cdouble g = d_user[u].truth.gain;
        const cdouble ph = std::abs(g) > 0 ? g / std::abs(g) : cdouble(1.0);
        for (int k = 0; k < d_p.n_tx; ++k)
            D(u, k) *= ph * d_tx[k].truth.gain;
    }
    return D;
}

namespace {
// exp(j phi) for a small phase-noise sample: the series to phi^3 is exact to
// 3e-7 for |phi| < 0.05 rad (the exact path takes over above 2 deg RMS)
inline cfloat small_rot(float phi, bool exact)
{
    if (exact)
        return cfloat(std::cos(phi), std::sin(phi));
    const float p2 = phi * phi;
    return cfloat(1.0f - 0.5f * p2 + p2 * p2 * (1.0f / 24.0f),
                  phi * (1.0f - p2 * (1.0f / 6.0f)));
}
} // namespace

namespace {
// a * b as std::complex<float> computes it for finite operands (the same
// products and sums, so the same bits), without its NaN recovery branch,
// which keeps the loops below free of calls and vectorisable
inline cfloat cmul(cfloat a, cfloat b)
{
    return cfloat(a.real() * b.real() - a.imag() * b.imag(),
                  a.real() * b.imag() + a.imag() * b.real());
}
// k1 z + k2 conj(z)
inline cfloat iq_image(cfloat k1, cfloat k2, cfloat z)
{
    const cfloat a = cmul(k1, z), b = cmul(k2, std::conj(z));
    return cfloat(a.real() + b.real(), a.imag() + b.imag());
}
} // namespace

namespace {
// One receive chain on split real/imaginary samples (one channel of the
// block): noise, phase noise x gain, the CFO phasor (rf,
// may be null), IQ image, ADC clipping (clip > 0). The operations of the
// per-sample loop in its order, so every clone gives its bits; returns the
// clipped count.
// column c of n interleaved snapshots (stride samples each) to split real and
// imaginary parts, and back
void column_out(const cfloat* c, int stride, long n, float* re, float* im)
{
    for (long t = 0; t < n; ++t) {
        re[t] = c[t * stride].real();
        im[t] = c[t * stride].imag();
    }
}
void column_in(const float* re, const float* im, long n, cfloat* c, int stride)
{
    for (long t = 0; t < n; ++t)
        c[t * stride] = cfloat(re[t], im[t]);
}
// row m of out = sum_k A(m, k) x_k[t] for the rows m of A (row-major, nt
// columns) over the split columns x_k; xs and out split alike (per k or m, N
// real then N imaginary parts): the sums over k in ascending order, as the
// per-snapshot loop adds them, with the snapshots in the vector lanes
ISAC_CLONES_EXACT void air_rows(const float* __restrict xs,
                                int nt,
                                const cfloat* A,
                                int rows,
                                float* __restrict out,
                                long N)
{
    for (int m = 0; m < rows; ++m) {
        float* __restrict ar = out + 2 * size_t(m) * N;
        float* __restrict ai = ar + N;
        for (long t = 0; t < N; ++t) {
            ar[t] = 0.0f;
            ai[t] = 0.0f;
        }
        for (int k = 0; k < nt; ++k) {
            const float gr = A[size_t(m) * nt + k].real(),
                        gi = A[size_t(m) * nt + k].imag();
            const float* xr = xs + 2 * size_t(k) * N;
            const float* xi = xr + N;
            for (long t = 0; t < N; ++t) {
                ar[t] += gr * xr[t] - gi * xi[t];
                ai[t] += gr * xi[t] + gi * xr[t];
            }
        }
    }
}

// One transmit chain on split samples: non-finite parts to zero (counted), DAC
// clipping (counted), IQ image, gain x phase noise; per sample the operations of
// the plain loop in its order.
ISAC_CLONES_EXACT void tx_chain_kernel(float* __restrict re,
                                       float* __restrict im,
                                       const float* __restrict pn,
                                       cfloat g,
                                       cfloat k1,
                                       cfloat k2,
                                       float clip,
                                       long n,
                                       uint64_t& nonfinite_out,
                                       uint64_t& clipped_out)
{
    uint64_t nonfinite = 0, clipped = 0;
    for (long t = 0; t < n; ++t) {
        const float xr = re[t], xi = im[t];
        const bool fr = std::isfinite(xr), fi = std::isfinite(xi);
        nonfinite += uint64_t(!fr) + uint64_t(!fi);
        const float dr = fr ? xr : 0.0f, di = fi ? xi : 0.0f;
        clipped += uint64_t((std::abs(dr) > clip) | (std::abs(di) > clip));
        const cfloat z = iq_image(k1, k2, cfloat(clampf(dr, clip), clampf(di, clip)));
        const cfloat y = cmul(cmul(g, small_rot(pn[t], false)), z);
        re[t] = y.real();
        im[t] = y.imag();
    }
    nonfinite_out += nonfinite;
    clipped_out += clipped;
}

ISAC_CLONES_EXACT uint64_t rx_chain_kernel(float* __restrict re,
                                           float* __restrict im,
                                           const float* __restrict w,
                                           const float* __restrict pn,
                                           const cfloat* __restrict rf,
                                           cfloat g,
                                           cfloat k1,
                                           cfloat k2,
                                           float sd,
                                           float clip,
                                           long n)
{
    uint64_t clipped = 0;
    auto body = [&](bool with_cfo, bool with_clip) {
        for (long t = 0; t < n; ++t) {
            const float nr = sd * w[3 * t];
            const float ni = sd * w[3 * t + 1];
            cfloat z(re[t] + nr, im[t] + ni);
            cfloat e = cmul(g, small_rot(pn[t], false));
            if (with_cfo)
                e = cmul(e, rf[t]);
            z = cmul(z, e);
            float yr, yi;
            {
                const cfloat y = iq_image(k1, k2, z);
                yr = y.real();
                yi = y.imag();
            }
            if (with_clip) {
                clipped += uint64_t((std::abs(yr) > clip) | (std::abs(yi) > clip));
                yr = clampf(yr, clip);
                yi = clampf(yi, clip);
            }
            re[t] = yr;
            im[t] = yi;
        }
    };
    const bool cl = clip > 0.0f;
    if (rf)
        cl ? body(true, true) : body(true, false);
    else
        cl ? body(false, true) : body(false, false);
    return clipped;
}
} // namespace

void frontend_emulator::process_tx(
    std::vector<chain>& v, const cfloat* in, int stride, float* out, long n)
{
    // the draws of each chain in one pass (the state stays in registers), the
    // phase-noise recursions of all chains together (independent, so they overlap
    // instead of each waiting on its own multiply-add), then the per-sample
    // products without a loop-carried dependency: per chain the same operations
    // in the same order as one loop
    const size_t K = v.size(), N = size_t(n);
    at_least(d_pn, K * N);
    for (size_t k = 0; k < K; ++k)
        v[k].rng.fill_normal(d_pn.data() + k * N, N);
    d_chains.clear();
    for (auto& c : v)
        d_chains.push_back(&c);
    ou_recursions(d_chains.data(), K, d_pn.data(), 1, d_pn.data(), n);
    for (size_t k = 0; k < K; ++k) {
        chain& c = v[k];
        const cfloat k1 = c.k1, k2 = c.k2, g = c.g_now;
        const float clip = c.clip;
        const float* pn = d_pn.data() + k * N;
        const cfloat* x = in + k;
        float* yr = out + 2 * k * N;
        float* yi = yr + N;
        uint64_t nonfinite = 0, clipped = 0;
        if (c.pn_exact) { // large phase noise: sincos per sample, scalar
            for (long t = 0; t < n; ++t) {
                const cfloat d = x[t * stride];
                const bool fr = std::isfinite(d.real()), fi = std::isfinite(d.imag());
                nonfinite += uint64_t(!fr) + uint64_t(!fi);
                const float dr = fr ? d.real() : 0.0f, di = fi ? d.imag() : 0.0f;
                clipped += uint64_t(std::abs(dr) > clip || std::abs(di) > clip);
                const cfloat z =
                    iq_image(k1, k2, cfloat(clampf(dr, clip), clampf(di, clip)));
                const cfloat y = cmul(cmul(g, small_rot(pn[t], true)), z);
                yr[t] = y.real();
                yi[t] = y.imag();
            }
        } else {
            column_out(x, stride, n, yr, yi);
            tx_chain_kernel(yr, yi, pn, g, k1, k2, clip, n, nonfinite, clipped);
        }
        d_nonfinite += nonfinite;
        c.truth.clipped += clipped;
    }
}

namespace {
// pn_k[t] = a_k pn_k[t-1] + b_k w_k[per t + per - 1] for M chains side by side;
// M and per fixed at compile time keep the states in registers
template <int M, int per>
void ou_side_by_side(
    float* p, const float* a, const float* b, const float* w, float* pn, size_t N)
{
    float q[M], ca[M], cb[M];
    for (int k = 0; k < M; ++k) {
        q[k] = p[k];
        ca[k] = a[k];
        cb[k] = b[k];
    }
    for (size_t t = 0; t < N; ++t)
        for (int k = 0; k < M; ++k) {
            q[k] = ca[k] * q[k] + cb[k] * w[k * per * N + per * t + per - 1];
            pn[k * N + t] = q[k];
        }
    for (int k = 0; k < M; ++k)
        p[k] = q[k];
}

template <int per>
void ou_group(
    int m, float* p, const float* a, const float* b, const float* w, float* pn, size_t N)
{
    switch (m) {
    case 1:
        return ou_side_by_side<1, per>(p, a, b, w, pn, N);
    case 2:
        return ou_side_by_side<2, per>(p, a, b, w, pn, N);
    case 3:
        return ou_side_by_side<3, per>(p, a, b, w, pn, N);
    case 4:
        return ou_side_by_side<4, per>(p, a, b, w, pn, N);
    case 5:
        return ou_side_by_side<5, per>(p, a, b, w, pn, N);
    case 6:
        return ou_side_by_side<6, per>(p, a, b, w, pn, N);
    case 7:
        return ou_side_by_side<7, per>(p, a, b, w, pn, N);
    default:
        return ou_side_by_side<8, per>(p, a, b, w, pn, N);
    }
}

// rf_k[t] = e^{j 2 pi f_k (pos0 + t)} for M chains side by side (their
// recursions overlap): from the absolute index every 256 samples (no
// accumulated rounding, the same value however the stream is split into
// blocks), a double-precision recursion in between (exact to float rounding)
template <int M>
void cfo_side_by_side(const double* f, cfloat* const* rf, uint64_t pos0, long n)
{
    cdouble step[M], rot[M];
    for (int k = 0; k < M; ++k) {
        step[k] = std::polar(1.0, 2.0 * pi * f[k]);
        rot[k] = cdouble(1.0);
    }
    auto exact_rot = [&](int k, long t) {
        const double cyc = f[k] * double(pos0 + uint64_t(t));
        const double th = 2.0 * pi * (cyc - std::floor(cyc));
        return cdouble(std::cos(th), std::sin(th));
    };
    auto advance = [&](int k, cdouble r) {
        return cdouble(r.real() * step[k].real() - r.imag() * step[k].imag(),
                       r.real() * step[k].imag() + r.imag() * step[k].real());
    };
    for (long t = 0; t < n; ++t) {
        const uint64_t into = (pos0 + uint64_t(t)) & 255u;
        if (into == 0) {
            for (int k = 0; k < M; ++k)
                rot[k] = exact_rot(k, t);
        } else if (t == 0) {
            // from the last anchor, as an unsplit stream would have it
            for (int k = 0; k < M; ++k) {
                rot[k] = exact_rot(k, -long(into));
                for (uint64_t i = 0; i < into; ++i)
                    rot[k] = advance(k, rot[k]);
            }
        }
        for (int k = 0; k < M; ++k) {
            rf[k][t] = cfloat(float(rot[k].real()), float(rot[k].imag()));
            rot[k] = advance(k, rot[k]);
        }
    }
}
} // namespace

void frontend_emulator::ou_recursions(
    chain* const* v, size_t K, const float* w, int per, float* pn, long n)
{
    // pn_k[t] = a_k pn_k[t-1] + b_k w_k[per t + per - 1], up to eight chains side by
    // side (independent recursions overlap instead of each waiting on its own
    // multiply-add); pn may be w when per == 1 (each value is read before it is
    // written)
    constexpr size_t M = 8;
    const size_t N = size_t(n);
    for (size_t k0 = 0; k0 < K; k0 += M) {
        const size_t m = std::min(M, K - k0);
        float a[M], b[M], p[M];
        for (size_t k = 0; k < m; ++k) {
            a[k] = v[k0 + k]->pn_a;
            b[k] = v[k0 + k]->pn_b;
            p[k] = v[k0 + k]->pn;
        }
        const float* wk = w + k0 * size_t(per) * N;
        float* pk = pn + k0 * N;
        if (per == 1)
            ou_group<1>(int(m), p, a, b, wk, pk, N);
        else
            ou_group<3>(int(m), p, a, b, wk, pk, N);
        for (size_t k = 0; k < m; ++k)
            v[k0 + k]->pn = p[k];
    }
}

void frontend_emulator::process_rx(std::initializer_list<rx_group> groups,
                                   long n,
                                   uint64_t pos0)
{
    // the chains of all groups together, so that their recursions overlap
    d_chains.clear();
    for (const auto& g : groups)
        for (auto& c : *g.v)
            d_chains.push_back(&c);
    const size_t K = d_chains.size(), N = size_t(n);
    chain* const* v = d_chains.data();
    // three draws per sample (noise I, Q, phase noise) in one pass per chain, as
    // the per-sample calls would take them
    at_least(d_w, 3 * K * N);
    at_least(d_pn, K * N);
    at_least(d_rot, K * N);
    for (size_t k = 0; k < K; ++k)
        v[k]->rng.fill_normal(d_w.data() + 3 * k * N, 3 * N);
    ou_recursions(v, K, d_w.data(), 3, d_pn.data(), n);
    // the CFO phasors of the chains that have a CFO, up to four side by side
    for (size_t k0 = 0; k0 < K;) {
        double f[4];
        cfloat* rf[4];
        int m = 0;
        for (; k0 < K && m < 4; ++k0)
            if (v[k0]->cfo != 0.0) {
                f[m] = v[k0]->cfo;
                rf[m++] = d_rot.data() + k0 * N;
            }
        switch (m) {
        case 1:
            cfo_side_by_side<1>(f, rf, pos0, n);
            break;
        case 2:
            cfo_side_by_side<2>(f, rf, pos0, n);
            break;
        case 3:
            cfo_side_by_side<3>(f, rf, pos0, n);
            break;
        case 4:
            cfo_side_by_side<4>(f, rf, pos0, n);
            break;
        }
    }
    size_t j = 0; // chain j of all groups: its draws, phase noise and phasor
    for (const auto& grp : groups) {
        for (size_t k = 0; k < grp.v->size(); ++k, ++j) {
            chain& c = *v[j];
            const cfloat k1 = c.k1, k2 = c.k2, g = c.g_now;
            const float sd = c.noise_std, clip = c.clip;
            const float* w = d_w.data() + 3 * j * N;
            const float* pn = d_pn.data() + j * N;
            const cfloat* rf = d_rot.data() + j * N;
            float* re = grp.io + 2 * k * N;
            float* im = re + N;
            uint64_t clipped = 0;
            const bool cfo = c.cfo != 0.0;
            if (c.pn_exact) { // large phase noise: sincos per sample, scalar
                for (long t = 0; t < n; ++t) {
                    const float nr = sd * w[3 * t];
                    const float ni = sd * w[3 * t + 1];
                    const cfloat s(re[t], im[t]);
                    cfloat z(s.real() + nr, s.imag() + ni);
                    cfloat e = cmul(g, small_rot(pn[t], true));
                    if (cfo)
                        e = cmul(e, rf[t]);
                    z = cmul(z, e);
                    cfloat y = iq_image(k1, k2, z);
                    if (clip > 0.0f) {
                        clipped += uint64_t(std::abs(y.real()) > clip ||
                                            std::abs(y.imag()) > clip);
                        y = cfloat(clampf(y.real(), clip), clampf(y.imag(), clip));
                    }
                    re[t] = y.real();
                    im[t] = y.imag();
                }
            } else {
                clipped = rx_chain_kernel(
                    re, im, w, pn, cfo ? rf : nullptr, g, k1, k2, sd, clip, n);
            }
            if (grp.out)
                column_in(re, im, n, grp.out + k, grp.stride);
            c.truth.clipped += clipped;
        }
    }
}

void frontend_emulator::process_uplink(const cfloat* x, cfloat* uplink, long n)
{
    const int nt = d_p.n_tx, nu = d_p.n_users;
    const uint64_t P = d_p.uplink_period, L = uint64_t(d_p.uplink_len);
    const uint64_t off = P - d_p.uplink_offset; // k = (s - uplink_offset) mod P
    d_ul_p.assign(size_t(n) * nu, cfloat(0.0f, 0.0f));
    at_least(d_ul_r, size_t(n) * nt);
    at_least(d_ul_d, size_t(n) * nu);
    // the pilots enter the delay line d_ul_lead snapshots ahead of the slot
    for (long t = 0; t < n; ++t) {
        const uint64_t s = d_pos + uint64_t(t) + uint64_t(d_ul_lead);
        const uint64_t k = (s + off) % P;
        if (k < L)
            for (int u = 0; u < nu; ++u)
                d_ul_p[size_t(t) * nu + u] = d_ul_pilots(u, long(k));
    }
    const size_t N = size_t(n);
    at_least(d_ul_s, 2 * N * size_t(std::max(nu, nt)));
    process_tx(d_utx, d_ul_p.data(), nu, d_ul_s.data(), n);
    for (int u = 0; u < nu; ++u) {
        const float* yr = d_ul_s.data() + 2 * size_t(u) * N;
        column_in(yr, yr + N, n, d_ul_p.data() + u, nu);
    }
    for (int u = 0; u < nu; ++u) {
        const auto& c = d_utx[u];
        if (c.cfo != 0.0)
            for (long t = 0; t < n; ++t) {
                const double cyc = c.cfo * double(d_pos + uint64_t(t));
                const double th = 2.0 * pi * (cyc - std::floor(cyc));
                d_ul_p[size_t(t) * nu + u] *=
                    cfloat(float(std::cos(th)), float(std::sin(th)));
            }
    }
    d_fd_ul.process(d_ul_p.data(), d_ul_d.data(), n);
    const float gain = float(d_ul_gain);
    for (long t = 0; t < n; ++t) {
        const cfloat* d = d_ul_d.data() + size_t(t) * nu;
        cfloat* r = d_ul_r.data() + size_t(t) * nt;
        for (int k = 0; k < nt; ++k) {
            cfloat s(0.0f, 0.0f);
            for (int u = 0; u < nu; ++u)
                s += cmul(d_Hf[size_t(u) * nt + k], d[u]); // reciprocal air: H^T
            r[k] = gain * s;
        }
    }
    add_self(x, n);
    for (int k = 0; k < nt; ++k) {
        float* yr = d_ul_s.data() + 2 * size_t(k) * N;
        column_out(d_ul_r.data() + k, nt, n, yr, yr + N);
    }
    process_rx({ { &d_arx, d_ul_s.data(), uplink, nt } }, n, d_pos);
}

void frontend_emulator::add_self(const cfloat* x, long n)
{
    // d_xs holds this block's transmit chain outputs (split per channel); the
    // snapshots before it come from the history
    const int nt = d_p.n_tx;
    const long D = d_self_delay;
    const size_t N = size_t(n);
    const uint64_t P = d_p.uplink_period, L = uint64_t(d_p.uplink_len);
    const uint64_t off = P - d_p.uplink_offset;
    auto on_now = [&](long t) {
        for (int k = 0; k < nt; ++k) {
            const cfloat v = x[size_t(t) * nt + size_t(k)];
            if ((std::isfinite(v.real()) && v.real() != 0.0f) ||
                (std::isfinite(v.imag()) && v.imag() != 0.0f))
                return true;
        }
        return false;
    };
    for (long t = 0; t < n; ++t) {
        const long j = t - D; // the transmitted snapshot, relative to this block
        const bool on = j >= 0 ? on_now(j) : d_self_on[size_t(t)] != 0;
        if (on && (d_pos + uint64_t(t) + off) % P < L)
            ++d_ul_collisions;
        if (!on)
            continue;
        cfloat* r = d_ul_r.data() + size_t(t) * nt;
        for (int k = 0; k < nt; ++k) {
            float re, im;
            if (j >= 0) {
                const float* xr = d_xs.data() + 2 * size_t(k) * N;
                re = xr[j];
                im = xr[N + size_t(j)];
            } else {
                const float* h = d_self_hist.data() + 2 * size_t(k) * size_t(D);
                re = h[t];
                im = h[size_t(D) + size_t(t)];
            }
            r[k] += d_self_gain * cfloat(re, im);
        }
    }
    if (D == 0)
        return;
    // keep the last D transmitted snapshots
    const long keep = std::max(0L, D - n); // old history still needed
    for (int k = 0; k < nt; ++k) {
        float* h = d_self_hist.data() + 2 * size_t(k) * size_t(D);
        const float* xr = d_xs.data() + 2 * size_t(k) * N;
        for (int part = 0; part < 2; ++part) {
            float* hp = h + size_t(part) * size_t(D);
            const float* xp = xr + size_t(part) * N;
            std::copy(hp + (D - keep), hp + D, hp);
            std::copy(xp + (n - (D - keep)), xp + n, hp + keep);
        }
    }
    std::copy(d_self_on.begin() + (D - keep), d_self_on.end(), d_self_on.begin());
    for (long i = keep; i < D; ++i)
        d_self_on[size_t(i)] = on_now(n - (D - i)) ? 1 : 0;
}

long frontend_emulator::process_block(
    const cfloat* x, cfloat* echo, cfloat* users, cfloat* uplink, long n)
{
    // every stage on split channels (per channel, n real then n imaginary
    // parts), from the transmit chains' column copies to the receive chains'
    // stores into the outputs: no interleaving in between
    const int nt = d_p.n_tx, nr = d_p.n_rx, nu = d_p.n_users, ns = n_sense_out();
    const size_t N = size_t(n);
    at_least(d_xs, 2 * N * nt);
    at_least(d_air_r, 2 * N * ns);
    at_least(d_air_u, 2 * N * nu);
    at_least(d_del_r, 2 * N * ns);
    at_least(d_del_u, 2 * N * nu);

    process_tx(d_tx, x, nt, d_xs.data(), n);

    // the air: fixed-order sums, so the result never depends on the block size
    air_rows(d_xs.data(), nt, d_Gf.data(), nr, d_air_r.data(), n);
    air_rows(d_xs.data(), nt, d_Hf.data(), nu, d_air_u.data(), n);
    if (d_p.loopback) {
        float* lr = d_air_r.data() + 2 * size_t(nr) * N;
        for (long t = 0; t < n; ++t) {
            cfloat s(0.0f, 0.0f);
            for (int k = 0; k < nt; ++k) {
                const float* xr = d_xs.data() + 2 * size_t(k) * N;
                s += cfloat(xr[t], xr[N + t]);
            }
            const cfloat l = d_coupler * s;
            lr[t] = l.real();
            lr[N + t] = l.imag();
        }
    }
    d_fd_echo.process_split(d_air_r.data(), d_del_r.data(), n);
    d_fd_user.process_split(d_air_u.data(), d_del_u.data(), n);

    // the receive calibration pilot: an external CW source (no loop delay)
    if (d_p.pilot_snr_db != -std::numeric_limits<double>::infinity()) {
        for (long t = 0; t < n; ++t) {
            const uint64_t pos = d_pos + uint64_t(t);
            if (d_p.pilot_len && pos >= d_p.pilot_len)
                break;
            const double cyc = d_p.pilot_freq * double(pos);
            const double th = 2.0 * pi * (cyc - std::floor(cyc)) + d_pilot_phase0;
            const cfloat p(float(std::cos(th)), float(std::sin(th)));
            for (int m = 0; m < nr; ++m) {
                float* r = d_del_r.data() + 2 * size_t(m) * N;
                cfloat v(r[t], r[N + t]);
                v += d_pilot_a[m] * p;
                r[t] = v.real();
                r[N + t] = v.imag();
            }
        }
    }

    process_rx(
        { { &d_rx, d_del_r.data(), echo, ns }, { &d_user, d_del_u.data(), users, nu } },
        n,
        d_pos);

    if (d_p.uplink_len > 0)
        process_uplink(x, uplink, n);
    d_pos += uint64_t(n);
    return n;
}

void frontend_emulator::process(const cfloat* x, cfloat* echo, cfloat* users, long n)
{
    process(x, echo, users, nullptr, n);
}

void frontend_emulator::process(
    const cfloat* x, cfloat* echo, cfloat* users, cfloat* uplink, long n)
{
    const int nt = d_p.n_tx, nu = d_p.n_users, ns = n_sense_out();
    long done = 0;
    while (done < n) {
        if (d_pos > 0 && d_pos % drift_step == 0 && d_pos != d_last_drift) {
            update_drift();
            d_last_drift = d_pos;
            record_phases();
        }
        const uint64_t tc = uint64_t(d_p.target_coherence);
        if (tc && d_pos > 0 && d_pos % tc == 0 && d_pos != d_last_target) {
            draw_target();
            d_last_target = d_pos;
        }
        uint64_t next = (d_pos / drift_step + 1) * drift_step;
        if (tc)
            next = std::min(next, (d_pos / tc + 1) * tc);
        const long len = long(std::min<uint64_t>(uint64_t(n - done), next - d_pos));
        process_block(x + done * nt,
                      echo ? echo + done * ns : nullptr,
                      users ? users + done * nu : nullptr,
                      uplink ? uplink + done * n_uplink_out() : nullptr,
                      len);
        done += len;
    }
}

} // namespace core
} // namespace isac
} // namespace gr
