#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Bistatic CRB paper: bistatic CRB-rate trade-off (Sec. II, eq. (23), Sec. III-B, IV-B, Prop. 1-3, simulations).

A BS with n_tx antennas serves one single-antenna user (channel h) and
illuminates a target at the known DoD phi; a sensing receiver with n_rx
antennas estimates the DoA theta. Every design here is a transmit covariance
pair (R_G Gaussian information, R_D deterministic sensing); the sensing
metric depends on it only through p_G = a^H R_G a and p_D = a^H R_D a, and
the CRBs themselves come from the shared C++ core (core/crb.h).

All designs live in span{a, h}: projecting any covariance onto that span
keeps a^H R a and h^H R h and cannot raise the trace, so the SDPs are solved
with 2 x 2 Hermitian matrices in an orthonormal basis of the span (the
`method="full"` variant solves the same SCA in the full n_tx dimensions and is
kept to check that claim).
"""
from dataclasses import dataclass, field

import numpy as np

from . import _bind
from . import _checks as chk
from ._sdp import HermitianSDP, psd_clip


@dataclass
class BistaticScene:
    """Geometry and link budget of the bistatic CRB paper bistatic set-up."""
    n_tx: int
    n_rx: int
    dod_deg: float          #: target direction seen from the BS (phi, known)
    doa_deg: float          #: target direction seen from the receiver (theta)
    h: np.ndarray           #: BS -> user channel, length n_tx (h^H x convention)
    power: float            #: transmit power budget P (W)
    noise_comm: float       #: user noise variance sigma_c^2 (W)
    noise_sens: float       #: sensing receiver noise variance sigma_s^2 (W)
    beta_abs: float         #: |beta|, BS-target-receiver amplitude gain
    cpi_len: int            #: L, snapshots per CRB
    #: the paper's transmit vector (midpoint reference, sign +1): a^H x is the
    #: field toward the DoD, the module's a(dod)^T x up to a phase
    a: np.ndarray = field(repr=False, default=None)
    #: the module's receive response to the target at doa_deg (midpoint
    #: reference, unnormalised; docs/conventions.md) and its derivative
    b: np.ndarray = field(repr=False, default=None)
    bdot: np.ndarray = field(repr=False, default=None)

    @property
    def k_sens(self):
        """k = |beta|^2 n_rx / sigma_s^2 (receive SNR per unit p_G)."""
        return self.beta_abs ** 2 * self.n_rx / self.noise_sens

    @property
    def target_snr_db(self):
        """isac_channel's target_snr_db for this scene: the blocks' unit-norm
        model r = beta' g_R g_T^T x has |beta'|^2 = |beta|^2 n_tx n_rx, so the
        target-to-noise ratio is |beta|^2 n_tx n_rx / sigma_s^2 (docs/conventions.md)."""
        return float(10.0 * np.log10(self.beta_abs ** 2 * self.n_tx * self.n_rx / self.noise_sens))

    @property
    def snr_max(self):
        """Largest user SNR, P ||h||^2 / sigma_c^2 (all power towards h)."""
        return self.power * np.vdot(self.h, self.h).real / self.noise_comm

    @property
    def rate_max(self):
        return float(np.log2(1.0 + self.snr_max))


def make_scene(n_tx, n_rx, dod_deg, doa_deg, h, power, noise_comm, noise_sens,
               beta_abs, cpi_len):
    """Validated BistaticScene (angles in the module convention,
    docs/conventions.md); a, b, bdot unnormalised with the midpoint reference."""
    n_tx = chk.integer("n_tx", n_tx, 1, 4096)
    n_rx = chk.integer("n_rx", n_rx, 2, 4096)
    dod_deg = chk.angle_deg("dod_deg", dod_deg)
    doa_deg = chk.angle_deg("doa_deg", doa_deg, -89.999, 89.999)
    h = chk.vector("h", h, n=n_tx, nonzero=True)
    power = chk.positive("power", power)
    noise_comm = chk.positive("noise_comm", noise_comm)
    noise_sens = chk.positive("noise_sens", noise_sens)
    beta_abs = chk.positive("beta_abs", beta_abs)
    cpi_len = chk.integer("cpi_len", cpi_len, 1)
    a = np.asarray(_bind.steering_midpoint(n_tx, dod_deg))
    b = np.asarray(_bind.receive_steering(n_rx, doa_deg))
    bdot = np.asarray(_bind.receive_steering_derivative(n_rx, doa_deg))
    return BistaticScene(n_tx, n_rx, dod_deg, doa_deg, h, power, noise_comm,
                         noise_sens, beta_abs, cpi_len, a, b, bdot)


def _check_scene(scene):
    if not isinstance(scene, BistaticScene) or scene.a is None:
        raise ValueError("scene must be a BistaticScene from make_scene()")
    return scene


def crb(scene, p_det, p_gauss, cpi_len=None):
    """CRB(theta) in rad^2 for the given p_D = a^H R_D a, p_G = a^H R_G a
    (core crb_mixed: p_gauss = 0 gives CRB_D, p_det = 0 gives CRB_G)."""
    _check_scene(scene)
    p_det = chk.positive("p_det", p_det, allow_zero=True)
    p_gauss = chk.positive("p_gauss", p_gauss, allow_zero=True)
    if p_det == 0 and p_gauss == 0:
        return np.inf
    L = scene.cpi_len if cpi_len is None else chk.integer("cpi_len", cpi_len, 1)
    return _bind.crb_mixed(scene.b, scene.bdot, scene.beta_abs, p_det, p_gauss, L,
                           scene.noise_sens)


@dataclass
class CovarianceDesign:
    """A designed transmit covariance pair and its figures of merit."""
    R_G: np.ndarray          #: Gaussian information covariance (n_tx x n_tx)
    R_D: np.ndarray          #: deterministic sensing sample covariance
    p_gauss: float           #: a^H R_G a
    p_det: float             #: a^H R_D a
    sinr: float              #: user SINR h^H R_G h / (h^H R_D h + sigma_c^2)
    rate: float              #: log2(1 + sinr), bit/s/Hz
    power_used: float        #: tr(R_G + R_D)
    crb: float               #: rad^2, under `model`
    model: str               #: "gaussian", "mixed" or "known"
    iterations: int = 0
    objective: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def R(self):
        return self.R_G + self.R_D


def _finish(scene, R_G, R_D, model, iterations=0, objective=None):
    a, h = scene.a, scene.h
    p_g = max(0.0, np.vdot(a, R_G @ a).real)
    p_d = max(0.0, np.vdot(a, R_D @ a).real)
    sig = np.vdot(h, R_G @ h).real
    intf = np.vdot(h, R_D @ h).real
    if model == "known":
        # the receiver knows every realisation: all power is "deterministic"
        crb_v = crb(scene, p_g + p_d, 0.0)
        sinr = (sig + intf) / scene.noise_comm
    else:
        crb_v = crb(scene, p_d, p_g)
        sinr = sig / (intf + scene.noise_comm)
    return CovarianceDesign(R_G, R_D, p_g, p_d, sinr, float(np.log2(1 + sinr)),
                            float(np.trace(R_G + R_D).real), crb_v, model, iterations,
                            np.zeros(0) if objective is None else np.asarray(objective))


def _threshold(scene, name, value):
    v = chk.positive(name, value, allow_zero=True)
    if v * scene.noise_comm > scene.power * np.vdot(scene.h, scene.h).real * (1 + 1e-12):
        raise ValueError(
            f"{name} = {v:g} is infeasible: the largest achievable value is "
            f"P ||h||^2 / sigma_c^2 = {scene.snr_max:g}")
    return v


def _gaussian_closed_form(scene, snr_min):
    """bistatic CRB paper Prop. 1: max a^H R a s.t. h^H R h >= Gamma sigma^2, tr R <= P."""
    a, h, P = scene.a, scene.h, scene.power
    n = scene.n_tx
    need = snr_min * scene.noise_comm
    if P * abs(np.vdot(h, a)) ** 2 / n >= need:
        return (P / n) * np.outer(a, a.conj())
    hn2 = np.vdot(h, h).real
    a_perp = a - (np.vdot(h, a) / hn2) * h
    x1 = np.sqrt(min(1.0, need / (P * hn2)))
    x2 = np.sqrt(max(0.0, 1.0 - x1 ** 2))
    ap = np.linalg.norm(a_perp)
    w = x1 * np.exp(1j * np.angle(np.vdot(h, a))) * h / np.sqrt(hn2)
    if ap > 1e-12 * np.linalg.norm(a):
        w = w + x2 * a_perp / ap
    return P * np.outer(w, w.conj())


def gaussian_snr_design(scene, snr_min):
    """Gaussian-only CRB-optimal covariance with user SNR >= snr_min (linear).

    Closed form in span{a, h} (bistatic CRB paper Prop. 1-3); rank one. CRB is CRB_G."""
    _check_scene(scene)
    snr_min = _threshold(scene, "snr_min", snr_min)
    R = _gaussian_closed_form(scene, snr_min)
    return _finish(scene, R, np.zeros_like(R), "gaussian")


def known_realisation_design(scene, snr_min):
    """Benchmark of the bistatic CRB paper V-B1: the sensing receiver knows every realisation,
    so the metric is CRB_D of the whole covariance; the optimal covariance is
    the same closed form as the Gaussian-only design."""
    _check_scene(scene)
    snr_min = _threshold(scene, "snr_min", snr_min)
    R = _gaussian_closed_form(scene, snr_min)
    return _finish(scene, R, np.zeros_like(R), "known")


def _span_basis(scene):
    M = np.column_stack([scene.a, scene.h])
    U, s, _ = np.linalg.svd(M, full_matrices=False)
    r = int(np.sum(s > 1e-10 * s[0]))
    return U[:, :r]


def superposition_design(scene, sinr_min, method="span", max_iter=50, tol=1e-9, init="best"):
    """Gaussian + deterministic superposition with user SINR >= sinr_min (P4).

    maximise p_D + k p_G^2/(1 + k p_G), k = |beta|^2 n_rx/sigma_s^2, s.t.
    h^H R_G h >= Gamma (h^H R_D h + sigma_c^2), tr(R_G + R_D) <= P, by SCA
    (the bistatic paper's Sec. IV): the convex term is linearised at the
    current p_G and each step is a linear SDP solved by cvxopt. method="span"
    solves it with 2 x 2 matrices in span{a, h}; method="full" in the full
    n_tx dimensions. The objective sequence of the returned run is in
    `objective` and is non-decreasing.

    The objective is convex in p_G, so the problem is not convex and SCA stops
    at a stationary point that depends on its start. Along the trade-off
    between p_G and p_D the objective can have two local maxima: the
    Gaussian-only closed form (all power Gaussian, where SCA started in the
    paper) and a mostly deterministic design with a little Gaussian power.
    init: "gaussian" starts at the Gaussian-only closed form, "deterministic"
    at the largest-p_D design (the first step linearised at p_G = 0), "best"
    (default) runs both and keeps the better (random scenes: the Gaussian
    start alone was up to 4 % below an SLSQP multistart).
    """
    _check_scene(scene)
    sinr_min = _threshold(scene, "sinr_min", sinr_min)
    chk.choice("method", method, {"span", "full"})
    max_iter = chk.integer("max_iter", max_iter, 1, 10000)
    tol = chk.positive("tol", tol)
    chk.choice("init", init, {"best", "gaussian", "deterministic"})
    if init == "best":
        runs = [superposition_design(scene, sinr_min, method, max_iter, tol, i)
                for i in ("gaussian", "deterministic")]
        k = scene.k_sens
        return max(runs, key=lambda d: d.p_det + _mix_gain(d.p_gauss, k))

    P, n_tx, k = scene.power, scene.n_tx, scene.k_sens
    U = _span_basis(scene) if method == "span" else np.eye(n_tx, dtype=complex)
    n = U.shape[1]
    # normalised data: powers in units of P, p in units of P n_tx, h of unit norm
    hn = np.linalg.norm(scene.h)
    a_u = U.conj().T @ scene.a / np.sqrt(n_tx)
    h_u = U.conj().T @ scene.h / hn
    Aa = np.outer(a_u, a_u.conj())
    Hh = np.outer(h_u, h_u.conj())
    pscale = P * n_tx

    def f(p):  # the convex part, in absolute p units
        return _mix_gain(p, k)

    def fprime(p):
        return _mix_gain_slope(p, k)

    def step(p_g):
        sdp = HermitianSDP([n, n])        # block 0: G/P, block 1: D/P
        sdp.c = -(fprime(p_g) * sdp.functional(0, Aa) + sdp.functional(1, Aa))
        # SINR: h^H G h - Gamma h^H D h >= Gamma sigma^2/(P ||h||^2)
        sdp.add_le(-sdp.functional(0, Hh) + sinr_min * sdp.functional(1, Hh),
                   -sinr_min / scene.snr_max)
        eye = np.eye(n)
        sdp.add_le(sdp.functional(0, eye) + sdp.functional(1, eye), 1.0)
        (G, D), _ = sdp.solve()
        G, D = psd_clip(G), psd_clip(D)
        R_G_new = P * U @ G @ U.conj().T
        R_D_new = P * U @ D @ U.conj().T
        p_g_new = np.vdot(scene.a, R_G_new @ scene.a).real
        return R_G_new, R_D_new, p_g_new, np.vdot(scene.a, R_D_new @ scene.a).real + f(p_g_new)

    if init == "gaussian":
        R_G = _gaussian_closed_form(scene, sinr_min)
        R_D = np.zeros_like(R_G)
        p_g = np.vdot(scene.a, R_G @ scene.a).real
        history = [f(p_g)]
    else:
        # linearised at p_G = 0 the step maximises p_D alone: a feasible start
        R_G, R_D, p_g, val = step(0.0)
        history = [val]
    it = 0
    for it in range(1, max_iter + 1):
        R_G_new, R_D_new, p_g_new, val = step(p_g)
        if val < history[-1]:
            # solver noise below its tolerance: keep the previous iterate
            break
        R_G, R_D, p_g = R_G_new, R_D_new, p_g_new
        history.append(val)
        if val - history[-2] <= tol * max(val, 1e-300 * pscale):
            break
    R_G, R_D = _enforce(scene, R_G, R_D, sinr_min)
    return _finish(scene, R_G, R_D, "mixed", it, history)


def _mix_gain(p_gauss, k):
    """Useful part of the Gaussian power for the DoA: p_G g/(1 + g) with
    g = k p_G (CRB_mix is inversely proportional to p_D + this). Convex."""
    return k * p_gauss * p_gauss / (1.0 + k * p_gauss)


def _mix_gain_slope(p_gauss, k):
    """d/dp of _mix_gain: the slope of the SCA's linearisation."""
    return 1.0 - 1.0 / (1.0 + k * p_gauss) ** 2


def _enforce(scene, R_G, R_D, sinr_min):
    """Remove solver-tolerance violations (~1e-10): scale into the power budget,
    then restore the SINR by moving the least power from R_D to R_G (same total
    power). Shrinking R_D alone would also work but costs p_D a relative
    violation / (h^H R_D h / sigma_c^2), which is large when the deterministic
    part is nearly orthogonal to the user (1e-10 became 2e-5)."""
    tot = np.trace(R_G + R_D).real
    if tot > scene.power:
        R_G, R_D = R_G * scene.power / tot, R_D * scene.power / tot
    h = scene.h
    sig = np.vdot(h, R_G @ h).real
    intf = np.vdot(h, R_D @ h).real
    need = sinr_min * (intf + scene.noise_comm)
    if not sig < need:
        return R_G, R_D
    t_g, t_d = np.trace(R_G).real, np.trace(R_D).real
    if sig > 0 and t_d > 0:
        # (1 + e) sig >= Gamma ((1 - e t_g/t_d) intf + sigma^2)
        e = (need - sig) / (sig + sinr_min * intf * t_g / t_d) * (1 + 1e-9)
        d = e * t_g / t_d
        if d < 1:
            G2, D2 = R_G * (1 + e), R_D * (1 - d)
            if np.vdot(h, G2 @ h).real >= sinr_min * (np.vdot(h, D2 @ h).real + scene.noise_comm):
                return G2, D2
    if intf > 0:
        # shrink the deterministic part until the SINR holds (power only drops)
        s = max(0.0, (sig / sinr_min - scene.noise_comm) / intf) if sinr_min > 0 else 1.0
        R_D = R_D * min(1.0, s)
    return R_G, R_D


# ----------------------------------------------------------------------------
# Benchmarks and the boundary
# ----------------------------------------------------------------------------
@dataclass
class TradeoffCurve:
    """One CRB-rate curve: arrays of equal length, ready to plot."""
    name: str
    rate: np.ndarray         #: bit/s/Hz
    crb: np.ndarray          #: rad^2
    param: np.ndarray        #: the swept parameter (rate target, fraction, ...)


def time_switching(scene, fractions=None, n_points=20):
    """Bistatic CRB paper V-B2: a fraction t of the L snapshots senses with the
    deterministic MRT beam R_D = (P/n_tx) a a^H (CRB_D over t L snapshots, i.e.
    CRB_D(L)/t), the rest serves the user with R_G = P h h^H/||h||^2."""
    _check_scene(scene)
    t = _fractions(fractions, n_points)
    crb_full = crb(scene, scene.power * scene.n_tx, 0.0)
    with np.errstate(divide="ignore"):
        crbs = np.where(t > 0, crb_full / np.where(t > 0, t, 1.0), np.inf)
    rate = (1.0 - t) * scene.rate_max
    return TradeoffCurve("time switching", rate, crbs, t)


def power_splitting(scene, fractions=None, n_points=20):
    """Bistatic CRB paper V-B3: R_D = t P a a^H/n_tx (deterministic), R_G = (1 - t) P h
    h^H/||h||^2 (Gaussian information); CRB_mix and the SINR rate."""
    _check_scene(scene)
    t = _fractions(fractions, n_points)
    a, h, P, n = scene.a, scene.h, scene.power, scene.n_tx
    hn2 = np.vdot(h, h).real
    ah2 = abs(np.vdot(h, a)) ** 2
    p_det = t * P * n
    p_gauss = (1 - t) * P * ah2 / hn2
    sinr = (1 - t) * P * hn2 / (t * P * ah2 / n + scene.noise_comm)
    crbs = np.array([crb(scene, pd, pg) for pd, pg in zip(p_det, p_gauss)])
    return TradeoffCurve("power splitting", np.log2(1 + sinr), crbs, t)


def _fractions(fractions, n_points):
    if fractions is None:
        n_points = chk.integer("n_points", n_points, 2, 100000)
        return np.linspace(0.0, 1.0, n_points)
    t = chk.vector("fractions", fractions, dtype=float)
    if np.any(t < 0) or np.any(t > 1):
        raise ValueError("fractions must lie in [0, 1]")
    return t


@dataclass
class Boundary:
    """CRB-rate boundaries of the bistatic CRB paper Figs. 5-6 (arrays per scheme)."""
    rate: np.ndarray                 #: rate targets of the optimised designs
    crb_superposition: np.ndarray    #: proposed SCA design (CRB_mix)
    crb_gaussian: np.ndarray         #: Gaussian-only closed form (CRB_G)
    crb_known: np.ndarray            #: known-realisation benchmark (CRB_D)
    time_switching: TradeoffCurve
    power_splitting: TradeoffCurve
    designs: list = field(repr=False, default_factory=list)


def crb_rate_boundary(scene, rates=None, n_points=20, method="span"):
    """The CRB-rate boundary: for each rate target the superposition SCA, the
    Gaussian-only and known-realisation closed forms, plus the time-switching
    and power-splitting curves. Default rates: n_points from 0 to 0.98 of the
    largest rate log2(1 + P||h||^2/sigma_c^2)."""
    _check_scene(scene)
    if rates is None:
        n_points = chk.integer("n_points", n_points, 2, 10000)
        rates = np.linspace(0.0, 0.98 * scene.rate_max, n_points)
    else:
        rates = chk.vector("rates", rates, dtype=float, nonneg=True)
        if np.any(rates > scene.rate_max):
            raise ValueError(f"rates must be <= rate_max = {scene.rate_max:g}")
    c_sup, c_g, c_k, designs = [], [], [], []
    for r in rates:
        g = 2.0 ** r - 1.0
        d = superposition_design(scene, g, method=method)
        designs.append(d)
        c_sup.append(d.crb)
        c_g.append(gaussian_snr_design(scene, g).crb)
        c_k.append(known_realisation_design(scene, g).crb)
    return Boundary(np.asarray(rates), np.array(c_sup), np.array(c_g), np.array(c_k),
                    time_switching(scene, n_points=max(len(rates), 2)),
                    power_splitting(scene, n_points=max(len(rates), 2)), designs)


def crb_vs_power(scene, powers):
    """Sensing-only CRBs vs transmit power (bistatic CRB paper Fig. 3): MRT to the DoD,
    R = (P/n_tx) a a^H, for Gaussian (CRB_G) and deterministic (CRB_D) signals.
    Returns (crb_gaussian, crb_deterministic) arrays."""
    _check_scene(scene)
    powers = chk.vector("powers", powers, dtype=float, positive_=True)
    p = powers * scene.n_tx
    return (np.array([crb(scene, 0.0, x) for x in p]),
            np.array([crb(scene, x, 0.0) for x in p]))


# ----------------------------------------------------------------------------
# Factorisation for the streaming blocks
# ----------------------------------------------------------------------------
@dataclass
class Waveform:
    """A covariance design turned into transmit quantities.

    x_t = W_G g_t + S_D[:, t mod L], g_t ~ CN(0, I_r): the Gaussian part uses
    the beamformers W_G (R_G = W_G W_G^H); the deterministic sensing block S_D
    (n_tx x L) has (1/L) S_D S_D^H = R_D exactly. c_known = a^H S_D is the
    known reference along the DoD for the `a` given to factorize, in the paper's
    unnormalised scale. p_gauss = a^H R_G a and p_det = a^H R_D a are the
    design's values, i.e. with the scene's a (||a||^2 = n_tx), whatever `a`
    factorize was given.

    The blocks (doa_mle, bistatic_doa_rx, steering_reference) use the module's
    unit-norm g_T(phi) = a_0 conj(a)/(|a_0| ||a||) (docs/conventions.md), so
    their reference and p_gauss are c_block = g_T^T S_D (steering_reference's
    output on S_D) and p_gauss_block = g_T^T R_G g_T^* = a^H R_G a/||a||^2,
    both from the `a` given to factorize and independent of its scale. The
    mixed estimator weighs the known part against p_gauss, so the two must be
    on the same scale: the paper's p_gauss with the blocks' reference weighs
    the Gaussian part n_tx times too much. Both default to None so that the
    old five-argument Waveform(W_G, S_D, c_known, p_gauss, p_det) still builds.
    """
    W_G: np.ndarray
    S_D: np.ndarray
    c_known: np.ndarray
    p_gauss: float
    p_det: float
    c_block: np.ndarray = None
    p_gauss_block: float = None

    def transmit(self, n_snapshots, rng=None):
        """n_tx x n_snapshots block of transmit vectors."""
        n_snapshots = chk.integer("n_snapshots", n_snapshots, 1)
        rng = np.random.default_rng(rng)
        r = self.W_G.shape[1]
        g = (rng.standard_normal((r, n_snapshots)) +
             1j * rng.standard_normal((r, n_snapshots))) / np.sqrt(2)
        L = self.S_D.shape[1]
        idx = np.arange(n_snapshots) % L
        return self.W_G @ g + self.S_D[:, idx]


def _sqrt_factor(R, rel=1e-10):
    w, V = np.linalg.eigh(0.5 * (R + R.conj().T))
    keep = w > rel * max(w[-1], 0.0) if w[-1] > 0 else np.zeros_like(w, bool)
    return V[:, keep] * np.sqrt(w[keep])


def factorize(design, a, cpi_len):
    """Beamformers and deterministic sequences of a CovarianceDesign.

    The deterministic rows are orthogonal DFT sequences (rows i of
    exp(-j 2 pi i t / L)), so (1/L) S_D S_D^H = R_D exactly when
    rank(R_D) <= cpi_len."""
    if not isinstance(design, CovarianceDesign):
        raise ValueError("design must be a CovarianceDesign")
    n = design.R_G.shape[0]
    a = chk.vector("a", a, n=n)
    if a[0] == 0:
        raise ValueError("a must be a steering vector (nonzero first element, the phase reference)")
    L = chk.integer("cpi_len", cpi_len, 1)
    W_G = _sqrt_factor(design.R_G)
    F_D = _sqrt_factor(design.R_D)
    r = F_D.shape[1]
    if r > L:
        raise ValueError(f"cpi_len = {L} is below rank(R_D) = {r}")
    t = np.arange(L)
    Phi = np.exp(-2j * np.pi * np.outer(np.arange(r), t) / L)
    S_D = F_D @ Phi if r else np.zeros((n, L), complex)
    c_known = a.conj() @ S_D
    # re-referenced to element 0 and normalised: the module's g_T(phi)^T s
    a2 = np.vdot(a, a).real
    c_block = (a[0] / abs(a[0])) / np.sqrt(a2) * c_known
    # from this a, not design.p_gauss (the scene's a): the same g_T as c_block
    p_gauss_block = np.vdot(a, design.R_G @ a).real / a2
    return Waveform(W_G, S_D, c_known, design.p_gauss, design.p_det, c_block, p_gauss_block)
