/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_BEAMPATTERN_PROBE_H
#define INCLUDED_ISAC_BEAMPATTERN_PROBE_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_decimator.h>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief Transmit beampattern of each frame of snapshots.
 * \ingroup isac
 *
 * in: vectors of n_tx transmit samples x_t. out: one float vector per frame of
 * frame_len snapshots, P(theta) = (1/L) sum_t |a(theta)^T x_t|^2 on the grid
 * grid_min_deg:grid_step_deg:grid_max_deg, in dB (floor -300 dB) when db is
 * true: the power radiated toward theta
 * (gnuradio.isac.conventions.transmit_beampattern). a: the module's
 * unnormalised half-wavelength ULA vector (docs/conventions.md), the same for
 * every precoder, so the main lobe is at the precoder's target.
 * reverse_elements: stream channel k drives antenna n_tx-1-k. The grid table (n_grid x
 * n_tx) is checked against the module's memory limit.
 *
 * Restart: start() after stop() holds no state to reset (frames count from
 * item 0 of the new run); the settings stay.
 */
class ISAC_API beampattern_probe : virtual public gr::sync_decimator
{
public:
    typedef std::shared_ptr<beampattern_probe> sptr;
    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx             transmit antennas (vlen); [1, 4096]
     * \param frame_len        snapshots per pattern; [1, 16777216]
     * \param grid_min_deg     first grid angle (deg); [-90, 90]
     * \param grid_max_deg     last grid angle (deg); (grid_min_deg, 90]
     * \param grid_step_deg    grid step (at most 1e6 grid points) (deg); (0, inf)
     * \param reverse_elements stream channel k drives antenna n_tx-1-k
     * \param db               output in dB (else linear power)
     */
    static sptr make(int n_tx = 32,
                     int frame_len = 64,
                     double grid_min_deg = -90.0,
                     double grid_max_deg = 90.0,
                     double grid_step_deg = 1.0,
                     bool reverse_elements = false,
                     bool db = true);
    // gen_params:end make
    // clang-format on
    virtual int n_grid() const = 0;
    virtual std::vector<double> grid_deg() const = 0;
};

} // namespace isac
} // namespace gr

#endif
