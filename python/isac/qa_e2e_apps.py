#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""apps/isac_demo and apps/isac_figures in --quick mode: they finish, print
their tables, and write the files they promise (PNG/CSV) into --out, with the
numbers in the CSVs consistent with theory where the run is long enough."""

import csv
import os
import subprocess
import sys
import tempfile

from gnuradio import gr_unittest

SRC = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def run_app(name, *args, limit=240):
    out = tempfile.mkdtemp(prefix="isac_" + name + "_")
    p = subprocess.run([sys.executable, os.path.join(SRC, "apps", name), "--out", out, "--quick"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=limit)
    return p, out


def read_csv(path):
    with open(path) as f:
        rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
    return rows[0], rows[1:]


def failing_rows(stdout):
    """Names of the rows listed under "result: CHECK"."""
    lines = stdout.splitlines()
    start = [i for i, ln in enumerate(lines) if ln.startswith("result: CHECK")]
    if not start:
        return []
    return [ln[2:].split(":")[0] for ln in lines[start[0] + 1:] if ln.startswith("  ") and ": " in ln]


class qa_e2e_apps(gr_unittest.TestCase):

    def test_demo_quick(self):
        p, out = run_app("isac_demo")
        verdict = [ln for ln in p.stdout.splitlines() if ln.startswith("result:")]
        self.assertEqual(len(verdict), 1, p.stdout[-3000:])
        # the detector's exact threshold holds the set Pfa under 30 dB clutter on the
        # saturated 1-bit ADC, and its model predicts Pd: every check holds
        self.assertEqual(verdict[0], "result: OK", failing_rows(p.stdout))
        self.assertEqual(p.returncode, 0)
        for k in ("SER user 0", "radar Pd at Pfa", "deflection (1-bit ADC)", "radar Pfa (H0 run)", "DoA RMSE",
                  "precoder rate"):
            self.assertIn(k, p.stdout)
        for fn in ("constellations.png", "beampattern_ci.png", "roc.png", "nullspace_beampattern_doa.png",
                   "summary.csv"):
            self.assertTrue(os.path.getsize(os.path.join(out, fn)) > 0, fn)
        self.assertIn(out, p.stdout)  # it names its output folder

    def test_demo_verdict_and_options(self):
        # an impossible QoS threshold: every snapshot infeasible, so the demo must say
        # CHECK, name the row and exit non-zero; explicit sizes win over --quick
        p, out = run_app("isac_demo", "--snapshots", "60", "--cpis", "3", "--gamma-db", "25")
        self.assertEqual(p.returncode, 1, p.stdout[-3000:])
        self.assertIn("60 snapshots)", p.stdout)
        self.assertIn("3 CPIs of 64", p.stdout)
        self.assertIn("\nresult: CHECK", p.stdout)
        self.assertNotIn("result: OK", p.stdout)
        self.assertIn("QoS infeasible share", failing_rows(p.stdout))

    def test_figures_quick(self):
        p, out = run_app("isac_figures", "--no-sub-apps")
        self.assertEqual(p.returncode, 0, p.stdout[-3000:])
        for stem in ("fig000_9_ser_vs_nt", "fig000_3_qscnr_vs_gamma", "fig000_4a_qscnr_vs_nr", "fig000_6_roc",
                     "fig004_2_doa_mse_vs_snr", "fig003_3_beampattern", "tab003_1_design_time"):
            self.assertTrue(os.path.getsize(os.path.join(out, stem + ".png")) > 0, stem)
            self.assertTrue(os.path.getsize(os.path.join(out, stem + ".csv")) > 0, stem)
        hdr, rows = read_csv(os.path.join(out, "fig000_9_ser_vs_nt.csv"))
        self.assertEqual(hdr[:4], ["n_tx", "ser", "bound_lo", "bound_hi"])
        for r in rows:
            ser, lo, hi, n = float(r[1]), float(r[2]), float(r[3]), int(r[4])
            tol = 4 * (max(hi, 1.0 / n) / n) ** 0.5
            self.assertTrue(lo - tol <= ser <= hi + tol, r)
        hdr, rows = read_csv(os.path.join(out, "fig000_6_roc.csv"))
        pd = [float(r[2]) for r in rows]
        self.assertEqual(pd, sorted(pd))  # the theoretical ROC is monotone in Pfa
        with open(os.path.join(out, "figures.md")) as f:
            md = f.read()
        self.assertIn("| figure | quantity | paper value | ours |", md)


if __name__ == "__main__":
    gr_unittest.run(qa_e2e_apps)
