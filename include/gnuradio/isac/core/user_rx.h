/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A user's downlink receiver for the frames of frame.h (docs/user_receiver.md):
 * one complex stream in (the user's antenna, sampled once per snapshot, with
 * the timing offset, CFO and phase noise of a real radio), per frame out: the
 * frame's timing, CFO, SNR, its LS channel row, the corrected payload samples
 * and their M-PSK decisions, and now and then a row to feed back.
 *
 *  1. Acquisition: the preamble repeats with period `block`, so
 *     P(d) = sum y*(d+m) y(d+m+block) over (reps-1) blocks has |P|^2/(E1 E2)
 *     near (rho/(1+rho))^2 at the frame start whatever the channel (rho the
 *     per-sample SNR) and near 1/((reps-1) block) elsewhere. Its peak gives a
 *     coarse start and angle(P)/(2 pi block) a coarse CFO (+-1/block
 *     hypotheses resolve a CFO up to 1.5/block). The next frame's known
 *     section confirms an acquisition; if it does not fit, the first frame
 *     is dropped and the search resumes just after it.
 *  2. Timing: the known section (preamble and pilots) is fitted by LS,
 *     y = g X; the fitted energy ||y X^H (X X^H)^-1/2||^2 is largest at the
 *     true start. Integer search, then a fractional delay by parabolic
 *     refinement over band-limited (Kaiser-windowed sinc) interpolation; the
 *     whole frame is resampled at the estimated instants. A frame whose fit
 *     falls more than mismatch_margin_db below the SNR its preamble metric
 *     shows is another format's (seed, lengths): rejected and counted.
 *  3. CFO: on the first frames, Kay's weighted phase-difference estimator over
 *     the preamble blocks (efficient at high SNR); then a frequency-locked loop
 *     on the phase advance of the pilot estimate from frame to frame (an
 *     observation over a whole frame, so far more precise), with the
 *     preamble estimate kept as a guard against a 1/frame_len slip.
 *  4. Channel: LS from the orthogonal pilots; a phase-continuous average over
 *     frames (csi_tracker, memory 8 avg_frames frames); LS or MMSE (prior
 *     CN(0, beta C), C exponential with channel_corr, beta given or
 *     estimated) for the reported row. Reports on the frame grid every
 *     report_every frames once avg_frames frames are averaged; the row
 *     changes when the channel moved beyond the estimation error or the
 *     error has halved since the last change (so the precoder redesigns
 *     rarely on a static channel).
 *  5. Common phase: the rotation of the frame's known section against the
 *     reference row (the channel the precoder uses: from the csi messages,
 *     else the last row this receiver reported, which shares the average's
 *     phase), one parameter fitted on all known samples; the payload's phase
 *     is interpolated between this frame's rotation and the next frame's, so
 *     a frame is output one frame late; a slow decision-directed loop
 *     (pll_gain) trims what is left.
 *  6. Header: +1 when the payload is precoded; decisions are made only then,
 *     and only once the frequency is locked.
 *
 * Frame numbers: the receiver's own grid says frame g starts within
 * frame_len/2 of sample g frame_len + grid_offset (grid_offset = 0 when the
 * receiver's stream starts with the transmitter's, as in emulation and with
 * the timed start of docs/ota.md); the header's code gives the transmitter's
 * number mod 16, so a receiver that sees the frames up to 15 frames late
 * (a timing offset of any sign below that) still numbers them as sent.
 *
 * Plain C++ (Eigen), no GNU Radio runtime. Not thread-safe: the owner
 * serialises calls.
 */
#ifndef INCLUDED_ISAC_CORE_USER_RX_H
#define INCLUDED_ISAC_CORE_USER_RX_H

#include <gnuradio/isac/core/csi_estimation.h>
#include <gnuradio/isac/core/frame.h>
#include <gnuradio/isac/core/types.h>
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

