/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Constructive-interference safe margin of the 1-bit ISAC paper (Theorem 2, eq. (34)):
 *
 *   z_u = e^{-j angle(s_u)} h_u^H x,   h_u^H = row u of H  (y = H x + n),
 *   alpha_u = Re z_u - cot(pi/M) |Im z_u| = min{ Re(kappa_1 z_u), Re(kappa_2 z_u) },
 *   kappa_{1,2} = 1 +- j cot(pi/M).
 *
 * Stacked complex constraint A x (2U x N_T): rows 2u and 2u+1 are
 * kappa_1 hbar_u^H and kappa_2 hbar_u^H with hbar_u^H = e^{-j angle(s_u)} h_u^H.
 * Real form on xtilde = [Re x; Im x]: Re{A x} = Atilde xtilde with
 * Atilde = [Re A, -Im A] (2U x 2N_T; the paper's 4U-row form is a typo).
 *
 * Theorem 2 (eq. 20), valid for any x:
 *   Psi(sqrt(2) sin(pi/M) alpha/sigma_C) <= SEP <= 2 Psi(sqrt(2) sin(pi/M)
 * alpha/sigma_C).
 */
#ifndef INCLUDED_ISAC_CORE_SAFE_MARGIN_H
#define INCLUDED_ISAC_CORE_SAFE_MARGIN_H

#include <gnuradio/isac/core/types.h>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

namespace gr {
namespace isac {
namespace core {

//! cot(pi/M) for M >= 2 (0 for BPSK: its decision boundary is Re z = 0).
double psk_cot(int M);

//! M-PSK point e^{j 2 pi k / M}.
cdouble psk_point(int M, int k);

namespace detail {
// GCC/Clang vectors of two doubles (SSE2 on x86-64, NEON on aarch64)
typedef double v2df __attribute__((vector_size(16)));
typedef long long v2di __attribute__((vector_size(16)));

inline v2df select(v2di m, v2df p, v2df q)
{
    return (v2df)(((v2di)p & m) | ((v2di)q & ~m));
}

/*!
 * fast_atan2 of two pairs at once, its octant folds as masks (random symbols would
 * mispredict branches). ok marks the lanes it is valid for (0 < max(|x|, |y|) <=
 * DBL_MAX); the others need std::atan2.
 */
inline v2df fast_atan2_v(v2df y, v2df x, v2di& ok)
{
    const v2di sign = { (long long)0x8000000000000000ull,
                        (long long)0x8000000000000000ull };
    const v2df zero = { 0.0, 0.0 }, one = { 1.0, 1.0 };
    const v2df huge = { 1.7976931348623157e308, 1.7976931348623157e308 };
    const v2df ax = (v2df)((v2di)x & ~sign), ay = (v2df)((v2di)y & ~sign);
    const v2di m = ax > ay;
    const v2df mx = select(m, ax, ay), mn = select(m, ay, ax);
    ok = (mx > zero) & (mx <= huge);
    const v2df t = mn / select(ok, mx, one), t2 = t * t;
    v2df p = { 0.0028662257, 0.0028662257 };
    p = p * t2 - 0.0161657367;
    p = p * t2 + 0.0429096138;
    p = p * t2 - 0.0752896400;
    p = p * t2 + 0.1065626393;
    p = p * t2 - 0.1420889944;
    p = p * t2 + 0.1999355085;
    p = p * t2 - 0.3333314528;
    p = (p * t2 + 1.0) * t;
    p = select(ay > ax, 0.5 * pi - p, p);
    p = select(x < zero, pi - p, p);
    return (v2df)(((v2di)p & ~sign) | ((v2di)y & sign));
}
} // namespace detail

/*!
 * atan2(y, x) from a polynomial (Abramowitz and Stegun 4.4.49 on [0, 1]; error below
 * 1.4e-8 rad). Zeros, infinities and NaN go to std::atan2.
 */
inline double fast_atan2(double y, double x)
{
    detail::v2di ok;
    const detail::v2df a =
        detail::fast_atan2_v(detail::v2df{ y, y }, detail::v2df{ x, x }, ok);
    return ok[0] ? a[0] : std::atan2(y, x);
}

/*!
 * a[i] = fast_atan2(y[i], x[i]), i < n, bit for bit, two at a time without branches
 * (random symbols mispredict the scalar version's octant folds).
 */
void fast_atan2_n(const double* y, const double* x, double* a, size_t n);

/*!
 * The M-PSK decision of the symbol x + j y: k = lround(a M / (2 pi))
 * (not reduced mod M) for the angle a = atan2(y, x), and a. Equal to std::atan2 +
 * std::lround: symbols within the polynomial's error of a decision boundary take
 * std::atan2. a is fast_atan2's (error below 1.4e-8 rad) elsewhere.
 */
inline long psk_round(double y, double x, int M, double& a)
{
    a = fast_atan2(y, x);
    // a product, not a division: t moves by an ulp at most, far inside the band
    // below, where std::atan2 decides
    const double t = a * (M * (0.5 / pi));
    // round to nearest by adding and removing 1.5 2^52 (|t| <= M / 2): no branch on
    // the random side of the rounding. |t - round(t)| = 0.5 - |frac(t) - 0.5|, and
    // |t error| <= M / (2 pi) 1.4e-8 < 2.3e-9 M: near a tie std::atan2 decides.
    const double big = 6755399441055744.0;
    const double r = (t + big) - big;
    if (!(0.5 - std::abs(t - r) > 1e-8 * M + 1e-9)) { // also NaN
        a = std::atan2(y, x);
        return std::lround(a * M / (2.0 * pi));
    }
    return long(r);
}

/*!
 * Index k of the M-PSK point nearest to s. NaN/Inf symbols map to k = 0 and
 * set *bad; a finite symbol farther than sin(pi/M) (half the minimum distance
 * between points) from every point sets *far. Either pointer may be null.
 */
int psk_index(cdouble s, int M, bool* bad = nullptr, bool* far = nullptr);

/*!
 * Bit errors between M-PSK indices a and b under the Gray labelling k ^ (k >> 1)
 * (psk_ser_meter and user_receiver count BER with it).
 */
inline int gray_bit_errors(int a, int b)
{
    return __builtin_popcount(unsigned((a ^ (a >> 1)) ^ (b ^ (b >> 1))));
}

/*!
 * Bit error rate of `bit_errors` Gray bit errors in `symbols` M-PSK symbols; 0
 * before any symbol. NaN when M is not a power of two: its indices carry no
 * whole number of bits, and a BER of 0 would read as "no errors".
 */
inline double gray_ber(uint64_t bit_errors, uint64_t symbols, int M)
{
    if (M < 2 || (M & (M - 1)) != 0)
        return std::numeric_limits<double>::quiet_NaN();
    if (symbols == 0)
        return 0.0;
    return double(bit_errors) / (double(symbols) * double(__builtin_ctz(unsigned(M))));
}

/*!
 * psk_index for streams whose symbols repeat bit for bit (a symbol source's exact
 * constellation points): a direct-mapped cache on the float pair's bits, filled by
 * psk_index, so a hit returns exactly what psk_index returns. Non-finite symbols
 * are not cached (*bad is set, k = 0, as psk_index does).
 */
class psk_index_cache
{
public:
    explicit psk_index_cache(int M) : d_M(M) {}
    int M() const { return d_M; }
    int operator()(const cfloat& s, bool* bad = nullptr, bool* far = nullptr)
    {
        uint64_t bits;
        std::memcpy(&bits, &s, sizeof(bits));
        entry& e = d_e[size_t((bits * 0x9E3779B97F4A7C15ull) >> 56)];
        if (e.valid && e.bits == bits) {
            if (bad)
                *bad = false;
            if (far)
                *far = e.far;
            return e.k;
        }
        bool b = false, f = false;
        const int k = psk_index(cdouble(s), d_M, &b, &f);
        if (bad)
            *bad = b;
        if (far)
            *far = f;
        if (!b)
            e = entry{ bits, k, f, true };
        return k;
    }

private:
    struct entry {
        uint64_t bits = 0;
        int k = 0;
        bool far = false, valid = false;
    };
    int d_M;
    std::array<entry, 256> d_e{};
};

//! Complex constraint matrix A (2U x N_T) of 1-bit ISAC paper Theorem 2 for channel H (U
//! x N_T) and symbols s.
cmat ci_constraint_matrix(const cmat& H, const cvec& s, int M);

//! Real form Atilde = [Re A, -Im A] (2U x 2N_T).
rmat ci_real_constraints(const cmat& A);

//! Safe margins alpha_u of every user (U values) for transmit vector x.
rvec safe_margins(const cmat& H, const cvec& s, int M, const cvec& x);
//! safe_margins into a (its storage kept when the size matches)
void safe_margins_into(const cmat& H, const cvec& s, int M, const cvec& x, rvec& a);

//! QoS threshold lambda = sqrt(Gamma sigma_C^2), Gamma linear.
double safe_margin_threshold(double gamma_linear, double noise_var);

//! Psi(t) = Q(t) = 0.5 erfc(t/sqrt(2)).
double q_function(double t);

//! Theorem-2 bounds (lower, upper) on the symbol error probability of a user with margin
//! alpha.
std::pair<double, double> sep_bounds(double alpha, double noise_var, int M);

//! xtilde = [Re x; Im x] and back.
rvec to_real(const cvec& x);
cvec to_complex(const rvec& xt);

} // namespace core
} // namespace isac
} // namespace gr

#endif
