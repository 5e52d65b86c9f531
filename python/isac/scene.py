#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The scene of the over-the-air flowgraphs (examples/isac_usrp_ota*.grc) for
apps/isac_ota_emulated: its options read and checked (a bad value is a usage
error naming the option), the text form of the flowgraph's string parameters
(clutter_degs, clutter_cnrs_db, user_degs: comma-separated), and random
asymmetric scenes (draw_scene).
"""
import math

import numpy as np


def _numbers(text, name):
    if isinstance(text, (list, tuple)):
        items = list(text)
    else:
        items = [s for s in str(text).replace(";", ",").replace(" ", ",").split(",") if s.strip()]
    out = []
    for s in items:
        try:
            v = float(s)
        except (TypeError, ValueError):
            raise ValueError("%s: %r is not a number (expected comma-separated numbers, e.g. \"-47,31\")"
                             % (name, s)) from None
        if not math.isfinite(v):
            raise ValueError("%s: %r is not finite" % (name, s))
        out.append(v)
    return out


def parse_angles(text, name, count=None):
    """Comma-separated angles in degrees, each in [-90, 90] (docs/conventions.md),
    as a list of floats; `count`: the number of angles required."""
    out = _numbers(text, name)
    for v in out:
        if not -90.0 <= v <= 90.0:
            raise ValueError("%s: %g deg is out of range; allowed: [-90, 90] deg" % (name, v))
    if count is not None and len(out) != count:
        raise ValueError("%s: %d angles given (%r); the flowgraph needs %d" % (name, len(out), text, count))
    return out


def parse_cnr_db(text, name, n_patches, default_db):
    """Clutter-to-noise ratios in dB, one per clutter patch; empty: every
    patch at default_db; one value: every patch at it."""
    out = _numbers(text, name)
    if not out:
        return [float(default_db)] * n_patches
    if len(out) == 1:
        return out * n_patches
    if len(out) != n_patches:
        raise ValueError("%s: %d values given (%r) for %d clutter patches; give one per patch, one for all, "
                         "or none" % (name, len(out), text, n_patches))
    return out


def format_list(values):
    """The text form parse_angles and parse_cnr_db read back."""
    return ",".join("%.12g" % v for v in values)


def separation(a_deg, b_deg):
    """|sin a - sin b|: the distance of two directions in the ULA's spatial
    frequency (half-wavelength spacing), where a beam's width does not depend
    on its angle."""
    return abs(math.sin(math.radians(a_deg)) - math.sin(math.radians(b_deg)))


def mirrored(a_deg, b_deg, tol=0.05):
    """True when a and b are (close to) a +-theta pair: |sin a + sin b| < tol
    (0.05: about 3 deg near broadside)."""
    return abs(math.sin(math.radians(a_deg)) + math.sin(math.radians(b_deg))) < tol


def draw_scene(seed, n_tx, n_users, max_clutter=2, user_max_deg=60.0, clutter_max_deg=75.0,
               cnr_db=(5.0, 12.0)):
    """A random asymmetric scene for an n_tx-element half-wavelength ULA:
    target and users in [-user_max_deg, user_max_deg], 0..max_clutter clutter
    patches in [-clutter_max_deg, clutter_max_deg] with CNRs uniform in cnr_db.
    Every pair of directions (target, users, clutter) is at least 1/n_tx apart
    in sin(theta) (half the main lobe's null-to-null width: 14.5 deg at
    broadside for 4 elements) and no pair is mirrored (mirrored()), so a
    sign or element-order error in any block shows as a wrong direction.
    Angles are rounded to 0.1 deg. Returns a dict target_deg, clutter_deg,
    cnr_db, user_deg."""
    rng = np.random.default_rng(int(seed))
    margin = 1.0 / n_tx
    placed = []

    def draw(lim):
        for _ in range(10000):
            a = float(np.round(rng.uniform(-lim, lim), 1))
            if all(separation(a, b) >= margin and not mirrored(a, b) for b in placed) and not mirrored(a, a):
                placed.append(a)
                return a
        raise ValueError("no room for %d directions %.3f apart in sin(theta)" % (len(placed) + 1, margin))

    target = draw(user_max_deg)
    users = [draw(user_max_deg) for _ in range(n_users)]
    clutter = [draw(clutter_max_deg) for _ in range(int(rng.integers(0, max_clutter + 1)))]
    cnr = [float(np.round(rng.uniform(*cnr_db), 1)) for _ in clutter]
    return dict(target_deg=target, clutter_deg=clutter, cnr_db=cnr, user_deg=users)
