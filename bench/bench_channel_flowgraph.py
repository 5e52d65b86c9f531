#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""isac_channel block throughput inside a GNU Radio flowgraph (wall clock).

source (repeating 4096 random snapshots) -> head -> isac_channel -> null sinks,
n_users = 4, Q = 2 clutter patches, against the same flowgraph with
blocks.copy in place of the channel (the scheduler's floor). Uses the build
tree's module when run from a build (ISAC_BUILD or ./build), else the
installed one. Rates are snapshots per CPU-second of the whole process (all
block threads), since the machine is shared. cpi_len = 64: one isac_cpi tag
(and one truth dict when "truth" is connected) per 64 snapshots.
"""
import argparse
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
build = os.environ.get("ISAC_BUILD", os.path.join(here, "..", "build"))
if os.path.isdir(os.path.join(build, "test_modules")):
    sys.path.insert(0, os.path.join(build, "test_modules"))

import numpy as np  # noqa: E402
from gnuradio import blocks, gr  # noqa: E402
from gnuradio import isac  # noqa: E402


def run(n, count, with_channel, cpi_len=64):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((4096, n)) + 1j * rng.standard_normal((4096, n))) / np.sqrt(2)
    tb = gr.top_block()
    src = blocks.vector_source_c(x.astype(np.complex64).ravel().tolist(), True, n)
    head = blocks.head(gr.sizeof_gr_complex * n, count)
    tb.connect(src, head)
    if with_channel:
        blk = isac.isac_channel(n, 4, n, target_deg=10, clutter_deg=[-50, 30],
                                cnr_db=[30, 30], seed=1, cpi_len=cpi_len, coherence=1000,
                                    comm_noise_var=[1.0])
        tb.connect(head, blk)
        tb.connect((blk, 0), blocks.null_sink(gr.sizeof_gr_complex * 4))
        tb.connect((blk, 1), blocks.null_sink(gr.sizeof_gr_complex * n))
    else:
        cp = blocks.copy(gr.sizeof_gr_complex * n)
        tb.connect(head, cp, blocks.null_sink(gr.sizeof_gr_complex * n))
    # CPU time of the whole process (all block threads): the machine is shared,
    # so wall-clock rates mostly measure the other jobs.
    t = time.process_time()
    tb.run()
    return count / (time.process_time() - t)


def main():
    argparse.ArgumentParser(description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    print(f"{'flowgraph':<28}{'snapshots/s':>14}{'baseline (copy)':>18}{'ratio':>8}")
    for n, count in ((16, 1_000_000), (64, 300_000)):
        base = run(n, count, False)
        ch = run(n, count, True)
        print(f"{'isac_channel n_tx=n_rx=%d' % n:<28}{ch:>14.3g}{base:>18.3g}{ch / base:>8.3f}")


if __name__ == "__main__":
    main()
