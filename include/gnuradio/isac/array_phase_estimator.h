/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_ARRAY_PHASE_ESTIMATOR_H
#define INCLUDED_ISAC_ARRAY_PHASE_ESTIMATOR_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief Per-channel phase offsets of an n_rx array from a calibration source.
 * \ingroup isac
 *
 * phi_n = angle(sum_t r_n(t) r_0(t)^*) - angle(a_n(cal_deg) a_0(cal_deg)^*),
 * channel 0 being the reference and a the module's steering vector with
 * `spacing` wavelengths (docs/conventions.md: a source at theta arrives as
 * a(theta)). Phases are per stream channel; reverse_elements: stream channel k
 * is antenna n_rx-1-k (set the same on the array_phase_corrector; the cal
 * message carries the flag). The calibration source is a pilot from a
 * known direction, or (cal_deg = 0) one tone split to all inputs.
 * in0: vectors of n_rx samples. Message out "cal": {"phases_rad": f64vector,
 * "weights": c32vector exp(-j phi), "phases_se_rad": f64vector, each phase's
 * standard error (0 for channel 0; the spread of the products over the tone
 * blocks, or over the snapshots without a tone: core/rx_phase.h),
 * "reverse_elements": bool, "last_snapshot":
 * the estimate's last snapshot, "offset": the snapshot from which a corrector
 * applies it, last_snapshot + max(8192, this block's input buffer size): a
 * corrector fed from the same buffer never receives it late} after the first
 * n_avg snapshots (once), or after every n_avg snapshots when continuous is
 * true. Both are absolute items of the run's stream (from 0 at start()). With
 * input buffers of up to 8192 items (GNU Radio's defaults) the offset is
 * last_snapshot + 8192; a larger buffer (set_min_output_buffer upstream, a
 * large max_noutput_items) moves it later, by the same amount in every run
 * with that buffer, so the corrected stream does not depend on the call
 * sizes or the threads' timing but does on such a buffer setting: the price
 * of never applying a calibration late (at whatever item the message
 * arrives). Message in
 * "recalibrate" (any message): start a new average.
 *
 * A calibration is published only from usable data: at least half of the
 * n_avg snapshots finite, samples that are not all zero or denormal, and every
 * channel correlated with channel 0 (|sum r_n r_0^*| above 1e-6 of
 * sqrt(sum|r_n|^2 sum|r_0|^2)). Otherwise the average is discarded, logged
 * and counted (rejected_count()) and a new one starts: a NaN, zero or
 * denormal input never produces a calibration. A restart starts a new average.
 */
class ISAC_API array_phase_estimator : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<array_phase_estimator> sptr;
    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_rx             receive channels (vlen); [1, 4096]
     * \param cal_deg          direction of the calibration source (deg); [-90, 90]
     * \param n_avg            snapshots per estimate; [1, 2^40]
     * \param spacing          element spacing (wavelengths); (0, 1000]
     * \param reverse_elements stream channel k is antenna n_rx-1-k
     * \param continuous       publish after every n_avg snapshots (else once)
     * \param tone_freq        0, or the pilot is a CW tone at this offset: each channel is demodulated and summed over blocks of tone_block snapshots before the products z_n z_0^* are averaged, so wideband signals at the array (the radar's echo) are suppressed by 1/tone_block (cycles/sample); (-0.5, 0.5)
     * \param tone_block       snapshots per coherent tone sum; [1, 1073741824]
     */
    static sptr make(int n_rx = 4,
                     double cal_deg = 0.0,
                     int64_t n_avg = 4096,
                     double spacing = 0.5,
                     bool reverse_elements = false,
                     bool continuous = false,
                     double tone_freq = 0.0,
                     int64_t tone_block = 1024);
    // gen_params:end make
    // clang-format on
    //! The last published estimate (radians, n_rx values); empty before the first.
    virtual std::vector<double> phases() const = 0;
    virtual uint64_t rejected_count() const = 0;
    //! Calibrations published on "cal", over the block's life (restarts included).
    virtual uint64_t estimates() const = 0;
};

} // namespace isac
} // namespace gr

#endif
