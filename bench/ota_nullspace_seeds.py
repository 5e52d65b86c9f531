#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The null-space over-the-air flowgraph (isac_usrp_nullspace_ota_headless,
emulated radio, typical impairments, clutter off) on several drawn scenes and
emulator seeds: the figures and references of python/isac/qa_ota_nullspace.py
(which runs scene 5, emulator seed 3), one row per run, so that its limits can
be seen against more than the seed it runs.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ota_nullspace_seeds.py [SCENES [EMU_SEEDS]]

SCENES and EMU_SEEDS are comma-separated (default 1,2,3,4,5,6 and 3).
"""
import argparse
import os
import sys
import time


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "isac"))
import qa_ota_nullspace as q  # noqa: E402
from gnuradio import isac  # noqa: E402


def main(argv):
    ap = argparse.ArgumentParser(description="null-space OTA flowgraph over drawn scenes and emulator seeds")
    ap.add_argument("scenes", nargs="?", default="1,2,3,4,5,6", help="scene seeds, comma-separated")
    ap.add_argument("emu_seeds", nargs="?", default="3", help="emulator seeds, comma-separated")
    a = ap.parse_args(argv)
    scenes = [int(v) for v in a.scenes.split(",")]
    emus = [int(v) for v in a.emu_seeds.split(",")]
    app = q.acceptance_app()
    print("scene  emu  target/users (deg)        delay err  1st CSI  1st design  payload<design  "
          "genie SINR (dB)  SER (limits)                                   DoA RMSE/limit (n, faded)  ok  s")
    for sc in scenes:
        for es in emus:
            t0 = time.time()
            tb, x_pre, x_radio = q.run(sc, es)
            r = q.measure(tb, x_pre, x_radio)
            el = time.time() - t0
            d = isac.scene.draw_scene(sc, 4, 2)
            ser_ok = all(r["ser_lo"][u] <= r["ser"][u] <= r["ser_hi"][u] for u in range(2))
            doa_ok = r["doa_n"] > 300 and r["doa_rmse"] < r["doa_limit"]
            delay_ok = abs(r["delay_est"] - r["delay_true"]) <= app.delay_tolerance(r["delay_se"])
            ok = ser_ok and doa_ok and r["payload_before"] == 0 and delay_ok
            ser = " ".join("%.2e [%.2e,%.2e]" % (r["ser"][u], r["ser_lo"][u], r["ser_hi"][u]) for u in range(2))
            print("%5d %4d  %5.1f / %5.1f %5.1f      %8.3f %8d %11d %15d  %6.2f %6.2f  %s  %.3f/%.3f (%d, %d)  %s %4.1f"
                  % (sc, es, d["target_deg"], d["user_deg"][0], d["user_deg"][1], r["delay_est"] - r["delay_true"],
                     r["first_csi"], r["first_design"], r["payload_before"], r["genie_sinr_db"][0],
                     r["genie_sinr_db"][1], ser, r["doa_rmse"], r["doa_limit"], r["doa_n"], r["doa_faded"],
                     "yes" if ok else "NO", el))
            sys.stdout.flush()
            del tb
    print("load average: %.2f %.2f %.2f" % os.getloadavg())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
