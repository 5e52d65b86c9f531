#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
'''
gr-isac: integrated sensing and communications for multi-antenna SDRs.

Blocks (one item = one snapshot of N antenna samples):
  one_bit_quantizer   1-bit DAC alphabet / 1-bit ADC sign

Algorithm core (numpy in/out, no flowgraph needed): gnuradio.isac.core
'''
import os

# import pybind11 generated symbols into the isac namespace
try:
    from .isac_python import *
except ModuleNotFoundError:
    # Running from the build tree before the bindings are copied next to us.
    dirname, filename = os.path.split(os.path.abspath(__file__))
    __path__.append(os.path.join(dirname, "bindings"))
    from .isac_python import *

# pure python here
