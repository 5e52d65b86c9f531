#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""1-bit ISAC paper monostatic echoes (eq. (2)) and the empirical threshold calibration
of isac.one_bit_rx_filter.

The block's default threshold ("exact") holds the requested Pfa for Gaussian noise
and clutter in every clutter regime (docs/one_bit_rx_filter.md); "theorem1" (eq. 15)
only at low per-antenna CNR. Real hardware adds what no model of the block knows:
non-Gaussian or coloured noise, interference, ADC offsets. calibrate_threshold_scale()
measures the (1 - Pfa) quantile of the block's own statistic on H0 data (simulated
here; over the air: target-free captures through the same kernel) and returns the
factor to pass as threshold_scale.

In a room (static clutter: constant amplitudes and phases) the detector's Pfa is
the room's own: given the clutter, the 1-bit echo has a deterministic mean that
leaks through the filter, and the requested Pfa holds only on average over rooms
(docs/one_bit_rx_filter.md, "Static clutter: the Pfa of one room"). There the
scale comes from the room's own target-free statistic: threshold_scale_from_data()
takes the block's recorded CPI statistics and returns the scale with its standard
error; calibrate_threshold_scale(..., gains="static", phases=...) is the model-side
equivalent for a room whose clutter gains are known.
"""

import collections
import math

import numpy as np

from . import isac_python as _isac

_core = _isac.core


def one_bit_adc(r):
    """1-bit ISAC paper Sec. II: sgn(Re r) + j sgn(Im r), sgn(0) = +1, NaN -> +1 (like
    isac.core.one_bit_adc; the quantizer block's "adc" mode passes NaN on instead)."""
    return (np.where(r.real < 0, -1.0, 1.0) + 1j * np.where(r.imag < 0, -1.0, 1.0)).astype(np.complex64)


def simulate_echo(scene, x, zeta2, sigma2, rng, target=True, cpi_len=1, gains="rayleigh", phases=None):
    """Echoes r_l = gamma_0 g_R0 c_0 + sum_q gamma_q g_Rq c_q + n_l (1-bit ISAC paper eq. (2)).

    scene: isac.core.radar_scene; x: (n, n_tx) transmit vectors; zeta2: (Q+1,)
    zeta_q^2 (zeta2[0] for the target); gamma ~ CN(0, zeta^2) drawn once per CPI of
    cpi_len snapshots (Swerling I; cpi_len = 1 gives fresh gammas per snapshot, as in
    1-bit ISAC paper); n ~ CN(0, sigma2 I) fresh per snapshot. target=False gives H0.
    gains="static": the clutter gains are a room's, zeta_q exp(j 2 pi phases[q-1]) for
    every snapshot (phases: Q values in turns, drawn from rng when None); the target
    stays Swerling I. Returns (n, n_rx) complex128.
    """
    x = np.asarray(x)
    n = x.shape[0]
    zeta2 = np.asarray(zeta2, dtype=float).copy()
    if not target:
        zeta2[0] = 0.0
    if gains not in ("rayleigh", "static"):
        raise ValueError("gains must be 'rayleigh' or 'static', not %r" % (gains,))
    c = x @ scene.gt  # c_q = g_T(theta_q)^T x, (n, Q+1)
    n_cpi = -(-n // cpi_len)
    gam = (rng.standard_normal((n_cpi, zeta2.size)) +
           1j * rng.standard_normal((n_cpi, zeta2.size))) * np.sqrt(zeta2 / 2)
    if gains == "static" and zeta2.size > 1:
        ph = rng.uniform(size=zeta2.size - 1) if phases is None else np.asarray(phases, dtype=float)
        if ph.shape != (zeta2.size - 1,) or not np.all(np.isfinite(ph)):
            raise ValueError("phases must be %d finite values (turns), one per clutter patch" % (zeta2.size - 1))
        gam[:, 1:] = np.sqrt(zeta2[1:]) * np.exp(2j * np.pi * ph)
    gam = np.repeat(gam, cpi_len, axis=0)[:n]
    nr = scene.gr.shape[0]
    noise = (rng.standard_normal((n, nr)) + 1j * rng.standard_normal((n, nr))) * np.sqrt(sigma2 / 2)
    return (gam * c) @ scene.gr.T + noise


def h0_statistics(scene, adc, pfa, cpi_len, x, zeta2, sigma2, trials, rng, noise_var=None,
                  threshold=None, weights=None, clutter=None, gains="rayleigh", phases=None, mixed=False):
    """Statistics |z|/kappa (cpi_len = 1) or |Z|/kappa_CPI of `trials` H0 runs
    through the block's kernel (isac.core.rx_filter), x cycled over the snapshots
    (mixed=True: drawn from x with rng per snapshot, as a lookup-table precoder's).
    threshold: isac.core.threshold_model (default exact, as the block); weights:
    isac.core.cpi_weights of the CPI sum (default equal, as the block); clutter:
    isac.core.clutter_model the threshold assumes (default swerling1, as the block);
    gains, phases: the simulated clutter's law (simulate_echo). A snapshot (cpi_len
    = 1) or a CPI whose x carries no energy reads -1 (isac.core.no_decision, nothing
    transmitted), as the block's; a CPI that transmitted in part decides on its
    transmitted snapshots."""
    noise_var = sigma2 if noise_var is None else noise_var
    threshold = _core.threshold_model.exact if threshold is None else threshold
    clutter = _core.clutter_model.swerling1 if clutter is None else clutter
    x = np.atleast_2d(np.asarray(x))
    n = trials * cpi_len
    idx = rng.integers(0, x.shape[0], n) if mixed else np.arange(n) % x.shape[0]
    X = x[idx].astype(np.complex64)
    r = simulate_echo(scene, X, zeta2, sigma2, rng, target=False, cpi_len=cpi_len, gains=gains, phases=phases)
    r = one_bit_adc(r) if adc == _core.adc_model.one_bit else r.astype(np.complex64)
    f = _core.rx_filter(scene, adc, pfa, noise_var, threshold, cpi_len, clutter)
    z, s, st, terms = f.process(r, X, True)
    if cpi_len == 1:
        return s
    weights = _core.cpi_weights.equal if weights is None else weights
    return _core.cpi_statistics(scene, adc, pfa, noise_var, cpi_len, z, terms, st, threshold, weights)[1]


def calibrate_threshold_scale(scene, adc, pfa, cpi_len, x, zeta2, sigma2=1.0,
                              trials=20000, seed=0, threshold=None, weights=None, clutter=None,
                              gains="rayleigh", phases=None, mixed=False):
    """threshold_scale for one_bit_rx_filter so that the empirical Pfa equals pfa:
    the (1 - pfa) quantile of the simulated H0 statistic (h0_statistics: set
    threshold, weights and clutter as the block's threshold, cpi_weights and
    clutter_model). Its relative standard error is about
    sqrt((1 - pfa)/(trials pfa)) / (2 |ln pfa|) (Rayleigh quantile), e.g. 0.8 % for
    trials = 20000 at pfa = 1e-2. For a room (gains="static") the result is that
    room's (phases); over the air use threshold_scale_from_data on target-free
    captures instead: the room's clutter gains are not known. Snapshots or CPIs of
    x without transmission (x = 0: no decision) are left out, as
    threshold_scale_from_data leaves them out; the quantile is over the others."""
    s = h0_statistics(scene, adc, pfa, cpi_len, x, zeta2, sigma2, trials,
                      np.random.default_rng(seed), threshold=threshold, weights=weights, clutter=clutter,
                      gains=gains, phases=phases, mixed=mixed)
    s = s[s != _core.no_decision]
    if s.size == 0:
        raise ValueError("x: no snapshot/CPI of x transmitted (every one has x = 0), "
                         "nothing to calibrate")
    return float(np.quantile(s, 1.0 - pfa))


ScaleEstimate = collections.namedtuple("ScaleEstimate", "scale scale_se pfa_sd n")


def threshold_scale_from_data(stats, pfa, current_scale=1.0):
    """threshold_scale from the detector's own target-free statistics.

    stats: the block's CPI statistics |Z|/(kappa_CPI threshold_scale) of target-free
    CPIs, taken with threshold_scale = current_scale (out1 of one_bit_rx_filter /
    one_bit_radar_rx: the value on each CPI's last snapshot, e.g. out1[L-1::L] when
    the CPIs start at item 0; the other items are 0 and must not be passed). The
    statistic is |Z|/kappa divided by the scale, so the scale that makes a fraction
    pfa of these CPIs exceed 1 is current_scale times their (1 - pfa) quantile.

    Returns ScaleEstimate(scale, scale_se, pfa_sd, n): scale_se is the quantile's
    distribution-free standard error (half the distance between the empirical
    quantiles one binomial sd of the exceedance fraction either side of 1 - pfa), pfa_sd =
    sqrt(pfa (1 - pfa)/n) the sd of the true Pfa that the calibrated threshold gives
    on the same room (the count of exceedances is binomial), n the number of CPIs.
    CPIs without a decision (statistic -1, isac.core.no_decision: nothing was
    transmitted, e.g. a TDD guard) are left out; n counts the others. Needs at least
    10/pfa statistics (10 expected exceedances); NaN/Inf or other negative statistics
    raise ValueError."""
    s = np.asarray(stats, dtype=float).ravel()
    s = s[s != _core.no_decision]
    if not 0.0 < pfa < 1.0:
        raise ValueError("pfa must be in (0, 1), not %r" % (pfa,))
    if not (math.isfinite(current_scale) and current_scale > 0.0):
        raise ValueError("current_scale must be finite and > 0, not %r" % (current_scale,))
    if not np.all(np.isfinite(s)) or np.any(s < 0.0):
        raise ValueError("stats must be finite and >= 0 (the detector's |Z|/kappa)")
    n = s.size
    if n and np.count_nonzero(s == 0.0) > n // 2:
        # the whole out1 stream (zero on all but each CPI's last item) would put
        # the quantile among the zeros: a scale far too low, a Pfa ~L times the set
        raise ValueError("stats: %d of %d are exactly 0; pass each CPI's statistic only "
                         "(out1[L-1::L]), not the whole out1 stream" % (np.count_nonzero(s == 0.0), n))
    if n * pfa < 10.0:
        raise ValueError("%d statistics give %.1f expected exceedances at pfa %g; need >= %d"
                         % (n, n * pfa, pfa, int(math.ceil(10.0 / pfa))))
    q = float(np.quantile(s, 1.0 - pfa))
    d = math.sqrt(pfa * (1.0 - pfa) / n)
    lo, hi = np.quantile(s, [max(1.0 - pfa - d, 0.0), min(1.0 - pfa + d, 1.0)])
    se = 0.5 * float(hi - lo)
    return ScaleEstimate(current_scale * q, current_scale * se, math.sqrt(pfa * (1.0 - pfa) / n), n)
