#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QoS feasibility of the CI precoder against the number of transmit antennas,
at the operating point of examples/isac_1bit_loopback (4 users, 8-PSK, SNR_C =
Gamma = 5 dB, Rayleigh users, target 23 deg, clutter -47/31 deg, N_R = 128):
the share of snapshots whose QoS problem was infeasible, over several static
channel draws (isac_channel seeds), with the real-time solver of the example.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ci_operating_point.py \\
        [--n-tx 16,20,24,28,32] [--seeds 16] [--snapshots 1000]

docs/ci_precoder.md ("Operating point of the examples") holds the latest table.
"""
import argparse
import time

from gnuradio import blocks, gr, isac


def infeasible_shares(n_tx, seeds, n, users=4, order=8, snr_c_db=5.0, gamma_db=5.0):
    sigma2 = 10 ** (-snr_c_db / 10)
    shares = []
    for seed in range(1, seeds + 1):
        tb = gr.top_block()
        src = isac.psk_source(users, order, seed)
        head = blocks.head(gr.sizeof_gr_complex * users, n)
        tx = isac.one_bit_isac_tx(n_tx, users, order, 1.0, sigma2, gamma_db, 23.0, [-47.0, 31.0], 15.0, [30.0, 30.0],
                                  128, "qos", 8.0, "1bit", "realtime", 10)
        ch = isac.isac_channel(n_tx, users, 128, "rayleigh", [], [sigma2], 10.0, 0, seed, "monostatic", 23.0, 0.0,
                               0.0, 15.0, [-47.0, 31.0], [30.0, 30.0], 1.0, "swerling1", 1, 0)
        tb.connect(src, head, tx, ch)
        tb.msg_connect(ch, "csi", tx, "csi")
        tb.connect((ch, 0), blocks.null_sink(gr.sizeof_gr_complex * users))
        tb.connect((ch, 1), blocks.null_sink(gr.sizeof_gr_complex * 128))
        tb.run()
        shares.append(tx.precoder.infeasible_count() / n)
    return shares


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-tx", default="16,20,24,28,32")
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--snapshots", type=int, default=1000)
    a = ap.parse_args()
    print("| N_T | infeasible (all draws) | worst draw | draws with > 5 % | time |")
    print("|---|---|---|---|---|")
    for n_tx in [int(v) for v in a.n_tx.split(",")]:
        t0 = time.time()
        s = infeasible_shares(n_tx, a.seeds, a.snapshots)
        print("| %d | %.2f %% | %.1f %% | %d of %d | %.1f s |" % (n_tx, 100 * sum(s) / len(s), 100 * max(s),
                                                               sum(v > 0.05 for v in s), len(s), time.time() - t0),
              flush=True)


if __name__ == "__main__":
    main()
