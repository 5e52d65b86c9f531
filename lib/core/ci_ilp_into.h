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

} // namespace core
} // namespace isac
} // namespace gr

#endif
