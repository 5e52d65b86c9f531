#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Timing of the design API (gnuradio.isac.design), printed as a table.

  massive-MIMO ISAC paper SCA, 15 iterations, N_t = 225 (15 x 15), N_r = 25, K = 12,
           CRLB^0 = -35 dB, SNR = 10 dB (seed: 5.90 s MRT / 7.02 s ZF; goal <= 0.5 s)
  bistatic CRB paper CRB-rate boundary, 20 points, n_tx = n_rx = 16
  null-space paper SDR (cvxopt) vs duality fixed point (C++ core), N = 16
Run from an installed tree or with PYTHONPATH=build/test_modules.
Each row is the median of --repeat runs.
"""
import argparse
import time

import numpy as np

from gnuradio.isac.design import massive_mimo, nullspace, bistatic


def median_time(fn, repeat):
    ts = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)), out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = []
    beta = massive_mimo.drop_users(12, np.random.default_rng(2024))
    sc = massive_mimo.make_scene(15, 15, 5, 5, beta, power=10.0, alpha_abs=0.04)
    c0 = 10 ** -3.5
    for bf, seed_s in (("mrt", 5.90), ("zf", 7.02)):
        t, res = median_time(lambda: massive_mimo.sca_power_allocation(sc, bf, c0, c0, max_iter=15),
                             args.repeat)
        rows.append((f"massive-MIMO ISAC paper SCA {bf.upper()} 15 it, N_t=225, K=12", t,
                     f"{res.iterations} it, sum rate {res.sum_rate:.3f}; seed {seed_s} s, "
                     f"x{seed_s / t:.0f} faster; goal 0.5 s"))

    rng = np.random.default_rng(4)
    n = 16
    h = (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    h *= np.sqrt(100 * 1e-11 / np.vdot(h, h).real)
    bs = bistatic.make_scene(n, n, 10.0, 20.0, h, 1.0, 1e-11, 1e-11,
                            np.sqrt(1e-11 / (n * n)), 64)
    t, b = median_time(lambda: bistatic.crb_rate_boundary(bs, n_points=20), args.repeat)
    rows.append(("bistatic CRB paper boundary, 20 points, n_tx=16", t,
                 "superposition SCA from two starts per point (init='best')"))
    rates = np.linspace(0.0, 0.98 * bs.rate_max, 20)
    for init in ("gaussian", "best"):
        t, ds = median_time(lambda: [bistatic.superposition_design(bs, 2.0 ** r - 1, init=init)
                                     for r in rates], args.repeat)
        rows.append((f"bistatic CRB paper 20 superposition designs, init={init}", t,
                     f"{sum(d.iterations for d in ds)} SCA steps kept (2x2 SDPs)"))
    t, d = median_time(lambda: bistatic.superposition_design(bs, 2 ** 3 - 1, method="full",
                                                            init="gaussian"), 1)
    rows.append(("bistatic CRB paper one SCA design, full 16x16 SDPs", t,
                 f"{d.iterations} steps (span method is the default)"))

    N = 16
    for K in (2, 6, 10):
        H = (rng.standard_normal((K, N)) + 1j * rng.standard_normal((K, N))) / np.sqrt(2)
        cmp = nullspace.compare_minpower(H, 10 ** 0.5, 1.0)
        rows.append((f"null-space paper SDR min power N={N} K={K}", cmp.seconds_sdr,
                     f"duality {cmp.seconds_duality * 1e3:.3f} ms "
                     f"(x{cmp.seconds_sdr / max(cmp.seconds_duality, 1e-9):.0f}), "
                     f"rel diff {cmp.rel_diff:.1e}"))

    w = max(len(r[0]) for r in rows)
    print(f"{'case':<{w}}  {'seconds':>9}  notes")
    for name, t, note in rows:
        print(f"{name:<{w}}  {t:9.4f}  {note}")


if __name__ == "__main__":
    main()
