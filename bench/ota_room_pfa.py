#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""False-alarm rate of apps/isac_ota_emulated's genie loopback (target off, no loop
delay, the true channel's table) per room: each emulator seed is one static clutter
phase draw (and one users' channel, so one table), for both CPI weightings.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ota_room_pfa.py \\
        [--scene-seeds=-1,2,4,8] [--seeds 1,2,3,4] [--seconds 0.3]

Scene seed -1 is the flowgraph's tuned scene (a list starting with it takes the "="
form); N >= 0 the app's --scene-seed N. The
window opens at the app's snapshot 172 536, as in its typical runs.
"""
import argparse
import math

from ota_app import flowgraph, load_app, with_scene


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scene-seeds", default="-1,2,4,8")
    ap.add_argument("--seeds", default="1,2,3,4")
    ap.add_argument("--seconds", type=float, default=0.3)
    args = ap.parse_args()
    app = load_app()
    _, sc0, sr = flowgraph(app)
    n = int(round(args.seconds * sr))
    win = (172536, 172536 + n)
    print("| scene | emulator seed | Pfa equal (sd) | Pfa inverse variance (sd) | CPIs |")
    print("|---|---|---|---|---|")
    for ss in [int(x) for x in args.scene_seeds.split(",")]:
        s = app.isac.scene.draw_scene(ss, sc0["n_tx"], sc0["n_users"]) if ss >= 0 else sc0
        for seed in [int(x) for x in args.seeds.split(",")]:
            cells = []
            for w in ("equal", "inverse_variance"):
                sc = with_scene(sc0, s, cpi_weights=w)
                a = argparse.Namespace(seed=seed, samp_rate=sr, measure=n)
                g = app.run_genie(sc, a, 0.0, True, win, loop_delay=0.0, lag=0, target=False)
                p, k = g["pd"], g["pd_n"]
                cells.append("%.4f (%.4f)" % (p, math.sqrt(max(p * (1 - p), 1.0 / k) / k)))
            print("| %s | %d | %s | %s | %d |" % ("tuned" if ss < 0 else ss, seed, cells[0], cells[1], k), flush=True)


if __name__ == "__main__":
    main()
