#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Counts detections of a normalised detection statistic (|z|/kappa >= 1)."""
import threading

import numpy as np
from gnuradio import gr


class detection_meter(gr.sync_block):
    """in0: the float statistic |z|/kappa of one_bit_rx_filter (>= threshold is a
    detection). out0: the running detection rate (a float per item, for GUI
    number sinks). count()/detections()/rate() read the totals while running;
    the first `skip` items are not counted."""

    def __init__(self, threshold=1.0, skip=0):
        if not np.isfinite(threshold) or threshold <= 0:
            raise ValueError("threshold must be a finite value > 0, got %r" % (threshold,))
        if skip < 0:
            raise ValueError("skip must be >= 0, got %r" % (skip,))
        gr.sync_block.__init__(self, name="detection_meter", in_sig=[np.float32], out_sig=[np.float32])
        self.threshold, self.skip = float(threshold), int(skip)
        self._lock = threading.Lock()
        self._seen = self._n = self._det = 0
        self._sum = 0.0

    def work(self, input_items, output_items):
        v = input_items[0]
        n = len(v)
        first = max(0, min(n, self.skip - self._seen))
        self._seen += n
        with self._lock:
            w = v[first:]
            # NaN compares False, so a NaN statistic is never a detection
            self._det += int(np.count_nonzero(w >= self.threshold))
            self._n += n - first
            self._sum += float(np.sum(w[np.isfinite(w)], dtype=np.float64))
            rate = self._det / max(self._n, 1)
        output_items[0][:] = rate
        return n

    def count(self):
        with self._lock:
            return int(self._n)

    def detections(self):
        with self._lock:
            return int(self._det)

    def rate(self):
        with self._lock:
            return self._det / max(self._n, 1)

    def mean_statistic(self):
        with self._lock:
            return self._sum / max(self._n, 1)
