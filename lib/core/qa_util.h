/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Helpers shared by the core's CppUnit tests (not installed).
 */
#ifndef INCLUDED_ISAC_CORE_QA_UTIL_H
#define INCLUDED_ISAC_CORE_QA_UTIL_H

#include <gnuradio/isac/core/types.h>
#include <cmath>
#include <random>

namespace gr {
namespace isac {
namespace core {
namespace qa {

//! An r x c matrix of i.i.d. CN(0, 1) entries, the same for the same seed (the core's
//! tests and bench_nullspace).
inline cmat randn(int r, int c, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> nd(0.0, std::sqrt(0.5));
    cmat M(r, c);
    for (int i = 0; i < r; ++i)
        for (int j = 0; j < c; ++j)
            M(i, j) = cdouble(nd(rng), nd(rng));
    return M;
}

} // namespace qa
} // namespace core
} // namespace isac
} // namespace gr

#endif
