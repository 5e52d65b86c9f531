#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""rx_calibration's threshold calibration in one room (static clutter): the scale
from the detector's own target-free CPI statistics against the share of them above it, its
standard error against the spread of independent calibrations, and the calibrated
Pfa on a fresh target-free run of the same room within the binomial errors of both
counts; the model-side calibration (calibrate_threshold_scale) with the CPI weights
and the room's clutter; bad input."""

import math

import numpy as np
from gnuradio import gr_unittest

try:
    from gnuradio import isac
except ImportError:
    import os
    import sys
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio import isac
from gnuradio.isac import rx_calibration as rc

C = isac.core

# The OTA examples' radar geometry (N_T = N_R = 4, target 23 deg, clutter -47/31 deg at
# CNR 10 dB): the filter cannot null the clutter, so one room's Pfa is its own.
NT = NR = 4
L, PFA = 16, 1e-2
ZETA2 = [10 ** 1.5, 10.0, 10.0]
ROOM = np.random.default_rng(101).uniform(size=2)  # clutter phases (turns): Pfa ~2.5-3 x the set


def scene():
    return C.radar_scene(NT, NR, 23.0, [-47.0, 31.0], 15.0, [10.0, 10.0])


def table():
    rng = np.random.default_rng(18)
    return rc.one_bit_adc(rng.standard_normal((16, NT)) + 1j * rng.standard_normal((16, NT))).astype(
        np.complex128) / math.sqrt(2 * NT)


def room_stats(trials, seed, weights, phases=ROOM):
    return rc.h0_statistics(scene(), C.adc_model.one_bit, PFA, L, table(), ZETA2, 1.0, trials,
                            np.random.default_rng(seed), weights=weights, clutter=C.clutter_model.fixed,
                            gains="static", phases=phases, mixed=True)


