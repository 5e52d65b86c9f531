#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Where the DoA ML leaves the CRB: Monte-Carlo MSE/CRB of isac.core.doa_mle_core
(the block's estimator and convention) against the integrated SNR, for the
threshold rule of doa_mle's above_threshold flag (docs/doa_mle.md, "Threshold
region"). One source, no clutter, theta uniform in [-60, 60] deg, noise_var 1,
grid 0.1 deg + Newton.

Integrated SNR = |beta|^2 p L / noise_var with the unit-norm receive response:
known mode c_t with sum |c_t|^2 = L (p = 1); gaussian mode c_t ~ CN(0, 1);
mixed mode half known (p_det = 1/2), half Gaussian (p_gauss = 1/2).

  PYTHONPATH=build/test_modules /usr/bin/python3 bench/doa_threshold_sweep.py \\
      --mode gaussian --trials 300 --config 8x16 8x64 8x256 16x16 16x64 16x256

Prints per N x L the MSE/CRB per dB step, the share of CPIs flagged
above_threshold, the first SNR from which MSE <= 2 CRB holds, and the rule's T.
"""

import argparse

import numpy as np

from gnuradio import isac

core = isac.core
DEG2 = (180.0 / np.pi) ** 2


def g(n, th):
    return np.exp(-1j * np.pi * np.arange(n) * np.sin(np.deg2rad(th))) / np.sqrt(n)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["known", "gaussian", "mixed"], default="known")
    ap.add_argument("--trials", type=int, default=300)
    ap.add_argument("--config", nargs="+", default=["16x64"], help="N_RxL pairs")
    ap.add_argument("--snr-db", nargs=2, type=float, default=[6.0, 30.0], help="sweep range (1-dB steps)")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)

    def cn(*s):
        return (rng.standard_normal(s) + 1j * rng.standard_normal(s)) / np.sqrt(2)

    for cfg in a.config:
        N, L = (int(v) for v in cfg.split("x"))
        pg = 0.5 if a.mode == "mixed" else 1.0
        est = core.doa_mle_core(N, -90, 90, 0.1, 1.0, a.mode, pg, "newton", sign=-1, ref="center", normalize=True)
        rows = []
        for sdb in np.arange(a.snr_db[0], a.snr_db[1] + 0.5, 1.0):
            beta = np.sqrt(10 ** (sdb / 10) / L)
            e2, crb, fl = [], [], []
            for _ in range(a.trials):
                th = rng.uniform(-60, 60)
                b = g(N, th)
                bd = -1j * np.pi * np.arange(N) * np.cos(np.deg2rad(th)) * b
                if a.mode == "known":
                    c = cn(L)
                    c *= np.sqrt(L) / np.linalg.norm(c)
                    ref, bound = c, core.crb_deterministic_vec(b, bd, beta, 1.0, L, 1.0)
                elif a.mode == "gaussian":
                    c = cn(L)
                    ref, bound = None, core.crb_gaussian_vec(b, bd, beta, 1.0, L, 1.0)
                else:
                    ck = cn(L)
                    ck *= np.sqrt(0.5 * L) / np.linalg.norm(ck)
                    c = ck + np.sqrt(0.5) * cn(L)
                    ref, bound = ck, core.crb_mixed_vec(b, bd, beta, 0.5, 0.5, L, 1.0)
                Y = beta * np.outer(b, c) + cn(N, L)
                r = est.estimate(Y, ref)
                e2.append((r["theta_deg"] - th) ** 2)
                crb.append(bound * DEG2)
                fl.append(r["above_threshold"])
            rows.append((sdb, np.mean(e2) / np.mean(crb), np.mean(fl)))
        first = next((s for s, _, _ in rows if all(r <= 2.0 for t, r, _ in rows if t >= s)), None)
        T = 10 * np.log10(core.doa_mle_core.threshold_snr_int(a.mode, N, L, 0.5))
        print(f"{a.mode} N={N} L={L}: MSE <= 2 CRB from {first} dB; rule T = {T:.1f} dB")
        print("  " + " ".join(f"{s:.0f}:{r:.2f}/{f:.2f}" for s, r, f in rows))


if __name__ == "__main__":
    main()
