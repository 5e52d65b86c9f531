#!/usr/bin/env python3
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""The figure apps' channel averaging (util.draw_seeds, util.channel_spread) against numpy and
scipy on random arrays: the apps' end-to-end tests only check it through a few short runs."""

import unittest

import numpy as np
from scipy import stats
from gnuradio.isac import util


class qa_channel_spread(unittest.TestCase):

    def test_draw_seeds(self):
        # draw 0 is the seed (a one-draw run is the old single-draw run); nearby seeds share
        # no draw (seed + k shared n - |s1 - s2| of them); a run's seeds are reproducible
        self.assertEqual(util.draw_seeds(11, 1), [11])
        runs = {s: util.draw_seeds(s, 8) for s in range(0, 40)}
        for s, d in runs.items():
            self.assertEqual(d[0], s)
            self.assertEqual(len(set(d)), 8, d)
            self.assertTrue(all(0 <= v < 2**31 for v in d), d)
            self.assertEqual(d[:3], util.draw_seeds(s, 3))
        for s in range(0, 39):
            shared = set(runs[s]) & set(runs[s + 1])
            self.assertEqual(shared, set(), (s, shared))
        k = 3
        want = int(np.random.SeedSequence([7, k]).generate_state(1)[0] % 2**31)
        self.assertEqual(util.draw_seeds(7, 4)[k], want)

    def test_spread_against_scipy(self):
        rng = np.random.default_rng(5)
        for n in (2, 3, 7):
            v = rng.normal(3.0, 2.0, (n, 5)) * rng.uniform(0.1, 10, 5)
            m, sd, ci = util.channel_spread(v)
            np.testing.assert_allclose(m, v.mean(axis=0), rtol=1e-13)
            np.testing.assert_allclose(sd, v.std(axis=0, ddof=1), rtol=1e-12)
            lo, hi = stats.t.interval(0.95, n - 1, loc=v.mean(axis=0), scale=stats.sem(v, axis=0))
            np.testing.assert_allclose(ci, (hi - lo) / 2, rtol=1e-10)
        m, sd, ci = util.channel_spread([[1.5, 2.0]])
        self.assertEqual(list(m), [1.5, 2.0])
        self.assertTrue(np.all(np.isnan(sd)) and np.all(np.isnan(ci)))

    def test_non_finite_draws_left_out_and_counted(self):
        # a draw's dB of a Monte-Carlo estimate <= 0 is -inf: it leaves its column, the others stay
        rng = np.random.default_rng(9)
        v = rng.normal(0, 1, (6, 3))
        v[2, 1] = -np.inf
        v[4, 1] = np.nan
        v[0:5, 2] = np.nan
        m, sd, ci, used = util.channel_spread_used(v)
        self.assertEqual(list(used), [6, 4, 1])
        good = v[[0, 1, 3, 5], 1]
        np.testing.assert_allclose(m[:2], [v[:, 0].mean(), good.mean()], rtol=1e-13)
        np.testing.assert_allclose(sd[:2], [v[:, 0].std(ddof=1), good.std(ddof=1)], rtol=1e-12)
        np.testing.assert_allclose(ci[1], stats.t.ppf(0.975, 3) * good.std(ddof=1) / 2, rtol=1e-10)
        self.assertEqual(m[2], v[5, 2])
        self.assertTrue(np.isnan(sd[2]) and np.isnan(ci[2]))
        self.assertTrue(np.all(np.isfinite(util.channel_spread(v)[0])))


if __name__ == "__main__":
    unittest.main()
