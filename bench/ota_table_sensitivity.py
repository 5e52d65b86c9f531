#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The OTA examples' CI lookup table (16 QPSK symbol pairs, N_T = 4, U = 2) designed
for the true channel of an emulator seed and for a channel estimate, per radar_metric
and preset: which entries change (feasibility, true-channel margin, objective), and
the designs' Theorem-1 QSCNR, exact deflection and a Monte-Carlo Pd.

Scene: apps/isac_ota_emulated's (read from the compiled OTA flowgraph); true channel:
the emulator's (`emulated_radio(...).channel()`, what the app's genie gives its
precoder). Estimate: the last `csi` post of a probe record (JSON with "csi":
[{offset, H}], e.g. the acceptance app's channel posts), optional, for one seed.

Brute force: every one of the 4^N_T 1-bit transmit vectors is checked against each
entry's QoS constraints on the design's channel; the feasible ones' largest QSCNR and
largest exact deflection show whether the table's design is the best of either metric.
The detector's Pd is the app's genie loopback's (a per-snapshot metric of 16 entries
does not give the CPI detector's Pd).

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ota_table_sensitivity.py \\
        [--seeds typical:3,none:1] [--estimate probe.json --estimate-seed 3] \\
        [--presets table,quality] [--metrics theorem1,exact]
"""
import argparse
import json

import numpy as np
from gnuradio import isac
from gnuradio.isac import core
from ota_app import load_app, scene_of  # noqa: F401 (load_app: the other benches reach it here)


def true_channel(sc, seed):
    emu = isac.emulated_radio(sc["n_tx"], sc["n_rx"], sc["n_users"], sc["samp_rate"], 2.45e9, sc["user_deg"],
                              "los", 1.0, 10.0, sc["comm_noise_var"], sc["target_deg"], sc["snr_r_db"],
                              sc["clutter_deg"], sc["cnr_db"], sc["radar_noise_var"], impairments="none",
                              seed=seed, target_coherence=sc["cpi_len"])
    return np.array(emu.channel()).reshape(sc["n_users"], sc["n_tx"])


def last_estimate(path, sc):
    d = json.load(open(path))
    c = d["csi"][-1]
    h = [complex(*v) if isinstance(v, list) else complex(v) for v in c["H"]]
    return np.array(h).reshape(sc["n_users"], sc["n_tx"]), c["offset"]


def alphabet(sc):
    """All 4^N_T transmit vectors of the 1-bit DAC (power sc["power"])."""
    n = sc["n_tx"]
    amp = np.sqrt(sc["power"] / (2 * n))
    q = amp * np.array([1 + 1j, -1 + 1j, -1 - 1j, 1 - 1j])
    idx = np.indices((4,) * n).reshape(n, -1).T
    return q[idx]


def table(sc, H, preset, metric):
    s = core.ci_solver(sc["n_tx"], sc["n_users"], n_rx=sc["n_rx"], target_deg=sc["target_deg"],
                       clutter_deg=sc["clutter_deg"], snr_r_db=sc["snr_r_db"], cnr_db=sc["cnr_db"],
                       psk_order=sc["psk_order"], power=sc["power"], noise_var=sc["comm_noise_var"],
                       gamma_db=sc["gamma_db"], mode="qos", chi_db=8.0, dac="1bit", solver=preset,
                       max_iter=10, radar_metric=metric)
    s.set_channel(H)
    M, U = sc["psk_order"], sc["n_users"]
    out = []
    for i in range(M ** U):
        k = [(i // M ** u) % M for u in range(U)]
        r = s.solve_indices(k)
        out.append((k, np.asarray(r["x"]), bool(r["feasible"])))
    return out


def evaluate(sc, scene, st, judges, Htrue, Hdesign, designs, X):
    """Per entry: feasible (as designed), min true-channel margin / threshold, QSCNR,
    exact deflection; and by brute force over X the feasible points (on the design's
    channel) of largest QSCNR and of largest deflection."""
    M = sc["psk_order"]
    thr = core.safe_margin_threshold(10 ** (sc["gamma_db"] / 10), sc["comm_noise_var"])
    rows = []
    for k, x, feas in designs:
        s = np.exp(2j * np.pi * np.asarray(k) / M)  # psk_point
        marg = np.asarray(core.safe_margins(Htrue, s, M, x))
        ok = [xx for xx in X if min(core.safe_margins(Hdesign, s, M, xx)) >= thr * (1 - 1e-9)]
        q = [judges["theorem1"].objective(xx) for xx in ok]
        dd = [core.exact_deflection_x(scene, st, xx)[0] for xx in ok]
        rows.append(dict(k=k, x=x, feasible=feas, margin=float(marg.min() / thr),
                         qscnr=judges["theorem1"].objective(x), defl=core.exact_deflection_x(scene, st, x)[0],
                         n_ok=len(ok), q_best=max(q) if q else float("nan"), d_best=max(dd) if dd else float("nan"),
                         d_of_qbest=dd[int(np.argmax(q))] if q else float("nan")))
    return rows


def genie_pd(app, sc, seed, H, solver, metric, snapshots, target=True):
    """Pd (or Pfa with target=False: the emulator's target at -200 dB, the chain's
    threshold unchanged) of the app's genie loopback with H at its precoder and the
    given solver / radar_metric, over its CPIs in [4096, 4096 + snapshots)."""
    orig_tx, orig_emu = isac.one_bit_isac_tx, isac.emulated_radio

    def tx(*args, **kw):
        args = list(args)
        args[14] = solver  # the app's genie passes (..., dac, solver, max_iter) positionally
        t = orig_tx(*args, radar_metric=metric, **kw)
        set_ch = t.set_channel
        t.set_channel = lambda Htrue: set_ch(np.asarray(H if H is not None else Htrue, dtype=complex).tolist())
        return t

    def emu(*args, **kw):
        args = list(args)
        if not target:
            args[11] = -200.0  # snr_r_db of the emulator only
        return orig_emu(*args, **kw)

    sinks = []
    orig_sink = app.blocks.vector_sink_f

    def sink(*args, **kw):
        sinks.append(orig_sink(*args, **kw))  # the detector's |Z|/kappa (the only float vector sink)
        return sinks[-1]

    app.isac.one_bit_isac_tx, app.isac.emulated_radio, app.blocks.vector_sink_f = tx, emu, sink
    try:
        a = argparse.Namespace(seed=seed, samp_rate=sc["samp_rate"], measure=snapshots)
        lo, hi = 4096, 4096 + snapshots
        g = app.run_genie(sc, a, 0.0, True, (lo, hi), loop_delay=0.0)
    finally:
        app.isac.one_bit_isac_tx, app.isac.emulated_radio, app.blocks.vector_sink_f = orig_tx, orig_emu, orig_sink
    stat = np.array(sinks[0].data(), dtype=float)
    idx = np.arange(len(stat))
    stat = stat[(idx >= lo) & (idx < hi) & ((idx + 1) % sc["radar_cpi"] == 0)]
    return g["pd"], g["pd_n"], g["ser"], stat


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="typical:3")
    ap.add_argument("--estimate", default=None)
    ap.add_argument("--estimate-seed", type=int, default=3)
    ap.add_argument("--presets", default="table")
    ap.add_argument("--metrics", default="theorem1,exact")
    ap.add_argument("--entries", action="store_true", help="print every table entry")
    ap.add_argument("--genie", default=None,
                    help="also run the app's genie: comma list of channel:solver:metric (channel true or "
                         "estimate; solver lut or quality), Pd and Pfa per seed")
    ap.add_argument("--genie-snapshots", type=int, default=100000)
    ap.add_argument("--radar-cpi", type=int, default=None, help="the genie detector's CPI (default the flowgraph's)")
    ap.add_argument("--cpi-weights", default=None, choices=("equal", "inverse_variance"),
                    help="the genie detector's CPI sum weights (default the flowgraph's; docs/ota_measurements.md's rows: equal)")
    a = ap.parse_args()
    app = load_app()
    sc = scene_of(app)
    print("scene: N_T %d, N_R %d, U %d, %d-PSK, Gamma %.1f dB, target %.1f, clutter %s, SNR_R %.1f, CNR %s, Pfa %g"
          % (sc["n_tx"], sc["n_rx"], sc["n_users"], sc["psk_order"], sc["gamma_db"], sc["target_deg"],
             sc["clutter_deg"], sc["snr_r_db"], sc["cnr_db"], sc["pfa"]))
    scene = core.radar_scene(sc["n_tx"], sc["n_rx"], sc["target_deg"], sc["clutter_deg"], sc["snr_r_db"],
                             sc["cnr_db"])
    st = core.arcsine_stats(scene)
    X = alphabet(sc)
    if a.radar_cpi:
        sc["radar_cpi"] = a.radar_cpi
    if a.cpi_weights:
        sc["cpi_weights"] = a.cpi_weights
    if a.genie:
        print("| seed | channel | solver | metric | Pd (CPIs) | Pfa (CPIs) | model / measured H0 variance | "
              "H0 quantile / threshold | Pd at the H0 quantile (Pfa %g) | SER user 0 / 1 |" % sc["pfa"])
        print("|---|---|---|---|---|---|---|---|---|---|")
        for spec in a.seeds.split(","):
            seed = int(spec.split(":")[1])
            for g in a.genie.split(","):
                cname, solver, metric = g.split(":")
                H = last_estimate(a.estimate, sc)[0] if cname == "estimate" else None
                pd, n, ser, s1 = genie_pd(app, sc, seed, H, solver, metric, a.genie_snapshots)
                pfa, n0, _, s0 = genie_pd(app, sc, seed, H, solver, metric, a.genie_snapshots, target=False)
                k2 = np.quantile(s0, 1 - sc["pfa"])  # the H0 statistic's own (1 - Pfa) quantile
                # |Z|/kappa with kappa^2 = var ln(1/Pfa): the threshold model's H0 variance over
                # the measured one (1 when the model holds; Pfa^ratio for Gaussian Z)
                ratio = 1.0 / (np.mean(s0 ** 2) * np.log(1.0 / sc["pfa"]))
                print("| %d | %s | %s | %s | %.4f (%d) | %.4f (%d) | %.2f | %.3f | %.4f | %.4f / %.4f |" % (
                    seed, cname, solver, metric, pd, n, pfa, n0, ratio, k2, np.mean(s1 > k2), ser[0], ser[1]),
                      flush=True)
        return
    print("| seed | channel | preset | metric | feasible (designed) | true margin >= thr | min margin/thr | "
          "mean QSCNR (dB) | mean exact deflection | brute force: mean best QSCNR (dB) / best deflection |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for spec in a.seeds.split(","):
        prof, seed = spec.split(":")
        seed = int(seed)
        Ht = true_channel(sc, seed)
        chans = [("true", Ht)]
        if a.estimate and seed == a.estimate_seed:
            He, off = last_estimate(a.estimate, sc)
            nmse = 10 * np.log10(np.sum(np.abs(He - Ht) ** 2, axis=1) / np.sum(np.abs(Ht) ** 2, axis=1))
            print("seed %d estimate at %d: NMSE against the emulator's channel %s dB" % (seed, off, np.round(nmse, 1)))
            chans.append(("estimate", He))
        judges = {}
        for m in ("theorem1", "exact"):
            judges[m] = core.ci_solver(sc["n_tx"], sc["n_users"], n_rx=sc["n_rx"], target_deg=sc["target_deg"],
                                       clutter_deg=sc["clutter_deg"], snr_r_db=sc["snr_r_db"], cnr_db=sc["cnr_db"],
                                       psk_order=sc["psk_order"], radar_metric=m)
        res = {}
        for preset in a.presets.split(","):
            for m in a.metrics.split(","):
                for cname, H in chans:
                    rows = evaluate(sc, scene, st, judges, Ht, H, table(sc, H, preset, m), X)
                    res[(preset, m, cname)] = rows
                    print("| %s %d | %s | %s | %s | %d/16 | %d/16 | %.2f | %.2f | %.3f | %.2f / %.3f |" % (
                        prof, seed, cname, preset, m, sum(r["feasible"] for r in rows),
                        sum(r["margin"] >= 1 - 1e-9 for r in rows), min(r["margin"] for r in rows),
                        10 * np.log10(np.mean([r["qscnr"] for r in rows])), np.mean([r["defl"] for r in rows]),
                        10 * np.log10(np.mean([r["q_best"] for r in rows])),
                        np.mean([r["d_best"] for r in rows])), flush=True)
                if a.entries and len(chans) > 1:
                    t, e = res[(preset, m, "true")], res[(preset, m, "estimate")]
                    print("  entries (%s, %s): k | same x | feasible true/est | true margin/thr true/est | "
                          "QSCNR dB true/est | deflection true/est | feasible points true/est | best QSCNR dB true/est | "
                          "best deflection true/est" % (preset, m))
                    for rt, re_ in zip(t, e):
                        print("  %s | %s | %d/%d | %.2f/%.2f | %.2f/%.2f | %.3f/%.3f | %d/%d | %.2f/%.2f | %.3f/%.3f" % (
                            rt["k"], bool(np.allclose(rt["x"], re_["x"])), rt["feasible"], re_["feasible"],
                            rt["margin"], re_["margin"], 10 * np.log10(rt["qscnr"]), 10 * np.log10(re_["qscnr"]),
                            rt["defl"], re_["defl"], rt["n_ok"], re_["n_ok"], 10 * np.log10(rt["q_best"]),
                            10 * np.log10(re_["q_best"]), rt["d_best"], re_["d_best"]))


if __name__ == "__main__":
    main()
