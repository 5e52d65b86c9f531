#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Real-time budget of the over-the-air flowgraph: isac_usrp_ota_headless at its
defaults with the emulated radio in place of the hardware and no throttle
(pace off). Prints snapshots per wall second and per CPU second (all threads of
the process: "one core" is the CPU-second rate) against the flowgraph's default
sample rate; the target is >= 2x the sample rate per CPU second.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/bench_ota_flowgraph.py [N_SNAPSHOTS]
"""
import importlib.machinery
import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv):
    n = int(argv[0]) if argv else 400000
    loader = importlib.machinery.SourceFileLoader("isac_ota_emulated",
                                                  os.path.join(HERE, "..", "apps", "isac_ota_emulated"))
    spec = importlib.util.spec_from_loader("isac_ota_emulated", loader)
    app = importlib.util.module_from_spec(spec)
    loader.exec_module(app)
    cls = app.compile_flowgraph(app.find_grc())
    rows = []
    for imp in ("none", "typical"):
        tb = cls(radio="emulated", impairments=imp, emu_seed=1, n_snapshots=n)
        c0, t0 = os.times(), time.time()
        tb.run()
        c1, t1 = os.times(), time.time()
        cpu = (c1.user - c0.user) + (c1.system - c0.system)
        rows.append((imp, n, n / (t1 - t0), n / cpu, tb.samp_rate))
    print("| impairments | snapshots | wall rate (snap/s) | per CPU second (snap/s) | x default samp_rate (CPU) |")
    print("|---|---|---|---|---|")
    for imp, n, wall, cpu, fs in rows:
        print("| %s | %d | %.0f | %.0f | %.2f |" % (imp, n, wall, cpu, cpu / fs))
    print("load average at the end: %.2f" % os.getloadavg()[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
