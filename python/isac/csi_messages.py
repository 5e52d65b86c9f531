#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The csi dict and the line-of-sight channel in Python (the los_csi_source block
itself is C++: gnuradio.isac.los_csi_source)."""
import numpy as np
import pmt

from .conventions import steering_matrix


def make_csi_message(H, offset=0):
    """The module's csi dict {"H": c32vector row-major, "rows", "cols", "offset"}
    (lib/csi_message.h), built in Python."""
    H = np.asarray(H, dtype=np.complex64)
    d = pmt.make_dict()
    d = pmt.dict_add(d, pmt.intern("H"), pmt.init_c32vector(H.size, H.ravel().tolist()))
    d = pmt.dict_add(d, pmt.intern("rows"), pmt.from_long(H.shape[0]))
    d = pmt.dict_add(d, pmt.intern("cols"), pmt.from_long(H.shape[1]))
    d = pmt.dict_add(d, pmt.intern("offset"), pmt.from_uint64(int(offset)))
    return d


def los_channel(n_tx, user_deg, gain=1.0):
    """H with rows h_u^H = gain * a(user_deg[u])^T, a the module's unnormalised
    steering vector (docs/conventions.md): user u receives the field radiated
    toward user_deg[u], the same LoS model as isac_channel's comm_model "los"."""
    return gain * steering_matrix(int(n_tx), [float(t) for t in user_deg]).T
