/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The dense loops of a dual simplex pivot (lib/core/ci_lp.cc) in wider lanes than
 * the x86-64 baseline's SSE2. Internal (no public dispatcher prototype): ci_lp.cc
 * asks lib/core/volk_isac.cc for them and keeps its own loops, the generic code,
 * when the CPU has no machine here or VOLK_GENERIC is set. Every kernel computes
 * bit for bit what those loops compute: the same IEEE operations on each element,
 * sums in the same order, min/max (exact in any order), no FMA contraction (the
 * machine's flags enable none), so an LP takes the same pivots on every machine.
 *
 *   pivot_row:   alpha[i] = sum_k AT[k n + i] rho[k] for i < n (column-major A^T,
 *                summed over k from +0 as Eigen's GEMV does, then + 0.0 as its
 *                alpha-scaled store), returns max |alpha_i| over st[i] >= 0; for a
 *                finite AT (every caller's) the terms of rho[k] = 0 add nothing
 *   ratios:      ratio[j] = |d_j| / |alpha_j| where j is a breakpoint, else +inf;
 *                returns the number of breakpoints (ci_lp.cc, breakpoint_ratios)
 *   next_breakpoint: among the j < N of smallest ratio[j] (no NaN), the one of
 *                largest |alpha_j|, the lowest such index (-1 when none)
 *   update_d:    d[j] -= st[j] >= 0 ? td alpha[j] : +0
 */

#ifndef INCLUDED_ISAC_CORE_VOLK_ISAC_CI_LP_KERNELS_H
#define INCLUDED_ISAC_CORE_VOLK_ISAC_CI_LP_KERNELS_H

#include <cstddef>

#ifdef LV_HAVE_AVX
#include <immintrin.h>

namespace ci_lp_avx_detail {

// lanes where st >= 0 (nonbasic) and where st == 1 (at the upper bound)
static inline __m256d status_ge0(const int* st)
{
    const __m256d s = _mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i*)st));
    return _mm256_cmp_pd(s, _mm256_setzero_pd(), _CMP_GE_OQ);
}

// m ? a : b for masks of all ones or zeros (bit operations: GCC turns
// _mm256_blendv_pd into per-lane branches when the machine lacks AVX2)
static inline __m256d select_pd(__m256d m, __m256d a, __m256d b)
{
    return _mm256_or_pd(_mm256_and_pd(m, a), _mm256_andnot_pd(m, b));
}

static inline __m256d abs_pd(__m256d v)
{
    return _mm256_andnot_pd(_mm256_set1_pd(-0.0), v);
}

} // namespace ci_lp_avx_detail

