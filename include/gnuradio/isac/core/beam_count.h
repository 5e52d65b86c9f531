/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Beamformer-count paper sizing aid : upper bounds on the number of beamformers
 * an optimal ISAC covariance design needs, from the number K of users and the
 * number d of distinct real quadratic terms of the sensing metric.
 */
#ifndef INCLUDED_ISAC_CORE_BEAM_COUNT_H
#define INCLUDED_ISAC_CORE_BEAM_COUNT_H

#include <gnuradio/isac/core/types.h>
#include <string>

namespace gr {
namespace isac {
namespace core {

/*!
 * d for a sensing task (counts reconstructed from the beamformer-count paper's abstract):
 *  "gains_aoa"   n_targets targets with complex gains + AoAs: (7 n^2 + n)/2
 *  "aoa"         AoA only with zero-mean gains: n_targets
 *  "channel"     full channel estimation: n_tx^2
 *  "detection"   detection SNR / SCNR: 1
 *  "beampattern" beampattern matching on a ULA: 2 n_tx - 1
 */
long sensing_dof(const std::string& task, int n_targets, int n_tx);

struct beam_bound {
    long d = 0;       //!< real quadratic terms of the sensing metric
    int total = 0;    //!< bound on all beamformers (communication + sensing)
    int sensing = 0;  //!< bound on the extra sensing beams: total - K, >= 0
};

/*!
 * cancellation = true (users cancel / never see the sensing signal, as in the
 * null-space design): total <= K + floor(sqrt(d)).
 * cancellation = false: total <= floor(sqrt(K^2 + d)).
 * n_tx > 0 additionally caps the sensing beams at n_tx - K (Lemma 2).
 */
beam_bound beam_count_bound(int n_users, long d, bool cancellation, int n_tx = 0);

} // namespace core
} // namespace isac
} // namespace gr

#endif
