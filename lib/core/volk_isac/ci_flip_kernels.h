/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pair repair's scan of the flip search (lib/core/ci_flip_search.cc) in wider
 * lanes than the x86-64 baseline's SSE2. Internal, as ci_lp_kernels.h: the flip
 * search asks lib/core/volk_isac.cc for it and keeps its own loop, the generic
 * code, when the CPU has no machine here or VOLK_GENERIC is set. It computes bit
 * for bit what that loop computes (the same IEEE operations on each element, the
 * rows summed in order, no FMA), so a repair picks the same pair on every machine.
 *
 *   pair_violation: for k < n, v2[k] = +0 - s_0k - s_1k - ... over the rows i < m
 *                   (in order) with r[i] + dmin[i] < -tol, where
 *                   s_ik = r[i] + D[i n + k] if that is < -tol, else +0
 *                   (D row-major m x n: the flip changes transposed); returns
 *                   min_k v2[k] (+inf when n = 0)
 */

#ifndef INCLUDED_ISAC_CORE_VOLK_ISAC_CI_FLIP_KERNELS_H
#define INCLUDED_ISAC_CORE_VOLK_ISAC_CI_FLIP_KERNELS_H

#include <cstddef>

#ifdef LV_HAVE_AVX
#include <immintrin.h>

static inline double ci_flip_pair_violation_avx(int n,
                                                int m,
                                                const double* D,
                                                const double* r,
                                                const double* dmin,
                                                double tol,
                                                double* v2)
{
    const double ntol = -tol;
    // the rows some partner can break (at most the 2U + 1 rows of a CI search)
    constexpr int max_rows = 64;
    int rows[max_rows];
    int nr = 0;
    for (int i = 0; i < m; ++i)
        if (r[i] + dmin[i] < ntol) {
            if (nr == max_rows) { // never in the CI searches: the plain loop
                for (int k = 0; k < n; ++k) {
                    double v = +0.0;
                    for (int l = 0; l < m; ++l) {
                        if (!(r[l] + dmin[l] < ntol))
                            continue;
                        const double s = r[l] + D[size_t(l) * size_t(n) + k];
                        v -= s < ntol ? s : +0.0;
                    }
                    v2[k] = v;
                }
                double vmin = __builtin_inf();
                for (int k = 0; k < n; ++k)
                    vmin = v2[k] < vmin ? v2[k] : vmin;
                return vmin;
            }
            rows[nr++] = i;
        }
    const __m256d t = _mm256_set1_pd(ntol);
    __m256d amin = _mm256_set1_pd(__builtin_inf());
    int k = 0;
    // 16 lanes in registers over all the rows
    for (; k + 16 <= n; k += 16) {
        __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
        for (int q = 0; q < nr; ++q) {
            const int i = rows[q];
            const double* d = D + size_t(i) * size_t(n) + k;
            const __m256d r0 = _mm256_set1_pd(r[i]);
            const __m256d s0 = _mm256_add_pd(r0, _mm256_loadu_pd(d));
            const __m256d s1 = _mm256_add_pd(r0, _mm256_loadu_pd(d + 4));
            const __m256d s2 = _mm256_add_pd(r0, _mm256_loadu_pd(d + 8));
            const __m256d s3 = _mm256_add_pd(r0, _mm256_loadu_pd(d + 12));
            a0 = _mm256_sub_pd(a0, _mm256_and_pd(_mm256_cmp_pd(s0, t, _CMP_LT_OQ), s0));
            a1 = _mm256_sub_pd(a1, _mm256_and_pd(_mm256_cmp_pd(s1, t, _CMP_LT_OQ), s1));
            a2 = _mm256_sub_pd(a2, _mm256_and_pd(_mm256_cmp_pd(s2, t, _CMP_LT_OQ), s2));
            a3 = _mm256_sub_pd(a3, _mm256_and_pd(_mm256_cmp_pd(s3, t, _CMP_LT_OQ), s3));
        }
        _mm256_storeu_pd(v2 + k, a0);
        _mm256_storeu_pd(v2 + k + 4, a1);
        _mm256_storeu_pd(v2 + k + 8, a2);
        _mm256_storeu_pd(v2 + k + 12, a3);
        amin = _mm256_min_pd(amin,
                             _mm256_min_pd(_mm256_min_pd(a0, a1), _mm256_min_pd(a2, a3)));
    }
    for (; k + 4 <= n; k += 4) {
        __m256d a0 = _mm256_setzero_pd();
        for (int q = 0; q < nr; ++q) {
            const int i = rows[q];
            const __m256d s0 = _mm256_add_pd(
                _mm256_set1_pd(r[i]), _mm256_loadu_pd(D + size_t(i) * size_t(n) + k));
            a0 = _mm256_sub_pd(a0, _mm256_and_pd(_mm256_cmp_pd(s0, t, _CMP_LT_OQ), s0));
        }
        _mm256_storeu_pd(v2 + k, a0);
        amin = _mm256_min_pd(amin, a0);
    }
    double buf[4];
    _mm256_storeu_pd(buf, amin);
    double vmin = buf[0];
    for (int l = 1; l < 4; ++l)
        vmin = buf[l] < vmin ? buf[l] : vmin;
    for (; k < n; ++k) {
        double v = +0.0;
        for (int q = 0; q < nr; ++q) {
            const int i = rows[q];
            const double s = r[i] + D[size_t(i) * size_t(n) + k];
            v -= s < ntol ? s : +0.0;
        }
        v2[k] = v;
        vmin = v < vmin ? v : vmin;
    }
    return vmin;
}

#endif // LV_HAVE_AVX

#endif
