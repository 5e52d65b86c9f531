/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_CPI_DECIMATOR_H
#define INCLUDED_ISAC_CPI_DECIMATOR_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_decimator.h>

namespace gr {
namespace isac {

/*!
 * \brief Keeps the last item of every CPI: a keep_one_in_n whose count restarts
 * with each start(), as one_bit_rx_filter's CPIs do.
 * \ingroup isac
 *
 * in0: float items (one_bit_rx_filter's statistic, one per snapshot); out0: one
 * item per cpi_len inputs, out[k] = in[k cpi_len + cpi_len - 1], items counted
 * from 0 at each start(). Those are the filter's CPI decisions (its statistic is 0
 * between CPI ends) while its CPIs run from item 0 of each start(): no isac_cpi
 * tags and no parameter change while running. The items kept are the ones
 * detection_meter counts with period = cpi_len.
 *
 * GNU Radio's keep_one_in_n(cpi_len) keeps its count across a stop(), wait()
 * and start(): after a run that stopped in mid-CPI it keeps items between the new
 * run's CPI ends (zeros). This block holds no count: top_block.start() after
 * stop()/wait() gives it new buffers whose items count from 0, and a decimator
 * consumes whole groups of cpi_len, so out[k] is item k cpi_len + cpi_len - 1 of
 * the run. (lock()/unlock() reuses the buffers; not covered here.)
 *
 * A tag on input item i goes to out[floor(i / cpi_len)]: each tag of a CPI (e.g.
 * one_bit_rx_filter's isac_detect on its CPI end) goes on that CPI's decision.
 * Tags on the items of a run's last, unfinished CPI go nowhere.
 */
class ISAC_API cpi_decimator : virtual public gr::sync_decimator
{
public:
    typedef std::shared_ptr<cpi_decimator> sptr;
    // clang-format off
    // gen_params:begin make
    /*!
     * \param cpi_len keeps items i (from 0 at each start()) with (i + 1) % cpi_len == 0: one_bit_rx_filter's CPI ends with its cpi_len; [1, 16777216]
     */
    static sptr make(int cpi_len = 1);
    // gen_params:end make
    // clang-format on
    virtual int cpi_len() const = 0;
};

} // namespace isac
} // namespace gr

#endif
