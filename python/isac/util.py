#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Small helpers the apps, benchmarks and tests share: dB conversions, the
figure apps' CSV writer and channel averaging (--channels), the tests'
wall-clock limits, app loader (load_app) and comparison of large results
(assert_same), and the example flowgraphs' setter guard (keep_valid_on_error). (The C++ core
has its own in core/types.h: db2lin, deg2rad, rad2deg.)"""
import contextlib
import csv
import math
import os
import threading
import zlib

import numpy as np


def db2lin(db):
    """10^(db/10), for a number or an array."""
    return 10 ** (np.asarray(db, dtype=float) / 10) if np.ndim(db) else 10 ** (db / 10)


def lin2db(v):
    """10 log10(v), for a number or an array; a number <= 0 gives -inf."""
    if np.ndim(v):
        return 10.0 * np.log10(v)
    return 10 * math.log10(v) if v > 0 else float("-inf")


def write_csv(path, header, rows, notes=(), fmt=None):
    """Write a figure's CSV: "# note" lines, the header, then the rows. With
    fmt (e.g. ".6g") every float cell is written as format(cell, fmt)."""
    with open(path, "w", newline="") as f:
        for n in notes:
            f.write("# %s\n" % n)
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            if fmt is None:
                w.writerow(r)
            else:
                w.writerow([format(v, fmt) if isinstance(v, (float, np.floating)) else v for v in r])


def add_channels_arg(ap, full, quick):
    """The figure apps' --channels N: each figure point is the mean over N independent, seeded
    channel draws. Default: `full`, or `quick` with --quick. Call channels_arg after parse_args."""
    ap.add_argument("--channels", type=int, default=None,
                    # argparse %-expands help text itself: its percent sign must reach it as %%
                    help=f"channel draws averaged per figure point (default {full}, {quick} with --quick); draw 0 "
                         "is --seed itself (so --channels 1 is the single-draw run), draw k >= 1 a seed hashed "
                         "from (--seed, k), so runs with different --seed share no draw; error bars (95 %% t "
                         "interval) are drawn from 3 draws on")
    ap.set_defaults(_channels_default=(full, quick))


SEED_HELP = ("seed of draw 0 (the channel, symbols and noise of a single-draw run); the other "
             "--channels draws are hashed from it, see --channels")


def hash_seed(seed, key):
    """A seed derived from (seed, key) by numpy's SeedSequence, below 2^31 so it fits the C++
    blocks' int seeds: the one hash behind draw_seeds, sub_seed and isac_radar_figures' points."""
    return int(np.random.SeedSequence([seed, key]).generate_state(1)[0] % 2**31)


def draw_seeds(seed, n):
    """The seeds of the n channel draws of --seed: draw 0 is seed itself, so a one-draw run is
    the old single-draw run; draw k >= 1 comes from numpy's SeedSequence of (seed, k), so two
    runs whose seeds differ share no draw (seed + k would share n - |s1 - s2| of them)."""
    return [seed] + [hash_seed(seed, k) for k in range(1, n)]


def sub_seed(seed, name):
    """The seed a figure app hands its sub-app `name` for its own --seed: hashed by numpy's
    SeedSequence from (seed, the name's CRC-32), so each sub-app gets its own stream (no two share
    draws, as they would if all got seed itself) and a run repeats bit for bit with the same seed."""
    return hash_seed(seed, zlib.crc32(name.encode()))


def channels_arg(ap, args):
    """The --channels value of parsed args (its default resolved for --quick), or a usage error."""
    n = args.channels
    if n is None:
        full, quick = args._channels_default
        n = quick if getattr(args, "quick", False) else full
    if n < 1:
        ap.error("--channels must be >= 1, not %d" % n)
    args.channels = n
    return n


def channel_spread(values):
    """(mean, sd, ci95) over the channel draws (axis 0): the mean, the sample sd over the draws
    and the half-width of the mean's 95 % Student-t interval; sd and ci95 are NaN for one draw
    (no spread to estimate)."""
    v = np.asarray(values, dtype=float)
    mean, sd, ci, _used = channel_spread_used(v)
    return mean, sd, ci


def channel_spread_used(values):
    """channel_spread and, per column, how many draws it used: a non-finite draw (e.g. the dB of
    a Monte-Carlo estimate <= 0) is left out of that column rather than making its mean -inf."""
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    n = ok.sum(axis=0)
    vz = np.where(ok, v, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = vz.sum(axis=0) / n
        sd = np.sqrt(np.where(ok, (v - mean) ** 2, 0.0).sum(axis=0) / (n - 1))
        from scipy.stats import t
        ci = t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    sd = np.where(n >= 2, sd, np.nan)
    ci = np.where(n >= 2, ci, np.nan)
    mean = np.where(n >= 1, mean, np.nan)
    return mean, sd, ci, n


def time_limit(seconds):
    """A test's wall-clock limit: under a sanitizer build (ISAC_SANITIZER set by
    `./run test --sanitize`) the module runs several times slower, so the limit
    grows by ISAC_TIME_SCALE (default 8 there, 1 otherwise)."""
    default = "8" if os.environ.get("ISAC_SANITIZER") else "1"
    return seconds * float(os.environ.get("ISAC_TIME_SCALE", default))


def load_app(path, name=None):
    """An app script (no .py suffix) loaded as a module, so tests and benchmarks can call its
    helpers; `name` defaults to the file name."""
    import importlib.machinery
    import importlib.util
    name = name or os.path.basename(path)
    loader = importlib.machinery.SourceFileLoader(name, path)
    mod = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(mod)
    return mod


def _short(x, width=160):
    r = repr(x)
    return r if len(r) <= width else r[:width - 5] + " ...>"


def first_difference(a, b, where="value"):
    """None when a == b, else one line saying where they first differ (the
    index path, lengths, the two items cut short): linear in the sizes.
    Sequences, dicts and bytes are walked; numpy arrays go to numpy's
    assert_array_equal (its summary message); anything else compares with ==."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            np.testing.assert_array_equal(a, b)
        except AssertionError as e:
            return "%s: %s" % (where, " ".join(str(e).split()))
        return None
    if isinstance(a, (bytes, bytearray)) and isinstance(b, (bytes, bytearray)):
        if a == b:
            return None
        n = min(len(a), len(b))
        ne = np.frombuffer(a, np.uint8, n) != np.frombuffer(b, np.uint8, n)
        if not ne.any():
            return "%s: %d and %d bytes, equal over the first %d" % (where, len(a), len(b), n)
        return "%s: %d and %d bytes, %d of the first %d differ, the first at byte %d" % (
            where, len(a), len(b), np.count_nonzero(ne), n, int(np.argmax(ne)))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        try:
            if a == b:
                return None
        except ValueError:  # items are numpy arrays: walked below
            pass
        for i, (u, v) in enumerate(zip(a, b)):
            d = first_difference(u, v, "%s[%d]" % (where, i))
            if d:
                if len(a) != len(b):
                    d += " (%s: %d and %d items)" % (where, len(a), len(b))
                return d
        if len(a) != len(b):
            k = min(len(a), len(b))
            extra = a[k] if len(a) > k else b[k]
            return "%s: %d and %d items, equal up to %d, then %s" % (where, len(a), len(b), k,
                                                                    _short(extra))
        if type(a) is not type(b):
            return "%s: a %s and a %s" % (where, type(a).__name__, type(b).__name__)
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        try:
            if a == b:
                return None
        except ValueError:
            pass
        only_a = [k for k in a if k not in b]
        only_b = [k for k in b if k not in a]
        if only_a or only_b:
            return "%s: keys only in the first %s, only in the second %s" % (
                where, _short(only_a), _short(only_b))
        for k in a:
            d = first_difference(a[k], b[k], "%s[%r]" % (where, k))
            if d:
                return d
        return None
    if a == b:
        return None
    return "%s: %s != %s" % (where, _short(a), _short(b))


