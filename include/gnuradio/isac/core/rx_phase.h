/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Receive-array phase calibration: the phase of every channel against
 * channel 0 from the averaged products p_k = z_n(k) z_0(k)^* of K
 * observations z(k) (array_phase_estimator: the snapshots themselves, or on a
 * pilot tone each tone block's demodulated sums), phi_n = arg(sum_k p_k).
 *
 * Standard error: linearised about the estimate, phi_n's error is
 * Im(sum_k (p_k - E p) e^{-j phi}) / |sum_k p_k|, so with independent
 * observations
 *
 *     se_n^2 = K / (K - 1) * sum_k Im(p_k e^{-j phi_n})^2 / |sum_k p_k|^2,
 *
 * the sample variance of the products across the phase direction (K - 1: phi
 * itself was fitted), kept as the running sums of p, p^2 and |p|^2. Every p_k
 * has the mean phase phi, so this holds for observations of unequal weight
 * too (a last, partial tone block). Why the sample spread rather than a
 * closed form at the measured SNR: what the tone block leaves of the
 * radar's echo, clutter and the users' signals is neither white nor
 * independent across the channels (one echo reaches all of them), and the
 * closed form 1/2 (1/rho_n + 1/rho_0 + 1/(rho_n rho_0)) / K needs the noise
 * power at the tone, which nothing measures; the spread of the products sees
 * whatever that residue is. It does need the observations to be independent:
 * tone blocks are (their noise is disjoint in time); plain snapshots are only
 * with white noise (a pilot wider than the noise correlation, as without a
 * tone), and a bias common to every observation (a multipath arrival of the
 * calibration source itself) is not in it at all.
 *
 * Rotation: the estimate assumes phi_n fixed over the K observations. Receive
 * channels that do not share one frequency reference (separate 10 MHz, or
 * none) turn against each other at their CFO difference; the products then
 * rotate, their sum shrinks and its phase is that of wherever the rotation
 * happened to stop: no fixed calibration exists, and one published would be
 * wrong within milliseconds. The lag-one products q_k = p_k p_{k-1}^* turn by
 * the step omega_n = arg(sum_k q_k) per observation whatever the rotation's
 * size (|omega| < pi); over the K observations the phase moves (K - 1) omega.
 * Its standard error takes the spread of the q_k across omega as for phi
 * (adjacent q share a p, which makes this conservative: at a high SNR the
 * steps telescope and the true error is smaller), times K - 1.
 *
 * Channels on one reference still drift (temperature, the PLLs): a random
 * walk of degrees over seconds, or a slow trend. A random walk's mean step is
 * within its own spread, which the standard error above contains, so the z
 * test passes it; a trend is linear like a rotation, so what tells them apart
 * is the rate. Separate references turn at their frequency difference, 0.01
 * ppm at 2.45 GHz already 24.5 Hz; drift moves degrees per second. The rule
 * (find_rx_rotation) therefore asks for a turn of more than 10 deg, more than
 * z standard errors and faster than 1e-6 cycles per snapshot (1 Hz at 1 MS/s,
 * 360 deg/s): a drift's rate reaches that only over windows too short for
 * its 10 deg (harsh drift sampled at 250 kS/s or faster: at most 2e-6 of the
 * averages; docs/ota_measurements.md, "Rx calibration, channels on separate references").
 *
 * On tone blocks of B snapshots the lag-one step aliases beyond half a cycle
 * per block (488 Hz at B = 1024 and 1 MS/s), and near a whole number of
 * cycles per block the channel's tone leaves the demodulated bin: its block
 * sums are noise, no turn shows, and a random phase would be published. A
 * second accumulator on sub-blocks of B / 64 snapshots (at least 1) sees
 * rotations up to 32 cycles per block unaliased; it refuses only steps above
 * a quarter cycle per block, which the block lag would have measured itself
 * had they not aliased. Its sums can be noise-dominated where the blocks' are
 * not, so it also needs a Rayleigh condition and a z that splits half the
 * 1e-3 false refusals per average over its n - 1 tests. It is blind near
 * whole multiples of 64 cycles per block and below about -17 dB per
 * snapshot at B = 1024 (docs/ota_measurements.md).
 */
#ifndef INCLUDED_ISAC_CORE_RX_PHASE_H
#define INCLUDED_ISAC_CORE_RX_PHASE_H

#include <gnuradio/isac/core/types.h>
#include <vector>

namespace gr {
namespace isac {
namespace core {

class product_phase_sum
{
public:
    explicit product_phase_sum(int n);
    void reset();
    //! One observation of the n channels; one with z_0 = 0 carries nothing and
    //! is not counted.
    void add(const cdouble* z);
    //! Observations counted since the last reset.
    long count() const { return d_count; }
    //! sum_k z_n(k) z_0(k)^* per channel (channel 0: sum |z_0|^2).
    const std::vector<cdouble>& sums() const { return d_s1; }
    //! se_n in radians (0 for channel 0; infinite with fewer than 2
    //! observations or a zero sum).
    std::vector<double> phase_se() const;
    //! omega_n: the products' phase step per observation (rad; 0 for channel 0
    //! and with fewer than 2 observations).
    std::vector<double> rotation() const;
    /*!
     * The first channel whose phase moves over the observations by more than
     * z standard errors and more than floor_rad ((K - 1) |omega_n|), with a
     * step |omega_n| above min_step_rad and, with rayleigh, a lag-one sum z
     * SDs above zero (|sum q|^2 > z^2 sum |q|^2: never met with fewer than
     * z^2 + 1 observations), or -1. turn_rad: that channel's movement.
     */
    int rotating_channel(double z,
                         double floor_rad,
                         double min_step_rad,
                         bool rayleigh,
                         double& turn_rad) const;

private:
    int d_n;
    long d_count = 0;
    std::vector<cdouble> d_s1, d_s2; // sum p, sum p^2
    std::vector<double> d_sa;        // sum |p|^2
    // lag-one products q_k = p_k p_{k-1}^*: sum q, sum q^2, sum |q|^2
    std::vector<cdouble> d_prev, d_q1, d_q2;
    std::vector<double> d_qa;
};

//! A rotation that rules out a fixed receive calibration (channel -1: none).
struct rx_rotation {
    int channel = -1;
    double turn_rad = 0.0;            //!< over the observations
    double cycles_per_snapshot = 0.0; //!< the channel's rate against channel 0
};

//! The sub-block length of the second, shorter lag on tone blocks of
//! block snapshots: block / 64, at least 1.
long rx_rotation_sub_block(long block);

//! The sub-block lag's z for n channels: P(|N(0,1)| > z) = 5e-4 / (n - 1),
//! half the 1e-3 false refusals per average split over its n - 1 tests.
double rx_rotation_sub_z(int n);

/*!
 * The receive calibration's rotation rule (see above): obs holds the
 * products of observations every obs_len snapshots (1: plain snapshots, B:
 * tone blocks); sub, when not null, those of the sub-blocks of sub_len
 * snapshots over the same stretch, checked for steps beyond a quarter cycle
 * per obs_len.
 */
rx_rotation find_rx_rotation(const product_phase_sum& obs,
                             long obs_len,
                             const product_phase_sum* sub = nullptr,
                             long sub_len = 1);

} // namespace core
} // namespace isac
} // namespace gr

#endif
