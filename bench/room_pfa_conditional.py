#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Why the 1-bit CPI detector's false-alarm rate differs from room to room with
static clutter (a room: constant clutter amplitudes, one phase draw for every CPI).

Given the room (clutter gains gamma_q) and the transmit vector x_l, the 1-bit echo
has the deterministic mean E[r~ | room, x] = erf(Re m) + j erf(Im m) (m the
noiseless clutter echo, noise variance 1) and independent entries of variance
1 - erf^2 per real part, so z_l = u_l^H r~_l has a conditional mean mu(x_l) =
u_l^H E[r~] and an improper 2x2 conditional covariance, independent over the
snapshots. The CPI sum Z is linear in the z_l, so E[Z | room, x's] is the kernel's
own CPI sum (cpi_statistics: its weights and threshold) of the mu(x_l); the
conditional-Gaussian prediction of the room's Pfa runs the CPIs' x sequences with
z_l = mu(x_l) + a Gaussian draw of that covariance through the same kernel. The
per-room rows compare it with the measured Pfa (1-bit echoes through the kernel)
and give the deterministic part's size, mean |E Z|^2 / kappa_CPI^2, and the Pfa
with the clutter mean removed from every z_l (what a per-x background canceller
would read with today's threshold).

u_l is read from the kernel itself (z = u^H r for r the unit vectors), and the
script checks z = u^H r on the measured echoes.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/room_pfa_conditional.py \\
        [--scene-seeds=-1,4] [--tables 1,2,3] [--rooms 4] [--trials 20000] [--per-x]
        [--canceller SNR_DB]

Scene seed -1: the OTA examples' tuned scene; N >= 0: apps/isac_ota_emulated's
--scene-seed N (isac.scene.draw_scene). --tables: the emulator seeds whose true
channel designs the app's 16-entry lookup table (as the app's genie).
"""

import argparse
import math
import os
import sys

import numpy as np
from scipy.special import erf

from gnuradio import isac
from gnuradio.isac import rx_calibration as rc

C = isac.core
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ota_table_sensitivity as ots  # noqa: E402


def probe_u(f, x, nr):
    """u of the kernel's filter for transmit vector x: z = u^H e_n = conj(u_n)."""
    X = np.repeat(x[None, :].astype(np.complex64), nr, axis=0)
    z = f.process(np.eye(nr, dtype=np.complex64), X)[0]
    return np.conj(z.astype(np.complex128))


def conditional_moments(sc, u, x, gam):
    """Mean mu and 2x2 covariance of (Re z, Im z) of z = u^H r~ given the clutter
    gains gam (Q,) and x, noise CN(0, I)."""
    m = sc.gr[:, 1:] @ (gam * (x @ sc.gt[:, 1:]))
    er, ei = erf(m.real), erf(m.imag)
    mu = np.vdot(u, er + 1j * ei)
    vr, vi = 1 - er ** 2, 1 - ei ** 2
    # z = sum conj(u_n) r_n: Re z = ur r_re + ui r_im, Im z = ur r_im - ui r_re
    ur, ui = u.real, u.imag
    cov = np.array([[np.sum(ur ** 2 * vr + ui ** 2 * vi), np.sum(-ur * ui * vr + ui * ur * vi)],
                    [0.0, np.sum(ur ** 2 * vi + ui ** 2 * vr)]])
    cov[1, 0] = cov[0, 1]
    return mu, cov


def room_rows(sc, cnr_db, pool, L, pfa, trials, rng, weights, model="fixed"):
    Q = len(cnr_db)
    nr = sc.gr.shape[0]
    zeta = np.sqrt(10 ** (np.asarray(cnr_db, float) / 10))
    gam = zeta * np.exp(2j * np.pi * rng.uniform(size=Q))
    f = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L,
                    C.parse_clutter_model("model", model))
    mom = [conditional_moments(sc, probe_u(f, x, nr), x, gam) for x in pool]
    mu = np.array([m for m, _ in mom])
    chol = np.array([np.linalg.cholesky(c + 1e-15 * np.eye(2)) for _, c in mom])
    idx = rng.integers(0, len(pool), trials * L)
    X = pool[idx].astype(np.complex64)
    noise = (rng.standard_normal((len(idx), nr)) + 1j * rng.standard_normal((len(idx), nr))) * math.sqrt(0.5)
    r = rc.one_bit_adc((gam * (X @ sc.gt[:, 1:])) @ sc.gr[:, 1:].T + noise)
    z, s, st, terms = f.process(r, X, True)
    U = np.array([probe_u(f, x, nr) for x in pool])
    zc = np.einsum("ln,ln->l", np.conj(U[idx]), r)
    assert np.max(np.abs(zc - z)) < 1e-3 * (1 + np.max(np.abs(z))), "z is not u^H r"
    out = {}
    for w in weights:
        cw = getattr(C.cpi_weights, w)

        def stat(zz):
            return C.cpi_statistics(sc, C.adc_model.one_bit, pfa, 1.0, L, zz.astype(np.complex64), terms, st,
                                    C.threshold_model.exact, cw)

        Zm, sm = stat(z)
        EZ, sE = stat(mu[idx])
        pred = []
        for _ in range(2):
            e = rng.standard_normal((len(idx), 2))
            g = np.einsum("lij,lj->li", chol[idx], e)
            pred.append(stat(mu[idx] + g[:, 0] + 1j * g[:, 1])[1])
        pred = np.concatenate(pred)
        canc = stat(z - mu[idx])[1]
        out[w] = dict(meas=float(np.mean(sm >= 1)), pred=float(np.mean(pred >= 1)),
                      det=float(np.mean(sE ** 2)), canc=float(np.mean(canc >= 1)),
                      q=float(np.quantile(sm, 1 - pfa)), n=len(sm))
    return out


