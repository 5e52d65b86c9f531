#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gnuradio.isac.design.nullspace: SDR min-power baseline vs the duality fixed point."""

import numpy as np
from gnuradio import gr_unittest

try:
    from gnuradio.isac.design import nullspace as s3
except ImportError:
    import os
    import sys
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio.isac.design import nullspace as s3


def rayleigh(rng, K, N):
    return (rng.standard_normal((K, N)) + 1j * rng.standard_normal((K, N))) / np.sqrt(2)


class qa_design_nullspace(gr_unittest.TestCase):

    def test_001_single_user_closed_form(self):
        # K = 1: min ||f||^2 s.t. |h^H f|^2 >= Gamma sigma^2 -> Gamma sigma^2/||h||^2
        h = rayleigh(np.random.default_rng(1), 1, 6)
        res = s3.sdr_min_power(h, 4.0, 0.5)
        self.assertLess(abs(res.total_power / (4.0 * 0.5 / np.linalg.norm(h) ** 2) - 1), 1e-6)

    def test_002_sdr_tight_and_sinr_met(self):
        rng = np.random.default_rng(2)
        for K, N in ((2, 4), (3, 6), (4, 6)):
            H = rayleigh(rng, K, N)
            g = 10 ** (rng.uniform(0, 10, K) / 10)
            res = s3.sdr_min_power(H, g, 0.1)
            self.assertTrue(np.all(res.rank_ratio < 1e-5))      # rank-one optimum
            np.testing.assert_allclose(res.sinr / g, 1.0, rtol=1e-5)
            self.assertLess(abs(np.linalg.norm(res.F) ** 2 / res.total_power - 1), 1e-6)

    def test_003_sdr_equals_duality_fixed_point(self):
        # null-space paper eq. (8): the duality fixed point of the core gives the SDR minimum
        rng = np.random.default_rng(3)
        for K, N in ((2, 4), (3, 6), (4, 8)):
            H = rayleigh(rng, K, N)
            cmp = s3.compare_minpower(H, 10 ** 0.5, 1.0)
            self.assertLess(cmp.rel_diff, 1e-6)
            self.assertGreater(cmp.seconds_sdr, 0.0)

    def test_005_table1(self):
        rows = s3.table1(n_tx=6, n_users=(2, 3), rng=7)
        self.assertEqual([r.n_users for r in rows], [2, 3])
        for r in rows:
            self.assertLess(r.rel_diff, 1e-6)
            self.assertGreater(r.seconds_mm_linesearch, 0.0)
        with self.assertRaises(ValueError):
            s3.table1(n_tx=4, n_users=(4,))

    def test_004_bad_input(self):
        H = rayleigh(np.random.default_rng(4), 3, 4)
        with self.assertRaises(ValueError):
            s3.sdr_min_power(H, [1.0, 2.0], 1.0)        # wrong number of targets
        with self.assertRaises(ValueError):
            s3.sdr_min_power(H, 1.0, 0.0)
        with self.assertRaises(ValueError):
            s3.sdr_min_power(H.T, 1.0, 1.0)             # K > N
        with self.assertRaises(ValueError):
            s3.sdr_min_power(H, -1.0, 1.0)


if __name__ == "__main__":
    gr_unittest.run(qa_design_nullspace)
