#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""isac.core steering and radar-scene bindings against numpy formulas."""

import numpy as np
from gnuradio import gr_unittest

try:
    from gnuradio import isac
except ImportError:
    import os
    import sys
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "bindings"))
    from gnuradio import isac


class qa_core_steering(gr_unittest.TestCase):

    def test_001_ula_default_convention(self):
        n, th = 10, 33.0
        ref = np.exp(-1j * 2 * np.pi * 0.5 * np.arange(n) * np.sin(np.deg2rad(th)))
        np.testing.assert_allclose(isac.core.ula_steering(n, th), ref, atol=1e-14)
        np.testing.assert_allclose(isac.core.ula_steering(n, th, normalize=True), ref / np.sqrt(n), atol=1e-14)
        # bistatic CRB paper convention: midpoint reference, sign +1
        m = np.arange(n) - (n - 1) / 2
        ref4 = np.exp(1j * np.pi * m * np.sin(np.deg2rad(th)))
        np.testing.assert_allclose(isac.core.ula_steering(n, th, sign=1, ref="center"), ref4, atol=1e-14)
        A = isac.core.ula_steering_matrix(n, [th, -20.0])
        self.assertEqual(A.shape, (n, 2))
        np.testing.assert_allclose(A[:, 0], ref, atol=1e-14)

    def test_002_derivative_is_per_radian(self):
        n, th, h = 8, 12.0, 1e-5
        fd = (isac.core.ula_steering(n, th + h) - isac.core.ula_steering(n, th - h)) / np.deg2rad(2 * h)
        np.testing.assert_allclose(isac.core.ula_steering_derivative(n, th), fd, atol=1e-6)
        a = isac.core.upa_steering(3, 3, 40.0, 60.0)
        self.assertEqual(a.shape, (9,))
        fd = (isac.core.upa_steering(3, 3, 40.0, 60.0 + h) - isac.core.upa_steering(3, 3, 40.0, 60.0 - h)) / np.deg2rad(2 * h)
        np.testing.assert_allclose(isac.core.upa_steering_dphi(3, 3, 40.0, 60.0), fd, atol=1e-6)

    def test_003_radar_scene_vs_numpy(self):
        nt, nr = 16, 12
        s = isac.core.radar_scene(nt, nr, 10.0, [-50.0, 30.0], 15.0, [30.0, 20.0])
        rng = np.random.default_rng(3)
        x = rng.standard_normal(nt) + 1j * rng.standard_normal(nt)
        g = lambda n, t: np.exp(-1j * np.pi * np.arange(n) * np.sin(np.deg2rad(t))) / np.sqrt(n)
        c = [g(nt, t) @ x for t in (10.0, -50.0, 30.0)]
        for adc, scale in ((isac.core.adc_model.one_bit, 2 / np.pi), (isac.core.adc_model.ideal, 1.0)):
            M = np.eye(nr, dtype=complex)
            for q, (t, cnr) in enumerate(((-50.0, 30.0), (30.0, 20.0))):
                gq = g(nr, t)
                M += scale * 10 ** (cnr / 10) * abs(c[q + 1]) ** 2 * np.outer(gq, gq.conj())
            g0 = g(nr, 10.0)
            ref = scale * 10 ** 1.5 * abs(c[0]) ** 2 * np.real(g0.conj() @ np.linalg.solve(M, g0))
            self.assertAlmostEqual(s.metric(x, adc) / ref, 1.0, places=10)

    def test_004_bad_input(self):
        with self.assertRaises(ValueError):
            isac.core.ula_steering(0, 10.0)
        with self.assertRaises(ValueError):
            isac.core.ula_steering(4, 10.0, ref="middle")
        with self.assertRaises(ValueError):
            isac.core.radar_scene(8, 8, 100.0, [], 10.0, [])
        with self.assertRaises(ValueError):
            isac.core.radar_scene(8, 8, 10.0, [20.0], 10.0, [])


if __name__ == '__main__':
    gr_unittest.run(qa_core_steering)
