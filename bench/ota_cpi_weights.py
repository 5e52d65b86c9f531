#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""How much a CPI's radar Pd loses to one weakly lit transmit vector, and what an
inverse-variance weighted CPI sum would keep (docs/ota_measurements.md, random scenes).

Builds the lookup-table CI precoder of the over-the-air flowgraph
(one_bit_isac_tx "lut", 4 x 4, 2 LoS users) for a drawn scene
(isac.scene.draw_scene) on the true channel and on --draws channel estimates
(the truth plus complex Gaussian error at --nmse-db, as the flowgraph's CSI),
takes each table's distinct payload vectors,
and runs a numpy model of the detector over CPIs of 16 snapshots drawn from the
table: fixed-amplitude clutter with a phase per CPI, a Swerling-I target per
CPI, noise, the 1-bit ADC, the distortionless filter u_l per snapshot
(1-bit ISAC paper eq. 13-14), and Z = sum_l z_l (the module's detector) or
Z = sum_l z_l / ||u_l||^2 or Z = sum_l z_l / V_l with V_l the snapshot's H0
variance in the theorem-1 form (2 ||u_l||^2 + (4/pi) sum_q zeta_q^2 |c_q u_l^H
g_q|^2, one_bit_rx_filter cpi_weights="inverse_variance" with threshold
"theorem1"), each against an oracle threshold at the set Pfa from target-free
CPIs. Prints Pd per table. The same echoes also go through the module's detector
(isac.core.rx_filter + cpi_statistics: exact threshold, clutter_model "fixed" as the
model's clutter) with cpi_weights equal and inverse_variance: its Pfa at the set
Pfa and its Pd with its own threshold.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ota_cpi_weights.py --scene-seed 2 --draws 6 --nmse-db -30
"""
import argparse
import math

import numpy as np
from gnuradio import blocks, gr, isac


def steer(n, a):
    return np.exp(-1j * np.pi * np.arange(n) * math.sin(math.radians(a))) / math.sqrt(n)


def table(sc, H, n_tx, n_users, psk_order=4, seed=13):
    tx = isac.one_bit_isac_tx(n_tx, n_users, psk_order, 1.0, 0.1, 5.0, sc["target_deg"], sc["clutter_deg"], 15.0,
                              sc["cnr_db"], 4, "qos", 8.0, "1bit", "lut", 10)
    tx.set_channel(H)
    tb = gr.top_block()
    src = isac.psk_source(n_users, psk_order, seed)
    head = blocks.head(gr.sizeof_gr_complex * n_users, 20000)
    snk = blocks.vector_sink_c(n_tx)
    tb.connect(src, head, tx, snk)
    tb.run()
    x = np.array(snk.data()).reshape(-1, n_tx)[4096:]
    return np.unique(np.round(x[np.any(x != 0, axis=1)], 6), axis=0)


def module_stats(sc, tab, r, X, pfa, cpi, weights):
    """|Z|/kappa_CPI of the module's kernel for echoes r (n, N_R) of transmit vectors X."""
    C = isac.core
    msc = C.radar_scene(tab.shape[1], r.shape[1], sc["target_deg"], sc["clutter_deg"], 15.0, sc["cnr_db"])
    f = C.rx_filter(msc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, cpi, C.clutter_model.fixed)
    sgn = (np.sign(r.real) + 1j * np.sign(r.imag)).astype(np.complex64)
    z, _, st, terms = f.process(sgn, X.astype(np.complex64), True)
    return C.cpi_statistics(msc, C.adc_model.one_bit, pfa, 1.0, cpi, z, terms, st, C.threshold_model.exact,
                            weights)[1]


def pd(tab, sc, rng, cpi=16, pfa=0.01, snr_db=15.0, n0=40000, n1=20000):
    NR = 4
    angles = [sc["target_deg"]] + list(sc["clutter_deg"])
    gr_ = np.array([steer(NR, a) for a in angles])
    gt = np.array([steer(tab.shape[1], a) for a in angles])
    zeta2 = np.array([10 ** (snr_db / 10)] + [10 ** (c / 10) for c in sc["cnr_db"]])
    us = []
    for xt in tab:
        c = xt @ gt.T
        M = np.eye(NR, dtype=complex)
        for q in range(1, len(c)):
            M += (2 / math.pi) * zeta2[q] * abs(c[q]) ** 2 * np.outer(gr_[q], gr_[q].conj())
        v = np.linalg.solve(M, gr_[0])
        us.append(v / np.conj(c[0] * (gr_[0].conj() @ v)))
    us = np.array(us)
    # the snapshot's H0 variance (theorem-1 form, sigma_R^2 = 1) per table row
    cu = tab @ gt.T
    var = 2 * np.sum(np.abs(us) ** 2, axis=1)
    for q in range(1, len(angles)):
        var += 4 / math.pi * zeta2[q] * np.abs(cu[:, q] * (us.conj() @ gr_[q])) ** 2

    def stats(n, target):
        idx = rng.integers(0, len(tab), size=(n, cpi))
        C = tab[idx] @ gt.T
        gam = np.sqrt(zeta2)[None, :] * np.exp(2j * np.pi * rng.random((n, len(zeta2))))
        gam[:, 0] = ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) * math.sqrt(zeta2[0] / 2)
                     if target else 0.0)
        r = np.einsum("nlq,nq,qr->nlr", C, gam, gr_)
        r += (rng.standard_normal(r.shape) + 1j * rng.standard_normal(r.shape)) / math.sqrt(2)
        z = np.einsum("nlr,nlr->nl", np.sign(r.real) + 1j * np.sign(r.imag), us[idx].conj())
        w = 1.0 / np.sum(np.abs(us[idx]) ** 2, axis=2)
        X = tab[idx].reshape(-1, tab.shape[1])
        mod = [module_stats(sc, tab, r.reshape(-1, NR), X, pfa, cpi, wt)
               for wt in (isac.core.cpi_weights.equal, isac.core.cpi_weights.inverse_variance)]
        return [np.abs(z.sum(1)), np.abs((w * z).sum(1)), np.abs((z / var[idx]).sum(1))], mod

    h0, m0 = stats(n0, False)
    h1, m1 = stats(n1, True)
    oracle = [float(np.mean(a1 > np.quantile(a0, 1 - pfa))) for a0, a1 in zip(h0, h1)]
    module = [(float(np.mean(a0 >= 1)), float(np.mean(a1 >= 1))) for a0, a1 in zip(m0, m1)]
    return oracle, module


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scene-seed", type=int, default=2)
    ap.add_argument("--draws", type=int, default=6, help="channel estimates drawn")
    ap.add_argument("--nmse-db", type=float, default=-30.0, help="their NMSE (dB)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    sc = isac.scene.draw_scene(a.scene_seed, 4, 2)
    emu = isac.emulated_radio(4, 4, 2, 1e6, 2.45e9, sc["user_deg"], "los", 1.0, 10.0, 0.1, sc["target_deg"], 15.0,
                              sc["clutter_deg"], sc["cnr_db"], 1.0, impairments="none", seed=2)
    H = np.array(emu.channel()).reshape(2, 4)
    rng = np.random.default_rng(a.seed)
    print("scene", sc)
    est = []
    for k in range(a.draws):
        e = rng.standard_normal(H.shape) + 1j * rng.standard_normal(H.shape)
        est.append(("estimate %d (NMSE %g dB)" % (k, a.nmse_db),
                    H + e * np.linalg.norm(H) / np.linalg.norm(e) * 10 ** (a.nmse_db / 20)))
    for name, Hd in [("true channel", H)] + est:
        tab = table(sc, Hd, 4, 2)
        c0 = np.abs(tab @ steer(4, sc["target_deg"])) ** 2
        (pe, pw, pv), ((fe, de), (fv, dv)) = pd(tab, sc, rng)
        print("%s: %d vectors, |c_0|^2 min %.4f median %.4f; oracle-threshold Pd: equal weights %.3f, "
              "1/||u_l||^2 %.3f, 1/V_l %.3f; module (Pfa / Pd): equal %.4f / %.3f, inverse_variance %.4f / %.3f"
              % (name, len(tab), c0.min(), np.median(c0), pe, pw, pv, fe, de, fv, dv), flush=True)


if __name__ == "__main__":
    main()
