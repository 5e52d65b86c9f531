/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * lp_solve with a cut-off, for the branch and bound (internal).
 */
#ifndef INCLUDED_ISAC_CORE_CI_LP_CUTOFF_H
#define INCLUDED_ISAC_CORE_CI_LP_CUTOFF_H

#include <gnuradio/isac/core/ci_lp.h>

namespace gr {
namespace isac {
namespace core {

//! Makes b a basis no solve resumes from (a cold start next), keeping its arrays'
//! storage; the LP work arrays and A's cache it held go back to their stores.
inline void lp_basis_forget(lp_basis& b)
{
    b.valid = false;
    b.work.reset();
    b.cache.reset();
}

/*!
 * lp_solve (ci_lp.h, default iterations) into a caller's result: z and dual keep
 * their storage when their sizes match, so a re-solve allocates nothing. With duals
 * false, res.dual is left as it was.
 */
void lp_solve_into(lp_result& res,
                   const rvec& c,
                   const rmat& A,
                   const rvec& b,
                   const rvec& lo,
                   const rvec& hi,
                   lp_basis* warm,
                   bool duals);

/*!
 * lp_solve (ci_lp.h) that may stop before the optimum: every basis of the dual
 * simplex is dual feasible, so its objective bounds the LP's optimum from above,
 * and it only falls from pivot to pivot. Once it is below `below` (or at most
 * `at_most`), confirmed by the Lagrangian bound of the basis's multipliers, the
 * solve stops with `cut` set (status iteration_limit, z and dual left as they were): a
 * branch and bound would prune the node at the optimum anyway, by the same test.
 * Without a cut the pivots, and so the result, are those of lp_solve.
 */
void lp_solve_cutoff(lp_result& res,
                     const rvec& c,
                     const rmat& A,
                     const rvec& b,
                     const rvec& lo,
                     const rvec& hi,
                     lp_basis* warm,
                     double below,
                     double at_most,
                     bool& cut);

} // namespace core
} // namespace isac
} // namespace gr

#endif
