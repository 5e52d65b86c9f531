#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The CI precoder scenario family (docs/ci_precoder.md, "Scenario family") and
its exact-ILP MM reference.

A draw is a function of (N_T, index) alone, so the family's N_T = 32 draws are
the same whatever other N_T a script asks for:

    U ~ {2..6}, M ~ {4, 8, 16}, Gamma ~ U[0, 8] dB, SNR_C = E/sigma_C^2 ~ U[0, 10] dB,
    N_R ~ {16..128}, target ~ U[-60, 60] deg, Q ~ {0..4} clutter patches at
    U[-80, 80] deg (>= 5 deg from the target, >= 2 deg apart) with CNR ~ U[10, 40] dB,
    h_u ~ CN(0, I), symbol indices uniform; E = 1, SNR_R = 15 dB (it scales the
    QSCNR and leaves the design unchanged).

The reference of an instance is the best known QoS design: the exact-ILP MM loop
(every step solved by scipy.optimize.milp/HiGHS) from several starts (the target
beam, the max-min margin point, random feasible points, the block's designs), and
any design a configuration ever returned that was better.
"""

import hashlib
import json
import os

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

FAMILY_SEED = 20261127
NT_VALUES = (16, 32, 64, 128)
SNR_R_DB = 15.0


def draw(n_tx, index, seed=FAMILY_SEED):
    """Instance `index` of the family at N_T = n_tx (a dict of plain values)."""
    rng = np.random.default_rng([seed, n_tx, index])
    U = int(rng.integers(2, 7))
    M = int(rng.choice([4, 8, 16]))
    gamma_db = round(float(rng.uniform(0.0, 8.0)), 2)
    snr_c_db = round(float(rng.uniform(0.0, 10.0)), 2)
    n_rx = int(rng.integers(16, 129))
    target = round(float(rng.uniform(-60.0, 60.0)), 2)
    Q = int(rng.integers(0, 5))
    clutter = []
    while len(clutter) < Q:
        a = round(float(rng.uniform(-80.0, 80.0)), 2)
        if abs(a - target) >= 5.0 and all(abs(a - b) >= 2.0 for b in clutter):
            clutter.append(a)
    cnr = [round(float(v), 2) for v in rng.uniform(10.0, 40.0, Q)]
    H = (rng.standard_normal((U, n_tx)) + 1j * rng.standard_normal((U, n_tx))) / np.sqrt(2)
    k = [int(v) for v in rng.integers(0, M, U)]
    return dict(n_tx=n_tx, index=index, n_users=U, psk_order=M, gamma_db=gamma_db,
                snr_c_db=snr_c_db, n_rx=n_rx, target_deg=target, clutter_deg=clutter,
                cnr_db=cnr, H=H, k=k)


def key(inst):
    """Stable identity of an instance (its parameters and channel)."""
    h = hashlib.sha1()
    for f in ("n_tx", "n_users", "psk_order", "gamma_db", "snr_c_db", "n_rx", "target_deg"):
        h.update(repr(inst[f]).encode())
    h.update(repr(inst["clutter_deg"]).encode() + repr(inst["cnr_db"]).encode())
    h.update(np.ascontiguousarray(inst["H"]).tobytes() + repr(inst["k"]).encode())
    return f"{inst['n_tx']}/{inst['index']}/{h.hexdigest()[:12]}"


def _core():
    """gnuradio.isac.core, imported on first use: --export (draws only) must run
    without a build of the module."""
    from gnuradio import isac
    return isac.core


def noise_var(inst):
    return 10.0 ** (-inst["snr_c_db"] / 10.0)


def solver(inst, **config):
    """isac.core.ci_solver for the instance (E = 1) with its channel set."""
    S = _core().ci_solver(inst["n_tx"], inst["n_users"], n_rx=inst["n_rx"],
                          target_deg=inst["target_deg"], clutter_deg=inst["clutter_deg"],
                          snr_r_db=SNR_R_DB, cnr_db=inst["cnr_db"],
                          psk_order=inst["psk_order"], power=1.0,
                          noise_var=noise_var(inst), gamma_db=inst["gamma_db"], **config)
    S.set_channel(inst["H"])
    return S


def rotation_class(k, M):
    """Rotation classes of symbol index vectors (rows of k), as ci_precoder designs
    them: turning every symbol by a quarter turn (k_u -> k_u + M/4, M % 4 == 0) turns
    the design by j, so the block designs the canonical member kc (kc_0 < M/4) and
    outputs j^r x(kc), with k = kc + r M/4 (mod M). Returns (kc, r); M % 4 != 0:
    every vector is its own class (k, 0)."""
    k = np.asarray(k)
    if M % 4:
        return k.copy(), np.zeros(k.shape[:-1], dtype=int)
    r = k[..., 0] // (M // 4)
    return (k - (r * (M // 4))[..., None]) % M, r


def quarter_turn(x, r):
    """j^r x, exactly (a swap and a sign per entry, as on the block's floats)."""
    x = np.asarray(x)
    y = np.empty_like(x)
    re, im = x.real, x.imag
    y.real, y.imag = ((re, im), (-im, re), (-re, -im), (im, -re))[int(r) % 4]
    return y


def class_design(S, k, M):
    """The block's design of the symbol indices k with the core solver S (its
    channel set): the solver's result for k's canonical member, its "x" turned by
    j^r (complex64, as the block outputs it)."""
    kc, r = rotation_class(k, M)
    res = dict(S.solve_indices([int(v) for v in kc]))
    res["x"] = quarter_turn(np.asarray(res["x"]).astype(np.complex64), r)
    return res


def block_args(inst, solver="realtime", threads=1):
    """Positional arguments of isac.ci_precoder for the instance."""
    return (inst["n_tx"], inst["n_users"], inst["psk_order"], 1.0, noise_var(inst),
            inst["gamma_db"], inst["target_deg"], inst["clutter_deg"], SNR_R_DB,
            inst["cnr_db"], inst["n_rx"], "qos", 10.0, "1bit", solver, 10, 1000, threads)


def beam_direction(inst):
    """g_T(theta_0)^*: the unquantised target beam (module steering convention)."""
    sc = _core().radar_scene(inst["n_tx"], inst["n_rx"], inst["target_deg"],
                             inst["clutter_deg"], SNR_R_DB, inst["cnr_db"])
    return np.conj(np.asarray(sc.gt)[:, 0])


def quantize(x):
    """The 1-bit alphabet point nearest to the direction of x (E = 1)."""
    c = np.sqrt(1.0 / (2 * len(x)))
    return c * (np.where(x.real < 0, -1, 1) + 1j * np.where(x.imag < 0, -1, 1))


def constraints(inst):
    """(At, lambda vector, c) of the instance's ILPs."""
    M = inst["psk_order"]
    s = np.exp(2j * np.pi * np.asarray(inst["k"]) / M)
    core = _core()
    At = np.asarray(core.ci_real_constraints(core.ci_constraint_matrix(inst["H"], s, M)))
    lam = core.safe_margin_threshold(10 ** (inst["gamma_db"] / 10), noise_var(inst))
    c = np.sqrt(1.0 / (2 * inst["n_tx"]))
    return At, np.full(At.shape[0], lam), c


def feasible(At, lam, xt):
    """The block's feasibility test (relative tolerance 1e-10)."""
    c = np.abs(xt).max()
    tol = 1e-10 * max(c * np.abs(At).max(), np.abs(lam).max())
    return bool(np.all(At @ xt - lam >= -tol))


# ------------------------------------------------------------------ exact ILPs

def _milp(obj, At, lam, c, time_limit, maxmin=False):
    """x in {-c, c}^n maximising obj^T x (maxmin: max t with At x - t >= lam) s.t.
    At x >= lam. Returns (xt or None, status, t). Rows are tightened by 1e-7 so that
    HiGHS's feasibility tolerance cannot return a point the block would reject."""
    m, n = At.shape
    tight = 1e-7 * (1.0 + np.abs(lam))
    rhs = lam + c * At.sum(axis=1) + tight
    if maxmin:
        # variables [b; t], t free within the achievable range
        T = c * np.abs(At).sum(axis=1).max() + np.abs(lam).max() + 1.0
        A = np.hstack([2 * c * At, -np.ones((m, 1))])
        cost = np.zeros(n + 1)
        cost[n] = -1.0
        res = milp(cost, integrality=np.r_[np.ones(n), 0],
                   bounds=Bounds(np.r_[np.zeros(n), -T], np.r_[np.ones(n), T]),
                   constraints=LinearConstraint(A, rhs, np.inf),
                   options=dict(time_limit=time_limit, mip_rel_gap=1e-9))
    else:
        res = milp(-(2 * c * obj), integrality=np.ones(n), bounds=Bounds(0, 1),
                   constraints=LinearConstraint(2 * c * At, rhs, np.inf),
                   options=dict(time_limit=time_limit, mip_rel_gap=1e-9))
    if res.x is None:
        return None, int(res.status), None
    xt = c * (2 * np.round(res.x[:n]) - 1)
    t = float(np.min(At @ xt - lam))
    return xt, int(res.status), t


def exact_mm(S, At, lam, c, x_start, time_limit, max_iter=20, tol=1e-6):
    """MM with every step solved by HiGHS, from x_start (complex N_T vector, the
    surrogate is built there). Returns (qscnr, x, steps, timeouts); qscnr None when no
    feasible point was reached."""
    N = At.shape[1] // 2
    x_lin = np.asarray(x_start, complex)
    start_ok = feasible(At, lam, np.r_[x_lin.real, x_lin.imag])
    cur, qcur = (x_lin, S.metric(x_lin)) if start_ok else (None, -np.inf)
    steps = timeouts = 0
    for _ in range(max_iter):
        w, _, _ = S.surrogate(x_lin)
        xt, status, _ = _milp(np.asarray(w), At, lam, c, time_limit)
        steps += 1
        timeouts += status == 1
        if xt is None or not feasible(At, lam, xt):
            break
        x = xt[:N] + 1j * xt[N:]
        q = S.metric(x)
        if cur is not None and q <= qcur * (1 + tol):
            break
        cur, qcur = x, q
        x_lin = x
    return (None if cur is None else float(qcur)), cur, steps, timeouts


# ------------------------------------------------------------------ reference cache

def load(path):
    if path and os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {}


def save(path, cache):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(cache, f, indent=0, sort_keys=True)
    os.replace(tmp, path)


def encode_x(x):
    """A 1-bit design as a sign string (re, im per antenna: '+', '-')."""
    x = np.asarray(x)
    return "".join(("+" if v >= 0 else "-") for v in np.r_[x.real, x.imag])


def decode_x(s, n_tx):
    c = np.sqrt(1.0 / (2 * n_tx))
    v = np.array([c if ch == "+" else -c for ch in s])
    return v[:n_tx] + 1j * v[n_tx:]


def best_known(entry):
    """(qscnr, x string, source) of the best design recorded for an instance."""
    best = (None, None, None)
    for src, r in entry.get("runs", {}).items():
        if r.get("q") is not None and (best[0] is None or r["q"] > best[0]):
            best = (r["q"], r["x"], src)
    return best


def reference_feasibility(entry):
    """True (a feasible point is known), False (the max-min margin ILP proved every
    point infeasible) or None (unknown: the max-min ILP timed out below zero)."""
    if best_known(entry)[0] is not None:
        return True
    mm = entry.get("maxmin")
    if mm is not None and mm.get("proven") and mm["t"] is not None and mm["t"] < 0:
        return False
    if mm is not None and mm.get("infeasible"):
        return False
    return None


def export(path, n_tx_values, draws):
    """Writes the family's first `draws` instances per N_T as text for the C++
    benchmarks, one instance per line: n_tx index U M gamma_db snr_c_db n_rx
    target_deg Q clutter_deg[Q] cnr_db[Q] then H row-major as re im pairs, then k[U]."""
    with open(path, "w") as f:
        for N in n_tx_values:
            for i in range(draws):
                d = draw(N, i)
                v = [d["n_tx"], d["index"], d["n_users"], d["psk_order"], d["gamma_db"],
                     d["snr_c_db"], d["n_rx"], d["target_deg"], len(d["clutter_deg"])]
                v += d["clutter_deg"] + d["cnr_db"]
                v += [t for z in d["H"].ravel() for t in (z.real, z.imag)]
                v += d["k"]
                f.write(" ".join(repr(float(t)) if isinstance(t, float) else str(t)
                                 for t in v) + "\n")


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="Export the CI scenario family for the C++ "
                                 "benchmarks (bench_ci_precoder --family FILE).")
    ap.add_argument("--export", required=True, help="output file")
    ap.add_argument("--n-tx", type=int, nargs="+", default=list(NT_VALUES))
    ap.add_argument("--draws", type=int, default=20)
    a = ap.parse_args()
    export(a.export, a.n_tx, a.draws)
