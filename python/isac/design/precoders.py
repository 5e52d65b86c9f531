#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The streaming precoders' designs, for studies: what ci_precoder and
nullspace_precoder design, called on one channel (one algorithm, one place:
both call the C++ core through gnuradio.isac.core; nothing is re-implemented).

  ci_design(H, s, **keywords)          1-bit ISAC paper: safe-margin CI design of
                                       one snapshot (dict; module steering g)
  nullspace_design(H, power, comm, sinr_db, noise_var, sensing, targets_deg,
                   beam_width_deg, frame_len, **keywords)
                                       null-space paper: comm beams + sensing in
                                       the users' null space (core.sdisac_design)

The keyword lists below are built at import from the core functions' own
signatures (names and defaults) and the blocks' descriptors
(lib/core/params/*.yml, through _core_params.py: unit, range, meaning), with
the core's own values where it differs from the block (tools/gen_params.py,
STUDY_OVERRIDES); qa_design_precoders calls every listed value and a value
past every listed bound. A keyword the function does not take raises a short
TypeError naming it and the close matches (n_tx, n_users: they come from H).
"""
import ast
import difflib
import inspect

import numpy as np

from . import _core_params
from ._bind import core

# Keywords of the core functions that are not block parameters (their meaning is
# the core's: include/gnuradio/isac/core/ci_solver.h, nullspace.h)
_EXTRA = {
    "ci_design": {
        "H": ("", "n_users x n_tx, finite", "channel, rows h_u^H: user u receives (H x)_u + noise"),
        "s": ("", "n_users values, finite and nonzero",
              "the users' symbols, each snapped to the nearest M-PSK point"),
        "adc": ("", '"1bit", "inf"', "radar receiver: 1-bit ADCs (QSCNR) or infinite resolution (SCNR)"),
        "tol": ("", "finite, >= 0", "relative MM stopping tolerance"),
        "bnb_max_nodes": ("", ">= 1", 'branch-and-bound node budget per vector (solver "exact")'),
        "bnb_max_seconds": ("s", "> 0", 'branch-and-bound time budget per vector (solver "exact")'),
        "tuning": ("", "dict or None",
                   "overrides of the solver preset's internal settings (core.ci_preset_tuning)"),
    },
    "nullspace_design": {
        "H": ("", "n_users x n_tx, finite, n_users < n_tx",
              "channel, rows h_u^H: user u receives (H x)_u + noise"),
        "tol": ("", "> 0, finite", "relative cost change that stops the MM / RCG iterations"),
        "seed": ("", ">= 0", "seed of the sensing frame's random start"),
        "symbols": ("", "None or n_users x frame_len complex",
                    "known symbols (null-space paper deterministic mode); None: expected over "
                    "i.i.d. unit-power symbols"),
    },
}


def _split_top(text, sep):
    """text split at sep outside brackets (pybind11 writes List[float] = [-50.0, 30.0])."""
    parts, depth, cur, i = [], 0, "", 0
    while i < len(text):
        c = text[i]
        if c in "[({":
            depth += 1
        elif c in "])}":
            depth -= 1
        if depth == 0 and text.startswith(sep, i):
            parts.append(cur)
            cur, i = "", i + len(sep)
            continue
        cur += c
        i += 1
    return parts + [cur]


class _Text(str):
    """A default that is not a Python literal (inf, an enum): shown as pybind11 wrote it."""

    def __repr__(self):
        return str(self)


def _core_signature(fn):
    """[(name, default or inspect.Parameter.empty)] from a pybind11 docstring's first line.

    Never raises: this runs at import of gnuradio.isac.design, so a default it cannot
    read is kept as text (_Text) and an unreadable line gives [] (qa_design_precoders
    checks that both signatures parse)."""
    try:
        first = fn.__doc__.splitlines()[0]
        inner = first[first.index("(") + 1:first.rindex(") ->")]
        out = []
        for part in _split_top(inner, ", "):
            name, rest = part.split(": ", 1)
            kv = _split_top(rest, " = ")
            default = inspect.Parameter.empty
            if len(kv) == 2:
                try:
                    default = ast.literal_eval(kv[1])
                except (ValueError, SyntaxError):
                    default = _Text(kv[1])
            out.append((name.strip(), default))
    except (AttributeError, IndexError, ValueError):
        return []
    return [(n, d) for n, d in out if n != "self"]


def _describe(fn_name, params):
    table = dict(getattr(_core_params, fn_name))
    table.update(_EXTRA[fn_name])
    lines = []
    for name, default in params:
        unit, allowed, meaning = table.get(name, ("", "", ""))
        head = f"  {name}" + (f" [{unit}]" if unit else "")
        head += "" if default is inspect.Parameter.empty else f" = {default!r}"
        lines.append(head)
        lines.append(f"      {meaning}" + (f"; allowed {allowed}" if allowed else ""))
    return "\n".join(lines), table


# sizes that the study functions read from H's shape: a block user passes them by habit
_FROM_H = ("n_tx", "n_users")


def _check_keywords(fn_name, names, kwargs):
    for k in kwargs:
        if k in _FROM_H and k not in names:
            raise TypeError(f"{fn_name}(): n_tx and n_users come from H's shape "
                            f"(n_users x n_tx); drop {k}")
        if k not in names:
            close = difflib.get_close_matches(k, names, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else \
                f"; see help(gnuradio.isac.design.{fn_name})"
            raise TypeError(f"{fn_name}() got an unknown keyword '{k}'{hint}")


# ---- ci_design -----------------------------------------------------------------
# ci_design takes ci_solver's constructor keywords; n_tx and n_users come from H
_CI_PARAMS = [(n, d) for n, d in _core_signature(core.ci_solver.__init__) if n not in _FROM_H]
_CI_NAMES = [n for n, _ in _CI_PARAMS]


def ci_design(H, s, **keywords):
    _check_keywords("ci_design", _CI_NAMES, keywords)
    return core.ci_design(np.asarray(H, dtype=complex), np.asarray(s, dtype=complex).ravel(), **keywords)


_ci_text, _ = _describe("ci_design", [("H", inspect.Parameter.empty), ("s", inspect.Parameter.empty)] + _CI_PARAMS)
ci_design.__doc__ = f"""The ci_precoder block's design of one snapshot (1-bit ISAC paper, safe-margin CI,
core.ci_design): the transmit vector x (n_tx) for the users' symbols s on channel H.

Returns a dict:
  x          transmit vector, n_tx complex; 1-bit DAC: every |x_n|^2 = power/n_tx
  u          its real stacking [Re x; Im x]
  margins    the users' safe margins alpha_u = Re z_u - cot(pi/M)|Im z_u|,
             z_u = conj(s_u/|s_u|)(H x)_u (core.safe_margins)
  lambda     the margin the QoS asks for, sqrt(Gamma noise_var) (mode "qos")
  feasible   every margin >= lambda; False: the max-min fallback (margins below lambda)
  qscnr      Theorem 1's QSCNR (linear; the SCNR when adc = "inf")
  objective  the radar_metric's value; iterations, optimal, budget_exhausted,
             step_value, lp_bound, gap, trace: the solver's record

Angles follow docs/conventions.md: the radar scene's c_q = g(theta_q)^T x with
g_n(theta) = exp(-j pi n sin theta)/sqrt(n_tx), so the field toward theta is
|g(theta)^T x|^2 (gnuradio.isac.conventions.transmit_beampattern).

Keywords (name [unit] = default; a ci_precoder block parameter of the same name
means what it means there, except where the text below says otherwise, e.g.
solver: the block's "lut" is a table cache, here the preset "table"):
{_ci_text}
"""
ci_design.__signature__ = inspect.Signature(
    [inspect.Parameter("H", inspect.Parameter.POSITIONAL_OR_KEYWORD),
     inspect.Parameter("s", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    + [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d) for n, d in _CI_PARAMS])


# ---- nullspace_design ------------------------------------------------------------
_NS_PARAMS = _core_signature(core.nullspace_design)
_NS_NAMES = [n for n, _ in _NS_PARAMS]
_NS_SIGNATURE = inspect.Signature(
    [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d) for n, d in _NS_PARAMS])


def nullspace_design(*args, **keywords):
    _check_keywords("nullspace_design", _NS_NAMES, keywords)
    try:
        bound = _NS_SIGNATURE.bind(*args, **keywords)
    except TypeError as e:
        raise TypeError(f"nullspace_design(): {e}") from None
    a = bound.arguments
    a["H"] = np.asarray(a["H"], dtype=complex)
    return core.nullspace_design(**a)


_ns_text, _ = _describe("nullspace_design", _NS_PARAMS)
nullspace_design.__doc__ = f"""The nullspace_precoder block's design (null-space paper, core.nullspace_design):
communication beams F for the users' SINRs and a sensing frame P B in the users'
null space (H P = 0), for studies.

Returns core.sdisac_design:
  ok, message     False with the reason when infeasible (e.g. P_c > P_t)
  F               n_tx x n_users communication precoder: user u's SINR is
                  |(H F)_uu|^2 / (sum_(v != u) |(H F)_uv|^2 + noise_var)
  P, B            null-space basis (n_tx x (n_tx - rank H)) and the sensing
                  frame's coefficients; X_sensing = P B (n_tx x frame_len)
  sinr, sinr_db   the users' SINRs: sinr LINEAR, sinr_db in dB (the input is sinr_db)
  comm_power, sensing_power, split   power per snapshot and its shares
  peak_angles_deg, pslr_db, pattern, grid_deg, desired, beampattern(grid_deg)
                  the transmit beampattern P(theta) = a^H R a,
                  R = F F^H + P B B^H P^H / frame_len

Angles follow docs/conventions.md: P(theta) is the power radiated toward theta,
E|a(theta)^T x|^2 with the module's a_n(theta) = exp(-j pi n sin theta) (the
null-space paper's a_n = exp(+j pi n sin theta) is its conjugate, so its a^H R a
is the same number), and the beams peak at targets_deg.

Keywords (name [unit] = default; a nullspace_precoder block parameter of the
same name means what it means there, except where the text below says otherwise):
{_ns_text}
"""
nullspace_design.__signature__ = _NS_SIGNATURE
