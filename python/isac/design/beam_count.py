#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Beamformer-count paper: how many simultaneous beamformers an ISAC design needs .

For K users and a sensing metric with d distinct real quadratic terms:
  sum bound (users cancel the sensing interference):  M* <= K + floor(sqrt(d))
  hypotenuse bound (no cancellation):                 M* <= floor(sqrt(K^2 + d))
  sensing only:                                       floor(sqrt(d))
and `reduce_rank` turns an SDR covariance solution into at most that many
beamformers with the same metric values (Pataki / Huang-Palomar steps).
"""
from dataclasses import dataclass
import math

import numpy as np

from . import _bind
from . import _checks as chk

#: sensing tasks of the core's beamformer-count paper counter (beamformer-count paper; counts reconstructed,
#: counts reconstructed from the beamformer-count paper's abstract), plus "custom" for a given d
TASKS = ("gains_aoa", "aoa", "channel", "detection", "beampattern", "custom")


def quadratic_terms(task, n_targets=1, n_tx=0, d=None):
    """Number d of distinct real quadratic terms of a sensing metric, from the
    C++ core (core.sensing_dof): gains_aoa (7 n^2 + n)/2, aoa n, channel
    n_tx^2, detection 1, beampattern 2 n_tx - 1; custom: the given d."""
    chk.choice("task", task, set(TASKS))
    if task == "custom":
        return chk.integer("d", d, 0)
    n_targets = chk.integer("n_targets", n_targets, 1, 100000)
    n_tx = chk.integer("n_tx", 0 if n_tx is None else n_tx, 0, 100000)
    if task in ("channel", "beampattern") and n_tx < 1:
        raise ValueError(f"task '{task}' needs n_tx >= 1")
    return int(_bind.sensing_dof(task, n_targets, n_tx))


@dataclass
class BeamCountBounds:
    n_users: int
    d: int
    sum_bound: int           #: with sensing-interference cancellation
    hypotenuse_bound: int    #: without cancellation
    sensing_only: int        #: floor(sqrt(d))
    extra_beams_needed: bool  #: False when d <= 2K (Corollary 1): users' beams suffice


def beam_count_bounds(n_users, task="custom", n_targets=1, n_tx=None, d=None):
    """Sum and hypotenuse bounds for K = n_users and a sensing task, from the
    C++ core's beam_count_bound (shared with the null-space precoder).

    With n_tx = N_t given, the array size caps the sensing beams ("How Many
    Simultaneous Beamformers are Needed for ISAC?", after Lemma 2): without
    cancellation they lie in the (N_t - K)-dimensional space orthogonal to the
    users' channels, so M <= N_t (M_s <= N_t - K); with cancellation only the
    rank of the N_t x N_t sensing covariance limits them, M_s <= N_t."""
    K = chk.integer("n_users", n_users, 0, 100000)
    dd = quadratic_terms(task, n_targets, n_tx, d)
    n_tx = 0 if n_tx is None else chk.integer("n_tx", n_tx, 0, 100000)
    h = _bind.beam_count_bound(K, dd, False, n_tx)
    only = _bind.beam_count_bound(0, dd, True, n_tx)
    # sum bound: K user beams plus at most min(floor(sqrt d), N_t) sensing beams
    # (the core's cap n_tx - K holds for a sensing part kept orthogonal to the
    # users, as in the null-space precoder, not for cancelling users)
    s = K + only
    return BeamCountBounds(K, dd, s, h, only, h > K)


# ----------------------------------------------------------------------------
# Rank reduction
# ----------------------------------------------------------------------------
def _pataki(V, A_list, max_rank, tol=1e-12):
    """Reduce X = V V^H keeping tr(A_i X) for every Hermitian A_i and never
    raising tr(X), until rank^2 <= number of (independent) constraints or
    rank <= max_rank. Returns the new factor V (n x r)."""
    while V.shape[1] > max_rank:
        r = V.shape[1]
        # constraint rows: tr(V^H A V Delta) for Delta in the Hermitian basis
        B = [V.conj().T @ A @ V for A in A_list]
        rows = []
        iu = np.triu_indices(r, 1)
        for Bi in B:
            # tr(Bi Delta) = sum_k Bi_kk D_kk + 2 sum_{k<l} Re(Bi_lk D_kl)
            # with D_kl = x + j y: Re(Bi_lk (x + j y)) = Re(Bi_lk) x - Im(Bi_lk) y
            lower = Bi.T[iu]  # Bi_lk for k < l
            rows.append(np.concatenate([np.real(np.diag(Bi)), 2 * lower.real,
                                        -2 * lower.imag]))
        M = np.array(rows) if rows else np.zeros((0, r * r))
        if M.shape[0]:
            _, s, Vh = np.linalg.svd(M)
            rank = int(np.sum(s > tol * max(s[0], 1.0)))
            if rank >= r * r:
                break  # no direction keeps every constraint: Pataki bound reached
            z = Vh[rank]
        else:
            z = np.zeros(r * r)
            z[0] = 1.0
        D = np.zeros((r, r), complex)
        D[np.diag_indices(r)] = z[:r]
        m = len(iu[0])
        D[iu] = z[r:r + m] + 1j * z[r + m:]
        D = D + np.triu(D, 1).conj().T
        # sign: tr(V^H V D) >= 0 so the power does not grow
        if np.real(np.trace(V.conj().T @ V @ D)) < 0:
            D = -D
        w = np.linalg.eigvalsh(D)
        if w[-1] <= 0:
            D = -D
            w = np.linalg.eigvalsh(D)
        Y = np.eye(r) - D / w[-1]
        wy, U = np.linalg.eigh(0.5 * (Y + Y.conj().T))
        keep = wy > 1e-10
        V = V @ (U[:, keep] * np.sqrt(wy[keep]))
    return V


@dataclass
class ReducedBeams:
    W_comm: np.ndarray       #: N x K communication beamformers
    W_sens: np.ndarray       #: N x M_s sensing beamformers
    n_beams: int             #: K + M_s
    bound: int               #: the beamformer-count paper bound that applies


def _factor(R, rel=1e-10, scale=None):
    """V with V V^H = R, dropping eigenvalues below rel * scale (default the
    largest eigenvalue of R)."""
    w, U = np.linalg.eigh(0.5 * (R + R.conj().T))
    ref = w[-1] if scale is None else scale
    keep = w > rel * max(ref, 1e-300)
    return U[:, keep] * np.sqrt(w[keep])


def reduce_rank(H, W_comm, R_sens, metric_matrices, cancellation, power_tol=1e-6):
    """Reduce an ISAC beamforming solution to at most the beamformer-count paper bound.

    H: K x N user channels (row k is h_k^H); W_comm: N x K communication
    beamformers (e.g. principal eigenvectors of a tight SDR); R_sens: N x N
    sensing covariance (PSD); metric_matrices: the d Hermitian A_i whose values
    tr(A_i R), R = W_comm W_comm^H + R_sens, define the sensing metric.

    cancellation=True (sum bound): W_comm is kept, R_sens is reduced keeping
    every tr(A_i R_sens); SINRs (sensing interference cancelled) are unchanged.
    cancellation=False (hypotenuse bound): the total R is reduced keeping
    tr(A_i R) and the K x K matrix H R H^H; the new user beams
    w_k = V G'^+ G e_k (G = H W_comm, G' = H V) reproduce every h_j^H w_k, so
    every SINR (including the interference of the new sensing beams) is
    unchanged, and the sensing beams take the rest of R. The power never grows.

    power_tol: a sensing beam is kept only if it carries more than power_tol
    of the total transmit power tr(W_comm W_comm^H + R_sens). SDR solvers
    leave eigenvalues of ~1e-10 of the total power in R_sens (even when the
    optimum needs no sensing beam at all); those directions are dropped before
    the reduction and empty beams after it, so n_beams counts only beams that
    carry power. The metric values move by at most about power_tol of their
    scale. The threshold is relative to the total power, not to R_sens's own
    largest eigenvalue: a sensing covariance that is entirely solver noise has
    a "largest eigenvalue" of solver noise too.
    """
    H = chk.matrix("H", H, allow_empty=True)
    K, N = H.shape
    W_comm = chk.matrix("W_comm", W_comm, (N, K), allow_empty=True)
    R_sens = chk.hermitian_psd("R_sens", R_sens, N)
    A_list = [_hermitian(f"metric_matrices[{i}]", A, N)
              for i, A in enumerate(metric_matrices)]
    d = len(A_list)
    if not isinstance(cancellation, bool):
        raise ValueError("cancellation must be True or False")
    power_tol = chk.positive("power_tol", power_tol, allow_zero=True)
    if power_tol >= 1:
        raise ValueError(f"power_tol must be in [0, 1), got {power_tol!r}")
    total = np.linalg.norm(W_comm) ** 2 + np.trace(R_sens).real
    # keep eigenvalues above the tolerance, and always above the round-off of
    # the eigendecomposition
    tol = max(power_tol, 1e-13)
    Vs = _factor(R_sens, rel=tol, scale=total)
    if cancellation:
        bound_s = math.isqrt(d)
        V = _pataki(Vs, A_list, bound_s)
        W_s = _factor(V @ V.conj().T, rel=tol, scale=total)
        return ReducedBeams(W_comm.copy(), W_s, K + W_s.shape[1], K + bound_s)
    bound = math.isqrt(K * K + d)
    leak = np.linalg.norm(H @ R_sens @ H.conj().T)
    if leak > 1e-9 * max(np.linalg.norm(H) ** 2 * np.trace(R_sens).real, 1e-300):
        raise ValueError(
            "without cancellation the sensing covariance must be orthogonal to the "
            "user channels (H R_sens H^H = 0, beamformer-count paper Lemma 2); project it with "
            "orthogonal_sensing(H, R_sens) first")
    R = W_comm @ W_comm.conj().T + Vs @ Vs.conj().T
    V = _factor(R)
    cons = list(A_list)
    # H R H^H: K^2 real constraints as Hermitian forms tr(E R) over
    # E = sym/antisym combinations of h_k h_l^H
    for k in range(K):
        hk = H[k].conj()
        cons.append(np.outer(hk, hk.conj()))
        for l in range(k + 1, K):
            hl = H[l].conj()
            P = np.outer(hl, hk.conj())  # tr(P R) = h_k^H R h_l
            cons.append(P + P.conj().T)
            cons.append(1j * (P - P.conj().T))
    V = _pataki(V, cons, max(bound, K))
    G = H @ W_comm            # K x K, entries h_j^H w_k
    Gp = H @ V                # K x r
    # Gp Gp^H = H R H^H = G G^H (sensing orthogonal to H), so Q = Gp^+ G has
    # orthonormal columns (for invertible G), Gp Q = G and V (I - Q Q^H) V^H
    # is the rank r - K remainder left for sensing.
    Q = np.linalg.pinv(Gp) @ G
    W_new = V @ Q
    S = np.eye(V.shape[1]) - Q @ Q.conj().T
    W_s = _factor(V @ S @ V.conj().T, rel=max(tol, 1e-9), scale=total)
    return ReducedBeams(W_new, W_s, K + W_s.shape[1], bound)


def orthogonal_sensing(H, R_sens):
    """Project a sensing covariance onto the null space of the user channels
    (P R P with P = I - H^H (H H^H)^+ H), the form of the beamformer-count paper Lemma 2."""
    H = chk.matrix("H", H, allow_empty=True)
    N = H.shape[1]
    R_sens = chk.hermitian_psd("R_sens", R_sens, N)
    P = np.eye(N) - np.linalg.pinv(H) @ H
    return P @ R_sens @ P.conj().T


def _hermitian(name, A, n):
    A = chk.matrix(name, A, (n, n))
    if np.max(np.abs(A - A.conj().T)) > 1e-9 * max(1.0, np.max(np.abs(A))):
        raise ValueError(f"{name} must be Hermitian")
    return 0.5 * (A + A.conj().T)


def sinrs(H, W_comm, R_sens, noise_var, cancellation):
    """User SINRs of a beam set (sensing interference removed if cancelled)."""
    H = chk.matrix("H", H, allow_empty=True)
    K, N = H.shape
    W_comm = chk.matrix("W_comm", W_comm, (N, K), allow_empty=True)
    R_sens = chk.hermitian_psd("R_sens", R_sens, N)
    noise_var = chk.positive("noise_var", noise_var)
    G = np.abs(H @ W_comm) ** 2
    sig = np.diag(G)
    intf = G.sum(axis=1) - sig
    if not cancellation:
        intf = intf + np.real(np.einsum("kn,nm,km->k", H, R_sens, H.conj()))
    return sig / (intf + noise_var)