class qa_rx_calibration(gr_unittest.TestCase):

    def test_001_room_calibration_from_data(self):
        # Calibrate on N target-free CPIs of the room, test on M fresh ones (new noise
        # and x, the same clutter): the calibrated Pfa is within 4 sd of the set one,
        # sd^2 = pfa (1 - pfa) (1/N + 1/M); the uncalibrated threshold is not (the room).
        N = M = 20000
        tol = 4 * math.sqrt(PFA * (1 - PFA) * (1.0 / N + 1.0 / M))
        for w in (C.cpi_weights.equal, C.cpi_weights.inverse_variance):
            cal, test = room_stats(N, 1, w), room_stats(M, 2, w)
            e = rc.threshold_scale_from_data(cal, PFA)
            self.assertEqual(e.n, N)
            # the scale is the calibration CPIs' own (1 - pfa) point: a share pfa of them
            # exceed it, up to the one CPI an order statistic leaves open
            self.assertLessEqual(abs(np.count_nonzero(cal >= e.scale) - PFA * N), 1)
            self.assertAlmostEqual(e.pfa_sd, math.sqrt(PFA * (1 - PFA) / N), delta=1e-15)
            before, after = np.mean(test >= 1.0), np.mean(test >= e.scale)
            print(f"\n{w}: room Pfa {before:.4f} uncalibrated, {after:.4f} at scale {e.scale:.4f} "
                  f"(se {e.scale_se:.4f}; set {PFA}, tolerance {tol:.4f})")
            self.assertGreater(abs(before - PFA), tol, "the room should be off the set Pfa uncalibrated")
            self.assertLess(abs(after - PFA), tol)

    def test_002_scale_standard_error(self):
        # the stated se of a calibration on 2500 CPIs against the sd of 24 independent
        # ones: the sd of 24 draws lies within 0.59-1.47 x the truth with probability
        # 0.999 (chi-square, 23 degrees of freedom); the bounds add 10 % for the se's
        # own (density) approximation.
        w = C.cpi_weights.inverse_variance
        ests = [rc.threshold_scale_from_data(room_stats(2500, 10 + k, w), PFA) for k in range(24)]
        sd = float(np.std([e.scale for e in ests], ddof=1))
        se = float(np.mean([e.scale_se for e in ests]))
        print(f"\nscale sd over 24 calibrations {sd:.4f}, mean stated se {se:.4f}")
        self.assertGreater(se / sd, 0.6)
        self.assertLess(se / sd, 1.85)

    def test_003_current_scale(self):
        # statistics recorded at threshold_scale s0 are the scale-1 ones over s0: the
        # calibrated scale does not depend on the scale they were taken at
        s = room_stats(4000, 3, C.cpi_weights.equal)
        a, b = rc.threshold_scale_from_data(s, PFA), rc.threshold_scale_from_data(s / 1.3, PFA, 1.3)
        self.assertAlmostEqual(a.scale, b.scale, delta=1e-12 * a.scale)
        self.assertAlmostEqual(a.scale_se, b.scale_se, delta=1e-12 * a.scale)

    def test_003b_no_decisions_left_out(self):
        # a TDD capture's CPIs wholly in a guard read -1 (no decision): they are not
        # statistics of the room and leave the estimate as the decided CPIs give it
        # (main raised ValueError on them: "stats must be finite and >= 0")
        s = room_stats(4000, 3, C.cpi_weights.equal)
        t = np.insert(s, np.arange(0, s.size, 13), C.no_decision)  # one in 13 without a decision
        a, b = rc.threshold_scale_from_data(s, PFA), rc.threshold_scale_from_data(t, PFA)
        self.assertEqual(tuple(a), tuple(b))
        self.assertEqual(b.n, s.size)

    def test_003c_model_calibration_leaves_out_no_transmission(self):
        # an x table with muted rows (a TDD frame's x): calibrate_threshold_scale's
        # quantile is over the snapshots that transmitted, the -1 of the others left
        # out as threshold_scale_from_data leaves them out (main took the quantile over
        # all: with half the rows muted, the 0.98 quantile of the decided ones)
        sc, tab = scene(), table()
        x = tab[:8].copy()
        x[1::2] = 0
        a = (sc, C.adc_model.one_bit, PFA, 1, x, ZETA2)
        s = rc.h0_statistics(*a, 1.0, 4000, np.random.default_rng(7))
        self.assertEqual(np.count_nonzero(s == C.no_decision), 2000)
        ref = np.quantile(s[s >= 0], 1.0 - PFA)
        self.assertEqual(rc.calibrate_threshold_scale(*a, trials=4000, seed=7), ref)
        self.assertGreater(ref, np.quantile(s, 1.0 - PFA))
        with self.assertRaisesRegex(ValueError, "transmitted"):
            rc.calibrate_threshold_scale(*a[:4], 0 * x, ZETA2, trials=100, seed=7)

    def test_004_model_calibration_weights_and_room(self):
        # calibrate_threshold_scale passes the weights, the clutter model and the room:
        # with the room's phases it agrees with the data calibration of that room
        # (two independent 20000-CPI quantiles: 4 sd of their difference), and on the
        # same echoes (one seed) the two weightings' scales differ.
        sc, tab = scene(), table()
        got = {}
        for w in (C.cpi_weights.equal, C.cpi_weights.inverse_variance):
            m = rc.calibrate_threshold_scale(sc, C.adc_model.one_bit, PFA, L, tab, ZETA2, trials=20000, seed=5,
                                             weights=w, clutter=C.clutter_model.fixed, gains="static", phases=ROOM,
                                             mixed=True)
            e = rc.threshold_scale_from_data(room_stats(20000, 6, w), PFA)
            print(f"\n{w}: model-side scale {m:.4f}, from data {e.scale:.4f} (se {e.scale_se:.4f})")
            self.assertLess(abs(m - e.scale), 4 * math.sqrt(2) * e.scale_se)
            got[w] = m
        self.assertGreater(abs(got[C.cpi_weights.equal] - got[C.cpi_weights.inverse_variance]), 0.01)

    def test_005_bad_input(self):
        s = np.linspace(0.0, 2.0, 2000)
        self.assertRaises(ValueError, rc.threshold_scale_from_data, s[:999], PFA)  # < 10 expected exceedances
        rc.threshold_scale_from_data(s[:1000], PFA)
        for bad in (np.nan, np.inf, -0.5):
            t = s.copy()
            t[7] = bad
            self.assertRaises(ValueError, rc.threshold_scale_from_data, t, PFA)
        for p in (0.0, 1.0, np.nan):
            self.assertRaises(ValueError, rc.threshold_scale_from_data, s, p)
        # the whole out1 stream of CPIs of 4 (zeros but on each CPI's last item)
        whole = np.zeros(4 * s.size)
        whole[3::4] = s
        with self.assertRaisesRegex(ValueError, "out1"):
            rc.threshold_scale_from_data(whole, PFA)
        for c in (0.0, -1.0, np.nan, np.inf):
            self.assertRaises(ValueError, rc.threshold_scale_from_data, s, PFA, c)
        rng = np.random.default_rng(0)
        x = table()[:4]
        self.assertRaises(ValueError, rc.simulate_echo, scene(), x, ZETA2, 1.0, rng, gains="swerling")
        self.assertRaises(ValueError, rc.simulate_echo, scene(), x, ZETA2, 1.0, rng, gains="static", phases=[0.1])
        self.assertRaises(ValueError, rc.simulate_echo, scene(), x, ZETA2, 1.0, rng, gains="static",
                          phases=[0.1, np.nan])

    def test_006_static_echo(self):
        # gains="static": every snapshot's clutter is zeta_q exp(j 2 pi phase_q)
        # (noise-free check against the closed form of eq. (2)), the target still a draw
        sc, x = scene(), table()[:6]
        r = rc.simulate_echo(sc, x, [0.0, 10.0, 10.0], 0.0, np.random.default_rng(1), target=False, cpi_len=2,
                             gains="static", phases=ROOM)
        gam = np.sqrt(10.0) * np.exp(2j * np.pi * ROOM)
        ref = (x @ sc.gt[:, 1:] * gam) @ sc.gr[:, 1:].T
        self.assertLess(np.max(np.abs(r - ref)), 1e-9 * np.max(np.abs(ref)))


if __name__ == '__main__':
    gr_unittest.run(qa_rx_calibration)
