/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Transmit-array phase calibration from one reference receiver.
 *
 * Every transmit channel n reaches the reference receiver with the unknown
 * complex gain g_n of its own DAC/LO/PA/cable, times the known array response:
 *
 *     y(t) = e^{j theta(t)} sum_n a_n(ref) g_n x_n(t - k - mu) + noise,
 *
 * a the module's steering vector (docs/conventions.md: the field radiated
 * toward ref is a(ref)^T x). Two set-ups give this model:
 *  - loopback: every Tx output through equal cables into one combiner and one
 *    receive channel (ref = 0: all a_n = 1);
 *  - far field: a receiver at a known angle ref in the far field of the array
 *    (2 D^2 / lambda away), in line of sight.
 * theta(t) is the receiver's own CFO and phase noise (a separate radio), k the
 * integer lag between x and y and mu, in [-1, 1], the fraction of a snapshot the
 * receiver samples beyond it: x_n(t - k - mu) is x band-limited
 * (fractional_delay's kernel). With mu left out, y holds the neighbouring
 * snapshots' share through that kernel; for x that is not white (a frame's
 * known sections) the share leans differently on each direction of x and biases
 * psi.
 *
 * The estimator runs in two phases of n_avg snapshots each, counting only
 * snapshots with a nonzero x (a muted payload radiates nothing and is skipped):
 *  1. lag: for blocks of block_len snapshots, v_k = sum_t y(t) x(t-k)^* and
 *     E_k += ||v_k||^2 (non-coherent across blocks, so a CFO or phase noise at
 *     the receiver costs only a little gain); k* = argmax E_k;
 *  2. gains: per block v = X^H y and A_blk = X^H X at lag k* + mu. The CFO
 *     is removed from y first (see remove_cfo), mu is the one of least
 *     residual of the fit below (a grid over [-1, 1], then a golden-section
 *     search; each trial's A and v are the kernel's weights on x's lag
 *     products, formed once, so a trial costs no pass over the stretch), and
 *     the CFO is estimated again at it. b is the
 *     least-squares fit of y_blk = e^{j theta_blk} X_blk b with one unknown
 *     rotation theta per block (the receiver's CFO and phase noise): start
 *     from the principal generalised eigenvector of (sum v v^H, A = sum A_blk),
 *     then alternate theta_blk = arg(b^H v_blk) and
 *     b = A^{-1} sum e^{-j theta_blk} v_blk to convergence. A block-by-block
 *     least-squares fit would fail here: a precoder's x can span fewer than
 *     n_tx dimensions within a block (the CI precoder with two users fills
 *     three of four), and only the sum over all blocks excites every channel.
 *     psi_n = arg(b_n b_0^*) - arg(a_n(ref) a_0(ref)^*) (channel 0 the
 *     reference), gains_db_n = 20 log10(|b_n| / |b_0|).
 *     The estimate needs x to excite every channel: an estimate whose
 *     sum X^H X has an eigenvalue spread above max_condition_db is not valid.
 *     Precoded payload alone may not do (see above); the frames' known
 *     sections (preamble, orthogonal pilots) do.
 *     Standard error: the least-squares covariance of (b, theta), with the
 *     noise s2 the fit's residual power (sum over the blocks of
 *     |y - e^{j theta} X b|^2 over the complex observations less the n_tx +
 *     n_blocks / 2 fitted parameters), through the delta method on psi_n.
 *     On the real and imaginary parts of b the Fisher information is
 *     (2 / s2) (R(A) - sum_blk c c^T / (b^H A_blk b)), R(A) the real form of
 *     A and c that of j A_blk b: each block's rotation takes the information
 *     along its own direction X_blk b. For a block's x that spans all of the
 *     array that direction is b's common phase, which psi does not see; for a
 *     precoder's x that spans fewer dimensions per block it is not, and
 *     s2 A^-1 alone would understate the error. b's common phase is not
 *     identified (a null direction, orthogonal to every psi's gradient). A
 *     residual that is not noise (phase noise within a block, drift, IQ
 *     images) inflates s2, and so the standard error, rather than hiding
 *     behind it.
 * Applying w_n = exp(-j psi_n) |g_0| / |g_n| (tx_cal_weights) to channel n
 * before the radio makes the radiated field a(theta)^T diag(g) diag(w) x
 * proportional to a(theta)^T x; exp(-j psi_n) alone aligns the phases only.
 * The estimator's x must be what the radio transmits (after that correction),
 * so that each estimate is absolute and a running correction never biases it.
 */
#ifndef INCLUDED_ISAC_CORE_TX_PHASE_H
#define INCLUDED_ISAC_CORE_TX_PHASE_H

#include <gnuradio/isac/core/types.h>
#include <cstdint>
#include <vector>

namespace gr {
namespace isac {
namespace core {

struct tx_phase_result {
    bool valid = false;
    std::vector<double> phases_rad; //!< psi_n, psi_0 = 0
    std::vector<double> gains_db;   //!< gains_db_0 = 0
    std::vector<double> phases_se_rad; //!< standard error of psi_n (psi_0: 0)
    long lag = 0;                   //!< k*
    double lag_peak_db = 0.0;       //!< E_k* over the median E_k (dB)
    double lag_score = 0.0;         //!< (E_k* - median) / robust spread of the other E_k
    double condition_db =
        0.0; //!< eigenvalue spread of sum X^H X: how unevenly x excited the channels
    //! Power of y the fit explains over the power it leaves (dB): about the
    //! reference receiver's SNR at the right lag
    double fit_db = 0.0;
    //! the reference receiver's CFO against x, removed before the fit
    //! (cycles per snapshot)
    double cfo = 0.0;
    //! the reference's delay beyond lag, in [-1, 1] samples: x is fitted
    //! band-limited at lag + frac_lag
    double frac_lag = 0.0;
    uint64_t snapshots = 0;
    //! snapshots from the gains phase's first to the estimate's last, muted ones
    //! included: the stretch of the stream whose channel phases psi refers to
    uint64_t span = 0;
};

/*!
 * Corrector weights for a valid estimate: w_n = exp(-j psi_n), and with
 * equalize_gains also |w_n| = c / |g_n|, c^2 = mean |g_n|^2 (g relative to
 * channel 0 from gains_db), so every channel reaches the field with the same
 * gain c and the total radiated power is unchanged. A transmit gain spread
 * left in the array is a different users' channel than the precoder's model
 * of the array and fills its clutter nulls.
 */
std::vector<cfloat> tx_cal_weights(const tx_phase_result& r, bool equalize_gains);

//! Largest eigenvalue spread of sum X^H X for a valid estimate (dB).
constexpr double max_condition_db = 20.0;
//! A valid estimate's fit explains at least this much more of y's power
//! (dB) than its parameters would explain of noise alone: a lag beyond
//! max_lag (a receiver's timing offset outside the search) leaves a peak of
//! partial correlations whose fit explains little more than that.
constexpr double min_fit_excess_db = 10.0;

class tx_phase_estimator
{
public:
    /*!
     * \param ref_rad angle of the reference receiver (0 for the loopback)
     * \param spacing element spacing in wavelengths
     * \param max_lag largest lag searched, [0, 65536]
     * \param n_avg snapshots per phase, >= block_len
     * \param block_len snapshots per least-squares block, >= 2 n_tx
     * \param min_score lag detection score (excess of the peak lag's energy over
     *        the median of the others, in robust standard deviations) for a
     *        valid estimate; a lag found in noise alone scores about 3-5
     */
    tx_phase_estimator(int n_tx,
                       double ref_rad,
                       double spacing,
                       int max_lag,
                       long n_avg,
                       int block_len,
                       double min_score = 12.0);

    //! x: n x n_tx as transmitted, y: n reference samples. True when an estimate
    //! completed.
    bool process(const cfloat* x, const cfloat* y, long n);
    const tx_phase_result& result() const { return d_result; }
    //! After process() returned true: the samples of that call up to the last
    //! one of the estimate (its position in the stream, whatever the call sizes).
    //! When several estimates complete in one call, result() and done_at() are
    //! the last one's.
    long done_at() const { return d_done_at; }
    //! Start again with the lag search.
    void restart();
    //! Skip the search: use this lag (>= 0) from now on.
    void set_lag(long lag);
    bool searching() const { return d_phase == 0; }
    int max_lag() const { return d_max; }

private:
    int d_ntx, d_max;
    long d_navg;
    int d_B;
    double d_min_score;
    cvec d_geom;     // a_n(ref) a_0(ref)^* phases to remove
    int d_phase = 0; // 0 lag search, 1 gains
    long d_count = 0;
    long d_lag = 0;
    double d_lag_peak_db = 0.0;
    double d_lag_score = 0.0;
    std::vector<double> d_E;
    cmat d_Q, d_A;         // sum of v v^H and of X^H X over the blocks
    cmat d_V;              // v of every block of the current estimate (its columns)
    std::vector<cmat> d_Ab; // and its X^H X (lower triangle), for the standard error
    double d_Y = 0.0;      // sum of |y|^2
    // block under construction (phase 1 and 2 both work in blocks)
    std::vector<cfloat> d_xh; // x history: max_lag snapshots + current block
    std::vector<cfloat> d_yb; // y of the current block
    // lag search: d_xh per antenna, real and imaginary parts apart (2 n_tx rows),
    // the block's correlations and their energy per lag
    std::vector<float> d_xa, d_cr, d_ci;
    std::vector<double> d_e;
    long d_blk = 0;           // snapshots in the current block
    long d_done_at = 0;
    long d_span = 0; // snapshots seen in the gains phase
    tx_phase_result d_result;

    void clear_estimate(); // the gains estimate's sums, count and span
    void finish_block();
    cvec solve_gains(double& condition_db) const;
    std::vector<double> phase_se(const cvec& b) const;
    double residual(const cvec& b) const; // sum |y - e^{j theta} X b|^2
    double remove_cfo();      // estimates the CFO, forms v again without it; returns it
    std::vector<cfloat> d_x2; // x at lag k* and y of the blocks of the current estimate
    std::vector<cfloat> d_y2;
    // the fit's regressor: x at lag k* + d_mu; the observations [d_lo, d_hi)
    // whose delay kernel lies within the stretch
    std::vector<cfloat> d_xf;
    double d_mu = 0.0;
    long d_lo = 0, d_hi = 0;
    static constexpr int frac_taps = 32;
    static constexpr double frac_beta = 6.0;
    void form_regressor(double mu); // d_xf, d_A, d_Ab, d_Y
    void form_v(double f);          // d_V, d_Q with y derotated by the CFO f
    double fit_fraction(double f);  // mu of the least residual; leaves its fit formed
    long blocks_used() const;
    std::vector<cdouble> model_derivative(const cvec& b) const; // d (x_mu^T b) / d mu
    // y e^{-j 2 pi f t} on [d_lo, d_hi) (0 elsewhere), kept for the last f
    const std::vector<cdouble>& derotated(double f);
    std::vector<cdouble> d_yf;
    double d_yf_f = 0.0;
    // The fit at any mu without a pass over the stretch: x_mu is a kernel of
    // x's offsets -D .. D (D = frac_taps / 2, within the margins d_lo and
    // d_hi keep), so its quadratic forms are the kernel's weights on x's lag
    // products, formed once per CFO f:
    //   d_gG[a][b] = sum_{t in [lo, hi)} conj(x(t - a)) x(t - b)^T,
    //   d_gc[d][blk] = sum_{t in blk and [lo, hi)} conj(x(t - d)) y_f(t)
    void gram_prepare(double f);
    void gram_form(double mu);          // d_A (lower), d_V, d_Q; d_Ab is not formed
    double rss_at(double mu, double f); // the fit's residual at mu
    // sum_blk ||X_blk^H y_blk e^{-j 2 pi f t}||^2 at f = (j - M/2) / M, j = 0 .. M-1
    std::vector<double> cfo_energies(int M) const;
    std::vector<cdouble> d_gG, d_gc;
    // form the fits of the fraction search directly: the test's reference,
    // and beyond 32 channels, where the lag products (33^2 n_tx^2 values)
    // cost about what the direct fits do
    bool d_direct_search = false;
    friend struct tx_phase_test_access;
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
