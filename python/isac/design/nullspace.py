#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Null-space paper SDR baseline (Algorithm 3 for problem (8)), kept as a reference.

min sum_k tr(T_k) s.t. (1 + 1/Gamma_k) h_k^H T_k h_k >= h_k^H (sum_j T_j) h_k
+ sigma^2, T_k >= 0, solved by cvxopt; the relaxation is tight, so f_k is the
principal eigenvector of T_k scaled by sqrt(eigenvalue). `compare_minpower`
checks it against the exact uplink-downlink duality fixed point of the C++
core (the null-space precoder's "minpower" design) and times both.
"""
from dataclasses import dataclass
import time

import numpy as np

from . import _bind
from ..util import db2lin
from . import _checks as chk
from ._sdp import cvxopt, embed, psd_clip, solvers


def _inputs(H, sinr, noise_var):
    H = chk.matrix("H", H)
    K, N = H.shape
    if K > N:
        raise ValueError(f"need n_users K = {K} <= n_tx N = {N}")
    g = np.atleast_1d(np.asarray(sinr, float))
    if g.size == 1:
        g = np.full(K, float(g[0]))
    g = chk.vector("sinr", g, n=K, dtype=float, positive_=True)
    return H, g, chk.positive("noise_var", noise_var)


@dataclass
class SdrResult:
    F: np.ndarray            #: N x K precoder (columns f_k)
    total_power: float       #: sum_k tr(T_k) (SDP value)
    sinr: np.ndarray         #: SINRs achieved by F
    rank_ratio: np.ndarray   #: second / first eigenvalue of each T_k (0: rank one)
    seconds: float
    status: str


def sdr_min_power(H, sinr, noise_var):
    """SDR min-power precoder. H: K x N, row k = h_k^H; sinr: linear targets
    (scalar or length K); noise_var: sigma^2.

    cvxopt solves the SDR through its Lagrange dual, an SDP in K variables,
        max sigma^2 sum_k lambda_k  s.t.  I + sum_j lambda_j h_j h_j^H
            - (1 + 1/Gamma_k) lambda_k h_k h_k^H >= 0,  k = 1..K,
    whose LMI multipliers are the SDR matrices T_k (strong duality; the
    primal form in K N^2 real variables is the same problem, only far slower
    in a dense solver). f_k is the principal eigenvector of T_k."""
    H, gam, s2 = _inputs(H, sinr, noise_var)
    K, N = H.shape
    t0 = time.perf_counter()
    hh = [np.outer(H[k].conj(), H[k]) for k in range(K)]  # h_k h_k^H
    Gs, hs = [], []
    I2 = embed(np.eye(N))
    for k in range(K):
        Gk = np.zeros(((2 * N) ** 2, K))
        for j in range(K):
            coef = 1.0 if j != k else -1.0 / gam[k]   # 1 - (1 + 1/Gamma_k)
            Gk[:, j] = -coef * embed(hh[j]).ravel(order="F")
        Gs.append(cvxopt.matrix(Gk))
        hs.append(cvxopt.matrix(I2))
    sol = None
    for t in (1e-9, 1e-7, 1e-6):
        opts = {"show_progress": False, "abstol": t, "reltol": t, "feastol": min(t, 1e-8),
                "maxiters": 200}
        try:
            sol = solvers.sdp(cvxopt.matrix(-np.ones(K)), Gs=Gs, hs=hs, options=opts)
        except ArithmeticError:
            sol = None
            continue
        if sol["x"] is not None and sol["status"] == "optimal":
            break
    if sol is None or sol["x"] is None:
        raise ValueError("SDR failed: the SINR targets are probably infeasible")
    F = np.zeros((N, K), complex)
    ratio = np.zeros(K)
    total = 0.0
    for k in range(K):
        Z = np.array(sol["zs"][k])
        # Hermitian X from the real embedding; tr(embed(A) Z) = 2 tr(A X)
        X = 0.5 * (Z[:N, :N] + Z[N:, N:]) + 0.5j * (Z[N:, :N] - Z[:N, N:])
        T = psd_clip(2.0 * s2 * X)
        total += np.trace(T).real
        w, V = np.linalg.eigh(T)
        F[:, k] = V[:, -1] * np.sqrt(max(w[-1], 0.0))
        ratio[k] = max(w[-2], 0.0) / w[-1] if N > 1 and w[-1] > 0 else 0.0
    secs = time.perf_counter() - t0
    status = sol["status"]
    return SdrResult(F, float(total), achieved_sinr(H, F, s2), ratio, secs, status)


def achieved_sinr(H, F, noise_var):
    """SINR_k = |h_k^H f_k|^2 / (sum_{j != k} |h_k^H f_j|^2 + sigma^2)."""
    H = chk.matrix("H", H)
    F = chk.matrix("F", F, (H.shape[1], H.shape[0]))
    noise_var = chk.positive("noise_var", noise_var)
    G = np.abs(H @ F) ** 2
    sig = np.diag(G)
    return sig / (G.sum(axis=1) - sig + noise_var)


@dataclass
class MinPowerComparison:
    power_sdr: float
    power_duality: float
    rel_diff: float
    seconds_sdr: float
    seconds_duality: float
    sdr: SdrResult


def compare_minpower(H, sinr, noise_var):
    """SDR vs the duality fixed point of the C++ core (core.minpower_precoder)."""
    H, gam, s2 = _inputs(H, sinr, noise_var)
    sdr = sdr_min_power(H, gam, s2)
    t0 = time.perf_counter()
    res = _bind.minpower_precoder(H, gam, s2)
    t_dual = time.perf_counter() - t0
    p_dual = float(res["total_power"])
    return MinPowerComparison(sdr.total_power, p_dual,
                              abs(sdr.total_power - p_dual) / p_dual,
                              sdr.seconds, t_dual, sdr)


@dataclass
class Table1Row:
    n_tx: int
    n_users: int
    power_sdr: float
    power_duality: float
    rel_diff: float
    seconds_sdr: float            #: SDR min-power design (cvxopt)
    seconds_duality: float        #: duality fixed point (C++ core)
    seconds_mm_linesearch: float  #: full SD-ISAC design: min-power + MM-LineSearch (C++ core)


def table1(n_tx=20, n_users=(2, 4, 6, 8, 10), sinr_db=5.0, noise_var=0.01, power=1.0,
           targets_deg=(-40.0, 0.0, 40.0), beam_width_deg=10.0, frame_len=32, rng=None):
    """Null-space paper Table-I-style timing: for each K, the SDR min-power time next
    to the null-space precoder's design time (duality fixed point +
    MM-LineSearch beampattern, the streaming block's design), on i.i.d.
    Rayleigh channels. Defaults: our reproduction set (the null-space paper does not list its values)."""
    n_tx = chk.integer("n_tx", n_tx, 2, 4096)
    Ks = [chk.integer("n_users", k, 1, n_tx - 1) for k in n_users]
    sinr_db = chk.finite("sinr_db", sinr_db)
    noise_var = chk.positive("noise_var", noise_var)
    power = chk.positive("power", power)
    rng = np.random.default_rng(rng)
    rows = []
    for K in Ks:
        H = (rng.standard_normal((K, n_tx)) + 1j * rng.standard_normal((K, n_tx))) / np.sqrt(2)
        cmp = compare_minpower(H, db2lin(sinr_db), noise_var)
        t0 = time.perf_counter()
        _bind.nullspace_design(H, power, sinr_db, noise_var, targets_deg, beam_width_deg,
                               frame_len)
        t_mm = time.perf_counter() - t0
        rows.append(Table1Row(n_tx, K, cmp.power_sdr, cmp.power_duality, cmp.rel_diff,
                              cmp.seconds_sdr, cmp.seconds_duality, t_mm))
    return rows
