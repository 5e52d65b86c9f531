#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The acquisition rows of apps/isac_ota_emulated against their standard errors:
for each scene seed and emulator seed, the app's own run_ota (the scene run and
the clutter-free DoA run, --quick's window, typical impairments, FDD) and the
loop-delay, Tx and Rx calibration figures its rows judge: error (the
calibrations against the true phases over the estimate's own snapshots), the
estimator's standard error, the tolerance (the app's delay_tolerance /
cal_tolerance) and whether the row passes; beside them the calibrations' rms
residual against the phases at the run's end (what the rows read before).
No genie runs: the other rows are not computed.

usage: bench/ota_acq_se.py [--chain 1bit|nullspace] [--scenes 9 11] [--seeds 1-12] [--seconds 0.3]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ota_app  # noqa: E402


def seeds(spec):
    lo, _, hi = spec.partition("-")
    return range(int(lo), int(hi or lo) + 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, nargs="+", default=[9, 11])
    ap.add_argument("--seeds", default="1-12")
    ap.add_argument("--seconds", type=float, default=0.3)
    ap.add_argument("--impairments", default="typical")
    ap.add_argument("--chain", default="1bit", choices=("1bit", "nullspace"))
    a = ap.parse_args()
    app = ota_app.load_app()
    cls, sc0, sr = ota_app.flowgraph(app, a.chain)
    print("scene seed run | delay err / SE / margin dB / tol | Tx rms / SE rms / tol (deg) | pass delay, Tx | Tx errs"
          " | Tx se | Tx rms at the end | Rx rms / SE rms / tol (deg) pass | Rx errs | Rx se | Rx rms at the end")
    n_pass = {"delay": 0, "tx": 0, "rx": 0}
    n_judged = {"delay": 0, "tx": 0, "rx": 0}
    z_of = {"rx": [], "tx": []}  # errors over their own SE, every channel of every run
    rms_of = lambda v: float(np.sqrt(np.mean(np.square(v))))
    nan_row = np.full(2, np.nan)  # a run without the estimate: shown as nan, judged a FAIL
    for scene in a.scenes:
        for seed in seeds(a.seeds):
            args = ota_app.run_args(app, sc0, sr, a.impairments, seed, a.seconds, scene_seed=scene)
            for cnr, label in ((None, "scene"), (-200.0, "doa")):
                r = app.run_ota(cls, args, cnr, label)
                err = abs(r["delay_est"] - r["delay_true"])
                dtol = app.delay_tolerance(r["delay_se"])
                e = r["tx_cal_err"][1:]
                se = r["tx_cal_se"][1:]
                rms = float(np.sqrt(np.mean(e ** 2)))
                ttol = app.cal_tolerance(se, app.TXCAL_FLOOR_DEG)
                dok = bool(err <= dtol)
                tok = bool(rms <= ttol)
                re = r["rx_cal_err"][1:]
                rse = r["rx_cal_se"][1:]
                rrms = float(np.sqrt(np.mean(re ** 2)))
                rtol = app.cal_tolerance(rse, app.RXCAL_FLOOR_DEG)
                rok = bool(rrms <= rtol)
                n_judged["rx"] += 1
                n_pass["rx"] += rok
                z_of["rx"].extend(re / rse)
                z_of["tx"].extend(e / se)
                if label == "scene":  # the DoA run's delay is shown, not judged
                    n_judged["delay"] += 1
                    n_pass["delay"] += dok
                n_judged["tx"] += 1
                n_pass["tx"] += tok
                print("%2d %2d %-5s | %+.3f / %.3f / %.1f / %.3f | %.2f / %.2f / %.2f | %s %s | errs %s | se %s"
                      " | %.2f | %.3f / %.3f / %.3f %s | %s | %s | %.3f"
                      % (scene, seed, label, r["delay_est"] - r["delay_true"], r["delay_se"], r["delay_peak_db"],
                         dtol, rms, float(np.sqrt(np.mean(se ** 2))), ttol, "ok" if dok else "FAIL",
                         "ok" if tok else "FAIL", " ".join("%+.2f" % v for v in e),
                         " ".join("%.2f" % v for v in se), rms_of(r.get("tx_cal_err_end", nan_row)[1:]), rrms,
                         float(np.sqrt(np.mean(rse ** 2))), rtol, "ok" if rok else "FAIL",
                         " ".join("%+.3f" % v for v in re), " ".join("%.3f" % v for v in rse),
                         rms_of(r.get("rx_cal_err_end", nan_row)[1:])), flush=True)
    print("loop delay (scene runs): %d of %d pass; Tx calibration (both runs): %d of %d pass; "
          "Rx calibration (both runs): %d of %d pass"
          % (n_pass["delay"], n_judged["delay"], n_pass["tx"], n_judged["tx"], n_pass["rx"], n_judged["rx"]))
    for name, v in z_of.items():
        v = np.array(v)
        print("%s error / SE over %d channel estimates: rms %.2f, mean %+.2f, largest |.| %.2f"
              % (name.capitalize(), v.size, float(np.sqrt(np.mean(v ** 2))), float(np.mean(v)),
                 float(np.max(np.abs(v)))))


if __name__ == "__main__":
    main()
