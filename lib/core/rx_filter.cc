/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "clones.h"
#include <gnuradio/isac/core/cancel.h>
#include <gnuradio/isac/core/rx_filter.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace gr {
namespace isac {
namespace core {

namespace {
using rmatf_rm = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Snapshots per GEMM: the (Q+1) x chunk results stay in L1 while the per-snapshot
// loop reads them, and the N x chunk input block is streamed once.
constexpr int chunk = 256;

void check_pfa_noise(double pfa, double noise_var)
{
    if (!(pfa > 0.0 && pfa < 1.0))
        throw_param("pfa", std::to_string(pfa), "(0, 1)");
    check_positive_finite("radar_noise_var", noise_var);
}

// A (rows x n, complex) -> W (2 rows x 2n, real) with W [Re v; Im v] interleaved = [Re
// Av; Im Av].
Eigen::MatrixXf real_form(const cmat& A)
{
    Eigen::MatrixXf W(2 * A.rows(), 2 * A.cols());
    for (Eigen::Index i = 0; i < A.rows(); ++i)
        for (Eigen::Index n = 0; n < A.cols(); ++n) {
            const float ar = float(A(i, n).real()), ai = float(A(i, n).imag());
            W(2 * i, 2 * n) = ar;
            W(2 * i, 2 * n + 1) = -ai;
            W(2 * i + 1, 2 * n) = ai;
            W(2 * i + 1, 2 * n + 1) = ar;
        }
    return W;
}

/*
 * P(:, j) = W * X(:, j) for R rows of W (row-major, k columns) and n columns of X,
 * without the packing copy of X that a GEMM makes (Eigen's gemm_pack_rhs was 28 %
 * of the kernel at N = 128, with R = 6 rows to amortise it over). Each row keeps 16
 * independent lane sums, so the loop vectorises without reassociating a reduction;
 * the clones give it AVX2/AVX-512 where the CPU has them.
 */
template <int R>
ISAC_CLONES void project(const float* __restrict W,
                         int ldw,
                         const float* __restrict X,
                         int k,
                         int n,
                         float* __restrict P,
                         int ldp)
{
    constexpr int V = 16;
    if (k < V) {
        // a short column (a small array's x or r): the lane sums below would all be
        // zero, and summing them cost more than the products (the same sums, in the
        // same order)
        for (int j = 0; j < n; ++j) {
            const float* x = X + size_t(j) * k;
            for (int i = 0; i < R; ++i) {
                float sum = 0.0f;
                for (int t = 0; t < k; ++t)
                    sum += W[size_t(i) * ldw + t] * x[t];
                P[size_t(j) * ldp + i] = sum;
            }
        }
        return;
    }
    for (int j = 0; j < n; ++j) {
        const float* x = X + size_t(j) * k;
        float acc[R][V] = {};
        int kk = 0;
        for (; kk + V <= k; kk += V)
            for (int i = 0; i < R; ++i)
                for (int l = 0; l < V; ++l)
                    acc[i][l] += W[size_t(i) * ldw + kk + l] * x[kk + l];
        for (int i = 0; i < R; ++i) {
            float sum = 0.0f;
            for (int l = 0; l < V; ++l)
                sum += acc[i][l];
            for (int t = kk; t < k; ++t)
                sum += W[size_t(i) * ldw + t] * x[t];
            P[size_t(j) * ldp + i] = sum;
        }
    }
}

/*
 * P = W X for a 6 x 8 W (2 clutter patches, 4 receive channels: the OTA scene) and
 * b columns, every column in the order Eigen's GEMM (this build: Eigen 3.4) gives a
 * column of a whole group of 4 (as every column of the gemm kernel's products), so
 * the outputs are those of the GEMM bit for bit at a sixth of its instructions (the
 * GEMM packs and zeroes for a 6 x 8 block), and no column depends on b or on its
 * place among the b. Rows sit in the vector lanes (6 of 8):
 * rows 0-3 (one packet) add the even and the odd products in two chains from 0,
 * then the two; rows 4-5 take a_l = (0 + p_l) + p_{l+4}, (a_0 + a_1) + (a_2 + a_3),
 * p_t = W(i, t) X(t, j). A GEMM adds its result to the zeroed destination (0 + acc:
 * -0 becomes +0). qa_rx_filter checks this against Eigen (projection_kernel::gemm)
 * bit for bit.
 */
ISAC_CLONES_EXACT void project_6x8(const float* __restrict W,
                                   const float* __restrict X,
                                   int b,
                                   float* __restrict P)
{
    typedef float v8sf __attribute__((vector_size(32)));
    v8sf w[8];
    for (int t = 0; t < 8; ++t)
        for (int i = 0; i < 8; ++i)
            w[t][i] = i < 6 ? W[i * 8 + t] : 0.0f;
    const v8sf zero = {};
    for (int j = 0; j < b; ++j) {
        const float* x = X + size_t(j) * 8;
        v8sf p[8];
        for (int t = 0; t < 8; ++t)
            p[t] = w[t] * x[t];
        const v8sf ev = (((zero + p[0]) + p[2]) + p[4]) + p[6];
        const v8sf od = (((zero + p[1]) + p[3]) + p[5]) + p[7];
        const v8sf a = ((zero + p[0]) + p[4]) + ((zero + p[1]) + p[5]);
        const v8sf c = ((zero + p[2]) + p[6]) + ((zero + p[3]) + p[7]);
        const v8sf lo = ev + od, hi = a + c;
        const v8sf r =
            zero + v8sf{ lo[0], lo[1], lo[2], lo[3], hi[4], hi[5], hi[6], hi[7] };
        for (int i = 0; i < 6; ++i)
            P[size_t(j) * 6 + i] = r[i];
    }
}

// ||x||^2 of k floats in 16 lane sums (vectorises without reassociating, and rounds
// alike wherever x sits)
ISAC_CLONES float squared_norm(const float* __restrict x, int k)
{
    constexpr int V = 16;
    if (k < V) { // the lane sums would all be zero (the same sum, in the same order)
        float sum = 0.0f;
        for (int i = 0; i < k; ++i)
            sum += x[i] * x[i];
        return sum;
    }
    float acc[V] = {};
    int i = 0;
    for (; i + V <= k; i += V)
        for (int l = 0; l < V; ++l)
            acc[l] += x[i + l] * x[i + l];
    float sum = 0.0f;
    for (int l = 0; l < V; ++l)
        sum += acc[l];
    for (; i < k; ++i)
        sum += x[i] * x[i];
    return sum;
}

// Rows in blocks of 6 (12 or 6 vector accumulators), the even remainder by 2 or 4.
void project_rows(const rmatf_rm& W, const float* X, int k, int n, Eigen::MatrixXf& P)
{
    const int rows = int(W.rows());
    int i = 0;
    for (; i + 6 <= rows; i += 6)
        project<6>(W.data() + size_t(i) * k, k, X, k, n, P.data() + i, int(P.rows()));
    if (rows - i == 4)
        project<4>(W.data() + size_t(i) * k, k, X, k, n, P.data() + i, int(P.rows()));
    else if (rows - i == 2)
        project<2>(W.data() + size_t(i) * k, k, X, k, n, P.data() + i, int(P.rows()));
}

} // namespace

rx_filter::rx_filter(const radar_scene& scene,
                     adc_model adc,
                     double pfa,
                     double noise_var,
                     projection_kernel kernel,
                     threshold_model threshold,
                     int cpi_len,
                     clutter_model clutter)
    : d_scene(scene),
      d_adc(adc),
      d_pfa(pfa),
      d_noise_var(noise_var),
      d_threshold(threshold),
      d_clutter(clutter),
      d_cpi(cpi_len),
      // validated before the calibration curve reads its grid at log10(pfa)
      d_cal(scene.n_rx(), (check_pfa_noise(pfa, noise_var), pfa))
{
    check_int_range("cpi_len", cpi_len, 1, 1 << 24);
    d_neg_log_pfa = -std::log(pfa);
    if (adc == adc_model::one_bit && threshold == threshold_model::exact)
        d_table = cached_threshold_table(scene, pfa, cpi_len, clutter);
    d_pw.resize(scene.n_clutter());
    const int Q1 = scene.n_clutter() + 1;
    d_wr = real_form(scene.gr().adjoint());
    d_wt = real_form(scene.gt().transpose());
    // Measured crossover (bench_rx_filter): Eigen's GEMM wins at N = 16, the
    // packing-free kernel from N = 64 on (1.4x at N = 128).
    d_direct = kernel == projection_kernel::direct ||
               (kernel == projection_kernel::automatic &&
                std::min(scene.n_rx(), scene.n_tx()) >= 64);
    // the OTA scene's shape in the GEMM's order (automatic: the same bits as gemm)
    d_small =
        kernel == projection_kernel::automatic && d_wr.rows() == 6 && d_wr.cols() == 8;
    d_p.resize(2 * Q1, chunk);
    if (!d_small && !d_direct) {
        d_rpad.setZero(2 * scene.n_rx(), chunk);
        // a GEMM, not Eigen's coefficient-based product (rows + depth + columns
        // below 20), in whole groups of 4 columns
        d_gemm_min = (std::max<int>(8, 20 - int(d_wr.rows() + d_wr.cols())) + 3) / 4 * 4;
    }
    d_cx.resize(2 * Q1, 1);
    d_ws.resize(scene.workspace_size());
    d_cd.resize(Q1);
    d_y.resize(Q1);
    d_gq.resize(Q1);
    d_a.resize(Q1);
    d_miss.resize(x_stride());
    // a poll costs tens of ns; from Q = 32 on a snapshot's solve alone is O(Q^3/6)
    d_check_cancel = scene.n_clutter() >= 32;
    // x-terms cache: up to 4096 slots and 4 MiB (2 N_T floats of key per slot)
    const size_t slot_bytes =
        sizeof(float) * 2 * scene.n_tx() + sizeof(cdouble) * x_stride() + 2;
    d_slots = 4096;
    while (d_slots > 64 && size_t(d_slots) * slot_bytes > (size_t(4) << 20))
        d_slots /= 2;
    d_keys.resize(size_t(d_slots) * 2 * scene.n_tx());
    d_used.assign(d_slots, 0);
    d_xstat.resize(d_slots);
    d_xval.resize(size_t(d_slots) * x_stride());
}

snapshot_status rx_filter::x_terms(const float* x, cdouble* v)
{
    const int Q = d_scene.n_clutter();
    const int Q1 = Q + 1;
    const int nr = d_scene.n_rx(), k = 2 * d_scene.n_tx();
    d_cut = false;
    std::fill(v, v + x_stride(), cdouble(0.0));
    project_rows(d_wt, x, k, 1, d_cx);
    // ||x||^2 in single precision, as the samples are: an x whose power overflows a
    // float is non-finite, one whose power underflows is nothing transmitted
    const float xnf = squared_norm(x, k);
    bool finite = std::isfinite(xnf);
    for (int q = 0; q < Q1; ++q) {
        const float re = d_cx(2 * q, 0), im = d_cx(2 * q + 1, 0);
        finite = finite && std::isfinite(re) && std::isfinite(im);
        d_cd[q] = cdouble(re, im);
    }
    if (!finite)
        return snapshot_status::non_finite;
    if (!(xnf >= std::numeric_limits<float>::min()))
        // nothing (or only denormals, which square to 0) was transmitted: no decision
        return snapshot_status::no_tx;
    const double c0sq = std::norm(d_cd[0]);
    if (!(c0sq > degenerate_tol * degenerate_tol * double(xnf)))
        // the target is not lit: dividing by c_0 would overflow the filter
        return snapshot_status::degenerate;
    if (d_check_cancel && cancel_requested()) {
        d_cut = true;
        return snapshot_status::non_finite;
    }
    const double gmg =
        d_scene.solve_into(d_cd.data(), d_adc, d_y.data(), d_gq.data(), d_ws.data());
    if (d_check_cancel && cancel_requested()) {
        d_cut = true;
        return snapshot_status::non_finite;
    }
    // v^H r with v = g0 - A y is p_0 - sum_q conj(y_q) p_q
    for (int q = 0; q < Q; ++q)
        v[q] = std::conj(d_y[q]);
    // v^H g_q = conj(g_q^H M^{-1} g0); clutter gains of v: c_q v^H g_q
    for (int q = 0; q < Q; ++q)
        d_a[q] = d_cd[q + 1] * std::conj(d_gq[q]);
    const double vn2 = d_scene.minv_g0_norm2(d_y.data());
    const double var = d_scene.h0_variance(vn2, d_a.data(), d_adc, d_noise_var);
    double kr = 1.0, var_ratio = 1.0, d = 1.0, kc = 0.0, sc = 1.0;
    if (d_table) {
        for (int q = 0; q < Q; ++q) {
            d_pw[q] = d_scene.cnr()[q] * std::norm(d_cd[q + 1]);
            d += d_pw[q] / nr;
        }
        d_table->factors(d_pw.data(),
                         kr,
                         var_ratio,
                         d_cpi > 1 ? &kc : nullptr,
                         d_cpi > 1 ? &sc : nullptr);
        // a table evaluated per snapshot (beyond 4 clutter patches) may have been
        // cut short by the cancellation: its factors are then not used
        if (d_check_cancel && cancel_requested()) {
            d_cut = true;
            return snapshot_status::non_finite;
        }
    }
    // |z|/kappa is invariant to the filter's scale, so kappa^2 is taken on v.
    const double k2 = var * kr * d_neg_log_pfa;
    // u = v / (conj(c0) gmg)  =>  u^H r = v^H r / (c0 gmg)
    // 1/(c0 gmg) without a library complex division
    const cdouble scale = std::conj(d_cd[0]) / (c0sq * gmg);
    v[Q] = scale;
    v[Q1] = k2;
    cdouble* t = v + Q + 2;
    const double s2 = std::norm(scale);
    if (d_table) {
        // exact variance of z_l, its linear clutter part and the tail shape
        const double vl = var * var_ratio * s2;
        double lin = 0.0;
        for (int q = 0; q < Q; ++q)
            lin += d_scene.cnr()[q] * std::norm(d_a[q]);
        lin *= 4.0 / pi * s2 / d;
        // Tail shape. Without a CPI: the snapshot's own, without the small-array
        // calibration. In a CPI the common clutter draw shapes the tail, the more so
        // the larger the clutter's share of the CPI variance (one snapshot's own shape
        // is heavier: docs/one_bit_rx_filter.md). A coherent CPI of cpi_len copies of
        // x has shape sc at the clutter share f_x = (L-1) W / (V + (L-1) W) = 1 -
        // var_ratio sc / kc; t[0] carries the excess per unit share, (sc - 1) / f_x,
        // and the CPI scales it by its own leakage share (cpi_integrator).
        double excess;
        if (d_cpi > 1) {
            const double fx = kc > 0.0 ? std::min(1.0, 1.0 - var_ratio * sc / kc) : 0.0;
            excess = fx > 1e-6 ? (sc - 1.0) / fx : 0.0;
        } else {
            excess = kr / (var_ratio * d_cal(10.0 * std::log10((d - 1.0) + 1e-30))) - 1.0;
        }
        t[0] = cdouble(vl - lin, excess * (vl - lin));
        const cdouble sd = scale / std::sqrt(d);
        for (int q = 0; q < Q; ++q)
            t[q + 1] = d_a[q] * sd;
        // Re: the kappa^2 of a coherent CPI of cpi_len copies of x; Im: one
        // snapshot's own kappa^2 (its statistic's; a cpi_len 1 filter's up to the
        // tables' interpolation), the threshold of a CPI in which x_l alone was
        // transmitted (cpi_integrator)
        t[Q1] = d_cpi > 1 ? cdouble(d_neg_log_pfa * d_cpi * var * s2 * kc, k2 * s2) : 0.0;
        // what a CPI's distortion cross terms need (arcsine_cross): the clutter
        // couplings, u = conj(scale) (g_0 - sum_q y_q g_q) on G, and d
        if (d_cpi > 1) {
            cdouble* e = t + Q + 2;
            for (int q = 0; q < Q; ++q)
                e[q] = d_cd[q + 1];
            e[Q] = std::conj(scale);
            for (int q = 0; q < Q; ++q)
                e[Q + 1 + q] = -std::conj(scale) * d_y[q];
            e[2 * Q + 1] = d;
        }
        if (d_check_cancel && d_cpi > 1 && cancel_requested()) {
            d_cut = true;
            return snapshot_status::non_finite;
        }
    } else {
        t[0] = vn2 * s2;
        for (int q = 0; q < Q; ++q)
            t[q + 1] = d_a[q] * scale;
        t[Q1] = 0.0;
    }
    return snapshot_status::ok;
}

snapshot_status rx_filter::lookup(const float* x, const cdouble*& v)
{
    if (d_slots == 0 || d_pause > 0) {
        d_pause -= d_pause > 0;
        v = d_miss.data();
        return x_terms(x, d_miss.data());
    }
    const int k = 2 * d_scene.n_tx();
    const size_t stride = size_t(x_stride());
    // four independent multiply chains (a long x is hashed at four words a step),
    // word i on chain i mod 4; unrolled by four so the chains stay in registers
    constexpr uint64_t mul = 0xff51afd7ed558ccdull;
    uint64_t h0 = 0x9e3779b97f4a7c15ull, h1 = 0xc2b2ae3d27d4eb4full,
             h2 = 0x165667b19e3779f9ull, h3 = 0x27d4eb2f165667c5ull;
    uint32_t w[4];
    int i = 0;
    for (; i + 4 <= k; i += 4) {
        std::memcpy(w, x + i, sizeof w);
        h0 = (h0 ^ w[0]) * mul;
        h1 = (h1 ^ w[1]) * mul;
        h2 = (h2 ^ w[2]) * mul;
        h3 = (h3 ^ w[3]) * mul;
    }
    if (i < k) { // k is even: two words left
        std::memcpy(w, x + i, 2 * sizeof(uint32_t));
        h0 = (h0 ^ w[0]) * mul;
        h1 = (h1 ^ w[1]) * mul;
    }
    uint64_t h = h0 ^ (h1 >> 7) ^ (h2 << 11) ^ (h3 >> 19);
    h = (h ^ (h >> 31)) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    const size_t set = size_t(h) & size_t(d_slots - 2); // slots set and set + 1
    if (++d_lookups == 4096) {
        // x seldom repeats (an ideal DAC, a fractional delay, a long periodic
        // waveform): pause the lookups, whose misses cost a hash and a copy
        if (d_hits * 2 < d_lookups)
            d_pause = 65536;
        d_lookups = d_hits = 0;
    }
    for (size_t s = set; s < set + 2; ++s)
        if (d_used[s] && std::memcmp(&d_keys[s * k], x, sizeof(float) * k) == 0) {
            ++d_hits;
            v = &d_xval[s * stride];
            return d_xstat[s];
        }
    const snapshot_status st = x_terms(x, d_miss.data());
    v = d_miss.data();
    if (st == snapshot_status::non_finite)
        return st; // NaN payloads (and cut x-terms) would only fill the cache
    const size_t s = !d_used[set]       ? set
                     : !d_used[set + 1] ? set + 1
                                        : set + ((h >> 40) & 1);
    d_used[s] = 1;
    std::copy(x, x + k, &d_keys[s * k]);
    d_xstat[s] = st;
    std::copy(d_miss.begin(), d_miss.end(), &d_xval[s * stride]);
    v = &d_xval[s * stride];
    return st;
}

int rx_filter::process(const cfloat* r,
                       const cfloat* x,
                       int n,
                       cfloat* z,
                       float* stat,
                       snapshot_status* status,
                       cdouble* terms)
{
    const int Q = d_scene.n_clutter();
    const int Q1 = Q + 1, nterms = n_terms();
    const int nr = d_scene.n_rx(), nt = d_scene.n_tx();
    for (int base = 0; base < n; base += chunk) {
        const int b = std::min(chunk, n - base);
        if (d_small) {
            project_6x8(d_wr.data(),
                        reinterpret_cast<const float*>(r + size_t(base) * nr),
                        b,
                        d_p.data());
        } else if (d_direct) {
            project_rows(d_wr,
                         reinterpret_cast<const float*>(r + size_t(base) * nr),
                         2 * nr,
                         b,
                         d_p);
        } else {
            // Eigen's product rounds a column by the product's shape: a GEMV for
            // one column, a coefficient-based product for a few, and the last
            // (columns mod 4) of a GEMM apart from its whole groups of 4. Every
            // product here is a GEMM of whole groups of 4 columns, at least
            // d_gemm_min of them, so a snapshot's bits do not depend on the call
            // sizes (the GEMM's depth blocking depends on the depth alone).
            const float* rb = reinterpret_cast<const float*>(r + size_t(base) * nr);
            const int bp = std::max(d_gemm_min, (b + 3) / 4 * 4);
            if (bp == b) {
                Eigen::Map<const Eigen::MatrixXf> R(rb, 2 * nr, b);
                d_p.leftCols(b).noalias() = d_wr * R;
            } else {
                // the padding columns keep earlier snapshots: a column of a
                // product depends on its own input column only
                std::copy(rb, rb + size_t(2) * nr * b, d_rpad.data());
                d_p.leftCols(bp).noalias() = d_wr * d_rpad.leftCols(bp);
            }
        }
        for (int j = 0; j < b; ++j) {
            const int l = base + j;
            cdouble* t = terms ? terms + size_t(l) * nterms : nullptr;
            const cdouble* v;
            snapshot_status st =
                lookup(reinterpret_cast<const float*>(x + size_t(l) * nt), v);
            if (d_cut) {
                d_cut = false;
                return l; // cancelled: snapshots l.. are not written
            }
            const float* pj = &d_p(0, j);
            bool finite = true;
            for (int i = 0; i < 2 * Q1; ++i)
                finite = finite && std::isfinite(pj[i]);
            if (!finite)
                st = snapshot_status::non_finite;
            status[l] = st;
            if (st != snapshot_status::ok) {
                z[l] = 0.0f;
                stat[l] = st == snapshot_status::no_tx ? no_decision : 0.0f;
                if (t)
                    std::fill(t, t + nterms, cdouble(0.0));
                continue;
            }
            cdouble vr(pj[0], pj[1]);
            for (int q = 0; q < Q; ++q)
                vr -= v[q] * cdouble(pj[2 * q + 2], pj[2 * q + 3]);
            const double k2 = v[Q1].real();
            stat[l] = k2 > 0.0 ? float(std::sqrt(std::norm(vr) / k2)) : 0.0f;
            z[l] = cfloat(vr * v[Q]);
            if (!std::isfinite(z[l].real()) || !std::isfinite(z[l].imag()) ||
                !std::isfinite(stat[l])) {
                // finite samples whose products overflow single precision: counted
                // with the non-finite ones, never a detection
                status[l] = snapshot_status::non_finite;
                z[l] = 0.0f;
                stat[l] = 0.0f;
                if (t)
                    std::fill(t, t + nterms, cdouble(0.0));
                continue;
            }
            if (t)
                std::copy(v + Q + 2, v + Q + 2 + nterms, t);
        }
    }
    return n;
}

cpi_weights parse_cpi_weights(const std::string& name, const std::string& value)
{
    if (value == "equal")
        return cpi_weights::equal;
    if (value == "inverse_variance")
        return cpi_weights::inverse_variance;
    throw_param(name, "'" + value + "'", "'equal' or 'inverse_variance'");
}

const char* cpi_weights_name(cpi_weights w)
{
    return w == cpi_weights::inverse_variance ? "inverse_variance" : "equal";
}

double
cpi_integrator::h0_variance(double incoherent, const cdouble* a, double* leak) const
{
    if (!d_exact)
        return d_scene.h0_variance(incoherent, a, d_adc, d_noise_var);
    // exact: incoherent part + coherent linear clutter leakage (d-normalised terms)
    double coh = 0.0;
    for (size_t q = 0; q < d_a.size(); ++q)
        coh += d_scene.cnr()[q] * std::norm(a[q]);
    coh *= 4.0 / pi;
    if (leak)
        *leak = coh;
    return incoherent + coh;
}

cpi_integrator::cpi_integrator(const radar_scene& scene,
                               adc_model adc,
                               double pfa,
                               double noise_var,
                               int cpi_len,
                               threshold_model threshold,
                               cpi_weights weights)
    : d_scene(scene),
      d_adc(adc),
      d_noise_var(noise_var),
      d_exact(adc == adc_model::one_bit && threshold == threshold_model::exact),
      d_weights(weights),
      d_len(cpi_len)
{
    check_pfa_noise(pfa, noise_var);
    check_int_range("cpi_len", cpi_len, 1, 1 << 24);
    d_neg_log_pfa = -std::log(pfa);
    d_a.assign(scene.n_clutter(), cdouble(0.0));
    d_first.assign(cpi_terms(scene), cdouble(0.0));
    if (d_exact && cpi_len > 1 && scene.n_rx() <= cross_terms_max_rx) {
        const int E = 2 * scene.n_clutter() + 2;
        d_cross = std::make_unique<arcsine_cross>(scene);
        d_xid.assign(xid_size, -1);
        // the prepared values grow with the patches (Q = max_clutter: 0.3-0.5 MB a
        // slot): fewer slots then, and pages reserved, touched only as slots fill
        const size_t per_slot =
            sizeof(double) * d_cross->prepared_size() + sizeof(cdouble) * E;
        d_ncache = int(std::clamp(
            cross_store_budget / per_slot, size_t(cross_max_x + 2), size_t(cross_cache)));
        d_slothome.assign(d_ncache, 0);
        d_slotx.reserve(size_t(d_ncache) * E);
        d_prep.reserve(size_t(d_ncache) * d_cross->prepared_size());
        d_fill.assign(d_ncache, 0);
        d_next.assign(d_ncache, -1);
        d_prev.assign(d_ncache, -1);
        d_sgroup.assign(d_ncache, -1);
        d_pair.assign(size_t(d_ncache) * d_ncache, pair_value{ 0.0, 0 });
        reset();
    }
}

size_t cpi_integrator::cross_store_bytes() const
{
    return sizeof(double) * d_prep.capacity() + sizeof(cdouble) * d_slotx.capacity() +
           sizeof(pair_value) * d_pair.capacity() +
           sizeof(int) * (d_xid.capacity() + d_sgroup.capacity() + d_next.capacity() +
                          d_prev.capacity()) +
           sizeof(uint32_t) * d_slothome.capacity() +
           sizeof(uint64_t) * d_fill.capacity();
}

void cpi_integrator::touch(int slot)
{
    if (slot == d_mru)
        return;
    if (d_prev[slot] >= 0 || d_lru == slot) { // in the list: unlink
        const int p = d_prev[slot], n = d_next[slot];
        (p >= 0 ? d_next[p] : d_lru) = n;
        d_prev[n] = p; // n >= 0: slot is not the tail
    }
    d_prev[slot] = d_mru;
    d_next[slot] = -1;
    (d_mru >= 0 ? d_next[d_mru] : d_lru) = slot;
    d_mru = slot;
}

uint32_t cpi_integrator::home_of(const cdouble* e) const
{
    const int E = 2 * d_scene.n_clutter() + 2;
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 2 * E; ++i) {
        uint64_t w;
        std::memcpy(&w, reinterpret_cast<const double*>(e) + i, sizeof w);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    return uint32_t(h) & (xid_size - 1);
}

int cpi_integrator::slot_of(const cdouble* e)
{
    const int E = 2 * d_scene.n_clutter() + 2;
    const size_t bytes = sizeof(cdouble) * E;
    const uint32_t mask = xid_size - 1, home = home_of(e);
    uint32_t i = home;
    for (; d_xid[i] >= 0; i = (i + 1) & mask) {
        const int t = d_xid[i];
        if (std::memcmp(d_slotx.data() + size_t(t) * E, e, bytes) == 0) {
            touch(t);
            return t;
        }
    }
    // a free slot, else the least recently used one: never one of this CPI, so
    // only x other CPIs used lose their pairs, and a CPI's pairs stay cached for
    // the next one
    int slot;
    if (d_nslots < d_ncache) {
        slot = d_nslots++;
        d_slotx.resize(size_t(d_nslots) * E); // within the reserve: no reallocation
        d_prep.resize(size_t(d_nslots) * d_cross->prepared_size());
    } else {
        slot = d_lru;
        // erase the old x's entry, shifting back the probe run behind it so that
        // every entry stays reachable from its home
        uint32_t p = d_slothome[slot];
        while (d_xid[p] != slot)
            p = (p + 1) & mask;
        for (uint32_t j = (p + 1) & mask; d_xid[j] >= 0; j = (j + 1) & mask) {
            const uint32_t k = d_slothome[d_xid[j]];
            // j's entry may move to p when its home is not in (p, j] (cyclically)
            if (((j - k) & mask) >= ((j - p) & mask)) {
                d_xid[p] = d_xid[j];
                p = j;
            }
        }
        d_xid[p] = -1;
        // the new x's insert position may have moved: probe again
        i = home;
        while (d_xid[i] >= 0)
            i = (i + 1) & mask;
    }
    d_xid[i] = slot;
    d_slothome[slot] = home;
    d_fill[slot] = ++d_fills; // its old pairs' keys are all below: dropped
    std::copy(e, e + E, d_slotx.begin() + size_t(slot) * E);
    const int Q = d_scene.n_clutter();
    d_cross->prepare(e,
                     e[E - 1].real(),
                     e + Q,
                     d_prep.data() + size_t(slot) * d_cross->prepared_size());
    touch(slot);
    return slot;
}

void cpi_integrator::group(int slot, double w)
{
    int& g = d_sgroup[slot];
    if (g < 0) {
        g = int(d_gslot.size());
        d_gslot.push_back(slot);
        d_gS.push_back(0.0);
        d_gS2.push_back(0.0);
    }
    d_gS[g] += w;
    d_gS2[g] += w * w;
}

void cpi_integrator::clear_groups()
{
    for (const int slot : d_gslot)
        d_sgroup[slot] = -1;
    d_gslot.clear();
    d_gS.clear();
    d_gS2.clear();
}

double cpi_integrator::group_sum()
{
    // sum_{l != m} w_l w_m Re u_l^H (Cq_lm - lin_lm) u_m over the grouped snapshots:
    // same-x pairs (S^2 - S2) and distinct-x pairs (2 S_a S_b; Cq_ml = Cq_lm^H), one
    // arcsine_cross evaluation per pair of distinct x, cached over CPIs
    const int Q = d_scene.n_clutter(), E = 2 * Q + 2;
    double delta = 0.0;
    for (size_t a = 0; a < d_gslot.size(); ++a) {
        for (size_t b = a; b < d_gslot.size(); ++b) {
            const double wab =
                a == b ? d_gS[a] * d_gS[a] - d_gS2[a] : 2.0 * d_gS[a] * d_gS[b];
            if (wab == 0.0)
                continue;
            const int sa = d_gslot[a], sb = d_gslot[b];
            pair_value& D = d_pair[size_t(sa) * d_ncache + sb];
            const uint64_t key = std::max(d_fill[sa], d_fill[sb]);
            if (D.key != key) {
                const cdouble* ea = d_slotx.data() + size_t(sa) * E;
                const cdouble* eb = d_slotx.data() + size_t(sb) * E;
                const size_t ps = d_cross->prepared_size();
                const double* pa = d_prep.data() + size_t(sa) * ps;
                const double* pb = d_prep.data() + size_t(sb) * ps;
                // Re D is symmetric but its rounding is not: one order per pair of x
                // (whichever slots they hold), so a CPI's value never depends on
                // what earlier CPIs cached
                if (std::memcmp(ea, eb, sizeof(cdouble) * E) > 0)
                    std::swap(pa, pb);
                D = d_pair[size_t(sb) * d_ncache + sa] =
                    pair_value{ d_cross->cross_prepared(pa, pb), key };
            }
            delta += wab * D.D;
        }
    }
    return delta;
}

double cpi_integrator::cross_distortion()
{
    if (!d_over)
        return group_sum(); // exact: every snapshot, grouped by x as it arrived
    ++d_uncrossed;
    return 0.0;
}

void cpi_integrator::reset()
{
    d_count = 0;
    d_z = 0.0;
    d_wsum = 0.0;
    d_norm2 = 0.0;
    d_same = true;
    d_ok = d_no_tx = 0;
    std::fill(d_a.begin(), d_a.end(), cdouble(0.0));
    if (d_cross) {
        clear_groups();
        d_over = false;
        d_nres = 0;
    }
}

double cpi_integrator::partial_coherent_variance() const
{
    // The L-copy terms give E_L = E|Z|^2 = L V + L (L-1) W through their kappa_L^2 =
    // -ln Pfa E_L (1 + e f_L), f_L = L (L-1) W / E_L: kappa_L^2 / (-ln Pfa) = E_L (1 +
    // e) - e L V. The tail shape of k copies runs from one snapshot's own, S_1 = 1 +
    // e_1 (its kappa^2, Im t[Q+1]: its own statistic's threshold), to the L-copy
    // shape 1 + e f_L, linearly in the clutter share f_k / f_L (file comment); 0
    // when the terms give no own kappa^2 (k = 1) or no positive E_L (k >= 2).
    const double L = d_len, k = d_ok, w = d_wsum / d_ok;
    const double K1 = d_first[d_a.size() + 1].imag() / d_neg_log_pfa;
    // k = 1 needs the own kappa^2 alone: L-copy terms failing their check must not
    // send it back to the general path, whose threshold is the lighter S_1 = 1
    if (k == 1.0)
        return K1 > 0.0 && std::isfinite(K1) ? w * w * K1 : 0.0;
    const double vd = d_first[0].real(), K = kappa_l2() / d_neg_log_pfa;
    const double e = vd > 0.0 ? d_first[0].imag() / vd : 0.0;
    double lin = 0.0;
    for (size_t q = 0; q < d_a.size(); ++q)
        lin += d_scene.cnr()[q] * std::norm(d_first[q + 1]);
    const double V = vd + 4.0 / pi * lin;
    const double EL = (K + e * L * V) / (1.0 + e);
    if (!(EL > 0.0 && V > 0.0 && std::isfinite(EL)))
        return 0.0;
    const double W = std::max(0.0, (EL - L * V) / (L * (L - 1.0)));
    const double Ek = k * V + k * (k - 1.0) * W, fk = k * (k - 1.0) * W / Ek;
    // f_k / f_L, written so that W -> 0 leaves (k - 1) / (L - 1)
    const double t = (k - 1.0) * (V + (L - 1.0) * W) / ((L - 1.0) * (V + (k - 1.0) * W));
    const double e1 = K1 > 0.0 ? K1 / V - 1.0 : 0.0;
    const double var = w * w * Ek * (1.0 + e1 * (1.0 - t) + e * fk);
    return std::isfinite(var) && var > 0.0 ? var : 0.0;
}

bool cpi_integrator::add(
    cfloat z, const cdouble* terms, snapshot_status status, cdouble& Z, double& stat)
{
    if (status == snapshot_status::ok) {
        double w = 1.0;
        if (d_weights == cpi_weights::inverse_variance) {
            // the snapshot's own H0 variance from its terms (file comment)
            const double v = h0_variance(terms[0].real(), terms + 1);
            // v > 0 for every ok snapshot; a non-finite or zero one is left unweighted
            w = v > 0.0 && std::isfinite(1.0 / v) ? 1.0 / v : 1.0;
        }
        d_z += w * cdouble(z);
        d_wsum += w;
        d_norm2 += w * w * terms[0];
        for (size_t q = 0; q < d_a.size(); ++q)
            d_a[q] += w * terms[q + 1];
        const int Q = int(d_a.size()), E = 2 * Q + 2;
        // d_l = 0: terms of a cpi_len 1 filter, without the cross terms' inputs
        if (d_cross && terms[Q + 1 + E].real() > 0.0) {
            const cdouble* e = terms + Q + 2;
            ++d_nres;
            if (!d_over) {
                const int slot = slot_of(e);
                d_over = d_sgroup[slot] < 0 && int(d_gslot.size()) == cross_max_x;
                if (!d_over)
                    group(slot, w);
            }
        }
        if (d_exact) {
            // the same x gives the same terms (up to the float rounding of a GEMM)
            // (rx_filter's x-terms cache gives the same x bitwise the same terms)
            if (d_ok == 0)
                std::copy(terms, terms + d_first.size(), d_first.begin());
            else if (d_same && std::memcmp(terms,
                                           d_first.data(),
                                           sizeof(cdouble) * d_first.size()) != 0)
                for (size_t q = 0; q < d_first.size() && d_same; ++q)
                    d_same = std::abs(terms[q] - d_first[q]) <=
                             1e-5 * std::abs(d_first[q]) + 1e-300;
        }
        ++d_ok;
    } else if (status == snapshot_status::no_tx) {
        // not part of the CPI's sum: the CPI is that of the snapshots that transmitted
        ++d_no_tx;
    } else {
        d_same = false;
    }
    if (++d_count < d_len)
        return false;
    if (d_no_tx == d_len) {
        Z = 0.0;
        stat = no_decision;
        reset();
        return true;
    }
    double var = 0.0;
    // Z and the variance carry the weights; Z is rescaled to the equal-weight scale
    // (n_ok / sum w), which the variance follows, so the statistic is unchanged
    const double zs = d_wsum > 0.0 ? d_ok / d_wsum : 1.0;
    if (d_exact && d_same && d_ok == d_len && d_len > 1 && kappa_l2() > 0.0) {
        // a coherent CPI (the same x throughout): its own tabulated kappa^2; the
        // weights are then all equal, w = sum w / L
        const double w = d_wsum / d_len;
        var = w * w * kappa_l2() / d_neg_log_pfa;
    } else if (d_exact && d_same && d_len > 1 && d_ok > 0 && d_ok + d_no_tx == d_len) {
        // k = d_ok copies of x, the rest not transmitted (file comment); no pair
        // terms: W of the L-copy kappa^2 already holds the same-x distortion. k = 1:
        // the snapshot's own threshold, its statistic the snapshot's own
        var = partial_coherent_variance();
    }
    if (!(var > 0.0)) {
        double leak = 0.0;
        var = h0_variance(d_norm2.real(), d_a.data(), &leak);
        if (d_cross && d_nres > 1) {
            // the common clutter draw's quantisation distortion, correlated across
            // the snapshots: part of the clutter's share of the CPI variance
            const double delta = cross_distortion();
            var += delta;
            leak += delta;
        }
        if (d_exact) {
            // the snapshots' tail excess, scaled by the CPI's clutter-leakage share
            // (rx_filter's terms for a CPI; one snapshot's own excess when L = 1)
            const double vsum = d_norm2.real();
            // the cross terms may be negative (leak < 0 or > var): a share outside
            // [0, 1] would give a shape <= 0, a CPI that can never detect
            const double share =
                d_len > 1 && var > 0.0 ? std::min(1.0, std::max(0.0, leak / var)) : 1.0;
            const double shape = vsum > 0.0 ? 1.0 + share * d_norm2.imag() / vsum : 1.0;
            var *= shape;
        }
    }
    Z = d_z * zs;
    stat = var > 0.0 ? std::abs(d_z) / std::sqrt(var * d_neg_log_pfa) : 0.0;
    reset();
    return true;
}

} // namespace core
} // namespace isac
} // namespace gr
