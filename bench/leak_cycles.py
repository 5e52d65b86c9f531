#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""RSS growth per bistatic_doa_rx instance and per one_bit_isac_tx flowgraph
cycle (200 cycles after 20 warm-up; docs/reliability.md, Faults).

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/leak_cycles.py
"""
import argparse
argparse.ArgumentParser(description=__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
import gc, os
from gnuradio import gr, blocks, isac
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
def one_doa():
    d = isac.bistatic_doa_rx(8, 8, 10.0, 16)
    del d
def one_tx_cycle():
    tb = gr.top_block()
    src = isac.psk_source(2, 4, 1)
    tx = isac.one_bit_isac_tx(8, 2, 4, 1.0, 0.1, 0.0, 10.0, [], 15.0, [], 8)
    tx.set_channel([[1, 0, 0, 0, 0, 0, 0, 1j], [0, 1, 0, 0, 0, 0, 1, 0]])
    tb.connect(src, blocks.head(gr.sizeof_gr_complex * 2, 100), tx, blocks.null_sink(gr.sizeof_gr_complex * 8))
    tb.run()
for name, fn in (("bistatic_doa_rx per instance", one_doa), ("one_bit_isac_tx per flowgraph cycle", one_tx_cycle)):
    for _ in range(20):
        fn()
    gc.collect()
    r0 = rss()
    n = 200
    for _ in range(n):
        fn()
    gc.collect()
    print("%s: %.1f kB" % (name, (rss() - r0) / n / 1024))
