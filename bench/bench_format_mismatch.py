#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The two SNR estimates user_receiver's format check compares
(docs/user_receiver.md, "Format check"): frames of the right and of wrong
formats through core.frontend_emulator (impairment profiles none, typical,
harsh; its thermal noise set for a per-sample SNR), received by core.user_receiver
with the check off (mismatch_margin_db = inf) and on (the default). Per case:
the frames accepted, the fit - preamble SNR gap of the accepted frames
(min / median), and with the check on the frames, acquisitions and mismatches.

  PYTHONPATH=build/test_modules /usr/bin/python3 bench/bench_format_mismatch.py
      [--frames 40] [--seeds 3] [--snr -2,0,3,6,10,19,30] [--nt 4] [--margin 10]
"""

import argparse

import numpy as np
from gnuradio.isac import core

FORMATS = {  # name: user_receiver format arguments (the transmitter's: right)
    "right": {},
    "seed2": {"frame_seed": 2},
    "pay-10": {"payload_len": -10},
    "pay+10": {"payload_len": 10},
    "pilot8": {"pilot_len": 8},
    "reps2": {"preamble_reps": 2},
    "reps4": {"preamble_reps": 4},
}


def tx_stream(nt, L, n_frames, rng):
    """n_frames frames of the default format (frame_seed 1), 1-bit payloads
    (snapshot-major, n x nt), then a frame's length of zeros."""
    f = core.frame_format(nt, L, 0, 3, 0, 1)
    amp = np.sqrt(1.0 / (2 * nt))
    blocks = []
    for k in range(n_frames):
        pay = rng.choice([-1, 1], (nt, L)) + 1j * rng.choice([-1, 1], (nt, L))
        blocks.append(np.hstack([core.frame_known(f, True, k), pay]))
    x = amp * np.hstack(blocks + [np.zeros((nt, f.frame_len))])
    return f, x.T.astype(np.complex64)


def rx_stream(x, profile, snr_db, seed):
    """User 0 of the emulator (LOS at 20 degrees) with its thermal noise set
    to the signal power of the profile-free channel (same seed) over snr_db:
    the ADC's full scale then sits where the profile puts it (adc_headroom_db
    above the noise; harsh's 25 dB clips at 30 dB SNR, as meant)."""
    emu0 = core.frontend_emulator(x.shape[1], 2, 1, user_deg=[20.0], comm_noise_var=1e-12,
                                  impairments="none", seed=seed)
    p = np.mean(abs(emu0.process(x)[1][:, 0]) ** 2)
    emu = core.frontend_emulator(x.shape[1], 2, 1, user_deg=[20.0],
                                 comm_noise_var=p * 10 ** (-snr_db / 10),
                                 impairments=profile, seed=seed)
    return np.ascontiguousarray(emu.process(x)[1][:, 0])


def receive(y, nt, L, fmt, margin):
    kw = dict(n_tx=nt, payload_len=L, preamble_block=0, preamble_reps=3, pilot_len=0,
              frame_seed=1)
    for k, v in FORMATS[fmt].items():
        kw[k] = kw[k] + v if k == "payload_len" else v
    r = core.user_receiver(mismatch_margin_db=margin, **kw)
    out = []
    for i in range(0, len(y), 4096):
        out += r.push(y[i:i + 4096])
    out += r.flush()
    return r, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--snr", default="-2,0,3,6,10,19,30")
    ap.add_argument("--nt", type=int, default=4)
    ap.add_argument("--margin", type=float, default=10.0, help="the check's margin (dB)")
    ap.add_argument("--profiles", default="none,typical,harsh")
    ap.add_argument("--formats", default=",".join(FORMATS))
    a = ap.parse_args()
    L = 880
    print("check off (margin inf): frames, acquisitions, rows; the accepted frames' fit - sync"
          " SNR gap (dB) min/median/max, fit SNR min/max, sync SNR median;\ncheck on (margin %g dB):"
          " frames, acquisitions, rows, mismatches" % a.margin)
    print("profile  snr  format  | off: frm acq row   gap min    med    max   fit min   max  sync |"
          " on: frm acq row mism")
    for profile in a.profiles.split(","):
        for snr in [float(s) for s in a.snr.split(",")]:
            for fmt in a.formats.split(","):
                tot = {"off": [0, 0, 0], "on": [0, 0, 0, 0]}
                gaps, fits, syncs = [], [], []
                for seed in range(a.seeds):
                    rng = np.random.default_rng(1000 + seed)
                    _, x = tx_stream(a.nt, L, a.frames, rng)
                    y = rx_stream(x, profile, snr, seed + 1)
                    r, out = receive(y, a.nt, L, fmt, float("inf"))
                    tot["off"][0] += len(out)
                    tot["off"][1] += r.acquisitions()
                    tot["off"][2] += sum(fr["report"] for fr in out)
                    for fr in out:
                        gaps.append(fr["fit_snr_db"] - fr["sync_snr_db"])
                        fits.append(fr["fit_snr_db"])
                        syncs.append(fr["sync_snr_db"])
                    r, out = receive(y, a.nt, L, fmt, a.margin)
                    tot["on"][0] += len(out)
                    tot["on"][1] += r.acquisitions()
                    tot["on"][2] += sum(fr["report"] for fr in out)
                    tot["on"][3] += r.format_mismatches()
                q = lambda v, f: f(v) if v else np.nan
                print("%-8s %4.0f %-7s | %4d %3d %3d %6.1f %6.1f %6.1f %9.1f %5.1f %5.1f | %4d %3d %3d %4d"
                      % (profile, snr, fmt, *tot["off"], q(gaps, np.min), q(gaps, np.median),
                         q(gaps, np.max), q(fits, np.min), q(fits, np.max), q(syncs, np.median),
                         *tot["on"]),
                      flush=True)


if __name__ == "__main__":
    main()
