#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Tuning variants of a CI preset against the preset itself, on many family
snapshots (bench/ci_family.py draws, random symbol vectors per draw): where
bench_ci_quality.py compares one snapshot per draw with the exact-ILP reference,
this compares every snapshot's design with the preset's, so small losses show.

Per variant: the mean and 95th percentile of 10 log10(QSCNR_preset / QSCNR_variant)
over the snapshots both find feasible, the snapshots worse / better by > 0.1 dB,
feasible snapshots lost or gained, on the snapshots neither finds feasible the
mean change of the fallback design's min margin (in lambda), and CPU time through Python relative to the
preset (measured in the same run, configurations alternating per draw).

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ci_preset_pareto.py \\
        --n-tx 16 --draws 20 --vectors 64 random_starts=4 random_starts=6
"""

import argparse
import sys
import time

import numpy as np

import ci_family as fam
from bench_ci_quality import parse_config


def design(inst, ks, configs, cpu):
    """{config: its results on the symbol vectors ks (rows) of the instance}, the
    configurations one after the other on the draw; CPU time added to cpu[config]."""
    out = {}
    for c in configs:
        S = fam.solver(inst, **parse_config(c))
        t0 = time.process_time()
        out[c] = [S.solve_indices([int(v) for v in k]) for k in ks]
        cpu[c] += time.process_time() - t0
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n-tx", type=int, default=16)
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--vectors", type=int, default=64)
    ap.add_argument("--preset", default="realtime")
    ap.add_argument("variants", nargs="+",
                    help="tuning overrides, 'key=value,key=value' (as bench_ci_quality)")
    args = ap.parse_args()
    configs = [args.preset] + [f"{args.preset}:{v}" for v in args.variants]
    q = {c: [] for c in configs}
    feas = {c: [] for c in configs}
    marg = {c: [] for c in configs}
    cpu = {c: 0.0 for c in configs}
    rng = np.random.default_rng(3)
    for i in range(args.draws):
        inst = fam.draw(args.n_tx, i)
        ks = rng.integers(0, inst["psk_order"], (args.vectors, inst["n_users"]))
        for c, rs in design(inst, ks, configs, cpu).items():
            q[c] += [r["qscnr"] for r in rs]
            feas[c] += [bool(r["feasible"]) for r in rs]
            marg[c] += [float(np.min(r["margins"]) / r["lambda"]) for r in rs]
    base = configs[0]
    qb, fb = np.array(q[base]), np.array(feas[base])
    print(f"N_T = {args.n_tx}: {len(qb)} snapshots, {fb.sum()} feasible with {base}, "
          f"{1e3 * cpu[base] / len(qb):.3f} ms per vector")
    print(f"{'variant':>40} {'mean dB':>8} {'p95':>6} {'worst':>6} {'worse':>6} "
          f"{'better':>6} {'lost':>5} {'gained':>6} {'margin':>7} {'time':>6}")
    for c in configs[1:]:
        qc, fc = np.array(q[c]), np.array(feas[c])
        both = fb & fc
        d = 10 * np.log10(qb[both] / qc[both])
        neither = ~fb & ~fc
        dm = np.array(marg[c])[neither] - np.array(marg[base])[neither]
        print(f"{c.partition(':')[2]:>40} {d.mean():>8.4f} {np.percentile(d, 95):>6.3f} "
              f"{d.max():>6.2f} {int((d > 0.1).sum()):>6} {int((d < -0.1).sum()):>6} "
              f"{int((fb & ~fc).sum()):>5} {int((fc & ~fb).sum()):>6} "
              f"{dm.mean() if dm.size else 0.0:>+7.4f} "
              f"{cpu[c] / cpu[base]:>6.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
