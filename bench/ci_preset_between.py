#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The real-time CI preset at array sizes between and around the scenario family's
N_T values (bench/ci_family.py draws at any N_T), with the few-antenna starts
(max-min start, random feasible points, the beam at 2 phases) as the preset chooses
them, forced on and forced off.

The reference of a snapshot is the best of the quality preset's design and every
configuration's design (cheap: NOT the exact-ILP reference of bench_ci_quality.py,
which exists only at N_T = 16, 32, 64, 128; the quality preset is 0.10 dB from
it at N_T = 32). Per configuration and N_T: mean, 95th percentile and worst of
10 log10(QSCNR_ref / QSCNR_config) in dB over the snapshots both the reference and
the configuration find feasible, the snapshots only the reference finds feasible
("lost"), and CPU ms per vector through Python (on each draw the configurations run
one after the other, in the same order).

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ci_preset_between.py \\
        --n-tx 20 24 32 40 48 56 64 96 --draws 30 --vectors 4
"""

import argparse
import sys

import numpy as np

import ci_family as fam
from ci_preset_pareto import design

# the real-time preset's few-antenna starts (ci_preset_tuning at N_T = 17..55), on and off
STARTS_ON = "feasible_start=true,feasible_margin=0.5,random_starts=8,phases=2,phase_paths=2"
STARTS_OFF = "feasible_start=false,feasible_margin=0.0,random_starts=0,phases=1,phase_paths=1"
# cheaper subsets of the starts: the max-min start alone; with 4 random points
MM = "feasible_start=true,feasible_margin=0.5,random_starts=0,phases=1,phase_paths=1"
MM4 = "feasible_start=true,feasible_margin=0.5,random_starts=4,phases=1,phase_paths=1"
CONFIGS = {"preset": "realtime", "on": "realtime:" + STARTS_ON,
           "off": "realtime:" + STARTS_OFF, "mm": "realtime:" + MM,
           "mm4": "realtime:" + MM4}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n-tx", type=int, nargs="+", default=[20, 24, 32, 40, 48, 56, 64, 96])
    ap.add_argument("--draws", type=int, default=30)
    ap.add_argument("--vectors", type=int, default=4, help="random symbol vectors per draw")
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS),
                    help="names (preset, on, off, mm, mm4) or specs as bench_ci_quality.py")
    ap.add_argument("--reference", default="quality")
    args = ap.parse_args()
    configs = [CONFIGS.get(c, c) for c in args.configs]
    print(f"{'config':>10} {'N_T':>4} {'snaps':>5} {'ref feas':>8} {'mean dB':>8} "
          f"{'p95 dB':>7} {'worst':>7} {'lost':>5} {'ms/vec':>8}")
    for N in args.n_tx:
        rng = np.random.default_rng([3, N])
        q = {c: [] for c in configs + [args.reference]}
        cpu = {c: 0.0 for c in q}
        for i in range(args.draws):
            inst = fam.draw(N, i)
            ks = rng.integers(0, inst["psk_order"], (args.vectors, inst["n_users"]))
            for c, rs in design(inst, ks, list(q), cpu).items():
                q[c] += [r["qscnr"] if r["feasible"] else np.nan for r in rs]
        Q = {c: np.array(v) for c, v in q.items()}
        ref = np.fmax.reduce([Q[c] for c in Q])
        feas = np.isfinite(ref)
        n = len(ref)
        for c, name in zip(configs + [args.reference], args.configs + [args.reference]):
            ok = feas & np.isfinite(Q[c])
            g = 10 * np.log10(ref[ok] / Q[c][ok]) if ok.any() else np.zeros(1)
            print(f"{name:>10} {N:>4} {n:>5} {int(feas.sum()):>8} {g.mean():>8.3f} "
                  f"{np.percentile(g, 95):>7.3f} {g.max():>7.3f} "
                  f"{int((feas & ~np.isfinite(Q[c])).sum()):>5} "
                  f"{1e3 * cpu[c] / n:>8.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
