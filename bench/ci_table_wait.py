#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""How long the CI precoder's table build takes (solver "lut"), against the lead a
channel has over its offset in the OTA examples.

In table mode a new channel takes effect at its offset together with its table;
the build starts when the csi arrives. If the build outlasts the csi's lead,
work() pauses at the offset until it ends: on a radio the transmit buffer must
cover that pause. The lead is the feedback delay, delay_frames frames (the OTA
examples: 12 frames of 948 snapshots = 11.4 ms at 1 MS/s), plus what is left of
the frame the report closes.

Each case builds one table in the block itself: a csi for item 0 (no lead), so
the block's stat "lut_wait_max_us" is the whole build. Scene: the OTA examples'
precoder (N_R 4, target 23 deg, clutter -47/31 deg at 10 dB, SNR_R 15 dB, Gamma
5 dB, noise 0.1), random Rayleigh channels, `--reps` builds per case (median).

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ci_table_wait.py \\
        [--n-tx 4,8,16] [--users 2,3,4] [--orders 4,8] [--threads 1,0] [--reps 3]
"""
import argparse
import statistics

import numpy as np
import pmt
from gnuradio import blocks, gr
from gnuradio import isac

FRAME_LEN, DELAY_FRAMES, SAMP_RATE = 948, 12, 1e6


def csi(H, offset):
    v = H.astype(np.complex64).ravel()
    d = pmt.make_dict()
    d = pmt.dict_add(d, pmt.intern("H"), pmt.init_c32vector(v.size, v.tolist()))
    d = pmt.dict_add(d, pmt.intern("rows"), pmt.from_long(H.shape[0]))
    d = pmt.dict_add(d, pmt.intern("cols"), pmt.from_long(H.shape[1]))
    return pmt.dict_add(d, pmt.intern("offset"), pmt.from_uint64(offset))


def build_ms(n_tx, users, order, threads, rng):
    blk = isac.ci_precoder(n_tx, users, order, 1.0, 0.1, 5.0, 23.0, [-47.0, 31.0], 15.0, [10.0, 10.0], 4,
                           solver="lut", stats_interval=16, threads=threads)
    H = (rng.standard_normal((users, n_tx)) + 1j * rng.standard_normal((users, n_tx))) / np.sqrt(2)
    syms = np.exp(2j * np.pi * rng.integers(0, order, (64, users)) / order).astype(np.complex64)
    tb = gr.top_block()
    tb.connect(blocks.vector_source_c(syms.ravel().tolist(), False, users), blk,
               blocks.null_sink(gr.sizeof_gr_complex * n_tx))
    blk._post(pmt.intern("csi"), csi(H, 0))
    tb.run()
    st = pmt.to_python(blk.last_stats())
    return st["lut_wait_max_us"] / 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ints = lambda s: [int(v) for v in s.split(",")]
    ap.add_argument("--n-tx", type=ints, default=[4, 8, 16])
    ap.add_argument("--users", type=ints, default=[2, 3, 4])
    ap.add_argument("--orders", type=ints, default=[4, 8])
    ap.add_argument("--threads", type=ints, default=[1, 0], help="pool threads (0: all cores)")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    lead_ms = DELAY_FRAMES * FRAME_LEN / SAMP_RATE * 1e3
    print("lead: %d frames x %d snapshots at %.0f MS/s = %.1f ms (plus the rest of the reported frame)"
          % (DELAY_FRAMES, FRAME_LEN, SAMP_RATE / 1e6, lead_ms))
    print("| N_T | U | PSK | entries | " + " | ".join("build ms, threads %s" % (t or "all") for t in a.threads)
          + " | within the lead |")
    print("|---|---|---|---|" + "---|" * len(a.threads) + "---|")
    rng = np.random.default_rng(1)
    build_ms(4, 2, 4, 1, rng)  # warm-up: the first build in a process also loads code
    for n in a.n_tx:
        for u in a.users:
            for m in a.orders:
                ms = [statistics.median(build_ms(n, u, m, t, rng) for _ in range(a.reps)) for t in a.threads]
                ok = "yes" if max(ms) < lead_ms else ("no" if min(ms) >= lead_ms else "not with every pool")
                print("| %d | %d | %d | %d | %s | %s |" % (n, u, m, m ** u, " | ".join("%.1f" % v for v in ms), ok),
                      flush=True)


if __name__ == "__main__":
    main()
