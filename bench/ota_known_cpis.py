#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Radar Pd and false-alarm rate of apps/isac_ota_emulated's CPIs, split into the CPIs
that overlap a frame's known section (preamble, header, pilots) and the payload CPIs,
with the target on and off, for the over-the-air flowgraph and three genies:

  loopback   the app's judged genie (payload only, the flowgraph's loop delay)
  framed     the same with the flowgraph's frames (frame_builder before the precoder)
  flowgraph  the over-the-air flowgraph with the emulated radio (target off: the
             emulator's target switched off in a copy of the .grc; the chains'
             design, the detector's threshold included, unchanged)

Every run takes its decisions over the app's measurement window. Pfa's binomial sd is
printed beside it.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ota_known_cpis.py \\
        [--impairments none] [--seed 1] [--seconds 0.5] [--runs flowgraph,loopback,framed] \\
        [--scene-seed N] [--cpi-weights equal|inverse_variance]

--scene-seed draws the app's random scene (default: the flowgraph's tuned scene),
--cpi-weights sets the detector's CPI sum weights in the flowgraph and the genies
(default: the flowgraph's).
"""
import argparse
import math
import os
import re
import tempfile

import numpy as np

from ota_app import flowgraph, load_app, run_args


def target_off_grc(app, root):
    """A copy of the OTA flowgraph, in the directory root, whose emulator has
    no target (its target_snr_db only; the precoder and detector keep the
    scene's)."""
    src = app.find_grc()
    text = open(src).read()
    new, n = re.subn(r"(\n\s+target_snr_db:\s*)snr_r_db", r"\1'-200.0'", text)
    if n != 1:
        raise SystemExit("cannot find the emulator's target_snr_db in %s" % src)
    os.makedirs(os.path.join(root, "examples"))
    os.symlink(os.path.join(os.path.dirname(os.path.dirname(src)), "grc"), os.path.join(root, "grc"))
    path = os.path.join(root, "examples", os.path.basename(src))
    open(path, "w").write(new)
    return path


def split(app, res, lag, sc):
    """(known CPIs' rate, CPIs, payload CPIs' rate, CPIs) of one run's decisions."""
    m = app.known_cpis(res["pd_end"], lag, sc["radar_cpi"], sc["frame_len"], sc["known_len"],
                       sc.get("guard_len", 0))
    d = np.asarray(res["pd_dec"], dtype=float)
    return float(np.mean(d[m])), int(m.sum()), float(np.mean(d[~m])), int((~m).sum())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--impairments", default="none", choices=("none", "typical", "harsh"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=0.5)
    ap.add_argument("--runs", default="flowgraph,loopback,framed")
    ap.add_argument("--scene-seed", type=int, default=None)
    ap.add_argument("--cpi-weights", default=None, choices=("equal", "inverse_variance"))
    args = ap.parse_args()
    runs = args.runs.split(",")
    app = load_app()
    cls, sc0, sr = flowgraph(app)
    a = run_args(app, sc0, sr, args.impairments, args.seed, args.seconds, args.cpi_weights, args.scene_seed)
    r = app.run_ota(cls, a, None, "scene")
    sc, win, d = r["scene"], (r["measure_from"], r["measure_to"]), r["delay_true"]
    rows = [("flowgraph", "on", r, app.ota_latency(r))]
    if "flowgraph" in runs:
        with tempfile.TemporaryDirectory(prefix="ota_known_cpis_") as root:
            cls_off = app.compile_flowgraph(target_off_grc(app, root))
        off = app.run_ota(cls_off, a, None, "scene, no target")
        rows.append(("flowgraph", "off", off, app.ota_latency(off)))
    for name, framed in (("loopback", False), ("framed", True)):
        if name not in runs:
            continue
        for tgt in (True, False):
            g = app.run_genie(sc, a, 0.0, True, win, loop_delay=d, framed=framed, target=tgt, lag=app.ota_latency(r))
            rows.append((name, "on" if tgt else "off", g, g["lag"]))
    print("impairments %s, seed %d, %.2f s, loop delay %.3f (estimate %.3f), Pfa set %g, CPI %d, frame %d (known %d), "
          "cpi_weights %s, scene %s" % (a.impairments, a.seed, a.seconds, d, r["delay_est"], sc["pfa"], sc["radar_cpi"],
                                        sc["frame_len"], sc["known_len"], sc["cpi_weights"], a.scene))
    print("| run | target | known CPIs | rate (sd) | payload CPIs | rate (sd) |")
    print("|---|---|---|---|---|---|")
    for name, tgt, res, lag in rows:
        pk, nk, pp, npl = split(app, res, lag, sc)
        sd = lambda p, n: math.sqrt(max(p * (1 - p), 1.0 / n) / n)
        print("| %s | %s | %d | %.4f (%.4f) | %d | %.4f (%.4f) |" % (name, tgt, nk, pk, sd(pk, nk), npl, pp,
                                                                    sd(pp, npl)))


if __name__ == "__main__":
    main()
