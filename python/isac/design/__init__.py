#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gnuradio.isac.design: the design side of the gr-isac seeds.

Numpy in, numpy arrays / dataclasses out; every function validates its
inputs and raises ValueError naming the parameter. Closed forms shared with
the streaming blocks (CRBs, communication precoders) are the C++ core's,
called through gnuradio.isac.core; convex subproblems use cvxopt.

  seed001  massive-MIMO ISAC with MRT/ZF: closed-form rates, UPA CRLBs, SCA
           power allocation and the equal-split / equal-comm benchmarks
  seed002  sum and hypotenuse bounds on the number of beamformers, rank
           reduction
  seed003  SDR min-power baseline vs the duality fixed point
  seed004  bistatic CRB-rate designs, benchmarks, boundary, factorisation
  energy   seed-000 energy model (eq. 38) and radar energy efficiency
"""
from . import energy, seed001, seed002, seed003, seed004  # noqa: F401