static inline double ci_lp_pivot_row_avx(
    const double* AT, int n, int m, const double* rho, const int* st, double* alpha)
{
    using namespace ci_lp_avx_detail;
    // Long rows (the pivot row, n = 2 N_T) in blocks of 16 without the terms of the
    // rho_k that are zero: a finite a times +-0 is +-0, and a sum that starts from +0
    // is never -0 (x + -x is +0), so adding +-0 leaves it as it is. A dual simplex's
    // rho, a row of B^-1 (which starts as -I), has ~20% zeros at N_T = 64: the
    // columns of the rows not pivoted on yet. Short rows (B^-1 a_q, n = m) as before.
    const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
    __m256d amax0 = zero, amax1 = zero;
    int i = 0;
    constexpr int max_terms = 64;
    if (n >= 16 && m <= max_terms) {
        const double* cols[max_terms];
        double coef[max_terms];
        int terms = 0;
        for (int k = 0; k < m; ++k) {
            cols[terms] = AT + size_t(k) * size_t(n);
            coef[terms] = rho[k];
            terms += rho[k] != 0.0;
        }
        for (; i + 16 <= n; i += 16) {
            __m256d c0 = zero, c1 = zero, c2 = zero, c3 = zero;
            for (int k = 0; k < terms; ++k) {
                const double* a = cols[k] + i;
                const __m256d b = _mm256_set1_pd(coef[k]);
                c0 = _mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(a), b), c0);
                c1 = _mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(a + 4), b), c1);
                c2 = _mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(a + 8), b), c2);
                c3 = _mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(a + 12), b), c3);
            }
            c0 = _mm256_add_pd(_mm256_mul_pd(c0, one), zero);
            c1 = _mm256_add_pd(_mm256_mul_pd(c1, one), zero);
            c2 = _mm256_add_pd(_mm256_mul_pd(c2, one), zero);
            c3 = _mm256_add_pd(_mm256_mul_pd(c3, one), zero);
            _mm256_storeu_pd(alpha + i, c0);
            _mm256_storeu_pd(alpha + i + 4, c1);
            _mm256_storeu_pd(alpha + i + 8, c2);
            _mm256_storeu_pd(alpha + i + 12, c3);
            amax0 = _mm256_max_pd(amax0, _mm256_and_pd(status_ge0(st + i), abs_pd(c0)));
            amax1 =
                _mm256_max_pd(amax1, _mm256_and_pd(status_ge0(st + i + 4), abs_pd(c1)));
            amax0 =
                _mm256_max_pd(amax0, _mm256_and_pd(status_ge0(st + i + 8), abs_pd(c2)));
            amax1 =
                _mm256_max_pd(amax1, _mm256_and_pd(status_ge0(st + i + 12), abs_pd(c3)));
        }
    }
    for (; i + 8 <= n; i += 8) {
        __m256d c0 = zero, c1 = zero;
        for (int k = 0; k < m; ++k) {
            const double* a = AT + size_t(k) * size_t(n) + i;
            const __m256d b = _mm256_set1_pd(rho[k]);
            c0 = _mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(a), b), c0);
            c1 = _mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(a + 4), b), c1);
        }
        c0 = _mm256_add_pd(_mm256_mul_pd(c0, one), zero);
        c1 = _mm256_add_pd(_mm256_mul_pd(c1, one), zero);
        _mm256_storeu_pd(alpha + i, c0);
        _mm256_storeu_pd(alpha + i + 4, c1);
        amax0 = _mm256_max_pd(amax0, _mm256_and_pd(status_ge0(st + i), abs_pd(c0)));
        amax1 = _mm256_max_pd(amax1, _mm256_and_pd(status_ge0(st + i + 4), abs_pd(c1)));
    }
    if (i + 4 <= n) { // B^-1 products have 2U rows: 12 = 8 + 4
        __m256d c0 = zero;
        for (int k = 0; k < m; ++k)
            c0 = _mm256_add_pd(
                _mm256_mul_pd(_mm256_loadu_pd(AT + size_t(k) * size_t(n) + i),
                              _mm256_set1_pd(rho[k])),
                c0);
        c0 = _mm256_add_pd(_mm256_mul_pd(c0, one), zero);
        _mm256_storeu_pd(alpha + i, c0);
        amax0 = _mm256_max_pd(amax0, _mm256_and_pd(status_ge0(st + i), abs_pd(c0)));
        i += 4;
    }
    amax0 = _mm256_max_pd(amax0, amax1);
    double buf[4];
    _mm256_storeu_pd(buf, amax0);
    double amax = buf[0] > buf[1] ? buf[0] : buf[1];
    amax = amax > buf[2] ? amax : buf[2];
    amax = amax > buf[3] ? amax : buf[3];
    for (; i < n; ++i) {
        double c = 0.0;
        for (int k = 0; k < m; ++k)
            c += AT[size_t(k) * size_t(n) + i] * rho[k];
        alpha[i] = c * 1.0 + 0.0;
        const double a = st[i] >= 0 ? __builtin_fabs(alpha[i]) : 0.0;
        amax = amax > a ? amax : a;
    }
    return amax;
}