def room_echo(sc, gam, X, snr_db, L, rng):
    """1-bit echoes of the room (clutter gains gam for every snapshot), a Swerling-I
    target of mean SNR snr_db per CPI of L (None: no target), noise CN(0, I)."""
    nr = sc.gr.shape[0]
    noise = (rng.standard_normal((len(X), nr)) + 1j * rng.standard_normal((len(X), nr))) * math.sqrt(0.5)
    e = (gam * (X @ sc.gt[:, 1:])) @ sc.gr[:, 1:].T + noise
    if snr_db is not None:
        g0 = (rng.standard_normal(len(X) // L) + 1j * rng.standard_normal(len(X) // L)) * math.sqrt(
            10 ** (snr_db / 10) / 2)
        e += np.repeat(g0, L)[:, None] * (X @ sc.gt[:, 0])[:, None] * sc.gr[:, 0][None, :]
    return rc.one_bit_adc(e)


def canceller_rows(sc, cnr_db, snr_db, pool, L, pfa, trials, rng, weights):
    """What a per-x background canceller would buy, numpy only: from a target-free
    run of the room, the mean mu^(x) and variance s2^(x) of z per table entry; the
    canceller's CPI statistic |sum_l w_l (z_l - mu^(x_l))|^2 / sum_l w_l^2 s2^(x_l)
    with w_l = 1/s2^(x_l), against -ln(pfa) (Rayleigh). Measured on a fresh
    target-free run (Pfa) and a Swerling-I target run (Pd) of the same room, beside
    the detector's Pfa and Pd as it is and with the data calibration of its scale
    (threshold_scale_from_data on the first run)."""
    zeta = np.sqrt(10 ** (np.asarray(cnr_db, float) / 10))
    gam = zeta * np.exp(2j * np.pi * rng.uniform(size=len(zeta)))
    f = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L,
                    C.parse_clutter_model("model", "fixed"))
    runs = []
    for snr in (None, None, snr_db):
        idx = rng.integers(0, len(pool), trials * L)
        X = pool[idx].astype(np.complex64)
        z, s, st, terms = f.process(room_echo(sc, gam, X, snr, L, rng), X, True)
        runs.append((idx, z.astype(np.complex128), st, terms))
    idx, z, _, _ = runs[0]
    k = len(pool)
    cnt = np.bincount(idx, minlength=k)
    mu = np.bincount(idx, z.real, k) / cnt + 1j * np.bincount(idx, z.imag, k) / cnt
    s2 = np.bincount(idx, np.abs(z - mu[idx]) ** 2, k) / cnt
    out = {}
    for w in weights:
        cw = getattr(C.cpi_weights, w)
        st_ = [C.cpi_statistics(sc, C.adc_model.one_bit, pfa, 1.0, L, zz.astype(np.complex64), tt, ss,
                                C.threshold_model.exact, cw)[1] for _, zz, ss, tt in runs]
        e = rc.threshold_scale_from_data(st_[0], pfa)
        out[w] = dict(pfa=float(np.mean(st_[1] >= 1)), pd=float(np.mean(st_[2] >= 1)),
                      pfa_cal=float(np.mean(st_[1] >= e.scale)), pd_cal=float(np.mean(st_[2] >= e.scale)))
    canc = []
    for idx_, z_, _, _ in runs[1:]:
        wl = 1 / s2[idx_]
        num = np.abs((wl * (z_ - mu[idx_])).reshape(-1, L).sum(1)) ** 2
        den = (wl ** 2 * s2[idx_]).reshape(-1, L).sum(1)
        canc.append(float(np.mean(num / den >= -math.log(pfa))))
    out["canceller"] = dict(pfa=canc[0], pd=canc[1])
    return out


