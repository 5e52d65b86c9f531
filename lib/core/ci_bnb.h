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
#include <chrono>
#include <cmath>
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
 * max_seconds, when the thread's design-vector budget is spent (bnb_vector_budget)
 * or when the current worker is cancelled (core::cancel_requested()).
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
    /*!
     * Max-min form only (cobj = e_t for the last column t, whose coefficients are
     * -1 or 0, every other column binary): a node with at most this many free
     * binaries is decided by a depth-first enumeration pruned by row bounds instead
     * of LP children (0: never). Its visits count in enum_visits, not in nodes.
     */
    int enumerate_free = 0;
    long enum_visits = 0;
    static constexpr long visits_per_node = 64;
    long nodes = 0;
    bool complete = true; //!< the tree was exhausted (the incumbent is optimal)
    bool root_feasible = false;
    double root_bound = -std::numeric_limits<double>::infinity();
    //! the root LP's start (the same LP solved before: it resumes at its optimum);
    //! none or invalid: a max-min form starts from maxmin_crash, others cold
    const lp_basis* root_start = nullptr;
    rvec g_;         //!< scratch: reduced costs c + A^T nu of the current node
    rvec col_absmax_; //!< enumerate: largest |A_ij| of each binary column

    void run(const rvec& lo, const rvec& hi);

private:
    struct node;
    struct pool;
    struct borrowed;
    struct enum_work;
    bool out_of_budget(double seconds) const;
    //! what a point must exceed to count as better than the incumbent: a relative
    //! margin keeps rounding from replacing it by its equal (NaN while there is none)
    double improving() const { return best + 1e-9 * (1.0 + std::abs(best)); }
    bool prune(const lp_result& lp, const node& nd, double& bound, double& lagrangian);
    double node_lagrangian(const lp_result& lp, const node& nd);
    void fix_by_reduced_costs(node& nd, double lagrangian) const;
    int branch_column(const lp_result& lp, const node& nd) const;
    void record_integral(const lp_result& lp, const node& nd);
    bool maxmin_form() const;
    void enumerate(const lp_result& lp, const node& nd);
    bool enum_row_masks(enum_work& w) const;
    double enum_order(const lp_result& lp, const node& nd, enum_work& w);
    void enum_row_tables(const lp_result& lp, const node& nd, enum_work& w) const;
    bool enum_point(const node& nd, enum_work& w, bool any_hard, double eps);
    void enum_visit(const node& nd, enum_work& w, bool any_hard, double eps);
    bool solve_node(lp_result& lp, node& nd) const;
    int free_binaries(const node& nd) const;
    void enumerate_node(const lp_result& lp, const node& nd);
    void branch(borrowed& T, const lp_result& lp, const node& nd, int jb);
};

/*!
 * Work budget of one design vector of the exact preset (nodes and seconds shared by
 * every branch and bound the vector runs: its MM steps' ILPs, the theorem-1 start,
 * the infeasible fallback). Once spent, each later branch and bound stops before
 * its first node, so its ILP returns the heuristic incumbent it was started from:
 * the vector ends with the best design found within the budget plus heuristic MM
 * steps (milliseconds each). Applies to the constructing thread while alive; a
 * nested budget on the same thread shares the outer one.
 */
class bnb_vector_budget
{
public:
    bnb_vector_budget(long max_nodes, double max_seconds);
    ~bnb_vector_budget();
    bnb_vector_budget(const bnb_vector_budget&) = delete;
    bnb_vector_budget& operator=(const bnb_vector_budget&) = delete;
    //! the budget (this one's or the outer one's) ran out
    bool exhausted() const;
    //! takes one node from the calling thread's budget; false when it is spent
    //! (true when the thread has no budget)
    static bool take_node();

private:
    bnb_vector_budget* d_outer; // the thread's budget before this one
    bool d_nested;
    long d_nodes_left;
    std::chrono::steady_clock::time_point d_deadline;
    bool d_exhausted = false;
};

//! The arrays of maxmin_lp_form (a caller's per-thread scratch, ci_scratch.h).
struct maxmin_lp {
    rvec cobj, b, lo, hi;
    rmat A;
    lp_basis start; //!< maxmin_crash's basis for the LP
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

/*!
 * A start basis for an LP of maxmin_lp_form (A, b, lo, hi): t basic in the margin
 * row whose own bound on t, sum_j |A_rj| max(|lo_j|, |hi_j|) - b_r, is the smallest,
 * the other rows' slacks basic. It is dual feasible after lp_solve's re-pricing (xt
 * at the signs of row r: the vertex of that single row's bound), and starts the dual
 * simplex at t <= that bound instead of at t's upper bound with every row violated.
 * out keeps its arrays' storage.
 */
void maxmin_crash(
    const rmat& A, const rvec& b, const rvec& lo, const rvec& hi, lp_basis& out);

} // namespace core
} // namespace isac
} // namespace gr

#endif
