#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Per-frame SER of both users of a headless over-the-air flowgraph (emulated
radio, unbounded, stopped once user 0 has seen --frames frames), around the
transmit calibration: where its correction takes effect (the estimator's
offset, in frames), the csi posts (the frame measured and the frame it takes
effect at) and every decided frame with SER above 0.1. Each user's `ser`
message comes every payload_len symbols (one per decided frame) and is matched
in order with the decided frames of its `stats` messages. The run stops once
both users have reported stream frame --frames; the totals count the decided
frames before it (stream frame numbers), so they do not depend on where the
stop falls. --restart-frames N adds a stop()/start() and a second run of N
frames (the calibrations kept). --timeout bounds each run's wall-clock time
(a warning says when it ended a run early). --impairments sets the emulator's
profile; --recalibrate-at N calls txcal_est.recalibrate() once user 0 has seen
N frames. Each run prints the payload's mute after its last Tx calibration: the
first frame each user decided after it.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ota_frame_ser.py \
        [--name isac_usrp_ota_headless] [--seed 4] [--rate 20e3] [--frames 170] [--restart-frames 90] \
        [--impairments none] [--recalibrate-at 150]
"""
import argparse
import os
import re
import sys
import time

import pmt
from gnuradio import gr, isac

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "isac"))
from qa_e2e_flowgraphs import compile_module  # noqa: E402  (grcc against this tree's block files)


class sink(gr.basic_block):
    """each user's decided frames (stats) and cumulative (symbols, errors)
    (ser), and the csi_feedback's stats"""

    def __init__(self):
        gr.basic_block.__init__(self, "sink", None, None)
        self.reset()
        for p in ("s0", "s1", "e0", "e1", "csi"):
            self.message_port_register_in(pmt.intern(p))
            self.set_msg_handler(pmt.intern(p), getattr(self, "h_" + p))

    def drain(self):
        """handles what the stopped thread left in the queues (a message
        queue outlives the run)"""
        for p in ("s0", "s1", "e0", "e1", "csi"):
            port = pmt.intern(p)
            while self.nmsgs(port):
                getattr(self, "h_" + p)(self.delete_head_nowait(port))

    def reset(self):
        self.dec = {0: [], 1: []}
        self.last = {0: -1, 1: -1}  # the newest stream frame each user reported
        self.ser = {0: [], 1: []}
        self.csi = []

    # GNU Radio takes bound methods as handlers, not lambdas
    def h_s0(self, m):
        self.stats(0, m)

    def h_s1(self, m):
        self.stats(1, m)

    def h_e0(self, m):
        self.errors(0, m)

    def h_e1(self, m):
        self.errors(1, m)

    def h_csi(self, m):
        self.csi.append(pmt.to_python(m))

    def stats(self, u, m):
        d = pmt.to_python(m)
        self.last[u] = max(self.last[u], d["frame"])
        if d["decided"]:
            self.dec[u].append(d["frame"])

    def errors(self, u, m):
        d = pmt.to_python(m)
        self.ser[u].append((d["symbols"], round(d["ser"][0] * d["symbols"])))


def build(name, seed, rate, impairments=None):
    """The headless flowgraph (emulated radio, unbounded) with the per-frame
    sink connected: (tb, sink, frame_len, payload_len)."""
    mod = compile_module(name)

    # the generated call's positional order is the GRC block's make template's
    grc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "grc", "isac_user_receiver.block.yml")
    with open(grc) as f:
        make = re.search(r"make: \|-\n(.*?\))", f.read(), re.S).group(1)
    names = re.findall(r"\$\{(\w+)\}", make)

    class patched:
        """the flowgraph's isac module, whose user_receiver publishes ser every
        payload_len symbols"""

        def __getattr__(self, k):
            return getattr(isac, k)

        @staticmethod
        def user_receiver(*p):
            if len(p) != len(names):
                raise SystemExit("user_receiver called with %d arguments, its make template has %d"
                                 % (len(p), len(names)))
            p = list(p)
            p[names.index("ser_every")] = p[names.index("payload_len")]
            return isac.user_receiver(*p)

    mod.isac = patched()
    kw = {} if impairments is None else dict(impairments=impairments)
    tb = getattr(mod, name)(radio="emulated", emu_seed=seed, samp_rate=rate, n_snapshots=0, **kw)
    s = sink()
    for u in range(2):
        r = getattr(tb, "user%d" % u)
        tb.msg_connect((r, "stats"), (s, "s%d" % u))
        tb.msg_connect((r, "ser"), (s, "e%d" % u))
    tb.msg_connect((tb.feedback, "stats"), (s, "csi"))
    return tb, s, int(tb.get_frame_len()), int(tb.get_payload_len())