def per_x(rs, cnr_db, pool, pfa, L, rooms, rng):
    """Per table entry, over `rooms` clutter phase draws: |c_0|^2, the H0 variance
    V(x) = E_room[|mu|^2 + tr cov] of z, the inverse-variance weight (normalised to
    mean 1) and the clutter share E_room|mu(x)|^2 / V(x) of z's variance."""
    nr = rs.gr.shape[0]
    zeta = np.sqrt(10 ** (np.asarray(cnr_db, float) / 10))
    f = C.rx_filter(rs, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L,
                    C.parse_clutter_model("model", "fixed"))
    U = [probe_u(f, x, nr) for x in pool]
    mu2 = np.zeros(len(pool))
    tr = np.zeros(len(pool))
    for _ in range(rooms):
        gam = zeta * np.exp(2j * np.pi * rng.uniform(size=len(zeta)))
        for k, x in enumerate(pool):
            m, c = conditional_moments(rs, U[k], x, gam)
            mu2[k] += abs(m) ** 2 / rooms
            tr[k] += np.trace(c) / rooms
    V = mu2 + tr
    w = (1 / V) / np.mean(1 / V)
    c0 = np.abs(pool @ rs.gt[:, 0]) ** 2
    return c0, V, w, mu2 / V


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scene-seeds", default="-1,4")
    ap.add_argument("--tables", default="1,2,3")
    ap.add_argument("--rooms", type=int, default=4, help="clutter phase draws per table")
    ap.add_argument("--cpi", type=int, default=16)
    ap.add_argument("--pfa", type=float, default=0.01)
    ap.add_argument("--trials", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--canceller", type=float, default=None, metavar="SNR_DB",
                    help="instead of the rows: Pfa and Pd (Swerling-I target of this mean SNR) of the "
                    "detector, the detector with its data-calibrated scale and a numpy per-x canceller")
    ap.add_argument("--per-x", action="store_true",
                    help="per table entry: |c_0|^2, V(x), weight, clutter share (64 rooms) instead of the rows")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    app = ots.load_app()
    sc0 = ots.scene_of(app)
    ws = ("equal", "inverse_variance")
    if a.canceller is not None:
        print("| scene | table seed | room | equal: Pfa / Pd | equal, calibrated: Pfa / Pd | "
              "inverse variance: Pfa / Pd | inverse variance, calibrated: Pfa / Pd | per-x canceller: Pfa / Pd |")
        print("|---|---|---|---|---|---|---|---|")
    else:
        print("| scene | table seed | room | weights | Pfa measured | Pfa predicted (room-conditional Gaussian) | "
              "mean \\|E Z\\|^2/kappa^2 | Pfa, clutter mean removed | (1-Pfa) quantile |")
        print("|---|---|---|---|---|---|---|---|---|")
    for ss in [int(v) for v in a.scene_seeds.split(",")]:
        sc = dict(sc0)
        if ss >= 0:
            d = isac.scene.draw_scene(ss, sc0["n_tx"], sc0["n_users"])
            sc.update(target_deg=d["target_deg"], clutter_deg=list(d["clutter_deg"]), cnr_db=list(d["cnr_db"]),
                      user_deg=list(d["user_deg"]))
        rs = C.radar_scene(sc["n_tx"], sc["n_rx"], sc["target_deg"], sc["clutter_deg"], sc["snr_r_db"],
                           sc["cnr_db"])
        for ts in [int(v) for v in a.tables.split(",")]:
            pool = np.array([x for _, x, _ in ots.table(sc, ots.true_channel(sc, ts), "table", "theorem1")])
            if a.canceller is not None:
                for room in range(a.rooms):
                    o = canceller_rows(rs, sc["cnr_db"], a.canceller, pool, a.cpi, a.pfa, a.trials, rng, ws)
                    print("| %s | %d | %d | %s | %.4f / %.4f |" % (
                        "tuned" if ss < 0 else ss, ts, room,
                        " | ".join("%.4f / %.4f | %.4f / %.4f" % (o[w]["pfa"], o[w]["pd"], o[w]["pfa_cal"],
                                                                 o[w]["pd_cal"]) for w in ws),
                        o["canceller"]["pfa"], o["canceller"]["pd"]), flush=True)
                continue
            if a.per_x:
                c0, V, w, share = per_x(rs, sc["cnr_db"], pool, a.pfa, a.cpi, 64, rng)
                o = np.argsort(-w)
                print("scene %s table %d: |c_0|^2 / V(x) / weight / clutter share, by weight: %s; "
                      "corr(weight, share) %.2f; share mean %.3f, weighted by w %.3f, by w^2 %.3f"
                      % ("tuned" if ss < 0 else ss, ts,
                         " ".join("%.3f/%.2f/%.2f/%.2f" % (c0[k], V[k], w[k], share[k]) for k in o),
                         np.corrcoef(w, share)[0, 1], share.mean(), np.sum(w * share) / np.sum(w),
                         np.sum(w ** 2 * share) / np.sum(w ** 2)), flush=True)
                continue
            for room in range(a.rooms):
                o = room_rows(rs, sc["cnr_db"], pool, a.cpi, a.pfa, a.trials, rng, ws)
                for w in ws:
                    v = o[w]
                    print("| %s | %d | %d | %s | %.4f | %.4f | %.3f | %.4f | %.3f |"
                          % ("tuned" if ss < 0 else ss, ts, room, w, v["meas"], v["pred"], v["det"], v["canc"],
                             v["q"]), flush=True)


if __name__ == "__main__":
    main()
