#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Reliability helpers shared by the stress QA test, the soak app and its QA
test: a streaming output checker, a progress gate that interleaves a control
thread with work() calls without sleeping, malformed-message generators, and
RSS sampling.
"""
import ctypes
import os
import threading

import numpy as np
import pmt
from gnuradio import gr


def rss_bytes():
    """Resident set size of this process (Linux /proc), in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                 "fsmblks", "uordblks", "fordblks", "keepcost")]


def _load_mallinfo2():
    try:
        f = ctypes.CDLL(None).mallinfo2  # glibc >= 2.33
    except (OSError, AttributeError):
        return None
    f.restype = _mallinfo2
    f.argtypes = []
    return f


_MALLINFO2 = _load_mallinfo2()


def heap_free_bytes():
    """Bytes glibc's malloc holds free in its arenas (mallinfo2 fordblks, all
    arenas), or 0 where that is not available (another libc, a sanitizer's
    allocator). free() does not return memory in the middle of an arena to the
    system, so these bytes stay in the RSS although nothing uses them:
    rss_bytes() - heap_free_bytes() is the memory the process really holds."""
    if _MALLINFO2 is None:
        return 0
    return int(_MALLINFO2().fordblks)


class stream_checker(gr.sync_block):
    """Consumes vectors and checks each work() call with `check(x)`, a function
    of the (n, vlen) array that returns None or a description of what is wrong.
    Counts items and calls, keeps the first few violations, and lets another
    thread wait for progress (wait_calls) so that control actions interleave
    with streaming without any sleep."""

    def __init__(self, vlen, check, dtype=np.complex64, max_bad=5):
        gr.sync_block.__init__(self, name="stream_checker",
                               in_sig=[(dtype, vlen)] if vlen > 1 else [dtype],
                               out_sig=None)
        self.check = check
        self.items = 0
        self.calls = 0
        self.bad = []
        self.max_bad = max_bad
        self.cond = threading.Condition()

    def work(self, input_items, output_items):
        x = np.asarray(input_items[0])
        why = self.check(x)
        with self.cond:
            if why is not None and len(self.bad) < self.max_bad:
                self.bad.append(f"after {self.items} items: {why}")
            self.items += len(x)
            self.calls += 1
            self.cond.notify_all()
        return len(x)

    def wait_calls(self, n_more, timeout):
        """Block until `n_more` further work() calls happened. Returns False on
        timeout: the flowgraph made no progress (stalled or deadlocked)."""
        with self.cond:
            target = self.calls + n_more
            return self.cond.wait_for(lambda: self.calls >= target, timeout)


def finite_check(x):
    if not np.all(np.isfinite(x)):
        return "non-finite output"
    return None


def one_bit_check(amplitudes):
    """Check for 1-bit outputs: every entry is +-a +-ja, with ONE amplitude a
    per vector (a setter never splits a vector) taken from `amplitudes`
    (a set that the control thread may grow while it runs). A vector holding a
    NaN component is skipped: the ADC mode passes NaN on (it has no sign)."""
    def check(x):
        x = x.reshape(len(x), -1)
        if np.any(np.isinf(x.real) | np.isinf(x.imag)):
            return "infinite output"
        x = x[~np.any(np.isnan(x.real) | np.isnan(x.imag), axis=1)]
        if len(x) == 0:
            return None
        a = np.abs(x.real)
        if not (np.array_equal(a, np.abs(x.imag)) and np.all(a == a[:, :1])):
            return "entries of one vector with different amplitudes"
        allowed = np.array(sorted(amplitudes), dtype=np.float32)
        got = np.unique(a[:, 0])
        ok = np.isclose(got[:, None], allowed[None, :], rtol=1e-6, atol=0).any(axis=1)
        if not np.all(ok):
            return f"amplitude {got[~ok][0]} not in the alphabet"
        return None
    return check