def run(tb, s, frames, limit=300.0, recal_at=0):
    """One run until both users have reported stream frame `frames` (a warning
    if `limit` seconds end it first): the offset of the Tx calibration
    published in this run (None without one), the csi posts' stats dicts, and
    per user the (frame, SER) of every decided frame before `frames` and their
    (symbols, errors) totals."""
    s.reset()
    # a restarted run keeps an unchanged calibration without publishing one
    published = tb.txcal_est.estimates()
    tb.start()
    t0 = time.time()
    if recal_at:
        while tb.user0.frames() < recal_at and time.time() - t0 < limit:
            time.sleep(0.05)
        tb.txcal_est.recalibrate()
    while min(s.last.values()) < frames:
        if time.time() - t0 > limit:
            print("WARNING: the %g s limit ended the run at frame %d of %d: the totals are over "
                  "fewer frames" % (limit, min(s.last.values()), frames))
            break
        time.sleep(0.05)
    tb.stop()
    tb.wait()
    s.drain()
    cal = pmt.to_python(tb.txcal_est.last_estimate()) if tb.txcal_est.estimates() > published else None
    per, totals = {}, {}
    for u in range(2):
        n = s.ser[u][-1][0] if s.ser[u] else 0
        if s.ser[u] and n != s.ser[u][0][0] * len(s.dec[u]):
            print("user %d: %d symbols in %d decided frames: frames and ser messages not matched" % (
                u, n, len(s.dec[u])))
        prev, rows = (0, 0), []
        for f, (n, e) in zip(s.dec[u], s.ser[u]):
            rows.append((f, e - prev[1], n - prev[0]))
            prev = (n, e)
        rows = [x for x in rows if x[0] < frames]
        per[u] = [(f, e / max(m, 1)) for f, e, m in rows]
        totals[u] = (sum(x[2] for x in rows), sum(x[1] for x in rows))
    return cal and cal["offset"], list(s.csi), per, totals


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--name", default="isac_usrp_ota_headless")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--frames", type=int, default=170)
    ap.add_argument("--rate", type=float, default=20e3)
    ap.add_argument("--restart-frames", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=300.0, help="wall-clock limit of each run (s)")
    ap.add_argument("--impairments", default=None, help="the emulator's profile (default: the flowgraph's)")
    ap.add_argument("--recalibrate-at", type=int, default=0,
                    help="recalibrate the Tx array once user 0 has seen this many frames (run 1)")
    a = ap.parse_args()
    tb, s, L, _ = build(a.name, a.seed, a.rate, a.impairments)

    def report(frames, label, recal_at=0):
        c, csi, per, totals = run(tb, s, frames, a.timeout, recal_at)
        print("== %s seed %d %s: Tx calibration from item %s (frame %.2f%s)" % (
            a.name, a.seed, label, c, c / L if c is not None else -1,
            ", requested at user 0's frame %d" % recal_at if recal_at else ""))
        if recal_at and c is not None and c / L + 64 > frames:
            # the stream runs unthrottled ahead of the users: under load c can
            # land far past --recalibrate-at, and the mute is then cut by the end
            print("warning: the recalibration fell at frame %.2f, less than the 64-frame bound "
                  "before --frames %d: the mute after it cannot be measured; raise --frames"
                  % (c / L, frames))
        print("csi posts (frame measured, frame it takes effect at):",
              [(x["frame"], x["offset"] // L) for x in csi])
        for u in range(2):
            n, e = totals[u]
            bad = [(f, round(x, 2)) for f, x in per[u] if x > 0.1]
            print("user %d: %d decided frames before frame %d (first %s), SER %.4f; %d frames at SER > 0.1: %s" % (
                u, len(per[u]), frames, per[u][0][0] if per[u] else None, e / max(n, 1), len(bad), bad))
            if c is not None:
                after = [f for f, _ in per[u] if f > c / L + 1]
                print("user %d: mute after the Tx calibration: first decided frame %s (%s frames after it)" % (
                    u, after[0] if after else None, round(after[0] - c / L, 1) if after else None))

    report(a.frames, "run 1", a.recalibrate_at)
    if a.restart_frames:
        report(a.restart_frames, "run 2 (after stop()/start())")


if __name__ == "__main__":
    main()
