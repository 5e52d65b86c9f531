/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_PSK_SER_METER_H
#define INCLUDED_ISAC_PSK_SER_METER_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <cstdint>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief Per-user M-PSK decisions and SER/BER of a downlink.
 * \ingroup isac
 *
 * Decides each user's M-PSK symbol from y_u by angular sector (any positive
 * receive gain is fine: the CI precoder does not fix it) and counts symbol and
 * Gray-bit errors against the transmitted symbols (snapped to the nearest
 * M-PSK point). A non-finite y_u is a symbol error; a snapshot with a non-finite
 * transmitted symbol is left out (it has no symbol to score) and counted by
 * ref_nonfinite().
 * in0: vectors of n_users received samples y; in1: vectors of n_users
 * transmitted symbols s. out0: vectors of n_users floats, each user's SER of
 * the run (since the last start()) after that snapshot (for GUI number sinks:
 * the run on screen, not the totals of the runs before it). Message out "ser": {"ser":
 * f64vector, "ber": f64vector, "symbols": u64, "ref_nonfinite": u64} each time the count
 * reaches a multiple of report_every (0: never), with the totals at that snapshot. Both
 * are the same whatever the work() call sizes. The first `skip` snapshots after each
 * start() are not counted (warm-up). Totals accumulate across restarts until reset().
 */
class ISAC_API psk_ser_meter : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<psk_ser_meter> sptr;
    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_users      users; [1, 4096]
     * \param psk_order    M; [2, 65536]
     * \param skip         snapshots not counted after each start(); [0, inf)
     * \param report_every counted snapshots between "ser" messages (0: none); [0, inf)
     */
    static sptr make(int n_users = 4,
                     int psk_order = 8,
                     int64_t skip = 0,
                     int64_t report_every = 0);
    // gen_params:end make
    // clang-format on
    virtual uint64_t count() const = 0;              //!< snapshots counted
    virtual std::vector<int64_t> errors() const = 0; //!< symbol errors per user
    virtual std::vector<double> ser() const = 0;     //!< 0 before anything was counted
    virtual std::vector<double> ber() const = 0;     //!< Gray mapping (M a power of two)
    virtual void reset() = 0;
    //! snapshots left out because a sent symbol on in1 was NaN or Inf (it has
    //! no PSK index to score against; the other users' symbols of that
    //! snapshot are left out too); reset() zeroes it. Declared last, so the
    //! virtual functions before it keep their places.
    virtual uint64_t ref_nonfinite() const = 0;
};

} // namespace isac
} // namespace gr

#endif
