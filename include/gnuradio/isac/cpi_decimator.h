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
 * item per cpi_len inputs, the CPI end among input items [k cpi_len, (k + 1)
 * cpi_len). CPIs start at item 0 of each start() (after stop()/wait(),
 * the flowgraph's items count from 0 again and the filter
 * restarts its CPI there) and again at each "isac_cpi" tag on in0, which
 * one_bit_rx_filter puts on its statistic where it restarts a CPI mid-stream
 * (an isac_cpi tag on its r, a parameter change); CPI ends are the items
 * s + m cpi_len - 1 (m >= 1) after a CPI start s, before the next. Without tags,
 * out[k] = in[k cpi_len + cpi_len - 1]. A restart drops the partial CPI, so a
 * group of cpi_len inputs holds at most one CPI end; a group a restart leaves
 * without one gives its last item (the filter's 0). The items kept are the ones
 * detection_meter counts with period = cpi_len.
 *
 * GNU Radio's keep_one_in_n(cpi_len) keeps its count across a stop(), wait()
 * and start(): after a run that stopped in mid-CPI it keeps items between the new
 * run's CPI ends (zeros), and it never follows a restarted CPI.
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
