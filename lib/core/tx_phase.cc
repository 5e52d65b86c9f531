/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "clones.h"
#include <gnuradio/isac/core/frontend.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/steering.h>
#include <gnuradio/isac/core/tx_phase.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace gr {
namespace isac {
namespace core {

namespace {
/*
 * c[m] = sum_i y[i] conj(x[m + i]), m = 0 .. M-1, i = 0 .. B-1, on split real and
 * imaginary parts: all lags at once, the lags in the vector lanes (a dot product
 * call per lag spent most of its time in the call for B = 32).
 */
ISAC_CLONES void correlate_lags(const float* __restrict xr,
                                const float* __restrict xi,
                                const cfloat* y,
                                int B,
                                int M,
                                float* __restrict cr,
                                float* __restrict ci)
{
    // blocks of 256 lags keep the sums in L1 while the B terms sweep over them
    for (int m0 = 0; m0 < M; m0 += 256) {
        const int L = std::min(256, M - m0);
        float* a = cr + m0;
        float* b = ci + m0;
        for (int m = 0; m < L; ++m) {
            a[m] = 0.0f;
            b[m] = 0.0f;
        }
        int i = 0;
        for (; i + 4 <= B; i += 4) { // four terms per pass over the sums
            const float r0 = y[i].real(), q0 = y[i].imag();
            const float r1 = y[i + 1].real(), q1 = y[i + 1].imag();
            const float r2 = y[i + 2].real(), q2 = y[i + 2].imag();
            const float r3 = y[i + 3].real(), q3 = y[i + 3].imag();
            const float* pr = xr + m0 + i;
            const float* pq = xi + m0 + i;
            for (int m = 0; m < L; ++m) {
                a[m] += (r0 * pr[m] + q0 * pq[m]) + (r1 * pr[m + 1] + q1 * pq[m + 1]) +
                        (r2 * pr[m + 2] + q2 * pq[m + 2]) +
                        (r3 * pr[m + 3] + q3 * pq[m + 3]);
                b[m] += (q0 * pr[m] - r0 * pq[m]) + (q1 * pr[m + 1] - r1 * pq[m + 1]) +
                        (q2 * pr[m + 2] - r2 * pq[m + 2]) +
                        (q3 * pr[m + 3] - r3 * pq[m + 3]);
            }
        }
        for (; i < B; ++i) {
            const float yr = y[i].real(), yi = y[i].imag();
            const float* pr = xr + m0 + i;
            const float* pq = xi + m0 + i;
            for (int m = 0; m < L; ++m) {
                a[m] += yr * pr[m] + yi * pq[m];
                b[m] += yi * pr[m] - yr * pq[m];
            }
        }
    }
}

/*
 * sum_t conj(a[t]) b[t], t = 0 .. L-1, on split real and imaginary parts: 16
 * running sums in two vectors of eight (a single sum is a dependency chain the
 * compiler may not reorder; the lanes fix the order, so every clone rounds
 * alike).
 */
typedef double v8d __attribute__((vector_size(64)));
ISAC_CLONES_EXACT void lag_product(const double* __restrict ar,
                                   const double* __restrict ai,
                                   const double* __restrict br,
                                   const double* __restrict bi,
                                   long L,
                                   double& re,
                                   double& im)
{
    v8d sr0 = { 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0 }, si0 = sr0, sr1 = sr0, si1 = sr0;
    long t = 0;
    for (; t + 16 <= L; t += 16) {
        v8d a[2], b[2], c[2], d[2]; // unaligned loads
        std::memcpy(a, ar + t, sizeof(a));
        std::memcpy(b, ai + t, sizeof(b));
        std::memcpy(c, br + t, sizeof(c));
        std::memcpy(d, bi + t, sizeof(d));
        sr0 += a[0] * c[0] + b[0] * d[0];
        si0 += a[0] * d[0] - b[0] * c[0];
        sr1 += a[1] * c[1] + b[1] * d[1];
        si1 += a[1] * d[1] - b[1] * c[1];
    }
    const v8d r = sr0 + sr1, i = si0 + si1;
    double sr = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    double si = ((i[0] + i[1]) + (i[2] + i[3])) + ((i[4] + i[5]) + (i[6] + i[7]));
    for (; t < L; ++t) {
        sr += ar[t] * br[t] + ai[t] * bi[t];
        si += ar[t] * bi[t] - ai[t] * br[t];
    }
    re = sr;
    im = si;
}

/*
 * a[k] += sum_{t < T} conj(x[t step + k]) y[t], k = 0 .. K-1, on split real and
 * imaginary parts: all offsets k at once, in the vector lanes (no sum to
 * reorder, so every clone rounds alike).
 */
ISAC_CLONES_EXACT void correlate_offsets(const double* xr,
                                         const double* xi,
                                         long step,
                                         const double* yr,
                                         const double* yi,
                                         long T,
                                         int K,
                                         double* __restrict ar,
                                         double* __restrict ai)
{
    for (long t = 0; t < T; ++t) {
        const double* pr = xr + t * step;
        const double* pi = xi + t * step;
        const double a = yr[t], b = yi[t];
        for (int k = 0; k < K; ++k) {
            ar[k] += pr[k] * a + pi[k] * b;
            ai[k] += pr[k] * b - pi[k] * a;
        }
    }
}

// o[i] += w x[i] over interleaved complex values (a real weight): one tap of
// the delay kernel over the whole stretch at once (a loop per snapshot over
// n_tx values does not vectorise)
template <typename T, typename S>
void add_tap(T* __restrict o, const S* __restrict x, T w, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        o[i] += w * T(x[i]);
}

// The kernel of x_mu(t) = sum_j w[j] x(t - first - j) (fractional_delay's, at a
// positive delay)
std::vector<double> delay_kernel(double mu, int taps, double beta, long& first)
{
    const int P = taps; // keeps the kernel's delay positive
    int kf = 0;
    auto w = fractional_delay::kernel(mu + P, taps, beta, kf);
    first = long(std::floor(mu + P)) - P + kf;
    return w;
}
} // namespace

tx_phase_estimator::tx_phase_estimator(int n_tx,
                                       double ref_rad,
                                       double spacing,
                                       int max_lag,
                                       long n_avg,
                                       int block_len,
                                       double min_score)
    : d_ntx(n_tx), d_max(max_lag), d_navg(n_avg), d_B(block_len), d_min_score(min_score)
{
    check_int_range("n_tx", n_tx, 1, max_antennas);
    check_int_range("max_lag", max_lag, 0, 65536);
    // >= 6: the fit's validity test asks for 10 times what the blocks' own
    // rotations (one per block_len snapshots) explain of noise alone, 5 /
    // block_len of y's power: at 5 or less no estimate could ever pass
    check_int_range("block_len", block_len, std::max(2 * n_tx, 6), 1 << 20);
    check_int_range("n_avg", n_avg, block_len, 1L << 40);
    if (!(std::isfinite(min_score) && min_score >= 0.0)) {
        std::ostringstream s;
        s << min_score;
        throw_param("min_score", s.str(), "a finite value >= 0");
    }
    if (!(std::isfinite(ref_rad) && std::abs(ref_rad) <= pi / 2 + 1e-12)) {
        std::ostringstream s;
        s << rad2deg(ref_rad);
        throw_param("ref_deg", s.str(), "[-90, 90] degrees");
    }
    array_convention c;
    c.spacing = spacing;
    c.validate();
    const cvec a = ula_steering(n_tx, ref_rad, c);
    d_geom = a * std::conj(a[0]);
    // the lag products take 33 n_tx^2 sums over the stretch and hold 33^2
    // n_tx^2 values; the 33 direct fits take 33 (32 n_tx + n_tx^2 / 2) sums:
    // about even at 56 channels (n_avg 16384)
    d_direct_search = n_tx > 32;
    restart();
}

void tx_phase_estimator::restart()
{
    d_lag = 0;
    d_lag_peak_db = 0.0;
    d_lag_score = 0.0;
    d_E.assign(d_max + 1, 0.0);
    d_xh.assign(size_t(d_max + d_B) * d_ntx, cfloat(0.0f, 0.0f));
    d_yb.assign(d_B, cfloat(0.0f, 0.0f));
    d_blk = 0;
    clear_estimate();
    d_phase = d_max > 0 ? 0 : 1;
}

void tx_phase_estimator::set_lag(long lag)
{
    check_int_range("lag", lag, 0, d_max);
    d_lag = lag;
    d_phase = 1;
    clear_estimate();
}

// Both a restart and a new lag start the gains estimate afresh: with max_lag 0
// a restart goes straight to it, and its span must not count what came before.
void tx_phase_estimator::clear_estimate()
{
    d_count = 0;
    d_span = 0;
    d_Q = cmat::Zero(d_ntx, d_ntx);
    d_A = cmat::Zero(d_ntx, d_ntx);
    d_Y = 0.0;
    d_V.resize(0, 0);
    d_yf_f = std::numeric_limits<double>::quiet_NaN();
    d_Ab.clear();
    d_x2.clear();
    d_y2.clear();
    d_xf.clear();
}

void tx_phase_estimator::form_regressor(double mu)
{
    // x_mu(t) = x(t - k* - mu), band-limited: the emulator's delay kernel (a
    // real receiver's sampling instant between snapshots interpolates x the
    // same way). Only the observations whose kernel lies inside the stretch
    // for every mu in [-1, 1] enter the fit: a truncated regressor would bias
    // it, and the search compares residuals over the same observations.
    // frac_taps is 32, not 16: against a longer reference kernel the 16-tap
    // one's response near Nyquist, where a white payload has power, left phase
    // errors 1.24 times their SE (docs/ota_measurements.md).
    const int nt = d_ntx;
    const long N = long(d_y2.size());
    mu = std::clamp(mu, -1.0, 1.0);
    d_mu = mu;
    d_lo = std::min(N, long(frac_taps / 2 + 1));
    d_hi = std::max(d_lo, N - long(frac_taps / 2 + 1));
    if (mu == 0.0) {
        d_xf = d_x2;
    } else {
        // t - first - j stays in [0, N) for t in [d_lo, d_hi)
        long first = 0;
        const auto w = delay_kernel(mu, frac_taps, frac_beta, first);
        d_xf.assign(size_t(N) * nt, cfloat(0.0f, 0.0f));
        for (size_t j = 0; j < w.size() && d_hi > d_lo; ++j)
            add_tap(reinterpret_cast<float*>(d_xf.data() + size_t(d_lo) * nt),
                    reinterpret_cast<const float*>(d_x2.data() +
                                                   size_t(d_lo - first - long(j)) * nt),
                    float(w[j]),
                    2 * size_t(d_hi - d_lo) * nt);
    }
    d_A = cmat::Zero(nt, nt);
    d_Y = 0.0;
    const long nblk = N / d_B;
    d_Ab.assign(size_t(nblk), cmat::Zero(nt, nt));
    for (long t = d_lo; t < d_hi; ++t) {
        const cfloat* xr = d_xf.data() + size_t(t) * nt;
        cmat& Ab = d_Ab[size_t(t / d_B)];
        d_Y += std::norm(cdouble(d_y2[size_t(t)]));
        for (int n = 0; n < nt; ++n) {
            const cdouble xn(xr[n]);
            for (int m = 0; m <= n; ++m)
                Ab(n, m) += std::conj(xn) * cdouble(xr[m]);
        }
    }
    for (const auto& Ab : d_Ab)
        d_A += Ab;
}

const std::vector<cdouble>& tx_phase_estimator::derotated(double f)
{
    // the estimate asks for the same f several times in a row (form_v, the
    // CFO's refinement, the lag products): one rotation per f
    if (d_yf_f == f && d_yf.size() == d_y2.size())
        return d_yf;
    d_yf.assign(d_y2.size(), cdouble(0.0));
    for (long t = d_lo; t < d_hi; ++t) {
        const double cyc = f * double(t);
        d_yf[size_t(t)] = cdouble(d_y2[size_t(t)]) *
                          std::polar(1.0, -2.0 * pi * (cyc - std::floor(cyc)));
    }
    d_yf_f = f;
    return d_yf;
}

void tx_phase_estimator::form_v(double f)
{
    const int nt = d_ntx;
    const long nblk = long(d_y2.size()) / d_B;
    const auto& y = derotated(f);
    d_V = cmat::Zero(nt, nblk);
    for (long t = d_lo; t < d_hi; ++t) {
        const cfloat* xr = d_xf.data() + size_t(t) * nt;
        for (int n = 0; n < nt; ++n)
            d_V(n, t / d_B) += std::conj(cdouble(xr[n])) * y[size_t(t)];
    }
    d_Q = d_V * d_V.adjoint();
}

void tx_phase_estimator::gram_prepare(double f)
{
    const int nt = d_ntx, D = frac_taps / 2, W = 2 * D + 1;
    const long N = long(d_y2.size()), L = d_hi - d_lo, nblk = N / d_B;
    const size_t nn = size_t(nt) * nt;
    d_gG.assign(size_t(W) * W * nn, cdouble(0.0));
    d_gc.assign(size_t(W) * nblk * nt, cdouble(0.0));
    if (L <= 0)
        return;
    // x per antenna, time reversed (xq(s) = x(N - 1 - s): x(t - d) for d = -D
    // .. D is then a run of increasing s), real and imaginary parts apart, in
    // double; y_f likewise (not reversed)
    std::vector<double> xs(2 * size_t(N) * nt), ys(2 * size_t(N));
    auto xre = [&](int n) { return xs.data() + 2 * size_t(n) * N; };
    auto xim = [&](int n) { return xre(n) + N; };
    for (long t = 0; t < N; ++t)
        for (int n = 0; n < nt; ++n) {
            xre(n)[N - 1 - t] = d_x2[size_t(t) * nt + n].real();
            xim(n)[N - 1 - t] = d_x2[size_t(t) * nt + n].imag();
        }
    const auto& yf = derotated(f);
    for (long t = 0; t < N; ++t) {
        ys[size_t(t)] = yf[size_t(t)].real();
        ys[size_t(N + t)] = yf[size_t(t)].imag();
    }
    auto G = [&](long a, long b) {
        return d_gG.data() + (size_t(a + D) * W + size_t(b + D)) * nn;
    };
    // G[-D][-D + delta] directly: sum_{t in [lo, hi)} conj(x(t + D)) x(t + D -
    // delta)^T, at s = N - 1 - t - D in [N - hi - D, N - lo - D), in stretches
    // of 1024 that every lag and antenna pair takes from the cache
    for (long s0 = N - d_hi - D; s0 < N - d_lo - D; s0 += 1024) {
        const long len = std::min(1024L, N - d_lo - D - s0);
        for (int delta = 0; delta < W; ++delta) {
            cdouble* g = G(-D, -D + delta);
            for (int n = 0; n < nt; ++n)
                for (int m = 0; m < nt; ++m) {
                    double re = 0.0, im = 0.0;
                    lag_product(xre(n) + s0,
                                xim(n) + s0,
                                xre(m) + s0 + delta,
                                xim(m) + s0 + delta,
                                len,
                                re,
                                im);
                    g[size_t(n) * nt + m] += cdouble(re, im);
                }
        }
    }
    // the others exactly by sliding the window: G[a + 1][b + 1] = G[a][b] +
    // conj(x(lo - 1 - a)) x(lo - 1 - b)^T - conj(x(hi - 1 - a)) x(hi - 1 - b)^T
    auto xat = [&](long t, int n) { return cdouble(d_x2[size_t(t) * nt + n]); };
    for (int delta = 0; delta < W; ++delta)
        for (long a = -D; a + 1 + delta <= D; ++a) {
            const long b = a + delta;
            const cdouble* src = G(a, b);
            cdouble* dst = G(a + 1, b + 1);
            for (int n = 0; n < nt; ++n)
                for (int m = 0; m < nt; ++m)
                    dst[size_t(n) * nt + m] =
                        src[size_t(n) * nt + m] +
                        std::conj(xat(d_lo - 1 - a, n)) * xat(d_lo - 1 - b, m) -
                        std::conj(xat(d_hi - 1 - a, n)) * xat(d_hi - 1 - b, m);
        }
    for (long a = -D; a <= D; ++a) // G[b][a] = G[a][b]^H
        for (long b = a + 1; b <= D; ++b)
            for (int n = 0; n < nt; ++n)
                for (int m = 0; m < nt; ++m)
                    G(b, a)[size_t(n) * nt + m] = std::conj(G(a, b)[size_t(m) * nt + n]);
    // c[d][blk]: each block's share of [lo, hi), all d at once: x(t - d) =
    // xq(N - 1 - t - D + k) at k = d + D
    std::vector<double> cr(static_cast<size_t>(W)), ci(static_cast<size_t>(W));
    for (long blk = 0; blk < nblk; ++blk) {
        const long t0 = std::max(d_lo, blk * d_B), t1 = std::min(d_hi, (blk + 1) * d_B);
        if (t1 <= t0)
            continue;
        for (int n = 0; n < nt; ++n) {
            std::fill(cr.begin(), cr.end(), 0.0);
            std::fill(ci.begin(), ci.end(), 0.0);
            correlate_offsets(xre(n) + (N - 1 - t0 - D),
                              xim(n) + (N - 1 - t0 - D),
                              -1,
                              ys.data() + t0,
                              ys.data() + N + t0,
                              t1 - t0,
                              W,
                              cr.data(),
                              ci.data());
            for (int k = 0; k < W; ++k)
                d_gc[(size_t(k) * nblk + size_t(blk)) * nt + size_t(n)] =
                    cdouble(cr[size_t(k)], ci[size_t(k)]);
        }
    }
}

void tx_phase_estimator::gram_form(double mu)
{
    // x_mu = sum_j w_j x(t - first - j) with real w: A = sum_{j, j'} w_j w_j'
    // G[first + j][first + j'] and v_blk = sum_j w_j c[first + j][blk]
    const int nt = d_ntx, D = frac_taps / 2, W = 2 * D + 1;
    const size_t nn = size_t(nt) * nt;
    mu = std::clamp(mu, -1.0, 1.0);
    d_mu = mu;
    long first = 0;
    const auto w = delay_kernel(mu, frac_taps, frac_beta, first);
    const long K = long(w.size());
    if (first < -D || first + K - 1 > D)
        throw std::logic_error(
            "tx_phase_estimator: the delay kernel outgrew the margins");
    std::vector<cdouble> A(nn, cdouble(0.0)); // row-major, as G's blocks
    for (long j = 0; j < K; ++j)
        for (long jj = 0; jj < K; ++jj)
            add_tap(reinterpret_cast<double*>(A.data()),
                    reinterpret_cast<const double*>(
                        d_gG.data() +
                        (size_t(first + j + D) * W + size_t(first + jj + D)) * nn),
                    w[size_t(j)] * w[size_t(jj)],
                    2 * nn);
    d_A = Eigen::Map<const cmat>(A.data(), nt, nt).transpose();
    // c's slab of one offset is laid out as d_V (n fastest, then the block)
    const long nblk = long(d_y2.size()) / d_B;
    const size_t nv = size_t(nblk) * nt;
    d_V = cmat::Zero(nt, nblk);
    for (long j = 0; j < K; ++j)
        add_tap(reinterpret_cast<double*>(d_V.data()),
                reinterpret_cast<const double*>(d_gc.data() + size_t(first + j + D) * nv),
                w[size_t(j)],
                2 * nv);
    d_Q = d_V * d_V.adjoint();
}

double tx_phase_estimator::rss_at(double mu, double f)
{
    if (d_direct_search) {
        form_regressor(mu);
        form_v(f);
    } else {
        gram_form(mu);
    }
    double cond = 0.0;
    const cvec b = solve_gains(cond);
    const double r = b.allFinite() ? residual(b) : 0.0;
    return std::isfinite(r) ? r : std::numeric_limits<double>::infinity();
}

double tx_phase_estimator::fit_fraction(double f)
{
    // The reference receiver samples between the snapshots (a timing offset
    // of k* + mu): against x at k* alone its y holds the neighbours' share
    // through the delay kernel. White x turns that share into noise; the
    // frames' known sections are not white, and the share then leans
    // differently on each direction of x, which biases the phases (a few
    // degrees at mu = 0.1 where a precoder leaves a direction to the known
    // sections). mu: the least residual of the fit over a grid of 1/8 on
    // [-1, 1] (the lag search's k* is within a sample of the truth), then a
    // golden-section search within the best grid step. Each trial mu forms
    // its fit from x's lag products (gram_prepare), not from the stretch: the
    // residual Y - 2 sum_blk |b^H v_blk| + b^H A b needs only A and v.
    if (!d_direct_search)
        gram_prepare(f);
    auto rss = [&](double mu) { return rss_at(mu, f); };
    double best = 0.0, rbest = rss(0.0);
    for (int j = -8; j <= 8; ++j) {
        const double mu = j / 8.0;
        if (j == 0)
            continue;
        const double r = rss(mu);
        if (r < rbest) {
            rbest = r;
            best = mu;
        }
    }
    const double g = 0.5 * (std::sqrt(5.0) - 1.0);
    double a = std::max(-1.0, best - 0.125), b = std::min(1.0, best + 0.125);
    double c = b - g * (b - a), d = a + g * (b - a);
    double rc = rss(c), rd = rss(d);
    for (int it = 0; it < 14; ++it) { // 0.25 g^14: within 3e-4 samples
        if (rc < rd) {
            b = d;
            d = c;
            rd = rc;
            c = b - g * (b - a);
            rc = rss(c);
        } else {
            a = c;
            c = d;
            rc = rd;
            d = a + g * (b - a);
            rd = rss(d);
        }
    }
    const double mu_s = rc < rd ? c : d;
    if (std::min(rc, rd) < rbest)
        best = mu_s;
    form_regressor(best);
    form_v(f);
    return best;
}

cvec tx_phase_estimator::solve_gains(double& condition_db) const
{
    // b maximises sum_blocks |v^H b|^2 / (b^H A b): the principal generalised
    // eigenvector of (Q, A). Noise adds s2 A to Q and so shifts every
    // eigenvalue equally: the eigenvector stays unbiased.
    const int nt = d_ntx;
    cmat A = d_A.selfadjointView<Eigen::Lower>();
    const double tr = A.diagonal().real().sum();
    condition_db = 300.0;
    if (!(tr > 0.0))
        return cvec::Zero(nt);
    // how well x excited every transmit channel: a direction x never takes
    // leaves its part of b to the noise
    Eigen::SelfAdjointEigenSolver<cmat> ea(A, Eigen::EigenvaluesOnly);
    const double lmin = ea.eigenvalues()[0], lmax = ea.eigenvalues()[nt - 1];
    condition_db = lmin > 0.0 ? 10.0 * std::log10(lmax / lmin) : 300.0;
    A.diagonal().array() += 1e-12 * tr / nt; // keep A positive definite
    Eigen::LLT<cmat> llt(A);
    const cmat L = llt.matrixL();
    const cmat Li = L.triangularView<Eigen::Lower>().solve(cmat::Identity(nt, nt));
    const cmat M = Li * d_Q * Li.adjoint();
    Eigen::SelfAdjointEigenSolver<cmat> es(M);
    cvec b = Li.adjoint() * es.eigenvectors().col(nt - 1); // eigenvalues ascending
    // The eigenvector weighs blocks by their energy, which biases it when the
    // blocks differ (a frame's known section against its payload). From it,
    // alternate the two least-squares steps of y_blk = e^{j theta} X_blk b:
    // theta_blk = arg(b^H v_blk), then b = A^{-1} sum e^{-j theta_blk} v_blk.
    // (the blocks' v as the columns of d_V: one product for all their b^H v)
    for (int it = 0; it < 50; ++it) {
        cvec w = d_V.adjoint() * b; // conj(b^H v_blk)
        for (Eigen::Index k = 0; k < w.size(); ++k) {
            const double a = std::sqrt(std::norm(w[k]));
            w[k] = a > 0.0 ? w[k] / a : cdouble(0.0);
        }
        const cvec nb = llt.solve(d_V * w);
        const double change = (nb * std::conj(nb[0] / std::abs(nb[0])) -
                               b * std::conj(b[0] / std::abs(b[0])))
                                  .norm() /
                              std::max(1e-300, nb.norm());
        b = nb;
        if (!(change > 1e-9))
            break;
    }
    return b;
}

double tx_phase_estimator::remove_cfo()
{
    // One rotation per block absorbs a CFO only while it turns little within a
    // block: a free-running receiver (10 ppm at 2.45 GHz and 1 MS/s: 0.0245
    // cycles per snapshot, 0.78 cycles over a block of 32) turns so far that
    // the blocks' sums lose most of their power and the fit skews the phases
    // of the channels whose pilots sit early or late in the block. The CFO f
    // is one number. Coarse: the f of a grid (step 1 / (4 block_len), the
    // whole (-1/2, 1/2]) whose derotated blocks keep the most energy,
    // sum ||X_blk^H y_blk e^{-j 2 pi f t}||^2 (the lag search's statistic; at
    // half a step from the truth it loses 3 %). Fine: from the fit b on the
    // derotated blocks, z(t) = y(t) e^{-j 2 pi f t} conj(x(t)^T b) turns at
    // the remaining offset, which the lag-B products of z give (within
    // 1 / (2 B) after the grid). Then v is formed again on y e^{-j 2 pi f t};
    // X^H X does not change.
    // (x here is the regressor d_xf, over the observations d_lo .. d_hi)
    const int nt = d_ntx;
    const long N = long(d_y2.size());
    const long nblk = N / d_B;
    if (N < 2 * long(d_B) || nblk * d_B != N)
        return 0.0;
    const int M = 4 * d_B;
    const auto e = cfo_energies(M);
    double best = -1.0, f = 0.0;
    for (int j = 0; j < M; ++j)
        if (e[size_t(j)] > best) {
            best = e[size_t(j)];
            f = double(j - M / 2) / double(M);
        }
    if (!(best > 0.0))
        return 0.0;
    form_v(f);
    double cond = 0.0;
    const cvec b = solve_gains(cond);
    if (b.allFinite() && b.norm() > 0.0) {
        cdouble rB = 0.0;
        const auto& yf = derotated(f);
        std::vector<cdouble> z(static_cast<size_t>(N));
        for (long t = d_lo; t < d_hi; ++t) {
            cdouble st = 0.0;
            for (int n = 0; n < nt; ++n)
                st += cdouble(d_xf[size_t(t) * nt + n]) * b[n];
            z[size_t(t)] = yf[size_t(t)] * std::conj(st);
            if (t >= d_lo + d_B)
                rB += z[size_t(t)] * std::conj(z[size_t(t - d_B)]);
        }
        if (std::abs(rB) > 0.0 && std::isfinite(std::abs(rB))) {
            f += std::arg(rB) / (2.0 * pi * double(d_B));
            form_v(f);
        }
    }
    return f;
}

std::vector<double> tx_phase_estimator::cfo_energies(int M) const
{
    // With u_i = conj(x_i) y_i (i from the block's start; 0 outside [lo, hi);
    // within a block the rotation from its start suffices, each block's own
    // phase being free), ||sum_i u_i e^{-j 2 pi f i}||^2 = sum_{i, l} u_i^H u_l
    // e^{-j 2 pi f (l - i)}: a trigonometric polynomial
    //   e(f) = r_0 + 2 Re sum_{k = 1}^{B - 1} r_k e^{-j 2 pi f k},
    //   r_k = sum_blk sum_i u_i^H u_{i + k},
    // whose B coefficients take one pass over the stretch for every f.
    const int nt = d_ntx, B = d_B;
    const long nblk = long(d_y2.size()) / B;
    // per antenna u over the block and B zeros after it (real, then imaginary
    // parts): conj(r_k) = sum_i conj(u_{i + k}) u_i for all k at once
    std::vector<double> u(4 * size_t(B) * nt, 0.0), rr(size_t(B), 0.0),
        ri(size_t(B), 0.0);
    auto ure = [&](int n) { return u.data() + 4 * size_t(n) * B; };
    auto uim = [&](int n) { return ure(n) + 2 * B; };
    for (long blk = 0; blk < nblk; ++blk) {
        for (int i = 0; i < B; ++i) {
            const long t = blk * B + i;
            const bool in = t >= d_lo && t < d_hi;
            for (int n = 0; n < nt; ++n) {
                const cdouble v = in ? std::conj(cdouble(d_xf[size_t(t) * nt + n])) *
                                           cdouble(d_y2[size_t(t)])
                                     : cdouble(0.0);
                ure(n)[i] = v.real();
                uim(n)[i] = v.imag();
            }
        }
        for (int n = 0; n < nt; ++n)
            correlate_offsets(
                ure(n), uim(n), 1, ure(n), uim(n), B, B, rr.data(), ri.data());
    }
    std::vector<cdouble> r(static_cast<size_t>(B));
    for (int k = 0; k < B; ++k)
        r[size_t(k)] = cdouble(rr[size_t(k)], -ri[size_t(k)]);
    // f_j k = (j - M / 2) k / M: the phase from a table of the M roots of unity
    std::vector<cdouble> root(static_cast<size_t>(M));
    for (int p = 0; p < M; ++p)
        root[size_t(p)] = std::polar(1.0, -2.0 * pi * double(p) / double(M));
    std::vector<double> e(static_cast<size_t>(M));
    for (int j = 0; j < M; ++j) {
        cdouble s = 0.0;
        for (int k = 1; k < B; ++k) {
            const long p = ((long(j) - M / 2) * k % M + M) % M;
            s += r[size_t(k)] * root[size_t(p)];
        }
        e[size_t(j)] = r[0].real() + 2.0 * s.real();
    }
    return e;
}

std::vector<cdouble> tx_phase_estimator::model_derivative(const cvec& b) const
{
    // d (x_mu^T b) / d mu over [d_lo, d_hi), from the kernels at mu -+ h (both
    // lie within the margins d_lo and d_hi keep for |mu| <= 1), applied to
    // x^T b: one pass over x, then the kernels on a single series
    const int nt = d_ntx;
    const long N = long(d_y2.size());
    const double h = 1e-3;
    std::vector<cdouble> p(static_cast<size_t>(N)),
        u(static_cast<size_t>(N), cdouble(0.0));
    for (long t = 0; t < N; ++t) {
        cdouble s = 0.0;
        for (int n = 0; n < nt; ++n)
            s += cdouble(d_x2[size_t(t) * nt + n]) * b[n];
        p[size_t(t)] = s;
    }
    const double lo = std::max(-1.0, d_mu - h), hi = std::min(1.0, d_mu + h);
    for (const double sgn : { -1.0, 1.0 }) {
        const double m = sgn > 0.0 ? hi : lo;
        const double scale = sgn / (hi - lo);
        long first = 0;
        const auto w = delay_kernel(m, frac_taps, frac_beta, first);
        for (size_t j = 0; j < w.size() && d_hi > d_lo; ++j)
            add_tap(reinterpret_cast<double*>(u.data() + d_lo),
                    reinterpret_cast<const double*>(p.data() + d_lo - first - long(j)),
                    scale * w[j],
                    2 * size_t(d_hi - d_lo));
    }
    return u;
}

long tx_phase_estimator::blocks_used() const
{
    const long first = d_lo / d_B, last = (d_hi - 1) / d_B;
    return d_hi > d_lo ? last - first + 1 : 0;
}

double tx_phase_estimator::residual(const cvec& b) const
{
    const cmat A = d_A.selfadjointView<Eigen::Lower>();
    const double fitted = (d_V.adjoint() * b).cwiseAbs().sum();
    // sum |y - e^{j theta} X b|^2 at theta_blk = arg(b^H v_blk)
    return d_Y - 2.0 * fitted + (b.adjoint() * A * b)(0, 0).real();
}

std::vector<double> tx_phase_estimator::phase_se(const cvec& b) const
{
    const int nt = d_ntx;
    std::vector<double> se(nt, 0.0);
    const double inf = std::numeric_limits<double>::infinity();
    const double dof = double(d_hi - d_lo) - nt - 0.5 * double(blocks_used());
    const cmat A = d_A.selfadjointView<Eigen::Lower>();
    const double rss = residual(b);
    if (!(dof > 0.0) || !(std::abs(b[0]) > 0.0) || !b.allFinite()) {
        std::fill(se.begin() + 1, se.end(), inf);
        return se;
    }
    const double s2 = std::max(rss, 0.0) / dof;
    // the real form of a complex vector and matrix: [Re; Im], [[Re, -Im], [Im, Re]]
    auto real_vec = [nt](const cvec& w) {
        Eigen::VectorXd r(2 * nt);
        r << w.real(), w.imag();
        return r;
    };
    // The fitted fraction mu is one more parameter (last row and column): a
    // delay error leans on each direction of x differently, as mu left out
    // does. Its column: the model's derivative e^{j theta} X'_blk b, X' the
    // derivative of x_mu in mu (central difference of the kernel).
    const int P = 2 * nt + 1;
    Eigen::MatrixXd J = Eigen::MatrixXd::Zero(P, P);
    J.topLeftCorner(2 * nt, 2 * nt) << A.real(), -A.imag(), A.imag(), A.real();
    const long nblk = long(d_Ab.size());
    std::vector<cvec> gb(size_t(nblk), cvec::Zero(nt)); // X_blk^H X'_blk b
    std::vector<double> ub(size_t(nblk), 0.0);          // ||X'_blk b||^2
    const auto ud = model_derivative(b);
    for (long t = d_lo; t < d_hi; ++t) {
        const cfloat* x = d_xf.data() + size_t(t) * nt;
        const cdouble u = ud[size_t(t)];
        const long blk = t / d_B;
        for (int n = 0; n < nt; ++n)
            gb[size_t(blk)][n] += std::conj(cdouble(x[n])) * u;
        ub[size_t(blk)] += std::norm(u);
    }
    for (long blk = 0; blk < nblk; ++blk) {
        const cvec Ab = d_Ab[size_t(blk)].selfadjointView<Eigen::Lower>() * b;
        const double e = b.dot(Ab).real(); // b^H A_blk b
        Eigen::VectorXd cr = Eigen::VectorXd::Zero(P);
        cr.head(2 * nt) = real_vec(cdouble(0.0, 1.0) * Ab);
        cr[2 * nt] = b.dot(gb[size_t(blk)]).imag();
        Eigen::VectorXd gm = Eigen::VectorXd::Zero(P);
        gm.head(2 * nt) = real_vec(gb[size_t(blk)]);
        gm[2 * nt] = ub[size_t(blk)];
        J.col(2 * nt) += gm;
        J.row(2 * nt).head(2 * nt) += gm.head(2 * nt).transpose();
        if (e > 0.0)
            J -= cr * cr.transpose() / e;
    }
    if (!(J(2 * nt, 2 * nt) > 0.0)) // mu was not fitted or x does not move with it
        J(2 * nt, 2 * nt) = 1.0;
    // b's common phase, j b, is J's null direction: fill it (every gradient
    // below is orthogonal to it, so this is the pseudo-inverse on them)
    Eigen::VectorXd nb = Eigen::VectorXd::Zero(P);
    nb.head(2 * nt) = real_vec(cdouble(0.0, 1.0) * b).normalized();
    J += (J.topLeftCorner(2 * nt, 2 * nt).trace() / (2.0 * nt)) * nb * nb.transpose();
    Eigen::LDLT<Eigen::MatrixXd> ldlt(J);
    if (ldlt.info() != Eigen::Success) {
        std::fill(se.begin() + 1, se.end(), inf);
        return se;
    }
    for (int n = 1; n < nt; ++n) {
        if (!(std::abs(b[n]) > 0.0)) {
            se[n] = inf;
            continue;
        }
        // d psi_n = Im(db_n / b_n) - Im(db_0 / b_0) on [Re db; Im db]
        Eigen::VectorXd g = Eigen::VectorXd::Zero(P);
        const cdouble cn = 1.0 / b[n], c0 = 1.0 / b[0];
        g[n] = cn.imag();
        g[nt + n] = cn.real();
        g[0] = -c0.imag();
        g[nt] = -c0.real();
        const double q = g.dot(ldlt.solve(g));
        se[n] = q >= 0.0 && std::isfinite(q) ? std::sqrt(0.5 * s2 * q) : inf;
    }
    return se;
}

void tx_phase_estimator::finish_block()
{
    const int nt = d_ntx;
    auto xrow = [&](long i) { return d_xh.data() + size_t(i) * nt; };
    if (d_phase == 0) {
        // E_k += ||X_k^H y||^2 for every lag: max_lag + 1 correlations of one
        // block with the history, the search's whole cost. Per antenna the
        // history is contiguous: lag k is the window at d_max - k, and every
        // window of the block is correlated at once (float over the block's B
        // terms; the sum over blocks in double).
        const size_t len = size_t(d_max + d_B);
        const int M = d_max + 1;
        d_xa.resize(2 * len * nt);
        for (int n = 0; n < nt; ++n) {
            float* xr = d_xa.data() + 2 * size_t(n) * len;
            float* xi = xr + len;
            for (size_t j = 0; j < len; ++j) {
                xr[j] = d_xh[j * nt + n].real();
                xi[j] = d_xh[j * nt + n].imag();
            }
        }
        d_cr.resize(size_t(M));
        d_ci.resize(size_t(M));
        d_e.assign(size_t(M), 0.0);
        for (int n = 0; n < nt; ++n) {
            const float* xr = d_xa.data() + 2 * size_t(n) * len;
            correlate_lags(xr, xr + len, d_yb.data(), d_B, M, d_cr.data(), d_ci.data());
            for (int m = 0; m < M; ++m)
                d_e[size_t(m)] += std::norm(cdouble(d_cr[size_t(m)], d_ci[size_t(m)]));
        }
        for (int k = 0; k <= d_max; ++k)
            d_E[k] += d_e[size_t(d_max - k)];
    } else {
        // x at lag k* and y; the fit forms its regressor from them at the end
        for (int i = 0; i < d_B; ++i) {
            const cfloat* xr = xrow(d_max + i - d_lag);
            d_x2.insert(d_x2.end(), xr, xr + nt);
            d_y2.push_back(d_yb[i]);
        }
    }
    // Only snapshots that radiated count toward n_avg: a muted frame payload
    // (zero snapshots before a channel is known) adds nothing to E_k, v or
    // X^H X, so counting it would end the estimate on fewer useful snapshots
    // than the user asked for. In the gains phase the regressor is x at k*;
    // in the lag search k* is unknown and the current x stands for it.
    const long shift = d_phase == 0 ? 0 : d_lag;
    for (int i = 0; i < d_B; ++i) {
        const cfloat* xr = xrow(d_max + i - shift);
        if (std::any_of(xr, xr + nt, [](cfloat c) { return c != cfloat(0.0f, 0.0f); }))
            ++d_count;
    }
    // the last max_lag rows become the history of the next block
    std::copy(d_xh.begin() + size_t(d_B) * nt, d_xh.end(), d_xh.begin());
    d_blk = 0;
}

bool tx_phase_estimator::process(const cfloat* x, const cfloat* y, long n)
{
    bool done = false;
    const int nt = d_ntx;
    for (long t = 0; t < n; ++t) {
        cfloat* dst = d_xh.data() + size_t(d_max + d_blk) * nt;
        bool ok = std::isfinite(y[t].real()) && std::isfinite(y[t].imag());
        for (int k = 0; k < nt; ++k) {
            const cfloat v = x[size_t(t) * nt + k];
            ok = ok && std::isfinite(v.real()) && std::isfinite(v.imag());
            dst[k] = v;
        }
        if (!ok) { // a bad snapshot adds nothing (zero regressor and observation)
            std::fill(dst, dst + nt, cfloat(0.0f, 0.0f));
            d_yb[d_blk] = cfloat(0.0f, 0.0f);
        } else {
            d_yb[d_blk] = y[t];
        }
        if (d_phase == 1)
            ++d_span;
        if (++d_blk < d_B)
            continue;
        finish_block();
        if (d_count < d_navg)
            continue;
        if (d_phase == 0) {
            d_lag = long(std::max_element(d_E.begin(), d_E.end()) - d_E.begin());
            // E_k of the other lags is a sum of many non-coherent block
            // energies: its spread shrinks with the number of blocks while
            // the peak's excess stays, so detect on the excess over the
            // floor in units of the floor's spread (median and MAD)
            std::vector<double> far;
            for (int k = 0; k <= d_max; ++k)
                if (std::abs(k - d_lag) > 1)
                    far.push_back(d_E[k]);
            double floor = 0.0, spread = 0.0;
            if (far.size() >= 3) {
                std::nth_element(far.begin(), far.begin() + far.size() / 2, far.end());
                floor = far[far.size() / 2];
                std::vector<double> dev;
                for (double v : far)
                    dev.push_back(std::abs(v - floor));
                std::nth_element(dev.begin(), dev.begin() + dev.size() / 2, dev.end());
                spread = 1.4826 * dev[dev.size() / 2];
            }
            const double Ep = d_E[d_lag];
            d_lag_peak_db =
                floor > 0.0 ? 10.0 * std::log10(Ep / floor) : (Ep > 0 ? 300.0 : 0.0);
            d_lag_score = spread > 0.0 ? (Ep - floor) / spread : (Ep > floor ? 1e9 : 0.0);
            set_lag(d_lag);
            continue;
        }
        tx_phase_result r;
        r.lag = d_lag;
        r.lag_peak_db = d_lag_peak_db;
        r.lag_score = d_lag_score;
        r.snapshots = uint64_t(d_count);
        r.span = uint64_t(d_span);
        r.phases_rad.assign(nt, 0.0);
        r.gains_db.assign(nt, 0.0);
        // the CFO first at x's integer lag (the fraction costs its search
        // little), then the fraction with the CFO removed, then the CFO again
        // on the fractionally delayed x
        form_regressor(0.0);
        form_v(0.0);
        r.cfo = remove_cfo();
        r.frac_lag = fit_fraction(r.cfo);
        r.cfo = remove_cfo();
        const cvec b = solve_gains(r.condition_db);
        r.phases_se_rad = phase_se(b);
        // A lag outside [0, max_lag] still has a peak: x's known sections
        // recur, and a partial overlap of them correlates. What the fit
        // explains there is close to what its n_tx + n_blocks / 2 parameters
        // explain of noise alone (a fraction of y's power equal to their share
        // of the complex observations); at the right lag it is the SNR's
        // share, SNR / (1 + SNR).
        bool fit_ok = false;
        {
            const double rss = std::max(residual(b), 0.0);
            const double expl = std::max(d_Y - rss, 0.0);
            r.fit_db = rss > 0.0 ? 10.0 * std::log10(expl / rss) : 300.0;
            const double nobs = double(d_hi - d_lo);
            const double chance =
                (nt + 0.5 * double(blocks_used())) / std::max(nobs, 1.0);
            fit_ok = d_Y > 0.0 && expl / d_Y >= db2lin(min_fit_excess_db) * chance;
        }
        for (int k = 0; k < nt; ++k) {
            double ph = std::arg(b[k] * std::conj(b[0])) - std::arg(d_geom[k]);
            ph = std::atan2(std::sin(ph), std::cos(ph));
            r.phases_rad[k] = k == 0 ? 0.0 : ph;
            r.gains_db[k] = std::abs(b[0]) > 0.0 && std::abs(b[k]) > 0.0
                                ? 20.0 * std::log10(std::abs(b[k]) / std::abs(b[0]))
                                : 0.0;
        }
        r.valid = b.allFinite() && std::abs(b[0]) > 0.0 &&
                  r.condition_db <= max_condition_db && fit_ok &&
                  (d_max == 0 || d_lag_score >= d_min_score);
        // result() and done_at() describe the same (the call's last) estimate:
        // its window, its offset and its phases belong together
        d_done_at = t + 1;
        d_result = r;
        done = true;
        set_lag(d_lag); // the next estimate keeps the lag
    }
    return done;
}

std::vector<cfloat> tx_cal_weights(const tx_phase_result& r, bool equalize_gains)
{
    const size_t n = r.phases_rad.size();
    if (equalize_gains && r.gains_db.size() != n)
        throw_param("gains_db",
                    list_str(r.gains_db.size(), "value"),
                    std::to_string(n) + " (one per phase)");
    double mean_g2 = 0.0;
    if (equalize_gains) {
        for (double g : r.gains_db)
            mean_g2 += db2lin(g);
        mean_g2 /= double(std::max<size_t>(n, 1));
    }
    std::vector<cfloat> w(n);
    for (size_t i = 0; i < n; ++i) {
        const double a = equalize_gains
                             ? std::sqrt(mean_g2) * std::pow(10.0, -r.gains_db[i] / 20.0)
                             : 1.0;
        w[i] = cfloat(std::polar(a, -r.phases_rad[i]));
    }
    return w;
}

} // namespace core
} // namespace isac
} // namespace gr