namespace gr {
namespace isac {
namespace core {

struct user_rx_params {
    frame_format format;
    int psk_order = 4;
    double power = 1.0; //!< transmitter's E: pilot entries are sqrt(E/(2 n_tx)) (+-1 +-j)
    csi_estimator estimator = csi_estimator::ls;
    double channel_var = 0.0;  //!< MMSE prior beta per entry; 0 = estimated from the data
    double channel_corr = 0.0; //!< MMSE prior correlation r across antennas, [0, 1)
    double csi_noise_var =
        0.0;               //!< report rows scaled to this noise variance; 0 = as received
    int avg_frames = 8;    //!< frames averaged before the first report (memory: 8 x)
    int report_every = 16; //!< frames between reports (on the frame grid)
    double report_threshold = 0.01; //!< relative change (NMSE) that sends a new row
    double sync_threshold = 0.15;   //!< |P|^2/(E1 E2) to declare a preamble
    //! a frame's known-section fit SNR may fall this far (dB) below the SNR its
    //! preamble metric shows; further below, the known section is not the
    //! transmitter's (a format mismatch) and the frame is rejected. inf: off.
    double mismatch_margin_db = 10.0;
    //! ... but a fit at or above this SNR (dB) is always the transmitter's format
    //! (wrong formats fit at most ~11 dB; clipping and IQ images cap a right
    //! format's fit while the preamble metric keeps rising).
    double mismatch_cap_db = 13.0;
    int interp_half = 16;           //!< interpolator half length (2 half + 1 taps)
    double pll_gain = 0.01;         //!< decision-directed phase loop gain (rad/rad)
    double fll_gain = 0.25;         //!< frequency loop gain per frame
    int max_misses = 4;             //!< missed frames before re-acquisition
    long grid_offset = 0;           //!< frame k starts near k frame_len + grid_offset

    void validate() const;
};

//! One received frame.
struct rx_frame {
    uint64_t index = 0;       //!< frame number (the transmitter's, from grid and header)
    double start = 0;         //!< estimated start (absolute sample, fractional)
    double cfo = 0;           //!< CFO estimate after this frame (cycles/sample)
    double cfo_preamble = 0;  //!< this frame's own preamble estimate (cycles/sample)
    double noise_var = 0;     //!< this frame's noise estimate (receiver units)
    double snr_db = 0;        //!< pilot SNR |g x|^2 / noise per sample
    double sync_snr_db = 0;   //!< SNR the preamble metric shows (rho/(1+rho) = sqrt M)
    double fit_snr_db = 0;    //!< the timing search's known-section fit SNR (the test's)
    bool acquired = false;    //!< first frame after an acquisition
    bool header_flag = false; //!< payload precoded (the header said so)
    int header_code = 0;      //!< the header's code: the frame number mod 16
    bool decided = false;     //!< payload decisions were made (flag and a reference)
    cvec g_ls; //!< this frame's LS row (absolute units, this frame's phase)
    std::vector<cfloat>
        payload; //!< payload samples after timing, CFO and phase correction
    std::vector<int> decisions;  //!< M-PSK indices (empty unless decided)
    double phase = 0;            //!< common phase removed (rad, from the known section)
    double phase_drift = 0;      //!< phase the decision-directed loop added by the end
    bool report = false;         //!< a row to feed back is attached
    bool report_changed = false; //!< it differs from the previous report
    cvec row;            //!< reported row, absolute units (scaled by csi_noise_var)
    double row_nmse = 0; //!< its predicted NMSE (estimation error only)
    //! frames() and missed() when this frame was output: the receiver's counts
    //! as of this frame, the same however the samples were pushed
    uint64_t frames_found = 0, missed_total = 0;
};

//! Band-limited interpolation: Kaiser-windowed sinc, 2 half + 1 taps.
class frac_interp
{
public:
    explicit frac_interp(int half);
    int half() const { return d_half; }
    //! Value at position p + delta (|delta| <= 0.5) of the sampled signal
    //! x[p - half .. p + half] (x points at sample p).
    cfloat at(const cfloat* x, double delta) const;
    //! out[k] = value at p + k + delta, k = 0..n-1 (x points at sample p).
    void run(const cfloat* x, double delta, cfloat* out, size_t n) const;
    void taps(double delta, float* h) const;

private:
    int d_half;
    double d_beta, d_i0beta;
    std::vector<float> d_half_taps; // delta = 0, +-0.25, +-0.5
    void compute_taps(double delta, float* h) const;
};

/*!
 * out[k] = sum_i x[k + i] h[i], i = 0..ntaps-1, k = 0..n-1, each sum accumulated in
 * float in tap order (the scalar loop's result bit for bit, computed for several k
 * at once).
 */
void interp_fir(const cfloat* x, const float* h, int ntaps, cfloat* out, size_t n);

/*!
 * Variance of Kay's weighted phase-difference estimator of the CFO (cycles per
 * sample) over `reps` repetitions of a block of `block` samples whose noiseless
 * energy per block is S, noise variance s2 per sample: the first-order term
 * s2/(2S) sum (w_{k-1} - w_k)^2 (= the CRB for Kay's weights) plus the
 * noise-times-noise term block s2^2/(2 S^2) sum w_k^2, over (2 pi block)^2.
 */
double kay_cfo_variance(int block, int reps, double S, double s2);
//! CRB of the CFO (cycles/sample) for the same repeated unknown block: 6 s2 / (S
//! reps (reps^2 - 1)) / (2 pi block)^2.
double repeated_block_cfo_crb(int block, int reps, double S, double s2);

class user_receiver
{
public:
    explicit user_receiver(const user_rx_params& p);

