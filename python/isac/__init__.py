#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
'''
gr-isac: integrated sensing and communications for multi-antenna SDRs.

Blocks (one item = one snapshot of N antenna samples):
  one_bit_quantizer   1-bit DAC alphabet / 1-bit ADC sign
  isac_channel        users' channels + monostatic/bistatic target and clutter echoes
  ci_precoder         CI safe-margin symbol precoder for 1-bit DACs (QoS/QoD)
  one_bit_rx_filter   1-bit radar receive filter and GLRT/CFAR detector
  nullspace_precoder  X = F S + P B, sensing in the users' null space
  doa_mle             DoA maximum-likelihood estimator with its CRB

Helper blocks (C++): psk_ser_meter, detection_meter, cpi_decimator, steering_reference, psk_symbol_source,
beampattern_probe, csi_gate, los_csi_source, array_phase_estimator,
array_phase_corrector, snapshot_framer / snapshot_deframer (network split).

End-to-end processing chains (hierarchical blocks written in Python around C++
blocks only, so no flowgraph needs the interpreter at teardown; shared by the
simulated, zeromq and over-the-air flowgraphs in examples/):
  one_bit_isac_tx     ci_precoder -> 1-bit DAC
  one_bit_radar_rx    one_bit_rx_filter with its 1-bit ADC (z, |z|/kappa)
  bistatic_doa_rx     doa_mle forming the g_T(phi)^T x reference itself
  psk_source          random M-PSK symbols for U users
Over the air (docs/ota.md): radio_sink / radio_source (UHD or the emulated
front-end, one `radio` variable chooses), emulated_radio, radio_emulator;
the acquisition blocks loop_delay_estimator -> fractional_delay and
tx_phase_estimator -> array_phase_corrector.
Module limits: set_memory_limit / memory_limit, set_queue_limit / queue_limit.
Numpy references (SER bounds, decisions): gnuradio.isac.metrics
Summary tables and the OK/CHECK verdict of the examples and the demo:
gnuradio.isac.summary
The angle convention of every block (docs/conventions.md) in code:
gnuradio.isac.conventions (steering, steering_matrix, transmit_beampattern)
The over-the-air flowgraphs' scene parameters and random asymmetric scenes:
gnuradio.isac.scene

Algorithm core (numpy in/out, no flowgraph needed): gnuradio.isac.core
Transmit design studies of the papers: gnuradio.isac.design
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
from .metrics import psk_points, psk_decide, safe_margin, theorem2_bounds, pd_theory, csi_margin_db
from .conventions import steering, steering_matrix, transmit_beampattern
from .psk_source import psk_source
from .csi_messages import make_csi_message, make_cal_message, los_channel
from .one_bit_isac_tx import one_bit_isac_tx
from .one_bit_radar_rx import one_bit_radar_rx
from .bistatic_doa_rx import bistatic_doa_rx
from .radio import emulated_radio, radio_sink, radio_source
from . import scene