static inline size_t ci_lp_ratios_avx(int N,
                                      const double* alpha,
                                      const double* d,
                                      const int* st,
                                      const double* l,
                                      const double* u,
                                      double up_sign,
                                      double atol,
                                      double* ratio)
{
    using namespace ci_lp_avx_detail;
    const __m256d up = _mm256_set1_pd(up_sign), down = _mm256_set1_pd(-up_sign);
    const __m256d tol = _mm256_set1_pd(atol), one = _mm256_set1_pd(1.0);
    const __m256d inf = _mm256_set1_pd(__builtin_inf());
    size_t nbp = 0;
    int j = 0;
    for (; j + 4 <= N; j += 4) {
        const __m256d s = _mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i*)(st + j)));
        const __m256d a = _mm256_loadu_pd(alpha + j);
        const __m256d t =
            _mm256_mul_pd(select_pd(_mm256_cmp_pd(s, one, _CMP_EQ_OQ), up, down), a);
        const __m256d ok =
            _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(s, _mm256_setzero_pd(), _CMP_GE_OQ),
                                        _mm256_cmp_pd(_mm256_loadu_pd(l + j),
                                                      _mm256_loadu_pd(u + j),
                                                      _CMP_NEQ_UQ)),
                          _mm256_cmp_pd(t, tol, _CMP_GT_OQ));
        const __m256d q = _mm256_div_pd(abs_pd(_mm256_loadu_pd(d + j)), abs_pd(a));
        _mm256_storeu_pd(ratio + j, select_pd(ok, q, inf));
        const int mask = _mm256_movemask_pd(ok);
        nbp += size_t((mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1) + (mask >> 3));
    }
    for (; j < N; ++j) {
        const double a = alpha[j];
        const double t = (st[j] == 1 ? up_sign : -up_sign) * a;
        const bool ok = (st[j] >= 0) & (l[j] != u[j]) & (t > atol);
        ratio[j] = ok ? __builtin_fabs(d[j]) / __builtin_fabs(a) : __builtin_inf();
        nbp += ok;
    }
    return nbp;
}

static inline int
ci_lp_next_breakpoint_avx(const double* ratio, const double* alpha, int N)
{
    __m256d m0 = _mm256_set1_pd(__builtin_inf()), m1 = m0;
    int j = 0;
    for (; j + 8 <= N; j += 8) {
        m0 = _mm256_min_pd(m0, _mm256_loadu_pd(ratio + j));
        m1 = _mm256_min_pd(m1, _mm256_loadu_pd(ratio + j + 4));
    }
    m0 = _mm256_min_pd(m0, m1);
    double buf[4];
    _mm256_storeu_pd(buf, m0);
    double fr = buf[0] < buf[1] ? buf[0] : buf[1];
    fr = fr < buf[2] ? fr : buf[2];
    fr = fr < buf[3] ? fr : buf[3];
    for (; j < N; ++j)
        fr = ratio[j] < fr ? ratio[j] : fr;
    // the entries equal to the minimum, in index order
    const __m256d x = _mm256_set1_pd(fr);
    int best = -1;
    double fa = -1.0;
    for (j = 0; j + 4 <= N; j += 4) {
        unsigned mask = unsigned(
            _mm256_movemask_pd(_mm256_cmp_pd(_mm256_loadu_pd(ratio + j), x, _CMP_EQ_OQ)));
        while (mask) {
            const int k = j + __builtin_ctz(mask);
            mask &= mask - 1;
            if (__builtin_fabs(alpha[k]) > fa) {
                fa = __builtin_fabs(alpha[k]);
                best = k;
            }
        }
    }
    for (; j < N; ++j)
        if (ratio[j] == fr && __builtin_fabs(alpha[j]) > fa) {
            fa = __builtin_fabs(alpha[j]);
            best = j;
        }
    return best;
}

static inline void
ci_lp_update_d_avx(int N, double td, const double* alpha, const int* st, double* d)
{
    using namespace ci_lp_avx_detail;
    const __m256d t = _mm256_set1_pd(td);
    int j = 0;
    for (; j + 4 <= N; j += 4) {
        const __m256d step = _mm256_and_pd(status_ge0(st + j),
                                           _mm256_mul_pd(t, _mm256_loadu_pd(alpha + j)));
        _mm256_storeu_pd(d + j, _mm256_sub_pd(_mm256_loadu_pd(d + j), step));
    }
    for (; j < N; ++j)
        d[j] -= st[j] >= 0 ? td * alpha[j] : 0.0;
}

#endif /* LV_HAVE_AVX */

#endif
