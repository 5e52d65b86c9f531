#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The user_receiver block at the edges of its streams: a radio that delivers
nothing while the symbol source it shares with the transmitter runs on, the
end of a finite stream, non-finite reference symbols. The references are the
core receiver's decisions against the transmitted symbols in numpy."""

import math
import threading
import time

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest, isac
from gnuradio.isac import core
from gnuradio.isac.util import assert_same

from qa_user_receiver_core import L, NT, late_stream

F = 948  # frame_len at NT = 4, L = 880


def precoded_stream(seed, n_frames, delay, noise_var=0.01):
    """Frames whose payload is precoded with the row the receiver reports
    itself (its first, frame 15's: it shares the receiver's phase), so that its
    decisions can be checked against the symbols; the stream ends 40 samples
    after the last frame (enough to process it, not to try the next one).
    Returns the samples, the symbols' indices k and the core's frames with
    the end of the stream flushed."""
    def run_core(y):
        r = core.user_receiver(n_tx=NT, payload_len=L)
        out = [fr for i in range(0, len(y), 4096) for fr in r.push(y[i:i + 4096])]
        return out + r.flush()

    end = int(delay) + n_frames * F + 40
    _, _, y, k = late_stream(np.random.default_rng(seed), n_frames, delay, noise_var)
    row = [fr["row"] for fr in run_core(y[:end]) if fr["report"]][0]
    _, _, y, k = late_stream(np.random.default_rng(seed), n_frames, delay, noise_var, row)
    y = y[:end]
    return y, k, run_core(y)


def numpy_count(frames, k, sym, first=0, end=None):
    """Symbols, errors, Gray bit errors and non-finite symbols of the decided
    frames first <= index < end against the reference symbols `sym` (the
    transmitted ones at indices k where finite)."""
    n = err = bit = bad = 0
    for fr in frames:
        i = fr["index"]
        if not fr["decided"] or i < first or (end is not None and i >= end):
            continue
        s = sym[i * L:(i + 1) * L]
        ok = np.isfinite(s.real) & np.isfinite(s.imag)
        d = np.asarray(fr["decisions"])[ok]
        t = k[i * L:(i + 1) * L][ok]
        n += int(ok.sum())
        bad += int((~ok).sum())
        err += int(np.sum(d != t))
        gx = (d ^ (d >> 1)) ^ (t ^ (t >> 1))
        bit += int(sum(bin(int(v)).count("1") for v in gx))
    return n, err, bit, bad


