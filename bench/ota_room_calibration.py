#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Calibrating the radar detector's threshold in one room from its own target-free
CPIs (rx_calibration.threshold_scale_from_data), in apps/isac_ota_emulated's genie
loopback (target off, no loop delay, the true channel's table): each emulator seed
is one room (one static clutter phase draw). The window of 2 x --seconds from the
app's snapshot 172 536 is split in two: the first half's CPIs calibrate
threshold_scale, the second half's (fresh noise, the same room) measure the Pfa at
it. The detector divides its statistic by threshold_scale, so the second half's
Pfa at the scale is the fraction of its statistics (taken at scale 1) at or above
the scale; --rerun checks that on the first row by running the genie again with
the scale set.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ota_room_calibration.py \\
        [--scene-seeds=-1,4] [--seeds 1,2,3,4,5,6] [--seconds 0.3] [--rerun]

Each row: Pfa of the test half before calibration, the scale and its standard error,
the test half's Pfa at the scale, and the tolerance 4 sqrt(pfa (1 - pfa) (1/N + 1/M))
(the calibration's own binomial error plus the test count's).
"""
import argparse
import math

import numpy as np

from ota_app import flowgraph, load_app, with_scene


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scene-seeds", default="-1,4")
    ap.add_argument("--seeds", default="1,2,3,4,5,6")
    ap.add_argument("--weights", default="equal,inverse_variance")
    ap.add_argument("--seconds", type=float, default=0.3)
    ap.add_argument("--rerun", action="store_true")
    args = ap.parse_args()
    app = load_app()
    from gnuradio.isac import rx_calibration as rc
    _, sc0, sr = flowgraph(app)
    n = int(round(args.seconds * sr))
    win = (172536, 172536 + 2 * n)
    pfa = sc0["pfa"]
    print("| scene | emulator seed | weights | Pfa uncalibrated: calibration half / test half | threshold_scale (se) | "
          "Pfa calibrated, test half | tolerance (4 sd) | in tolerance | CPIs N / M |")
    print("|---|---|---|---|---|---|---|---|---|")
    nbad, first = 0, True
    for ss in [int(x) for x in args.scene_seeds.split(",")]:
        s = app.isac.scene.draw_scene(ss, sc0["n_tx"], sc0["n_users"]) if ss >= 0 else sc0
        for seed in [int(x) for x in args.seeds.split(",")]:
            for w in args.weights.split(","):
                sc = with_scene(sc0, s, cpi_weights=w)
                a = argparse.Namespace(seed=seed, samp_rate=sr, measure=2 * n)
                g = app.run_genie(sc, a, 0.0, True, win, loop_delay=0.0, lag=0, target=False)
                st, end = g["pd_stat"] * sc["threshold_scale"], g["pd_end"]
                cal, test = st[end < win[0] + n], st[end >= win[0] + n]
                e = rc.threshold_scale_from_data(cal, pfa, 1.0)
                p_after = float(np.mean(test >= e.scale))
                tol = 4 * math.sqrt(pfa * (1 - pfa) * (1.0 / len(cal) + 1.0 / len(test)))
                ok = abs(p_after - pfa) <= tol
                nbad += not ok
                print("| %s | %d | %s | %.4f / %.4f | %.4f (%.4f) | %.4f | %.4f | %s | %d / %d |"
                      % ("tuned" if ss < 0 else ss, seed, w, np.mean(cal >= 1), np.mean(test >= 1), e.scale,
                         e.scale_se, p_after, tol, "yes" if ok else "NO", len(cal), len(test)), flush=True)
                if args.rerun and first:
                    first = False
                    g2 = app.run_genie(dict(sc, threshold_scale=e.scale), a, 0.0, True, win, loop_delay=0.0, lag=0,
                                       target=False)
                    t2 = g2["pd_stat"][g2["pd_end"] >= win[0] + n]
                    print("rerun with threshold_scale %.4f: test-half Pfa %.4f (from the scale-1 statistics %.4f)"
                          % (e.scale, np.mean(t2 >= 1.0), p_after), flush=True)
    print("rows out of tolerance: %d" % nbad)


if __name__ == "__main__":
    main()
