#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The MMSE-based 1-bit ISAC baseline of the 1-bit ISAC paper's Figs. 7-8.

The paper compares its safe-margin (CI) QoD design with a "conventional MMSE-based design"
(its Insight 4 and Examples 5-6): the MMSE metric of its refs. [22], [34], [35] keeps the
received symbol close to the (scaled) desired symbol, a circle around s_u, instead of inside
the decision region. The paper does not print that design, so here it is the QoD problem (35)
with the safe margin replaced by the MSE of the 1-bit MMSE precoder of its ref. [22]
(Castaneda et al., receive gain beta > 0):

    min_{x, beta}  ||s - beta H x||^2 + beta^2 U sigma_C^2
    s.t.           QSCNR(x) >= chi,   x in {sqrt(E / (2 N_T)) (+-1 +-j)}^N_T

For a given x the best beta is closed form, beta = max(Re(s^H H x), 0) / (||H x||^2 + U
sigma_C^2), so the MSE is ||s||^2 - max(Re(s^H H x), 0)^2 / (||H x||^2 + U sigma_C^2).
The discrete problem is solved by a feasible coordinate descent: start from the quantised
Wiener precoder (the usual 1-bit MMSE starting point), climb the QSCNR one antenna at a time
until QSCNR >= chi (from the quantised matched beam if that start stalls), then change one
antenna at a time to the alphabet value of least MSE that keeps QSCNR >= chi, until a whole
sweep changes nothing. The result is feasible and 1-flip optimal (no single-antenna change
that keeps the radar constraint lowers the MSE); it is not guaranteed to be the global
optimum (docs/design_api.md gives the measured gap to brute-force enumeration). QSCNR is the
core's radar_scene (eq. (17)/(27), the one implementation the CI precoder also uses).
"""
import math
from dataclasses import dataclass

import numpy as np

from . import _checks as chk
from ._bind import core


@dataclass
class MmseDesign:
    x: np.ndarray    #: transmit vector, N_T values in the 1-bit alphabet
    mse: float       #: ||s - beta H x||^2 + beta^2 U sigma_C^2 at the best beta
    beta: float      #: the receive gain that attains it (>= 0)
    qscnr_db: float  #: QSCNR of x (1-bit ADC model), dB
    feasible: bool   #: QSCNR >= chi met (False: the highest-QSCNR x found is returned)
    sweeps: int      #: coordinate sweeps of both phases, summed over the starts


def alphabet(n_tx, energy=1.0):
    """The four 1-bit DAC values sqrt(E / (2 N_T)) (+-1 +-j), so that ||x||^2 = E."""
    return math.sqrt(energy / (2.0 * n_tx)) * np.array([1 + 1j, 1 - 1j, -1 + 1j, -1 - 1j])


def quantise(v, energy=1.0):
    """Nearest 1-bit DAC vector: the quadrant of each entry (a zero part maps to +), as the
    exact values of alphabet()."""
    v = np.asarray(v, dtype=complex)
    return alphabet(v.size, energy)[2 * (v.real < 0) + (v.imag < 0)]


def _mse_of(z, s, s2, unoise):
    """(MSE, beta) from the noise-free received vector z = H x (vectorised over z's last axis).
    With noise_var = 0 an x with H x = 0 gives r = d = 0: beta = 0 and MSE = ||s||^2 there, not
    0/0 (a NaN would pass every comparison of the descent and end it as a feasible NaN design)."""
    r = np.maximum(np.real(np.sum(np.conj(s) * z, axis=-1)), 0.0)
    d = np.sum(np.abs(z) ** 2, axis=-1) + unoise
    beta = np.divide(r, d, out=np.zeros_like(r), where=d > 0)
    return s2 - r * beta, beta


def mse(H, x, s, noise_var):
    """min over beta >= 0 of ||s - beta H x||^2 + beta^2 U sigma_C^2: (MSE, beta)."""
    H = chk.matrix("H", H)
    x = chk.vector("x", x, H.shape[1])
    s = chk.vector("s", s, H.shape[0])
    noise_var = chk.positive("noise_var", noise_var, allow_zero=True)
    m, b = _mse_of(H @ x, s, float(np.sum(np.abs(s) ** 2)), H.shape[0] * noise_var)
    return float(m), float(b)


def mmse_qod(H, s, scene, chi_db, noise_var, energy=1.0, restarts=4, seed=0, max_sweeps=1000):
    """The MMSE-based QoD design (module docstring) for one symbol vector s on channel H
    (U x N_T, y = H x + n), with the radar of `scene` (core.radar_scene, N_T = H's columns)
    held at QSCNR >= chi_db. Returns MmseDesign."""
    H = chk.matrix("H", H)
    U, N = H.shape
    s = chk.vector("s", s, U, nonzero=True)
    gt = np.asarray(scene.gt)
    if gt.shape[0] != N:
        raise ValueError(f"scene must have n_tx = {N} (H's columns), got {gt.shape[0]}")
    chi = 10 ** (chk.finite("chi_db", chi_db) / 10)
    noise_var = chk.positive("noise_var", noise_var, allow_zero=True)
    energy = chk.positive("energy", energy)
    restarts = chk.integer("restarts", restarts, 0)
    seed = chk.integer("seed", seed, 0)
    max_sweeps = chk.integer("max_sweeps", max_sweeps, 1)
    alph = alphabet(N, energy)
    s2, unoise = float(np.sum(np.abs(s) ** 2)), U * noise_var
    one_bit = core.adc_model.one_bit

    def qscnr(c):
        return scene.solve(c, one_bit).metric

    def climb(x):
        """Cyclic single-antenna ascent of the QSCNR until chi is met or a sweep gains nothing."""
        c, sweeps = gt.T @ x, 0
        q = qscnr(c)
        while q < chi and sweeps < max_sweeps:
            sweeps += 1
            moved = False
            for n in range(N):
                best, bq = None, q
                for a in alph:
                    if a == x[n]:
                        continue
                    qa = qscnr(c + gt[n] * (a - x[n]))
                    if qa > bq * (1 + 1e-12):
                        best, bq = a, qa
                if best is not None:
                    c = c + gt[n] * (best - x[n])
                    x[n], q, moved = best, bq, True
                    if q >= chi:
                        break
            if not moved:
                break
        return x, q, sweeps

    iu, ju = np.triu_indices(N, 1)

    def descend(x, q):
        """Cyclic single-antenna descent of the MSE over the moves that keep QSCNR >= chi; when
        no single change helps, the best feasible change of two antennas (the radar constraint
        can wall a better x off from every single change)."""
        z, c = H @ x, gt.T @ x
        m, _ = _mse_of(z, s, s2, unoise)
        tol, sweeps = 1e-12 * max(s2, 1e-300), 0
        while sweeps < max_sweeps:
            sweeps += 1
            moved = False
            for n in range(N):
                others = alph[alph != x[n]]
                d = others - x[n]
                mc, _ = _mse_of(z[None, :] + d[:, None] * H[:, n][None, :], s, s2, unoise)
                for k in sorted(range(3), key=mc.__getitem__):
                    if mc[k] >= m - tol:
                        break
                    cc = c + gt[n] * d[k]
                    qk = qscnr(cc)
                    if qk >= chi:
                        z, c, m, q = z + H[:, n] * d[k], cc, mc[k], qk
                        x[n], moved = others[k], True
                        break
            if moved:
                continue
            # every pair (i, j) with both entries changed: D[p, a, b] = alph[a] - x[i], alph[b] - x[j]
            di = alph[None, :] - x[iu][:, None]
            dj = alph[None, :] - x[ju][:, None]
            zc = (z[None, None, None, :] + di[:, :, None, None] * H.T[iu][:, None, None, :]
                  + dj[:, None, :, None] * H.T[ju][:, None, None, :])
            mc, _ = _mse_of(zc, s, s2, unoise)
            mc[(di == 0)[:, :, None] | (dj == 0)[:, None, :]] = np.inf
            flat = mc.ravel()
            better = np.flatnonzero(flat < m - tol)
            for f in better[np.argsort(flat[better])]:
                p_, a, b = np.unravel_index(f, mc.shape)
                i, j = iu[p_], ju[p_]
                cc = c + gt[i] * di[p_, a] + gt[j] * dj[p_, b]
                qk = qscnr(cc)
                if qk >= chi:
                    z = z + H[:, i] * di[p_, a] + H[:, j] * dj[p_, b]
                    c, m, q, moved = cc, flat[f], qk, True
                    x[i], x[j] = alph[a], alph[b]
                    break
            if not moved:
                break
        return x, m, q, sweeps

    # the Wiener precoder H^H (H H^H + U sigma_C^2 / E I)^{-1} s (pinv: noise_var may be 0)
    w = H.conj().T @ np.linalg.pinv(H @ H.conj().T + (unoise / energy) * np.eye(U)) @ s
    rng = np.random.default_rng(seed)
    starts = [quantise(w, energy), quantise(np.conj(gt[:, 0]), energy)]
    starts += [alph[rng.integers(0, 4, N)] for _ in range(restarts)]
    best, high, sweeps = None, None, 0
    for x0 in starts:
        x, q, k = climb(x0.copy())
        sweeps += k
        if q < chi:
            if high is None or q > high[1]:
                high = (x, q)
            continue
        x, m, q, k = descend(x, q)
        sweeps += k
        if best is None or m < best[1]:
            best = (x, m, q)
    if best is None:
        x, q = high
        m, b = _mse_of(H @ x, s, s2, unoise)
        return MmseDesign(x, float(m), float(b), 10 * math.log10(max(q, 1e-300)), False, sweeps)
    x, m, q = best
    m, b = _mse_of(H @ x, s, s2, unoise)
    return MmseDesign(x, float(m), float(b), 10 * math.log10(q), True, sweeps)