class gated_source(gr.sync_block):
    """The samples of a radio that delivers nothing until open() is called (a
    source that produces nothing waits for input in GNU Radio, it does not
    spin), then all of `data`, then ends."""

    def __init__(self, data):
        gr.sync_block.__init__(self, "gated_source", None, [np.complex64])
        self.data = data
        self.pos = 0
        self.gate = threading.Event()

    def open(self):
        self.gate.set()

    def work(self, input_items, output_items):
        if not self.gate.is_set():
            return 0
        n = min(len(output_items[0]), len(self.data) - self.pos)
        if n == 0:
            return -1
        output_items[0][:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


class restartable_source(gr.sync_block):
    """A radio's samples, set before each start: all of them, then the end of
    the stream, or (hold) nothing more until the flowgraph is stopped, as a
    radio that keeps running."""

    def __init__(self):
        gr.sync_block.__init__(self, "restartable_source", None, [np.complex64])
        self.set_data(np.zeros(0, np.complex64), False)

    def set_data(self, data, hold):
        self.data, self.hold, self.pos = data, hold, 0

    def work(self, input_items, output_items):
        n = min(len(output_items[0]), len(self.data) - self.pos)
        if n == 0:
            if not self.hold:
                return -1
            time.sleep(0.005)  # a held radio: nothing comes (no spinning)
            return 0
        output_items[0][:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


class receiver_graph:
    """restartable_source -> user_receiver (QPSK, ser every frame) with the
    symbols on in1, its payload output and its three message ports stored."""

    def __init__(self):
        self.tb = gr.top_block()
        self.rx = isac.user_receiver(NT, 1, 0, 4, payload_len=L, ser_every=L)
        self.radio = restartable_source()
        self.sym = blocks.vector_source_c([], False)
        self.out = blocks.vector_sink_c()
        self.tb.connect(self.radio, (self.rx, 0))
        self.tb.connect(self.sym, (self.rx, 1))
        self.tb.connect(self.rx, self.out)
        self.msgs = {}
        for port in ("stats", "ser", "row"):
            self.msgs[port] = blocks.message_debug()
            self.tb.msg_connect(self.rx, port, self.msgs[port], "store")
        self.seen = {port: 0 for port in self.msgs}

    def start(self, y, sym, hold=False):
        self.radio.set_data(y, hold)
        self.sym.set_data(sym.tolist())
        self.out.reset()
        # a stopped run's last messages may still wait in the queue of the
        # message_debug (its thread stopped before them): they are handled
        # after the restart, before the new run's
        store = pmt.intern("store")
        self.seen = {port: d.num_messages() + d.nmsgs(store) for port, d in self.msgs.items()}
        self.tb.start()

    def stop(self):
        self.tb.stop()
        self.tb.wait()

    def state(self):
        """Everything the receiver reports of this run: its counters, the frame
        numbers, the payload samples and each message (a dict), serialised (bit
        for bit)."""
        rx = self.rx
        # a row's "run" is the stamp of the receiver's start(), new in every run
        msgs = {port: [pmt.serialize_str(pmt.dict_delete(d.get_message(i), pmt.intern("run")))
                       for i in range(self.seen[port], d.num_messages())]
                for port, d in self.msgs.items()}
        return dict(frames=rx.frames(), acquisitions=rx.acquisitions(), missed=rx.missed(),
                    locked_frame=rx.locked_frame(), first_report=rx.first_report_frame(),
                    count=rx.count(), errors=rx.errors()[0], format_mismatches=rx.format_mismatches(),
                    ref_dropped=rx.ref_dropped(), ref_nonfinite=rx.ref_nonfinite(),
                    nonfinite=rx.nonfinite_count(), locked=rx.locked(),
                    last_row=list(rx.last_row()), last_stats=pmt.serialize_str(rx.last_stats()),
                    index=[pmt.to_uint64(pmt.dict_ref(pmt.deserialize_str(m), pmt.intern("frame"),
                                                      pmt.PMT_NIL)) for m in msgs["stats"]],
                    payload=np.array(self.out.data(), np.complex64).tobytes(), **msgs)


class qa_user_receiver_edges(gr_unittest.TestCase):

    def test_dead_radio_does_not_stall_a_shared_symbol_source(self):
        # One symbol source feeds the transmitter (here a sink) and in1; in0
        # gets nothing. The sink must get all the symbols, far more than a
        # buffer (the source stalled after one when the block waited for in0
        # before reading in1), without the block spinning on inputs that have
        # nothing new; once the samples come, every frame is counted against
        # the symbols kept meanwhile (fewer than the window's cap).
        n_frames = 60
        y, k, frames = precoded_stream(5, n_frames, 137.4)
        sym = np.exp(2j * np.pi * k / 4).astype(np.complex64)
        n_sym = len(sym)
        ref = numpy_count(frames, k, sym)
        assert_same([fr["index"] for fr in frames], list(range(n_frames)))
        self.assertEqual(ref[0], (n_frames - 15) * L)  # decided from frame 15 on
        self.assertLess(ref[1], 1e-3 * ref[0])
        for connected in (False, True):
            tb = gr.top_block()
            rx = isac.user_receiver(NT, 1, 0, 4, payload_len=L, ser_every=0)
            radio = gated_source(y)
            src = blocks.vector_source_c(sym.tolist(), False)
            tx = blocks.vector_sink_c()
            tb.connect(radio, (rx, 0))
            tb.connect(src, tx)
            tb.connect(src, (rx, 1))
            if connected:
                out = blocks.vector_sink_c()
                tb.connect(rx, out)
            tb.start()
            t_end = time.monotonic() + 20
            while len(tx.data()) < n_sym and time.monotonic() < t_end:
                time.sleep(0.05)
            self.assertEqual(len(tx.data()), n_sym)
            # nothing new on either input: the process must be idle (a block
            # called again at once would take a core)
            c0, w0 = time.process_time(), time.monotonic()
            time.sleep(1.5)
            cpu = (time.process_time() - c0) / (time.monotonic() - w0)
            self.assertLess(cpu, 0.2, "connected %s" % connected)
            self.assertEqual(rx.nitems_read(1), n_sym - 1)  # the last one stays
            self.assertEqual((rx.frames(), rx.ref_dropped()), (0, 0))
            radio.open()
            tb.wait()
            self.assertEqual(rx.frames(), n_frames)
            self.assertEqual((rx.count(), rx.errors()[0], rx.ref_dropped()),
                             (ref[0], ref[1], 0), "connected %s" % connected)
            if connected:
                self.assertEqual(len(out.data()), n_frames * L)

    def run_block(self, y, sym, ser_every=0, runs=1, psk_order=4):
        tb = gr.top_block()
        rx = isac.user_receiver(NT, 1, 0, psk_order, payload_len=L, ser_every=ser_every)
        src0 = blocks.vector_source_c(y.tolist(), False)
        src1 = blocks.vector_source_c(sym.tolist(), False)
        out = blocks.vector_sink_c()
        dbg = blocks.message_debug()
        tb.connect(src0, (rx, 0))
        tb.connect(src1, (rx, 1))
        tb.connect(rx, out)
        tb.msg_connect(rx, "stats", dbg, "store")
        ser = blocks.message_debug()
        tb.msg_connect(rx, "ser", ser, "store")
        res = []
        for _ in range(runs):
            src0.rewind()
            src1.rewind()
            out.reset()
            n_stats = dbg.num_messages()
            n_ser = ser.num_messages()
            tb.run()
            res.append(dict(frames=rx.frames(), count=rx.count(), errors=rx.errors()[0],
                            ber=rx.ber()[0], nonfinite=rx.ref_nonfinite(),
                            out=len(out.data()), stats=dbg.num_messages() - n_stats,
                            ser=[ser.get_message(i) for i in range(n_ser, ser.num_messages())]))
        return res

    def test_finite_stream_every_frame_out_and_counted(self):
        # K frames and the stream ends just after the last: all K come out
        # (the last one flushed, its phase held flat) and are counted, here
        # and after a restart of the flowgraph
        n_frames = 40
        y, k, frames = precoded_stream(7, n_frames, 211.37)
        sym = np.exp(2j * np.pi * k / 4).astype(np.complex64)
        ref = numpy_count(frames, k, sym)
        assert_same([fr["index"] for fr in frames], list(range(n_frames)))
        self.assertEqual(ref[0], (n_frames - 15) * L)
        self.assertLess(ref[1], 1e-3 * ref[0])
        for r in self.run_block(y, sym, runs=2):
            self.assertEqual((r["frames"], r["stats"], r["out"]),
                             (n_frames, n_frames, n_frames * L))
            self.assertEqual((r["count"], r["errors"]), ref[:2])
        # without its last frame's successor the core's flush is what outputs
        # it: the stream cut one sample short of the last frame gives one less
        y2 = y[:-41]
        r = self.run_block(y2, sym)[0]
        self.assertEqual((r["frames"], r["count"]), (n_frames - 1, ref[0] - L))

    def test_restart_mid_acquisition_and_after_format_mismatches(self):
        # Restarting the flowgraph (start()) restarts the frame grid, the
        # reference window and the counters (docs/user_receiver.md): stopped
        # while a radio of another frame_seed has been rejected (format
        # mismatches counted) or while an acquisition waits for its
        # confirming frame, then restarted on a stream, the receiver reports
        # exactly what a fresh flowgraph reports on that stream: counters,
        # frame numbers, payload samples and messages, bit for bit.
        n_frames, delay = 30, 211.37
        y, k, frames = precoded_stream(11, n_frames, delay)
        sym = np.exp(2j * np.pi * k / 4).astype(np.complex64)
        _, _, y2, _ = late_stream(np.random.default_rng(12), n_frames, delay, 0.01, frame_seed=2)
        ref = numpy_count(frames, k, sym)
        self.assertEqual([fr["index"] for fr in frames], list(range(n_frames)))
        self.assertEqual(ref[0], (n_frames - 15) * L)

        def fresh(yy):
            g = receiver_graph()
            g.start(yy, sym)
            g.tb.wait()
            return g.state()

        right, wrong = fresh(y), fresh(y2)
        # the references: the right format acquires once and counts every
        # decided frame as the core does; the other frame_seed gives nothing
        # but mismatches (and no last frame or row)
        self.assertEqual((right["frames"], right["acquisitions"], right["format_mismatches"]),
                         (n_frames, 1, 0))
        self.assertEqual(right["index"], list(range(n_frames)))
        self.assertEqual((right["count"], right["errors"]), ref[:2])
        self.assertEqual(len(right["payload"]), n_frames * L * 8)
        self.assertEqual(len(right["ser"]), n_frames - 15)
        self.assertGreater(len(right["row"]), 0)
        self.assertEqual((wrong["frames"], wrong["count"], wrong["index"], wrong["row"]), (0, 0, [], []))
        self.assertGreater(wrong["format_mismatches"], 10)
        self.assertEqual((wrong["last_row"], wrong["last_stats"]), ([], pmt.serialize_str(pmt.PMT_NIL)))

        def same(got, want, what):
            diff = [key for key in want if got[key] != want[key]]
            info = {key: (got[key], want[key]) for key in diff if key not in ("payload", "stats", "ser", "row")}
            for key in set(diff) & {"stats", "ser", "row"}:
                a, b = got[key], want[key]
                i = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
                info[key] = (len(a), len(b), i, [pmt.to_python(pmt.deserialize_str(m[i]))
                                                 for m in (a, b) if i < len(m)])
            self.assertEqual(diff, [], "%s: %s" % (what, info))

        def wait_for(cond, what):
            t_end = time.monotonic() + 30
            while not cond() and time.monotonic() < t_end:
                time.sleep(0.01)
            self.assertTrue(cond(), what)

        g = receiver_graph()
        # 1. the other frame_seed, stopped after some mismatches with the
        # radio still running; restarted on the whole stream: the count
        # starts again (not added to), as a fresh receiver's
        g.start(y2[:8 * F], sym, hold=True)
        wait_for(lambda: g.rx.format_mismatches() >= 3, "no format mismatch")
        g.stop()
        self.assertEqual(g.rx.frames(), 0)
        g.start(y2, sym)
        g.tb.wait()
        same(g.state(), wrong, "restart after mismatches")
        # 2. restarted on the right frames, stopped mid-acquisition: frame 0's
        # preamble is in, frame 1's known section (which confirms it) is not,
        # so nothing is output yet (the counters cannot tell this from a
        # receiver that saw no preamble; step 3 compares what follows)
        part = int(delay) + F + 40
        g.start(y[:part], sym, hold=True)
        wait_for(lambda: g.rx.nitems_read(0) >= part - 1, "the samples were not read")
        g.stop()
        self.assertEqual((g.rx.frames(), g.rx.acquisitions(), g.rx.locked(), g.rx.format_mismatches()),
                         (0, 0, False, 0))
        # 3. restarted on the whole stream: it acquires, as a fresh receiver
        g.start(y, sym)
        g.tb.wait()
        same(g.state(), right, "restart mid-acquisition")
        # 4. after a run that output frames, the other frame_seed again: no
        # last frame or row of the run before survives the restart
        g.start(y2, sym)
        g.tb.wait()
        same(g.state(), wrong, "restart after frames")
        # 5. stopped while tracking, frames out and counted: the restart
        # acquires again and numbers the frames from the stream's start
        g.start(y[:20 * F], sym, hold=True)
        wait_for(lambda: g.rx.count() > 0, "no frame counted")
        g.stop()
        self.assertTrue(g.rx.locked())
        g.start(y, sym)
        g.tb.wait()
        same(g.state(), right, "restart while tracking")

    def test_csi_queued_at_stop_is_not_the_next_runs(self):
        # GNU Radio keeps a block's message queue across a restart. A csi of
        # the ending run still queued when the receiver's thread ends (posted
        # while it was busy, then interrupted; stop() runs then, on that thread,
        # as here) is discarded by stop(): handled after the next start() it
        # would set the phase reference of the new run's frames from its offset
        # on (offset 0: every frame), another row than the one the new run's
        # transmitter uses. The restarted run is then bit for bit a fresh
        # receiver's on the same stream.
        n_frames = 30
        y, k, frames = precoded_stream(11, n_frames, 211.37)
        sym = np.exp(2j * np.pi * k / 4).astype(np.complex64)
        ref = numpy_count(frames, k, sym)
        fresh = receiver_graph()
        fresh.start(y, sym)
        fresh.tb.wait()
        right = fresh.state()
        self.assertEqual((right["count"], right["errors"]), ref[:2])
        g = receiver_graph()
        g.start(y, sym)
        g.tb.wait()
        g.stop()
        # a row other than the receiver's own, which the stream is precoded
        # with (before the drain the restarted run decided against it: 24 605
        # of 24 640 symbols wrong, against 1 on a fresh receiver)
        stale = np.random.default_rng(5).standard_normal((1, NT, 2)) @ [1, 1j]
        port = pmt.intern("csi")
        g.rx._post(port, isac.make_csi_message(stale, 0))
        g.rx.stop()
        self.assertEqual(g.rx.nmsgs(port), 0)
        g.start(y, sym)
        g.tb.wait()
        got = g.state()
        diff = [key for key in right if got[key] != right[key]]
        self.assertEqual(diff, [], "errors %d of %d, fresh %d" % (got["errors"], got["count"], right["errors"]))

    def test_no_ber_for_non_power_of_two_m(self):
        # the same frames decided as 8-PSK and as 6-PSK: both count symbols, only
        # 8-PSK has a BER (6-PSK's is NaN in the getter and the ser dicts, not 0)
        n_frames = 24
        y, k, frames = precoded_stream(5, n_frames, 97.2)
        sym = np.exp(2j * np.pi * k / 4).astype(np.complex64)
        n = numpy_count(frames, k, sym)[0]
        for M in (8, 6):
            r = self.run_block(y, sym, ser_every=L, psk_order=M)[0]
            self.assertEqual(r["count"], n)
            bers = [pmt.f64vector_elements(pmt.dict_ref(m, pmt.intern("ber"), pmt.PMT_NIL))[0]
                    for m in r["ser"]]
            self.assertEqual(len(bers), n // L)
            if M == 8:
                self.assertTrue(math.isfinite(r["ber"]) and all(map(math.isfinite, bers)))
            else:
                self.assertTrue(math.isnan(r["ber"]) and all(map(math.isnan, bers)))

    def test_nonfinite_reference_symbols_left_out(self):
        # NaN and Inf reference symbols are neither symbols nor errors of the
        # SER; they are counted apart, and nothing else changes
        n_frames = 30
        y, k, frames = precoded_stream(9, n_frames, 137.4)
        sym = np.exp(2j * np.pi * k / 4).astype(np.complex64)
        rng = np.random.default_rng(3)
        bad = rng.choice(len(sym), len(sym) // 20, replace=False)
        vals = np.array([complex(np.nan, 0), complex(0, np.inf), complex(-np.inf, np.nan)],
                        np.complex64)
        sym[bad] = vals[rng.integers(0, 3, len(bad))]
        # decisions 0 on some of them too (a NaN was taken as index 0)
        dec = [fr for fr in frames if fr["decided"]]
        zero = [fr["index"] * L + t for fr in dec[:3]
                for t in np.flatnonzero(np.asarray(fr["decisions"]) == 0)[:50]]
        sym[zero] = complex(np.nan, np.nan)
        n, err, bit, nbad = numpy_count(frames, k, sym)
        self.assertGreater(nbad, 600)
        self.assertLess(err, 1e-3 * n)
        r = self.run_block(y, sym, ser_every=L)[0]
        self.assertEqual((r["count"], r["errors"], r["nonfinite"]), (n, err, nbad))
        self.assertAlmostEqual(r["ber"], bit / (2.0 * n), delta=1e-12)
        last = r["ser"][-1]
        self.assertEqual(pmt.to_uint64(pmt.dict_ref(last, pmt.intern("ref_nonfinite"),
                                                    pmt.PMT_NIL)), nbad)
        self.assertEqual(pmt.to_uint64(pmt.dict_ref(last, pmt.intern("symbols"),
                                                    pmt.PMT_NIL)), n)
        # the same stream with finite symbols: the frames and the rest of the
        # count are the same
        clean = np.exp(2j * np.pi * k / 4).astype(np.complex64)
        r0 = self.run_block(y, clean)[0]
        self.assertEqual(r0["frames"], r["frames"])
        self.assertEqual(r0["count"], n + nbad)

    def test_row_reads_the_payload_only_within_the_interpolators_reach(self):
        # Two passes differing only in the payload report different rows (a
        # few per cent at a fractional delay): the known samples are read at
        # the estimated instants through the 33-tap interpolator (17 in the
        # timing search), whose taps reach into the neighbouring payload, and
        # the interpolation error of a full-band stream (the -18 dB floor)
        # depends on those samples. Payload samples farther than 24 from every
        # known sample change nothing, bit for bit.
        def rows(y):
            r = core.user_receiver(n_tx=NT, payload_len=L)
            return [fr["row"] for i in range(0, len(y), 4096)
                    for fr in r.push(y[i:i + 4096]) if fr["report"]]

        for delay in (137.4, 3.24 * F):
            _, _, ya, _ = late_stream(np.random.default_rng(5), 60, delay, 0.01)
            ra = rows(ya)
            _, _, yb, _ = late_stream(np.random.default_rng(5), 60, delay, 0.01, ra[0])
            rb = rows(yb)
            self.assertEqual(len(ra), len(rb))
            self.assertGreater(len(ra), 1)
            d = np.linalg.norm(ra[0] - rb[0]) / np.linalg.norm(ra[0])
            self.assertGreater(d, 1e-2)  # the payload matters...
            pos = np.mod(np.arange(len(ya)) - delay, F)
            far = (pos > 68 + 24) & (pos < F - 24)  # payload from sample 68 on
            yc = ya.copy()
            yc[far] = yb[far]
            rc = rows(yc)
            self.assertEqual(len(rc), len(ra))
            for a, c in zip(ra, rc):  # ...only next to the known sections
                np.testing.assert_array_equal(a, c)

    def test_false_acquisition_below_the_excluded_start_ends(self):
        # A stream that starts with a whole frame followed by 2 048 zeros: the
        # acquisition there is not confirmed, and the search resumes after
        # it. The refined start fell just below the excluded range, the
        # search resumed at the same sample and found it again, forever (an
        # integer delay did it); a child process so that a hang fails.
        import multiprocessing as mp

        def child(q):
            _, _, y, _ = late_stream(np.random.default_rng(5), 60, 3071.0, 0.01)
            r = core.user_receiver(n_tx=NT, payload_len=L)
            out = [fr["index"] for i in range(0, len(y), 4096) for fr in r.push(y[i:i + 4096])]
            q.put((out, r.false_acquisitions(), r.acquisitions()))

        ctx = mp.get_context("fork")
        q = ctx.Queue()
        p = ctx.Process(target=child, args=(q,))
        p.start()
        p.join(60)
        alive = p.is_alive()
        if alive:
            p.terminate()
            p.join()
        self.assertFalse(alive, "the receiver did not return")
        out, false_acq, acq = q.get(timeout=5)
        self.assertGreaterEqual(false_acq, 1)
        self.assertEqual(acq, 1)
        assert_same(out, list(range(57)))  # 57 held, 58 cut by the end


if __name__ == "__main__":
    gr_unittest.run(qa_user_receiver_edges)
