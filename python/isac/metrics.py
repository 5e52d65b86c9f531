#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Numpy helpers the end-to-end flowgraphs, tests and apps share: M-PSK points
and decisions, the 1-bit ISAC paper safe margin and its Theorem-2 SER bounds, the
detector's ROC law. They are references written from the 1-bit ISAC paper (Sec. II-IV),
independent of the C++ blocks they are used to check.
"""
import math

import numpy as np


def noise_var_for_snr(power, snr_db, name="snr_db"):
    """power / 10^(snr_db / 10): the noise variance a flowgraph derives from its
    SNR variable `name`. An SNR that gives no finite positive variance (inf, NaN,
    beyond about +-3000 dB) raises a ValueError naming that variable, the one the
    user set, rather than the blocks' noise_var it feeds; a power that is not finite
    and positive raises one naming `power`."""
    if not (math.isfinite(power) and power > 0):
        raise ValueError("power = %r is out of range; allowed: a finite value > 0" % (power,))
    try:
        nv = power / 10.0 ** (snr_db / 10.0)
    except (OverflowError, ZeroDivisionError):
        nv = math.nan
    if not (math.isfinite(snr_db) and math.isfinite(nv) and nv > 0):
        raise ValueError("%s = %r is out of range; allowed: a finite SNR in dB giving a finite positive noise "
                         "variance %r / 10^(%s / 10)" % (name, snr_db, power, name))
    return nv


def psk_points(order):
    """M-PSK alphabet s_m = exp(j 2 pi m / M), m = 0..M-1 (1-bit ISAC paper Sec. II)."""
    return np.exp(2j * np.pi * np.arange(order) / order)


def psk_decide(y, order):
    """Index of the nearest M-PSK point. For points of equal modulus the nearest
    point is the one with the largest Re(y s_m^*), i.e. the angular sector, so
    the decision ignores the (precoder-dependent) received amplitude."""
    k = np.rint(np.angle(y) * order / (2 * np.pi)).astype(np.int64)
    return np.mod(k, order)


def gray_bits_differ(a, b):
    """Bit errors between symbol indices a and b under Gray mapping m ^ (m >> 1)."""
    ga = np.bitwise_xor(a, a >> 1)
    gb = np.bitwise_xor(b, b >> 1)
    d = np.bitwise_xor(ga, gb).astype(np.uint64)
    cnt = np.zeros(d.shape, dtype=np.int64)
    while np.any(d):
        cnt += (d & 1).astype(np.int64)
        d >>= np.uint64(1)
    return cnt


def safe_margin(H, x, s, order):
    """alpha_u = Re z_u - cot(pi/M) |Im z_u|, z_u = e^{-j angle s_u} (H x)_u
    (1-bit ISAC paper Theorem 2). H: U x N (rows h_u^H), x: L x N snapshots, s: L x U symbols.
    Returns L x U."""
    z = (np.asarray(x) @ np.asarray(H).T) * np.exp(-1j * np.angle(s))
    return z.real - np.abs(z.imag) / math.tan(math.pi / order)


def qfunc(t):
    """Psi(t) = 0.5 erfc(t / sqrt 2)."""
    from scipy.special import erfc
    return 0.5 * erfc(np.asarray(t) / math.sqrt(2.0))


def theorem2_bounds(alpha, noise_var, order):
    """1-bit ISAC paper Theorem 2 averaged over snapshots: per user (lower, upper) SER
    bounds, Psi(a) <= SEP <= 2 Psi(a), a = sqrt(2) sin(pi/M) alpha/sigma_C.
    alpha: L x U safe margins; noise_var: scalar or per user."""
    sig = np.sqrt(np.broadcast_to(np.asarray(noise_var, dtype=float), (np.shape(alpha)[1],)))
    arg = math.sqrt(2.0) * math.sin(math.pi / order) * np.asarray(alpha) / sig
    p = qfunc(arg)
    return p.mean(axis=0), np.minimum(1.0, 2.0 * p).mean(axis=0)


def psk_ser_awgn(order, snr):
    """Symbol error probability of coherent M-PSK in complex AWGN at SNR = E_s/N_0
    (linear, scalar or array): (1/pi) int_0^{(M-1)pi/M} exp(-snr sin^2(pi/M)/sin^2 phi) dphi
    (Craig's form, exact). The reference for a precoder that places every user at a
    known SINR (nullspace_precoder "zf": each user exactly at sinr_db)."""
    snr = np.asarray(snr, dtype=float)
    phi = np.linspace(1e-9, (order - 1) * math.pi / order, 4001)
    f = np.exp(-snr[..., None] * math.sin(math.pi / order) ** 2 / np.sin(phi) ** 2)
    return np.trapz(f, phi, axis=-1) / math.pi


def pd_theory(pfa, qscnr):
    """Pd = Pfa^(1/(1+QSCNR)) (1-bit ISAC paper eq. (16)), elementwise."""
    return np.power(pfa, 1.0 / (1.0 + np.asarray(qscnr)))


def binomial_halfwidth(p, n, z=4.0):
    """z-sigma half width of a proportion estimated from n trials (with a floor
    of one event so p = 0 still gets a usable tolerance)."""
    p = max(float(p), 1.0 / max(n, 1))
    return z * math.sqrt(p * (1.0 - p) / max(n, 1))


def csi_margin_db(nmse, noise_var, gamma_db, order, n_tx, h_norm2=None, power=1.0, outage=0.05):
    """QoS margin (dB, added to gamma_db) that a CI safe-margin design on an
    estimated channel needs so that each constraint's margin on the true
    channel reaches lambda = sqrt(Gamma sigma_C^2) with probability 1 - outage.

    The estimate's error e (h = hhat + e, NMSE nmse = E||e||^2 / ||h||^2,
    spread evenly over the n_tx entries) moves each constraint value
    Re(kappa z) of a transmit vector of power `power` by a zero-mean Gaussian of
    variance |kappa|^2 nmse ||h||^2 power / (2 n_tx), |kappa| = 1 / sin(pi/M)
    (1-bit ISAC paper Theorem 2's kappa_1, kappa_2). Designing at
    lambda + q sigma, q = Phi^-1(1 - outage), keeps P(true margin < lambda) at
    outage: Gamma' = Gamma (1 + q sigma / lambda)^2 (outage 0.5: no margin).
    Averaged over the error instead, a constraint's Theorem-2 SEP is that of
    extra noise of variance nmse ||h||^2 power / n_tx, a margin of
    10 log10(1 + nmse ||h||^2 power / (n_tx sigma_C^2)) that keeps the mean
    SEP but not each table entry's. h_norm2: ||h||^2 (default n_tx, a
    unit-gain line-of-sight user)."""
    from scipy.stats import norm
    if not 0.0 < outage <= 0.5:
        raise ValueError("outage = %r is out of range; allowed: (0, 0.5]" % (outage,))
    if nmse < 0 or noise_var <= 0 or n_tx < 1 or order < 2:
        raise ValueError("nmse >= 0, noise_var > 0, n_tx >= 1 and order >= 2 required")
    h2 = float(n_tx if h_norm2 is None else h_norm2)
    sigma = math.sqrt(nmse * h2 * power / (2.0 * n_tx)) / math.sin(math.pi / order)
    lam = math.sqrt(10.0 ** (gamma_db / 10.0) * noise_var)
    return 20.0 * math.log10(1.0 + norm.isf(outage) * sigma / lam)
