#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Time per design of the CI precoder's multi-start designs: QoD (mode="qod", the
real-time and quality presets) and the infinite-resolution DAC benchmark (dac="inf"),
at N_T = 16, 32, 64 (U = 4, 8-PSK, the 1-bit ISAC paper's radar scene, N_R = 128), with
the 1-bit QoS real-time design (unchanged by the starts) in the same run as the
yardstick: compare builds by the ratio column. Run from an installed tree or with
PYTHONPATH=build/test_modules.
"""
import argparse
import time

import numpy as np

from gnuradio.isac import core

RADAR = dict(n_rx=128, target_deg=10.0, clutter_deg=[-50.0, 30.0], snr_r_db=15.0,
             cnr_db=[30.0, 30.0], psk_order=8, power=1.0)


def per_design(S, draws):
    t0 = time.perf_counter()
    for H, k in draws:
        S.set_channel(H)
        S.solve_indices(k)
    return (time.perf_counter() - t0) / len(draws)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draws", type=int, default=20, help="channels per row")
    ap.add_argument("--sizes", default="16,32,64", help="N_T values")
    ap.add_argument("--chi-db", type=float, default=6.0, help="QoD radar requirement")
    args = ap.parse_args()
    rng = np.random.default_rng(51)
    U = 4
    cases = [("qos 1-bit realtime", dict(solver="realtime", noise_var=10 ** -0.5, gamma_db=5.0)),
             ("qod realtime", dict(solver="realtime", noise_var=10 ** -1.5, mode="qod",
                                   chi_db=args.chi_db)),
             ("qod quality", dict(solver="quality", noise_var=10 ** -1.5, mode="qod",
                                  chi_db=args.chi_db)),
             ("qos inf-bit", dict(solver="realtime", noise_var=10 ** -0.5, gamma_db=5.0,
                                  dac="inf"))]
    print(f"{'design':22s} {'N_T':>4s} {'ms/design':>10s} {'/ qos 1-bit':>12s}")
    for N in [int(v) for v in args.sizes.split(",")]:
        draws = [((rng.standard_normal((U, N)) + 1j * rng.standard_normal((U, N))) / np.sqrt(2),
                  [int(v) for v in rng.integers(0, 8, U)]) for _ in range(args.draws)]
        ref = None
        for name, kw in cases:
            S = core.ci_solver(N, U, **RADAR, **kw)
            t = per_design(S, draws)
            ref = ref or t
            print(f"{name:22s} {N:4d} {t * 1e3:10.2f} {t / ref:12.2f}", flush=True)


if __name__ == "__main__":
    main()
