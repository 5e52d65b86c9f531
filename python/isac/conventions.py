#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The module's array convention in code (docs/conventions.md is its one
written statement).

Angles are in degrees from broadside. The ULA steering vector is
a_n(theta) = exp(-j 2 pi (d/lambda) n sin(theta)), n = 0..N-1, element 0 the
phase reference: a source at theta arrives at the array as a(theta), and the
field radiated toward theta by the transmit vector x is a(theta)^T x. Positive
angles lie on the side of element 0 (their wavefront reaches element 0 first).

reverse_elements=True describes hardware whose stream channel k feeds physical
element N-1-k; it is the only element-order option of the public blocks.
"""
import numpy as np

from . import isac_python

_SIGN_REMOVED = (
    "{block}: the `sign` parameter was removed. Every gr-isac block now uses one "
    "angle convention (docs/conventions.md): a_n(theta) = exp(-j 2 pi d n sin(theta)), "
    "element 0 the reference, receive response a(theta), transmitted field a(theta)^T x. "
    "Remove the sign argument (keyword or positional); if your antennas are wired in "
    "reverse order, pass reverse_elements=True instead (README, 'Migrating: angle signs "
    "changed for receive-side blocks').")


def reject_removed(block, kwargs):
    """TypeError naming the removed `sign` keyword (and any other unknown one)."""
    if "sign" in kwargs:
        raise TypeError(_SIGN_REMOVED.format(block=block))
    if kwargs:
        raise TypeError("%s got unexpected keyword argument(s) %s" % (block, ", ".join(sorted(kwargs))))


def check_reverse_elements(block, value):
    """reverse_elements must be a real bool: an old positional `sign` (+1/-1)
    landing in its slot fails loudly instead of silently mirroring."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError("%s: reverse_elements must be True or False, got %r. " % (block, value) +
                    _SIGN_REMOVED.format(block=block).split(". ", 1)[1])


def steering_matrix(n, thetas_deg, spacing=0.5, normalize=False, reverse_elements=False):
    """n x K matrix whose column k is the module's a(thetas_deg[k]) (rows in
    stream order: reversed when reverse_elements)."""
    A = np.asarray(isac_python.core.ula_steering_matrix(int(n), [float(t) for t in np.atleast_1d(thetas_deg)],
                                                        float(spacing), -1, "first", bool(normalize)))
    return A[::-1] if reverse_elements else A


def steering(n, theta_deg, spacing=0.5, normalize=False, reverse_elements=False):
    """The module's steering vector a(theta_deg) (length n)."""
    return steering_matrix(n, [theta_deg], spacing, normalize, reverse_elements)[:, 0]


def transmit_beampattern(x, grid_deg, spacing=0.5, reverse_elements=False):
    """P(theta) = (1/L) sum_t |a(theta)^T x_t|^2 on grid_deg, a unnormalised.

    x: (L, n_tx) transmit snapshots (or one snapshot of n_tx). This is the power
    radiated toward theta (the null-space paper's beampattern a^H R a written in
    the module convention); beampattern_probe and the apps plot this function."""
    x = np.atleast_2d(np.asarray(x))
    A = steering_matrix(x.shape[1], grid_deg, spacing, False, reverse_elements)
    return np.mean(np.abs(x @ A) ** 2, axis=0)
