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
(array_phase_estimator, array_phase_corrector) are C++ (gnuradio.isac); this
module keeps the message helper.
"""
import numpy as np
import pmt


def make_cal_message(phases_rad, reverse_elements=None):
    """The `cal` dict: {"phases_rad": f64vector, "weights": c32vector}, where
    weights = exp(-j phases) are what the corrector multiplies stream channel n
    by, and (when given) "reverse_elements" (bool), the element order the
    phases were estimated for."""
    ph = np.asarray(phases_rad, dtype=float)
    w = np.exp(-1j * ph).astype(np.complex64)
    d = pmt.make_dict()
    d = pmt.dict_add(d, pmt.intern("phases_rad"), pmt.init_f64vector(len(ph), ph.tolist()))
    d = pmt.dict_add(d, pmt.intern("weights"), pmt.init_c32vector(len(w), w.tolist()))
    if reverse_elements is not None:
        d = pmt.dict_add(d, pmt.intern("reverse_elements"), pmt.from_bool(bool(reverse_elements)))
    return d
