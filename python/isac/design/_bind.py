#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The C++ closed forms the design API calls (one algorithm, one place).

The CRBs (core/crb.h) and the communication precoders (core/comm_precoder.h)
are shared with the streaming blocks; the design code calls them through the
isac.core bindings and never re-implements them. This module is the single
place that knows their Python names.
"""
import math

try:
    from gnuradio import isac as _isac
except ImportError:  # build tree before the bindings are importable as a package
    import isac as _isac  # noqa: F401

core = _isac.core


def _need(name):
    fn = getattr(core, name, None)
    if fn is None:
        raise RuntimeError(
            f"gnuradio.isac.core.{name} is not available in this build; "
            "the design API needs the shared C++ core (crb.h / comm_precoder.h)")
    return fn


def steering_midpoint(n, angle_deg):
    """Bistatic CRB paper ULA vector (midpoint reference, sign +1, unnormalised)."""
    return core.ula_steering(n, angle_deg, spacing=0.5, sign=1, ref="center")


def receive_steering(n, angle_deg):
    """The module's receive response to a source at angle_deg (docs/conventions.md:
    sign -1), unnormalised, with the bistatic CRB paper's midpoint phase reference
    (b^H db/dtheta = 0). The paper's b(theta) is this vector at -theta."""
    return core.ula_steering(n, angle_deg, spacing=0.5, sign=-1, ref="center")


def receive_steering_derivative(n, angle_deg):
    return core.ula_steering_derivative(n, angle_deg, spacing=0.5, sign=-1, ref="center")


def crb_mixed(b, bdot, beta_abs, p_det, p_gauss, cpi_len, noise_var):
    """bistatic CRB paper Sec. IV-B: CRB_mix in rad^2 (p_gauss = 0: CRB_D; p_det = 0: CRB_G),
    core crb_mixed from the receive vector b and db/dtheta (per radian)."""
    return float(_need("crb_mixed_vec")(b, bdot, beta_abs, p_det, p_gauss, cpi_len, noise_var))


_DEG2_TO_RAD2 = (math.pi / 180.0) ** 2


def crb_upa(n_th, n_tv, n_rh, n_rv, theta_deg, phi_deg, xi, rho, alpha_abs, cpi_len, noise_var):
    """massive-MIMO ISAC paper Theorem 2 UPA closed form (core crb_upa, deg^2 at the Python surface):
    (CRLB_theta, CRLB_phi) in rad^2, the unit of the massive-MIMO ISAC paper."""
    out = _need("crb_upa")(n_th, n_tv, n_rh, n_rv, theta_deg, phi_deg, xi, rho,
                           alpha_abs, cpi_len, noise_var)
    return float(out[0]) * _DEG2_TO_RAD2, float(out[1]) * _DEG2_TO_RAD2


def minpower_precoder(H, sinr, noise_var):
    """null-space paper eq. (8) uplink-downlink duality fixed point of the null-space precoder's
    core (min sum power s.t. SINRs; H is K x N with rows h_k^H, sinr linear).
    Returns the core's dict (F, p, total_power, dual_value, feasible, why)."""
    sinr_db = [10.0 * math.log10(float(g)) for g in sinr]
    out = _need("minpower_precoder")(H, sinr_db, noise_var)
    if not out["feasible"]:
        raise ValueError(f"min-power design infeasible: {out['why']}")
    return out


def sensing_dof(task, n_targets, n_tx):
    """Beamformer-count paper d of a sensing task (core beam_count.h)."""
    return _need("sensing_dof")(task, n_targets, n_tx)


def beam_count_bound(n_users, d, cancellation, n_tx=0):
    """Beamformer-count paper bound on the total number of beamformers (core beam_count.h);
    n_tx > 0 caps the sensing beams at n_tx - n_users (Lemma 2)."""
    out = _need("beam_count_bound")(n_users, d, cancellation, n_tx)
    return int(out["total"])


def nullspace_design(H, power, sinr_db, noise_var, targets_deg, beam_width_deg, frame_len):
    """The null-space precoder's complete design (min-power comm beams +
    MM-LineSearch beampattern sensing, core design_sdisac)."""
    return _need("nullspace_design")(H, power, "minpower", sinr_db, noise_var, "beampattern",
                                     list(targets_deg), beam_width_deg, frame_len)
