#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Real-time budget of the over-the-air flowgraph: isac_usrp_ota_headless at its
defaults with the emulated radio in place of the hardware and no throttle
(pace off). Prints snapshots per wall second and per CPU second (all threads of
the process: "one core" is the CPU-second rate) against the flowgraph's default
sample rate; the target is >= 2x the sample rate per CPU second. "sustained" is
the CPU-second rate over the second half of the run only (the acquisition, the
start-up of the block threads and their buffers behind it), and the context
switches per 1000 snapshots count the scheduler's thread hand-offs (GNU Radio
runs one thread per block).

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/bench_ota_flowgraph.py [N_SNAPSHOTS] [--one-core] [--threads]

--one-core adds rows with every thread of the flowgraph pinned to one CPU (the
process's affinity, which the block threads inherit): "one core" taken
literally, where the wall rate is the CPU rate and a thread hand-off never
crosses cores.

--threads also prints, per run, every thread's CPU ticks (10 ms) and voluntary /
involuntary context switches per 1000 snapshots (/proc/self/task/*/stat and
status, polled every 0.1 s, so a thread that ends is counted to its last poll),
named by the flowgraph's block ids where GNU Radio's thread name (block name and
unique id, cut to 15 characters) tells them apart.
"""
import argparse
import glob
import importlib.machinery
import importlib.util
import os
import resource
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def task_stats():
    """{tid: (name, CPU ticks, voluntary, involuntary switches)} of this process's threads."""
    out = {}
    for d in glob.glob("/proc/self/task/*"):
        try:
            st = open(d + "/stat").read()
            status = open(d + "/status").read()
        except OSError:
            continue  # the thread ended
        f = st[st.rindex(")") + 2:].split()
        kv = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        out[int(d.rsplit("/", 1)[1])] = (st[st.index("(") + 1:st.rindex(")")], int(f[11]) + int(f[12]),
                                         int(kv["voluntary_ctxt_switches"]), int(kv["nonvoluntary_ctxt_switches"]))
    return out


def block_names(tb):
    """[(name + unique id, flowgraph id)] of the flowgraph's blocks and of the
    blocks inside its hier blocks."""
    out = []

    def add(blk, label):
        try:
            out.append(("%s%d" % (blk.name(), blk.unique_id()), blk.unique_id(), label))
        except Exception:
            pass
    for k, v in sorted(vars(tb).items()):
        if hasattr(v, "unique_id"):
            add(v, k)
            for k2, v2 in sorted(vars(v).items()) if hasattr(v, "__dict__") else []:
                if hasattr(v2, "unique_id") and k2 != "_impl":
                    add(v2, "%s.%s" % (k, k2))
    return out


def thread_blocks(thread, names):
    """The flowgraph ids a thread name can be: GNU Radio names a block's thread
    by its name and unique id, cut to 15 characters (a long name keeps 14 of its
    characters and a digit of the id)."""
    if len(thread) < 15:
        return sorted({lab for full, _, lab in names if full == thread})
    cands = [(full, uid, lab) for full, uid, lab in names if full.startswith(thread[:14])]
    exact = [c for c in cands if c[0][:15] == thread or str(c[1])[0] == thread[14]]
    return sorted({lab for _, _, lab in (exact or cands)})


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n_snapshots", type=int, nargs="?", default=400000, metavar="N_SNAPSHOTS")
    ap.add_argument("--one-core", action="store_true",
                    help="also run with every thread of the flowgraph pinned to one CPU")
    ap.add_argument("--threads", action="store_true",
                    help="also print every thread's CPU ticks and context switches")
    a = ap.parse_args(argv)
    one_core, threads, n = a.one_core, a.threads, a.n_snapshots
    loader = importlib.machinery.SourceFileLoader("isac_ota_emulated",
                                                  os.path.join(HERE, "..", "apps", "isac_ota_emulated"))
    spec = importlib.util.spec_from_loader("isac_ota_emulated", loader)
    app = importlib.util.module_from_spec(spec)
    loader.exec_module(app)
    cls = app.compile_flowgraph(app.find_grc())
    rows = []
    all_cpus = os.sched_getaffinity(0)
    runs = [(imp, None) for imp in ("none", "typical")]
    if one_core:
        runs += [(imp, max(all_cpus)) for imp in ("none", "typical")]
    for imp, cpu in runs:
        os.sched_setaffinity(0, all_cpus if cpu is None else {cpu})
        tb = cls(radio="emulated", impairments=imp, emu_seed=1, n_snapshots=n)
        # the symbol source counts the snapshots (a blocks.head followed it in
        # older flowgraphs: the same count)
        sym = getattr(tb, "head", None) or tb.src
        marks, running = [], [True]

        def cpu_now():
            c = os.times()
            return c.user + c.system

        seen = task_stats() if threads else {}
        first = dict(seen)

        def poll():
            # (snapshots from the symbol source, process CPU seconds) every 20 ms
            k = 0
            while running[0]:
                marks.append((sym.nitems_written(0), cpu_now()))
                if threads and k % 5 == 0:
                    seen.update(task_stats())
                k += 1
                time.sleep(0.02)

        r0 = resource.getrusage(resource.RUSAGE_SELF)
        c0, t0 = cpu_now(), time.time()
        tb.start()
        th = threading.Thread(target=poll)
        th.start()
        tb.wait()
        running[0] = False
        th.join()
        c1, t1 = cpu_now(), time.time()
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        switches = (r1.ru_nvcsw + r1.ru_nivcsw) - (r0.ru_nvcsw + r0.ru_nivcsw)
        half = [m for m in marks if n // 2 <= m[0] < n]
        steady = ((half[-1][0] - half[0][0]) / (half[-1][1] - half[0][1])
                  if len(half) > 2 and half[-1][1] > half[0][1] else float("nan"))
        os.sched_setaffinity(0, all_cpus)
        if threads:
            names = block_names(tb)
            print("\n%s, %d snapshots: per thread (CPU ticks of 10 ms; voluntary / involuntary switches "
                  "per 1000 snapshots)" % (imp if cpu is None else imp + ", one core (pinned)", n))
            print("| thread | blocks | ticks | voluntary | involuntary |")
            print("|---|---|---|---|---|")
            tot = [0, 0, 0]
            per = []
            for tid, (name, ticks, vol, inv) in seen.items():
                b = first.get(tid, (name, 0, 0, 0))
                d = (ticks - b[1], vol - b[2], inv - b[3])
                if d[0] or d[1] > 1:
                    per.append((name, d))
                    tot = [a + x for a, x in zip(tot, d)]
            for name, d in sorted(per, key=lambda r: -r[1][0]):
                print("| %s | %s | %d | %.2f | %.2f |" % (name, " / ".join(thread_blocks(name, names)) or "-", d[0],
                                                         1000.0 * d[1] / n, 1000.0 * d[2] / n))
            print("| all | | %d | %.2f | %.2f |" % (tot[0], 1000.0 * tot[1] / n, 1000.0 * tot[2] / n))
        rows.append((imp if cpu is None else imp + ", one core (pinned)", n, n / (t1 - t0), n / (c1 - c0), steady, 1000.0 * switches / n, tb.samp_rate))
    print("| impairments | snapshots | wall rate (snap/s) | per CPU second (snap/s) | x default samp_rate (CPU) "
          "| sustained, 2nd half (x samp_rate per CPU s) | context switches / 1000 snapshots |")
    print("|---|---|---|---|---|---|---|")
    for imp, n, wall, cpu, steady, cs, fs in rows:
        print("| %s | %d | %.0f | %.0f | %.2f | %.2f | %.0f |" % (imp, n, wall, cpu, cpu / fs, steady / fs, cs))
    print("load average at the end: %.2f" % os.getloadavg()[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
