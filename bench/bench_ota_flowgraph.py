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

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/bench_ota_flowgraph.py [N_SNAPSHOTS] [--one-core]

--one-core adds rows with every thread of the flowgraph pinned to one CPU (the
process's affinity, which the block threads inherit): "one core" taken
literally, where the wall rate is the CPU rate and a thread hand-off never
crosses cores.
"""
import importlib.machinery
import importlib.util
import os
import resource
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv):
    one_core = "--one-core" in argv
    argv = [a for a in argv if a != "--one-core"]
    n = int(argv[0]) if argv else 400000
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

        def poll():
            # (snapshots from the symbol source, process CPU seconds) every 20 ms
            while running[0]:
                marks.append((sym.nitems_written(0), cpu_now()))
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
