#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""A message store with bounded memory: Message Debug's store for a run of any length."""
import collections
import threading

import pmt
from gnuradio import gr

from . import _hier, _params


class message_keeper(gr.basic_block):
    """Keeps the latest `limit` messages of its `in` port (0: every one) and
    counts them all: count(), and valid_count() / last_valid() for the dict
    messages whose "valid" is true (the estimators' messages). num_messages()
    and get_message(i) read the kept ones, oldest first, as Message Debug's do,
    so a flowgraph left running for hours holds at most `limit` messages where
    a Message Debug's store grows with every message.
    """

    # gen_params:begin doc
    __doc__ += """

    Parameters (python/isac/params/message_keeper.yml):
      limit: messages kept, the latest (0: every message; count() counts all either way); [0, 2147483647] (default 1000) [settable]
    """
    # gen_params:end doc

    # gen_params:begin signature
    def __init__(self, limit=1000):
    # gen_params:end signature
        # gen_params:begin check
        limit = _hier.check(_params.message_keeper.limit, limit)
        # gen_params:end check
        gr.basic_block.__init__(self, "message_keeper", None, None)
        self._lock = threading.Lock()
        self._kept = collections.deque(maxlen=limit or None)
        self._count = self._valid = 0
        self._last_valid = None
        self.message_port_register_in(pmt.intern("in"))
        self.set_msg_handler(pmt.intern("in"), self._handle)

    def _handle(self, msg):
        valid = pmt.is_dict(msg) and pmt.to_python(pmt.dict_ref(msg, pmt.intern("valid"), pmt.PMT_F)) is True
        with self._lock:
            self._kept.append(msg)
            self._count += 1
            if valid:
                self._valid += 1
                self._last_valid = msg

    def set_limit(self, limit):
        limit = _hier.check(_params.message_keeper.limit, limit)
        with self._lock:
            self._kept = collections.deque(self._kept, maxlen=limit or None)

    def limit(self):
        with self._lock:
            return self._kept.maxlen or 0

    def num_messages(self):
        with self._lock:
            return len(self._kept)

    def get_message(self, i):
        with self._lock:
            return self._kept[i]

    def count(self):
        """Messages received in all (kept or not)."""
        with self._lock:
            return self._count

    def valid_count(self):
        with self._lock:
            return self._valid

    def last_valid(self):
        """The last dict message whose "valid" was true, as a Python dict (None before one)."""
        with self._lock:
            m = self._last_valid
        return None if m is None else pmt.to_python(m)
