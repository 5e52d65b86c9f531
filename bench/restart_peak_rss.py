#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Peak RSS of a second start() of radio_emulator or isac_channel (the restart
rebuilds the block's model from its seed). One process per block: build an
n-element block, run its flowgraph once, reset the process's peak (VmHWM, via
/proc/self/clear_refs), run it again and read the peak of that restart.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/restart_peak_rss.py radio_emulator --n 2048
    PYTHONPATH=build/test_modules /usr/bin/python3 bench/restart_peak_rss.py isac_channel --n 2048

radio_emulator: n_tx = n_rx = n, one user, vector ports (its echo matrix G and
the clutter/target parts are n x n). isac_channel: n_tx = n_users = n, one
receive channel (its users' channel H is n x n).
"""
import argparse

import numpy as np
from gnuradio import blocks, gr, isac


def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0  # MiB
    raise KeyError(key)


def flowgraph(block, n):
    tb = gr.top_block()
    head = blocks.head(gr.sizeof_gr_complex * n, 64)
    tb.connect(blocks.null_source(gr.sizeof_gr_complex * n), head)
    if block == "radio_emulator":
        b = isac.radio_emulator(n, n, 1, user_deg=[20.0], seed=5, vector_ports=True)
        tb.connect(head, (b, 0))
        tb.connect((b, 0), blocks.null_sink(gr.sizeof_gr_complex * n))
        tb.connect((b, 1), blocks.null_sink(gr.sizeof_gr_complex))
    else:
        b = isac.isac_channel(n, n, 1, user_deg=list(np.linspace(-60, 60, n)), comm_model="rayleigh",
                              seed=5, comm_noise_var=[1.0], clutter_deg=[], cnr_db=[], cpi_len=1)
        tb.connect(head, b)
        tb.connect((b, 0), blocks.null_sink(gr.sizeof_gr_complex * n))
        tb.connect((b, 1), blocks.null_sink(gr.sizeof_gr_complex))
    return tb, head, b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("block", choices=("radio_emulator", "isac_channel"))
    ap.add_argument("--n", type=int, default=2048, help="array size (default 2048)")
    a = ap.parse_args()
    tb, head, b = flowgraph(a.block, a.n)
    built = status("VmRSS")
    tb.run()
    first = status("VmHWM")
    after_first = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # VmHWM := VmRSS
    head.reset()
    tb.run()  # the restart: start() rebuilds the model from the seed
    print("%s n=%d: RSS after construction %.0f MiB, peak of the first run %.0f MiB, "
          "RSS after it %.0f MiB, peak of the restart %.0f MiB, RSS after it %.0f MiB"
          % (a.block, a.n, built, first, after_first, status("VmHWM"), status("VmRSS")))


if __name__ == "__main__":
    main()
