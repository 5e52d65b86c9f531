#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Publishes a line-of-sight `csi` dict for users at known angles."""
import threading

import numpy as np
import pmt
from gnuradio import gr

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


class los_csi_source(gr.basic_block):
    """Over the air there is no simulator to publish the channel: this block
    publishes the line-of-sight channel of users at user_deg (rows
    h_u^H = gain a(theta_u)^T) on its `csi` port when the flowgraph starts, and
    again, with offset 0 ("now"), whenever set_user_deg()/set_gain() changes it.
    Wire it to a precoder's `csi` input. After the first publication the block
    tells the scheduler it is finished (a block with only message outputs would
    otherwise keep a bounded flowgraph running for ever, like message_strobe):
    the flowgraph ends when its streams do, and later angle or gain changes are
    still published."""

    def __init__(self, n_tx=16, user_deg=(-30.0, 0.0, 30.0, 50.0), gain=1.0):
        gr.basic_block.__init__(self, name="los_csi_source", in_sig=None, out_sig=None)
        if n_tx < 1:
            raise ValueError("n_tx must be >= 1, got %r" % (n_tx,))
        self.n_tx = int(n_tx)
        self._lock = threading.Lock()
        self._check(user_deg, gain)
        self._user_deg, self._gain = [float(t) for t in user_deg], float(gain)
        self.message_port_register_out(pmt.intern("csi"))

    @staticmethod
    def _check(user_deg, gain):
        if len(user_deg) < 1 or not all(np.isfinite(t) and -90 <= t <= 90 for t in user_deg):
            raise ValueError("user_deg must list angles in [-90, 90], got %r" % (list(user_deg),))
        if not (np.isfinite(gain) and gain > 0):
            raise ValueError("gain must be a finite value > 0, got %r" % (gain,))

    def channel(self):
        with self._lock:
            return los_channel(self.n_tx, self._user_deg, self._gain)

    def _publish(self):
        self.message_port_pub(pmt.intern("csi"), make_csi_message(self.channel(), 0))

    def start(self):
        self._publish()
        # nothing more to do on the scheduler's side (setters publish directly)
        self._post(pmt.intern("system"), pmt.cons(pmt.intern("done"), pmt.from_long(1)))
        return True

    def set_user_deg(self, user_deg):
        self._check(user_deg, 1.0)
        with self._lock:
            self._user_deg = [float(t) for t in user_deg]
        self._publish()

    def set_gain(self, gain):
        self._check([0.0], gain)
        with self._lock:
            self._gain = float(gain)
        self._publish()
