/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Branch-free helpers of the CI precoder's LP and flip searches (internal). The
 * data they see is random (signs of pivot rows, violated rows), so compilers'
 * conditional jumps mispredict; these compile to masks and SSE2 minima and are
 * bit-exact equivalents of the plain expressions.
 */
#ifndef INCLUDED_ISAC_CORE_CI_BRANCHFREE_H
#define INCLUDED_ISAC_CORE_CI_BRANCHFREE_H

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

namespace gr {
namespace isac {
namespace core {

constexpr double inf = std::numeric_limits<double>::infinity();

//! keep ? v : +0.0
inline double masked(bool keep, double v)
{
    uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    b &= -uint64_t(keep);
    std::memcpy(&v, &b, sizeof b);
    return v;
}

//! c ? x : y
inline double select(bool c, double x, double y)
{
    uint64_t bx, by;
    std::memcpy(&bx, &x, sizeof bx);
    std::memcpy(&by, &y, sizeof by);
    const uint64_t k = -uint64_t(c);
    bx = (bx & k) | (by & ~k);
    std::memcpy(&x, &bx, sizeof bx);
    return x;
}

//! min over v[0..n) (no NaN in v)
inline double min_of(const double* v, int n)
{
#ifdef __SSE2__
    __m128d m0 = _mm_set1_pd(inf), m1 = m0;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
        m0 = _mm_min_pd(m0, _mm_loadu_pd(v + j));
        m1 = _mm_min_pd(m1, _mm_loadu_pd(v + j + 2));
    }
    m0 = _mm_min_pd(m0, m1);
    double mn = std::min(_mm_cvtsd_f64(m0), _mm_cvtsd_f64(_mm_unpackhi_pd(m0, m0)));
#else
    double mn = inf;
    int j = 0;
#endif
    for (; j < n; ++j)
        mn = std::min(mn, v[j]);
    return mn;
}

//! first index j >= from with v[j] == x, or -1
inline int first_equal(const double* v, int n, double x, int from)
{
    int j = from;
#ifdef __SSE2__
    const __m128d xx = _mm_set1_pd(x);
    for (; j + 2 <= n; j += 2) {
        const int mask = _mm_movemask_pd(_mm_cmpeq_pd(_mm_loadu_pd(v + j), xx));
        if (mask)
            return j + ((mask & 1) ? 0 : 1);
    }
#endif
    for (; j < n; ++j)
        if (v[j] == x)
            return j;
    return -1;
}

} // namespace core
} // namespace isac
} // namespace gr

#endif
