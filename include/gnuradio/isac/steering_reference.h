/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_STEERING_REFERENCE_H
#define INCLUDED_ISAC_STEERING_REFERENCE_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>

namespace gr {
namespace isac {

/*!
 * \brief c_t = g_T(tx_deg)^T x_t: the known transmit reference along the DoD.
 * \ingroup isac
 *
 * in0: vectors of n_tx transmit samples x_t; out0: one complex per snapshot,
 * c_t = g_T(tx_deg)^T x_t, the field radiated toward the DoD with g_T the
 * module's unit-norm steering vector (docs/conventions.md): the same g_T as
 * isac_channel's echo r = beta g_R(rx) g_T(tx)^T x, so doa_mle's "known" mode
 * sees y_t = beta g_R(theta) c_t + n_t.
 * set_tx_deg() changes the DoD while running (from the next work() call).
 *
 * Restart: start() after stop() holds no state to reset; tx_deg stays.
 */
class ISAC_API steering_reference : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<steering_reference> sptr;
    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx   transmit antennas (input vlen); [1, 4096]
     * \param tx_deg direction of departure (deg); [-90, 90]
     */
    static sptr make(int n_tx = 32,
                     double tx_deg = 0.0);
    // gen_params:end make
    // clang-format on
    // clang-format off
    // gen_params:begin accessors
    //! direction of departure (deg); [-90, 90]
    virtual void set_tx_deg(double tx_deg) = 0;
    virtual double tx_deg() const = 0;
    // gen_params:end accessors
    // clang-format on
};

} // namespace isac
} // namespace gr

#endif
