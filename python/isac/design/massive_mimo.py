#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Massive-MIMO ISAC paper: massive-MIMO ISAC with MRT/ZF precoding (Theorem 1, Theorem 2, Algorithm 1, simulations).

A BS with an n_th x n_tv transmit UPA and an n_rh x n_rv receive UPA serves K
single-antenna users with MRT or ZF beams built from MMSE channel estimates
and adds a sensing beam v = a(theta, phi):
    F = W Gamma^{1/2} + v eta^T,  rho = ||eta||^2.
Closed forms (all functions of the large-scale fading only):
    rates R_k(gamma, rho)         Theorem 1, `rates`
    CRLB_theta, CRLB_phi          Theorem 2 / Remark 3, `crlb` (C++ core crb_upa)
    power                         Lemma 1, N_t (xi_bf^T gamma + rho)
and the SCA power allocation of Algorithm 1 (`sca_power_allocation`), whose
convex subproblem (K + 1 variables, two SOC constraints) is solved by cvxopt.
"""
from dataclasses import dataclass, field
import time

import numpy as np

try:
    import cvxopt
    from cvxopt import solvers
except ImportError as exc:  # pragma: no cover
    raise ImportError("gnuradio.isac.design needs cvxopt (Debian: python3-cvxopt)") from exc

from . import _bind
from . import _checks as chk

PRECODERS = ("mrt", "zf")


def mmse_variances(beta, tau_p, pilot_power, noise_var, pilots=None):
    """MMSE estimate and error variances (eq. 6-7): returns (xi, eps).

    pilots: tau_p x K matrix of unit-norm pilot columns; default: tau_p
    orthogonal pilots reused cyclically (user k sends pilot k mod tau_p), so
    they are orthogonal when tau_p >= K and contaminated otherwise (massive-MIMO ISAC paper
    uses tau_p = 10 with K = 12)."""
    beta = chk.vector("beta", beta, dtype=float, positive_=True)
    K = beta.size
    tau_p = chk.integer("tau_p", tau_p, 1)
    p_p = chk.positive("pilot_power", pilot_power)
    s2 = chk.positive("noise_var", noise_var)
    if pilots is None:
        idx = np.arange(K) % tau_p
        C = (idx[:, None] == idx[None, :]).astype(float)
    else:
        Pm = chk.matrix("pilots", pilots, (tau_p, K))
        Pm = Pm / np.linalg.norm(Pm, axis=0)
        C = np.abs(Pm.conj().T @ Pm) ** 2      # C[j, k] = |p_j^H p_k|^2
    den = tau_p * p_p * (beta @ C) + s2
    xi = tau_p * p_p * beta ** 2 / den
    return xi, beta - xi


def drop_users(n_users, rng=None, radius=1000.0, r_h=100.0, shadow_db=7.0, nu=3.2):
    """Large-scale fading of the massive-MIMO ISAC paper set-up: users uniform in the annulus
    r_h <= r <= radius, beta_k = z_k / (r_k / r_h)^nu, z_k log-normal (dB std)."""
    K = chk.integer("n_users", n_users, 1)
    radius = chk.positive("radius", radius)
    r_h = chk.positive("r_h", r_h)
    if r_h >= radius:
        raise ValueError("r_h must be below radius")
    rng = np.random.default_rng(rng)
    r = np.sqrt(rng.uniform(r_h ** 2, radius ** 2, K))
    z = 10 ** (chk.positive("shadow_db", shadow_db, True) * rng.standard_normal(K) / 10)
    return z / (r / r_h) ** chk.positive("nu", nu)


@dataclass
class MimoScene:
    n_th: int
    n_tv: int
    n_rh: int
    n_rv: int
    beta: np.ndarray           #: large-scale fading per user
    xi: np.ndarray             #: MMSE estimate variance per user (eq. 6)
    eps: np.ndarray            #: MMSE error variance per user (eq. 7)
    power: float               #: P_t
    theta_deg: float
    phi_deg: float
    alpha_abs: float           #: |alpha|, two-way reflection coefficient
    cpi_len: int               #: L
    noise_comm: float = 1.0    #: sigma_c^2
    noise_sens: float = 1.0    #: sigma_s^2
    tau_p: int = 10
    tau_c: int = 100
    _fisher: tuple = field(default=None, repr=False)

    @property
    def n_tx(self):
        return self.n_th * self.n_tv

    @property
    def n_rx(self):
        return self.n_rh * self.n_rv

    @property
    def n_users(self):
        return self.beta.size

    @property
    def tau_bar(self):
        return (self.tau_c - self.tau_p) / self.tau_c


def make_scene(n_th, n_tv, n_rh, n_rv, beta, power, theta_deg=22.5, phi_deg=45.0,
               alpha_abs=1.0, cpi_len=30, noise_comm=1.0, noise_sens=1.0, tau_p=10,
               tau_c=100, pilot_power=1000.0, pilots=None):
    """Validated MimoScene (defaults: massive-MIMO ISAC paper Sec. V, pilot SNR 30 dB).

    theta_deg in [-180, 180], phi_deg in [-90, 90]. The UPA vectors depend on
    the angles only through sin(theta) sin(phi) and cos(phi), so (theta, phi),
    (-theta, -phi), (180 - theta, phi) and (theta +- 180, -phi) are one
    direction; a DoA estimator on theta in [-90, 90], phi in [0, 180] grids
    (core.doa_mle_upa_known takes the caller's) reports
    `upa_representative(theta, phi)`, at the folds (theta near +-90, phi
    near 0 or 180) too: its refine works in (sin(theta) sin(phi), cos(phi))
    inside the visible disk.
    """
    n_th = chk.integer("n_th", n_th, 1, 4096)
    n_tv = chk.integer("n_tv", n_tv, 1, 4096)
    n_rh = chk.integer("n_rh", n_rh, 1, 4096)
    n_rv = chk.integer("n_rv", n_rv, 1, 4096)
    if n_th * n_tv < 2 or n_rh * n_rv < 2:
        raise ValueError("the UPAs need at least 2 elements each")
    beta = chk.vector("beta", beta, dtype=float, positive_=True)
    tau_p = chk.integer("tau_p", tau_p, 1)
    tau_c = chk.integer("tau_c", tau_c, tau_p + 1)
    noise_comm = chk.positive("noise_comm", noise_comm)
    xi, eps = mmse_variances(beta, tau_p, pilot_power, noise_comm, pilots)
    sc = MimoScene(n_th, n_tv, n_rh, n_rv, beta, xi, eps, chk.positive("power", power),
                   chk.angle_deg("theta_deg", theta_deg, -180, 180),
                   chk.angle_deg("phi_deg", phi_deg, -90, 90),
                   chk.positive("alpha_abs", alpha_abs), chk.integer("cpi_len", cpi_len, 1),
                   noise_comm, chk.positive("noise_sens", noise_sens), tau_p, tau_c)
    if sc.n_users >= sc.n_tx:
        raise ValueError(f"need K = {sc.n_users} < N_t = {sc.n_tx} (ZF and Lemma 1)")
    return sc


def upa_representative(theta_deg, phi_deg):
    """The (theta, phi) in degrees, theta in [-90, 90] and phi in [0, 180], with
    the same UPA steering vector as (theta_deg, phi_deg) (element phases
    pi sin(theta) sin(phi) and pi cos(phi), docs/conventions.md): the pair a DoA
    estimator on those ranges reports. At phi = 0 or 180 the vector does not
    depend on theta; theta is 0 there. Vectorised."""
    th, ph = np.radians(np.asarray(theta_deg, float)), np.radians(np.asarray(phi_deg, float))
    phi = np.arccos(np.clip(np.cos(ph), -1.0, 1.0))  # [0, pi], same cos(phi)
    sphi = np.sin(phi)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(sphi > 1e-12, np.sin(th) * np.sin(ph) / sphi, 0.0)
    return np.degrees(np.arcsin(np.clip(u, -1.0, 1.0))), np.degrees(phi)


def _check(scene, bf):
    if not isinstance(scene, MimoScene):
        raise ValueError("scene must be a MimoScene from make_scene()")
    return chk.choice("bf", bf, set(PRECODERS))


def coefficients(scene, bf):
    """(xi_bf, lambda, zeta) of Lemma 1 / Theorem 1: power N_t xi_bf^T gamma,
    SINR_k = lambda_k gamma_k / (N_t beta_k rho + N_t zeta[k] @ gamma + sigma^2)."""
    _check(scene, bf)
    N, K = scene.n_tx, scene.n_users
    if bf == "mrt":
        xi_bf = scene.xi.copy()
        lam = N ** 2 * scene.xi ** 2
        zeta = np.outer(scene.beta, scene.xi)
    else:
        xi_bf = 1.0 / (N * (N - K) * scene.xi)
        lam = np.ones(K)
        zeta = np.outer(scene.eps, xi_bf)
    return xi_bf, lam, zeta


def _gamma_rho(scene, gamma, rho):
    g = chk.vector("gamma", gamma, n=scene.n_users, dtype=float, nonneg=True)
    r = chk.positive("rho", rho, allow_zero=True)
    return g, r


def sinr(scene, gamma, rho, bf):
    """Per-user SINR of Theorem 1 (linear)."""
    _check(scene, bf)
    g, r = _gamma_rho(scene, gamma, rho)
    _, lam, zeta = coefficients(scene, bf)
    N = scene.n_tx
    return lam * g / (N * scene.beta * r + N * zeta @ g + scene.noise_comm)


def rates(scene, gamma, rho, bf):
    """Theorem 1 achievable rates R_k (bit/s/Hz), use-and-forget bound."""
    return scene.tau_bar * np.log2(1.0 + sinr(scene, gamma, rho, bf))


def transmit_power(scene, gamma, rho, bf):
    """Lemma 1: N_t (xi_bf^T gamma + rho)."""
    g, r = _gamma_rho(scene, gamma, rho)
    xi_bf, _, _ = coefficients(scene, bf)
    return scene.n_tx * (xi_bf @ g + r)


def crlb(scene, gamma, rho, bf):
    """(CRLB_theta, CRLB_phi) in rad^2, Remark 3 (v = a), via the C++ core's
    crb_upa. The paper's eq. 49/51 print cos^2(phi) on the vertical
    (N_v^2 - 1) term of ||adot_phi||^2; the derivative gives sin^2(phi) (the
    two agree only at phi = +-45 deg), which the core uses."""
    g, r = _gamma_rho(scene, gamma, rho)
    xi_bf, _, _ = coefficients(scene, bf)
    return _bind.crb_upa(scene.n_th, scene.n_tv, scene.n_rh, scene.n_rv, scene.theta_deg,
                         scene.phi_deg, float(xi_bf @ g), r, scene.alpha_abs,
                         scene.cpi_len, scene.noise_sens)


def fisher_coefficients(scene):
    """The linear structure of Remark 3 used by the SOC constraints (59-60):
    T_th = Xi c[0] + rho c[1], T_ph = Xi c[2] + rho c[3], T_x = Xi c[4] + rho c[5]
    with Xi = xi_bf^T gamma; CRLB_th = 1/(kappa |alpha|^2 (T_th - T_x^2/T_ph)).
    The derivative norms are taken from the core's UPA steering derivatives,
    projected orthogonally to the steering vector: that is the centre-referenced
    derivative of Remark 3 (a^H adot = 0) whatever phase reference and sign the
    steering convention uses, so the coefficients do not depend on it."""
    if not isinstance(scene, MimoScene):
        raise ValueError("scene must be a MimoScene from make_scene()")
    if scene._fisher is not None:
        return scene._fisher
    adt, adp = _centred_derivatives(scene.n_th, scene.n_tv, scene.theta_deg, scene.phi_deg)
    bdt, bdp = _centred_derivatives(scene.n_rh, scene.n_rv, scene.theta_deg, scene.phi_deg)
    Nt, Nr = scene.n_tx, scene.n_rx
    att, app_ = np.vdot(adt, adt).real, np.vdot(adp, adp).real
    btt, bpp = np.vdot(bdt, bdt).real, np.vdot(bdp, bdp).real
    atp, btp = np.vdot(adt, adp).real, np.vdot(bdt, bdp).real
    c = np.array([Nr * att + Nt * btt, Nt ** 2 * btt,
                  Nr * app_ + Nt * bpp, Nt ** 2 * bpp,
                  Nr * atp + Nt * btp, Nt ** 2 * btp])
    kappa = 2.0 * scene.cpi_len / scene.noise_sens * scene.alpha_abs ** 2
    scene._fisher = (c, kappa)
    return scene._fisher


def _centred_derivatives(n_h, n_v, theta_deg, phi_deg):
    """(d a/d theta, d a/d phi) of the unnormalised UPA vector with the
    component along a removed. A phase reference other than the centre adds
    j psi'(theta, phi) a to each derivative, which the unknown complex gain
    absorbs; the projection removes it."""
    core = _bind.core
    a = np.asarray(core.upa_steering(n_h, n_v, theta_deg, phi_deg, normalize=False))
    out = []
    for fn in (core.upa_steering_dtheta, core.upa_steering_dphi):
        d = np.asarray(fn(n_h, n_v, theta_deg, phi_deg, normalize=False))
        out.append(d - a * (np.vdot(a, d) / np.vdot(a, a)))
    return out


def _crlb_from_fisher(scene, Xi, rho):
    c, kap = fisher_coefficients(scene)
    tth, tph, tx = Xi * c[0] + rho * c[1], Xi * c[2] + rho * c[3], Xi * c[4] + rho * c[5]
    with np.errstate(divide="ignore"):
        return 1.0 / (kap * (tth - tx * tx / tph)), 1.0 / (kap * (tph - tx * tx / tth))


def equal_split(scene, bf):
    """EqualC&S benchmark (eq. 23): half the power to sensing, the rest equally."""
    xi_bf, _, _ = coefficients(scene, bf)
    N, P = scene.n_tx, scene.power
    return np.full(scene.n_users, P / (2 * N * xi_bf.sum())), P / (2 * N)


def _split(scene, bf, p0, per_user="gamma"):
    """Sensing fraction p0; the rest equally in gamma (eq. 23 style) or in
    transmit power per user (gamma_k proportional to 1/xi_bf,k)."""
    xi_bf, _, _ = coefficients(scene, bf)
    N, P, K = scene.n_tx, scene.power, scene.n_users
    if per_user == "gamma":
        g = np.full(K, (1 - p0) * P / (N * xi_bf.sum()))
    else:
        g = (1 - p0) * P / (N * K * xi_bf)
    return g, p0 * P / N


def min_sensing_fraction(scene, bf, crlb_theta0, crlb_phi0, iters=60):
    """Smallest sensing power fraction p0 (rho = p0 P/N_t, users equal) whose
    CRLBs meet the targets, by bisection (the SCA's starting point).
    Raises ValueError if no fraction in [0, 1] meets them.

    Along the split the Fisher terms are affine in p, so 1/CRLB (a Schur
    complement) is concave and the feasible fractions form an interval. Its
    right end is usually p = 1, but not always: with a receive array much
    smaller than the transmit array the communication beams inform the angle
    estimate more than the sensing beam, and the CRLB can be smallest at an
    interior p. The interval is then found from the maximiser of the concave
    margin min_s(CRLB_s0/CRLB_s) (golden-section search)."""
    _check(scene, bf)
    c0 = (chk.positive("crlb_theta0", crlb_theta0), chk.positive("crlb_phi0", crlb_phi0))
    N, P = scene.n_tx, scene.power

    def margin(p):
        # Xi = xi_bf^T gamma = (1 - p) P / N_t for the equal split
        ct, cp = _crlb_from_fisher(scene, (1 - p) * P / N, p * P / N)
        return min(c0[0] / ct, c0[1] / cp)

    def ok(p):
        return margin(p) >= 1.0
    if ok(0.0):
        return 0.0
    hi = 1.0
    if not ok(hi):
        # golden section for the maximiser of the concave margin on [0, 1]
        a, b = 0.0, 1.0
        gr = (np.sqrt(5.0) - 1.0) / 2.0
        x1, x2 = b - gr * (b - a), a + gr * (b - a)
        f1, f2 = margin(x1), margin(x2)
        for _ in range(80):
            if f1 >= 1.0 or f2 >= 1.0:
                break
            if f1 < f2:
                a, x1, f1 = x1, x2, f2
                x2 = a + gr * (b - a)
                f2 = margin(x2)
            else:
                b, x2, f2 = x2, x1, f1
                x1 = b - gr * (b - a)
                f1 = margin(x1)
        if f1 >= 1.0:
            hi = x1
        elif f2 >= 1.0:
            hi = x2
        else:
            raise ValueError("CRLB targets are infeasible at this power (no split of the "
                             "power between sensing and equal users meets them)")
    lo = 0.0
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


@dataclass
class AllocationResult:
    gamma: np.ndarray
    rho: float
    sum_rate: float              #: closed form, bit/s/Hz
    rates: np.ndarray
    crlb_theta: float
    crlb_phi: float
    power_used: float
    history: np.ndarray          #: sum rate per iteration (index 0: start point)
    seconds: float
    iterations: int


def _result(scene, bf, g, r, hist, secs, it):
    R = rates(scene, g, r, bf)
    ct, cp = crlb(scene, g, r, bf)
    return AllocationResult(g, r, float(R.sum()), R, ct, cp,
                            float(transmit_power(scene, g, r, bf)), np.asarray(hist),
                            secs, it)


def sca_power_allocation(scene, bf, crlb_theta0, crlb_phi0, max_iter=15, tol=0.0,
                         init="p0"):
    """Algorithm 1: maximise sum_k R_k s.t. CRLB_th <= crlb_theta0,
    CRLB_ph <= crlb_phi0 (rad^2), N_t (xi^T gamma + rho) <= P.

    Each iteration maximises the concave minorant (55)-(57) of the sum rate
    under the SOC forms (59)-(60) of the CRLB constraints, with cvxopt's
    cone solver on the K + 1 variables (scaled to power fractions). init:
    "p0" (the paper's start: equal gamma_k, smallest CRLB-feasible sensing
    fraction p0), "p0_power" (same p0, equal transmit power per user),
    "half" (eq. 23, if feasible), or "multi" (runs "p0" and "p0_power" and
    keeps the better: the problem is non-convex and SCA finds a local
    optimum; with ZF the equal-gamma start gives weak users most of the
    power). tol > 0 stops early on relative sum-rate gain."""
    _check(scene, bf)
    c0t = chk.positive("crlb_theta0", crlb_theta0)
    c0p = chk.positive("crlb_phi0", crlb_phi0)
    max_iter = chk.integer("max_iter", max_iter, 0, 10000)
    tol = chk.positive("tol", tol, allow_zero=True)
    chk.choice("init", init, {"p0", "p0_power", "half", "multi"})
    if init == "multi":
        t0 = time.perf_counter()
        runs = [sca_power_allocation(scene, bf, c0t, c0p, max_iter, tol, i)
                for i in ("p0", "p0_power")]
        best = max(runs, key=lambda r: r.sum_rate)
        best.seconds = time.perf_counter() - t0
        return best
    t0 = time.perf_counter()
    K, N, P, s2 = scene.n_users, scene.n_tx, scene.power, scene.noise_comm
    xi_bf, lam, zeta = coefficients(scene, bf)
    if init in ("p0", "p0_power"):
        p0 = min_sensing_fraction(scene, bf, c0t, c0p)
        # a hair above the boundary keeps the start strictly feasible
        g, r = _split(scene, bf, min(1.0, p0 * (1 + 1e-6) + 1e-12),
                      "gamma" if init == "p0" else "power")
    else:
        g, r = equal_split(scene, bf)
        ct, cp = _crlb_from_fisher(scene, xi_bf @ g, r)
        if ct > c0t or cp > c0p:
            raise ValueError("init='half' violates the CRLB targets; use init='p0'")

    # variables u = (u_k for the active users, u_rho): power fractions,
    # gamma_k = P u_k/(N xi_k), rho = P u_rho/N, so sum u <= 1 is the budget.
    c, kap = fisher_coefficients(scene)
    Zm = N * zeta  # y_k = N beta_k rho + (Zm gamma)_k + s2
    opts = {"show_progress": False, "abstol": 1e-8, "reltol": 1e-8, "feastol": 1e-9,
            "maxiters": 40}

    def ratesum(gv, rv):
        y = N * scene.beta * rv + Zm @ gv + s2
        return scene.tau_bar * np.sum(np.log2(1 + lam * gv / y))

    def feasible(gv, rv):
        ct, cp = _crlb_from_fisher(scene, xi_bf @ gv, rv)
        return ct <= c0t and cp <= c0p

    def step(g, r):
        # users at (numerically) zero power stay there: their minorant is the
        # constant 0 (A = B = C = 0), so dropping them is exact and keeps the
        # 1/u terms of the others well conditioned
        act = np.flatnonzero(g * xi_bf * N / P > 1e-10)
        Ka = act.size
        Dz = np.concatenate([P / (N * xi_bf[act]), [P / N]])
        _, Bk, Ck = _rate_minorant(lam * g, N * scene.beta * r + Zm @ g + s2)
        # minimise sum_k Bk/(lam_k gamma_k) + Ck y_k(gamma, rho)  (+ const)
        lin_u = np.concatenate([(Zm.T @ Ck)[act], [N * scene.beta @ Ck]]) * Dz
        bu = Bk[act] / (lam[act] * Dz[:Ka])

        # (Xi, rho) = (P/N) (sum_k u_k, u_rho): the cones' columns per variable
        to_u = np.concatenate([np.zeros((Ka, 2)) + [P / N, 0.0], [[0.0, P / N]]])
        rows, hq = [], []
        # a 1e-7 margin keeps the solver's answer (accurate to ~1e-9) on the
        # feasible side of the true constraint
        for M, hb in _crlb_cones(c, kap, c0t, c0p, margin=1e-7):
            blk = M @ to_u.T
            sc_ = np.max(np.abs(blk))   # scaled for conditioning
            rows.append(blk / sc_)
            hq.append(hb / sc_)
        # pure SOCP (cvxopt conelp, no nonlinear callbacks): variables
        # (u, t), t_k >= bu_k/u_k as the rotated cone ||[2 sqrt(bu_k);
        # t_k - u_k]|| <= t_k + u_k; minimise sum t + lin_u . u
        nv = 2 * Ka + 1

        def pad(rowsu):
            return np.hstack([rowsu, np.zeros((rowsu.shape[0], Ka))])
        Gl = pad(np.vstack([np.ones(Ka + 1), -np.eye(Ka + 1)]))
        hl = np.concatenate([[1.0], np.zeros(Ka + 1)])
        G_rot, h_rot = [], []
        for k in range(Ka):
            blk = np.zeros((3, nv))
            blk[0, k], blk[0, Ka + 1 + k] = -1.0, -1.0
            blk[2, k], blk[2, Ka + 1 + k] = 1.0, -1.0
            G_rot.append(blk)
            h_rot.append([0.0, 2.0 * np.sqrt(bu[k]), 0.0])
        Gm = cvxopt.matrix(np.vstack([Gl] + [pad(x) for x in rows] + G_rot))
        hm = cvxopt.matrix(np.concatenate([hl] + hq + [np.array(x) for x in h_rot]))
        dims = {"l": Ka + 2, "q": [3, 3] + [3] * Ka, "s": []}
        cvec = cvxopt.matrix(np.concatenate([lin_u, np.ones(Ka)]))
        sol = None
        # cvxopt can fail numerically when a user's power collapses: retry
        # looser, else stop at the current feasible iterate
        for loosen in (1.0, 1e2, 1e4):
            o = dict(opts, abstol=opts["abstol"] * loosen, reltol=opts["reltol"] * loosen,
                     feastol=opts["feastol"] * loosen)
            try:
                sol = solvers.conelp(cvec, Gm, hm, dims, options=o)
            except (ValueError, ArithmeticError):
                sol = None
                continue
            if sol["x"] is not None and sol["status"] == "optimal":
                break
        if sol is None or sol["x"] is None:
            return None
        u = np.maximum(np.array(sol["x"]).ravel()[:Ka + 1], 0.0)
        if u.sum() > 1.0:
            u /= u.sum()
        z = u * Dz
        g_new = np.zeros(K)
        g_new[act] = z[:Ka]
        return g_new, z[Ka]

    hist = [ratesum(g, r)]
    it = 0
    for it in range(1, max_iter + 1):
        out = step(g, r)
        if out is None:
            break
        g_new, r_new = out
        if not feasible(g_new, r_new):
            # cvxopt stopped short of its tolerance: step from the feasible
            # iterate towards its answer as far as the (convex) CRLB set
            # allows. The minorant is concave along the segment and not below
            # its start value at either end, so the sum rate cannot decrease.
            lo, hi = 0.0, 1.0
            for _ in range(40):
                mid = 0.5 * (lo + hi)
                if feasible(g + mid * (g_new - g), r + mid * (r_new - r)):
                    lo = mid
                else:
                    hi = mid
            g_new, r_new = g + lo * (g_new - g), r + lo * (r_new - r)
        val = ratesum(g_new, r_new)
        if val < hist[-1] - 1e-9 * max(1.0, abs(hist[-1])):
            break  # no progress within solver tolerance: keep the last iterate
        g, r = g_new, r_new
        hist.append(val)
        if tol > 0 and val - hist[-2] <= tol * val:
            break
    return _result(scene, bf, g, r, hist, time.perf_counter() - t0, it)


def _rate_minorant(x0, y0):
    """(A, B, C) of the concave minorant (55) of ln(1 + x/y) at (x0, y0):
    ln(1 + x/y) >= A - B/x - C y for all x, y > 0, with equality and equal
    gradient at (x0, y0)."""
    s = x0 + y0
    return np.log1p(x0 / y0) + 2.0 * x0 / s, x0 * x0 / s, x0 / (s * y0)


def _crlb_cones(c, kap, crlb_theta0, crlb_phi0, margin=0.0):
    """The CRLB constraints as second-order cones (59)-(60) in z = (Xi, rho):
    for each of theta and phi a pair (M, h), M 3 x 2, with
        CRLB <= CRLB0 (1 - margin)  <=>  h - M z in Q^3 = {(t, w): ||w|| <= t}
    (given T_th, T_ph > 0). With T_s the own and T_o the other Fisher term and
    q = 1/(kappa CRLB0): T_s - T_x^2/T_o >= q is the rotated cone
    (T_s - q) T_o >= T_x^2, i.e. ||[T_x; (T_o - T_s + q)/2]|| <= (T_o + T_s - q)/2."""
    d_th, d_ph, d_x = np.array(c[0:2]), np.array(c[2:4]), np.array(c[4:6])
    out = []
    for d_s, d_o, c0 in ((d_th, d_ph, crlb_theta0), (d_ph, d_th, crlb_phi0)):
        q = 1.0 / (kap * c0 * (1 - margin))
        M = np.array([-0.5 * (d_o + d_s), -d_x, -0.5 * (d_o - d_s)])
        out.append((M, np.array([-0.5 * q, 0.0, 0.5 * q])))
    return out


def equal_comm(scene, bf, result):
    """EqualCom benchmark: the proposed split between communication (Xi) and
    sensing (rho) kept, users given equal gamma (identical CRLBs, Remark 4)."""
    _check(scene, bf)
    if not isinstance(result, AllocationResult):
        raise ValueError("result must be an AllocationResult")
    xi_bf, _, _ = coefficients(scene, bf)
    Xi = xi_bf @ result.gamma
    g = np.full(scene.n_users, Xi / xi_bf.sum())
    return _result(scene, bf, g, result.rho, [], 0.0, 0)


def monte_carlo_rates(scene, gamma, rho, bf, n_trials=1000, rng=None):
    """Rates of eq. (19) estimated by simulation: MMSE estimates hhat ~ CN(0,
    xi I), errors ~ CN(0, eps I), W = Hhat (MRT) or Hhat (Hhat^H Hhat)^{-1}
    (ZF), v = a(theta, phi) (core UPA steering), eta_k = rho/K; DS, BU and UI
    are sample moments over n_trials channel draws. An independent check of
    the closed form."""
    _check(scene, bf)
    g, r = _gamma_rho(scene, gamma, rho)
    n_trials = chk.integer("n_trials", n_trials, 2)
    rng = np.random.default_rng(rng)
    K, N = scene.n_users, scene.n_tx
    v = np.asarray(_bind.core.upa_steering(scene.n_th, scene.n_tv, scene.theta_deg, scene.phi_deg))
    eta = np.full(K, r / K)
    gains = np.zeros((n_trials, K, K), complex)   # [t, k, j] = h_k^H f_j
    for t in range(n_trials):
        def cn(var):
            return np.sqrt(var / 2)[None, :] * (rng.standard_normal((N, K)) +
                                                1j * rng.standard_normal((N, K)))
        Hh = cn(scene.xi)
        Hm = Hh + cn(scene.eps)
        W = Hh if bf == "mrt" else Hh @ np.linalg.inv(Hh.conj().T @ Hh)
        F = W * np.sqrt(g)[None, :] + np.outer(v, np.sqrt(eta))
        gains[t] = Hm.conj().T @ F
    diag = gains[:, np.arange(K), np.arange(K)]
    ds = np.abs(diag.mean(axis=0)) ** 2
    bu = np.var(diag, axis=0)
    ui = (np.abs(gains) ** 2).mean(axis=0).sum(axis=1) - (np.abs(diag) ** 2).mean(axis=0)
    return scene.tau_bar * np.log2(1 + ds / (bu + ui + scene.noise_comm))
