#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""CPU time of a command's threads by role, from perf's cpu-clock samples.

Runs the command under `perf record -e cpu-clock` (every thread of the process,
including the ones that exit before it ends, which /proc and pidstat miss) and
splits the samples by thread: the process's main thread (Python, for a flowgraph
run from Python: its setup and tb.run()'s start and stop), GNU Radio's block
threads by block name, the worker_pool's workers (named isac_pool), and the rest;
and by where they ran: the isac core library (the designs), the kernel, or other
code (GNU Radio's scheduler, libc, libm, the block's own work).

    bench/thread_cpu.py -- env PYTHONPATH=build/test_modules /usr/bin/python3 \\
        bench/bench_ci_block.py --n-tx 64 --threads 2 --draws 20 --vectors 3000 \\
        --distinct-classes

Each sample stands for --period-us of CPU time. The VM has no hardware counters,
so cpu-clock (a timer) is what perf can sample here.
"""

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

SAMPLE = re.compile(r"\s*(.+?)\s+(\d+)/(\d+)\s+[0-9a-f]+\s+(.*)\((.*)\)\s*$")


def role(comm, pid, tid):
    if tid == pid:
        return "main thread"
    if comm.startswith("isac_pool"):
        return "pool workers"
    return re.sub(r"\d+$", "", comm)  # a block's thread: its name without the id


def where(dso):
    if "isac-core" in dso:
        return "isac core"
    if "kernel" in dso:
        return "kernel"
    return "other"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--period-us", type=int, default=100,
                    help="CPU time per sample (default 100 us)")
    ap.add_argument("--symbols", type=int, default=0, metavar="N",
                    help="also list the N symbols outside the isac core with the most\n"
                         "samples, by thread role (the main thread left out)")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- command [args]")
    args = ap.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("no command")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        rec = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-c",
                              str(args.period_us * 1000), "-o", data, "--", *cmd])
        if rec.returncode:
            return rec.returncode
        out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,tid,ip,sym,dso"],
                             capture_output=True, text=True, check=True).stdout
    counts, symbols = collections.Counter(), collections.Counter()
    for line in out.splitlines():
        m = SAMPLE.match(line)
        if m:
            comm, pid, tid, sym, dso = m.groups()
            r, w = role(comm, int(pid), int(tid)), where(dso)
            counts[(r, w)] += 1
            if w != "isac core" and r != "main thread":
                symbols[(r, sym.strip()[:60], os.path.basename(dso))] += 1
    ms = args.period_us / 1000
    total = sum(counts.values())
    outside = sum(n for (r, _), n in counts.items() if r != "main thread")
    print(f"{total * ms:.1f} ms of CPU sampled, {outside * ms:.1f} ms outside the main thread")
    print(f"{'thread':>16} {'where':>10} {'ms':>9} {'of all':>7} {'of non-main':>11}")
    for (r, w), n in sorted(counts.items(), key=lambda kv: (kv[0][0] == "main thread", -kv[1])):
        share = f"{100 * n / outside:10.2f}%" if r != "main thread" else f"{'-':>11}"
        print(f"{r:>16} {w:>10} {n * ms:9.1f} {100 * n / total:6.2f}% {share}")
    for (r, sym, dso), n in symbols.most_common(args.symbols):
        print(f"{r:>16} {n * ms:7.1f} ms  {sym} [{dso}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
