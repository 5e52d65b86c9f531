#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Radar Pd of apps/isac_ota_emulated's judged genie with and without the
emulator's random per-channel phases, on the flowgraph's window and latency.

The typical profile rotates each transmit and receive chain by a static phase
(frontend_emulator::draw_chain). The flowgraph removes them relative to chain 0
(array_phase_estimator/tx_phase_estimator, array_phase_corrector), the receive
phases after the 1-bit ADC: the ADC quantises the rotated echo, static clutter
included, which no correction after it undoes. The judged genie has no phases
(impairments "none"). The "phases" genie here has the flowgraph's very phases
(a "none" profile with random_phase on draws them from the same stream as
"typical") and removes them with the true values, relative to chain 0, where
the flowgraph does (x before the radio, the echo after the ADC); everything
else is the judged genie's. Pd and the target-free false-alarm rate of each,
paired with the flowgraph's decisions.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ota_phase_genie.py \\
        [--impairments typical] [--seed 2] [--scene-seed 4] [--seconds 0.3] \\
        [--cpi-weights equal|inverse_variance]
"""
import argparse
import math

import numpy as np
from gnuradio import blocks, gr, isac

from ota_app import flowgraph, load_app, run_args


def genie(sc, a, window, loop_delay, lag, fields, target=True, design=None):
    """The app's judged genie's radar chain (payload only, true channel at
    the precoder, the flowgraph's loop delay and latency); fields: the
    impairment profile's fields taken from a.impairments' profile (the rest
    stay "none"); the chains' phases are removed relative to chain 0 with
    their true values (x before the radio, the echo after the ADC)."""
    U, NT, NR = sc["n_users"], sc["n_tx"], sc["n_rx"]
    n = window[1] + sc["radar_cpi"]
    imp = isac.core.impairment_profile.named("none")
    imp.loop_delay_min = imp.loop_delay_max = float(loop_delay)
    full = isac.core.impairment_profile.named(a.impairments)
    for f in fields:
        setattr(imp, f, getattr(full, f))
    emu = isac.emulated_radio(NT, NR, U, a.samp_rate, 2.45e9, sc["user_deg"], "los", 1.0, 10.0, sc["comm_noise_var"],
                              sc["target_deg"], sc["snr_r_db"] if target else -200.0, sc["clutter_deg"], sc["cnr_db"],
                              sc["radar_noise_var"], impairments=imp, seed=a.seed, target_coherence=sc["cpi_len"])
    tb = gr.top_block()
    src = isac.psk_source(U, sc["psk_order"], a.seed + 11)
    head = blocks.head(gr.sizeof_gr_complex * U, n)
    tx = isac.one_bit_isac_tx(NT, U, sc["psk_order"], sc["power"], sc["comm_noise_var"], sc["gamma_db"],
                              sc["target_deg"], sc["clutter_deg"], sc["snr_r_db"], sc["cnr_db"], NR, "qos", 8.0,
                              "1bit", "lut", 10)
    tx.set_channel(np.array(emu.channel()).reshape(U, NT) if design is None else design)
    tph, rph = np.array(emu.tx_phases_rad()), np.array(emu.rx_phases_rad())
    txfix = isac.array_phase_corrector(NT, list(tph - tph[0]), False)
    rxfix = isac.array_phase_corrector(NR, list(rph - rph[0]), False)
    split = blocks.vector_to_streams(gr.sizeof_gr_complex, NT)
    tb.connect(src, head, tx, txfix, split)
    snk = isac.radio_sink("emulated", NT, emulator=emu)
    for k in range(NT):
        tb.connect((split, k), (snk, k))
    users = isac.radio_source("emulated", U, emulator=emu, role="users")
    for u in range(U):
        tb.connect((users, u), blocks.null_sink(gr.sizeof_gr_complex))
    rx = isac.radio_source("emulated", NR, emulator=emu)
    rjoin = blocks.streams_to_vector(gr.sizeof_gr_complex, NR)
    for m in range(NR):
        tb.connect((rx, m), (rjoin, m))
    chain = isac.one_bit_radar_rx(NT, NR, sc["target_deg"], sc["clutter_deg"], sc["snr_r_db"], sc["cnr_db"],
                                  sc["radar_noise_var"], sc["pfa"], "1bit", sc["radar_cpi"], sc["threshold_scale"],
                                  clutter_model=sc["clutter_model"], cpi_weights=sc["cpi_weights"])
    st = blocks.vector_sink_f()
    tb.connect(rjoin, rxfix, isac.fractional_delay(NR, lag - loop_delay, 16, 4096.0, "echo_align"), (chain, 0))
    tb.connect(tx, isac.fractional_delay(NT, lag, 16, 4096.0, "x_align"), (chain, 1))
    tb.connect((chain, 0), blocks.null_sink(gr.sizeof_gr_complex))
    tb.connect((chain, 1), st)
    tb.run()
    stat = np.array(st.data(), dtype=float)
    idx = np.arange(len(stat))
    m = (idx >= window[0]) & (idx < window[1]) & ((idx + 1) % sc["radar_cpi"] == 0)
    # the app's Pd: CPIs without transmission (statistic -1) make no decision
    return dict(load_app().radar_decisions(idx[m], stat[m]), lag=lag, tx_deg=np.degrees(tph), rx_deg=np.degrees(rph))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--impairments", default="typical", choices=("none", "typical", "harsh"))
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--scene-seed", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=0.3)
    ap.add_argument("--cpi-weights", default=None, choices=("equal", "inverse_variance"))
    ap.add_argument("--tables", action="store_true",
                    help="also the judged genie with each channel the flowgraph's precoder was given during the "
                         "window (its table), and the share of the window each was in effect")
    ap.add_argument("--variants", default="random_phase",
                    help="genies besides the judged one: ';'-separated lists of profile fields taken from "
                         "--impairments' profile, e.g. 'random_phase;random_phase,iq_gain_db,iq_phase_deg'")
    args = ap.parse_args()
    app = load_app()
    cls, sc0, sr = flowgraph(app)
    a = run_args(app, sc0, sr, args.impairments, args.seed, args.seconds, args.cpi_weights, args.scene_seed)
    r = app.run_ota(cls, a, None, "scene")
    sc, win, d, lag = r["scene"], (r["measure_from"], r["measure_to"]), r["delay_true"], app.ota_latency(r)
    print("impairments %s, seed %d, scene %s, %.2f s, cpi_weights %s, loop delay %.3f, latency %d"
          % (a.impairments, a.seed, a.scene, a.seconds, sc["cpi_weights"], d, lag))
    print("| run | Pd | Pd - flowgraph's (paired sd) | Pfa (sd) |")
    print("|---|---|---|---|")
    print("| flowgraph | %.4f | | |" % r["pd"])
    variants = [[]] + [v.split(",") for v in args.variants.split(";") if v]
    for fields in variants:
        name = "genie + " + ", ".join(fields) if fields else "judged genie"
        g = genie(sc, a, win, d, lag, fields)
        h0 = genie(sc, a, win, d, lag, fields, target=False)
        sd, _ = app.paired_pd_sd(r, g, sc)
        print("| %s | %.4f | %+.4f (%.4f) | %.4f (%.4f) |"
              % (name, g["pd"], g["pd"] - r["pd"], sd, h0["pd"], math.sqrt(max(h0["pd"] * (1 - h0["pd"]), 1.0 /
                                                                                h0["pd_n"]) / h0["pd_n"])))
        if fields:
            print("  phases: tx %s deg, rx %s deg" % (np.round(g["tx_deg"], 1), np.round(g["rx_deg"], 1)))
    if args.tables:
        # the precoder's channel in effect over each part of the window (a post
        # takes effect at its offset; the table's build then takes a few frames)
        posts = sorted(r["csi_posts"])
        spans = []
        for i, (off, H) in enumerate(posts):
            lo = max(off, win[0])
            hi = min(posts[i + 1][0] if i + 1 < len(posts) else win[1], win[1])
            if hi > lo:
                spans.append((lo, hi, H))
        mix = 0.0
        print("| channel in effect from | share of the window | genie Pd on its table (whole window) | "
              "flowgraph / this genie / judged genie, CPIs in the span |")
        print("|---|---|---|---|")
        judged = genie(sc, a, win, d, lag, [])
        for lo, hi, H in spans:
            g = genie(sc, a, win, d, lag, [], design=H)
            share = (hi - lo) / (win[1] - win[0])
            mix += share * g["pd"]
            # CPIs whose transmit snapshots start in the span
            first = lambda res: res["pd_end"] - res["lag"] - (sc["radar_cpi"] - 1)
            mo = (first(dict(r, lag=lag)) >= lo) & (first(dict(r, lag=lag)) < hi)
            mg = (first(g) >= lo) & (first(g) < hi)
            print("| %d | %.3f | %.4f | %.4f / %.4f / %.4f (%d CPIs) |"
                  % (lo, share, g["pd"], np.mean(r["pd_dec"][mo]), np.mean(g["pd_dec"][mg]),
                     np.mean(judged["pd_dec"][mg]), int(mo.sum())))
        print("share-weighted genie Pd over the tables: %.4f (flowgraph %.4f)" % (mix, r["pd"]))


if __name__ == "__main__":
    main()
