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
"""

import numpy as np

from . import isac_python as _isac

_core = _isac.core


def one_bit_adc(r):
    """1-bit ISAC paper Sec. II: sgn(Re r) + j sgn(Im r), sgn(0) = +1 (NaN -> +1 like the quantizer block)."""
    return (np.where(r.real < 0, -1.0, 1.0) + 1j * np.where(r.imag < 0, -1.0, 1.0)).astype(np.complex64)


def simulate_echo(scene, x, zeta2, sigma2, rng, target=True, cpi_len=1):
    """Echoes r_l = gamma_0 g_R0 c_0 + sum_q gamma_q g_Rq c_q + n_l (1-bit ISAC paper eq. (2)).

    scene: isac.core.radar_scene; x: (n, n_tx) transmit vectors; zeta2: (Q+1,)
    zeta_q^2 (zeta2[0] for the target); gamma ~ CN(0, zeta^2) drawn once per CPI of
    cpi_len snapshots (Swerling I; cpi_len = 1 gives fresh gammas per snapshot, as in
    1-bit ISAC paper); n ~ CN(0, sigma2 I) fresh per snapshot. target=False gives H0.
    Returns (n, n_rx) complex128.
    """
    x = np.asarray(x)
    n = x.shape[0]
    zeta2 = np.asarray(zeta2, dtype=float).copy()
    if not target:
        zeta2[0] = 0.0
    c = x @ scene.gt  # c_q = g_T(theta_q)^T x, (n, Q+1)
    n_cpi = -(-n // cpi_len)
    gam = (rng.standard_normal((n_cpi, zeta2.size)) +
           1j * rng.standard_normal((n_cpi, zeta2.size))) * np.sqrt(zeta2 / 2)
    gam = np.repeat(gam, cpi_len, axis=0)[:n]
    nr = scene.gr.shape[0]
    noise = (rng.standard_normal((n, nr)) + 1j * rng.standard_normal((n, nr))) * np.sqrt(sigma2 / 2)
    return (gam * c) @ scene.gr.T + noise


def h0_statistics(scene, adc, pfa, cpi_len, x, zeta2, sigma2, trials, rng, noise_var=None,
                  threshold=None, weights=None):
    """Statistics |z|/kappa (cpi_len = 1) or |Z|/kappa_CPI of `trials` H0 runs
    through the block's kernel (isac.core.rx_filter), x cycled over the snapshots.
    threshold: isac.core.threshold_model (default exact, as the block); weights:
    isac.core.cpi_weights of the CPI sum (default equal, as the block)."""
    noise_var = sigma2 if noise_var is None else noise_var
    threshold = _core.threshold_model.exact if threshold is None else threshold
    x = np.atleast_2d(np.asarray(x))
    n = trials * cpi_len
    X = x[np.arange(n) % x.shape[0]].astype(np.complex64)
    r = simulate_echo(scene, X, zeta2, sigma2, rng, target=False, cpi_len=cpi_len)
    r = one_bit_adc(r) if adc == _core.adc_model.one_bit else r.astype(np.complex64)
    f = _core.rx_filter(scene, adc, pfa, noise_var, threshold, cpi_len)
    z, s, st, terms = f.process(r, X, True)
    if cpi_len == 1:
        return s
    weights = _core.cpi_weights.equal if weights is None else weights
    return _core.cpi_statistics(scene, adc, pfa, noise_var, cpi_len, z, terms, st, threshold, weights)[1]


def calibrate_threshold_scale(scene, adc, pfa, cpi_len, x, zeta2, sigma2=1.0,
                              trials=20000, seed=0, threshold=None):
    """threshold_scale for one_bit_rx_filter so that the empirical Pfa equals pfa:
    the (1 - pfa) quantile of the H0 statistic. Its relative standard error is about
    sqrt((1 - pfa)/(trials pfa)) / (2 |ln pfa|) (Rayleigh quantile), e.g. 0.8 % for
    trials = 20000 at pfa = 1e-2."""
    s = h0_statistics(scene, adc, pfa, cpi_len, x, zeta2, sigma2, trials,
                      np.random.default_rng(seed), threshold=threshold)
    return float(np.quantile(s, 1.0 - pfa))
