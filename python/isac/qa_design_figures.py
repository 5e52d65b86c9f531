#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""apps/isac_design_figures --quick: every CSV/PNG is written and the summary
carries the 1-bit ISAC paper energy values and the bistatic CRB paper slopes."""

import csv
import os
import subprocess
import sys
import tempfile

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
            r = subprocess.run([sys.executable, APP, "--quick", "--out", out], env=env,
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


if __name__ == "__main__":
    gr_unittest.run(qa_design_figures)
