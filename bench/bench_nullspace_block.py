#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Flowgraph throughput of nullspace_precoder (N = 64, K = 4, L = 32) vs a copy block.

null_source -> head -> block -> null_sink, snapshots/s, median of 3 runs. The baseline
is a copy block on N-vectors: it writes the same output bytes per snapshot (512 B), the
ceiling the scheduler and memory allow for this item size.
Run with the module importable (e.g. PYTHONPATH=build/test_modules).
"""
import argparse
import time

import numpy as np
from gnuradio import blocks, gr, isac


def rate(make, n_in, n_out, items):
    times = []
    for _ in range(3):
        tb = gr.top_block()
        src = blocks.null_source(gr.sizeof_gr_complex * n_in)
        head = blocks.head(gr.sizeof_gr_complex * n_in, items)
        blk = make()
        snk = blocks.null_sink(gr.sizeof_gr_complex * n_out)
        tb.connect(src, head, blk, snk)
        t0 = time.perf_counter()
        tb.run()
        times.append(time.perf_counter() - t0)
    return items / np.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=2_000_000)
    args = ap.parse_args()
    N, K = 64, 4
    rng = np.random.default_rng(1)
    H = (rng.standard_normal((K, N)) + 1j * rng.standard_normal((K, N))) / np.sqrt(2)

    def precoder():
        b = isac.nullspace_precoder(N, K, 1.0, "zf", 10.0, 0.01, "beampattern", [-40.0, 0.0, 40.0],
                                    10.0, 32, grid_step_deg=1.0, max_iter=50)
        b.set_channel(H)
        b.wait_design(60.0)
        return b

    r_blk = rate(precoder, K, N, args.items)
    r_copy = rate(lambda: blocks.copy(gr.sizeof_gr_complex * N), N, N, args.items)
    print(f"{'benchmark':40s} {'snapshots/s':>14s} {'ratio':>8s}")
    print(f"{'nullspace_precoder N=64 K=4 (flowgraph)':40s} {r_blk:14.3e} {r_blk / r_copy:8.3f} vs copy")
    print(f"{'copy of N-vectors (baseline)':40s} {r_copy:14.3e} {1.0:8.3f}")


if __name__ == "__main__":
    main()
