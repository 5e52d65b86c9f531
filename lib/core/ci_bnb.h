/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Depth-first LP branch and bound of the CI precoder's ILPs (internal).
 */
#ifndef INCLUDED_ISAC_CORE_CI_BNB_H
#define INCLUDED_ISAC_CORE_CI_BNB_H

#include <gnuradio/isac/core/ci_lp.h>
#include <limits>

namespace gr {
namespace isac {
namespace core {

/*!
 * maximise cobj^T z s.t. A z >= b over the first nbin columns taking the value lo_j
 * or hi_j (the rest continuous within their bounds). Every node resumes the dual
 * simplex from its parent's basis: branching only tightens bounds, which keeps the
 * reduced costs dual feasible, so a child needs a few pivots instead of a cold solve.
 * Nodes whose bound is <= best (or < target) are pruned; with stop_at_target the
 * search ends at the first incumbent >= target. It also stops at max_nodes, after
 * max_seconds, or when the current worker is cancelled (core::cancel_requested()).
 */
struct bnb {
    const rvec& cobj;
    const rmat& A;
    const rvec& b;
    int nbin;
    long max_nodes;
    double max_seconds;
    double best = -std::numeric_limits<double>::infinity(); //!< incumbent value
    rvec best_z;                                            //!< incumbent (empty: none)
    //! prune nodes whose bound is below target (a feasibility search: 0)
    double target = -std::numeric_limits<double>::infinity();
    bool stop_at_target = false;
    bool reduced_cost_fixing = false; //!< fix binaries by the nodes' reduced costs
    bool branch_by_impact = false;    //!< branch on dual-weighted impact, not fraction
    long nodes = 0;
    bool complete = true; //!< the tree was exhausted (the incumbent is optimal)
    bool root_feasible = false;
    double root_bound = -std::numeric_limits<double>::infinity();

    void run(rvec lo, rvec hi);

private:
    struct node;
    bool out_of_budget(double seconds) const;
    bool prune(const lp_result& lp, const node& nd, double& bound, double& lagrangian);
    void fix_by_reduced_costs(const lp_result& lp, node& nd, double lagrangian) const;
    int branch_column(const lp_result& lp, const node& nd) const;
    void record_integral(const lp_result& lp, const node& nd);
};

//! LP form of the max-min margin problem: z = [xt; t], maximise t s.t.
//! At xt - t >= off [and w^T xt >= rhs], |xt_j| <= c, |t| <= the largest row value.
void maxmin_lp_form(const rmat& At,
                    const rvec& off,
                    double c,
                    bool radar,
                    const rvec& w,
                    double rhs,
                    rvec& cobj,
                    rmat& A,
                    rvec& b,
                    rvec& lo,
                    rvec& hi);

} // namespace core
} // namespace isac
} // namespace gr

#endif
