#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""nullspace_precoder start-up latency: set_channel, start(), time to the first
output item (one design; docs/nullspace_precoder.md).

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/nullspace_startup_latency.py
"""
import argparse
argparse.ArgumentParser(description=__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
import time, numpy as np
from gnuradio import isac, gr, blocks
rng = np.random.default_rng(1)
rows = []
for N, U, sensing, L in [(16, 4, "beampattern", 64), (64, 4, "beampattern", 64), (16, 4, "isl", 64), (64, 4, "isl", 64)]:
    ts = []
    for k in range(3):
        H = (rng.standard_normal((U, N)) + 1j * rng.standard_normal((U, N))) / np.sqrt(2)
        pre = isac.nullspace_precoder(N, U, 1.0, "zf", 5.0, 0.1, sensing, [23.0, -41.0], 10.0, L)
        pre.set_log_level("error")
        tb = gr.top_block()
        src = isac.psk_source(U, 4, 3)
        snk = blocks.vector_sink_c(N)
        tb.connect(src, pre, snk)
        t0 = time.monotonic()
        pre.set_channel(H)
        tb.start()
        while len(snk.data()) == 0 and time.monotonic() - t0 < 120:
            time.sleep(0.001)
        ts.append(time.monotonic() - t0)
        tb.stop(); tb.wait()
    rows.append((N, U, sensing, L, np.median(ts)))
    print("| %d | %d | %s | %d | %.3f |" % rows[-1], flush=True)
