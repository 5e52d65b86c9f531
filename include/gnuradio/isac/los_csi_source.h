/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_LOS_CSI_SOURCE_H
#define INCLUDED_ISAC_LOS_CSI_SOURCE_H

#include <gnuradio/block.h>
#include <gnuradio/isac/api.h>
#include <gnuradio/isac/core/types.h>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief Publishes a line-of-sight "csi" dict for users at known angles.
 * \ingroup isac
 *
 * Over the air there is no simulator to publish the channel: this block
 * publishes rows h_u^H = gain a(theta_u)^T (a: the module's unnormalised
 * steering vector, docs/conventions.md: isac_channel's "los" model) on
 * its "csi" port when the flowgraph starts, and again, with offset 0 ("now"),
 * whenever set_user_deg()/set_gain() changes it. The csi epoch is a session
 * drawn at each start() (high 32 bits) and the number of changes. After the
 * first publication the block tells the scheduler it is finished (a block with
 * only message outputs would otherwise keep a bounded flowgraph running for
 * ever): the flowgraph ends when its streams do, and later changes are still
 * published.
 */
class ISAC_API los_csi_source : virtual public gr::block
{
public:
    typedef std::shared_ptr<los_csi_source> sptr;
    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx     transmit antennas; [1, 4096]
     * \param user_deg one angle per user, at least one (deg); each in [-90, 90]
     * \param gain     channel amplitude; (0, inf)
     */
    static sptr make(int n_tx = 16,
                     const std::vector<double>& user_deg = { -30.0, 0.0, 30.0, 50.0 },
                     double gain = 1.0);
    // gen_params:end make
    // clang-format on
    //! The channel published (n_users x n_tx).
    virtual core::cmat channel() const = 0;
    // clang-format off
    // gen_params:begin accessors
    //! one angle per user, at least one (deg); each in [-90, 90]
    virtual void set_user_deg(const std::vector<double>& user_deg) = 0;
    virtual std::vector<double> user_deg() const = 0;
    //! channel amplitude; (0, inf)
    virtual void set_gain(double gain) = 0;
    virtual double gain() const = 0;
    // gen_params:end accessors
    // clang-format on
};

} // namespace isac
} // namespace gr

#endif
