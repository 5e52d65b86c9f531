#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Which of the "harsh" profile's impairments breaks which acquisition stage:
the app's own run_ota (scene run, FDD, harsh's window and loop-delay search, no
genies) on "typical" plus one harsh quantity (--which user_cfo), several joined
by "+" (user_cfo+adc), "harsh" less one (harsh-sense_cfo) or a named profile.
One line per run: loop delay, Rx and Tx calibration (error, SE), CSI NMSE, SER,
Pd, the users' CFO error, acquisition snapshot, clipped samples, user 0's timing
offset and the Tx calibration's lag, score and fit (docs/ota_measurements.md, "harsh, one
impairment at a time").

--users adds a line per run for the users' SER (docs/ota_measurements.md, "The users' SER on
harsh"): each user's SER beside the judged genie's (ideal hardware and receiver,
the precoder designing on the run's own fed-back channels, weighted by the
snapshots each was in force), the user's true delay (its fraction is the
emulator's band-limited delay), the receiver's last timing estimate, and the SNR
its last frame's known-section fit shows (images, phase noise and the delay's
interference count as noise there).

usage: bench/ota_harsh_stages.py [--which typical harsh user_cfo ...] [--seeds 1 2 3] [--seconds 0.1] [--users]
"""
import argparse
import os
import sys

import numpy as np
import pmt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ota_app  # noqa: E402
from gnuradio.isac import core  # noqa: E402

# each harsh quantity as the profile sets it (core/frontend.cc), the rest "typical"
HARSH = {
    "drift": dict(drift_phase_std_deg=10.0, drift_gain_std_db=0.5, drift_tau_s=10.0),
    "gain": dict(gain_std_db=1.5),
    "iq": dict(iq_gain_db=1.0, iq_phase_deg=5.0),
    "pn": dict(pn_rms_deg=3.0, pn_corner_hz=300e3),
    "sense_cfo": dict(sense_cfo_ppm=0.02),
    "user_cfo": dict(user_cfo_ppm=10.0),
    "loop": dict(loop_delay_max=200.0),
    "skew": dict(rx_skew_max=0.1),
    "user_timing": dict(user_delay_max=4096.0, users_free_running=True),
    "adc": dict(adc_headroom_db=25.0),
}


def profile(which):
    """A named profile, "harsh-Q" (harsh with typical's Q) or "Q1+Q2" (typical with harsh's Q1, Q2)."""
    if which in ("none", "typical", "harsh"):
        return which
    if which.startswith("harsh-"):
        p, t = core.impairment_profile.named("harsh"), core.impairment_profile.named("typical")
        for k in HARSH[which[6:]]:
            setattr(p, k, getattr(t, k))
    else:
        p = core.impairment_profile.named("typical")
        for w in which.split("+"):
            for k, v in HARSH[w].items():
                setattr(p, k, v)
    p.name = which
    return p


def rms(v):
    return float(np.sqrt(np.mean(np.asarray(v) ** 2)))


def users_line(app, args, r, tb):
    """Each user's SER against the judged genie's (the run's designs, app.ser_genie's
    weighting at the genie's own SNR), true delay, timing estimate and fit SNR."""
    segs = app.design_segments(r.get("csi_posts") or [], r["measure_from"], r["measure_to"]) or [(None, 1)]
    runs = [(app.run_genie(r["scene"], args, 0.0, False, design_channel=H), n) for H, n in segs]
    w = np.array([n for _, n in runs], dtype=float) / sum(n for _, n in runs)
    genie = w @ np.array([g["ser"] for g, _ in runs])
    out = []
    gains = tb.emu.user_gains()
    for u, d in enumerate(tb.emu.user_delay()):
        st = pmt.to_python(getattr(tb, "user%d" % u).last_stats()) or {}
        out.append("u%d SER %.4f genie %.4f (x%.2f) delay %.3f timing %.3f snr %.1f dB gain %.1f dB"
                   % (u, r["ser"][u], genie[u], r["ser"][u] / max(genie[u], 1e-9), d, st.get("timing", np.nan),
                      st.get("snr_db", np.nan), 20 * np.log10(abs(gains[u]))))
    return " | ".join(out) + " | designs %d" % len(runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--which", nargs="+", default=["typical", "harsh"] + sorted(HARSH))
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--seconds", type=float, default=0.1)
    ap.add_argument("--users", action="store_true", help="a line per run for the users' SER against the genie's")
    a = ap.parse_args()
    app = ota_app.load_app()
    built = []
    make = app.make_flowgraph

    def keep(*args, **kw):  # the flowgraph of each run, for its emulator and messages
        tb = make(*args, **kw)
        built.append(tb)
        return tb

    app.make_flowgraph = keep
    cls, sc0, sr = ota_app.flowgraph(app)
    for w in a.which:
        for seed in a.seeds:
            args = ota_app.run_args(app, sc0, sr, "harsh", seed, a.seconds)  # harsh's window and search
            args.impairments = profile(w)
            r = app.run_ota(cls, args, None, "scene")
            tb = built[-1]
            tc = app.messages(tb.txcal_msgs)
            txcal = ("lag %d score %.1f fit %.1f dB" % (tc[-1]["lag"], tc[-1]["lag_score"], tc[-1]["fit_db"])
                     if tc else "none")
            re, rse = r["rx_cal_err"][1:], r["rx_cal_se"][1:]
            te, tse = r["tx_cal_err"][1:], r["tx_cal_se"][1:]
            print("%-16s %d | delay %+.3f se %.3f | Rx rms %.2f se %.2f drift %.2f errs %s | Tx rms %.2f se %.2f "
                  "errs %s | NMSE %s | SER %s | Pd %.3f | cfo err %s | acq %d clipped %d | u0 offset %.1f | "
                  "txcal %s"
                  % (w, seed, r["delay_est"] - r["delay_true"], r["delay_se"], rms(re), rms(rse), r.get("rx_cal_drift", float("nan")),
                     " ".join("%+.1f" % v for v in re), rms(te), rms(tse), " ".join("%+.1f" % v for v in te),
                     " ".join("%.1f" % (10 * np.log10(v)) for v in r["csi_nmse"]),
                     " ".join("%.4f" % v for v in r["ser"]), r["pd"], " ".join("%.1e" % v for v in r["cfo_err"]),
                     r["acq"], r["clipped"], tb.emu.user_delay()[0], txcal), flush=True)
            if a.users:
                print("%-16s %d | users | %s" % (w, seed, users_line(app, args, r, tb)), flush=True)


if __name__ == "__main__":
    main()
