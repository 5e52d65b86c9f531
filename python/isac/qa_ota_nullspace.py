#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The null-space (SD-ISAC) chain over the emulated air:
examples/isac_usrp_nullspace_ota_headless.grc, compiled by grcc, with
radio = "emulated" and the "typical" impairments on a drawn asymmetric scene
(isac.scene.draw_scene, seed 5: target 36.6 deg, users 1.8 / -25.7 deg;
clutter off, as the acceptance app's DoA run; test_003 runs scene 4 with its
two clutter patches, which the DoA chain projects out). Every piece of genie
knowledge is acquired by the flowgraph (loop delay, Rx/Tx calibration, the
users' channels through their receivers and csi_feedback). Checked against
references computed here:
 - before the first design nothing but the frames' known sections reaches the
   radio (payload snapshots exactly zero), and the first design follows the
   first fed-back channel;
 - each user's SER against QPSK at the SINR the ZF design gives on the TRUE
   channel (numpy: ZF with exact SINR power control rebuilt from every
   fed-back channel in force in the window, the design's own F checked
   against it, the sensing leakage of the design's P B), between that genie
   and the genie 1 dB worse (the receivers' implementation loss; the same
   allowance as the acceptance app), 3 binomial sd of the counted symbols
   either side;
 - the DoA RMSE (CPIs above 0 dB estimated TNR) against the deterministic
   CRB doa_mle reports per CPI (core.crb_deterministic, held to a numpy
   Fisher information by qa_doa_mle test_002);
 - the deliberate fault (the loop-delay search shorter than the loop delay:
   x and echo never line up) fails the DoA check;
 - test_005: the same run with TDD CSI (the acceptance app's --csi tdd wiring:
   uplink pilots and reciprocity calibration, tdd_csi) against the same
   references on tdd_csi's channels, and its NMSE against the emulator's true
   channel; test_006: kappa = 1 (no reciprocity calibration) fails them.
"""

import contextlib
import importlib.machinery
import importlib.util
import io
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import pmt
from gnuradio import blocks, gr_unittest

try:
    from gnuradio import isac
    from gnuradio.isac.util import time_limit
except ImportError:
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio import isac
    sys.path.append(dirname)
    from util import time_limit

SRC = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
NAME = "isac_usrp_nullspace_ota_headless"
SCENE_SEED, EMU_SEED = 5, 3
# frames counted: from frame 128 (acquisition is done by frame ~80 on this
# seed: Rx calibration pilot over at 65 536 snapshots, the delay after it; under
# TDD the first channel with the transmit correction takes effect at frame 125:
# the csi posts come every 16 frames, and the frames' guard makes them 1044
# snapshots long and leaves the transmit calibration fewer radiated snapshots
# per frame) to 248
FIRST, END = 128, 248

_CLS = []  # the compiled flowgraph's class and module


def flowgraph_class():
    if not _CLS:
        from gnuradio import gr as _gr
        out = tempfile.mkdtemp(prefix="isac_ns_ota_")
        env = dict(os.environ, GRC_BLOCKS_PATH=os.path.join(SRC, "grc"),
                   GR_CONF_GRC_GLOBAL_BLOCKS_PATH=os.path.join(_gr.prefix(), "share", "gnuradio", "grc", "blocks"))
        subprocess.run(["grcc", "-o", out, os.path.join(SRC, "examples", NAME + ".grc")], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        spec = importlib.util.spec_from_file_location(NAME, os.path.join(out, NAME + ".py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        _CLS.extend((getattr(mod, NAME), mod))
    return _CLS[0]


def messages(dbg):
    return [pmt.to_python(dbg.get_message(i)) for i in range(dbg.num_messages())]


def last_frame(user):
    st = pmt.to_python(user.last_stats())
    return st.get("frame", -1) if isinstance(st, dict) else -1


def run(scene_seed=SCENE_SEED, emu_seed=EMU_SEED, clutter=False, tdd=False, kappa=None, **fault):
    """One bounded run; returns the flowgraph (stopped) and the two captured
    streams: the precoder's x and what the radio sink was given. clutter: the
    drawn scene's clutter patches in the emulated world (and in the chains,
    which read the same scene variables). tdd: the channel from the users'
    uplink pilots and the reciprocity calibration (the acceptance app's
    --csi tdd wiring, wire_tdd) instead of csi_feedback; kappa: a calibration
    vector given to tdd_csi in place of the one from user 0's rows."""
    sc = isac.scene.draw_scene(scene_seed, 4, 2)
    cl = dict(clutter_degs=isac.scene.format_list(sc["clutter_deg"]),
              clutter_cnrs_db=isac.scene.format_list(sc["cnr_db"])) if clutter else dict(clutter_degs="")
    app = acceptance_app()
    tb = flowgraph_class()(radio="emulated", impairments="typical", emu_seed=emu_seed, n_snapshots=1,
                           target_deg=sc["target_deg"], user_degs=isac.scene.format_list(sc["user_deg"]),
                           **(dict(tdd_uplink_len=app.TDD_UPLINK_LEN) if tdd else {}), **cl, **fault)
    app.message_stores(tb)  # the app's (the example keeps none)
    F = tb.frames.frame_len()
    if tdd:
        app.wire_tdd(tb, F)
        if kappa is not None:
            tb.tdd.to_basic_block()._post(pmt.intern("kappa"),
                                          pmt.to_pmt({"kappa": np.asarray(kappa, dtype=np.complex64)}))
    start, stop = FIRST * F, END * F
    tb.src.set_n_items((END + 2) * tb.payload_len)
    for u in range(tb.n_users):
        getattr(tb, "user%d" % u).set_count_window(FIRST, END)
    tb.doa.set_record_window(-(-start // tb.cpi_len), stop // tb.cpi_len)
    # the radar statistic of every item (a float each, as the sinks below bound it):
    # the independent count of the summary's CPI figures
    tb.det.set_record_window(0, (END + 3) * F)
    # the whole bounded run (about 230 000 snapshots, 7 MB each)
    x_pre = blocks.vector_sink_c(tb.n_tx, (END + 3) * F)
    x_radio = blocks.vector_sink_c(tb.n_tx, (END + 3) * F)
    tb.connect(tb.tx, x_pre)
    tb.connect(tb.txcal_fix, x_radio)
    tb.start()
    t0 = time.time()
    while time.time() - t0 < time_limit(120):
        time.sleep(0.02)
        if all(last_frame(getattr(tb, "user%d" % u)) >= END - 1 for u in range(tb.n_users)) and \
                tb.det.nitems_read(0) >= stop:
            break
    tb.stop()
    tb.wait()
    return tb, np.array(x_pre.data()).reshape(-1, tb.n_tx), x_radio


def acceptance_app():
    """apps/isac_ota_emulated as a module (its row tolerances and the
    null-space references, nullspace_references)."""
    loader = importlib.machinery.SourceFileLoader("isac_ota_emulated_ns", os.path.join(SRC, "apps", "isac_ota_emulated"))
    app = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(app)
    return app


def doa_check(tb):
    """(rmse, limit, n, faded) of the CPIs in the window. The reference is the
    CRB doa_mle reports per CPI (deterministic, known reference, at the CPI's
    estimated gain): core.crb_deterministic, which qa_doa_mle test_002 holds
    to a numpy Fisher information."""
    F = tb.frames.frame_len()
    start, stop = FIRST * F, END * F
    L = tb.cpi_len
    dm_all = [m for m in pmt.to_python(tb.doa.recorded())
              if m.get("valid") and start <= m["cpi_index"] * L and (m["cpi_index"] + 1) * L <= stop]
    # a Swerling-1 fade below 0 dB leaves no target to find: out, counted
    dm = [m for m in dm_all if m["tnr_est"] >= 1.0]
    if not dm:
        return float("inf"), 0.0, 0, len(dm_all)
    th = np.array([m["theta_deg"] for m in dm])
    crb = np.array([m["crb_deg2"] for m in dm])
    rmse = float(np.sqrt(np.mean((th - tb.target_deg) ** 2)))
    n = len(th)
    # the RMSE of n CPIs has a relative sd of about 1/sqrt(2 n); 1.3: the Newton
    # refinement on a 0.1-deg grid, as the acceptance app's DoA row
    limit = 1.3 * math.sqrt(np.mean(crb)) * (1 + 2 * math.sqrt(1.0 / (2 * n)))
    return rmse, limit, n, len(dm_all) - n


def measure(tb, x_pre, x_radio):
    """The run's figures and their references (a dict; the test's asserts and
    bench/ota_nullspace_seeds.py read it)."""
    F, K = tb.frames.frame_len(), tb.frames.known_len()
    start, stop = FIRST * F, END * F
    emu = tb.emu
    r = {"frame_len": F, "known_len": K, "delay_true": emu.loop_delay()}
    d = [m for m in messages(tb.delay_msgs) if m.get("valid")]
    r["delay_est"] = d[0]["delay"] if d else float("nan")
    r["delay_se"] = d[0]["delay_se"] if d else float("nan")
    r["delay_at"] = int(d[0]["offset"]) if d else -1

    # the references the acceptance app's --chain nullspace rows use: what
    # reached the radio before the first design, the users' ZF genie
    r.update(acceptance_app().nullspace_references(tb, x_radio, start, stop))
    first = r["first_design"]
    after = np.arange(first + F, first + 5 * F)
    # the payload only: the frame's last tdd_guard snapshots are the silent
    # guard (TDD), which a payload-power reference must not average in
    G = tb.tdd_guard
    pay = after[((after % F) >= K) & ((after % F) < F - G)]
    r["payload_power"] = float(np.mean(np.sum(np.abs(x_pre[pay]) ** 2, axis=1))) if len(pay) else float("nan")
    r["doa_rmse"], r["doa_limit"], r["doa_n"], r["doa_faded"] = doa_check(tb)
    r["window"] = (start, stop)
    return r


def csi_nmse(tb, H_hat):
    """Per-user NMSE of a channel estimate (rows of n_tx) against the
    emulator's true channel from the precoder's x to each user's ADC (the
    transmit correction included), up to each row's complex scale (the
    user's own phase reference): the acceptance app's CSI NMSE rows."""
    Ht = np.array(tb.emu.channel_effective()).reshape(tb.n_users, tb.n_tx) * np.asarray(tb.txcal_fix.weights())
    H_hat = np.asarray(H_hat).reshape(tb.n_users, tb.n_tx)
    out = []
    for h, e in zip(Ht, H_hat):
        c = np.vdot(h, e) / np.vdot(h, h)
        out.append(float(np.linalg.norm(e - c * h) ** 2 / np.linalg.norm(c * h) ** 2))
    return np.array(out)


class qa_ota_nullspace(gr_unittest.TestCase):

    def check_users(self, tb, r):
        """Every user near the design's SINR on the true channel, its SER in
        the band of the ZF genie there, over every counted symbol."""
        for u in range(tb.n_users):
            self.assertLess(abs(r["genie_sinr_db"][u] - tb.sinr_db), 0.5, r["genie_sinr_db"])
            self.assertEqual(r["ser_n"][u], (END - FIRST) * tb.payload_len)
            self.assertTrue(r["ser_lo"][u] <= r["ser"][u] <= r["ser_hi"][u],
                            "user %d: SER %.2e outside [%.2e, %.2e] (genie SINR %.2f dB)"
                            % (u, r["ser"][u], r["ser_lo"][u], r["ser_hi"][u], r["genie_sinr_db"][u]))

    def test_001_typical_scene(self):
        tb, x_pre, x_radio = run()
        r = measure(tb, x_pre, x_radio)
        start, stop = r["window"]
        # acquisition: the loop delay before the window (the calibrations and the
        # CSI show in the SER and DoA rows)
        # (the acceptance app's tolerance from the estimate's own standard error)
        self.assertLess(abs(r["delay_est"] - r["delay_true"]), acceptance_app().delay_tolerance(r["delay_se"]), r)
        self.assertLess(r["delay_at"], start)
        self.assertGreater(r["csi_posts"], 2)
        # nothing but the frames' known sections before the first channel, and the
        # first design follows the first channel fed back
        self.assertGreaterEqual(r["first_design"], r["first_csi"])
        self.assertLess(r["first_design"], start)
        self.assertEqual(r["payload_before"], 0, "payload radiated before the first channel")
        self.assertGreater(r["known_before"], 10 * r["known_len"])
        self.assertEqual(r["known_zero_before"], 0, "a known snapshot went out as zero")
        # the payload goes out after it, at the precoder's total power
        self.assertAlmostEqual(r["payload_power"], tb.power, delta=0.1)
        # the precoder's F is ZF with exact SINR power control on the fed-back channel
        self.assertLess(r["design_F_err"], 1e-4)
        # on the true channel the users stay near the design's target
        self.check_users(tb, r)
        # the DoA against the CRB
        self.assertGreater(r["doa_n"], 300)
        self.assertLess(r["doa_faded"], 0.1 * (r["doa_n"] + r["doa_faded"]))
        self.assertLess(r["doa_rmse"], r["doa_limit"], r)
        # what a hand-run session prints after stop (the flowgraph's "after stop"
        # snippet, summary.print_ota_headless): every row, from these blocks' counts
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            _CLS[1].snippets_main_after_stop(tb)
        out = buf.getvalue()
        for u in range(tb.n_users):
            user = getattr(tb, "user%d" % u)
            self.assertIn("user %d SER" % u, out)
            self.assertIn("%.4f (%d symbols)" % (user.ser()[0], user.count()), out)
        from gnuradio.isac import summary
        # the summary's CPI figures against numpy on the recorded statistic: 0
        # between CPI ends, each end a decision (>= 1: a detection) or -1
        L, rec = tb.radar_cpi, np.array(tb.det.recorded(), dtype=float)
        self.assertEqual(len(rec), tb.det.nitems_read(0))
        end = np.arange(len(rec)) % L == L - 1
        self.assertTrue(np.all(rec[~end] == 0))
        cpi = rec[end]
        hits, cpis = int(np.sum(cpi >= 1.0)), int(np.sum(cpi != -1))
        self.assertGreater(hits, 0)
        self.assertEqual(tb.det.no_decision_count(), int(np.sum(cpi == -1)))
        self.assertEqual(summary.cpi_detection_counts(tb.det), (hits, cpis))
        self.assertIn("%d of %d CPIs" % (hits, cpis), out)
        for title in ("loop delay estimates", "receive calibrations", "transmit calibrations",
                      "CSI feedback messages"):
            self.assertIn(title, out)
        # the counts are the blocks' getters; the app's message stores (every
        # message of this bounded run) are the reference
        self.assertRegex(out, r"CSI feedback messages\W+%d\b" % tb.csi_msgs.num_messages())
        self.assertRegex(out, r"receive calibrations\W+%d\b" % tb.acq_msgs.num_messages())
        self.assertRegex(out, r"transmit calibrations\W+%d\b" % tb.txcal_msgs.num_messages())
        d = [m for m in messages(tb.delay_msgs) if m.get("valid")]
        self.assertGreater(len(d), 0)
        self.assertIn("%d valid" % len(d), out)
        self.assertIn("last %.2f snapshots" % d[-1]["delay"], out)
        # the precoded x peaks past the DAC's full scale only rarely: below the
        # share at which the emulator warns (2 %), so the example runs quiet
        clipped = int(sum(tb.emu.tx_clipped()))
        share = clipped / float(tb.emu.position() * tb.n_tx)
        self.assertGreater(clipped, 0)  # it does clip (docs/ota.md)
        self.assertLess(share, 0.02, clipped)
        print("nullspace OTA: delay %.3f (true %.3f); SER %s vs genie %s at %s dB; DoA RMSE %.3f deg, "
              "limit %.3f (n %d, faded %d)" % (r["delay_est"], r["delay_true"], r["ser"], np.round(r["ser_genie"], 5),
                                               np.round(r["genie_sinr_db"], 2), r["doa_rmse"], r["doa_limit"],
                                               r["doa_n"], r["doa_faded"]))

    def test_003_clutter_projected(self):
        # the drawn scene 4 with its two clutter patches (-3.4 and -19.5 deg at
        # 11.8 and 11.5 dB, target 53.2 deg): bistatic_doa_rx projects them out
        # (clutter_deg, the scene's own list) and the DoA meets the same CRB
        # check as the clutter-free run; without the projection this run's RMSE
        # is 26 deg (docs/ota.md)
        tb, _, _ = run(4, EMU_SEED, clutter=True)
        self.assertEqual(len(tb.doa.doa.clutter_deg()), 2)
        rmse, limit, n, faded = doa_check(tb)
        self.assertGreater(n, 300)
        self.assertLess(faded, 0.1 * (n + faded))
        self.assertLess(rmse, limit, "clutter scene: DoA RMSE %.3f, limit %.3f (n %d)" % (rmse, limit, n))
        print("clutter scene 4: DoA RMSE %.3f deg, limit %.3f (n %d, faded %d)" % (rmse, limit, n, faded))

    def test_002_fault_loop_delay(self):
        # the loop-delay search stops short of the loop delay (typical: 8-40
        # snapshots, this seed 32.8): x and the echo never line up and the DoA
        # check above fails
        tb, x_pre, _ = run(max_loop_delay=8)
        self.assertGreater(tb.emu.loop_delay(), 8)
        rmse, limit, n, faded = doa_check(tb)
        self.assertFalse(n > 300 and rmse < limit, "the fault passed: RMSE %.3f, limit %.3f, n %d" % (rmse, limit, n))
        print("fault (max_loop_delay 8): valid delay estimates %d, DoA RMSE %.3f deg, limit %.3f (n %d, faded %d)"
              % (len([m for m in messages(tb.delay_msgs) if m.get("valid")]), rmse, limit, n, faded))

    def test_005_tdd_csi(self):
        # the TDD path (uplink pilots on the array's own receive chains, kappa
        # from user 0's rows: tdd_csi) in place of csi_feedback, on the same
        # drawn scene and emulator seed as test_001, with the same references
        tb, x_pre, x_radio = run(tdd=True)
        r = measure(tb, x_pre, x_radio)
        start, stop = r["window"]
        self.assertGreater(tb.tdd.slots(), 100)
        # the array is silent in every frame's guard, so in every uplink slot
        # (the emulator counts the slot snapshots its transmission reached)
        F, G = tb.frames.frame_len(), tb.tdd_guard
        self.assertEqual(G, 32 + tb.max_loop_delay)
        xr = np.array(x_radio.data()).reshape(-1, tb.n_tx)
        self.assertEqual(np.count_nonzero(xr[np.arange(len(xr)) % F >= F - G]), 0)
        self.assertEqual(tb.emu.uplink_collisions(), 0)
        # the references read the channels tdd_csi gave the precoder
        self.assertEqual(r["csi_posts"], tb.tdd.posts())
        self.assertGreater(r["csi_posts"], 2)
        self.assertEqual(r["first_csi"], tb.tdd.first_offset())
        # nothing but the known sections before the first channel, the first
        # design after it and before the window
        self.assertGreaterEqual(r["first_design"], r["first_csi"])
        self.assertLess(r["first_design"], start)
        self.assertEqual(r["payload_before"], 0, "payload radiated before the first channel")
        self.assertEqual(r["known_zero_before"], 0, "a known snapshot went out as zero")
        self.assertAlmostEqual(r["payload_power"], tb.power, delta=0.1)
        # F is numpy ZF on tdd_csi's (estimated) channel: the precoder designed
        # on the TDD estimate, not on the fed-back one (those differ by their
        # estimation errors, -30 dB, far above 1e-4 relative in F)
        self.assertLess(r["design_F_err"], 1e-4)
        # the estimate against the true channel
        nm = csi_nmse(tb, tb.tdd.channel())
        self.assertTrue(np.all(nm < 10 ** -2.5), "TDD CSI NMSE %s dB" % np.round(10 * np.log10(nm), 1))
        # acquired before the window: the first channel that holds the transmit
        # correction (the posts before it are the uncorrected array's, +8 to +11 dB
        # off the corrected one) takes effect before the counted frames; TDD's comes
        # one post (16 frames) after FDD's on this scene (docs/ota_measurements.md)
        good = [int(m["offset"]) for m in messages(tb.tdd_msgs)
                if "H" in m and np.all(csi_nmse(tb, m["H"]) < 10 ** -2.0)]
        self.assertTrue(good and good[0] < start, "first channel within -20 dB at %s, window from %d"
                        % (good[:1], start))
        self.check_users(tb, r)
        print("nullspace OTA, TDD CSI: NMSE %s dB; SER %s vs genie %s at %s dB; first CSI %d, first design %d, "
              "first channel within -20 dB %d" % (np.round(10 * np.log10(nm), 1), r["ser"], np.round(r["ser_genie"], 5),
                                                  np.round(r["genie_sinr_db"], 2), r["first_csi"], r["first_design"],
                                                  good[0]))

    def test_006_tdd_fault_no_reciprocity_calibration(self):
        # the deliberate fault: kappa = 1 (the uplink taken for the downlink,
        # the radios' transmit/receive chain mismatch left in). ZF is built on
        # the wrong channel: the estimate's NMSE and the users' SINR on the
        # true channel leave test_005's limits
        tb, x_pre, x_radio = run(tdd=True, kappa=np.ones(4))
        r = measure(tb, x_pre, x_radio)
        np.testing.assert_allclose(tb.tdd.kappa(), np.ones(tb.n_tx))
        nm = csi_nmse(tb, tb.tdd.channel())
        # test_005's estimate and design checks must both fail; its SER band
        # follows the genie on the true channel, so it holds here too (the users
        # get the SER of the SINR the faulty design leaves them) and is not asked
        sinr_ok = any(abs(r["genie_sinr_db"][u] - tb.sinr_db) < 0.5 for u in range(tb.n_users))
        self.assertFalse(np.any(nm < 10 ** -2.5), "the fault passed the NMSE check: %s" % nm)
        self.assertFalse(sinr_ok, "the fault passed the SINR check: %s" % r["genie_sinr_db"])
        print("fault (kappa = 1): TDD CSI NMSE %s dB, genie SINR %s dB, SER %s"
              % (np.round(10 * np.log10(nm), 1), np.round(r["genie_sinr_db"], 2), r["ser"]))

    def test_004_acceptance_app(self):
        # apps/isac_ota_emulated --chain nullspace, one quick run (0.3 s of air
        # per run) on this test's scene and emulator seed: every row of the
        # summary passes, and the null-space rows are there (the SER against
        # nullspace_references' ZF genie, the muted payload, the radar Pd
        # against the same detector with adc "inf" on ideal hardware, the DoA
        # on the clutter-free run)
        import csv
        import shutil
        out = tempfile.mkdtemp(prefix="isac_ns_app_")
        self.addCleanup(shutil.rmtree, out, ignore_errors=True)
        app = os.path.join(SRC, "apps", "isac_ota_emulated")
        p = subprocess.run([sys.executable, app, "--chain", "nullspace", "--quick", "--scene-seed", str(SCENE_SEED),
                            "--seed", str(EMU_SEED), "--out", out], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=time_limit(300))
        with open(os.path.join(out, "summary.csv")) as f:
            rows = {r["name"]: r for r in csv.DictReader(f)}
        bad = [n for n, r in rows.items() if r["ok"] != "True"]
        self.assertEqual(bad, [], p.stdout[-4000:])
        self.assertEqual(p.returncode, 0, p.stdout[-4000:])
        for name in ("SER user 0", "SER user 1", "no payload before the first channel", "precoder F against numpy ZF"):
            self.assertIn(name, rows)
        self.assertIn("ZF genie on the true channel", rows["SER user 0"]["reference"])
        self.assertTrue(any(n.startswith("radar Pd at Pfa") for n in rows), list(rows))
        self.assertTrue(any(n.startswith("DoA RMSE") for n in rows), list(rows))
        self.assertFalse(any("genie on the true channel" in n and n.startswith("SER") for n in rows))
        # the 1-bit chain's QoS-margin options do not apply: usage errors, before any run
        for opt in (["--csi-outage", "0.1"], ["--csi-nmse-db", "-25"]):
            q = subprocess.run([sys.executable, app, "--chain", "nullspace", "--out", out] + opt,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=time_limit(60))
            self.assertEqual(q.returncode, 2, opt)
            self.assertIn("does not apply to --chain nullspace: the null-space precoder has no QoS margin", q.stderr)
        # --csi tdd does: the same rows, every one passing, on tdd_csi's channel
        tout = os.path.join(out, "tdd")
        p = subprocess.run([sys.executable, app, "--chain", "nullspace", "--csi", "tdd", "--quick", "--scene-seed",
                            str(SCENE_SEED), "--seed", str(EMU_SEED), "--out", tout], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=time_limit(300))
        with open(os.path.join(tout, "summary.csv")) as f:
            trows = {r["name"]: r for r in csv.DictReader(f)}
        self.assertEqual([n for n, r in trows.items() if r["ok"] != "True"], [], p.stdout[-4000:])
        self.assertEqual(p.returncode, 0, p.stdout[-4000:])
        self.assertIn("csi tdd", p.stdout)
        # (a row's name may carry its counts: the DoA row's CPIs)
        def kinds(names):
            return sorted(re.sub(r" \(.*\)", "", n) for n in names)
        # plus the TDD row: the array silent in every uplink slot
        self.assertEqual(kinds(trows), sorted(kinds(rows) + ["TDD uplink slots silent"]))
        self.assertTrue(trows["TDD uplink slots silent"]["value"].startswith("0 slot snapshots"))


if __name__ == "__main__":
    gr_unittest.run(qa_ota_nullspace)
