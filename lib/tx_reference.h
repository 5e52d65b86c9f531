/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_TX_REFERENCE_H
#define INCLUDED_ISAC_TX_REFERENCE_H

#include <gnuradio/gr_complex.h>
#include <gnuradio/isac/core/steering.h>

namespace gr {
namespace isac {

/*
 * The known transmit reference along a direction of departure: c_t =
 * g_T(tx_deg)^T x_t, the field radiated toward tx_deg, with g_T the module's
 * unit-norm steering vector (docs/conventions.md). steering_reference is this
 * as a block; doa_mle (n_tx > 0) forms it in its own thread.
 */
inline core::cvecf tx_reference_steering(int n_tx, double tx_deg)
{
    const core::array_convention c{ 0.5, -1, core::phase_ref::first, true };
    return core::ula_steering_f(n_tx, core::deg2rad(tx_deg), c);
}

// c[t] = g^T x_t for n snapshots x (n_tx each, snapshot-major)
inline void tx_reference(const gr_complex* x, int n, const core::cvecf& g, gr_complex* c)
{
    Eigen::Map<const core::cmatf> X(x, g.size(), n);
    Eigen::Map<core::cvecf> out(c, n);
    out.noalias() = X.transpose() * g;
}

// The references of several directions at once: C (n x Q, column-major) = X^T G for
// the n_tx x Q steering matrix G
inline void tx_reference(const gr_complex* x, int n, const core::cmatf& G, gr_complex* C)
{
    Eigen::Map<const core::cmatf> X(x, G.rows(), n);
    Eigen::Map<core::cmatf> out(C, n, G.cols());
    out.noalias() = X.transpose() * G;
}

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_TX_REFERENCE_H */
