/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "clones.h"
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/nullspace.h>   // exp_correlation
#include <gnuradio/isac/core/safe_margin.h> // psk_round
#include <gnuradio/isac/core/user_rx.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>

namespace gr {
namespace isac {
namespace core {

namespace {
constexpr double two_pi = 2.0 * pi;
// first-order timing loop gain per frame (tracking)
constexpr double timing_gain = 0.25;

std::vector<double> kay_weights(int R)
{
    // Kay (1989): w_k = 1.5 R / (R^2 - 1) [1 - ((k - (R/2 - 1)) / (R/2))^2],
    // k = 0..R-2, for the R-1 phase differences of R samples; they sum to 1.
    std::vector<double> w(R - 1);
    const double c = 1.5 * R / (double(R) * R - 1.0), h = R / 2.0;
    for (int k = 0; k < R - 1; ++k) {
        const double u = (k - (h - 1.0)) / h;
        w[k] = c * (1.0 - u * u);
    }
    return w;
}
} // namespace

// ---------------------------------------------------------------- parameters
void user_rx_params::validate() const
{
    format.validate();
    check_int_range("psk_order", psk_order, 2, 1 << 16);
    check_positive_finite("power", power);
    if (!(std::isfinite(channel_var) && channel_var >= 0))
        throw_param("channel_var", std::to_string(channel_var), ">= 0 (0: estimated)");
    if (!(std::isfinite(channel_corr) && channel_corr >= 0 && channel_corr < 1))
        throw_param("channel_corr", std::to_string(channel_corr), "[0, 1)");
    if (!(std::isfinite(csi_noise_var) && csi_noise_var >= 0))
        throw_param(
            "csi_noise_var", std::to_string(csi_noise_var), ">= 0 (0: as received)");
    check_int_range("avg_frames", avg_frames, 1, 1 << 20);
    check_int_range("report_every", report_every, 1, 1 << 20);
    if (!(std::isfinite(report_threshold) && report_threshold >= 0))
        throw_param("report_threshold", std::to_string(report_threshold), ">= 0");
    if (!(std::isfinite(sync_threshold) && sync_threshold > 0 && sync_threshold < 1))
        throw_param("sync_threshold", std::to_string(sync_threshold), "(0, 1)");
    if (!(mismatch_cap_db >= 0 && mismatch_cap_db <= 200))
        throw_param("mismatch_cap_db", num_str(mismatch_cap_db), "[0, 200] dB");
    if (!(mismatch_margin_db > 0)) // inf allowed (off); NaN not
        throw_param("mismatch_margin_db",
                    std::to_string(mismatch_margin_db),
                    "> 0 dB (inf: no format check)");
    check_int_range("interp_half", interp_half, 1, 64);
    if (!(std::isfinite(pll_gain) && pll_gain >= 0 && pll_gain <= 1))
        throw_param("pll_gain", std::to_string(pll_gain), "[0, 1]");
    if (!(std::isfinite(fll_gain) && fll_gain >= 0 && fll_gain <= 1))
        throw_param("fll_gain", std::to_string(fll_gain), "[0, 1]");
    check_int_range("max_misses", max_misses, 0, 1 << 20);
    if (std::labs(grid_offset) > format.frame_len())
        throw_param("grid_offset",
                    std::to_string(grid_offset),
                    "|grid_offset| <= frame_len (" + std::to_string(format.frame_len()) +
                        ")");
}

namespace {
// e^{j x}; a Taylor series (error below 1e-15) for the small steps of a phase loop
cdouble unit_phasor(double x)
{
    if (!(std::abs(x) < 0.05))
        return std::polar(1.0, x);
    const double x2 = x * x;
    // reciprocals as constants: a division each would be longer than the series
    return cdouble(
        1.0 - x2 * 0.5 * (1.0 - x2 * (1.0 / 12) * (1.0 - x2 * (1.0 / 30))),
        x * (1.0 - x2 * (1.0 / 6) * (1.0 - x2 * (1.0 / 20) * (1.0 - x2 * (1.0 / 42)))));
}
} // namespace

// ---------------------------------------------------------------- interpolator
namespace {
constexpr double cached_deltas[] = { -0.5, -0.25, 0.0, 0.25, 0.5 };
}

frac_interp::frac_interp(int half) : d_half(half), d_beta(6.0)
{
    check_int_range("interp_half", half, 1, 64);
    d_i0beta = bessel_i0(d_beta);
    // the frame search evaluates the half-sample grid over and over
    // (and the integer grid, and the timing search's first refinement: quarters)
    const size_t n = 2 * size_t(half) + 1;
    d_half_taps.resize(std::size(cached_deltas) * n);
    for (size_t j = 0; j < std::size(cached_deltas); ++j)
        compute_taps(cached_deltas[j], d_half_taps.data() + j * n);
}

void frac_interp::taps(double delta, float* h) const
{
    const size_t n = 2 * size_t(d_half) + 1;
    for (size_t j = 0; j < std::size(cached_deltas); ++j)
        if (delta == cached_deltas[j]) {
            const float* c = d_half_taps.data() + j * n;
            std::copy(c, c + n, h);
            return;
        }
    compute_taps(delta, h);
}

void frac_interp::compute_taps(double delta, float* h) const
{
    // value at p + delta = sum_i x[p + i] sinc(delta - i) w(delta - i), Kaiser
    // window over |u| < half + 1; normalised to unit DC gain.
    double sum = 0;
    double t[2 * 64 + 1], a[2 * 64 + 1], b[2 * 64 + 1];
    const int n = 2 * d_half + 1;
    for (int i = -d_half; i <= d_half; ++i) {
        const double r = (delta - i) / (d_half + 1.0);
        a[i + d_half] = std::abs(r) < 1.0 ? d_beta * std::sqrt(1.0 - r * r) : 0.0;
    }
    bessel_i0_n(a, b, n); // the window's taps together (bessel_i0's values)
    for (int i = -d_half; i <= d_half; ++i) {
        const double u = delta - i;
        const double s = std::abs(u) < 1e-12 ? 1.0 : std::sin(pi * u) / (pi * u);
        const double r = u / (d_half + 1.0);
        const double w = std::abs(r) < 1.0 ? b[i + d_half] / d_i0beta : 0.0;
        t[i + d_half] = s * w;
        sum += s * w;
    }
    for (int i = 0; i <= 2 * d_half; ++i)
        h[i] = float(t[i] / sum);
}

cfloat frac_interp::at(const cfloat* x, double delta) const
{
    if (std::abs(delta) < 1e-9)
        return *x;
    std::vector<float> h(2 * d_half + 1);
    taps(delta, h.data());
    cfloat acc(0, 0);
    for (int i = -d_half; i <= d_half; ++i)
        acc += x[i] * h[i + d_half];
    return acc;
}

void frac_interp::run(const cfloat* x, double delta, cfloat* out, size_t n) const
{
    if (std::abs(delta) < 1e-9) {
        std::copy(x, x + n, out);
        return;
    }
    float h[2 * 64 + 1];
    taps(delta, h);
    interp_fir(x - d_half, h, 2 * d_half + 1, out, n);
}

ISAC_CLONES_EXACT void
interp_fir(const cfloat* x, const float* h, int ntaps, cfloat* out, size_t n)
{
    // On the interleaved floats, out[j] = sum_i x[j + 2 i] h[i] (j = 2k for the real
    // part of out[k], 2k + 1 for the imaginary part): blocks of 32 outputs are
    // accumulated side by side (vectorised; 8-float vectors are two SSE registers
    // on the baseline, one AVX register in the clones), each in the tap order of a
    // plain loop, so the results are those of the scalar loop bit for bit.
    const float* xf = reinterpret_cast<const float*>(x);
    float* of = reinterpret_cast<float*>(out);
    const size_t n2 = 2 * n;
    typedef float v8sf __attribute__((vector_size(32))); // GCC/Clang, any target
    size_t j0 = 0;
    for (; j0 + 32 <= n2; j0 += 32) {
        v8sf a0 = {}, a1 = {}, a2 = {}, a3 = {};
        const float* xp = xf + j0;
        for (int i = 0; i < ntaps; ++i, xp += 2) {
            const float hi = h[i];
            v8sf x0, x1, x2, x3;
            std::memcpy(&x0, xp, sizeof(x0));
            std::memcpy(&x1, xp + 8, sizeof(x1));
            std::memcpy(&x2, xp + 16, sizeof(x2));
            std::memcpy(&x3, xp + 24, sizeof(x3));
            a0 += x0 * hi;
            a1 += x1 * hi;
            a2 += x2 * hi;
            a3 += x3 * hi;
        }
        std::memcpy(of + j0, &a0, sizeof(a0));
        std::memcpy(of + j0 + 8, &a1, sizeof(a1));
        std::memcpy(of + j0 + 16, &a2, sizeof(a2));
        std::memcpy(of + j0 + 24, &a3, sizeof(a3));
    }
    for (; j0 < n2; ++j0) {
        float acc = 0;
        for (int i = 0; i < ntaps; ++i)
            acc += xf[j0 + 2 * size_t(i)] * h[i];
        of[j0] = acc;
    }
}

// ---------------------------------------------------------------- theory
double kay_cfo_variance(int block, int reps, double S, double s2)
{
    const std::vector<double> w = kay_weights(reps);
    double d2 = 0, w2 = 0;
    for (int k = 0; k < reps; ++k) {
        const double a = k > 0 ? w[k - 1] : 0.0, b = k < reps - 1 ? w[k] : 0.0;
        d2 += (a - b) * (a - b);
    }
    for (double x : w)
        w2 += x * x;
    const double var_w = s2 / (2 * S) * d2 + block * s2 * s2 / (2 * S * S) * w2;
    return var_w / std::pow(two_pi * block, 2);
}

double repeated_block_cfo_crb(int block, int reps, double S, double s2)
{
    return 6.0 * s2 / (S * reps * (double(reps) * reps - 1.0)) /
           std::pow(two_pi * block, 2);
}

// ---------------------------------------------------------------- receiver
user_receiver::user_receiver(const user_rx_params& p)
    : d_p((p.validate(), p)),
      d_pat(p.format),
      d_interp(p.interp_half),
      d_interp_search(std::min(p.interp_half, 8)),
      d_F(p.format.frame_len()),
      d_L(p.format.block()),
      d_R(p.format.preamble_reps),
      d_Lp(p.format.pilots()),
      d_n(p.format.n_tx),
      d_amp(std::sqrt(p.power / (2.0 * p.format.n_tx))),
      d_tracker(p.format.n_tx, 8 * p.avg_frames)
{
    if (d_p.channel_corr > 0)
        d_R_prior = exp_correlation(d_n, d_p.channel_corr).cast<cdouble>();
    else
        d_R_prior = cmat::Identity(d_n, d_n);
    // known positions for timing and the noise estimate: preamble blocks and pilots
    for (int t = 0; t < d_p.format.header_start(); ++t)
        d_kpos.push_back(t);
    for (int t = d_p.format.pilot_start(); t < d_p.format.payload_start(); ++t)
        d_kpos.push_back(t);
    const int Lk = int(d_kpos.size());
    for (int t : d_kpos)
        d_kcenter += double(t) / Lk;
    d_XK.resize(d_n, Lk);
    for (int i = 0; i < Lk; ++i)
        d_XK.col(i) = d_pat.known(true).col(d_kpos[i]);
    const cmat X = d_XK.cast<cdouble>();
    const cmat G = X * X.adjoint();
    Eigen::SelfAdjointEigenSolver<cmat> es(G);
    const rvec ev = es.eigenvalues().cwiseMax(1e-12 * es.eigenvalues().maxCoeff());
    const cmat Gm12 = es.eigenvectors() * ev.cwiseSqrt().cwiseInverse().asDiagonal() *
                      es.eigenvectors().adjoint();
    d_A = (X.adjoint() * Gm12).cast<cfloat>();          // Lk x n
    d_B = (X.adjoint() * (Gm12 * Gm12)).cast<cfloat>(); // LS row: z_K B
    reset();
}

void user_receiver::reset()
{
    d_buf.clear();
    d_buf0 = 0;
    d_nonfinite = 0;
    d_state = state::acquire;
    d_scan = 0;
    d_sums = scan_sums();
    d_next = 0;
    d_misses = 0;
    d_wait = false;
    d_cfo = d_ph0 = d_n0 = 0;
    restart_frequency_acquisition();
    d_tracker.reset();
    d_noise_var = 0;
    d_noise_n = 0;
    d_refs.clear();
    d_ref_pos = 0;
    d_external_ref = false;
    d_have_report = false;
    d_last_report_nmse = 0;
    d_frames = d_acquisitions = d_missed_total = d_false_acq = 0;
    d_mismatches = 0;
    d_mm_fit_db = d_mm_sync_db = 0;
    d_grid_mm = 0;
    d_grid_spacing = 0;
    d_have_acq = false;
    d_last_acq = d_off_spacing = 0;
    d_false_at_acq = 0;
    d_frames_since_acq = 0;
    d_acq_start = 0;
    d_tmin = std::numeric_limits<int64_t>::min();
    d_out.clear();
    d_have_held = false;
    d_t_smooth = false;
}

void user_receiver::set_loop_gains(double pll_gain, double fll_gain)
{
    user_rx_params q = d_p;
    q.pll_gain = pll_gain;
    q.fll_gain = fll_gain;
    q.validate();
    d_p = q;
}

void user_receiver::set_reference(const cvec& row, uint64_t offset)
{
    if (row.size() != d_n)
        throw_param("row",
                    list_str(row.size(), "entry", "entries"),
                    std::to_string(d_n) + " (n_tx)");
    d_external_ref = true;
    // keep sorted by offset; a later message for the same offset wins
    auto it = std::upper_bound(d_refs.begin(),
                               d_refs.end(),
                               offset,
                               [](uint64_t o, const ref_row& r) { return o < r.offset; });
    d_refs.insert(it, ref_row{ offset, row });
    if (d_refs.size() > 64) {
        // The oldest row is superseded once the next one applies to the frames
        // reached; until then it is the one in use, and a flood of rows for far
        // frames (a faulty sender, a huge csi_lead) must not evict it: the
        // farthest goes instead.
        if (d_refs[1].offset <= d_ref_pos)
            d_refs.pop_front();
        else
            d_refs.pop_back();
    }
}

const cvec* user_receiver::reference_for(uint64_t frame_start) const
{
    if (d_external_ref) {
        const cvec* r = nullptr;
        for (const auto& x : d_refs)
            if (x.offset <= frame_start)
                r = &x.row;
        return r;
    }
    return d_have_report ? &d_own_ref : nullptr;
}

void user_receiver::push(const cfloat* y, size_t n)
{
    const size_t old = d_buf.size();
    d_buf.resize(old + n);
    for (size_t i = 0; i < n; ++i) {
        cfloat v = y[i];
        if (!std::isfinite(v.real()) || !std::isfinite(v.imag())) {
            v = cfloat(0, 0);
            ++d_nonfinite;
        }
        d_buf[old + i] = v;
    }
    process();
}

void user_receiver::flush()
{
    if (d_have_held && d_state == state::track && d_frames_since_acq == 1 &&
        d_false_acq > 0) {
        // as in track() when the next frame does not fit: a receiver whose
        // payload_len is not the transmitter's acquires each frame's preamble,
        // never confirms one, and output the last one here. Only once an
        // acquisition of this stream went unconfirmed: a stream of one frame,
        // or one that ends just after a re-acquisition, keeps its last frame.
        --d_acquisitions;
        --d_frames;
        ++d_false_acq;
        d_have_held = false;
        d_have_prev = false;
        d_state = state::acquire;
        return;
    }
    finish_held(false, 0.0, 0.0);
}

bool user_receiver::pop(rx_frame& f)
{
    if (d_out.empty())
        return false;
    f = std::move(d_out.front());
    d_out.pop_front();
    return true;
}

void user_receiver::process()
{
    for (;;) {
        const bool progressed = d_state == state::acquire ? acquire() : track();
        if (!progressed)
            break;
    }
    trim();
}

void user_receiver::trim()
{
    const int64_t margin = int64_t(d_L) * (d_R + 2) + d_interp.half() + 16;
    int64_t keep = d_state == state::acquire ? int64_t(d_scan)
                                             : int64_t(std::floor(d_next)) - margin;
    keep -= margin;
    const int64_t drop = keep - int64_t(d_buf0);
    // erase in large steps only: the buffer is a vector
    if (drop > int64_t(std::max<size_t>(65536, d_buf.size() / 2))) {
        d_buf.erase(d_buf.begin(), d_buf.begin() + drop);
        d_buf0 += uint64_t(drop);
    }
}

// A reset and a new acquisition average the frequency afresh; the slip guard's
// smoothed residual and the previous frame's row belonged to the old lock.
void user_receiver::restart_frequency_acquisition()
{
    d_freq_frames = 0;
    d_freq_locked = false;
    d_freq_var = 0;
    d_pre_avg = 0;
    d_pre_var = 0;
    d_have_prev = false;
}

void user_receiver::set_oscillator(double cfo, double at)
{
    // keep the derotation phase continuous at sample `at`
    d_ph0 = d_ph0 + two_pi * d_cfo * (at - d_n0);
    d_ph0 = std::remainder(d_ph0, two_pi);
    d_n0 = at;
    d_cfo = cfo;
}

void user_receiver::segment(int64_t a, int64_t b, std::vector<cfloat>& out) const
{
    const int64_t n_out = std::max<int64_t>(0, b - a);
    out.resize(size_t(n_out));
    const int64_t lo = std::max<int64_t>(a, int64_t(d_buf0));
    const int64_t hi = std::min<int64_t>(b, int64_t(d_buf0 + d_buf.size()));
    // zero outside the buffer; [lo, hi) is written below
    const int64_t i0 = std::min(std::max<int64_t>(lo - a, 0), n_out);
    const int64_t i1 = std::min(std::max<int64_t>(hi - a, i0), n_out);
    std::fill(out.begin(), out.begin() + i0, cfloat(0, 0));
    std::fill(out.begin() + i1, out.end(), cfloat(0, 0));
    // a phasor recursion, renormalised every 256 samples
    const cdouble step = std::polar(1.0, -two_pi * d_cfo);
    cdouble r;
    for (int64_t n = lo; n < hi; ++n) {
        if ((n - lo) % 256 == 0)
            r = std::polar(1.0, -(d_ph0 + two_pi * d_cfo * (double(n) - d_n0)));
        out[size_t(n - a)] = d_buf[size_t(n - int64_t(d_buf0))] * cfloat(r);
        r *= step;
    }
}

double user_receiver::fit_energy(const std::vector<cfloat>& seg,
                                 int64_t seg0,
                                 double t0,
                                 std::vector<cfloat>& z,
                                 fit_result* fr) const
{
    const int64_t d = int64_t(std::floor(t0 + 0.5));
    const double delta = t0 - double(d);
    const int Lk = int(d_kpos.size());
    z.resize(Lk);
    const int hs = d_interp_search.half();
    float h[2 * 64 + 1];
    d_interp_search.taps(delta, h);
    for (int i = 0; i < Lk;) {
        // a run of consecutive known positions at a time
        int e = i + 1;
        while (e < Lk && d_kpos[size_t(e)] == d_kpos[size_t(e - 1)] + 1)
            ++e;
        interp_fir(&seg[size_t(d + d_kpos[size_t(i)] - seg0 - hs)],
                   h,
                   2 * hs + 1,
                   &z[size_t(i)],
                   size_t(e - i));
        i = e;
    }
    const Eigen::Map<const Eigen::RowVectorXcf> zr(z.data(), Lk);
    const double fitted = double((zr * d_A).squaredNorm());
    const double energy = double(zr.squaredNorm());
    if (fr) {
        fr->energy = energy;
        fr->fitted = fitted;
        const double s2 = std::max(fr->energy - fitted, 0.0) / double(Lk - d_n);
        const double S = fitted - d_n * s2;
        fr->rho = s2 > 0 ? S / (Lk * s2) : (fitted > 0 ? 1e9 : -1.0);
    }
    // Score: minus the residual of the LS fit, i.e. the likelihood of the
    // window under "known section + white noise" with the noise level fixed and
    // the payload around it arbitrary. Not the fitted energy (nor its
    // fraction): a precoded payload is often far stronger than the known
    // section (the precoder beamforms, the pilots do not), and a window
    // reaching into it must not win because the n pilot dimensions fit a few
    // strong samples.
    return -(energy - fitted);
}

double user_receiver::fine_timing(
    const std::vector<cfloat>& seg, int64_t seg0, int64_t d, int S, fit_result& fr) const
{
    std::vector<cfloat> z;
    // half-sample grid: a window off by a fraction leaks signal into the
    // residual everywhere, so integer positions alone can rank badly
    auto f_at = [&](double t) { return fit_energy(seg, seg0, t, z); };
    double tb = double(d), fb = -std::numeric_limits<double>::infinity();
    // after an unconfirmed acquisition, starts up to it are excluded (else the
    // search would find the same false start again)
    for (int64_t dd = std::max<int64_t>(d - S, d_tmin); dd <= d + S; ++dd)
        for (double off : { 0.0, 0.5 }) {
            const double t = double(dd) + off, f = f_at(t);
            if (f > fb) {
                fb = f;
                tb = t;
            }
        }
    double h = 0.25;
    for (int it = 0; it < 2; ++it) {
        const double fm = f_at(tb - h), fp = f_at(tb + h);
        const double den = fm - 2 * fb + fp;
        if (den < 0) {
            double v = 0.5 * h * (fm - fp) / den;
            v = std::max(-h, std::min(h, v));
            const double tv = tb + v, fv = f_at(tv);
            if (fv >= fb) {
                tb = tv;
                fb = fv;
            }
        }
        h *= 0.3;
    }
    fit_energy(seg, seg0, tb, z, &fr);
    return tb;
}

double user_receiver::rotation(const std::vector<cfloat>& z, const cvec& ref) const
{
    // rotation of a frame against a reference row: one parameter fitted on the
    // whole known section (preamble and pilots), so its error is about
    // 1/(2 L_k SNR) rad^2 rather than the pilots' per-entry error
    const Eigen::Matrix<cfloat, 1, Eigen::Dynamic> rf = ref.transpose().cast<cfloat>();
    const Eigen::Matrix<cfloat, 1, Eigen::Dynamic> pred = rf * d_XK; // 1 x L_k
    cdouble acc(0, 0);
    for (size_t i = 0; i < d_kpos.size(); ++i)
        acc += cdouble(z[size_t(d_kpos[i])] * std::conj(pred[Eigen::Index(i)]));
    return std::arg(acc);
}

void user_receiver::finish_held(bool have_end, double psi_end, double center_end)
{
    if (!d_have_held)
        return;
    held& h = d_held;
    rx_frame& f = h.f;
    const int Ld = d_p.format.payload_len;
    const double p0 = f.start + d_p.format.payload_start();
    // phase slope from this frame's known section to the next one's
    double slope = 0;
    if (h.has_ref && have_end && center_end > h.center)
        slope = std::remainder(psi_end - h.psi, two_pi) / (center_end - h.center);
    if (h.has_ref && h.locked && f.header_flag) {
        f.decided = true;
        f.decisions.resize(size_t(Ld));
        const int M = d_p.psk_order;
        const bool pow2 = (M & (M - 1)) == 0;
        const double to_t = M / two_pi, to_a = two_pi / M;
        // A symbol's angle is phi - th, phi = angle(payload line) (no loop term:
        // computed first, for all samples at once) and th the loop's phase, so the
        // loop's recursion is a few additions long instead of an arctangent after
        // the derotation. The angle of the derotated float sample w differs from
        // phi - th by rounding (below 4e-7 rad); decisions within a guard band of
        // 6e-7 M rad (t units: 1e-6 + 1e-7 M) of a boundary are taken on w itself
        // (psk_round, as before), so every decision is psk_round's on w.
        const double guard = 1e-6 + 1e-7 * M;
        const double big = 6755399441055744.0; // 1.5 2^52: (x + big) - big rounds
        const cdouble step = std::polar(1.0, -slope);
        d_phi.resize(size_t(Ld));
        d_vy.resize(size_t(Ld));
        d_vx.resize(size_t(Ld));
        d_lines.resize(size_t(Ld));
        std::vector<double>&phi = d_phi, &vy = d_vy, &vx = d_vx;
        std::vector<cdouble>& lines = d_lines;
        {
            cdouble line;
            for (int t = 0; t < Ld; ++t) {
                if (t % 256 == 0)
                    line = std::polar(1.0, -(h.psi + slope * (p0 + t - h.center)));
                const cdouble v = cdouble(f.payload[size_t(t)]) * line;
                vy[size_t(t)] = v.imag();
                vx[size_t(t)] = v.real();
                lines[size_t(t)] = line;
                line *= step;
            }
            fast_atan2_n(vy.data(), vx.data(), phi.data(), phi.size());
        }
        double th = 0;
        // e^{-j th} by a phasor recursion re-seeded exactly every 256 samples
        cdouble loop;
        for (int t = 0; t < Ld; ++t) {
            if (t % 256 == 0)
                loop = std::polar(1.0, -th);
            const cfloat w = f.payload[size_t(t)] * cfloat(lines[size_t(t)] * loop);
            const double a = phi[size_t(t)] - th;
            const double tt = a * to_t;
            const double rt = (tt + big) - big;
            double err;
            long ku;
            if (std::abs(std::abs(tt - rt) - 0.5) > guard) { // also false on NaN
                err = a - rt * to_a;
                ku = long(rt);
            } else {
                // the decision and its phase error from w's own angle
                double aw;
                ku = psk_round(double(w.imag()), double(w.real()), M, aw);
                err = aw - two_pi * double(ku) / M;
            }
            const int k = pow2 ? int(ku & long(M - 1)) : int(((ku % M) + M) % M);
            const double dth = d_p.pll_gain * err;
            th += dth;
            loop *= unit_phasor(-dth);
            f.payload[size_t(t)] = w;
            f.decisions[size_t(t)] = k;
        }
        f.phase_drift = th;
    } else if (h.has_ref) {
        const cdouble step = std::polar(1.0, -slope);
        cdouble line;
        for (int t = 0; t < Ld; ++t) {
            if (t % 256 == 0)
                line = std::polar(1.0, -(h.psi + slope * (p0 + t - h.center)));
            f.payload[size_t(t)] *= cfloat(line);
            line *= step;
        }
    }
    f.frames_found = d_frames;
    f.missed_total = d_missed_total;
    d_out.push_back(std::move(f));
    d_have_held = false;
}

double user_receiver::kay(const std::vector<cfloat>& z) const
{
    const std::vector<double> w = kay_weights(d_R);
    double om = 0;
    for (int k = 0; k < d_R - 1; ++k) {
        cdouble c(0, 0);
        for (int t = 0; t < d_L; ++t)
            c +=
                cdouble(std::conj(z[size_t(k * d_L + t)]) * z[size_t((k + 1) * d_L + t)]);
        om += w[size_t(k)] * std::arg(c);
    }
    return om / (two_pi * d_L);
}

double user_receiver::preamble_metric(int64_t d) const
{
    // On the received samples themselves: a CFO turns P, not |P|. Each pair of
    // neighbouring blocks on its own, the largest: a transmitter with fewer
    // repetitions than this receiver fills its last pairs with the header and
    // pilots, which the metric over all pairs would take for noise.
    const int L = d_L, np = d_R - 1;
    const int64_t b0 = int64_t(d_buf0), b1 = b0 + int64_t(d_buf.size());
    auto y = [&](int64_t n) {
        return n >= b0 && n < b1 ? cdouble(d_buf[size_t(n - b0)]) : cdouble(0, 0);
    };
    const int64_t a = d - L;
    double best = 0;
    for (int k = 0; k < np; ++k) {
        cdouble P(0, 0);
        double E1 = 0, E2 = 0;
        const int64_t s = a + int64_t(k) * L;
        for (int m = 0; m < L; ++m) {
            P += std::conj(y(s + m)) * y(s + m + L);
            E1 += std::norm(y(s + m));
            E2 += std::norm(y(s + m + L));
        }
        for (int64_t e = s;; ++e) {
            const double den = E1 * E2;
            if (den > 1e-300)
                best = std::max(best, std::norm(P) / den);
            if (e == s + 2 * L)
                break;
            P += std::conj(y(e + L)) * y(e + 2 * L) - std::conj(y(e)) * y(e + L);
            E1 = std::max(E1 + std::norm(y(e + L)) - std::norm(y(e)), 0.0);
            E2 = std::max(E2 + std::norm(y(e + 2 * L)) - std::norm(y(e + L)), 0.0);
        }
    }
    return best;
}

uint64_t user_receiver::grid_index(double start) const
{
    const double k = std::floor((start - double(d_p.grid_offset)) / d_F + 0.5);
    return k < 0 ? 0 : uint64_t(k);
}

bool user_receiver::acquire()
{
    const int L = d_L, W = (d_R - 1) * L;
    const int64_t span = int64_t(d_R) * L; // d .. d + span - 1 needed for M(d)
    const int64_t end = int64_t(d_buf0 + d_buf.size());
    if (int64_t(d_scan) < int64_t(d_buf0))
        d_scan = d_buf0;
    auto y = [&](int64_t n) { return cdouble(d_buf[size_t(n - int64_t(d_buf0))]); };

    // P_L: lag-block correlation, P_1: lag-1 correlation over the same span.
    // A constant or slowly varying signal (a CW tone, an unsteered constant
    // vector) repeats at every lag, so |P_1| ~ |P_L|: such a window does not
    // count. A preamble has |P_1| well below |P_L| (about 0.3-0.5 of it after
    // a band-limited fractional delay, which correlates neighbours).
    cdouble PL, P1;
    double E1 = 0, E2 = 0;
    auto init = [&](int64_t d) {
        PL = P1 = 0;
        E1 = E2 = 0;
        for (int m = 0; m < W; ++m) {
            PL += std::conj(y(d + m)) * y(d + m + L);
            P1 += std::conj(y(d + m)) * y(d + m + 1);
            E1 += std::norm(y(d + m));
            E2 += std::norm(y(d + m + L));
        }
    };
    auto slide = [&](int64_t d) { // from d to d + 1
        PL += std::conj(y(d + W)) * y(d + W + L) - std::conj(y(d)) * y(d + L);
        P1 += std::conj(y(d + W)) * y(d + W + 1) - std::conj(y(d)) * y(d + 1);
        E1 += std::norm(y(d + W)) - std::norm(y(d));
        E2 += std::norm(y(d + W + L)) - std::norm(y(d + L));
    };
    auto metric = [&]() {
        const double den = std::max(E1, 0.0) * std::max(E2, 0.0);
        if (!(den > 1e-300))
            return 0.0;
        const double a = std::abs(PL);
        if (std::abs(P1) > 0.8 * a)
            return 0.0;
        return a * a / den;
    };

    int64_t d = int64_t(d_scan);
    if (d + span + 1 > end)
        return false;
    // The sums at d are init() at a position the samples decide (the scan's
    // start, every 4096 positions, after a rejected candidate) slid forward:
    // never at the end of a push, which would make the acquisition (and the
    // first frame's CFO) depend on how the samples were pushed.
    int64_t since_init = 0;
    if (d_sums.pos == d) {
        PL = d_sums.PL;
        P1 = d_sums.P1;
        E1 = d_sums.E1;
        E2 = d_sums.E2;
        since_init = d_sums.since_init;
    } else {
        init(d);
    }
    d_sums.pos = -1;
    auto keep_sums = [&](const scan_sums& s) {
        d_sums = s;
        d_scan = uint64_t(s.pos);
    };
    bool sums_at_d = true;
    while (d + span + 1 <= end) {
        if (since_init == 4096) { // bound the rounding drift of the sliding sums
            init(d);
            since_init = 0;
        }
        const double M = metric();
        if (M > d_p.sync_threshold) {
            const scan_sums at_d{ d, PL, P1, E1, E2, since_init };
            // the metric peaks at the preamble start: search [d, d + 2L]
            if (d + 2 * L + span + 1 > end) {
                keep_sums(at_d);
                return false;
            }
            int64_t dc = d;
            double best = M;
            cdouble Pc = PL;
            for (int64_t e = d; e < d + 2 * L; ++e) {
                slide(e);
                const double m = metric();
                if (m > best) {
                    best = m;
                    dc = e + 1;
                    Pc = PL;
                }
            }
            const double saved_cfo = d_cfo, saved_ph0 = d_ph0, saved_n0 = d_n0;
            // angle(P) is ambiguous modulo 1/block: the neighbouring
            // hypotheses extend the CFO range to +-1.5/block (a wrong one
            // turns the known section by whole cycles and fits badly); the
            // best fit wins
            double best_rho = -1e300;
            int best_m = 0;
            for (int m : { 0, -1, 1 }) {
                d_cfo = (std::arg(Pc) / two_pi + m) / L;
                d_ph0 = 0;
                d_n0 = double(dc);
                double rho = -1e300;
                frame_at(double(dc), 2 * L, true, &rho);
                if (d_wait)
                    break;
                if (rho > best_rho) {
                    best_rho = rho;
                    best_m = m;
                }
            }
            if (!d_wait) {
                d_cfo = (std::arg(Pc) / two_pi + best_m) / L;
                d_ph0 = 0;
                d_n0 = double(dc);
                if (frame_at(double(dc), 2 * L, true))
                    return true;
            }
            d_cfo = saved_cfo;
            d_ph0 = saved_ph0;
            d_n0 = saved_n0;
            if (d_wait) { // the whole frame is not in yet
                d_wait = false;
                keep_sums(at_d);
                return false;
            }
            // not a frame: go on after the searched range, with sums
            // initialised there
            d = d + 2 * L + 1;
            if (d + span + 1 > end) {
                sums_at_d = false;
                break;
            }
            init(d);
            since_init = 0;
            continue;
        }
        slide(d);
        ++since_init;
        ++d;
    }
    if (sums_at_d && d >= int64_t(d_scan))
        keep_sums(scan_sums{ d, PL, P1, E1, E2, since_init });
    else
        d_scan = uint64_t(std::max<int64_t>(int64_t(d_scan), d));
    return false;
}

bool user_receiver::track()
{
    if (!frame_at(d_next, 2, false)) {
        if (d_wait) {
            d_wait = false;
            return false;
        }
        if (d_frames_since_acq == 1) {
            // An acquisition is confirmed by the next frame's known section; it
            // was not: drop the held frame (nothing was output from it) and
            // search again just after the false start.
            --d_acquisitions;
            --d_frames;
            d_have_held = false;
            d_have_prev = false;
            d_state = state::acquire;
            // The refinement may put a start up to a third of a sample below
            // d_tmin (the true start is there); from floor(start) + 1 alone the
            // search then found the same false start again and again and push()
            // never returned (a stream starting with a whole frame and zeros; a
            // receiver whose frame_len is not the transmitter's).
            d_tmin = std::max(int64_t(d_acq_start), d_tmin) + 1;
            d_scan = uint64_t(std::max<int64_t>(d_tmin, 0));
            ++d_false_acq;
            return true;
        }
        ++d_misses;
        ++d_missed_total;
        d_have_prev = false;
        finish_held(false, 0.0, 0.0);
        d_next += d_F;
        if (d_misses > d_p.max_misses) {
            d_state = state::acquire;
            d_scan = uint64_t(std::max(0.0, std::floor(d_next - d_F)));
            d_freq_frames = 0;
        }
        return true;
    }
    return true;
}

bool user_receiver::frame_at(double t0_guess, int S, bool acquisition, double* probe_rho)
{
    const int half = d_interp.half();
    const int64_t d = int64_t(std::floor(t0_guess + 0.5));
    const int64_t seg0 = d - S - half - 3;
    const int64_t seg1 = d + d_F + S + half + 4;
    if (seg1 > int64_t(d_buf0 + d_buf.size())) {
        d_wait = true;
        return false;
    }
    std::vector<cfloat>& seg = d_seg;
    segment(seg0, seg1, seg);

    fit_result fr;
    double t0 = fine_timing(seg, seg0, d, S, fr);
    if (probe_rho) { // only the fit is wanted
        *probe_rho = fr.rho;
        return false;
    }
    // per-sample SNR implied by the sync threshold; accept frames above half of it
    const double sq = std::sqrt(d_p.sync_threshold);
    const double rho_min = 0.5 * sq / (1.0 - sq);
    // The preamble metric does not depend on what the blocks are, only on
    // their repetition: it shows the SNR of any frame with this block length
    // (sqrt M ~ rho/(1+rho)). The known-section fit recovers about that SNR
    // when the known section is the transmitter's and far less when it is not
    // (another seed, pilot length, frame length, ...). A frame whose fit falls
    // more than the margin below the metric's SNR is rejected, and counted as
    // a mismatch when that test, not the absolute floor alone, decides: the
    // preamble is then too strong for a fade or noise to explain the fit.
    const double m = std::min(preamble_metric(int64_t(std::floor(t0 + 0.5))), 1.0);
    const double sm = std::sqrt(m);
    const double rho_sync = sm < 1.0 ? sm / (1.0 - sm) : 1e12;
    // Capped at mismatch_cap_db: at high SNR whatever repeats with the preamble
    // (an IQ image, clipping) counts as signal in the metric and as noise in the
    // fit, so the fit's SNR stops rising while the metric's does (a clean stream
    // caps the metric at 1e12). Wrong formats fit at most ~11 dB
    // (docs/user_receiver.md): a fit above the cap is the transmitter's format.
    const double rho_need =
        std::min(rho_sync * std::pow(10.0, -0.1 * d_p.mismatch_margin_db),
                 std::pow(10.0, 0.1 * d_p.mismatch_cap_db));
    if (!(fr.rho >= rho_min && fr.rho >= rho_need)) {
        if (rho_need > rho_min) {
            ++d_mismatches;
            d_mm_fit_db = fr.rho > 0 ? 10.0 * std::log10(fr.rho) : -99.0;
            d_mm_sync_db = 10.0 * std::log10(rho_sync);
        }
        return false;
    }

    // While tracking, the start advances by frame_len per frame (up to a slow
    // sample-clock drift): smooth the per-frame measurement, whose noise would
    // otherwise go straight into the resampling (an error e costs about
    // (pi^2/3) e^2 of the signal power as interference).
    if (!acquisition && std::abs(t0 - t0_guess) < 0.5)
        t0 = t0_guess + timing_gain * (t0 - t0_guess);

    // resample the frame at the estimated instants
    const int64_t di = int64_t(std::floor(t0 + 0.5));
    const double delta = t0 - double(di);
    std::vector<cfloat> z(static_cast<size_t>(d_F));
    d_interp.run(&seg[size_t(di - seg0)], delta, z.data(), size_t(d_F));

    rx_frame f;
    f.start = t0;
    f.index = grid_index(t0);
    f.acquired = acquisition;

    // ---- CFO
    const double pre = kay(z);
    f.cfo_preamble = d_cfo + pre;
    const bool freq_acq = acquisition || !d_freq_locked;
    if (freq_acq) {
        // remove this frame's measured residual inside the frame, and average the
        // frequency estimate over the first frames
        const double kc = 0.5 * d_R * d_L;
        for (int k = 0; k < d_F; ++k)
            z[size_t(k)] *= cfloat(std::polar(1.0, -two_pi * pre * (k - kc)));
        const double upd = acquisition ? pre : pre / (d_freq_frames + 1.0);
        set_oscillator(d_cfo + upd, t0 + d_F);
        if (acquisition) {
            restart_frequency_acquisition();
            ++d_acquisitions;
        }
    }
    ++d_freq_frames;

    // ---- pilots: LS row in sign units, then absolute
    const int ps = d_p.format.pilot_start();
    const cmatf& P = d_pat.pilots();
    cvec gs = cvec::Zero(d_n);
    for (int t = 0; t < d_Lp; ++t) {
        const cdouble zt(z[size_t(ps + t)]);
        for (int n = 0; n < d_n; ++n)
            gs[n] += zt * std::conj(cdouble(P(n, t)));
    }
    gs /= 2.0 * d_Lp;
    f.g_ls = gs / d_amp;

    // ---- noise and signal power from the known-section fit (on the corrected
    // z): the residual has L_k - n degrees of freedom, the fitted part holds the
    // signal plus n of noise
    double sig;
    {
        const int Lk = int(d_kpos.size());
        Eigen::RowVectorXcf zk(Lk);
        for (int i = 0; i < Lk; ++i)
            zk[i] = z[size_t(d_kpos[i])];
        const double en = double(zk.squaredNorm()),
                     fit = double((zk * d_A).squaredNorm());
        f.noise_var = std::max(en - fit, 1e-30) / double(Lk - d_n);
        sig = std::max(fit - d_n * f.noise_var, 1e-3 * f.noise_var) / Lk;
    }
    f.snr_db = 10.0 * std::log10(sig / f.noise_var);
    f.sync_snr_db = 10.0 * std::log10(rho_sync);
    f.fit_snr_db = 10.0 * std::log10(fr.rho);
    if (freq_acq) {
        // Frequency acquisition lasts until the averaged preamble estimate is
        // good enough for the frame-to-frame pilot phase (ambiguous modulo
        // 1/frame_len): its predicted standard deviation below 1/(6 frame_len),
        // three deviations inside the half-width of the ambiguity.
        d_freq_var += kay_cfo_variance(d_L, d_R, d_L * sig, f.noise_var);
        const double n = d_freq_frames;
        const double sd = std::sqrt(d_freq_var) / n;
        d_freq_locked = sd < 1.0 / (6.0 * d_F) && n >= 2;
    }

    // ---- frequency-locked loop on the pilot phase advance
    if (!freq_acq && d_have_prev) {
        const cdouble ip = gs.dot(d_prev_g); // prev^H g ... conj(prev) . g
        const double T = t0 - d_prev_start;
        const double er = std::arg(std::conj(ip)) / (two_pi * T);
        double nc = d_cfo + d_p.fll_gain * er;
        // guard: the preamble residual averaged over frames exposes a slip of a
        // whole cycle per frame, which the pilot phase cannot see. It acts only
        // when the average is also beyond 5 of its predicted deviations: at a
        // known-section SNR near 4 dB the average's noise alone crossed half a
        // cycle per frame every ~200 frames and made the slip it guards against.
        d_pre_avg = 0.9 * d_pre_avg + 0.1 * pre;
        d_pre_var =
            0.81 * d_pre_var + 0.01 * kay_cfo_variance(d_L, d_R, d_L * sig, f.noise_var);
        if (std::abs(d_pre_avg) > std::max(0.5 / T, 5.0 * std::sqrt(d_pre_var))) {
            nc += std::round(d_pre_avg * T) / T;
            d_pre_avg = 0;
            d_pre_var = 0;
        }
        set_oscillator(nc, t0 + d_F);
    }
    d_prev_g = gs;
    d_prev_start = t0;
    d_have_prev = true;
    f.cfo = d_cfo;

    // ---- header: sign (payload precoded) and code (frame number mod 16),
    // decided coherently with this frame's pilot estimate
    {
        // the row fitted on the whole known section (preamble and pilots) is a
        // better reference than the pilots' alone
        const cmatf& Hb = d_pat.header_block();
        const int hs = d_p.format.header_start();
        Eigen::Matrix<cfloat, 1, Eigen::Dynamic> zk(1, Eigen::Index(d_kpos.size()));
        for (size_t i = 0; i < d_kpos.size(); ++i)
            zk[Eigen::Index(i)] = z[size_t(d_kpos[i])];
        const Eigen::Matrix<cfloat, 1, Eigen::Dynamic> gk = zk * d_B;
        std::vector<cdouble> r(static_cast<size_t>(d_L));
        for (int t = 0; t < d_L; ++t) {
            cdouble ref(0, 0);
            for (int n = 0; n < d_n; ++n)
                ref += cdouble(gk[n]) * cdouble(Hb(n, t));
            r[size_t(t)] = cdouble(z[size_t(hs + t)]) * std::conj(ref);
        }
        int best = 0;
        double best_c = 0, best_abs = -1;
        for (int j = 0; j < header_codes; ++j) {
            double c = 0;
            for (int t = 0; t < d_L; ++t)
                c += header_code(j, t) * r[size_t(t)].real();
            if (std::abs(c) > best_abs) {
                best_abs = std::abs(c);
                best_c = c;
                best = j;
            }
        }
        f.header_flag = best_c > 0;
        f.header_code = best;
        // frame number: the grid index, moved back by the lag the codes show
        // (a receiver sees the transmitter's frame k at k frame_len + delay)
        const uint64_t grid = f.index;
        const int64_t lag =
            int64_t((grid + header_codes - uint64_t(best) % header_codes) % header_codes);
        // one decoded code sets the lag only tentatively: the next frame that
        // agrees confirms it; a confirmed lag changes after three frames agree
        // on another one
        if (acquisition) {
            d_index_lag = lag;
            d_lag_confirmed = false;
            d_code_misses = 0;
        } else if (lag == d_index_lag) {
            d_lag_confirmed = true;
            d_code_misses = 0;
        } else if (!d_lag_confirmed || ++d_code_misses >= 3) {
            d_index_lag = lag;
            d_code_misses = 0;
        }
        f.index = grid >= uint64_t(d_index_lag) ? grid - uint64_t(d_index_lag) : 0;
    }

    // ---- channel average, noise average, report
    // the channel average starts once the frequency is locked: before, the
    // residual CFO turns the pilots inside a frame
    const double e_abs = f.noise_var / (2.0 * d_Lp * d_amp * d_amp);
    if (!freq_acq)
        d_tracker.add(f.g_ls, e_abs);
    ++d_noise_n;
    {
        const double w = std::max(1.0 / d_noise_n, 1.0 / d_p.avg_frames);
        d_noise_var =
            d_noise_n == 1 ? f.noise_var : (1 - w) * d_noise_var + w * f.noise_var;
    }
    if (d_tracker.count() >= d_p.avg_frames && (f.index + 1) % d_p.report_every == 0) {
        const cvec& m = d_tracker.mean();
        const double e = d_tracker.err_var();
        const double beta = d_p.channel_var > 0 ? d_p.channel_var
                                                : std::max(m.squaredNorm() / d_n - e,
                                                           1e-3 * m.squaredNorm() / d_n);
        cvec row;
        if (d_p.estimator == csi_estimator::mmse) {
            const cmat Rp = beta * d_R_prior;
            row = mmse_row(m, e, Rp);
            f.row_nmse = mmse_nmse_theory(e, Rp);
        } else {
            row = m;
            f.row_nmse = ls_nmse_theory(e, beta);
        }
        if (d_p.csi_noise_var > 0 && d_noise_var > 0)
            row *= std::sqrt(d_p.csi_noise_var / d_noise_var);
        bool changed = !d_have_report;
        if (!changed) {
            const double l2 = d_last_report.squaredNorm();
            const double rel = l2 > 0 ? (row - d_last_report).squaredNorm() / l2 : 1.0;
            // a new row when the channel moved beyond the estimation error, or
            // when averaging has halved the error since the last report
            changed = rel > std::max(d_p.report_threshold, 3.0 * f.row_nmse) ||
                      f.row_nmse < 0.5 * d_last_report_nmse;
        }
        if (changed) {
            d_last_report_nmse = f.row_nmse;
            d_last_report = row;
            d_own_ref = row;
            d_have_report = true;
        }
        f.report = true;
        f.report_changed = changed;
        f.row = d_last_report;
    }

    // ---- common phase. The payload of a frame is decided when the next frame's
    // known section is in: the phase is interpolated between the two (a
    // frame's latency, no decision-directed noise), the loop only trims.
    const int pay = d_p.format.payload_start();
    const int Ld = d_p.format.payload_len;
    f.payload.assign(z.begin() + pay, z.begin() + pay + Ld);
    held h;
    h.center = t0 + d_kcenter;
    h.locked = !freq_acq; // decisions need the frequency locked
    d_ref_pos = f.index * uint64_t(d_F);
    const cvec* ref = reference_for(d_ref_pos);
    if (ref) {
        h.has_ref = true;
        h.ref = *ref;
        h.psi = rotation(z, h.ref);
    }
    f.phase = h.psi;
    if (d_have_held) {
        // this frame's rotation against the held frame's reference
        const double end = d_held.has_ref ? rotation(z, d_held.ref) : 0.0;
        finish_held(true, end, h.center);
    }
    h.f = std::move(f);
    d_held = std::move(h);
    d_have_held = true;

    d_state = state::track;
    d_next = t0 + d_F;
    d_misses = 0;
    ++d_frames;
    if (acquisition) {
        note_acquisition(t0);
        d_frames_since_acq = 1;
        d_acq_start = uint64_t(std::max(0.0, std::floor(t0)));
    } else {
        ++d_frames_since_acq;
    }
    return true;
}

void user_receiver::note_acquisition(double t0)
{
    // Within the tracking search (track(): +-2 samples) of the grid, a frame
    // after an unconfirmed acquisition is a re-acquisition after a fade; a
    // noise false alarm gives one off-grid spacing, not two alike. The search
    // resumes just after an unconfirmed start and often acquires the same
    // frame again a fraction of a sample later: that is no spacing.
    double off = 0;
    if (d_have_acq && d_false_acq > d_false_at_acq) {
        const double D = t0 - d_last_acq;
        if (D <= 2.5) {
            d_last_acq = t0;
            d_false_at_acq = d_false_acq;
            return;
        }
        if (std::abs(D - d_F * std::round(D / d_F)) > 2.5)
            off = D;
    }
    if (off > 0 && d_off_spacing > 0 && std::abs(off - d_off_spacing) < 1.0) {
        ++d_grid_mm;
        d_grid_spacing = off;
    }
    d_off_spacing = off;
    d_have_acq = true;
    d_last_acq = t0;
    d_false_at_acq = d_false_acq;
}

uint64_t user_receiver::first_expected_frame() const
{
    double t;
    if (d_state == state::acquire)
        t = double(d_scan);
    else if (d_frames_since_acq == 1) // a miss now searches again after its start
        t = std::min(d_next, double(d_acq_start));
    else
        t = d_next;
    // an acquisition's fine timing reaches 2 blocks (and half a sample) back
    // from where the preamble metric crossed the threshold
    const uint64_t g = grid_index(t - 2.0 * d_L - 2.0);
    uint64_t k = g >= uint64_t(header_codes - 1) ? g - uint64_t(header_codes - 1) : 0;
    if (d_have_held)
        k = std::min(k, d_held.f.index);
    for (const auto& f : d_out)
        k = std::min(k, f.index);
    return k;
}

// ---------------------------------------------------------------- reference
size_t reference_window::default_cap(int payload_len)
{
    return std::clamp<size_t>(
        128 * size_t(std::max(payload_len, 1)), size_t(1) << 16, size_t(1) << 24);
}

reference_window::reference_window(int payload_len, size_t cap)
    : d_Ld(uint64_t(payload_len)), d_cap(cap)
{
    check_int_range("payload_len", payload_len, 1, std::numeric_limits<int>::max());
    if (cap < size_t(payload_len))
        throw_param("cap", std::to_string(cap), ">= payload_len (one frame)");
}

void reference_window::reset()
{
    d_buf.clear();
    d_buf0 = d_begin = d_end = d_dropped = 0;
}

void reference_window::push(const cfloat* x, size_t n, size_t stride)
{
    // symbols before d_begin are not kept
    const uint64_t end = d_end + n;
    const uint64_t from = std::max(d_begin, d_end);
    if (end > from) {
        if (d_buf.empty() || d_buf0 + d_buf.size() != from) {
            d_buf.clear(); // nothing kept before `from`
            d_buf0 = from;
        }
        const size_t skip = size_t(from - d_end);
        for (size_t i = skip; i < n; ++i)
            d_buf.push_back(x[i * stride]);
    }
    d_end = end;
    if (size() > d_cap) {
        // the oldest frames the receiver still expects: a radio this late (or
        // one delivering no frames) would hold the symbols without a bound
        const uint64_t b = d_end - d_cap;
        d_dropped += b - d_begin;
        d_begin = b;
    }
    // erase in large steps only: the buffer is a vector
    const uint64_t dead = std::min<uint64_t>(d_begin, d_buf0 + d_buf.size()) - d_buf0;
    if (dead > 0 && dead >= d_buf.size() / 2) {
        d_buf.erase(d_buf.begin(), d_buf.begin() + std::ptrdiff_t(dead));
        d_buf0 += dead;
    }
}

void reference_window::release_before(uint64_t frame)
{
    d_begin = std::max(d_begin, frame * d_Ld);
}

reference_window::lookup reference_window::find(uint64_t frame, const cfloat** sym) const
{
    const uint64_t a = frame * d_Ld;
    if (a < d_begin)
        return lookup::gone;
    if (a + d_Ld > d_end)
        return lookup::waiting;
    *sym = d_buf.data() + size_t(a - d_buf0);
    return lookup::ready;
}

} // namespace core
} // namespace isac
} // namespace gr
