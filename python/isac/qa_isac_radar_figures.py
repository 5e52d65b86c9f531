#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""apps/isac_radar_figures --quick: writes its CSV/PNG files and they carry the
1-bit ISAC paper Fig. 4a / Fig. 6 trends."""

import csv
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

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "apps", "isac_radar_figures")


class qa_isac_radar_figures(gr_unittest.TestCase):

    def test_001_quick_run(self):
        if not os.path.exists(APP):  # the build-tree copy of this file has no apps/ next to it
            self.skipTest("apps/isac_radar_figures not found next to the source tree")
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([sys.executable, APP, "--quick", "--out", out], check=True,
                           stdout=subprocess.DEVNULL, timeout=time_limit(120))
            for f in ("fig4a_qscnr_vs_nr.csv", "fig4a_qscnr_vs_nr.png", "fig6_roc.csv", "fig6_roc.png"):
                self.assertGreater(os.path.getsize(os.path.join(out, f)), 100, f)
            with open(os.path.join(out, "fig4a_qscnr_vs_nr.csv")) as fh:
                rows = list(csv.DictReader(fh))
            nr = [int(r["n_rx"]) for r in rows]
            ta1 = np.array([float(r["qscnr_1bit_ta_db"]) for r in rows])
            mc1 = np.array([float(r["qscnr_1bit_mc_db"]) for r in rows])
            tai = np.array([float(r["scnr_inf_ta_db"]) for r in rows])
            self.assertEqual(nr, [16, 32, 64, 128])
            # TA loss of the 1-bit ADC: 10 log10(pi/2) = 1.961 dB, close to it with clutter
            np.testing.assert_allclose(tai - ta1, 1.961, atol=0.02)
            # the TA - MC gap shrinks with N_R (5000 trials: MC sd ~0.1 dB, gaps 2 -> 0.3 dB)
            gap = ta1 - mc1
            self.assertGreater(gap[0], gap[-1] + 1.0)
            # the exact (arcsine-law) deflection follows the MC where TA does not
            ex1 = np.array([float(r["deflection_1bit_exact_db"]) for r in rows])
            np.testing.assert_allclose(ex1, mc1, atol=0.3)
            with open(os.path.join(out, "fig6_roc.csv")) as fh:
                roc = list(csv.DictReader(fh))
            for snr in {r["snr_r_db"] for r in roc}:
                for adc in ("1bit", "inf"):
                    pd = [float(r["pd_ta"]) for r in roc if r["snr_r_db"] == snr and r["adc"] == adc]
                    self.assertTrue(np.all(np.diff(pd) > 0))  # ROC monotone in Pfa


if __name__ == '__main__':
    gr_unittest.run(qa_isac_radar_figures)