    const user_rx_params& params() const { return d_p; }
    const frame_patterns& patterns() const { return d_pat; }

    //! Appends n received samples (non-finite ones are replaced by 0 and counted).
    void push(const cfloat* y, size_t n);
    /*!
     * Next processed frame, if any. A frame comes out when the next frame's
     * known section has been received (its payload phase is interpolated
     * between the two), or right away after a miss.
     */
    bool pop(rx_frame& f);
    //! Releases the held frame (end of the stream), its phase extrapolated flat;
    //! an acquisition no next frame confirmed is dropped instead (as after a
    //! miss), so a receiver of another frame length outputs nothing.
    void flush();
    size_t pending() const { return d_out.size(); }
    /*!
     * No frame numbered below this comes out of pop() any more, whatever the
     * samples still to come: the earliest start the receiver can still find a
     * frame at (the next frame's search, or an acquisition from there after
     * misses or an unconfirmed first frame, 2 preamble blocks back), on the
     * frame grid, less the 15 frames a header code can move a number back; a
     * held or unpopped frame's number if lower. The transmitted symbols of the
     * frames below it are no longer needed (reference_window::release_before).
     */
    uint64_t first_expected_frame() const;

    /*!
     * The row the precoder uses from the frame starting at or after `offset`
     * (the csi dict's offset, transmitter snapshots = this receiver's grid).
     * Sets the common-phase reference; rows that are later reported by this
     * receiver no longer replace it.
     */
    void set_reference(const cvec& row, uint64_t offset);

    void reset();
    //! Runtime change of the tracking loop gains (validated, see user_rx_params).
    void set_loop_gains(double pll_gain, double fll_gain);

    bool locked() const { return d_state == state::track; }
    double cfo() const { return d_cfo; }
    uint64_t samples() const { return d_buf0 + d_buf.size(); }
    uint64_t frames() const { return d_frames; }
    uint64_t acquisitions() const { return d_acquisitions; }
    uint64_t missed() const { return d_missed_total; }
    //! Acquisitions the next frame did not confirm (dropped, searched again).
    uint64_t false_acquisitions() const { return d_false_acq; }
    uint64_t nonfinite() const { return d_nonfinite; }
    /*!
     * Frames rejected because their known section did not fit although the
     * preamble metric showed a strong frame there (user_rx_params::
     * mismatch_margin_db): a receiver whose frame format (n_tx, payload_len,
     * preamble_block, preamble_reps, pilot_len, frame_seed) is not the
     * transmitter's. No row, CSI or decisions come from them.
     */
    uint64_t format_mismatches() const { return d_mismatches; }
    //! the last such frame's known-section fit SNR and preamble-metric SNR (dB)
    double mismatch_fit_snr_db() const { return d_mm_fit_db; }
    double mismatch_sync_snr_db() const { return d_mm_sync_db; }
    /*!
     * Acquisitions off this receiver's frame grid: a receiver whose frame_len
     * is not the transmitter's (payload_len or guard_len differ; the known
     * section before them still fits, so format_mismatches() does not see it)
     * acquires each frame, finds no next frame where its frame_len puts it,
     * and acquires the next one. Counted when an unconfirmed acquisition is
     * followed by one more than the tracking search (2 samples) off the grid,
     * at the same spacing (within a sample) as the previous such pair: a
     * steady spacing, not a false alarm on noise.
     */
    uint64_t grid_mismatches() const { return d_grid_mm; }
    //! the spacing of the last such pair of acquisitions (samples): the
    //! transmitter's frame_len, or a multiple of it when frames were missed
    double grid_mismatch_spacing() const { return d_grid_spacing; }
    const csi_tracker& tracker() const { return d_tracker; }
    double noise_var() const { return d_noise_var; }

private:
    enum class state { acquire, track };
    struct fit_result {
        double energy = 0, fitted = 0, rho = -1;
    };

