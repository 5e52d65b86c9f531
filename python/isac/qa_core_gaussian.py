#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The core's Gaussian generators (isac.core.gaussian_rng, the lane-parallel
isac.core.gaussian_lanes and each of its kernels) against scipy.stats.norm and
numpy's generator: Kolmogorov-Smirnov, moments, and the correlation between the
lanes of a step, successive draws and neighbouring seeds. Every tolerance is a
false-alarm level of about 1e-6 for the sample count."""

import numpy as np
from gnuradio import gr_unittest
from scipy import stats

try:
    from gnuradio import isac
except ImportError:
    import os
    import sys
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "bindings"))
    from gnuradio import isac

# KS: P(sqrt(n) D > c) ~ 2 exp(-2 c^2) = 1e-6 at c = 2.69
KS_C = 2.69
# a standard normal statistic beyond 5 sigma: 6e-7
Z = 5.0


class qa_core_gaussian(gr_unittest.TestCase):

    def draws(self):
        """(name, 400 000 float32 draws) for every generator and kernel."""
        n = 400_000
        out = [("gaussian_rng", isac.core.gaussian_rng(5).normal(n))]
        for impl in isac.core.gaussian_lanes.impls():
            out.append(("gaussian_lanes/" + impl, isac.core.gaussian_lanes(5).normal(n, impl)))
        return out

    def test_001_ks_and_moments_vs_scipy(self):
        for name, x in self.draws():
            with self.subTest(name):
                self.assertEqual(x.dtype, np.float32)
                n = len(x)
                d = stats.kstest(x.astype(np.float64), stats.norm.cdf).statistic
                self.assertLess(d, KS_C / np.sqrt(n))
                # mean, variance, fourth moment: standard errors 1, sqrt(2), sqrt(96) / sqrt(n)
                self.assertLess(abs(x.mean()), Z / np.sqrt(n))
                self.assertLess(abs(np.mean(x.astype(np.float64) ** 2) - 1), Z * np.sqrt(2 / n))
                self.assertLess(abs(np.mean(x.astype(np.float64) ** 4) - 3), Z * np.sqrt(96 / n))
                # the tails beyond 3 and 4 sigma against scipy's normal
                for t in (3.0, 4.0):
                    p = 2 * stats.norm.sf(t)
                    k = np.count_nonzero(np.abs(x) > t)
                    self.assertLess(abs(k - n * p), Z * np.sqrt(n * p) + 1)

    def test_002_two_sample_vs_numpy(self):
        ref = np.random.default_rng(17).standard_normal(400_000)
        for name, x in self.draws():
            with self.subTest(name):
                d = stats.ks_2samp(x, ref).statistic
                n = len(x)
                # two samples of n: the same c with sqrt(n m / (n + m)) = sqrt(n / 2)
                self.assertLess(d, KS_C / np.sqrt(n / 2))

    def test_003_lanes_and_successive_draws_uncorrelated(self):
        g = isac.core.gaussian_lanes(9)
        n = 1 << 20
        x = g.normal(n).astype(np.float64)
        # the 16 draws of a step come from 8 lanes (two per 64-bit word): every pair
        # of positions, on the values and on their squares
        steps = x.reshape(-1, 16)
        rows = steps.shape[0]
        for v in (steps, steps ** 2):
            c = np.corrcoef(v, rowvar=False)
            off = c[~np.eye(16, dtype=bool)]
            self.assertLess(np.max(np.abs(off)), Z / np.sqrt(rows))
        # successive draws and draws some steps apart
        for lag in (1, 2, 15, 16, 17, 33, 160):
            r = np.corrcoef(x[:-lag], x[lag:])[0, 1]
            self.assertLess(abs(r), Z / np.sqrt(n - lag))
        # neighbouring seeds (one stream per emulated radio channel)
        y = isac.core.gaussian_lanes(10).normal(n).astype(np.float64)
        self.assertLess(abs(np.corrcoef(x, y)[0, 1]), Z / np.sqrt(n))

    def test_004_kernels_identical_and_call_split_free(self):
        impls = isac.core.gaussian_lanes.impls()
        self.assertEqual(impls[0], "generic")
        self.assertIn(isac.core.gaussian_lanes.impl(), impls)
        ref = isac.core.gaussian_lanes(77).normal(100_000, "generic")
        for impl in impls:
            g = isac.core.gaussian_lanes(77)
            parts = [g.normal(k, impl) for k in (1, 15, 16, 17, 999, 5, 98_947)]
            np.testing.assert_array_equal(np.concatenate(parts), ref)
        with self.assertRaises(ValueError):
            isac.core.gaussian_lanes(1).normal(4, "no_such_kernel")


if __name__ == "__main__":
    gr_unittest.run(qa_core_gaussian)
