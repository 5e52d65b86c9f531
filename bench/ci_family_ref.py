#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Exact-ILP MM reference of the CI precoder scenario family (bench/ci_family.py).

For every instance: the max-min margin ILP (decides feasibility, and its optimum is a
start), then the MM loop with every step solved by scipy.optimize.milp (HiGHS) from
the target beam, the max-min margin point, random feasible points (ILPs with a random
objective) and the designs of the real-time and quality solvers of this build. Every
result goes to the cache (JSON, written after each run, so an interrupted run loses
nothing and a rerun only does what is missing). Slow: run it niced in the background.

    PYTHONPATH=build/test_modules nice /usr/bin/python3 bench/ci_family_ref.py \\
        --n-tx 32 --draws 100 --time-limit 10
"""

import argparse
import sys
import time

import numpy as np

import ci_family as fam

START_SOLVERS = {"rt": dict(), "q": dict(solver="quality")}


def run_instance(inst, entry, args, save):
    At, lam, c = fam.constraints(inst)
    S = fam.solver(inst)
    N = inst["n_tx"]
    runs = entry.setdefault("runs", {})

    def record(name, q, x, steps, timeouts, t0):
        runs[name] = dict(q=q, x=None if x is None else fam.encode_x(x), steps=steps,
                          timeouts=timeouts, s=round(time.time() - t0, 2))
        save()

    if "maxmin" not in entry:
        t0 = time.time()
        xt, status, t = fam._milp(None, At, lam, c, args.time_limit, maxmin=True)
        entry["maxmin"] = dict(t=t, proven=status == 0, infeasible=status == 2,
                               x=None if xt is None else fam.encode_x(xt[:N] + 1j * xt[N:]),
                               s=round(time.time() - t0, 2))
        save()
    mm = entry["maxmin"]
    if mm["t"] is None or mm["t"] < 0:
        return  # infeasible (proven or not found): no MM start is feasible
    starts = []
    g0 = fam.beam_direction(inst)
    for deg in args.beam_phases:
        name = "mm_beam" if deg == 0 else f"mm_beam{deg:g}"
        starts.append((name, lambda deg=deg: fam.quantize(g0 * np.exp(1j * np.deg2rad(deg)))))
    starts.append(("mm_maxmin", lambda: fam.decode_x(mm["x"], N)))
    rng = np.random.default_rng([fam.FAMILY_SEED, N, inst["index"], 99])
    for r in range(args.random_starts):
        def rand_start(r=r):
            w = rng.standard_normal(2 * N)
            xt, _, _ = fam._milp(w, At, lam, c, args.time_limit)
            return None if xt is None else xt[:N] + 1j * xt[N:]
        starts.append((f"mm_rand{r}", rand_start))
    if args.block_starts:
        for tag, cfg in START_SOLVERS.items():
            def block_start(cfg=cfg):
                r = fam.solver(inst, **cfg).solve_indices(inst["k"])
                return np.asarray(r["x"]) if r["feasible"] else None
            starts.append((tag, block_start))
    for name, make in starts:
        if name in runs:
            continue
        t0 = time.time()
        x0 = make()
        if x0 is None:
            record(name, None, None, 0, 0, t0)
            continue
        if name in START_SOLVERS:
            # a block design: run MM from it under a name that carries the design, so a
            # changed solver gets its own run
            name = f"mm_{name}:{fam.encode_x(x0)[:16]}"
            runs_for = [k for k in runs if k.startswith(name)]
            if runs_for:
                continue
        q, x, steps, to = fam.exact_mm(S, At, lam, c, x0, args.time_limit)
        record(name, q, x, steps, to, t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n-tx", type=int, nargs="+", default=[32])
    ap.add_argument("--draws", type=int, default=100, help="instances 0..draws-1 per N_T")
    ap.add_argument("--first", type=int, default=0, help="first instance index")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per exact ILP")
    ap.add_argument("--random-starts", type=int, default=2)
    ap.add_argument("--beam-phases", type=float, nargs="+", default=[0, 30, 60],
                    help="target-beam starts rotated by these angles (deg)")
    ap.add_argument("--no-block-starts", dest="block_starts", action="store_false",
                    help="skip the MM runs from this build's real-time/quality designs")
    ap.add_argument("--cache", default="bench/ci_family_ref.json")
    args = ap.parse_args()
    cache = fam.load(args.cache)
    for N in args.n_tx:
        for i in range(args.first, args.draws):
            inst = fam.draw(N, i)
            k = fam.key(inst)
            entry = cache.setdefault(k, {})
            entry.setdefault("time_limit", args.time_limit)
            t0 = time.time()
            run_instance(inst, entry, args, lambda: fam.save(args.cache, cache))
            q, _, src = fam.best_known(entry)
            print(f"N_T={N} #{i} U={inst['n_users']} M={inst['psk_order']} "
                  f"G={inst['gamma_db']:.1f} Q={len(inst['clutter_deg'])}: "
                  f"best {'infeasible' if q is None else f'{10*np.log10(q):.3f} dB'} "
                  f"({src}) {time.time() - t0:.1f} s", flush=True)
    fam.save(args.cache, cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
