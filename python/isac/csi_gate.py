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
    """Holds its input (vectors of vlen complex) back until a message arrives
    on `csi`, then passes everything; nothing is dropped. Placed before the
    split that feeds both a precoder and an error counter, it makes the first
    transmitted snapshot the first one precoded with a real channel, even when
    the channel comes over a network (isac_zmq_tx): a precoder without a
    channel outputs zeros. Wire the same csi source to the precoder first,
    then to the gate."""

    def __init__(self, vlen=4):
        if vlen < 1:
            raise ValueError("vlen must be >= 1, got %r" % (vlen,))
        gr.basic_block.__init__(self, name="csi_gate", in_sig=[(np.complex64, vlen)],
                                out_sig=[(np.complex64, vlen)])
        self._lock = threading.Lock()
        self._open = False
        self._event = threading.Event()
        self.message_port_register_in(pmt.intern("csi"))
        self.set_msg_handler(pmt.intern("csi"), self._handle)

    def _handle(self, msg):
        with self._lock:
            self._open = True
        self._event.set()

    def is_open(self):
        with self._lock:
            return self._open

    def general_work(self, input_items, output_items):
        if not self.is_open():
            # Message handlers run on this block's thread between work calls, so
            # return (consuming nothing) after a short wait instead of spinning;
            # the scheduler calls again and the handler gets its turn in between.
            self._event.wait(0.02)
            return 0
        n = min(len(input_items[0]), len(output_items[0]))
        output_items[0][:n] = input_items[0][:n]
        self.consume(0, n)
        return n
