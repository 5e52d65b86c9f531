#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""ci_precoder through a flowgraph on the scenario family (bench/ci_family.py), and its
worker-pool scaling in one run.

For each N_T and each of the first `--draws` family draws: vector_source (random PSK
symbols, --vectors per draw) -> ci_precoder(solver, threads=t) -> null_sink, with the
channel set before the run. The thread counts alternate draw by draw, so a load change
on the shared machine hits all of them alike. Reported per N_T and thread count:
vectors/s (wall clock, all draws), vectors per CPU second of the process (the
per-core rate), the infeasible share, the share of repeated symbol vectors the
block's design cache copied (a channel serves M^U distinct vectors; the draws' M^U
range from 16 to 16.7 million), and the wall-clock ratio to one thread.

"design us" is the mean time of one design (the block's solve_time_mean_us: wall
time around the solver call, so it includes preemption on a busy machine) and "busy"
the share of the threads' wall time spent in designs (summed design time over
threads x wall): the rest is the block's serial part, GNU Radio's gap between calls,
the pool's waits and the flowgraph's start and stop.

--distinct draws the symbol vectors without repetition (a draw with M^U < --vectors
gets each of its M^U vectors once, in random order). The block designs a rotation
class (the 4 vectors that differ by a common quarter turn of every symbol, M % 4 == 0)
once and copies it, turned, for its other members, so a stream of distinct vectors
still has class copies ("cache hits" column).
--distinct-classes draws at most one member of each rotation class (a random member
of each of min(--vectors, classes) distinct classes), so the cache copies nothing and
the rate is the solver's own.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/bench_ci_block.py \\
        --n-tx 16 64 --threads 1 2
    PYTHONPATH=build/test_modules /usr/bin/python3 bench/bench_ci_block.py \\
        --n-tx 64 --threads 1 --draws 6 --vectors 3000 --distinct-classes

--pin also runs one thread pinned to each core in turn (1@cpuN rows): a VM's cores
need not be equally fast, and a one-thread run gets whichever core the kernel picks,
so "vs 1 thread" mixes the pool's scaling with the cores' speeds. The last line
compares each thread count with the sum of the pinned one-thread rates (what the
cores together could do with no parallel overhead).

--pair also runs one one-thread flowgraph per core in separate processes, each
pinned to its core, all at once on the same draws (a "processes" row): what the
cores deliver together when nothing is shared but the machine. On a VM two busy
cores can each run slower than one alone (the host shares more than the guest
shows), and the last line compares the thread counts with this too.

