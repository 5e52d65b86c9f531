#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gnuradio.isac.design.beam_count: beam-count bounds and rank reduction (beamformer-count paper examples)."""

import numpy as np
from gnuradio import gr_unittest

try:
    from gnuradio.isac.design import beam_count as s2
except ImportError:
    import os
    import sys
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio.isac.design import beam_count as s2


class qa_design_beam_count(gr_unittest.TestCase):

    def test_001_bounds_spec_8_3(self):
        # one target with unknown gain and AoA: d = 4
        self.assertEqual(s2.quadratic_terms("gains_aoa", n_targets=1), 4)
        for K in range(0, 9):
            b = s2.beam_count_bounds(K, "gains_aoa", n_targets=1)
            self.assertEqual(b.hypotenuse_bound, 2 if K <= 1 else K)
            self.assertEqual(b.sum_bound, K + 2)
            self.assertEqual(b.sensing_only, 2)
            d1 = s2.beam_count_bounds(K, "detection")
            self.assertEqual(d1.sum_bound, K + 1)
            self.assertEqual(d1.hypotenuse_bound, max(K, 1))
            # Corollary 1: no extra sensing beam when d <= 2K
            self.assertEqual(b.extra_beams_needed, 4 > 2 * K)
        self.assertEqual(s2.beam_count_bounds(3, "channel", n_tx=4).sensing_only, 4)
        self.assertEqual(s2.quadratic_terms("beampattern", n_tx=8), 15)
        self.assertEqual(s2.quadratic_terms("aoa", n_targets=3), 3)
        self.assertEqual(s2.beam_count_bounds(5, d=11).hypotenuse_bound, 6)

    def _instance(self, rng, cancellation):
        def cr(*s):
            return rng.standard_normal(s) + 1j * rng.standard_normal(s)
        N = int(rng.integers(4, 10))
        K = int(rng.integers(0, min(4, N - 1) + 1))
        d = int(rng.integers(1, 8))
        H = cr(K, N)
        Wc = cr(N, K)
        X = cr(N, N)
        Rs = X @ X.conj().T          # full-rank sensing covariance (SDR-like)
        if not cancellation:
            Rs = s2.orthogonal_sensing(H, Rs)
        A = []
        for _ in range(d):
            Y = cr(N, N)
            A.append(Y + Y.conj().T)
        return H, Wc, Rs, A

    def test_002_rank_reduction_200_instances(self):
        rng = np.random.default_rng(2026)
        worst = 0.0
        for trial in range(240):
            canc = bool(trial % 2)
            H, Wc, Rs, A = self._instance(rng, canc)
            K, N = H.shape
            out = s2.reduce_rank(H, Wc, Rs, A, canc)
            bound = (K + int(np.floor(np.sqrt(len(A)) + 1e-12)) if canc
                     else int(np.floor(np.sqrt(K * K + len(A)) + 1e-12)))
            self.assertEqual(out.bound, bound)
            self.assertLessEqual(out.n_beams, bound)
            self.assertEqual(out.W_comm.shape, (N, K))
            R0 = Wc @ Wc.conj().T + Rs
            Rs1 = out.W_sens @ out.W_sens.conj().T
            R1 = out.W_comm @ out.W_comm.conj().T + Rs1
            m0 = np.array([np.trace(a @ R0).real for a in A])
            m1 = np.array([np.trace(a @ R1).real for a in A])
            worst = max(worst, np.max(np.abs(m1 - m0)) / np.max(np.abs(m0)))
            if K:
                q0 = s2.sinrs(H, Wc, Rs, 1.0, canc)
                q1 = s2.sinrs(H, out.W_comm, Rs1, 1.0, canc)
                worst = max(worst, np.max(np.abs(q1 - q0) / q0))
            self.assertLessEqual(np.trace(R1).real, np.trace(R0).real * (1 + 1e-9))
        self.assertLess(worst, 1e-6)

    def test_003_bad_input(self):
        with self.assertRaises(ValueError):
            s2.beam_count_bounds(-1, "detection")
        with self.assertRaises(ValueError):
            s2.beam_count_bounds(2, "radar")
        with self.assertRaises(ValueError):
            s2.quadratic_terms("channel")          # needs n_tx
        H = np.ones((1, 4), complex)
        Rs = np.eye(4)
        with self.assertRaises(ValueError):         # not orthogonal to H
            s2.reduce_rank(H, np.ones((4, 1)), Rs, [np.eye(4)], False)
        with self.assertRaises(ValueError):         # not Hermitian
            s2.reduce_rank(H, np.ones((4, 1)), Rs, [np.triu(np.ones((4, 4)))], True)
        with self.assertRaises(ValueError):         # not PSD
            s2.reduce_rank(H, np.ones((4, 1)), -Rs, [np.eye(4)], True)
        with self.assertRaises(ValueError):
            s2.reduce_rank(H, np.ones((4, 1)), Rs, [np.eye(4)], "yes")


if __name__ == "__main__":
    gr_unittest.run(qa_design_beam_count)
