/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The QoS heuristic ILP into a caller's result (internal): the MM steps of a design
 * reuse one result's storage.
 */
#ifndef INCLUDED_ISAC_CORE_CI_ILP_INTO_H
#define INCLUDED_ISAC_CORE_CI_ILP_INTO_H

#include <gnuradio/isac/core/ci_ilp.h>
#include <utility>

namespace gr {
namespace isac {
namespace core {

//! r with every field at its default, xt keeping its storage (its values stale)
inline ilp_result ilp_result_reset(ilp_result&& r)
{
    ilp_result fresh;
    fresh.xt = std::move(r.xt);
    return fresh;
}

//! ilp_qos_heuristic (ci_ilp.h) into res: xt is resized only when its size changes.
void ilp_qos_heuristic_into(ilp_result& res,
                            const rvec& w,
                            const rmat& At,
                            const rvec& lambda,
                            double c,
                            const std::vector<rvec>& warm,
                            const qos_heuristic_opts& o);

/*!
 * ilp_maxmin_heuristic (ci_ilp.h) that leaves its LP relaxation's final basis in keep
 * (with the work arrays that hold it): a branch and bound over the same LP
 * (ilp_qos_feasibility_from, ilp_maxmin_exact) starts its root there, at the
 * optimum, instead of solving the LP again.
 */
ilp_result ilp_maxmin_heuristic_keep(const rmat& At,
                                     const rvec& offset,
                                     double c,
                                     bool radar,
                                     const rvec& w,
                                     double rhs,
                                     const std::vector<rvec>& warm,
                                     double enough,
                                     lp_basis* keep);

//! ilp_qos_feasibility (ci_ilp.h) from the heuristic's result h and its LP basis
//! (ilp_maxmin_heuristic_keep against lambda): the branch and bound's root resumes it
ilp_result ilp_qos_feasibility_from(const rmat& At,
                                    const rvec& lambda,
                                    double c,
                                    long max_nodes,
                                    const ilp_result& h,
                                    const lp_basis& root);

} // namespace core
} // namespace isac
} // namespace gr

#endif
