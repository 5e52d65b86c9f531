/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "clones.h"
#include <gnuradio/isac/core/crb.h>
#include <gnuradio/isac/core/doa.h>
#include <gnuradio/isac/core/limits.h>
#include <algorithm>
#include <cstring>
#include <limits>

namespace gr {
namespace isac {
namespace core {

namespace {
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
// Central-difference step for the Newton refinement (rad). Truncation bias of
// the root is ~h^2 N/6 (< 1e-9 rad for N <= 256) and the round-off of the
// second difference eps |f|/h^2 stays far below the peak curvature.
constexpr double fd_h = 1e-5;
constexpr int newton_iters = 12;
// Stop of the (u, v) refine: with fd_h the finite-difference noise keeps the Newton
// steps near 1e-12 in (u, v) or psi, so a smaller tolerance never triggers; 1e-10 in
// these sines is ~6e-9 deg, far below any CRB of the arrays.
constexpr double uv_step_tol = 1e-10;
// x^H P x below this fraction of ||x||^2: x(theta) lies in the clutter span (the
// angle of a patch whose reference is the target's), no target information left
constexpr double clutter_den_tol = 1e-9;

ISAC_CLONES_EXACT bool all_finite(const cfloat* p, size_t n)
{
    const float* f = reinterpret_cast<const float*>(p);
    // x - x is 0 for finite x and NaN for NaN/Inf: branch-free, in 32 lanes (a float
    // sum in one accumulator is a chain of dependent additions)
    constexpr size_t V = 32;
    float a[V] = {};
    size_t i = 0;
    for (; i + V <= 2 * n; i += V)
        for (size_t l = 0; l < V; ++l)
            a[l] += f[i + l] - f[i + l];
    float acc = 0.0f;
    for (size_t l = 0; l < V; ++l)
        acc += a[l];
    for (; i < 2 * n; ++i)
        acc += f[i] - f[i];
    return acc == 0.0f;
}

// Binary exponent of the largest |component| (frexp convention: max in
// [2^(e-1), 2^e)), or no_signal when every component is 0 or denormal.
constexpr int no_signal = std::numeric_limits<int>::min();
ISAC_CLONES_EXACT int max_exponent(const cfloat* p, size_t n)
{
    const float* f = reinterpret_cast<const float*>(p);
    // the maximum in 32 lanes (exact in any order; the data are finite here): two
    // vector registers of the widest clone, so the comparisons do not wait on each
    // other
    constexpr size_t V = 32;
    float m[V] = {};
    size_t i = 0;
    for (; i + V <= 2 * n; i += V)
        for (size_t l = 0; l < V; ++l) {
            const float a = std::fabs(f[i + l]);
            m[l] = a > m[l] ? a : m[l];
        }
    float mx = 0.0f;
    for (size_t l = 0; l < V; ++l)
        mx = std::max(mx, m[l]);
    for (; i < 2 * n; ++i)
        mx = std::max(mx, std::fabs(f[i]));
    if (!(mx >= std::numeric_limits<float>::min()))
        return no_signal;
    int e = 0;
    std::frexp(mx, &e);
    return e;
}

/*
 * out[m] = |sum_n BH(m, n) z_n|^2 / den for the M grid angles (BH column-major, M x N):
 * the angles in the vector lanes, the N antennas as N passes over two M-float sums
 * (g[] is scratch of 2M floats). Eigen's complex GEMV followed by cwiseAbs2 did the same
 * in about four times the time at N = 4. Without contraction, so the grid does not
 * depend on the CPU's clone.
 */
ISAC_CLONES_EXACT void grid_power(const cfloat* BH,
                                  int M,
                                  int N,
                                  const cfloat* z,
                                  float den,
                                  float* __restrict g,
                                  float* __restrict out)
{
    float* __restrict gr = g;
    float* __restrict gi = g + M;
    // the first element's terms start the sums (0 + t: what adding to zeroed sums
    // gives, signed zeros included) without a pass that zeroes them
    if (N == 0) {
        for (int m = 0; m < M; ++m)
            gr[m] = gi[m] = 0.0f;
    } else {
        const float* __restrict b = reinterpret_cast<const float*>(BH);
        const float zr = z[0].real(), zi = z[0].imag();
        for (int m = 0; m < M; ++m) {
            const float br = b[2 * m], bi = b[2 * m + 1];
            gr[m] = 0.0f + (br * zr - bi * zi);
            gi[m] = 0.0f + (br * zi + bi * zr);
        }
    }
    for (int n = 1; n < N; ++n) {
        const float* __restrict b = reinterpret_cast<const float*>(BH + size_t(n) * M);
        const float zr = z[n].real(), zi = z[n].imag();
        for (int m = 0; m < M; ++m) {
            const float br = b[2 * m], bi = b[2 * m + 1];
            gr[m] += br * zr - bi * zi;
            gi[m] += br * zi + bi * zr;
        }
    }
    for (int m = 0; m < M; ++m)
        out[m] = (gr[m] * gr[m] + gi[m] * gi[m]) / den;
}

// Index of the first maximum of v[0..n) (n >= 1), as Eigen's maxCoeff(&i) gives it
// (the values are finite here): 16 lanes, each keeping its first maximum, then the
// lowest index among the lanes that hold the maximum. Eigen's scalar visitor was a
// third of a small array's estimate.
ISAC_CLONES_EXACT int argmax_first(const float* __restrict v, int n)
{
    constexpr int V = 16;
    if (n < V) {
        int best = 0;
        for (int i = 1; i < n; ++i)
            if (v[i] > v[best])
                best = i;
        return best;
    }
    float mx[V];
    int ix[V];
    for (int l = 0; l < V; ++l) {
        mx[l] = v[l];
        ix[l] = l;
    }
    int i = V;
    for (; i + V <= n; i += V)
        for (int l = 0; l < V; ++l) {
            const bool gt = v[i + l] > mx[l];
            mx[l] = gt ? v[i + l] : mx[l];
            ix[l] = gt ? i + l : ix[l];
        }
    int best = ix[0];
    float bv = mx[0];
    for (int l = 1; l < V; ++l)
        if (mx[l] > bv || (mx[l] == bv && ix[l] < best)) {
            bv = mx[l];
            best = ix[l];
        }
    for (; i < n; ++i)
        if (v[i] > bv) {
            bv = v[i];
            best = i;
        }
    return best;
}

const cfloat* scaled_copy(const cfloat* p, size_t n, int exp2, std::vector<cfloat>& buf)
{
    if (exp2 == 0)
        return p;
    buf.resize(n);
    for (size_t i = 0; i < n; ++i)
        buf[i] = cfloat(std::ldexp(p[i].real(), exp2), std::ldexp(p[i].imag(), exp2));
    return buf.data();
}
} // namespace

doa_mode parse_doa_mode(const std::string& s, const std::string& name)
{
    if (s == "gaussian")
        return doa_mode::gaussian;
    if (s == "known")
        return doa_mode::known;
    if (s == "mixed")
        return doa_mode::mixed;
    throw_param(name, "'" + s + "'", "'gaussian', 'known' or 'mixed'");
}

doa_refine parse_doa_refine(const std::string& s, const std::string& name)
{
    if (s == "none")
        return doa_refine::none;
    if (s == "parabolic")
        return doa_refine::parabolic;
    if (s == "newton")
        return doa_refine::newton;
    throw_param(name, "'" + s + "'", "'none', 'parabolic' or 'newton'");
}

doa_mle_core::doa_mle_core(int n_rx,
                           double gmin,
                           double gmax,
                           double step,
                           double noise_var,
                           doa_mode mode,
                           double p_gauss,
                           doa_refine refine,
                           const array_convention& conv)
    : d_n(n_rx), d_mode(mode), d_refine(refine), d_conv(conv), d_step(step)
{
    check_int_range("n_rx", n_rx, 2, max_antennas);
    conv.validate();
    const double lim = pi / 2 + 1e-12;
    if (!(std::isfinite(gmin) && gmin >= -lim && gmin <= lim))
        throw_param("grid_min", std::to_string(rad2deg(gmin)) + " deg", "[-90, 90] deg");
    if (!(std::isfinite(gmax) && gmax >= -lim && gmax <= lim && gmax > gmin))
        throw_param(
            "grid_max", std::to_string(rad2deg(gmax)) + " deg", "(grid_min, 90] deg");
    check_positive_finite("grid_step", step);
    const double npts = std::floor((gmax - gmin) / step + 1e-9) + 1.0;
    if (npts > 1e6)
        throw_param("grid_step",
                    std::to_string(rad2deg(step)) + " deg",
                    "a step giving at most 1e6 grid points");
    set_noise_var(noise_var);
    set_p_gauss(p_gauss);

    const int M = static_cast<int>(npts);
    d_grid.resize(M);
    for (int m = 0; m < M; ++m)
        d_grid[m] = std::min(gmin + m * step, gmax);
    // Tables come from the module's steering helper: e^{j k d} = conj(b_0) b_d
    // (times N for a normalised convention, which the 1/|b_0|^2 removes).
    d_lag_table.resize(M, 2 * (d_n - 1));
    d_BH.resize(M, d_n);
    for (int m = 0; m < M; ++m) {
        const cvec b = ula_steering(d_n, d_grid[m], d_conv);
        const cdouble b0 = std::conj(b[0]) / std::norm(b[0]);
        for (int d = 1; d < d_n; ++d) {
            const cdouble e = b0 * b[d];
            d_lag_table(m, d - 1) = float(e.real());
            d_lag_table(m, d_n - 1 + d - 1) = float(e.imag());
        }
        d_BH.row(m) = b.conjugate().transpose().cast<cfloat>();
    }
    d_obj.resize(M);
    d_lags.resize(2 * (d_n - 1));
}

void doa_mle_core::set_noise_var(double noise_var)
{
    check_positive_finite("noise_var", noise_var);
    d_noise_var = noise_var;
}

void doa_mle_core::set_p_gauss(double p_gauss)
{
    if (!(std::isfinite(p_gauss) && p_gauss >= 0.0))
        throw_param("p_gauss", std::to_string(p_gauss), "finite and >= 0");
    if (d_mode == doa_mode::mixed && !(p_gauss > 0.0))
        throw_param("p_gauss", std::to_string(p_gauss), "> 0 in mixed mode");
    d_p_gauss = p_gauss;
}

void doa_mle_core::configure(doa_mode mode, double p_gauss)
{
    if (mode != doa_mode::known && !d_clutter.empty())
        throw_param(mode == doa_mode::mixed ? "p_gauss" : "mode",
                    mode == doa_mode::mixed ? std::to_string(p_gauss) : "gaussian",
                    "the pure known mode (p_gauss = 0) while clutter_deg is set: the "
                    "clutter projection needs every path's realisations");
    const doa_mode old = d_mode;
    d_mode = mode;
    try {
        set_p_gauss(p_gauss);
    } catch (...) {
        d_mode = old;
        throw;
    }
}

void doa_mle_core::set_clutter(const std::vector<double>& clutter_rad)
{
    if (clutter_rad.size() > size_t(max_clutter_doa))
        throw_param("clutter_deg",
                    list_str(clutter_rad.size(), "angle"),
                    "at most " + std::to_string(max_clutter_doa) +
                        " clutter angles (the grid keeps one value per angle and "
                        "grid point)");
    for (double a : clutter_rad)
        if (!(std::isfinite(a) && std::abs(a) <= pi / 2 + 1e-12))
            throw_param("clutter_deg",
                        num_str(rad2deg(a)) + " deg",
                        "finite angles in [-90, 90] deg");
    if (!clutter_rad.empty() && d_mode != doa_mode::known)
        throw_param("clutter_deg",
                    list_str(clutter_rad.size(), "angle"),
                    "empty outside the pure known mode (p_gauss = 0): the clutter "
                    "projection needs every path's realisations");
    const int Q = int(clutter_rad.size());
    const int M = int(d_grid.size());
    cmat Bq(d_n, Q);
    for (int q = 0; q < Q; ++q)
        Bq.col(q) = ula_steering(d_n, clutter_rad[q], d_conv);
    cmat A(Q, M);
    if (Q > 0)
        for (int m = 0; m < M; ++m)
            A.col(m) = Bq.adjoint() * ula_steering(d_n, d_grid[m], d_conv);
    d_Bq = std::move(Bq);
    d_BqG = d_Bq.adjoint() * d_Bq;
    d_Agrid = std::move(A);
    d_clutter = clutter_rad;
    d_H.resize(0, 0); // the last CPI's sums belong to the old angles
}

double doa_mle_core::clutter_den(const cvec& b, const cvec& a) const
{
    return b.squaredNorm() * d_Ec - std::real(a.dot(d_H * a));
}

double
doa_mle_core::threshold_snr_int(doa_mode mode, int n_rx, int L, double known_fraction)
{
    // Where the Monte-Carlo MSE leaves 2 CRB, rounded up (docs/doa_mle.md,
    // "Threshold region"). Known mode: the ML of one path is that of one snapshot
    // z = beta b sum|c|^2 + noise, so snr_int and N decide, not L. Gaussian and
    // mixed modes: the Bartlett peak competes with the sample covariance's
    // fluctuation, which grows with L at a given L gamma_s. Mixed: in dB between
    // the two by the known share of the power (measured at one half).
    const double n = std::max(2, n_rx);
    const double known = 11.0 + 2.5 * std::log10(n);
    const double gauss = 14.0 + 2.5 * std::log10(std::max(1, L)) + std::log10(n);
    double f = mode == doa_mode::known      ? 1.0
               : mode == doa_mode::gaussian ? 0.0
                                            : known_fraction;
    f = std::isfinite(f) ? std::clamp(f, 0.0, 1.0) : 0.0;
    return std::pow(10.0, (f * known + (1.0 - f) * gauss) / 10.0);
}

double doa_mle_core::mixed_objective(double J, cdouble g) const
{
    // ln f(theta, beta_hat(theta)) of bistatic CRB paper Sec. IV-B (49) with the
    // closed-form det/inverse, less its theta-independent part -L (N-1) ln s2 -
    // sum||y||^2/s2 (kept out so the single-precision grid values stay small); J = b^H
    // Rhat b, g = b^H z, Nb = ||b||^2.
    const double s2 = d_noise_var;
    const double Nb = double(d_n) * (d_conv.normalize ? 1.0 / d_n : 1.0);
    const double pD = d_Ec / d_L;
    const double ba2 = std::max(0.0, J - Nb * s2) / (Nb * Nb * (d_p_gauss + pD));
    const double ba = std::sqrt(ba2);
    const double re = ba * std::abs(g); // Re(conj(beta) g) with arg beta = arg g
    const double cb = ba2 * d_p_gauss;
    const double den = s2 + cb * Nb;
    const double e2 = -2.0 * re + ba2 * Nb * d_Ec; // sum_t ||e_t||^2 - sum_t ||y_t||^2
    const double be2 = d_L * J - 2.0 * Nb * re + ba2 * Nb * Nb * d_Ec;
    const double quad = (e2 - cb / den * be2) / s2;
    return -d_L * std::log(den) - quad;
}

double doa_mle_core::bartlett_at(const cvec& b) const
{
    // b^H R b = |b_0|^2 (r_0 + 2 Re sum_d r_d e^{jkd}), e^{jkd} = conj(b_0) b_d/|b_0|^2
    // for any ULA convention: O(N) instead of O(N^2).
    const double s0 = std::norm(b[0]);
    const cdouble u = std::conj(b[0]) / s0;
    double acc = 0.0;
    for (int d = 1; d < d_n; ++d)
        acc += std::real(d_r[d] * (u * b[d]));
    return s0 * (d_r[0].real() + 2.0 * acc);
}

double doa_mle_core::objective(double theta) const
{
    const cvec b = ula_steering(d_n, theta, d_conv);
    if (clutter_active()) {
        if (d_H.rows() != d_Bq.cols())
            return nan_v; // no CPI estimated with these clutter angles yet
        const double den = clutter_den(b, d_Bq.adjoint() * b);
        // x(theta) inside the clutter span: no target information left
        return den > clutter_den_tol * b.squaredNorm() * d_Ec
                   ? std::norm(b.dot(d_zp)) / den
                   : 0.0;
    }
    if (d_mode == doa_mode::known)
        return std::norm(b.dot(d_z)) / (b.squaredNorm() * d_Ec);
    const double J = bartlett_at(b);
    return d_mode == doa_mode::gaussian ? J : mixed_objective(J, b.dot(d_z));
}

doa_result doa_mle_core::estimate(const cmat& Y, const cvec& c, const cmat& Cq)
{
    if (Y.rows() != d_n)
        throw_param("Y rows", std::to_string(Y.rows()), "n_rx = " + std::to_string(d_n));
    const int L = static_cast<int>(Y.cols());
    if (d_mode != doa_mode::gaussian && c.size() != L)
        throw_param("c size",
                    std::to_string(c.size()),
                    "L = " + std::to_string(L) + " (one reference per snapshot)");
    const cmatf Yf = Y.cast<cfloat>();
    const cvecf cf = c.cast<cfloat>();
    const cmatf Cf = Cq.cast<cfloat>();
    if (clutter_active() &&
        (Cq.rows() != L || Cq.cols() != Eigen::Index(d_clutter.size())))
        throw_param("Cq",
                    shape_str(Cq.rows(), Cq.cols()),
                    "L x Q = " + shape_str(L, long(d_clutter.size())) +
                        " (one reference per snapshot and clutter angle)");
    return estimate(Yf.data(),
                    L,
                    d_mode == doa_mode::gaussian ? nullptr : cf.data(),
                    {},
                    clutter_active() ? Cf.data() : nullptr);
}

doa_result doa_mle_core::estimate(const cfloat* Yp,
                                  int L,
                                  const cfloat* cp,
                                  const cancel_check& cancel,
                                  const cfloat* cq)
{
    check_int_range("L (cpi_len)", L, 1, std::numeric_limits<int>::max());
    const bool need_c = d_mode != doa_mode::gaussian;
    if (need_c && cp == nullptr)
        throw_param("c", "null", "the known reference (known/mixed modes)");
    const size_t nq = clutter_active() ? size_t(L) * d_clutter.size() : 0;
    if (nq > 0 && cq == nullptr)
        throw_param("clutter_ref", "null", "the clutter references (clutter_deg set)");
    if (!all_finite(Yp, size_t(d_n) * L) || (need_c && !all_finite(cp, L)) ||
        (nq > 0 && !all_finite(cq, nq)))
        return invalid_result(doa_invalid::nonfinite);
    // A CPI without usable signal (all zero, or only denormals) has no direction.
    const int ey = max_exponent(Yp, size_t(d_n) * L);
    int ec = need_c ? max_exponent(cp, L) : 0;
    if (ey == no_signal)
        return invalid_result(doa_invalid::no_signal);
    if (ec == no_signal) // known/mixed: nothing was sent toward the DoD in this CPI
        return invalid_result(doa_invalid::no_reference);
    if (nq > 0) // the clutter references scale with c (they share the transmit vectors)
        ec = std::max(ec, max_exponent(cq, nq));
    // Far from 1 the single-precision products underflow or overflow (an echo
    // of 1e-25 squares to 0, one of 1e18 sums to Inf over L N terms): scale Y
    // and c by powers of two (exact), the noise variance and p_gauss with them,
    // and scale beta back at the end. The estimate does not change.
    const int sy = std::abs(ey) > 16 ? -ey : 0;
    const int sc = std::abs(ec) > 16 ? -ec : 0;
    Yp = scaled_copy(Yp, size_t(d_n) * L, sy, d_ys);
    if (need_c)
        cp = scaled_copy(cp, size_t(L), sc, d_cs);
    if (nq > 0)
        cq = scaled_copy(cq, nq, sc, d_cqs);
    struct restore {
        double &nv, &pg, nv0, pg0;
        ~restore()
        {
            nv = nv0;
            pg = pg0;
        }
    } guard{ d_noise_var, d_p_gauss, d_noise_var, d_p_gauss };
    d_noise_var = std::ldexp(d_noise_var, 2 * sy);
    if (d_mode == doa_mode::mixed)
        d_p_gauss = std::ldexp(d_p_gauss, 2 * sc);
    doa_result r = estimate_scaled(Yp, L, cp, cancel, cq);
    if (r.valid && (sy || sc)) {
        r.beta *= std::ldexp(1.0, sc - sy);
        r.beta_abs = std::ldexp(r.beta_abs, sc - sy);
        r.objective = std::ldexp(r.objective, -2 * sy);
    }
    return r;
}

doa_result doa_mle_core::estimate_scaled(const cfloat* Yp,
                                         int L,
                                         const cfloat* cp,
                                         const cancel_check& cancel,
                                         const cfloat* cq)
{
    const bool need_c = d_mode != doa_mode::gaussian;

    d_L = L;
    Eigen::Map<const cmatf> Y(Yp, d_n, L);
    if (d_mode != doa_mode::known) {
        // Only the lower triangle is formed (half the GEMM); its diagonal sums
        // (in double) feed both the grid GEMV and the continuous objective.
        d_Rf.setZero(d_n, d_n);
        // in blocks of snapshots, so that a stop() is seen within milliseconds
        const int cb = std::max(1, int((1L << 22) / (long(d_n) * d_n)));
        for (int t0 = 0; t0 < L; t0 += cb) {
            if (t0 > 0 && cancel())
                return invalid_result(doa_invalid::cancelled);
            d_Rf.selfadjointView<Eigen::Lower>().rankUpdate(
                Y.middleCols(t0, std::min(cb, L - t0)), 1.0f / float(L));
        }
        d_r.resize(d_n);
        for (int d = 0; d < d_n; ++d) {
            cdouble r = 0.0; // r_d = sum_m R(m, m+d) = sum_m conj(R(m+d, m))
            for (int m = 0; m + d < d_n; ++m)
                r += std::conj(cdouble(d_Rf(m + d, m)));
            d_r[d] = r;
        }
    }
    if (need_c) {
        Eigen::Map<const cvecf> c(cp, L);
        d_Ec = double(c.squaredNorm());
        d_z = (Y * c.conjugate()).cast<cdouble>();
        // no reference energy: nothing to correlate with
        if (!(d_Ec > 0.0) && d_mode == doa_mode::known)
            return invalid_result(doa_invalid::no_reference);
        // finite samples whose products overflow single precision
        if (!std::isfinite(d_Ec) || !d_z.allFinite())
            return invalid_result(doa_invalid::overflow);
    }
    if (clutter_active()) {
        // the clutter's least-squares part of z and the Q x Q form of the
        // denominator (class comment in doa.h)
        const int Q = int(d_clutter.size());
        Eigen::Map<const cmatf> Cq(cq, L, Q);
        Eigen::Map<const cvecf> c(cp, L);
        const cmat Zq = (Y * Cq.conjugate()).cast<cdouble>(); // N x Q: Y c_q^*
        const cmat C = Cq.cast<cdouble>();
        d_rho = C.adjoint() * c.cast<cdouble>();
        d_Cc = C.adjoint() * C;
        cvec v(Q);
        for (int q = 0; q < Q; ++q)
            v[q] = d_Bq.col(q).dot(Zq.col(q));
        const cmat G = (d_BqG.array() * d_Cc.array()).matrix();
        if (!G.allFinite() || !v.allFinite() || !d_rho.allFinite())
            return invalid_result(doa_invalid::overflow);
        const cmat Gp = pinv_hermitian(G);
        const cvec s = (d_rho.conjugate().array() * (Gp * v).array()).matrix();
        d_zp = d_z - d_Bq * s;
        d_H = d_rho.conjugate().asDiagonal() * Gp * d_rho.asDiagonal();
    }
    if (d_mode != doa_mode::known && !d_r.allFinite())
        return invalid_result(doa_invalid::overflow);

    const int M = static_cast<int>(d_grid.size());
    // Bartlett spectrum b^H Rhat b = s0 (r_0 + 2 sum_d Re(r_d e^{jkd})) from the
    // N-1 lag sums r_d = sum_m R_{m,m+d}: O(N) per grid angle instead of O(N^2).
    auto bartlett = [&](Eigen::VectorXf& out) {
        const double r0 = d_r[0].real();
        for (int d = 1; d < d_n; ++d) {
            d_lags[d - 1] = float(d_r[d].real());
            d_lags[d_n - 1 + d - 1] = float(-d_r[d].imag());
        }
        const float s0 = float(d_conv.normalize ? 1.0 / d_n : 1.0);
        out.noalias() = d_lag_table * d_lags;
        out = (s0 * 2.0f) * out.array() + float(s0 * r0);
    };

    if (d_mode == doa_mode::gaussian) {
        bartlett(d_obj);
    } else {
        const cvecf zf = d_z.cast<cfloat>();
        if (clutter_active()) {
            // |b^H z'|^2 on the grid, then each angle's own x^H P x
            const cvecf zpf = d_zp.cast<cfloat>();
            d_scratch.resize(2 * size_t(M));
            grid_power(
                d_BH.data(), M, d_n, zpf.data(), 1.0f, d_scratch.data(), d_obj.data());
            const double nb = d_conv.normalize ? 1.0 : double(d_n);
            const double floor = clutter_den_tol * nb * d_Ec;
            // a^H H a for every grid angle at once: one Q x Q x M product and a
            // column sum (a per-angle product allocated a temporary each time)
            d_HA.noalias() = d_H * d_Agrid;
            d_quad.noalias() =
                d_Agrid.conjugate().cwiseProduct(d_HA).colwise().sum().real().transpose();
            for (int m = 0; m < M; ++m) {
                const double den = nb * d_Ec - d_quad[m];
                d_obj[m] = den > floor ? float(double(d_obj[m]) / den) : 0.0f;
            }
        } else if (d_mode == doa_mode::known) {
            const float nb = float(d_conv.normalize ? 1.0 : double(d_n));
            d_scratch.resize(2 * size_t(M));
            grid_power(d_BH.data(),
                       M,
                       d_n,
                       zf.data(),
                       float(nb * d_Ec),
                       d_scratch.data(),
                       d_obj.data());
        } else {
            d_g.noalias() = d_BH * zf;
            bartlett(d_J);
            for (int m = 0; m < M; ++m)
                d_obj[m] = float(mixed_objective(d_J[m], cdouble(d_g[m])));
        }
    }

    const int m = argmax_first(d_obj.data(), M);
    double theta = d_grid[m];
    const double lo = d_grid[0], hi = d_grid[M - 1];

    if (d_refine != doa_refine::none && m > 0 && m < M - 1) {
        // parabola through the three grid samples (also Newton's fallback)
        const double y0 = d_obj[m - 1], y1 = d_obj[m], y2 = d_obj[m + 1];
        const double den = y0 - 2.0 * y1 + y2;
        if (den < 0.0)
            theta += std::clamp(0.5 * (y0 - y2) / den, -0.5, 0.5) * d_step;
    }
    if (d_refine == doa_refine::newton && M > 1) {
        double t = theta;
        for (int it = 0; it < newton_iters; ++it) {
            if (t + fd_h > pi / 2 || t - fd_h < -pi / 2)
                break; // no symmetric difference at endfire: keep the parabola
            const double f0 = objective(t);
            const double fp = objective(t + fd_h);
            const double fm = objective(t - fd_h);
            const double d1 = (fp - fm) / (2.0 * fd_h);
            const double d2 = (fp - 2.0 * f0 + fm) / (fd_h * fd_h);
            if (!(d2 < 0.0))
                break; // not concave here: keep the parabolic estimate
            const double dt = std::clamp(-d1 / d2, -d_step, d_step);
            const double tn = std::clamp(t + dt, lo, hi);
            // 1e-10 rad is far below any attainable CRB (and the FD bias)
            if (std::abs(tn - t) < 1e-10) {
                t = tn;
                break;
            }
            t = tn;
        }
        // keep the Newton point only when it is within one grid step of the
        // grid maximum and does not lower the objective
        if (std::abs(t - d_grid[m]) <= d_step * (1.0 + 1e-9) &&
            objective(t) >= objective(theta))
            theta = t;
    }
    return finish(theta, m);
}

const char* describe(doa_invalid why)
{
    switch (why) {
    case doa_invalid::none:
        return "valid";
    case doa_invalid::nonfinite:
        return "NaN/Inf samples";
    case doa_invalid::no_signal:
        return "no usable signal (all zero or denormal)";
    case doa_invalid::no_reference:
        return "a zero reference (no transmit energy in the CPI)";
    case doa_invalid::overflow:
        return "samples whose products overflow";
    case doa_invalid::clutter_span:
        return "the estimate lies inside the span of the clutter_deg patches (the "
               "projection leaves no target information there)";
    case doa_invalid::cancelled:
        return "cancelled by stop()";
    }
    return "unknown";
}

doa_result doa_mle_core::invalid_result(doa_invalid why)
{
    doa_result bad;
    bad.invalid = why;
    bad.theta_rad = nan_v;
    bad.beta = nan_v;
    bad.beta_abs = nan_v;
    bad.snr_est = nan_v;
    bad.crb_rad2 = nan_v;
    bad.objective = nan_v;
    return bad;
}

doa_result doa_mle_core::finish(double theta, int grid_index)
{
    if (!std::isfinite(theta))
        return invalid_result(doa_invalid::overflow);
    doa_result r;
    r.valid = true;
    r.grid_index = grid_index;
    r.theta_rad = theta;
    const cvec b = ula_steering(d_n, theta, d_conv);
    const cvec bd = ula_steering_derivative(d_n, theta, d_conv);
    const double Nb = b.squaredNorm();
    const double J = d_mode == doa_mode::known ? 0.0 : bartlett_at(b);
    const double s2 = d_noise_var;
    r.objective = objective(theta);
    switch (d_mode) {
    case doa_mode::gaussian: {
        const double p = d_p_gauss > 0.0 ? d_p_gauss : 1.0;
        r.beta_abs = std::sqrt(std::max(0.0, J - Nb * s2) / (Nb * Nb * p));
        r.beta = r.beta_abs;
        r.snr_est = r.beta_abs * r.beta_abs * Nb * p / s2;
        if (!std::isfinite(r.beta_abs))
            return invalid_result(doa_invalid::overflow);
        r.crb_rad2 = crb_gaussian(b, bd, r.beta_abs, p, d_L, s2);
        break;
    }
    case doa_mode::known: {
        const double pD = d_Ec / d_L;
        if (clutter_active()) {
            const double den = clutter_den(b, d_Bq.adjoint() * b);
            if (!(den > clutter_den_tol * Nb * d_Ec))
                return invalid_result(
                    doa_invalid::clutter_span); // x(theta) inside the clutter span
            r.beta = b.dot(d_zp) / den;  // x^H P y / x^H P x
            r.beta_abs = std::abs(r.beta);
            r.snr_int = r.beta_abs * r.beta_abs * den / s2;
            if (!std::isfinite(r.beta_abs))
                return invalid_result(doa_invalid::overflow);
            r.crb_rad2 = crb_deterministic_clutter_gram(
                b, bd, d_Ec, d_Bq, d_rho, d_Cc, r.beta_abs, s2);
        } else {
            r.beta = b.dot(d_z) / (Nb * d_Ec);
            r.beta_abs = std::abs(r.beta);
            r.snr_int = r.beta_abs * r.beta_abs * Nb * d_Ec / s2;
            if (!std::isfinite(r.beta_abs))
                return invalid_result(doa_invalid::overflow);
            r.crb_rad2 = crb_deterministic(b, bd, r.beta_abs, pD, d_L, s2);
        }
        r.snr_est = r.beta_abs * r.beta_abs * Nb * pD / s2;
        break;
    }
    default: {
        const double pD = d_Ec / d_L;
        const cdouble g = b.dot(d_z);
        r.beta_abs = std::sqrt(std::max(0.0, J - Nb * s2) / (Nb * Nb * (d_p_gauss + pD)));
        r.beta = std::abs(g) > 0.0 ? r.beta_abs * g / std::abs(g) : cdouble(r.beta_abs);
        r.snr_est = r.beta_abs * r.beta_abs * Nb * (pD + d_p_gauss) / s2;
        if (!std::isfinite(r.beta_abs))
            return invalid_result(doa_invalid::overflow);
        r.crb_rad2 = crb_mixed(b, bd, r.beta_abs, pD, d_p_gauss, d_L, s2);
        break;
    }
    }
    if (d_mode != doa_mode::known)
        r.snr_int = r.snr_est * d_L;
    const double pD = d_mode == doa_mode::gaussian ? 0.0 : d_Ec / d_L;
    r.above_threshold =
        r.snr_int >= threshold_snr_int(d_mode, d_n, d_L, pD / (pD + d_p_gauss));
    return r;
}

doa2d_result doa_mle_upa_known(const cmat& Y,
                               const cmat& X,
                               int n_th,
                               int n_tv,
                               int n_rh,
                               int n_rv,
                               const std::vector<double>& tg,
                               const std::vector<double>& pg,
                               bool refine)
{
    check_int_range("n_th", n_th, 1, 1 << 12);
    check_int_range("n_tv", n_tv, 1, 1 << 12);
    check_int_range("n_rh", n_rh, 1, 1 << 12);
    check_int_range("n_rv", n_rv, 1, 1 << 12);
    if (Y.rows() != n_rh * n_rv)
        throw_param("Y rows", std::to_string(Y.rows()), "n_rh*n_rv");
    if (X.rows() != n_th * n_tv)
        throw_param("X rows", std::to_string(X.rows()), "n_th*n_tv");
    if (X.cols() != Y.cols() || Y.cols() < 1)
        throw_param("X cols", std::to_string(X.cols()), "Y.cols() >= 1");
    if (tg.empty() || pg.empty())
        throw_param("grid", "empty", "at least one theta and one phi");
    for (double t : tg)
        check_finite("theta grid", t);
    for (double p : pg)
        check_finite("phi grid", p);
    if (!Y.allFinite() || !X.allFinite())
        throw_param("Y/X", "non-finite", "finite entries");
    const cmat W = Y * X.adjoint(); // n_rx x n_tx
    const cmat Rx = X * X.adjoint();
    // The UPA vectors depend on the angles only through u = sin(theta) sin(phi) and
    // v = cos(phi) (docs/conventions.md), so the likelihood is evaluated and refined
    // there. In (theta, phi) its theta curvature carries cos^2(theta) sin^2(phi): near
    // theta = +-90 deg or phi = 0/180 deg the Hessian was near singular and the refine
    // stopped on the grid point, degrees (in theta) from the maximum; in (u, v) the edge
    // is as well conditioned as broadside. The field of view is the disk u^2 + v^2 <= 1,
    // its circle theta = +-90 deg.
    auto eval = [&](double u, double v, cdouble* num, double* den) {
        const cvec a = upa_steering_uv(n_th, n_tv, u, v);
        const cvec b = upa_steering_uv(n_rh, n_rv, u, v);
        const cdouble g = b.dot(W * a);
        const double d = b.squaredNorm() * std::real(a.dot(Rx * a));
        if (num)
            *num = g;
        if (den)
            *den = d;
        return d > 0.0 ? std::norm(g) / d : 0.0;
    };
    double best = -1.0, bu = 0.0, bv = 1.0;
    for (double th : tg)
        for (double ph : pg) {
            const double u = std::sin(th) * std::sin(ph), v = std::cos(ph);
            const double f = eval(u, v, nullptr, nullptr);
            if (f > best) {
                best = f;
                bu = u;
                bv = v;
            }
        }
    if (refine) {
        auto span = [](const std::vector<double>& g) {
            return g.size() > 1 ? std::abs(g[1] - g[0]) : 1e-3;
        };
        // a grid step moves (u, v) by at most the step (|d(u,v)/dtheta|, |d(u,v)/dphi| <=
        // 1): the trust radius of each step and of the result (the window the grid
        // resolved)
        const double r = std::max(span(tg), span(pg));
        const double h = fd_h;
        double u = bu, v = bv, psi = 0.0;
        // a grid maximum on the circle (the theta = +-90 deg row of a full-view grid)
        // starts on the edge, so a non-concave 2-D Hessian there still gets the
        // constrained 1-D step along it
        bool on_circle = bu * bu + bv * bv >= 1.0 - 1e-12;
        if (on_circle)
            psi = std::atan2(bu, bv);
        for (int it = 0; it < 2 * newton_iters; ++it) {
            const double f = eval(u, v, nullptr, nullptr);
            const double fup = eval(u + h, v, nullptr, nullptr),
                         fum = eval(u - h, v, nullptr, nullptr);
            const double fvp = eval(u, v + h, nullptr, nullptr),
                         fvm = eval(u, v - h, nullptr, nullptr);
            const double huv = (eval(u + h, v + h, nullptr, nullptr) -
                                eval(u + h, v - h, nullptr, nullptr) -
                                eval(u - h, v + h, nullptr, nullptr) +
                                eval(u - h, v - h, nullptr, nullptr)) /
                               (4 * h * h);
            const double gu = (fup - fum) / (2 * h), gv = (fvp - fvm) / (2 * h);
            const double huu = (fup - 2 * f + fum) / (h * h),
                         hvv = (fvp - 2 * f + fvm) / (h * h);
            const double det = huu * hvv - huv * huv;
            const bool concave = huu < 0.0 && det > 0.0;
            double du = 0.0, dv = 0.0;
            if (concave) {
                du = -(hvv * gu - huv * gv) / det;
                dv = -(huu * gv - huv * gu) / det;
                const double n = std::hypot(du, dv);
                if (n > r) {
                    du *= r / n;
                    dv *= r / n;
                }
            }
            const double un = u + du, vn = v + dv;
            if (concave && un * un + vn * vn <= 1.0) {
                on_circle = false; // (back) inside the view
                u = un;
                v = vn;
                if (std::hypot(du, dv) < uv_step_tol)
                    break;
            } else if (!on_circle && concave) {
                // the step leaves the view: continue from its edge point
                psi = std::atan2(un, vn);
                on_circle = true;
                u = std::sin(psi);
                v = std::cos(psi);
            } else if (on_circle) {
                // along the edge (u, v) = (sin psi, cos psi), t = d/dpsi: f' = g.t,
                // f'' = t^T H t - g.(u, v)
                const double tu = std::cos(psi), tv = -std::sin(psi);
                const double d1 = gu * tu + gv * tv;
                const double d2 =
                    huu * tu * tu + 2 * huv * tu * tv + hvv * tv * tv - (gu * u + gv * v);
                if (!(d2 < 0.0))
                    break;
                const double dp = std::clamp(-d1 / d2, -r, r);
                psi += dp;
                u = std::sin(psi);
                v = std::cos(psi);
                if (std::abs(dp) < uv_step_tol)
                    break;
            } else {
                break; // not concave inside the view: keep the grid point
            }
        }
        if (std::hypot(u - bu, v - bv) <= 2.0 * r &&
            eval(u, v, nullptr, nullptr) >= best) {
            bu = u;
            bv = v;
        }
    }
    // the pair upa_representative reports: phi in [0, pi], theta in [-pi/2, pi/2], 0 at
    // the poles
    const double bp = std::acos(std::clamp(bv, -1.0, 1.0));
    const double sp = std::sin(bp);
    const double bt = sp > 1e-12 ? std::asin(std::clamp(bu / sp, -1.0, 1.0)) : 0.0;
    doa2d_result r;
    r.theta_rad = bt;
    r.phi_rad = bp;
    cdouble g;
    double den;
    r.objective = eval(bu, bv, &g, &den);
    r.alpha = den > 0.0 ? g / den : cdouble(0.0);
    return r;
}

} // namespace core
} // namespace isac
} // namespace gr
