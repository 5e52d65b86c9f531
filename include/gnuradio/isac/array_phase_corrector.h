/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_ARRAY_PHASE_CORRECTOR_H
#define INCLUDED_ISAC_ARRAY_PHASE_CORRECTOR_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief Multiplies stream channel n of each n_rx snapshot by w_n = exp(-j phi_n).
 * \ingroup isac
 *
 * With reverse_elements (stream channel k is antenna n_rx-1-k) it then outputs
 * the channels in antenna order, so every block downstream sees the module's
 * element order (docs/conventions.md); with zero phases it is just that
 * reordering. A cal message whose "reverse_elements" flag differs from the
 * block's is refused (it was estimated for the other element order).
 *
 * Message in "cal": a dict with "weights" (c32vector of n_rx) or "phases_rad"
 * (f64vector of n_rx), as array_phase_estimator publishes. With an "offset"
 * (an item index of this block's stream) the weights take effect at that item;
 * one arriving after it takes effect at once and is logged; one whose offset
 * the stream never reaches is logged at stop() (an offset counts the items of
 * the flowgraph that estimated it: to apply a calibration in another
 * flowgraph, drop its "offset"). Without an offset they take effect when the
 * message arrives. Weights must be
 * finite and non-zero (|w| at least the smallest normal float): a zero or
 * infinite weight would erase or blow up a channel. A malformed message is
 * logged and ignored (the last good weights stay); a bad setter argument
 * raises ValueError. Starts from phases_rad (empty: all zeros).
 */
class ISAC_API array_phase_corrector : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<array_phase_corrector> sptr;
    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_rx             receive channels (vlen); [1, 4096]
     * \param phases_rad       per-channel phase offsets to remove (empty: all zero) (rad); length 0 or n_rx
     * \param reverse_elements the estimate came from the other element order (stream channel k is antenna n_rx-1-k)
     */
    static sptr make(int n_rx = 4,
                     const std::vector<double>& phases_rad = {},
                     bool reverse_elements = false);
    // gen_params:end make
    // clang-format on
    //! Handles a cal message now, as the "cal" port does (tests, scripts).
    virtual void handle_cal(const pmt::pmt_t& msg) = 0;
    virtual void set_phases(const std::vector<double>& phases_rad) = 0;
    virtual void set_weights(const std::vector<gr_complex>& weights) = 0;
    virtual std::vector<gr_complex> weights() const = 0;
    //! Calibrations applied (setter or message).
    virtual uint64_t updates() const = 0;
};

} // namespace isac
} // namespace gr

#endif
