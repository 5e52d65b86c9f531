#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The module's message dicts built in Python (csi, and the array calibration's
`cal`), and the line-of-sight channel (the los_csi_source block itself is C++:
gnuradio.isac.los_csi_source)."""
import numpy as np
import pmt

from .conventions import steering_matrix


def make_csi_message(H, offset=0, measured=None):
    """The module's csi dict {"H": c32vector row-major, "rows", "cols", "offset"}
    (lib/csi_message.h), built in Python. offset=None leaves the key out: the
    precoder applies the channel from its next item without judging it late
    (an offset behind its stream, such as 0 in a running flowgraph, is applied
    late with a warning). With measured, its "measured" item (the transmitter's
    item the rows describe the channel from)."""
    H = np.asarray(H, dtype=np.complex64)
    d = pmt.make_dict()
    d = pmt.dict_add(d, pmt.intern("H"), pmt.init_c32vector(H.size, H.ravel().tolist()))
    d = pmt.dict_add(d, pmt.intern("rows"), pmt.from_long(H.shape[0]))
    d = pmt.dict_add(d, pmt.intern("cols"), pmt.from_long(H.shape[1]))
    if offset is not None:
        d = pmt.dict_add(d, pmt.intern("offset"), pmt.from_uint64(int(offset)))
    if measured is not None:
        d = pmt.dict_add(d, pmt.intern("measured"), pmt.from_uint64(int(measured)))
    return d


def make_cal_message(phases_rad, reverse_elements=None, phases_se_rad=None, offset=None):
    """The `cal` dict: {"phases_rad": f64vector, "weights": c32vector}, where
    weights = exp(-j phases) are what the corrector multiplies stream channel n
    by, and (when given) "reverse_elements" (bool), the element order the
    phases were estimated for, and "phases_se_rad" (f64vector), their standard
    errors, as array_phase_estimator and tx_phase_estimator publish them;
    with offset, the item the correction takes effect at ("offset")."""
    ph = np.asarray(phases_rad, dtype=float).ravel()
    if not np.all(np.isfinite(ph)):
        raise ValueError("phases_rad must be finite, got %s" % ph)
    w = np.exp(-1j * ph).astype(np.complex64)
    d = pmt.make_dict()
    d = pmt.dict_add(d, pmt.intern("phases_rad"), pmt.init_f64vector(len(ph), ph.tolist()))
    d = pmt.dict_add(d, pmt.intern("weights"), pmt.init_c32vector(len(w), w.tolist()))
    if phases_se_rad is not None:
        se = np.asarray(phases_se_rad, dtype=float).ravel()
        # inf: a channel the estimate could not identify (tx_phase_estimator)
        if se.shape != ph.shape or not np.all(~np.isnan(se) & (se >= 0)):
            raise ValueError("phases_se_rad must be %d values >= 0 (one per phase; inf allowed), got %s"
                             % (len(ph), se))
        d = pmt.dict_add(d, pmt.intern("phases_se_rad"), pmt.init_f64vector(len(se), se.tolist()))
    if reverse_elements is not None:
        d = pmt.dict_add(d, pmt.intern("reverse_elements"), pmt.from_bool(bool(reverse_elements)))
    if offset is not None:
        d = pmt.dict_add(d, pmt.intern("offset"), pmt.from_uint64(int(offset)))
    return d


def los_channel(n_tx, user_deg, gain=1.0):
    """H with rows h_u^H = gain * a(user_deg[u])^T, a the module's unnormalised
    steering vector (docs/conventions.md): user u receives the field radiated
    toward user_deg[u], the same LoS model as isac_channel's comm_model "los"."""
    return gain * steering_matrix(int(n_tx), [float(t) for t in user_deg]).T
