/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Small dense LP of the CI precoder's ILP steps: maximise c^T z subject to
 * A z >= b and finite bounds lo <= z <= hi, with few rows (2U + 1) and many
 * columns (2 N_T). A bounded dual simplex with an explicit m x m basis inverse
 * costs O(m (n + m)) per pivot; warm starts resume a basis after a change of b,
 * of the bounds or of c (the MM steps, the tightened roundings, branch and
 * bound, phase sweeps). docs/ci_precoder.md compares it with COIN-OR CLP.
 */
#ifndef INCLUDED_ISAC_CORE_CI_LP_H
#define INCLUDED_ISAC_CORE_CI_LP_H

#include <gnuradio/isac/core/types.h>
#include <memory>
#include <vector>

namespace gr {
namespace isac {
namespace core {

struct lp_result {
    enum status_t { optimal = 0, infeasible = 1, iteration_limit = 2 };
    status_t status = infeasible;
    double value = 0; //!< c^T z at the returned basis
    rvec z;           //!< primal solution
    //! multipliers nu >= 0 of the rows (Lagrangian bound); empty when lp_solve is
    //! asked for no duals
    rvec dual;
    int iterations = 0;
};

//! Basis of a solved LP, to resume the dual simplex after a change of b, of the
//! bounds (tightened only) or of c. Copies share the work arrays: use a basis (and
//! its copies) from one thread at a time.
struct lp_basis {
    bool valid = false;
    std::vector<int> st, basis;
    std::vector<double> d;
    rmat Binv;
    rvec c; //!< objective the reduced costs d belong to (re-priced when it changes)
    //! per-A data, shared by copies (a branch and bound copies a basis per node)
    struct per_matrix {
        rvec rowabs; //!< sum_j |A_ij| max(|lo_j|, |hi_j|) (slack bounds)
        rmat AT;     //!< A^T (pivot rows as column-major products)
    };
    std::shared_ptr<const per_matrix> cache;
    std::shared_ptr<void> work; //!< lp_solve's work arrays, reused by later solves
    long gen = -1; //!< the work arrays still hold this basis when gen matches theirs
};

/*!
 * Dense bounded dual simplex:
 *   maximise c^T z  s.t.  A z >= b,  lo <= z <= hi   (all bounds finite).
 * Every bounded LP is dual feasible at the bound vertex sign(c), so no phase 1 is
 * needed and infeasibility is detected by the ratio test. With `warm` (same A; any
 * b, c; bounds equal or tighter) it resumes from the stored basis and stores the
 * final one. max_iter <= 0: 50 (m + 1) + 2 n. duals false: the row multipliers are
 * not computed (lp_result::dual stays empty) for callers that need only the point,
 * the value or the basis; the pivots and everything else are the same.
 */
lp_result lp_solve(const rvec& c,
                   const rmat& A,
                   const rvec& b,
                   const rvec& lo,
                   const rvec& hi,
                   int max_iter = 0,
                   lp_basis* warm = nullptr,
                   bool duals = true);

//! Lagrangian upper bound max_{lo<=z<=hi} (c + A^T nu)^T z - nu^T b for any nu >= 0.
double lagrangian_bound(const rvec& c,
                        const rmat& A,
                        const rvec& b,
                        const rvec& lo,
                        const rvec& hi,
                        const rvec& nu);

} // namespace core
} // namespace isac
} // namespace gr

#endif