    user_rx_params d_p;
    const frame_patterns d_pat;
    const frac_interp d_interp;        // final resampling of the frame
    const frac_interp d_interp_search; // timing search (shorter)
    const int d_F, d_L, d_R, d_Lp, d_n;
    const double d_amp;
    cmat d_R_prior;

    // known section used for timing (preamble blocks + pilots), positions and
    // the whitened LS projection A = X^H (X X^H)^-1/2 (L_k x n)
    std::vector<int> d_kpos;
    cmatf d_A;
    cmatf d_B;  // X^H (X X^H)^-1: the LS row from the known samples
    cmatf d_XK; // n x L_k (sign units)

    // sample buffer
    std::vector<cfloat> d_buf;
    uint64_t d_buf0 = 0;
    uint64_t d_nonfinite = 0;

    state d_state = state::acquire;
    uint64_t d_scan = 0; // next acquisition candidate (absolute)
    // The acquisition's sliding sums where the last scan stopped for more
    // samples (pos = d_scan), so that the next push continues them: sums
    // initialised wherever a push happened to end would round differently.
    struct scan_sums {
        int64_t pos = -1; // -1: none
        cdouble PL, P1;
        double E1 = 0, E2 = 0;
        int64_t since_init = 0;
    } d_sums;
    double d_next = 0;   // predicted start of the next frame (tracking)
    int d_misses = 0;
    bool d_wait = false; // frame_at() needs more samples

    // oscillator: derotation phase(n) = d_ph0 + 2 pi d_cfo (n - d_n0)
    double d_cfo = 0, d_ph0 = 0;
    double d_n0 = 0;
    int d_freq_frames = 0;      // frames since lock (frequency acquisition stage)
    bool d_freq_locked = false; // frequency acquisition done: the pilot FLL runs
    double d_freq_var = 0; // sum of the predicted variances of the averaged estimates
    double d_pre_avg = 0;  // smoothed preamble residual (slip guard)
    double d_pre_var = 0;  // its predicted variance
    cvec d_prev_g;         // previous frame's LS row
    double d_prev_start = 0;
    bool d_have_prev = false;

    csi_tracker d_tracker;
    double d_noise_var = 0;
    int d_noise_n = 0;

    // references for the common phase
    struct ref_row {
        uint64_t offset;
        cvec row;
    };
    std::deque<ref_row> d_refs; // from set_reference, oldest first
    uint64_t d_ref_pos = 0;     // start of the last frame a reference was looked up for
    bool d_external_ref = false;
    cvec d_own_ref; // last row this receiver reported
    bool d_have_report = false;
    cvec d_last_report;
    double d_last_report_nmse = 0;

    uint64_t d_frames = 0, d_acquisitions = 0, d_missed_total = 0, d_false_acq = 0;
    uint64_t d_mismatches = 0;
    double d_mm_fit_db = 0, d_mm_sync_db = 0;
    uint64_t d_grid_mm = 0;
    double d_grid_spacing = 0;
    // the last acquisition: its start, d_false_acq then, and its spacing from
    // the one before when that was off the grid (d_off_spacing > 0)
    bool d_have_acq = false;
    double d_last_acq = 0, d_off_spacing = 0;
    uint64_t d_false_at_acq = 0;
    uint64_t d_frames_since_acq = 0, d_acq_start = 0;
    int64_t d_tmin = 0; // earliest start an acquisition may return
    std::deque<rx_frame> d_out;

