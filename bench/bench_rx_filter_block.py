#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Flowgraph throughput of isac.one_bit_rx_filter (snapshots/s, wall clock) vs a
baseline flowgraph that moves the same two vector streams through blocks.copy.
Sources repeat 256 random 1-bit snapshots; Q = 2 (1-bit ISAC paper scene), N_T = N_R = n."""
import argparse
import os
import sys
import time

# Prefer this tree's build (build/test_modules) over an older installed gnuradio.isac.
_tm = os.path.join(os.environ.get("ISAC_BUILD_DIR",
                                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build")),
                   "test_modules")
if os.path.isdir(_tm):
    sys.path.insert(0, _tm)

import numpy as np
from gnuradio import blocks, gr, isac


def run(n, items, use_filter):
    rng = np.random.default_rng(0)
    sgn = lambda a: np.where(a < 0, -1.0, 1.0)
    r = (sgn(rng.standard_normal(256 * n)) + 1j * sgn(rng.standard_normal(256 * n))).astype(np.complex64)
    x = (sgn(rng.standard_normal(256 * n)) + 1j * sgn(rng.standard_normal(256 * n))).astype(np.complex64)
    tb = gr.top_block()
    s0, s1 = blocks.vector_source_c(r, True, n), blocks.vector_source_c(x, True, n)
    h = blocks.head(gr.sizeof_gr_complex * n, items)
    tb.connect(s0, h)
    if use_filter:
        f = isac.one_bit_rx_filter(n, n, 10.0, [-50.0, 30.0], 15.0, [30.0], 1.0, 1e-2, "1bit")
        tb.connect(h, (f, 0))
        tb.connect(s1, (f, 1))
        tb.connect((f, 0), blocks.null_sink(gr.sizeof_gr_complex))
        tb.connect((f, 1), blocks.null_sink(gr.sizeof_float))
    else:
        c0 = blocks.copy(gr.sizeof_gr_complex * n)
        c1 = blocks.copy(gr.sizeof_gr_complex * n)
        tb.connect(h, c0, blocks.null_sink(gr.sizeof_gr_complex * n))
        h1 = blocks.head(gr.sizeof_gr_complex * n, items)
        tb.connect(s1, h1, c1, blocks.null_sink(gr.sizeof_gr_complex * n))
    t0 = time.perf_counter()
    tb.run()
    return items / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("items", type=int, nargs="?", default=1_000_000,
                    help="snapshots per flowgraph run (default %(default)s)")
    items = ap.parse_args().items
    print(f"{'n':>5} {'rx_filter snap/s':>18} {'copy baseline snap/s':>22} {'ratio':>7}")
    for n in (16, 128):
        f = run(n, items, True)
        b = run(n, items, False)
        print(f"{n:5d} {f:18.3e} {b:22.3e} {f / b:7.3f}")


if __name__ == "__main__":
    main()