--export-stream FILE writes the symbol indices of every draw (one N_T) and exits, for
the core alone on the same stream (build/bench/ci_family_cost --stream=FILE N_T).
Note that --distinct weighs the draws by their M^U (at most --vectors each): at
N_T = 64, draws 0-5 give 256, 3000, 64, 16, 64 and 3000 vectors, so 94% of the stream
are the two U = 6 draws, not the family's average (--distinct-classes: by their
number of classes, M^U / 4 when M % 4 == 0).
"""

import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pmt
from gnuradio import blocks, gr, isac

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ci_family as fam  # noqa: E402


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def run_draw(inst, syms, solver, threads, min_buffer=0, cpu=None):
    if cpu is not None:
        # the flowgraph's threads inherit the mask of the thread that starts them
        mask = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {cpu})
        try:
            return run_draw(inst, syms, solver, threads, min_buffer)
        finally:
            os.sched_setaffinity(0, mask)
    U, N = inst["n_users"], inst["n_tx"]
    tb = gr.top_block()
    args = list(fam.block_args(inst, solver=solver, threads=threads))
    args[-2] = len(syms)  # stats_interval: one stats message for the whole draw
    blk = isac.ci_precoder(*args)
    blk.set_channel(inst["H"].astype(np.complex64).tolist())
    if min_buffer:
        blk.set_min_output_buffer(min_buffer)
    src = blocks.vector_source_c(syms.ravel().tolist(), False, U)
    snk = blocks.null_sink(gr.sizeof_gr_complex * N)
    tb.connect(src, blk, snk)
    c0, t0 = cpu_seconds(), time.perf_counter()
    tb.run()
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    stats = pmt.to_python(blk.last_stats()) or {}
    solved = stats.get("solved", 0)
    # the designs' summed time (each timed around the solver call on its thread)
    design_s = solved * stats["solve_time_mean_us"] * 1e-6 if solved else 0.0
    return wall, cpu, blk.infeasible_count(), stats.get("cache_hits", 0), solved, design_s


def draw_vectors(args, N, i):
    """Family draw i at N_T = N and its symbol indices (vectors x U) for this run."""
    inst = fam.draw(N, i)
    rng = np.random.default_rng([N, i, 5])
    M, U = inst["psk_order"], inst["n_users"]
    if args.distinct_classes:
        # canonical members (k_0 < M/4 when M % 4 == 0), each turned by a
        # random number of quarter turns
        q = M // 4 if M % 4 == 0 else M
        n_cls = q * M ** (U - 1)
        flat = rng.choice(n_cls, min(args.vectors, n_cls), replace=False)
        k = np.empty((len(flat), U), dtype=np.int64)
        k[:, 0] = flat % q
        k[:, 1:] = (flat[:, None] // q // M ** np.arange(U - 1)[None, :]) % M
        if q < M:
            k = (k + rng.integers(0, 4, len(k))[:, None] * q) % M
    elif args.distinct:
        flat = rng.choice(M**U, min(args.vectors, M**U), replace=False)
        k = (flat[:, None] // M ** np.arange(U)[None, :]) % M
    else:
        k = rng.integers(0, M, (args.vectors, U))
    return inst, k


def symbols(inst, k):
    return np.exp(2j * np.pi * k / inst["psk_order"]).astype(np.complex64)


def pair_child(args):
    """One process of --pair: every draw with one thread once the parent says go."""
    N = args.n_tx[0]
    draws = []
    for i in args.indices if args.indices else range(args.draws):
        inst, k = draw_vectors(args, N, i)
        draws.append((inst, symbols(inst, k)))
    print("ready", flush=True)
    sys.stdin.readline()
    n, wall, cpu = 0, 0.0, 0.0
    for inst, syms in draws:
        w, c = run_draw(inst, syms, args.solver, 1, args.min_buffer)[:2]
        n, wall, cpu = n + len(syms), wall + w, cpu + c
    print(f"{n} {wall} {cpu}", flush=True)
    return 0


def run_pair(args, N, cpus):
    """The --pair processes, one pinned to each of cpus, started together."""
    argv = [sys.executable, os.path.abspath(__file__), "--pair-child", "--n-tx", str(N),
            "--vectors", str(args.vectors), "--solver", args.solver,
            "--min-buffer", str(args.min_buffer)]
    argv += ["--indices", *map(str, args.indices)] if args.indices else [
        "--draws", str(args.draws)]
    if args.distinct_classes:
        argv.append("--distinct-classes")
    elif args.distinct:
        argv.append("--distinct")
    procs = [subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              preexec_fn=lambda c=c: os.sched_setaffinity(0, {c}))
             for c in cpus]
    for p in procs:
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError("a --pair process failed to start")
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    out = [p.communicate()[0].split() for p in procs]
    return [(int(o[0]), float(o[1]), float(o[2])) for o in out]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n-tx", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--draws", type=int, default=10)
    ap.add_argument("--indices", type=int, nargs="+",
                    help="these family draws instead of the first --draws")
    ap.add_argument("--vectors", type=int, default=4000, help="symbol vectors per draw")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--solver", default="realtime")
    ap.add_argument("--distinct", action="store_true",
                    help="no repeated symbol vectors (at most M^U per draw)")
    ap.add_argument("--distinct-classes", action="store_true",
                    help="at most one vector of each rotation class (a random member)")
    ap.add_argument("--min-buffer", type=int, default=0,
                    help="the block's minimum output buffer (items); 0: GNU Radio's default")
    ap.add_argument("--pin", action="store_true",
                    help="also one thread pinned to each core in turn")
    ap.add_argument("--pair", action="store_true",
                    help="also one one-thread process per core, all at once")
    ap.add_argument("--pair-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--export-stream", metavar="FILE",
                    help="write the draws' symbol indices (first --n-tx) and exit")
    args = ap.parse_args()
    if args.pair_child:
        return pair_child(args)
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    print(f"{'solver':>9} {'N_T':>4} {'threads':>7} {'vectors/s':>10} {'per CPU s':>10} "
          f"{'infeasible':>10} {'cache hits':>10} {'vs 1 thread':>11} {'design us':>9} "
          f"{'busy':>5}")
    streamed = False
    cpus = sorted(os.sched_getaffinity(0)) if args.pin else []
    pair_cpus = sorted(os.sched_getaffinity(0)) if args.pair else []
    runs = [(t, None) for t in args.threads] + [(1, c) for c in cpus]
    for N in args.n_tx[:1] if args.export_stream else args.n_tx:
        acc = {r: [0.0, 0.0, 0, 0, 0, 0, 0.0] for r in runs}
        for i in args.indices if args.indices else range(args.draws):
            inst, k = draw_vectors(args, N, i)
            U = inst["n_users"]
            if args.export_stream:
                with open(args.export_stream, "a" if streamed else "w") as f:
                    f.write(f"{i} {len(k)} {U} " + " ".join(map(str, k.ravel())) + "\n")
                streamed = True
                continue
            syms = symbols(inst, k)
            order = runs if i % 2 == 0 else runs[::-1]
            for t, c in order:
                res = run_draw(inst, syms, args.solver, t, args.min_buffer, c)
                a = acc[(t, c)]
                for j, v in enumerate(res[:2] + (len(k),) + res[2:]):
                    a[j] += v
        if args.export_stream:
            print(f"N_T = {N}: stream written to {args.export_stream}")
            return 0
        base = acc[runs[0]][2] / acc[runs[0]][0]
        for t, c in runs:
            wall, cpu, n, inf, hits, solved, design_s = acc[(t, c)]
            label = str(t) if c is None else f"1@cpu{c}"
            # design us: mean time of one design; busy: the share of the threads'
            # wall time spent designing (the rest is serial work, waits, start/stop)
            # nothing designed (a table solver, all from the cache): not measured
            design = (f"{design_s / solved * 1e6:>9.2f} {design_s / (t * wall):>5.3f}"
                      if solved else f"{'-':>9} {'-':>5}")
            print(f"{args.solver:>9} {N:>4} {label:>7} {n / wall:>10.0f} {n / cpu:>10.0f} "
                  f"{inf / n:>10.3f} {hits / n:>10.3f} {n / wall / base:>10.2f}x {design}",
                  flush=True)
        if cpus:
            cores = sum(acc[(1, c)][2] / acc[(1, c)][0] for c in cpus)
            print(f"sum of the pinned one-thread rates {cores:.0f} vectors/s; " +
                  ", ".join(f"{t} threads {acc[(t, None)][2] / acc[(t, None)][0] / cores:.3f}"
                            f" of it" for t in args.threads), flush=True)
        if pair_cpus:
            res = run_pair(args, N, pair_cpus)
            rate = sum(n / w for n, w, _ in res)
            per_cpu = sum(n for n, _, _ in res) / sum(c for _, _, c in res)
            label = f"{len(res)}x1proc"
            print(f"{args.solver:>9} {N:>4} {label:>7} {rate:>10.0f} {per_cpu:>10.0f} "
                  f"{'-':>10} {'-':>10} {rate / base:>10.2f}x", flush=True)
            print(f"{len(res)} one-thread processes at once, one per core: {rate:.0f} vectors/s; " +
                  ", ".join(f"{t} threads {acc[(t, None)][2] / acc[(t, None)][0] / rate:.3f}"
                            f" of it" for t in args.threads), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