    // the last frame, whose payload waits for the next frame's phase
    struct held {
        rx_frame f;
        bool has_ref = false, locked = false;
        cvec ref;
        double psi = 0, center = 0;
    };
    held d_held;
    bool d_have_held = false;
    double d_kcenter = 0;    // mean position of the known samples in a frame
    bool d_t_smooth = false; // timing smoothing active (tracking)
    int64_t d_index_lag = 0; // grid index - frame number (from the header codes)
    int d_code_misses = 0;
    bool d_lag_confirmed = false;
    // per-frame scratch, grow-only (every element is written before it is read):
    // zero-filled allocations per frame were a tenth of the receiver's instructions
    std::vector<cfloat> d_seg;
    std::vector<double> d_phi, d_vy, d_vx;
    std::vector<cdouble> d_lines;

    void process();
    bool acquire();
    bool track();
    //! derotated copy of [a, b) (absolute), zero outside the buffer
    void segment(int64_t a, int64_t b, std::vector<cfloat>& out) const;
    double fit_energy(const std::vector<cfloat>& seg,
                      int64_t seg0,
                      double t0,
                      std::vector<cfloat>& scratch,
                      fit_result* fr = nullptr) const;
    //! fine timing around integer start d (search +-S); returns t0 and the fit
    double fine_timing(const std::vector<cfloat>& seg,
                       int64_t seg0,
                       int64_t d,
                       int S,
                       fit_result& fr) const;
    //! Processes the frame near t0_guess (search +-S); with probe_rho only
    //! reports the fit of the best start there.
    bool frame_at(double t0_guess, int S, bool acquisition, double* probe_rho = nullptr);
    double kay(const std::vector<cfloat>& z) const;
    //! largest preamble metric |P|^2/(E1 E2) for starts within a block of d
    double preamble_metric(int64_t d) const;
    double rotation(const std::vector<cfloat>& z, const cvec& ref) const;
    void finish_held(bool have_end, double psi_end, double center_end);
    void note_acquisition(double t0);
    uint64_t grid_index(double start) const;
    const cvec* reference_for(uint64_t frame_start) const;
    void set_oscillator(double cfo, double at);
    void restart_frequency_acquisition();
    void trim();
};

/*!
 * One user's transmitted symbols for the comparison with a receiver's decided
 * frames (frame k's are symbols k payload_len .. (k + 1) payload_len - 1 of
 * the stream), kept from the first frame the receiver can still output
 * (user_receiver::first_expected_frame) to the last symbol received. Which
 * frames find their symbols then depends on the samples and symbols only, not
 * on how far one stream runs ahead of the other or how they are split into
 * calls, as long as fewer than `cap` symbols are kept: past it the oldest go
 * (counted in dropped(); a radio late by more than the cap, or one that
 * delivers no frames while the symbols run on).
 */
class reference_window
{
public:
    //! The symbols of 128 frames, at least 2^16 and at most 2^24 (128 MiB).
    static size_t default_cap(int payload_len);

    reference_window(int payload_len, size_t cap);

    //! Appends the next n symbols of the stream, x[0], x[stride], ... (one
    //! element of vectors of `stride`). Those of released frames are skipped.
    void push(const cfloat* x, size_t n, size_t stride = 1);
    //! The symbols of the frames below `frame` go, also those still to come.
    void release_before(uint64_t frame);

    enum class lookup {
        ready,   //!< all payload_len symbols kept: *sym points at them
        waiting, //!< not all received yet
        gone     //!< released, or dropped by the cap
    };
    lookup find(uint64_t frame, const cfloat** sym) const;

    uint64_t begin() const { return d_begin; } //!< first symbol kept (or to keep)
    uint64_t end() const { return d_end; }     //!< symbols pushed
    size_t size() const { return d_end > d_begin ? size_t(d_end - d_begin) : 0; }
    int payload_len() const { return int(d_Ld); }
    size_t cap() const { return d_cap; }
    uint64_t dropped() const { return d_dropped; } //!< symbols dropped by the cap
    void reset();

private:
    const uint64_t d_Ld;
    const size_t d_cap;
    std::vector<cfloat> d_buf; // symbols d_buf0 .. d_end - 1
    uint64_t d_buf0 = 0, d_begin = 0, d_end = 0, d_dropped = 0;
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
