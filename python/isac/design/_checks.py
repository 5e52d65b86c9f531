#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Input validation shared by the design modules.

Every public design function validates its arguments here so that a bad
value fails early with a ValueError that names the parameter and the allowed
range, instead of surfacing later as a solver failure or a NaN.
"""
import numbers

import numpy as np


def positive(name, value, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        rng = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {rng}, got {value!r}")
    return v


def finite(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


def integer(name, value, lo, hi=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if v < lo or (hi is not None and v > hi):
        rng = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be an integer in {rng}, got {value!r}")
    return v


def angle_deg(name, value, lo=-90.0, hi=90.0):
    v = finite(name, value)
    if v < lo or v > hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}] degrees, got {value!r}")
    return v


def vector(name, value, n=None, dtype=complex, nonzero=False, nonneg=False, positive_=False):
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric 1-D array")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if n is not None and arr.size != n:
        raise ValueError(f"{name} must have length {n}, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN/Inf)")
    if nonzero and not np.any(arr != 0):
        raise ValueError(f"{name} must not be all zeros")
    if nonneg and np.any(np.real(arr) < 0):
        raise ValueError(f"{name} must be >= 0 elementwise")
    if positive_ and np.any(np.real(arr) <= 0):
        raise ValueError(f"{name} must be > 0 elementwise")
    return arr


def matrix(name, value, shape=None, dtype=complex, allow_empty=False):
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric 2-D array")
    if arr.ndim != 2 or (arr.size == 0 and not allow_empty):
        raise ValueError(f"{name} must be a non-empty 2-D array, got shape {arr.shape}")
    if shape is not None:
        for want, got in zip(shape, arr.shape):
            if want is not None and want != got:
                raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN/Inf)")
    return arr


def hermitian_psd(name, value, n=None, tol=1e-9):
    arr = matrix(name, value, (n, n))
    if arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be square, got {arr.shape}")
    scale = max(1.0, np.max(np.abs(arr)))
    if np.max(np.abs(arr - arr.conj().T)) > tol * scale:
        raise ValueError(f"{name} must be Hermitian")
    arr = 0.5 * (arr + arr.conj().T)
    if np.linalg.eigvalsh(arr)[0] < -1e-7 * scale:
        raise ValueError(f"{name} must be positive semidefinite")
    return arr


def choice(name, value, options):
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")
    return value