def assert_same(a, b, msg=None):
    """assertEqual for results that can be large (streams, sink data, tag and
    message lists, bytes): the same equality, but a failure says only where the
    two first differ. unittest's assertEqual on unequal lists, tuples and dicts
    diffs their whole reprs (difflib, quadratic) before it reports: 400
    differing tags took 22 s, a 200 kB stream minutes of CPU, and a failing
    test looked hung."""
    d = first_difference(a, b)
    if d:
        raise AssertionError("%s: %s" % (msg, d) if msg else d)


_LOG_RECORDS = []


def log_records():
    """One gr.dictionary_logger_backend for the process, added to GNU Radio's
    default sinks on the first call: every logger's messages by logger name, for
    tests that count the warnings a block logs (count the change across a run).
    GNU Radio 3.10 cannot remove a sink, so a backend per test would record
    every later line of the process once more."""
    if not _LOG_RECORDS:
        from gnuradio import gr
        _LOG_RECORDS.append(gr.dictionary_logger_backend())
        gr.logging().add_default_sink(_LOG_RECORDS[0])
    return _LOG_RECORDS[0]


def keep_valid_on_error(tb):
    """Makes every set_<var> of the GRC-generated top block `tb` (its own class's
    setters of variables and parameters) undo a value that raises. GRC's setter
    stores the value first and then passes it to the blocks, so a rejected value
    (a block's ValueError, or a derived variable's helper) would stay in
    tb.<var> while the blocks keep the old one. On an exception the setter runs
    again with the previous value (every block it reaches gets the value it
    had, also those that took the new one before another refused it), then the
    exception propagates. The examples call it from an "Init - Before Blocks"
    snippet, so Python callers and the GUI's controls (GRC binds them after the
    snippet) both go through the guard.

    The setters are wrapped on the class, once: a wrapper stored on the
    instance would hold the top block in a reference cycle, and a flowgraph
    not freed at `del` keeps its ZMQ port or radio until the garbage collector
    runs. One reentrant lock per top block makes a guarded call and its undo
    atomic against another thread's setter (a slider moved during a Python
    call would otherwise be overwritten by the undo)."""
    cls = type(tb)
    tb._isac_setter_lock = threading.RLock()
    if vars(cls).get("_isac_setters_guarded"):
        return
    for name, fn in list(vars(cls).items()):
        var = name[4:]
        if name.startswith("set_") and callable(fn) and "get_" + var in vars(cls) and hasattr(tb, var):
            setattr(cls, name, _undo_on_error(var, fn))
    cls._isac_setters_guarded = True


def _undo_on_error(var, setter):
    def guarded(self, value):
        with getattr(self, "_isac_setter_lock", _NO_LOCK):
            old = getattr(self, var)
            try:
                setter(self, value)
            except Exception as err:
                try:
                    setter(self, old)
                except Exception as undo_err:
                    setattr(self, var, old)  # the old value no longer applies either: keep it readable
                    note = "undoing %s = %r failed too (%s): some blocks may hold the rejected value" % (
                        var, value, undo_err)
                    err.add_note(note)
                    from gnuradio import gr
                    gr.logger("keep_valid_on_error").warn(note)
                raise err
    guarded.__name__ = setter.__name__
    guarded.__doc__ = setter.__doc__
    return guarded


_NO_LOCK = contextlib.nullcontext()