def bad_messages(rng, keys, n):
    """n malformed or hostile PMT messages for a handler that reads `keys`:
    not a dict, wrong value types, NaN/Inf, huge and empty vectors, improper
    lists, unknown keys, oversized csi matrices."""
    nan, inf = float("nan"), float("inf")
    out = []
    for i in range(n):
        k = keys[rng.integers(len(keys))]
        kind = i % 12
        if kind == 0:
            m = pmt.from_double(1.0)
        elif kind == 1:
            m = pmt.PMT_NIL
        elif kind == 2:
            m = pmt.dict_add(pmt.make_dict(), pmt.intern(k), pmt.from_double(nan))
        elif kind == 3:
            m = pmt.dict_add(pmt.make_dict(), pmt.intern(k), pmt.from_double(-inf))
        elif kind == 4:
            m = pmt.dict_add(pmt.make_dict(), pmt.intern(k), pmt.intern("not a number"))
        elif kind == 5:
            m = pmt.dict_add(pmt.make_dict(), pmt.intern(k),
                             pmt.init_f64vector(100000, np.full(100000, 3.0)))
        elif kind == 6:
            m = pmt.dict_add(pmt.make_dict(), pmt.intern(k),
                             pmt.cons(pmt.from_double(1.0), pmt.from_double(2.0)))
        elif kind == 7:
            m = pmt.dict_add(pmt.make_dict(), pmt.intern("no_such_key"), pmt.from_long(3))
        elif kind == 8:
            m = pmt.dict_add(pmt.make_dict(), pmt.intern(k), pmt.init_f32vector(0, []))
        elif kind == 9:  # csi whose H does not match rows*cols
            m = pmt.make_dict()
            m = pmt.dict_add(m, pmt.intern("H"), pmt.init_c32vector(3, [1j, 2, 3]))
            m = pmt.dict_add(m, pmt.intern("rows"), pmt.from_long(2))
            m = pmt.dict_add(m, pmt.intern("cols"), pmt.from_long(2))
        elif kind == 10:  # oversized csi: 5000 x 5000 announced, 4 entries sent
            m = pmt.make_dict()
            m = pmt.dict_add(m, pmt.intern("H"), pmt.init_c32vector(4, [1, 1, 1, 1]))
            m = pmt.dict_add(m, pmt.intern("rows"), pmt.from_long(5000))
            m = pmt.dict_add(m, pmt.intern("cols"), pmt.from_long(5000))
        else:  # csi with a NaN entry
            m = pmt.make_dict()
            m = pmt.dict_add(m, pmt.intern("H"), pmt.init_c32vector(4, [1, nan, 1, 1]))
            m = pmt.dict_add(m, pmt.intern("rows"), pmt.from_long(2))
            m = pmt.dict_add(m, pmt.intern("cols"), pmt.from_long(2))
        out.append(m)
    return out


def special_samples(rng, n, vlen):
    """Gaussian snapshots with NaN, +-Inf, +-0 and denormals sprinkled in."""
    x = (rng.standard_normal((n, vlen)) + 1j * rng.standard_normal((n, vlen))).astype(np.complex64)
    flat = x.reshape(-1)
    specials = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45]
    idx = rng.choice(flat.size, size=min(flat.size, 64), replace=False)
    for j, i in enumerate(idx):
        flat[i] = complex(specials[j % len(specials)], specials[(j // 2) % len(specials)])
    return x


class capture_stderr:
    """Captures what is written to file descriptor 2 (where GNU Radio's
    logger prints block warnings) while the context is active."""

    def __enter__(self):
        import tempfile
        import sys
        sys.stderr.flush()
        self._tmp = tempfile.TemporaryFile(mode="w+b")
        self._saved = os.dup(2)
        os.dup2(self._tmp.fileno(), 2)
        self.text = ""
        return self

    def read(self):
        self._tmp.flush()
        self._tmp.seek(0)
        return self._tmp.read().decode("utf-8", "replace")

    def __exit__(self, *exc):
        import sys
        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self.text = self.read()
        self._tmp.close()
        return False


def wait_until(pred, timeout):
    """Polls pred() until it is true or `timeout` s passed (for effects of
    asynchronous message handlers); returns pred()'s last value. It returns as
    soon as pred() holds, so a wait for something that must happen takes a long
    timeout (a loaded machine may take seconds: a channel's design, a thread's
    start); only a wait for something that must not happen is short."""
    import time
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > end:
            return v
        time.sleep(0.01)
