#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gnuradio.isac.design: the design side of the five papers (docs/references.md).

Numpy in, numpy arrays / dataclasses out; every function validates its
inputs and raises ValueError naming the parameter. Closed forms shared with
the streaming blocks (CRBs, communication precoders) are the C++ core's,
called through gnuradio.isac.core; convex subproblems use cvxopt.

  massive_mimo  massive-MIMO ISAC paper: MRT/ZF with a sensing beam, closed-form
                rates, UPA CRLBs, SCA power allocation and the equal-split /
                equal-comm benchmarks
  beam_count    beamformer-count paper: sum and hypotenuse bounds on the number
                of beamformers, rank reduction
  nullspace     null-space paper: SDR min-power baseline vs the duality fixed point
  bistatic      bistatic CRB paper: CRB-rate designs, benchmarks, boundary,
                factorisation
  energy        1-bit ISAC paper: energy model (eq. (38)) and radar energy efficiency
  one_bit_mmse  1-bit ISAC paper: the MMSE-based QoD baseline of its Figs. 7-8
  precoders     the streaming precoders' designs on one channel, also here:
                ci_design (1-bit ISAC paper, ci_precoder) and nullspace_design
                (null-space paper, nullspace_precoder)
"""
from . import beam_count, bistatic, energy, massive_mimo, nullspace, one_bit_mmse, precoders  # noqa: F401
from .precoders import ci_design, nullspace_design  # noqa: F401

__all__ = ["beam_count", "bistatic", "energy", "massive_mimo", "nullspace", "one_bit_mmse",
           "precoders", "ci_design", "nullspace_design"]
