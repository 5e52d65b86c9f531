#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The genie loopback of apps/isac_ota_emulated (true channel, ideal hardware, no loop
delay) with its CI precoder designed at the scene's gamma_db + each offset: radar Pd over
the app's measurement window and the users' SER. Shows where the 1-bit table of the OTA
scene changes with Gamma (equal rows: the same table) and what a QoS margin
(isac.csi_margin_db) costs or buys with perfect CSI.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ota_gamma_steps.py \\
        [--offsets=-0.5,0,0.25,0.77] [--seeds 1,3] [--seconds 0.5]
"""
import argparse

from ota_app import flowgraph, load_app


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--offsets", default="-1,-0.5,0,0.25,0.5,0.77,1,2,3", help="dB added to gamma_db")
    ap.add_argument("--seeds", default="1,3")
    ap.add_argument("--seconds", type=float, default=0.5)
    ap.add_argument("--measure-from", type=int, default=172000)
    args = ap.parse_args()
    app = load_app()
    _, sc, sr = flowgraph(app)
    F = sc["frame_len"]
    start = -(-args.measure_from // F) * F
    n = int(round(args.seconds * sr))
    print("| seed | gamma_db | Pd | SER user 0 | SER user 1 |")
    print("|---|---|---|---|---|")
    for s in [int(v) for v in args.seeds.split(",")]:
        for d in [float(v) for v in args.offsets.split(",")]:
            a = argparse.Namespace(seed=s, samp_rate=sr, measure=n)
            g = app.run_genie(dict(sc, gamma_db=sc["gamma_db"] + d), a, 0.0, True, (start, start + n), lag=0)
            print("| %d | %.2f | %.4f | %.4f | %.4f |" % (s, sc["gamma_db"] + d, g["pd"], g["ser"][0], g["ser"][1]),
                  flush=True)


if __name__ == "__main__":
    main()
