/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tx->Rx loop-delay estimation from the transmitted snapshots x and the
 * received echo r, for the blocks that must line x up with r (the radar
 * receive filter and the DoA estimator both model r(t) as a function of x(t)).
 *
 * Model: r(t) = sum_k G h(k - d) x(t - k) + n(t), G an unknown n_rx x n_tx
 * matrix (scene, array, per-channel phases), h a band-limited real kernel
 * symmetric about d (DAC/ADC and interpolation filters), d = D + f the loop
 * delay. x is white in time (one independent precoded vector per snapshot), so
 * the cross-correlation matrices
 *
 *     C_k = sum_t (r(t) - mean r)(x(t - k) - mean x)^H  ~  N h(k - d) G R_x,
 *
 * k = 0 .. max_delay, share one matrix up to the kernel sample h(k - d).
 *
 *  1. integer part: k0 = argmax_k ||C_k||_F^2 (invariant to any per-channel
 *     phase or gain, so it needs no calibration); its peak over the median of
 *     the lags away from the peak is the detection margin `peak_db`;
 *  2. fraction: p_k = <C_k0, C_k> / ||C_k0|| = ||G R_x|| N h(k0 - d) h(k - d)
 *     is one real kernel shifted by d, so its DTFT has phase -2 pi nu d for any
 *     symmetric h; d is the slope of that phase, fitted by weighted least
 *     squares over |nu| <= 0.3 cycles/sample (where every practical kernel
 *     passes the signal). A fit to a sinc would be biased by the unknown window
 *     of h; the phase slope is not.
 *  3. standard error: the fit's own linearisation (delta method). The noise
 *     of every C_k entry (the echo's noise and x's self-noise at the lags the
 *     kernel does not reach) is about white across k for a white x, with the
 *     per-entry variance s2 = E_far / (n_rx n_tx) read off the far lags'
 *     median E_far (corrected to a mean); each projection p_k then carries
 *     CN(0, s2) and var(d) = s2 / 2 sum_k (|dd/dRe p_k|^2 + |dd/dIm p_k|^2),
 *     the derivatives of the very fit above by central differences. A closed
 *     form of the kernel's fit would need h; batch means over sub-blocks of
 *     the window would need a fit per batch at 1/B of the margin, which near
 *     the detection threshold has no peak to fit.
 */
#ifndef INCLUDED_ISAC_CORE_LOOP_DELAY_H
#define INCLUDED_ISAC_CORE_LOOP_DELAY_H

#include <gnuradio/isac/core/types.h>
#include <cstdint>
#include <vector>

namespace gr {
namespace isac {
namespace core {

struct loop_delay_result {
    bool valid = false;
    double delay = 0.0;          //!< D + f, samples
    long integer = 0;            //!< D = floor(delay)
    double fractional = 0.0;     //!< f in [0, 1)
    long peak_lag = 0;           //!< k0
    double peak_db = 0.0;        //!< ||C_k0||^2 over the median of the far lags (dB)
    double delay_se = 0.0;       //!< standard error of delay (samples, delta method)
    uint64_t snapshots = 0;      //!< snapshots averaged
    std::vector<double> profile; //!< ||C_k||_F^2 / ||C_k0||_F^2, k = 0 .. max_delay
};

class loop_delay_estimator
{
public:
    /*!
     * \param max_delay largest lag searched, [4, 65536]
     * \param n_avg snapshots per estimate, >= 16
     * \param min_peak_db detection margin below which an estimate is not valid
     */
    loop_delay_estimator(
        int n_tx, int n_rx, int max_delay, long n_avg, double min_peak_db = 12.0);

    /*!
     * x: n x n_tx, r: n x n_rx, snapshot t of both taken at the same radio time.
     * Returns true when an estimate completed inside this call (then result()
     * holds it and the next one starts accumulating from the following snapshot).
     * Snapshots with a non-finite entry are skipped. The estimate is the same to
     * the bit however the stream is split into calls (its float sub-block sums
     * start at fixed snapshots of the estimate; a call's incomplete sub-block
     * waits for the next call).
     */
    bool process(const cfloat* x, const cfloat* r, long n);
    const loop_delay_result& result() const { return d_result; }
    //! After process() returned true: the samples of that call up to the last
    //! one of the estimate (its position in the stream, whatever the call sizes).
    long done_at() const { return d_done_at; }
    //! Drop the running accumulation and its pending sub-block (the x history
    //! stays).
    void restart();

    /*!
     * The estimate from correlation matrices C[k] (n_rx x n_tx, already
     * centred), k = 0 .. max_delay. Pure function, for tests and studies.
     */
    static loop_delay_result fit(const std::vector<cmat>& C, double min_peak_db);

private:
    int d_ntx, d_nrx, d_max;
    long d_navg;
    double d_min_peak_db;
    long d_count = 0;
    long d_done_at = 0;
    std::vector<cmat> d_C;      // running sums of r x^H per lag
    cvec d_sum_x, d_sum_r;      // for the means
    // last max_delay + pending x snapshots (oldest first)
    std::vector<cfloat> d_hist;
    // r rows of an incomplete sub-block, summed when the next call completes it
    std::vector<cfloat> d_rpend;
    long d_hist_valid = 0;      // how many of them are real (not start-up zeros)
    loop_delay_result d_result;
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
