/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_DETECTION_METER_H
#define INCLUDED_ISAC_DETECTION_METER_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <cstdint>
#include <tuple>

namespace gr {
namespace isac {

/*!
 * \brief Counts detections of a normalised statistic (|z|/kappa >= threshold).
 * \ingroup isac
 *
 * in0: the float statistic of one_bit_rx_filter; out0 (optional): the detection
 * rate of the run after each item, run_detections() / run_count() (for GUI number
 * sinks: the run on screen, not the totals of the runs before the last start());
 * unconnected, the meter is a sink. A NaN or infinite statistic is never a detection (it
 * is counted by nonfinite_count()). A negative statistic is no decision
 * (one_bit_rx_filter's -1 where nothing was transmitted): it is counted by
 * no_decision_count() alone, not by count(), rate() or mean_statistic(). The first `skip`
 * items after each start() are not counted; totals accumulate across restarts, and the
 * run_ getters (run_count(), run_detections(), ...) hold the same counts since the last
 * start().
 *
 * With period > 1 the meter counts only CPI ends: items i (counted from 0 at each
 * start(), the record window's numbering; skip still applies to i) with
 * (i - s + 1) % period == 0, s the CPI start, 0 at start() and then the item of
 * the last "isac_cpi" tag on in0, which one_bit_rx_filter puts on its statistic
 * where it restarts a CPI mid-stream (an isac_cpi tag on its r, a parameter
 * change). With period = cpi_len those are the filter's CPI decisions, the items
 * cpi_decimator keeps (keep_one_in_n's count survives a stop()/start() and
 * follows no restart). out0 still has one item per input item (the rate after it).
 *
 * set_record_window() keeps the statistic of some items for recorded(): a
 * bounded record (e.g. one decision per CPI over a measurement window) where a
 * vector sink would keep every item of a run (and its tags).
 */
class ISAC_API detection_meter : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<detection_meter> sptr;
    // clang-format off
    // gen_params:begin make
    /*!
     * \param threshold a statistic >= threshold is a detection; (0, inf)
     * \param skip      items not counted after each start(); [0, inf)
     * \param period    counts only items i (from 0 at each start()) with (i - s + 1) % period == 0, s the CPI start: 0, then the item of the last isac_cpi tag on in0 (one_bit_rx_filter tags a CPI it restarts mid-stream): one_bit_rx_filter's CPI ends with period = cpi_len; [1, inf)
     */
    static sptr make(double threshold = 1.0,
                     int64_t skip = 0,
                     int64_t period = 1);
    // gen_params:end make
    // clang-format on
    virtual uint64_t count() const = 0;
    virtual uint64_t detections() const = 0;
    virtual double rate() const = 0;
    //! mean of the finite statistics over the counted items (count() less
    //! nonfinite_count() of them; 0 before the first)
    virtual double mean_statistic() const = 0;
    virtual uint64_t nonfinite_count() const = 0;
    //! negative statistics (no decision: nothing was transmitted), not in count()
    virtual uint64_t no_decision_count() const = 0;
    //! count(), detections(), nonfinite_count() and no_decision_count() of the
    //! current or last run: start() sets them to 0 (the totals go on)
    virtual uint64_t run_count() const = 0;
    virtual uint64_t run_detections() const = 0;
    virtual uint64_t run_nonfinite_count() const = 0;
    virtual uint64_t run_no_decision_count() const = 0;
    //! (run_detections(), run_count(), run_no_decision_count(),
    //! run_nonfinite_count()) read together, under one lock: the same instant
    //! while the flowgraph runs, as separate getters are not
    virtual std::tuple<uint64_t, uint64_t, uint64_t, uint64_t> run_counts() const = 0;
    //! the items counted after each start() (make()'s skip and period)
    virtual int64_t skip() const = 0;
    virtual int64_t period() const = 0;
    /*!
     * Record the statistic of items i (counted from 0 at each start()) with
     * first <= i < end and (i + 1) % every == 0: the last item of each group of
     * `every` (one_bit_rx_filter's CPI decisions with every = cpi_len). Clears
     * the record; set while running, it records the window's items still to
     * come. Throws (naming the parameter) unless 0 <= first <= end, every >= 1
     * and the record stays under 2^27 values.
     */
    virtual void set_record_window(int64_t first, int64_t end, int every = 1) = 0;
    //! The recorded statistics in item order (a NaN statistic is kept as NaN)
    //! of the current or last run: start() clears the record (its item
    //! indices start again at 0) and keeps the window.
    virtual std::vector<float> recorded() const = 0;
};

} // namespace isac
} // namespace gr

#endif
