/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "clones.h"
#include <gnuradio/isac/core/cancel.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/one_bit_stats.h>
#include <unsupported/Eigen/FFT>
#include <unsupported/Eigen/SpecialFunctions>
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <iomanip>
#include <list>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <tuple>

namespace gr {
namespace isac {
namespace core {

threshold_model parse_threshold_model(const std::string& name, const std::string& value)
{
    if (value == "exact")
        return threshold_model::exact;
    if (value == "theorem1")
        return threshold_model::theorem1;
    throw_param(name, "'" + value + "'", "'exact' or 'theorem1'");
}

clutter_model parse_clutter_model(const std::string& name, const std::string& value)
{
    if (value == "swerling1")
        return clutter_model::swerling1;
    if (value == "fixed")
        return clutter_model::fixed;
    throw_param(name, "'" + value + "'", "'swerling1' or 'fixed'");
}

const char* clutter_model_name(clutter_model c)
{
    return c == clutter_model::fixed ? "fixed" : "swerling1";
}

// ---------------------------------------------------------------- arcsine law

namespace {
inline double clamp1(double v) { return std::min(1.0, std::max(-1.0, v)); }

// Up to about this length the direct O(N^2) sums beat two FFTs of twice the length.
constexpr int fft_min_len = 128;

int fft_len(int N)
{
    int L = 1;
    while (L < 2 * N)
        L <<= 1;
    return L;
}

// rv[k] = sum_{n=0}^{N-1-k} conj(v[n+k]) v[n], k = 0..N-1: v's aperiodic
// autocorrelation (the zero padding to L >= 2N - 1 keeps the FFT's wrap out of it).
void lag_products(const cdouble* v, int N, std::vector<cdouble>& rv)
{
    rv.assign(N, cdouble(0.0));
    if (N < fft_min_len) {
        for (int k = 0; k < N; ++k) {
            cdouble s = 0.0;
            for (int n = 0; n + k < N; ++n)
                s += std::conj(v[n + k]) * v[n];
            rv[k] = s;
        }
        return;
    }
    std::vector<cdouble> a(fft_len(N), cdouble(0.0)), A, c;
    std::copy(v, v + N, a.begin());
    Eigen::FFT<double> fft;
    fft.fwd(A, a);
    for (auto& z : A)
        z = std::norm(z);
    fft.inv(c, A); // c[k] = sum_n v[n+k] conj(v[n])
    for (int k = 0; k < N; ++k)
        rv[k] = std::conj(c[k]);
}

// y = T u for the Hermitian Toeplitz T[m][n] = t_{m-n}, t_{-k} = conj(t_k); by the
// FFT of T's circulant embedding for long u.
cvec toeplitz_apply(const cdouble* t, const cvec& u)
{
    const int N = int(u.size());
    cvec y(N);
    if (N < fft_min_len) {
        for (int m = 0; m < N; ++m) {
            cdouble s = 0.0;
            for (int n = 0; n <= m; ++n)
                s += t[m - n] * u[n];
            for (int n = m + 1; n < N; ++n)
                s += std::conj(t[n - m]) * u[n];
            y[m] = s;
        }
        return y;
    }
    const int L = fft_len(N);
    std::vector<cdouble> c(L, cdouble(0.0)), a(L, cdouble(0.0)), C, A, r;
    c[0] = t[0];
    for (int k = 1; k < N; ++k) {
        c[k] = t[k];
        c[L - k] = std::conj(t[k]);
    }
    std::copy(u.data(), u.data() + N, a.begin());
    Eigen::FFT<double> fft;
    fft.fwd(C, c);
    fft.fwd(A, a);
    for (int i = 0; i < L; ++i)
        A[i] *= C[i];
    fft.inv(r, A);
    for (int m = 0; m < N; ++m)
        y[m] = r[m];
    return y;
}
} // namespace

// R_ij(k) = sum_n conj(g_i[n+k]) g_j[n] is never tabulated: every use needs it only
// against one coefficient vector alpha, where alpha^H R(k) alpha is the lag product of
// v = G alpha. A table would take (2N - 1)(Q + 1)^2 values (0.5 GB at N_R = 64 and
// 512 patches, 34 GB at the antenna limit).
arcsine_stats::arcsine_stats(const radar_scene& scene)
    : d_n(scene.n_rx()), d_P(scene.n_clutter() + 1), d_g(scene.gr())
{
}

double arcsine_stats::per_antenna_power(const double* p) const
{
    double d = 1.0;
    for (int i = 0; i < d_P; ++i)
        d += p[i] / d_n;
    return d;
}

void arcsine_stats::lags(const double* p, cdouble* t) const
{
    const double d = per_antenna_power(p);
    t[0] = 2.0;
    for (int k = 1; k < d_n; ++k) {
        // C[k][0] = sum_i p_i g_i[k] conj(g_i[0])
        cdouble s = 0.0;
        for (int i = 0; i < d_P; ++i)
            s += p[i] * d_g(k, i) * std::conj(d_g(0, i));
        const cdouble rho = s / d;
        t[k] = 4.0 / pi *
               cdouble(std::asin(clamp1(rho.real())), std::asin(clamp1(rho.imag())));
    }
}

cmat arcsine_stats::covariance(const double* p) const
{
    std::vector<cdouble> t(d_n);
    lags(p, t.data());
    cmat C(d_n, d_n);
    for (int m = 0; m < d_n; ++m)
        for (int n = 0; n < d_n; ++n)
            C(m, n) = m >= n ? t[m - n] : std::conj(t[n - m]);
    return C;
}

cmat arcsine_stats::gram(const double* p) const
{
    std::vector<cdouble> t(d_n);
    lags(p, t.data());
    cmat CG(d_n, d_P);
    for (int j = 0; j < d_P; ++j)
        CG.col(j) = toeplitz_apply(t.data(), d_g.col(j));
    return d_g.adjoint() * CG;
}

cvec arcsine_stats::gram_apply(const double* p, const cdouble* alpha) const
{
    std::vector<cdouble> t(d_n);
    lags(p, t.data());
    const cvec v = d_g * Eigen::Map<const cvec>(alpha, d_P);
    return d_g.adjoint() * toeplitz_apply(t.data(), v);
}

double arcsine_stats::variance(const double* p,
                               const cdouble* alpha,
                               double* dvdp,
                               bool with_noise) const
{
    const int N = d_n, P = d_P;
    const double d = per_antenna_power(p);
    // v^H Cq v = sum_k t_k rv(k), rv(k) = sum_n conj(v[n+k]) v[n] = alpha^H R(k) alpha
    // (rv(-k) = conj(rv(k)), t_{-k} = conj(t_k)): t_0 rv(0) + 2 Re sum_{k>0} t_k rv(k)
    double v = 0.0;
    if (dvdp)
        std::fill(dvdp, dvdp + P, 0.0);
    std::vector<cdouble> rvs;
    {
        const cvec g = d_g * Eigen::Map<const cvec>(alpha, P);
        lag_products(g.data(), N, rvs);
    }
    // O(N P) with the derivatives, called per grid node at the clutter limit; a
    // cancelled thread (cancel.h) stops here and its caller discards the partial sum
    const bool poll = P >= 32;
    for (int k = 0; k < N; ++k) {
        if (poll && cancel_requested())
            break;
        const cdouble rv = rvs[k];
        if (k == 0) {
            // the diagonal: |r~|^2 = 2, or for two snapshots with independent noise
            // and the same clutter draw (4/pi) asin(1 - 1/d)
            if (with_noise) {
                v += 2.0 * rv.real();
            } else {
                v += 4.0 / pi * std::asin(1.0 - 1.0 / d) * rv.real();
                if (dvdp) {
                    const double dd = 4.0 / pi /
                                      std::sqrt(1.0 - (1.0 - 1.0 / d) * (1.0 - 1.0 / d)) /
                                      (d * d * N) * rv.real();
                    for (int j = 0; j < P; ++j)
                        dvdp[j] += dd;
                }
            }
            continue;
        }
        cdouble s = 0.0;
        for (int i = 0; i < P; ++i)
            s += p[i] * d_g(k, i) * std::conj(d_g(0, i));
        const cdouble rho = s / d;
        const double re = clamp1(rho.real()), im = clamp1(rho.imag());
        const cdouble tk = 4.0 / pi * cdouble(std::asin(re), std::asin(im));
        v += 2.0 * std::real(tk * rv);
        if (dvdp) {
            // dt_k/dp_j = (4/pi) (Re drho / sqrt(1 - Re^2 rho) + j Im drho / sqrt(1 -
            // Im^2 rho)), drho/dp_j = (g_j[k] conj(g_j[0]) - rho / N) / d
            const double ar = 1.0 / std::sqrt(std::max(1e-300, 1.0 - re * re));
            const double ai = 1.0 / std::sqrt(std::max(1e-300, 1.0 - im * im));
            for (int j = 0; j < P; ++j) {
                const cdouble dr =
                    (d_g(k, j) * std::conj(d_g(0, j)) - rho / double(N)) / d;
                const cdouble dt = 4.0 / pi * cdouble(dr.real() * ar, dr.imag() * ai);
                dvdp[j] += 2.0 * std::real(dt * rv);
            }
        }
    }
    return v;
}

// ---------------------------------------------------------------- filter, deflection

arcsine_cross::arcsine_cross(const radar_scene& scene)
    : d_n(scene.n_rx()),
      d_P(scene.n_clutter() + 1),
      d_Jp((2 * scene.n_rx() - 1 + 7) / 8 * 8),
      d_cnr(scene.cnr()),
      d_g(scene.gr())
{
    const int N = d_n, P = d_P, J = 2 * N - 1;
    d_e.resize(size_t(J) * P);
    for (int j = -(N - 1); j < N; ++j)
        for (int i = 0; i < P; ++i)
            d_e[size_t(j + N - 1) * P + i] = j >= 0 ? d_g(j, i) * std::conj(d_g(0, i))
                                                    : d_g(0, i) * std::conj(d_g(-j, i));
    if (size_t(J) * P * P > (size_t(1) << 16))
        return;
    // R_ii'(j) at [(i P + i') J + j + N - 1]: the lags contiguous, for prepare's
    // loops over them
    d_R.assign(size_t(J) * P * P, cdouble(0.0));
    for (int j = -(N - 1); j < N; ++j) {
        const int k0 = std::max(0, -j), k1 = std::min(N, N - j);
        for (int i = 0; i < P; ++i)
            for (int i2 = 0; i2 < P; ++i2) {
                cdouble acc = 0.0;
                for (int k = k0; k < k1; ++k)
                    acc += std::conj(d_g(k + j, i)) * d_g(k, i2);
                d_R[size_t(i * P + i2) * J + j + N - 1] = acc;
            }
    }
}

namespace {
bool all_finite(const cdouble* v, int n)
{
    for (int i = 0; i < n; ++i)
        if (!std::isfinite(v[i].real()) || !std::isfinite(v[i].imag()))
            return false;
    return true;
}
} // namespace

cdouble arcsine_cross::cross(const cdouble* s,
                             double d_l,
                             double d_m,
                             const cdouble* beta_l,
                             const cdouble* beta_m,
                             bool distortion_only) const
{
    // d = 0 (terms of a cpi_len 1 filter) or not finite: no per-antenna power to
    // normalise by, no cross term (rho would be NaN and clamp1 would make it -1)
    if (!(d_l * d_m > 0.0) || !std::isfinite(d_l * d_m))
        return 0.0;
    const int N = d_n, P = d_P;
    // a non-finite s or beta: none either (as prepare's), rather than a NaN that
    // depends on which lags have rho = 0
    if (!all_finite(s, P) || !all_finite(beta_l, P) || !all_finite(beta_m, P))
        return 0.0;
    const double norm = 1.0 / std::sqrt(d_l * d_m);
    cvec ul, um;
    if (d_R.empty()) {
        ul = d_g * Eigen::Map<const cvec>(beta_l, P);
        um = d_g * Eigen::Map<const cvec>(beta_m, P);
    }
    // conj(beta_l,i) beta_m,i' once: X(j) is then one (Q+1)^2 dot product a lag
    std::vector<cdouble> bb(size_t(P) * P);
    for (int i = 0; i < P; ++i)
        for (int i2 = 0; i2 < P; ++i2)
            bb[i * P + i2] = std::conj(beta_l[i]) * beta_m[i2];
    cdouble acc = 0.0;
    for (int j = -(N - 1); j < N; ++j) {
        const cdouble* e = d_e.data() + size_t(j + N - 1) * P;
        cdouble T = 0.0;
        for (int i = 0; i < P; ++i)
            T += s[i] * e[i];
        const cdouble rho = T * norm;
        const double re = clamp1(rho.real()), im = clamp1(rho.imag());
        cdouble f = cdouble(std::asin(re), std::asin(im));
        if (distortion_only)
            f -= cdouble(re, im);
        if (f == 0.0)
            continue;
        cdouble X = 0.0;
        if (!d_R.empty()) {
            const cdouble* R = d_R.data() + j + N - 1;
            for (int i = 0; i < P * P; ++i)
                X += bb[i] * R[size_t(i) * (2 * N - 1)];
        } else {
            const int k0 = std::max(0, -j), k1 = std::min(N, N - j);
            for (int k = k0; k < k1; ++k)
                X += std::conj(ul[k + j]) * um[k];
        }
        acc += f * X;
    }
    return 4.0 / pi * acc;
}

ISAC_CLONES_EXACT void
arcsine_cross::prepare(const cdouble* c, double d, const cdouble* beta, double* out) const
{
    const int N = d_n, P = d_P, Q = P - 1, J = 2 * N - 1, Jp = d_Jp;
    if (N > prepared_max_rx)
        throw std::invalid_argument("arcsine_cross::prepare: n_rx " + std::to_string(N) +
                                    " above the prepared form's " +
                                    std::to_string(prepared_max_rx));
    std::fill(out, out + prepared_size(), 0.0);
    // a non-finite c or beta: as d = 0, no cross terms with any x (as cross())
    if (!all_finite(c, Q) || !all_finite(beta, P))
        return;
    out[0] = d;
    // c / sqrt(d) on both sides: rho_lm(j) = sum_q b_{q,l}(j) conj(a_{q,m}) with
    // b_q(j) = CNR_q e_q(j) c_q / sqrt(d) (this x as l) and a_q = c_q / sqrt(d) (as m)
    const double rs = d > 0.0 && std::isfinite(d) ? 1.0 / std::sqrt(d) : 0.0;
    double* b = out + 8;
    double* y = b + size_t(2) * Q * Jp;
    double* a = y + size_t(2) * P * Jp;
    double* bt = a + 2 * Q;
    // the complex products spelt out in real arithmetic: what std::complex's
    // operator* computes for finite operands (bitwise the same values), without its
    // NaN recovery branch, which kept these loops scalar
    for (int q = 0; q < Q; ++q) {
        const double cr = c[q].real() * rs, ci = c[q].imag() * rs;
        a[2 * q] = cr;
        a[2 * q + 1] = ci;
        double* br = b + size_t(2 * q) * Jp;
        double* bi = br + Jp;
        const cdouble* e = d_e.data() + q + 1;
        for (int j = 0; j < J; ++j) {
            const double er = d_cnr[q] * e[size_t(j) * P].real(),
                         ei = d_cnr[q] * e[size_t(j) * P].imag();
            br[j] = er * cr - ei * ci;
            bi[j] = er * ci + ei * cr;
        }
    }
    for (int i = 0; i < P; ++i) {
        bt[2 * i] = beta[i].real();
        bt[2 * i + 1] = beta[i].imag();
    }
    // Y(j) = R(j) beta (this x as m): X(j) = beta_l^H Y_m(j)
    if (!d_R.empty()) {
        for (int i = 0; i < P; ++i) {
            double* yr = y + size_t(2 * i) * Jp;
            double* yi = yr + Jp;
            // summed over i2 in order, from +0 (as a cdouble accumulator)
            for (int i2 = 0; i2 < P; ++i2) {
                const double zr = beta[i2].real(), zi = beta[i2].imag();
                const cdouble* R = d_R.data() + size_t(i * P + i2) * J;
                for (int j = 0; j < J; ++j) {
                    const cdouble r = R[j];
                    yr[j] += r.real() * zr - r.imag() * zi;
                    yi[j] += r.real() * zi + r.imag() * zr;
                }
            }
        }
    } else {
        const cvec u = d_g * Eigen::Map<const cvec>(beta, P);
        for (int j = 0; j < J; ++j) {
            const int lag = j - (N - 1), k0 = std::max(0, -lag),
                      k1 = std::min(N, N - lag);
            for (int i = 0; i < P; ++i) {
                cdouble acc = 0.0;
                for (int k = k0; k < k1; ++k)
                    acc += std::conj(d_g(k + lag, i)) * u[k];
                y[size_t(2 * i) * Jp + j] = acc.real();
                y[size_t(2 * i + 1) * Jp + j] = acc.imag();
            }
        }
    }
}

ISAC_CLONES_EXACT double arcsine_cross::cross_prepared(const double* pl,
                                                       const double* pm) const
{
    // d_l d_m not positive or not finite: no cross term (as cross())
    if (!(pl[0] * pm[0] > 0.0) || !std::isfinite(pl[0] * pm[0]))
        return 0.0;
    constexpr int Jmax = 2 * prepared_max_rx; // 2 N - 1 lags rounded up to 8
    const int Jp = d_Jp, P = d_P, Q = P - 1;
    // the lag arrays below are sized for prepared_max_rx antennas; a caller's own
    // buffers must not get past it where prepare() would have refused
    if (Jp > Jmax)
        throw std::invalid_argument("arcsine_cross::cross_prepared: n_rx " +
                                    std::to_string(d_n) + " above the prepared form's " +
                                    std::to_string(prepared_max_rx));
    const double* bl = pl + 8;
    const double* ym = pm + 8 + size_t(2) * Q * Jp;
    const double* am = ym + size_t(2) * P * Jp;
    const double* btl = pl + 8 + size_t(2) * (Q + P) * Jp + 2 * Q;
    // v: Re rho(j) then Im rho(j); X(j) = xr + j xi. Lags past 2N - 1 are 0 and add 0.
    double v[2 * Jmax], f[2 * Jmax], xr[Jmax], xi[Jmax];
    std::fill(v, v + 2 * Jp, 0.0);
    std::fill(xr, xr + Jp, 0.0);
    std::fill(xi, xi + Jp, 0.0);
    // the lag loops in blocks of 8 (Jp is a multiple of 8): whole vectors without a
    // remainder loop; element-wise, so the rounding is that of one loop
    for (int q = 0; q < Q; ++q) {
        const double ar = am[2 * q], ai = am[2 * q + 1];
        const double* br = bl + size_t(2 * q) * Jp;
        const double* bi = br + Jp;
        for (int k0 = 0; k0 < Jp; k0 += 8)
            for (int k = k0; k < k0 + 8; ++k) {
                v[k] += br[k] * ar + bi[k] * ai;
                v[k + Jp] += bi[k] * ar - br[k] * ai;
            }
    }
    for (int i = 0; i < P; ++i) {
        const double cr = btl[2 * i], ci = btl[2 * i + 1];
        const double* yr = ym + size_t(2 * i) * Jp;
        const double* yi = yr + Jp;
        for (int k0 = 0; k0 < Jp; k0 += 8)
            for (int k = k0; k < k0 + 8; ++k) {
                xr[k] += cr * yr[k] + ci * yi[k];
                xi[k] += cr * yi[k] - ci * yr[k];
            }
    }
    // f = asin(v) - v of the clamped parts, spelt out (a call would not be inlined
    // into the clones) and branch-free, so that the loop vectorises: fdlibm's asin,
    // whose rational R gives |v| < 1/2 the part beyond v as v R(v^2) exactly (no
    // cancellation); above, pi/2 - 2 asin(sqrt((1 - |v|)/2)) with the same R but
    // without fdlibm's high-part split for |v| < 0.975 (about 1 ulp of 1 absolute
    // there, harmless against the pair's absolute rounding). qa_one_bit_stats pins
    // it to cross().
    for (int k0 = 0; k0 < 2 * Jp; k0 += 8) // clamp1
        for (int k = k0; k < k0 + 8; ++k) {
            const double c = -1.0 < v[k] ? v[k] : -1.0;
            v[k] = c < 1.0 ? c : 1.0;
        }
    for (int k0 = 0; k0 < 2 * Jp; k0 += 8)
        for (int k = k0; k < k0 + 8; ++k) {
            const double ax = std::fabs(v[k]);
            // 1 or 0, blended arithmetically (exact: both arms are finite)
            const double small = ax < 0.5 ? 1.0 : 0.0;
            const double zb = 0.5 * (1.0 - ax);
            const double t = small * (v[k] * v[k]) + (1.0 - small) * zb;
            const double p = t * (1.66666666666666657415e-01 +
                                  t * (-3.25565818622400915405e-01 +
                                       t * (2.01212532134862925881e-01 +
                                            t * (-4.00555345006794114027e-02 +
                                                 t * (7.91534994289814532176e-04 +
                                                      t * 3.47933107596021167570e-05)))));
            const double q = 1.0 + t * (-2.40339491173441421878e+00 +
                                        t * (2.02094576023350569471e+00 +
                                             t * (-6.88283971605453293030e-01 +
                                                  t * 7.70381505559019352791e-02)));
            const double w = p / q;
            const double s = std::sqrt(zb);
            const double big = (1.57079632679489655800e+00 -
                                (2.0 * (s + s * w) - 6.12323399573676603587e-17)) -
                               ax;
            f[k] = std::copysign(small * (ax * w) + (1.0 - small) * big, v[k]);
        }
    double sum = 0.0;
    for (int k = 0; k < Jp; ++k)
        sum += f[k] * xr[k] - f[k + Jp] * xi[k];
    return 4.0 / pi * sum;
}

namespace {
// Coefficient-space form of the filter: M G beta = G Mc beta with Mc = I + W K,
// K = G^H G, W = diag(0, w p_1, ..., w p_Q); v = M^{-1} g_0 = G Mc^{-1} e_0.
struct filter_solution {
    cmat K, Mc;
    Eigen::PartialPivLU<cmat> lu;
    cvec alpha;
};

filter_solution solve_filter(const cmat& G, const double* p, double wf)
{
    filter_solution f;
    const int P = int(G.cols());
    f.K = G.adjoint() * G;
    f.Mc = cmat::Identity(P, P);
    for (int q = 1; q < P; ++q)
        f.Mc.row(q) += wf * p[q] * f.K.row(q);
    f.lu.compute(f.Mc);
    f.alpha = f.lu.solve(cvec::Unit(P, 0));
    return f;
}
} // namespace

cvec filter_coefficients(const radar_scene& scene,
                         const double* p,
                         adc_model adc,
                         double* var_t1)
{
    const double wf = adc == adc_model::one_bit ? 2.0 / pi : 1.0;
    const filter_solution f = solve_filter(scene.gr(), p, wf);
    if (var_t1) {
        const cvec Ka = f.K * f.alpha;
        double clutter = 0.0;
        for (int q = 1; q < scene.n_clutter() + 1; ++q)
            clutter += p[q] * std::norm(Ka[q]);
        const double n2 = std::real(f.alpha.dot(Ka));
        *var_t1 =
            adc == adc_model::one_bit ? 2.0 * n2 + 4.0 / pi * clutter : n2 + clutter;
    }
    return f.alpha;
}

double toeplitz_quad_form(const cvec& t, const cvec& u)
{
    const int N = int(u.size());
    if (t.size() != N)
        throw_param(
            "t", std::to_string(t.size()) + " lags", std::to_string(N) + " (size of u)");
    std::vector<cdouble> rv;
    lag_products(u.data(), N, rv);
    double v = t[0].real() * rv[0].real();
    for (int k = 1; k < N; ++k)
        v += 2.0 * std::real(t[k] * rv[k]);
    return v;
}

namespace {
void patch_powers(const radar_scene& s, const cvec& c, std::vector<double>& p)
{
    const int P = s.n_clutter() + 1;
    if (c.size() != P)
        throw_param("c (couplings)",
                    list_str(c.size(), "entry", "entries"),
                    std::to_string(P) + " (1 + number of clutter patches)");
    p.resize(P);
    p[0] = s.snr_r() * std::norm(c[0]);
    for (int q = 1; q < P; ++q)
        p[q] = s.cnr()[q - 1] * std::norm(c[q]);
}
} // namespace

double exact_deflection(const radar_scene& scene,
                        const arcsine_stats& st,
                        const cvec& c,
                        adc_model adc,
                        rvec* grad)
{
    const int P = scene.n_clutter() + 1;
    if (st.n_patches() != P || st.n_rx() != scene.n_rx())
        throw_param("arcsine_stats", "another scene", "the statistics of this scene");
    std::vector<double> p;
    patch_powers(scene, c, p);
    if (grad)
        grad->setZero(P);
    const double wf = adc == adc_model::one_bit ? 2.0 / pi : 1.0;
    const filter_solution f = solve_filter(scene.gr(), p.data(), wf);
    if (adc == adc_model::ideal) {
        // Gaussian output: the deflection is the SCNR, snr |c_0|^2 g_0^H M^{-1} g_0.
        const cvec Ka = f.K * f.alpha; // G^H v, v = M^{-1} g_0
        const double gmg = Ka[0].real();
        if (grad) {
            (*grad)[0] = scene.snr_r() * gmg;
            for (int q = 1; q < P; ++q)
                (*grad)[q] = -p[0] * scene.cnr()[q - 1] * std::norm(Ka[q]);
        }
        return p[0] * gmg;
    }
    std::vector<double> p0(p);
    p0[0] = 0.0;
    std::vector<double> d0(P), d1(P);
    const double v0 = st.variance(p0.data(), f.alpha.data(), grad ? d0.data() : nullptr);
    const double v1 = st.variance(p.data(), f.alpha.data(), grad ? d1.data() : nullptr);
    if (!(v0 > 0.0))
        return 0.0;
    const double D = v1 / v0 - 1.0;
    if (!grad)
        return D;
    // the filter moves with the clutter powers: d alpha/dp_j = -w (K alpha)_j Mc^{-1} e_j
    d0[0] = 0.0; // V0 is the H0 variance: no target power in it
    const cvec Ka = f.K * f.alpha;
    const cvec T0a = st.gram_apply(p0.data(), f.alpha.data()),
               T1a = st.gram_apply(p.data(), f.alpha.data());
    for (int j = 1; j < P; ++j) {
        const cvec da = -wf * Ka[j] * f.lu.solve(cvec::Unit(P, j));
        d0[j] += 2.0 * std::real(da.dot(T0a));
        d1[j] += 2.0 * std::real(da.dot(T1a));
    }
    for (int j = 0; j < P; ++j) {
        const double dD = (d1[j] * v0 - v1 * d0[j]) / (v0 * v0);
        (*grad)[j] = dD * (j == 0 ? scene.snr_r() : scene.cnr()[j - 1]);
    }
    return D;
}

double exact_deflection_x(const radar_scene& scene,
                          const arcsine_stats& st,
                          const cvec& x,
                          adc_model adc,
                          cvec* grad)
{
    const cvec c = scene.couplings(x);
    rvec g;
    const double D = exact_deflection(scene, st, c, adc, grad ? &g : nullptr);
    if (grad)
        *grad = scene.gt().conjugate() * (g.cast<cdouble>().cwiseProduct(c));
    return D;
}

// ---------------------------------------------------------------- conditional tail

namespace {
/*
 * Quadrature over the standardised amplitudes xi (a_q = sqrt(p_q) xi_q, xi_q ~ CN(0, 1))
 * of the P active patches. The total power s = sum |xi_q|^2 is Gamma(P) and
 * independent of the split f = |xi|^2 / s (uniform on the simplex) and of the phases;
 * the tail of |z| is a steep function of s (a clutter draw strong enough to leak past
 * the filter), so s gets cells of width cell_width out to a tail mass of 1e-9 and the
 * other 2P - 1 coordinates a rank-1 quasi-Monte-Carlo set (Roberts' R-sequence) per cell.
 * One phase lives in [0, pi/2): r -> j r maps r~ to j r~, so |z| is invariant.
 */
struct node_set {
    std::vector<cfloat> xi; // K x P, row-major
    std::vector<double> w;
};

double gamma_cdf(int P, double s) // integer shape: 1 - e^{-s} sum_{k<P} s^k / k!
{
    if (s <= 0.0)
        return 0.0;
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < P; ++k) {
        term *= s / k;
        sum += term;
    }
    return 1.0 - std::exp(-s) * sum;
}

// R-sequence generators: alpha_d = phi^-(d+1), phi the root of x^(D+1) = x + 1
std::vector<double> r_sequence(int D)
{
    double phi = 2.0;
    for (int it = 0; it < 60; ++it)
        phi = std::pow(1.0 + phi, 1.0 / (D + 1));
    std::vector<double> alpha(D);
    for (int d = 0; d < D; ++d)
        alpha[d] = std::fmod(std::pow(1.0 / phi, d + 1), 1.0);
    return alpha;
}

// One cell [a, a + ds) of a Gamma(P, 1) power: its probability mass and the
// conditional mean E[s 1{cell}] / mass = P (F_{P+1}(b) - F_{P+1}(a)) / mass; the
// last cell takes the whole tail.
struct gamma_cell {
    double mass, mean;
    bool last;
};

gamma_cell cell_of(int P, double a, double ds)
{
    const double Fa = gamma_cdf(P, a);
    const bool last = 1.0 - gamma_cdf(P, a + ds) < 1e-9;
    const double b = a + ds;
    const double Fb = last ? 1.0 : gamma_cdf(P, b);
    const double mass = Fb - Fa;
    const double Gb = last ? 1.0 : gamma_cdf(P + 1, b);
    const double s = mass > 0.0 ? P * (Gb - gamma_cdf(P + 1, a)) / mass : a + ds / 2;
    return { mass, s, last };
}

node_set make_nodes(int P, double ds, int M)
{
    node_set ns;
    if (P == 0) {
        ns.w.push_back(1.0);
        return ns;
    }
    const int D = 2 * P - 1;
    const std::vector<double> alpha = r_sequence(D);
    long idx = 0;
    std::vector<double> u(D), cut(P + 1);
    for (double a = 0.0;; a += ds) {
        const auto [mass, s, last] = cell_of(P, a, ds);
        for (int m = 0; m < M; ++m, ++idx) {
            for (int d = 0; d < D; ++d)
                u[d] = std::fmod(0.5 + alpha[d] * (idx + 1), 1.0);
            // split: spacings of the sorted first P-1 uniforms
            cut[0] = 0.0;
            for (int q = 0; q < P - 1; ++q)
                cut[q + 1] = u[q];
            cut[P] = 1.0;
            std::sort(cut.begin() + 1, cut.begin() + P);
            for (int q = 0; q < P; ++q) {
                const double t = s * (cut[q + 1] - cut[q]);
                const double ph = q == 0 ? 0.5 * pi * u[P - 1] : 2.0 * pi * u[P - 1 + q];
                ns.xi.push_back(cfloat(std::polar(std::sqrt(t), ph)));
            }
            ns.w.push_back(mass / M);
        }
        if (last)
            break;
    }
    return ns;
}

/*
 * Static clutter: Pc patches of unit standardised amplitude and uniform phase (a room
 * does not fluctuate), and with `target` a fluctuating target patch first (Gamma(1)
 * power in cells of width ds, as make_nodes). The phases get a rank-1 QMC set of M
 * points per cell (smooth periodic integrands: the Kronecker set converges fast); the
 * first phase lives in [0, pi/2) as in make_nodes.
 */
node_set make_static_nodes(int Pc, bool target, double ds, int M)
{
    node_set ns;
    const int P = Pc + (target ? 1 : 0);
    if (P == 0) {
        ns.w.push_back(1.0);
        return ns;
    }
    const int D = P; // one phase per patch
    const std::vector<double> alpha = r_sequence(D);
    std::vector<double> u(D);
    long idx = 0;
    for (double a = 0.0;; a += ds) {
        // without a target there is one cell, of mass 1
        const gamma_cell c = target ? cell_of(1, a, ds) : gamma_cell{ 1.0, 0.0, true };
        const double mass = c.mass, s0 = c.mean;
        const bool last = c.last;
        for (int m = 0; m < M; ++m, ++idx) {
            for (int d = 0; d < D; ++d)
                u[d] = std::fmod(0.5 + alpha[d] * (idx + 1), 1.0);
            for (int q = 0; q < P; ++q) {
                const double r = target && q == 0 ? std::sqrt(s0) : 1.0;
                const double ph = q == 0 ? 0.5 * pi * u[0] : 2.0 * pi * u[q];
                ns.xi.push_back(cfloat(std::polar(r, ph)));
            }
            ns.w.push_back(mass / M);
        }
        if (last)
            break;
    }
    return ns;
}

// kind 0: Swerling I (make_nodes); 1: static clutter; 2: static clutter and a
// fluctuating target first
const node_set& nodes_for(int P, double ds, int M, int kind = 0)
{
    static std::mutex mtx;
    static std::map<std::tuple<int, double, int, int>, std::shared_ptr<node_set>> cache;
    std::lock_guard<std::mutex> lock(mtx);
    auto& e = cache[std::make_tuple(P, ds, M, kind)];
    if (!e)
        e = std::make_shared<node_set>(
            kind == 0 ? make_nodes(P, ds, M)
                      : make_static_nodes(P - (kind == 2), kind == 2, ds, M));
    return *e;
}

// erfc(x) with relative error < 1.2e-7 (Numerical Recipes' erfcc, Chebyshev fit):
// one exp instead of the library's erfc, which dominated the tail evaluation.
inline double fast_erfc(double x)
{
    const double z = std::abs(x), t = 1.0 / (1.0 + 0.5 * z);
    const double r =
        t *
        std::exp(
            -z * z - 1.26551223 +
            t * (1.00002368 +
                 t * (0.37409196 +
                      t * (0.09678418 +
                           t * (-0.18628806 +
                                t * (0.27886807 +
                                     t * (-1.13520398 +
                                          t * (1.48851587 +
                                               t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0.0 ? r : 2.0 - r;
}

// 16-point Gauss-Legendre on [-1, 1]
constexpr int n_gl = 16;
const double gl_x[n_gl] = { -0.9894009349916499, -0.9445750230732326, -0.8656312023878318,
                            -0.7554044083550030, -0.6178762444026438, -0.4580167776572274,
                            -0.2816035507792589, -0.0950125098376374, 0.0950125098376374,
                            0.2816035507792589,  0.4580167776572274,  0.6178762444026438,
                            0.7554044083550030,  0.8656312023878318,  0.9445750230732326,
                            0.9894009349916499 };
const double gl_w[n_gl] = { 0.0271524594117541, 0.0622535239386479, 0.0951585116824928,
                            0.1246289712555339, 0.1495959888165767, 0.1691565193950025,
                            0.1826034150449236, 0.1894506104550685, 0.1894506104550685,
                            0.1826034150449236, 0.1691565193950025, 0.1495959888165767,
                            0.1246289712555339, 0.0951585116824928, 0.0622535239386479,
                            0.0271524594117541 };

// P(|z| > k) for z = (m1 + s1 X, m2 + s2 Y), X, Y iid N(0, 1): the minor coordinate
// outside the circle, plus the rest conditioned on it; with y = k sin(theta) the
// conditional probability is smooth in theta, so 16 Gauss-Legendre points over the
// part of the circle within 7 s2 of m2 give < 1e-3 relative error.
double exterior_probability(double m1, double m2, double s1, double s2, double k)
{
    constexpr double isq2 = 0.70710678118654752;
    if (!(s2 > 1e-12 * s1)) { // no spread on the minor axis
        if (std::abs(m2) >= k)
            return 1.0;
        const double r = std::sqrt(k * k - m2 * m2);
        return 0.5 * (fast_erfc((r - m1) * isq2 / s1) + fast_erfc((r + m1) * isq2 / s1));
    }
    double out =
        0.5 * (fast_erfc((k - m2) * isq2 / s2) + fast_erfc((k + m2) * isq2 / s2));
    const double ylo = std::max(-k, m2 - 7.0 * s2), yhi = std::min(k, m2 + 7.0 * s2);
    if (!(yhi > ylo))
        return out;
    const double tlo = std::asin(ylo / k), thi = std::asin(yhi / k);
    const double c = 0.5 * (thi + tlo), h = 0.5 * (thi - tlo);
    constexpr double inv_sqrt_2pi = 0.39894228040143268;
    double acc = 0.0;
    for (int i = 0; i < n_gl; ++i) {
        const double th = c + h * gl_x[i];
        const double y = k * std::sin(th), r = k * std::cos(th);
        const double gy = (y - m2) / s2;
        const double px =
            0.5 * (fast_erfc((r - m1) * isq2 / s1) + fast_erfc((r + m1) * isq2 / s1));
        acc += gl_w[i] * std::exp(-0.5 * gy * gy) * px * r;
    }
    return out + acc * h * inv_sqrt_2pi / s2;
}
} // namespace

conditional_tail::conditional_tail(const radar_scene& scene,
                                   double cell_width,
                                   int qmc_points,
                                   clutter_model clutter)
    : d_n(scene.n_rx()),
      d_P(scene.n_clutter() + 1),
      d_cell(cell_width),
      d_qmc(qmc_points),
      d_clutter(clutter),
      d_gf(scene.gr().cast<cfloat>())
{
    if (!(cell_width > 0.05 && cell_width <= 5.0))
        throw_param("cell_width", std::to_string(cell_width), "(0.05, 5]");
    check_int_range("qmc_points", qmc_points, 0, 1 << 16);
}

void conditional_tail::prepare(const double* p, const cvec& v)
{
    if (v.size() != d_n)
        throw_param(
            "v", list_str(v.size(), "entry", "entries"), std::to_string(d_n) + " (n_rx)");
    std::vector<int> act;
    for (int q = 0; q < d_P; ++q)
        if (p[q] > 1e-12)
            act.push_back(q);
    const int P = int(act.size());
    const bool steady = d_clutter == clutter_model::fixed;
    const int kind = !steady ? 0 : !act.empty() && act[0] == 0 ? 2 : 1;
    // fixed clutter: phase points per cell of the target's power (one cell under
    // H0), fewer per cell when the target's cells add their own
    const int Pc = P - (kind == 2);
    const int Mf = (Pc <= 1   ? 128
                    : Pc == 2 ? 512
                    : Pc == 3 ? 1024
                              : 2048) /
                   (kind == 2 ? 8 : 1);
    const int M = d_qmc > 0 ? d_qmc
                  : steady  ? std::max(Mf, 16)
                  : P <= 1  ? 4
                  : P == 2  ? 8
                  : P == 3  ? 16
                            : 32;
    const node_set& ns = nodes_for(P, d_cell, P == 0 ? 1 : M, kind);
    const size_t K = ns.w.size();
    d_w.resize(K);
    d_m1.resize(K);
    d_m2.resize(K);
    d_s1.resize(K);
    d_s2.resize(K);

    Eigen::MatrixXcf Ga(d_n, std::max(P, 1));
    std::vector<float> amp(P);
    for (int q = 0; q < P; ++q) {
        Ga.col(q) = d_gf.col(act[q]);
        amp[q] = float(std::sqrt(p[act[q]]));
    }
    const Eigen::RowVectorXf a = v.real().cast<float>().transpose(),
                             b = v.imag().cast<float>().transpose();
    const Eigen::RowVectorXf A2 = a.cwiseProduct(a), B2 = b.cwiseProduct(b),
                             C2 = a.cwiseProduct(b);
    constexpr int batch = 128;
    Eigen::MatrixXcf Ab(std::max(P, 1), batch), Mb;
    Eigen::ArrayXXf Er, Ei, Vr, Vi;
    d_mean2 = d_cov = 0.0;
    for (size_t k0 = 0; k0 < K; k0 += batch) {
        const int B = int(std::min<size_t>(batch, K - k0));
        if (P > 0) {
            for (int j = 0; j < B; ++j)
                for (int q = 0; q < P; ++q)
                    Ab(q, j) = amp[q] * ns.xi[(k0 + j) * P + q];
            Mb.noalias() = Ga * Ab.leftCols(B);
            // contiguous copies: erf() on the strided real()/imag() views of a complex
            // matrix is not vectorised
            Er = Mb.real();
            Ei = Mb.imag();
            Er = Er.erf();
            Ei = Ei.erf();
        } else {
            Er.setZero(d_n, B);
            Ei.setZero(d_n, B);
        }
        Vr = 1.0f - Er.square();
        Vi = 1.0f - Ei.square();
        // z = sum conj(v_n) (P_n + j Q_n): Re z = a P + b Q, Im z = a Q - b P
        const Eigen::RowVectorXf mr = a * Er.matrix() + b * Ei.matrix(),
                                 mi = a * Ei.matrix() - b * Er.matrix(),
                                 cxx = A2 * Vr.matrix() + B2 * Vi.matrix(),
                                 cyy = A2 * Vi.matrix() + B2 * Vr.matrix(),
                                 cxy = C2 * (Vi - Vr).matrix();
        for (int j = 0; j < B; ++j) {
            const size_t k = k0 + j;
            const double xx = cxx[j], yy = cyy[j], xy = cxy[j];
            const double h = 0.5 * (xx + yy), dlt = std::hypot(0.5 * (xx - yy), xy);
            const double th = 0.5 * std::atan2(2.0 * xy, xx - yy);
            const double c = std::cos(th), s = std::sin(th);
            d_w[k] = ns.w[k];
            d_m1[k] = mr[j] * c + mi[j] * s;
            d_m2[k] = -mr[j] * s + mi[j] * c;
            d_s1[k] = std::sqrt(std::max(h + dlt, 0.0));
            d_s2[k] = std::sqrt(std::max(h - dlt, 0.0));
            d_mean2 += ns.w[k] * (double(mr[j]) * mr[j] + double(mi[j]) * mi[j]);
            d_cov += ns.w[k] * (xx + yy);
        }
    }
}

double conditional_tail::tail(double k2, int cpi_len) const
{
    // a CPI of L snapshots with the same x: Z | a = L mu + sqrt(L) w, so
    // P(|Z|^2 > k2) = P(|sqrt(L) mu + w|^2 > k2 / L)
    const double ms = std::sqrt(double(cpi_len));
    const double k = std::sqrt(std::max(k2, 0.0) / cpi_len);
    double tot = 0.0;
    for (size_t i = 0; i < d_w.size(); ++i) {
        const double m1 = ms * d_m1[i], m2 = ms * d_m2[i], s1 = std::max(d_s1[i], 1e-300);
        const double R = std::hypot(m1, m2);
        // |w| > 6.5 s1 has probability < 1e-9: the node is surely inside or outside
        if (R + 6.5 * s1 <= k)
            continue;
        if (R - 6.5 * s1 >= k) {
            tot += d_w[i];
            continue;
        }
        tot += d_w[i] * exterior_probability(m1, m2, s1, d_s2[i], k);
    }
    return std::min(1.0, tot);
}

double conditional_tail::threshold2(double pfa, int cpi_len) const
{
    if (!(pfa > 0.0 && pfa < 1.0))
        throw_param("pfa", std::to_string(pfa), "(0, 1)");
    check_int_range("cpi_len", cpi_len, 1, 1 << 24);
    const double target = std::log(pfa);
    auto f = [&](double k2) {
        return std::log(std::max(tail(k2, cpi_len), 1e-300)) - target;
    };
    // log tail is close to linear in k2 (exponential tails): secant from the Gaussian
    // guess, safeguarded by bisection once a bracket is known
    double x0 = -variance(cpi_len) * target, f0 = f(x0);
    double x1 = f0 > 0 ? 1.25 * x0 : 0.8 * x0, f1 = f(x1);
    double lo = 0, hi = 0; // bracket: f(lo) > 0 > f(hi)
    bool has_lo = false, has_hi = false;
    auto note = [&](double x, double fx) {
        if (fx > 0 && (!has_lo || x > lo)) {
            lo = x;
            has_lo = true;
        }
        if (fx <= 0 && (!has_hi || x < hi)) {
            hi = x;
            has_hi = true;
        }
    };
    note(x0, f0);
    note(x1, f1);
    for (int it = 0; it < 50; ++it) {
        // a flat log tail (both points beyond the largest |Z| the nodes reach, where
        // the tail is 0 to the floor above, or both where it is 1) carries no slope:
        // step towards the root (f < 0: the tail is too small, so k2 is too large)
        double x2 = f1 != f0 ? x1 - f1 * (x1 - x0) / (f1 - f0)
                    : f1 < 0 ? 0.5 * x1
                             : 2.0 * x1;
        if (!(x2 > 0.5 * x1 && x2 < 2.0 * x1))
            x2 = x2 <= 0.5 * x1 ? 0.5 * x1 : 2.0 * x1;
        if (has_lo && has_hi && !(x2 > lo && x2 < hi))
            x2 = 0.5 * (lo + hi);
        if (std::abs(x2 - x1) < 1e-4 * x1)
            return x2;
        x0 = x1;
        f0 = f1;
        x1 = x2;
        f1 = f(x1);
        note(x1, f1);
        if (has_lo && has_hi && hi - lo < 1e-4 * hi)
            return 0.5 * (lo + hi);
    }
    return x1;
}

// ---------------------------------------------------------------- threshold table

namespace {
// grid per number of tabulated clutter patches: intervals of the fine grid in u,
// and every how many fine nodes the (expensive) tail shape is computed, for one
// snapshot and for a coherent CPI (whose shape bends more: with every 3rd node its
// cubic interpolation was 5 % off at per-antenna CNR +9 dB, with every 2nd 2 %)
struct grid_spec {
    int intervals, coarse_step, coarse_step_cpi;
};
constexpr grid_spec grid_specs[5] = {
    { 0, 1, 1 }, { 33, 1, 1 }, { 33, 3, 2 }, { 16, 4, 4 }, { 8, 4, 4 }
};

// Runs f(i) for i in [0, n) on up to `threads` threads (each with its own state).
template <class F>
void parallel_for(int n, int threads, F make_worker)
{
    std::atomic<int> next{ 0 };
    auto run = [&]() {
        auto work = make_worker();
        for (int i = next++; i < n; i = next++)
            work(i);
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < std::min(threads, n); ++t)
        pool.emplace_back(run);
    run();
    for (auto& t : pool)
        t.join();
}
} // namespace

threshold_table::threshold_table(
    const radar_scene& scene, double pfa, int threads, int cpi_len, clutter_model clutter)
    : d_scene(scene), d_st(scene), d_pfa(pfa), d_cpi(cpi_len), d_clutter(clutter)
{
    if (!(pfa > 0.0 && pfa < 1.0))
        throw_param("pfa", std::to_string(pfa), "(0, 1)");
    check_int_range("cpi_len", cpi_len, 1, 1 << 24);
    for (int q = 0; q < scene.n_clutter(); ++q)
        if (scene.cnr()[q] > 0.0)
            d_dims.push_back(q);
    const int Qt = int(d_dims.size());
    if (Qt > 4)
        return; // factors() evaluates per snapshot
    if (threads <= 0)
        threads = int(std::min(4u, std::max(1u, std::thread::hardware_concurrency())));
    d_tabulated = true;
    const bool cpi = cpi_len > 1;
    grid_spec g = grid_specs[Qt];
    if (cpi)
        g.coarse_step = g.coarse_step_cpi;
    d_nf = g.intervals + 1;
    d_du = Qt ? u_max / g.intervals : 0.0;
    size_t nfine = 1;
    for (int d = 0; d < Qt; ++d)
        nfine *= d_nf;
    const int nc = Qt ? g.intervals / g.coarse_step + 1 : 1;
    size_t ncoarse = 1;
    for (int d = 0; d < Qt; ++d)
        ncoarse *= nc;
    const int Q = scene.n_clutter(), N = scene.n_rx();
    // clutter powers at a grid node (index digits in base `base`, step in fine nodes)
    auto node_p = [&](size_t idx, int base, int step, std::vector<double>& p) {
        p.assign(Q, 0.0);
        for (int d = Qt - 1; d >= 0; --d) {
            const int i = int(idx % base) * step;
            idx /= base;
            p[d_dims[d]] = N * p_ref * std::expm1(i * d_du);
        }
    };
    d_vr.resize(nfine);
    d_kr.resize(nfine);
    std::vector<double> vc(cpi ? nfine : 0);
    parallel_for(int(nfine), threads, [&]() {
        return [&, p = std::vector<double>(), v = cvec()](int i) mutable {
            node_p(size_t(i), d_nf, 1, p);
            double vr, vt1, wr;
            var_ratio_at(p.data(), vr, vt1, v, cpi ? &wr : nullptr);
            d_vr[i] = float(vr);
            if (cpi) // (V + (L-1) W) / var_T1: the coherent CPI's variance over L var_T1
                vc[i] = vr + (cpi_len - 1) * wr;
        };
    });
    std::vector<double> shape_c(ncoarse), shape_cpi(cpi ? ncoarse : 0);
    parallel_for(int(ncoarse), threads, [&]() {
        return [&, p = std::vector<double>()](int i) mutable {
            node_p(size_t(i), nc, g.coarse_step, p);
            double sc;
            shape_c[i] = shapes(p.data(), cpi ? &sc : nullptr);
            if (cpi)
                shape_cpi[i] = sc;
        };
    });
    // shapes on the fine grid: Catmull-Rom (cubic) interpolation of the coarse ones;
    // the coherent-CPI shape bends too much between coarse nodes for a linear one
    auto interp = [&](const std::vector<double>& coarse, size_t i) {
        std::vector<int> digit(Qt);
        for (int d = Qt - 1; d >= 0; --d) {
            digit[d] = int(i % d_nf);
            i /= d_nf;
        }
        std::vector<std::array<double, 4>> wts(Qt);
        std::vector<int> base(Qt);
        for (int d = 0; d < Qt; ++d) {
            const int c0 = std::min(digit[d] / g.coarse_step, std::max(nc - 2, 0));
            const double t =
                nc > 1 ? double(digit[d] - c0 * g.coarse_step) / g.coarse_step : 0.0;
            base[d] = c0 - 1;
            wts[d] = { 0.5 * (-t + 2 * t * t - t * t * t),
                       0.5 * (2 - 5 * t * t + 3 * t * t * t),
                       0.5 * (t + 4 * t * t - 3 * t * t * t),
                       0.5 * (-t * t + t * t * t) };
        }
        double s = 0.0;
        for (int corner = 0; corner < (1 << (2 * Qt)); ++corner) {
            double w = 1.0;
            size_t ci = 0;
            for (int d = 0; d < Qt; ++d) {
                const int o = (corner >> (2 * d)) & 3;
                w *= wts[d][o];
                const int c = std::min(std::max(base[d] + o, 0), nc - 1); // clamped ends
                ci = ci * nc + c;
            }
            if (w != 0.0)
                s += w * coarse[ci];
        }
        return s;
    };
    if (cpi) {
        d_kc.resize(nfine);
        d_sc.resize(nfine);
    }
    std::vector<double> p;
    for (size_t i = 0; i < nfine; ++i) {
        node_p(i, d_nf, 1, p);
        d_kr[i] = float(d_vr[i] * calibrated(interp(shape_c, i), p.data()));
        if (cpi) {
            d_sc[i] = float(interp(shape_cpi, i));
            d_kc[i] = float(vc[i] * d_sc[i]);
        }
    }
}

void threshold_table::var_ratio_at(
    const double* pc, double& vr, double& vt1, cvec& v, double* wr) const
{
    const int P = d_scene.n_clutter() + 1;
    std::vector<double> p(P, 0.0);
    std::copy(pc, pc + P - 1, p.begin() + 1);
    const cvec alpha = filter_coefficients(d_scene, p.data(), adc_model::one_bit, &vt1);
    vr = d_st.variance(p.data(), alpha.data()) / vt1;
    if (wr)
        *wr = d_st.variance(p.data(), alpha.data(), nullptr, false) / vt1;
    v = d_scene.gr() * alpha;
}

double threshold_table::shapes(const double* pc, double* shape_cpi) const
{
    const int P = d_scene.n_clutter() + 1;
    std::vector<double> p(P, 0.0);
    std::copy(pc, pc + P - 1, p.begin() + 1);
    double vt1;
    const cvec alpha = filter_coefficients(d_scene, p.data(), adc_model::one_bit, &vt1);
    conditional_tail ct(d_scene, 0.25, 0, d_clutter);
    ct.prepare(p.data(), d_scene.gr() * alpha);
    const double nl = -std::log(d_pfa);
    // The table multiplies the shapes by the arcsine-law variances. Under Swerling I
    // those are the model's own (up to quadrature error); static clutter has other
    // second moments, so its shape is taken against the arcsine variance and the
    // product is the model's kappa^2 itself.
    double v1 = ct.variance(), vc = ct.variance(d_cpi);
    if (d_clutter == clutter_model::fixed) {
        v1 = d_st.variance(p.data(), alpha.data());
        vc = d_cpi * v1;
        if (shape_cpi && d_cpi > 1)
            vc += d_cpi * (d_cpi - 1.0) *
                  d_st.variance(p.data(), alpha.data(), nullptr, false);
    }
    if (shape_cpi)
        *shape_cpi = ct.threshold2(d_pfa, d_cpi) / (nl * vc);
    return ct.threshold2(d_pfa) / (nl * v1);
}

double threshold_table::shape(const double* p) const { return shapes(p, nullptr); }

double threshold_table::calibrated(double s, const double* pc) const
{
    double tot = 0.0;
    for (int q = 0; q < d_scene.n_clutter(); ++q)
        tot += pc[q];
    const double cnr_pa = tot / d_scene.n_rx();
    return s * calibration_factor(
                   d_scene.n_rx(), d_pfa, 10.0 * std::log10(std::max(cnr_pa, 1e-30)));
}

void threshold_table::exact_factors(const double* p,
                                    double& kappa_ratio,
                                    double& var_ratio) const
{
    double vt1;
    cvec v;
    var_ratio_at(p, var_ratio, vt1, v);
    kappa_ratio = var_ratio * calibrated(shape(p), p);
}

double threshold_table::exact_coherent_factor(const double* p) const
{
    double vt1, vr, wr, sc;
    cvec v;
    var_ratio_at(p, vr, vt1, v, &wr);
    shapes(p, &sc);
    return (vr + (d_cpi - 1) * wr) * sc;
}

namespace {
// Multilinear interpolation in the cell locate() found: f(weight, flat table index)
// for each of its 2^Qt corners, the tables being nf points a side, row-major.
template <class F>
void for_each_corner(int Qt, int nf, const int* i0, const double* fr, F&& f)
{
    for (int corner = 0; corner < (1 << Qt); ++corner) {
        double w = 1.0;
        size_t idx = 0;
        for (int d = 0; d < Qt; ++d) {
            const int bit = (corner >> d) & 1;
            w *= bit ? fr[d] : 1.0 - fr[d];
            idx = idx * nf + i0[d] + bit;
        }
        f(w, idx);
    }
}
} // namespace

void threshold_table::locate(const double* p, int* i0, double* fr) const
{
    for (size_t d = 0; d < d_dims.size(); ++d) {
        const double u =
            std::log1p(std::max(p[d_dims[d]], 0.0) / (d_scene.n_rx() * p_ref));
        const double x = std::min(u, u_max) / d_du;
        int i = int(x);
        if (i >= d_nf - 1)
            i = d_nf - 2;
        i0[d] = i;
        fr[d] = x - i;
    }
}

void threshold_table::factors(const double* p,
                              double& kappa_ratio,
                              double& var_ratio,
                              double* coherent,
                              double* coherent_shape) const
{
    if (coherent_shape)
        *coherent_shape = 1.0; // untabulated: Gaussian tails
    if (!d_tabulated) {
        double vt1;
        cvec v;
        var_ratio_at(p, var_ratio, vt1, v);
        kappa_ratio = var_ratio * calibrated(1.0, p);
        if (coherent)
            *coherent = coherent_factor(p);
        return;
    }
    const int Qt = int(d_dims.size());
    int i0[4];
    double fr[4];
    locate(p, i0, fr);
    const bool cpi = coherent && d_cpi > 1;
    double k = 0.0, vr = 0.0, kc = 0.0, sc = 0.0;
    for_each_corner(Qt, d_nf, i0, fr, [&](double w, size_t idx) {
        k += w * d_kr[idx];
        vr += w * d_vr[idx];
        if (cpi) {
            kc += w * d_kc[idx];
            sc += w * d_sc[idx];
        }
    });
    kappa_ratio = k;
    var_ratio = vr;
    if (coherent)
        *coherent = cpi ? kc : k;
    if (coherent_shape && cpi)
        *coherent_shape = sc;
}

double threshold_table::coherent_factor(const double* p) const
{
    if (d_cpi == 1) {
        double k, v;
        factors(p, k, v);
        return k;
    }
    if (!d_tabulated) {
        double vt1, vr, wr;
        cvec v;
        var_ratio_at(p, vr, vt1, v, &wr);
        return vr + (d_cpi - 1) * wr;
    }
    const int Qt = int(d_dims.size());
    int i0[4];
    double fr[4];
    locate(p, i0, fr);
    double k = 0.0;
    for_each_corner(Qt, d_nf, i0, fr, [&](double w, size_t idx) { k += w * d_kc[idx]; });
    return k;
}

std::shared_ptr<const threshold_table> cached_threshold_table(const radar_scene& scene,
                                                              double pfa,
                                                              int cpi_len,
                                                              clutter_model clutter)
{
    // The table depends on N_R, the angles (through g_R), the CNRs, Pfa and L only.
    std::string key;
    auto put = [&](double v) { key.append(reinterpret_cast<const char*>(&v), sizeof v); };
    put(scene.n_rx());
    put(pfa);
    put(cpi_len);
    put(double(int(clutter)));
    for (int q = 0; q <= scene.n_clutter(); ++q) {
        put(scene.gr()(std::min(1, scene.n_rx() - 1), q).real());
        put(scene.gr()(std::min(1, scene.n_rx() - 1), q).imag());
    }
    for (double c : scene.cnr())
        put(c);
    static std::mutex mtx;
    static std::list<std::pair<std::string, std::shared_ptr<const threshold_table>>> lru;
    {
        std::lock_guard<std::mutex> lock(mtx);
        for (auto it = lru.begin(); it != lru.end(); ++it)
            if (it->first == key) {
                lru.splice(lru.begin(), lru, it);
                return it->second;
            }
    }
    // built outside the lock: two threads may build the same table once each
    auto t = std::make_shared<const threshold_table>(scene, pfa, 0, cpi_len, clutter);
    std::lock_guard<std::mutex> lock(mtx);
    lru.emplace_front(key, t);
    while (lru.size() > 8)
        lru.pop_back();
    return t;
}

double predicted_pd(const radar_scene& scene, const threshold_table& table, const cvec& c)
{
    std::vector<double> p;
    patch_powers(scene, c, p);
    double vt1;
    const cvec alpha = filter_coefficients(scene, p.data(), adc_model::one_bit, &vt1);
    double kr, vr;
    table.factors(p.data() + 1, kr, vr);
    const double k2 = -std::log(table.pfa()) * vt1 * kr;
    conditional_tail ct(scene, 0.25, 0, table.clutter());
    ct.prepare(p.data(), scene.gr() * alpha);
    return ct.tail(k2);
}

one_bit_pfa_reach
pfa_reach(adc_model adc, int n_rx, int cpi_len, double pfa, double max_cnr_db)
{
    one_bit_pfa_reach r;
    if (adc != adc_model::one_bit)
        return r;
    const long long n = (long long)n_rx * cpi_len;
    // beyond 4^-500 the class count dwarfs any Pfa a double holds
    r.min_pfa = n > 500 ? 0.0 : std::ldexp(1.0, int(2 * (1 - n)));
    r.classes_above = n > 500 ? HUGE_VAL : pfa * std::ldexp(1.0, int(2 * (n - 1)));
    std::ostringstream o;
    o << "n_rx * cpi_len = " << n_rx << " * " << cpi_len << " = " << n
      << " complex 1-bit samples per decision";
    if (n == 1) {
        r.reachable = false;
        o << " cannot hold pfa = " << pfa << " (adc = \"1bit\"): |z| = sqrt(2)|u| "
          << "whatever the echo, so the statistic cannot detect anything at any pfa; "
          << "use n_rx * cpi_len >= 2";
    } else if (pfa < r.min_pfa) {
        r.reachable = false;
        const long long n_min = std::max(
            2LL, (long long)std::ceil(1.0 - std::log(pfa) / std::log(4.0) - 1e-12));
        o << " cannot hold pfa = " << pfa << " (adc = \"1bit\"): |Z| takes at most 4^"
          << (n - 1) << " values, equally likely where the clutter is dark, so no "
          << "threshold gives a Pfa between 0 and 4^(1 - n) = " << r.min_pfa
          << "; use pfa >= " << r.min_pfa << " or n_rx * cpi_len >= " << n_min;
    } else if (r.classes_above < 64.0 || (cpi_len == 1 && n_rx < 8) || n_rx == 1 ||
               (cpi_len > 1 && max_cnr_db >= strong_clutter_db)) {
        r.coarse = true;
        if (r.classes_above >= 64.0 && n_rx > 1 && cpi_len > 1) {
            // the CPI variance is right there (Monte-Carlo E|Z|^2 / V within 2 %); with
            // the sign-noise variance held at its mean the excess goes: a scale mixture
            std::ostringstream c;
            c << "strongest clutter patch cnr_db = " << std::fixed << std::setprecision(1)
              << max_cnr_db << " dB >= " << strong_clutter_db
              << " dB (Swerling-I clutter, exact threshold, threshold_scale = 1) with "
              << "cpi_len = " << cpi_len << " > 1 (n_rx = " << n_rx
              << "): pfa = " << std::defaultfloat << pfa
              << " is held only roughly; the clutter draw, "
              << "common to the CPI, sets every snapshot's sign-noise variance, and the "
              << "CPI threshold's tail model leaves that out (a factor on the Pfa that "
              << "depends on the scene, docs/one_bit_rx_filter.md); calibrate "
              << "threshold_scale on target-free data "
              << "(rx_calibration.threshold_scale_from_data)";
            r.reason = c.str();
            return r;
        }
        o << " hold pfa = " << pfa << " only roughly: ";
        if (r.classes_above < 64.0)
            o << "the requested tail holds " << r.classes_above << " of the 4^" << (n - 1)
              << " equally likely noise-only value classes of |Z|, so the Pfa moves in "
              << "steps of about " << r.min_pfa;
        else if (n_rx == 1)
            // its Pfa with lit clutter: docs/one_bit_rx_filter.md, "Known limits"
            o << "one antenna cannot filter the clutter, and the CPI's tail model "
              << "misses its quantisation distortion, which repeats over the CPI";
        else
            o << "one snapshot of fewer than 8 antennas is outside the tail model's "
              << "calibration (n_rx 8..128)";
        o << "; more antennas or a longer CPI refine it";
    }
    if (!r.reachable || r.coarse)
        r.reason = o.str();
    return r;
}

} // namespace core
} // namespace isac
} // namespace gr
