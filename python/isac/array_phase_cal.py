#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Per-channel phase calibration of a receive array, delivered by a message.

Multi-channel SDRs (several USRPs, or one with several daughterboards) start
each receive channel with an unknown phase (LO, PLL and cable differences). The
estimator measures it from a calibration source, the corrector removes it, and
the estimate travels from one to the other as a PMT message on port `cal`, so a
running flowgraph recalibrates without files or restarts. The blocks
(array_phase_estimator, array_phase_corrector) are C++ (gnuradio.isac); the
`cal` dict is built by gnuradio.isac.csi_messages.make_cal_message, with the
module's other message dicts.
"""
from .csi_messages import make_cal_message  # noqa: F401 (its former home)
