#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""apps/isac_design_figures --quick: every CSV/PNG is written and the summary
carries the 1-bit ISAC paper energy values and the bistatic CRB paper slopes."""

import csv
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

from gnuradio import gr_unittest

try:
    from gnuradio.isac.util import time_limit
except ImportError:
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))
    from util import time_limit

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.normpath(os.path.join(HERE, "..", "..", "apps", "isac_design_figures"))
if not os.path.exists(APP):   # ctest runs the copy in build/test_modules
    APP = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "apps",
                                        "isac_design_figures"))

NAMES = ("massive_mimo_fig3_convergence", "massive_mimo_fig5_rate_vs_snr", "bistatic_fig3_crb_vs_power",
         "bistatic_fig56_boundary", "nullspace_table1", "onebit_energy")


class qa_design_figures(gr_unittest.TestCase):

    def test_001_quick_run(self):
        if not os.path.exists(APP):
            self.skipTest("apps/isac_design_figures not found next to the sources")
        with tempfile.TemporaryDirectory() as out:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
            # 3 user drops (quick default 1): the fewest with a spread and error bars
            r = subprocess.run([sys.executable, APP, "--quick", "--channels", "3", "--out", out], env=env,
                               capture_output=True, text=True, timeout=time_limit(300))
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            for n in NAMES:
                self.assertTrue(os.path.getsize(os.path.join(out, n + ".csv")) > 0, n)
                self.assertTrue(os.path.getsize(os.path.join(out, n + ".png")) > 0, n)
            self.assertTrue(os.path.exists(os.path.join(out, "beam_count_bounds.csv")))
            with open(os.path.join(out, "summary.txt")) as f:
                summary = f.read()
            self.assertIn("16.27 W", summary)
            self.assertIn("147.09 W", summary)
            self.assertIn("277.90 W", summary)
            with open(os.path.join(out, "nullspace_table1.csv")) as f:
                for row in csv.DictReader(f):
                    self.assertLess(float(row["rel_diff"]), 1e-6)
            with open(os.path.join(out, "onebit_energy.csv")) as f:
                self.check_energy(list(csv.DictReader(f)))
            with open(os.path.join(out, "massive_mimo_fig5_rate_vs_snr.csv")) as f:
                drops = list(csv.DictReader(f))
            with open(os.path.join(out, "massive_mimo_fig5_mean.csv")) as f:
                self.check_drop_mean(drops, list(csv.DictReader(f)), 3)

    def check_drop_mean(self, drops, means, n):
        # massive-MIMO Fig. 5: the mean over the user drops, its sd and 95 % t interval,
        # recomputed with numpy/scipy from the per-drop rows (10 significant digits in both CSVs)
        from scipy.stats import t
        self.assertEqual(len(means), 3 * 2)
        for m in means:
            rows = [r for r in drops if r["snr_db"] == m["snr_db"] and r["precoder"] == m["precoder"]]
            self.assertEqual(sorted(int(r["drop"]) for r in rows), list(range(n)))
            self.assertEqual(int(m["channels"]), n)
            for col in ("proposed", "equal_com", "equal_cs"):
                v = np.array([float(r[col]) for r in rows])
                v = v[np.isfinite(v)]
                if col == "proposed":
                    self.assertEqual(int(m["drops_feasible"]), len(v))
                sd = v.std(ddof=1)
                want = [v.mean(), sd, t.ppf(0.975, len(v) - 1) * sd / np.sqrt(len(v))]
                got = [float(m[col]), float(m[col + "_sd"]), float(m[col + "_ci95"])]
                np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-9, err_msg=str((m["snr_db"], col)))
            self.assertGreater(float(m["proposed_sd"]), 0)  # the drops differ

    def check_energy(self, rows):
        # the paper's four DAC/ADC configurations at every sweep point, E_tot recomputed from eq. 38
        # with the paper's component powers (RF 40 mW, LNA 20 mW, BB 200 mW, converter
        # 500 fJ x 1 GHz x 2^B, two per chain, B = 10 for "inf"), and the order the model predicts
        conv = {"1-bit": 500e-15 * 1e9 * 2, "inf": 500e-15 * 1e9 * 2 ** 10}
        pts = {}
        for r in rows:
            dac, adc = (c.split()[0] for c in r["config"].split(" / "))
            nt, nr = int(r["n_tx"]), int(r["n_rx"])
            e = (nt + nr) * 0.06 + 0.4 + 2 * nt * conv[dac] + 2 * nr * conv[adc]
            self.assertAlmostEqual(float(r["e_tot_w"]), e, delta=1e-9 * e)
            self.assertAlmostEqual(float(r["ree_per_w"]), 10 ** (float(r["scnr_db"]) / 10) / e, delta=1e-8)
            pts.setdefault((r["sweep"], nt, nr), {})[(dac, adc)] = (float(r["scnr_db"]), e, float(r["ree_per_w"]))
        self.assertEqual(len(pts), 12)
        loss = 10 * math.log10(math.pi / 2)
        for k, c in pts.items():
            self.assertEqual(len(c), 4, k)
            self.assertEqual(max(c, key=lambda d: c[d][2]), ("1-bit", "1-bit"), k)  # the paper's Figs. 4b/5b
            # the inf DAC / 1-bit ADC curve: the ideal pair's SCNR less pi/2 (clutter ~30 dB
            # off the target), so it beats the ideal pair exactly where its E_tot is below
            # 2/pi of the ideal pair's (not at N_R = 16, 32, 64 and N_T = 256: docs/figures.md)
            s1, e1, r1 = c[("inf", "1-bit")]
            s0, e0, r0 = c[("inf", "inf")]
            self.assertAlmostEqual(s0 - s1, loss, delta=0.02)
            self.assertEqual(r1 > r0, e1 / e0 < 10 ** (-loss / 10), k)


if __name__ == "__main__":
    gr_unittest.run(qa_design_figures)
