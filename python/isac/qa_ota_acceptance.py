#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The short acceptance run: apps/isac_ota_emulated --quick with the typical
impairment profile. It runs examples/isac_usrp_ota_headless.grc - the chains
of the flowgraph taken to the lab - with radio = "emulated", so every piece of
genie knowledge (loop delay, Rx/Tx array phases, the users' channel, their
timing, CFO and phase) is acquired by the flowgraph's blocks, and compares the
result with the genie loopback at the same operating point."""

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

SRC = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


class qa_ota_acceptance(gr_unittest.TestCase):

    def test_typical_quick(self):
        out = tempfile.mkdtemp(prefix="isac_ota_emulated_")
        p = subprocess.run([sys.executable, os.path.join(SRC, "apps", "isac_ota_emulated"), "--quick",
                            "--impairments", "typical", "--seed", "3", "--out", out],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=time_limit(300))
        with open(os.path.join(out, "summary.csv")) as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["name", "value", "reference", "tolerance", "ok"])
        ok = {r[0]: r[4] == "True" for r in rows[1:]}
        value = {r[0]: r[1] for r in rows[1:]}
        # the exit status is the verdict of the rows
        self.assertEqual(p.returncode, 0 if all(ok.values()) else 1, p.stdout[-3000:])

        def row(prefix):
            names = [n for n in ok if n.startswith(prefix)]
            self.assertTrue(names, "no row %r in:\n%s" % (prefix, p.stdout[-3000:]))
            return names

        # acquisition: every block that replaces genie knowledge got there
        for n in row("loop delay") + row("Rx calibration") + row("Tx calibration") + row("CSI NMSE") + \
                row("snapshots to acquisition"):
            self.assertTrue(ok[n], "%s: %s\n%s" % (n, value[n], p.stdout[-3000:]))
        err = float(value["loop delay (scene run)"].split("error ")[1].rstrip(")"))
        self.assertLessEqual(err, 0.1)
        # the users, synchronised by their own receivers on estimated CSI, are
        # within 1 dB of SNR of the genie loopback (3 sd of the counts)
        for n in row("SER user"):
            self.assertTrue(ok[n], "%s: %s\n%s" % (n, value[n], p.stdout[-3000:]))
            self.assertGreater(int(value[n].split("(")[1].split()[0]), 100000)
        # the radar rows are measured and judged (docs/ota.md has the gap to the
        # genie under the typical profile); here they must exist and be numbers
        pd = float(value[row("radar Pd")[0]].split()[0])
        self.assertTrue(0.0 <= pd <= 1.0)
        rmse = float(value[row("DoA RMSE")[0]].split()[0])
        self.assertTrue(0.0 < rmse < 10.0)


if __name__ == "__main__":
    gr_unittest.run(qa_ota_acceptance)
