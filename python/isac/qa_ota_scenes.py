#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The over-the-air flowgraph off its tuned scene: apps/isac_ota_emulated
--quick --scene-seed N (typical impairments) on random asymmetric scenes drawn
by isac.scene.draw_scene, every row against the genie loopback on the same
scene (SER, radar Pd paired on the same target draws, DoA against the CRB,
loop delay, Rx/Tx calibration, CSI, acquisition), and the scene draw itself.

The scene seed is fixed here; its scene was drawn, not picked by angle: 5
(target 36.6 deg, clutter -68.2/59.7 deg at 10.9/7.7 dB, users 1.8/-25.7 deg),
whose rows all pass with margin (docs/ota_measurements.md, random scenes). One drawn scene
keeps this test within 1.5 times qa_ota_acceptance's time; docs/ota_measurements.md has
scene seeds 1-8 measured.
"""

import csv
import math
import os
import shutil
import subprocess
import sys
import tempfile

from gnuradio import gr_unittest

try:
    from gnuradio import isac
    from gnuradio.isac.util import time_limit
except ImportError:
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio import isac
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))
    from util import time_limit

SRC = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCENE_SEED = 5


def sep(a, b):
    return abs(math.sin(math.radians(a)) - math.sin(math.radians(b)))


class qa_ota_scenes(gr_unittest.TestCase):

    def test_001_draw_scene(self):
        # every draw of many seeds keeps the stated rules, independently checked
        n_clutter = set()
        for seed in range(200):
            s = isac.scene.draw_scene(seed, 4, 2)
            self.assertEqual(s, isac.scene.draw_scene(seed, 4, 2))
            self.assertEqual(len(s["user_deg"]), 2)
            self.assertEqual(len(s["cnr_db"]), len(s["clutter_deg"]))
            n_clutter.add(len(s["clutter_deg"]))
            dirs = [s["target_deg"]] + s["user_deg"] + s["clutter_deg"]
            for a in [s["target_deg"]] + s["user_deg"]:
                self.assertLessEqual(abs(a), 60.0, s)
            for a in s["clutter_deg"]:
                self.assertLessEqual(abs(a), 75.0, s)
            for c in s["cnr_db"]:
                self.assertTrue(5.0 <= c <= 12.0, s)
            for i, a in enumerate(dirs):
                self.assertAlmostEqual(a, round(a, 1), places=9)
                # no direction is its own mirror (broadside) or another's
                self.assertGreaterEqual(2 * abs(math.sin(math.radians(a))), 0.05, s)
                for b in dirs[i + 1:]:
                    self.assertGreaterEqual(sep(a, b), 0.25 - 1e-12, s)
                    self.assertGreaterEqual(abs(math.sin(math.radians(a)) + math.sin(math.radians(b))), 0.05, s)
        self.assertEqual(n_clutter, {0, 1, 2})
        # the parsers the flowgraph's variables use
        self.assertEqual(isac.scene.parse_angles("-47, 31", "x"), [-47.0, 31.0])
        self.assertEqual(isac.scene.parse_angles("", "x"), [])
        self.assertEqual(isac.scene.parse_cnr_db("", "x", 2, 10.0), [10.0, 10.0])
        self.assertEqual(isac.scene.parse_cnr_db("7", "x", 3, 10.0), [7.0, 7.0, 7.0])
        for bad in ("91", "-47,nan", "a,b"):
            with self.assertRaises(ValueError):
                isac.scene.parse_angles(bad, "clutter_degs")
        with self.assertRaisesRegex(ValueError, "user_degs: 3 angles"):
            isac.scene.parse_angles("1,2,3", "user_degs", 2)
        with self.assertRaisesRegex(ValueError, "2 clutter patches"):
            isac.scene.parse_cnr_db("1,2,3", "clutter_cnrs_db", 2, 10.0)

    _app = None

    @classmethod
    def app(cls):
        """The app as a module and its compiled flowgraph class (grcc takes
        seconds: once for the tests that need it)."""
        if cls._app is None:
            import importlib.machinery
            import importlib.util
            loader = importlib.machinery.SourceFileLoader("isac_ota_emulated_app",
                                                          os.path.join(SRC, "apps", "isac_ota_emulated"))
            app = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
            loader.exec_module(app)
            cls._app = (app, app.compile_flowgraph(app.find_grc()))
        return cls._app

    def test_002_flowgraph_parameters(self):
        # the flowgraph's scene parameters reach its list variables; the
        # defaults are the tuned scene
        app, cls = self.app()
        tb = cls(radio="emulated", n_snapshots=1)
        self.assertEqual((tb.target_deg, tb.clutter_deg, tb.cnr_db, tb.user_deg, tb.txcal_deg),
                         (23.0, [-47.0, 31.0], [10.0, 10.0], [-34.0, 12.0], -34.0))
        del tb
        tb = cls(radio="emulated", n_snapshots=1, target_deg=-20.5, clutter_degs="40", clutter_cnrs_db="",
                 clutter_cnr_db=7.0, user_degs="35,-50")
        self.assertEqual((tb.target_deg, tb.clutter_deg, tb.cnr_db, tb.user_deg, tb.txcal_deg, tb.tx_deg),
                         (-20.5, [40.0], [7.0], [35.0, -50.0], 35.0, -20.5))
        del tb
        tb = cls(radio="emulated", n_snapshots=1, clutter_degs="-47.5, 31, 60", clutter_cnrs_db="8")
        self.assertEqual(tb.cnr_db, [8.0, 8.0, 8.0])
        del tb
        tb = cls(radio="emulated", n_snapshots=1, clutter_degs="", clutter_cnrs_db="")
        self.assertEqual((tb.clutter_deg, tb.cnr_db), ([], []))
        del tb
        # the detector's CPI weights: a flowgraph parameter that reaches the
        # radar chain (default: the over-the-air flowgraphs' inverse_variance)
        tb = cls(radio="emulated", n_snapshots=1)
        self.assertEqual((tb.cpi_weights, tb.radar.filter.cpi_weights()), ("inverse_variance", "inverse_variance"))
        del tb
        tb = cls(radio="emulated", n_snapshots=1, cpi_weights="equal")
        self.assertEqual(tb.radar.filter.cpi_weights(), "equal")
        del tb
        for kw in (dict(user_degs="-34,12,5"), dict(clutter_degs="-47,131"),
                   dict(clutter_degs="10,20", clutter_cnrs_db="1,2,3"), dict(cpi_weights="inverse")):
            with self.assertRaises(ValueError, msg=str(kw)):
                cls(radio="emulated", n_snapshots=1, **kw)

    def test_003_cpi_weights_option(self):
        # --cpi-weights through the app's own parser and setup reaches the
        # radar detector of the flowgraph it builds (both runs build it with
        # make_flowgraph), the scene the genies get, and the genie's detector;
        # without it, the flowgraph's default everywhere. A short genie run
        # each (4096 + 4096 snapshots), not the app's full run.
        import contextlib
        import io
        import numpy as np
        app, cls = self.app()
        ap = app.build_parser()
        stats = {}
        for opt, want in ((None, "inverse_variance"), ("equal", "equal"),
                          ("inverse_variance", "inverse_variance")):
            with self.subTest(cpi_weights=opt):
                a = ap.parse_args(["--quick"] + ([] if opt is None else ["--cpi-weights", opt]))
                self.assertEqual(a.cpi_weights, opt)
                app.configure(ap, a, cls)
                tb = app.make_flowgraph(cls, a, None)
                self.assertEqual((tb.cpi_weights, tb.radar.filter.cpi_weights()), (want, want))
                sc = app.scene(tb)
                self.assertEqual(sc["cpi_weights"], want)
                del tb
                a.measure = 4096
                g = app.run_genie(sc, a, 0.0, True)
                self.assertEqual(g["cpi_weights"], want)
                self.assertEqual(len(g["pd_stat"]), a.measure // sc["radar_cpi"])
                stats[opt] = g["pd_stat"]
        # the weights change the genie's statistic (same seed, same draws):
        # the name reached a detector that uses it
        np.testing.assert_array_equal(stats[None], stats["inverse_variance"])
        self.assertGreater(np.max(np.abs(stats["equal"] - stats["inverse_variance"])), 0.05)
        # an invalid value: a usage error naming the option and its choices
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as cm:
            ap.parse_args(["--cpi-weights", "inverse"])
        self.assertEqual(cm.exception.code, 2)
        self.assertIn("argument --cpi-weights: invalid choice: 'inverse' (choose from 'equal', "
                      "'inverse_variance')", err.getvalue())

    def run_scene(self, seed):
        out = tempfile.mkdtemp(prefix="isac_ota_scene_")
        self.addCleanup(shutil.rmtree, out, ignore_errors=True)
        p = subprocess.run([sys.executable, os.path.join(SRC, "apps", "isac_ota_emulated"), "--quick",
                            "--impairments", "typical", "--seed", "2", "--scene-seed", str(seed), "--out", out],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=time_limit(300))
        with open(os.path.join(out, "summary.csv")) as f:
            rows = list(csv.reader(f))
        return p, rows

    def check_scene(self, seed):
        s = isac.scene.draw_scene(seed, 4, 2)
        p, rows = self.run_scene(seed)
        log = p.stdout[-4000:]
        # the drawn scene is the one run (printed, and the DoA row's truth)
        self.assertIn("drawn from --scene-seed %d): target %g deg" % (seed, s["target_deg"]), p.stdout)
        self.assertIn("users %s deg" % s["user_deg"], p.stdout)
        ok = {r[0]: r[4] == "True" for r in rows[1:]}
        value = {r[0]: r[1] for r in rows[1:]}
        self.assertIn("DoA mean (truth %g deg)" % s["target_deg"], ok, log)
        doa_mean = float(value["DoA mean (truth %g deg)" % s["target_deg"]].split()[0])
        self.assertLess(abs(doa_mean - s["target_deg"]), 0.5, log)
        # every judged row against the genie on the same scene, and the verdict
        self.assertEqual([n for n in ok if not ok[n]], [], log)
        self.assertEqual(p.returncode, 0, log)
        for prefix in ("SER user 0", "SER user 1", "radar Pd at", "DoA RMSE", "loop delay (scene run)",
                       "Tx calibration residual (scene run)", "Rx calibration residual (scene run)",
                       "CSI NMSE user 0", "CSI NMSE user 1", "snapshots to acquisition (scene run)"):
            self.assertTrue(any(n.startswith(prefix) for n in ok), "no row %r\n%s" % (prefix, log))

    def test_004_ser_genie_tables(self):
        # the users' genie SER mixes the tables the precoder had in the
        # window, each weighted by the snapshots it was in force (scene 11,
        # seed 3 held an earlier estimate's table for 66 360 of 300 516
        # snapshots: genie SER 0.0421 there, 0.0069 on the last); a stand-in
        # genie per design channel, the weights by hand
        import importlib.machinery
        import importlib.util
        import numpy as np
        loader = importlib.machinery.SourceFileLoader("isac_ota_emulated_mod",
                                                      os.path.join(SRC, "apps", "isac_ota_emulated"))
        app = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
        loader.exec_module(app)
        Ha, Hb, Hc = (np.full((2, 4), v, dtype=complex) for v in (1.0, 2.0, 3.0))
        posts = [(100, Ha), (1000, Hb), (1300, Hc)]
        segs = app.design_segments(posts, 400, 2000)
        self.assertEqual([(int(H[0, 0].real), n) for H, n in segs], [(1, 600), (2, 300), (3, 700)])
        self.assertEqual(app.design_segments(posts, 1500, 2000)[0][1], 500)
        self.assertEqual(app.design_segments([(2500, Ha)], 400, 2000), [])
        table = {1.0: [0.04, 0.02], 2.0: [0.01, 0.03], 3.0: [0.006, 0.05]}
        calls = []

        def table_genie(sc, a, noise_db=0.0, radar=True, design_channel=None, **kw):
            calls.append((noise_db, design_channel[0, 0].real))
            return {"ser": np.array(table[design_channel[0, 0].real]) * (1 + noise_db), "ser_n": 10000}
        app.run_genie = table_genie
        g = {k: {"ser": np.array(table[3.0]) * (1 + k), "ser_n": 10000} for k in (0, 1, 2)}
        r = {"csi_posts": posts, "measure_from": 400, "measure_to": 2000, "csi_channel": Hc}
        gs = app.ser_genie(None, None, r, g)
        # the last table is the judged genie's own run: two stand-in runs per SNR
        self.assertEqual(sorted(calls), [(0.0, 1.0), (0.0, 2.0), (1.0, 1.0), (1.0, 2.0), (2.0, 1.0), (2.0, 2.0)])
        for k in (0, 1, 2):
            for u in range(2):
                want = (600 * table[1.0][u] + 300 * table[2.0][u] + 700 * table[3.0][u]) / 1600 * (1 + k)
                self.assertAlmostEqual(gs[k]["ser"][u], want, places=12)
                p = [table[h][u] * (1 + k) for h in (1.0, 2.0, 3.0)]
                w = [600 / 1600, 300 / 1600, 700 / 1600]
                sd = math.sqrt(sum(wi ** 2 * pi * (1 - pi) / 10000 for wi, pi in zip(w, p)))
                self.assertAlmostEqual(gs[k]["sd"][u], sd, places=12)
            self.assertEqual(gs[k]["tables"], 3)
        # no post (TDD): the judged genie's own runs
        gs = app.ser_genie(None, None, dict(r, csi_posts=[]), g)
        self.assertEqual(list(gs[1]["ser"]), list(g[1]["ser"]))

    def test_005_acquisition_tolerances(self):
        # The loop-delay, Tx and Rx calibration rows: error <= z SE + floor, z the
        # two-sided normal quantile of 1e-3 (3.2905, tables). Measured figures
        # of docs/ota_measurements.md (scene, seed: error, SE) pass, and a deliberate fault
        # of their size fails. No flowgraph run: the rows' arithmetic only.
        import importlib.machinery
        import importlib.util
        import numpy as np
        loader = importlib.machinery.SourceFileLoader("isac_ota_emulated_tol",
                                                      os.path.join(SRC, "apps", "isac_ota_emulated"))
        app = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
        loader.exec_module(app)
        z = app.acq_z()
        self.assertAlmostEqual(z, 3.290527, places=5)
        self.assertAlmostEqual(app.acq_z(0.05), 1.959964, places=5)
        # loop delay: scene 9 seed 2 (0.115 at SE 0.063, margin 12.3 dB, the old
        # 0.1 limit's miss) passes; a 0.3-snapshot fault fails there and on a
        # strong echo (scene 11 seed 9, SE 0.008)
        self.assertAlmostEqual(app.delay_tolerance(0.063), z * 0.063 + app.DELAY_FLOOR, places=12)
        self.assertLessEqual(0.115, app.delay_tolerance(0.063))
        self.assertGreater(0.115 + 0.3, app.delay_tolerance(0.063))
        self.assertGreater(0.004 + 0.3, app.delay_tolerance(0.008))
        self.assertGreater(0.1, app.delay_tolerance(0.008))  # a strong echo is held tighter than before
        # Tx, with the reference receiver's fractional timing in the fit: the
        # 1-bit chain's scene 9 seed 4 (errors 0.26 0.19 0.13 deg, SE 0.43 0.36
        # 0.47) passes and fails with 4 deg more on channel 1; its scene 11
        # seed 5 (errors -2.11 -0.58 -1.23, SE 0.69 0.45 0.55, the largest
        # error measured, 3.1 SE) passes and fails with 8 deg more on channel 1
        # (5 deg there would pass: the row judges the rms, and that run's own
        # error is -2.11)
        rms = lambda v: float(np.sqrt(np.mean(v ** 2)))
        tol = lambda se: app.cal_tolerance(se, app.TXCAL_FLOOR_DEG)
        for e, se, fault in (([0.26, 0.19, 0.13], [0.43, 0.36, 0.47], 4.0),
                             ([-2.11, -0.58, -1.23], [0.69, 0.45, 0.55], 8.0)):
            e, se = np.array(e), np.array(se)
            self.assertAlmostEqual(tol(se), z * rms(se) + app.TXCAL_FLOOR_DEG, places=12)
            self.assertLessEqual(rms(e), tol(se))
            self.assertGreater(rms(e + np.array([fault, 0.0, 0.0])), tol(se))
        # the false-failure rate without a floor, Monte Carlo (400 000 draws;
        # 4 sd of a 1e-3 rate is 2e-4): at most alpha for errors fully
        # correlated across the channels (exactly alpha) or independent
        # (chi-square(3)/3, far below)
        rng = np.random.default_rng(7)
        n = 400000
        zc = rng.standard_normal(n)[:, None] * se[None, :]
        zi = rng.standard_normal((n, 3)) * se[None, :]
        lim = tol(se) - app.TXCAL_FLOOR_DEG
        fc = np.mean(np.sqrt(np.mean(zc ** 2, axis=1)) > lim)
        fi = np.mean(np.sqrt(np.mean(zi ** 2, axis=1)) > lim)
        self.assertLess(fc, 1e-3 + 2e-4)
        self.assertLess(fi, 1e-4)
        # equal SEs, fully correlated: the rate is alpha itself
        zc = rng.standard_normal(n)[:, None] * np.ones(3)[None, :]
        f = np.mean(np.sqrt(np.mean(zc ** 2, axis=1)) > tol(np.ones(3)) - app.TXCAL_FLOOR_DEG)
        self.assertAlmostEqual(f, 1e-3, delta=2e-4)
        # Rx: against the true phases over the estimate's own snapshots (the
        # emulator's phase history), so no drift term. With the pilot off the
        # sensing echo's lines: the null-space chain's scene 11 seed 3 (errors
        # -0.071 -0.022 -0.044 deg, SE 0.037 0.035 0.023, its largest) passes;
        # the 1-bit chain's scene 9 seed 4 (-0.026 -0.008 -0.001, SE 0.039
        # 0.036 0.028; 0.52 0.41 0.92 against the phases at the run's end,
        # which the rows read before) passes, and with a 1 deg fault on
        # channel 1 each fails (the old limit, 1.33 deg rms with the drift, let
        # 2.3 deg through)
        for e, se in (([-0.071, -0.022, -0.044], [0.037, 0.035, 0.023]), ([-0.026, -0.008, -0.001],
                                                                          [0.039, 0.036, 0.028])):
            e, se = np.array(e), np.array(se)
            lim = app.cal_tolerance(se, app.RXCAL_FLOOR_DEG)
            self.assertAlmostEqual(lim, z * rms(se) + app.RXCAL_FLOOR_DEG, places=12)
            self.assertLessEqual(rms(e), lim)
            self.assertGreater(rms(e + np.array([1.0, 0.0, 0.0])), lim)
        # against the phases at the run's end the same estimate reads the drift
        # since, 0.66 deg rms: only the reference at its own snapshots allows the limit
        self.assertGreater(rms(np.array([0.518, 0.411, 0.924])), app.cal_tolerance(se, app.RXCAL_FLOOR_DEG))

    def test_006_txcal_lag_search_covers_the_users(self):
        # The transmit calibration finds user 0's offset only inside its lag
        # search: the app's search must cover the profile's largest user delay,
        # for a named profile and for an impairment_profile object (the benches'
        # "typical + harsh's user timing": it got the default 1024 for user 0's
        # offset of 3716, and no calibration ran). No flowgraph run.
        import importlib.machinery
        import importlib.util
        from gnuradio.isac import core
        loader = importlib.machinery.SourceFileLoader("isac_ota_emulated_lag",
                                                      os.path.join(SRC, "apps", "isac_ota_emulated"))
        app = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
        loader.exec_module(app)
        mixed = core.impairment_profile.named("typical")
        mixed.user_delay_max, mixed.users_free_running = 4096.0, True
        far = core.impairment_profile.named("typical")
        far.user_delay_max = 5000.0  # beyond harsh's: the search follows it
        for imp in ("none", "typical", "harsh", core.impairment_profile.named("harsh"), mixed, far):
            p = core.impairment_profile.named(imp) if isinstance(imp, str) else imp
            lag = app.txcal_max_lag(imp)
            self.assertGreater(lag, p.user_delay_max + 1.0, imp)  # delays reach user_delay_max + 1
            # no longer than it needs: the search costs ~3x real time at 4608 (docs/ota_measurements.md)
            self.assertLessEqual(lag, max(1024, p.user_delay_max + 1024), imp)
        self.assertEqual(app.txcal_max_lag("typical"), 1024)  # the flowgraphs' default
        self.assertEqual(app.txcal_max_lag("harsh"), 4608)
        far.user_delay_max = 70000.0
        with self.assertRaisesRegex(SystemExit, "lag search"):
            app.txcal_max_lag(far)

    def test_010_scene_seed_5(self):
        self.check_scene(SCENE_SEED)


if __name__ == "__main__":
    gr_unittest.run(qa_ota_scenes)
