/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The integer programs of one MM step of the CI precoder (1-bit ISAC paper eq. (34), eq.
 * (35)-(37)) over the 1-bit alphabet xtilde in {-c, c}^{2N_T}: QoS:      max wtilde^T
 * xtilde  s.t.  Atilde xtilde >= lambda max-min:  max min_i (Atilde xtilde - offset)_i
 * [s.t. wtilde^T xtilde >= rhs] Heuristics (ci_ilp.cc): LP rounding with tightened
 * re-solves, greedy repair and a flip local search (lib/core/ci_flip_search.cc); exact:
 * LP branch and bound with node and time budgets (lib/core/ci_bnb.cc). The
 * infinite-resolution DAC replaces the alphabet by the ball (ci_socp.cc).
 */
#ifndef INCLUDED_ISAC_CORE_CI_ILP_H
#define INCLUDED_ISAC_CORE_CI_ILP_H

#include <gnuradio/isac/core/ci_lp.h>
#include <limits>
#include <vector>

namespace gr {
namespace isac {
namespace core {

struct ilp_result {
    bool feasible = false;    //!< xt satisfies every constraint
    bool lp_feasible = false; //!< the LP relaxation is feasible (else no xt is)
    bool optimal = false;     //!< optimality (or infeasibility) proven
    rvec xt; //!< [Re x; Im x], entries +-c (best found, also when infeasible)
    double objective = 0; //!< QoS: w^T xt; max-min: min_i (At xt - offset)_i
    double lp_bound = 0;  //!< LP relaxation value (upper bound on objective)
    long nodes = 0;       //!< branch-and-bound nodes (1 for a heuristic)
};

//! Options of the QoS heuristic. The defaults solve the LP and round it.
struct qos_heuristic_opts {
    //! false: no LP; the multipliers nu_in give the start sign(w + At^T nu) and a
    //! certified Lagrangian bound (later MM steps of the real-time preset)
    bool use_lp = true;
    //! extra starts: roundings of LPs with every row raised by 0.15 t lambda, t = 1..
    int lp_starts = 0;
    //! the LP's rounding: at most this many re-solves with its broken rows raised
    //! (0: the LP optimum's signs)
    int tighten_rounds = 8;
    //! core branch and bound over the core_size columns of smallest reduced cost (the
    //! others fixed at its sign), node budget (0: off); core_size 0: 3 m + 8
    long core_nodes = 0;
    int core_size = 0;
    const rvec* nu_in = nullptr; //!< multipliers for use_lp = false
    rvec* nu_out = nullptr;      //!< multipliers used (LP duals or nu_in)
    //! LP basis carried from call to call (same At, any w): resumed after re-pricing
    lp_basis* keep = nullptr;
    //! the rows' feasibility tolerance for this lambda, c and At, as the MM steps of
    //! one design share them (0: computed by the call)
    double tol = 0;
};

/*!
 * QoS ILP by the real-time heuristic: LP, rounding of its optimum with up to eight
 * tightened re-solves, starts `warm` (sign vectors, e.g. the previous MM iterate),
 * greedy repair and flip local search. lp_bound is certified (LP or Lagrangian).
 */
ilp_result ilp_qos_heuristic(const rvec& w,
                             const rmat& At,
                             const rvec& lambda,
                             double c,
                             const std::vector<rvec>& warm = {},
                             const qos_heuristic_opts& opts = {});

//! QoS ILP by branch and bound. Equal to enumeration when it returns optimal.
ilp_result ilp_qos_exact(const rvec& w,
                         const rmat& At,
                         const rvec& lambda,
                         double c,
                         long max_nodes = 1000000,
                         double max_seconds = 30.0,
                         const std::vector<rvec>& warm = {});

/*!
 * Feasibility of At xt >= lambda over the alphabet, decided cheaply where possible:
 * the max-min margin LP (its value < 0 proves infeasibility), then a branch and bound
 * on the max-min margin that prunes every node whose LP (Lagrangian) bound is < 0,
 * with reduced-cost fixing, and stops at the first feasible point. feasible: a point
 * was found (xt); optimal with !feasible: infeasibility proven; else undecided
 * within max_nodes. heuristic: a max-min heuristic already run against lambda (any
 * `enough`), used instead of running it again.
 */
ilp_result ilp_qos_feasibility(const rmat& At,
                               const rvec& lambda,
                               double c,
                               long max_nodes,
                               const std::vector<rvec>& warm = {},
                               const ilp_result* heuristic = nullptr);

/*!
 * Max-min margin ILP (1-bit ISAC paper eq. (35)-(37)): maximise min_i (At xt - offset)_i
 * subject, when `radar` is true, to w^T xt >= rhs. With radar = false it is the
 * infeasible-QoS fallback (chi = -inf). The heuristic stops at the first point whose
 * margin reaches `enough`.
 */
ilp_result ilp_maxmin_heuristic(const rmat& At,
                                const rvec& offset,
                                double c,
                                bool radar,
                                const rvec& w,
                                double rhs,
                                const std::vector<rvec>& warm = {},
                                double enough = std::numeric_limits<double>::infinity());
ilp_result ilp_maxmin_exact(const rmat& At,
                            const rvec& offset,
                            double c,
                            bool radar,
                            const rvec& w,
                            double rhs,
                            long max_nodes = 1000000,
                            double max_seconds = 30.0,
                            const std::vector<rvec>& warm = {});

/*!
 * Infinite-resolution DAC step (1-bit ISAC paper infinite-resolution benchmarks): max w^T
 * xt s.t. At xt >= lambda,
 * ||xt|| <= radius, through the dual min_{nu>=0} radius ||w + At^T nu|| - lambda^T nu
 * (projected Newton). objective = w^T xt; lp_bound = dual value.
 */
ilp_result socp_qos(const rvec& w, const rmat& At, const rvec& lambda, double radius);
//! Max-min margin over the ball (optionally with w^T xt >= rhs), by bisection on the
//! margin.
ilp_result socp_maxmin(const rmat& At,
                       const rvec& offset,
                       double radius,
                       bool radar,
                       const rvec& w,
                       double rhs);

} // namespace core
} // namespace isac
} // namespace gr

#endif
