#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Holds a symbol stream back until the first channel estimate has arrived."""
import threading

import numpy as np
import pmt
from gnuradio import gr


class csi_gate(gr.basic_block):
    """Drops its input (vectors of vlen complex) until a message arrives on
    `csi`, then passes everything. Placed before the split that feeds both a
    precoder and an error counter, it makes the first transmitted snapshot the
    first one precoded with a real channel, even when the channel comes over a
    network (isac_zmq_tx): a precoder without a channel outputs zeros. Wire the
    same csi source to the precoder first, then to the gate."""

    def __init__(self, vlen=4):
        if vlen < 1:
            raise ValueError("vlen must be >= 1, got %r" % (vlen,))
        gr.basic_block.__init__(self, name="csi_gate", in_sig=[(np.complex64, vlen)],
                                out_sig=[(np.complex64, vlen)])
        self._lock = threading.Lock()
        self._open = False
        self._dropped = 0
        self.message_port_register_in(pmt.intern("csi"))
        self.set_msg_handler(pmt.intern("csi"), self._handle)

    def _handle(self, msg):
        with self._lock:
            self._open = True

    def is_open(self):
        with self._lock:
            return self._open

    def dropped(self):
        """Snapshots dropped while waiting for the channel."""
        with self._lock:
            return self._dropped

    def general_work(self, input_items, output_items):
        n_in = len(input_items[0])
        with self._lock:
            if not self._open:
                self._dropped += n_in
                self.consume(0, n_in)
                return 0
        n = min(n_in, len(output_items[0]))
        output_items[0][:n] = input_items[0][:n]
        self.consume(0, n)
        return n
