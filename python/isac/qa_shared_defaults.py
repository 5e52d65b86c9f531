#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""A flowgraph of the simulation blocks at their defaults (the scene of
docs/blocks.md, "Your own flowgraph", checked descriptor by descriptor in
qa_default_scene) compiles with grcc, runs, and gives the scene's numbers.
"""
import importlib.util
import os
import shutil
import subprocess
import tempfile

import numpy as np
import yaml
from gnuradio import gr, gr_unittest

from qa_default_scene import GRC, SCENE


class qa_shared_defaults(gr_unittest.TestCase):

    def test_002_all_defaults_flowgraph_compiles_and_runs(self):
        """Every simulation block at its defaults; only the glue (head, sinks,
        the two seeds) has parameters. grcc fails on any port size mismatch."""
        n_users, n_snap = SCENE["n_users"], 600
        blocks = [
            ("variable", "n_snap", {"value": str(n_snap)}),
            ("isac_psk_source", "src", {"seed": "5"}),
            ("blocks_head", "head", {"type": "complex", "num_items": "n_snap", "vlen": str(n_users)}),
            ("isac_ci_precoder", "ci", {}),
            ("isac_isac_channel", "chan", {"seed": "7"}),
            ("isac_psk_ser_meter", "ser", {}),
            ("isac_one_bit_radar_rx", "radar", {}),
            ("isac_steering_reference", "ref", {}),
            ("isac_doa_mle", "doa", {}),
            ("isac_beampattern_probe", "bp", {}),
            ("blocks_vector_sink_x", "x_sink", {"type": "complex", "vlen": str(SCENE["n_tx"])}),
            ("blocks_vector_sink_x", "ser_sink", {"type": "float", "vlen": str(n_users)}),
            ("blocks_vector_sink_x", "stat_sink", {"type": "float", "vlen": "1"}),
            ("blocks_vector_sink_x", "doa_sink", {"type": "float", "vlen": "1"}),
            ("blocks_null_sink", "z_sink", {"type": "complex", "vlen": "1"}),
            ("blocks_vector_sink_x", "bp_sink", {"type": "float", "vlen": "181"}),
            ("blocks_vector_sink_x", "ref_sink", {"type": "complex", "vlen": "1"}),
        ]
        # ci_precoder's default dac is "1bit": its x goes to the channel as it is
        conns = [["src", "0", "head", "0"], ["head", "0", "ci", "0"], ["ci", "0", "chan", "0"],
                 ["ci", "0", "x_sink", "0"], ["chan", "csi", "ci", "csi"],
                 ["chan", "0", "ser", "0"], ["head", "0", "ser", "1"], ["ser", "0", "ser_sink", "0"],
                 ["chan", "1", "radar", "0"], ["ci", "0", "radar", "1"], ["radar", "0", "z_sink", "0"],
                 ["radar", "1", "stat_sink", "0"],
                 # doa_mle's default mode ("gaussian") has no reference port
                 ["ci", "0", "ref", "0"], ["ref", "0", "ref_sink", "0"], ["chan", "1", "doa", "0"],
                 ["doa", "0", "doa_sink", "0"], ["ci", "0", "bp", "0"], ["bp", "0", "bp_sink", "0"]]
        doc = {"options": {"parameters": {"id": "all_defaults", "generate_options": "no_gui",
                                          "run_options": "run", "output_language": "python"},
                           "states": {"coordinate": [8, 8], "state": "enabled"}},
               "blocks": [{"name": n, "id": i, "parameters": p, "states": {"coordinate": [8, 8 + 40 * k],
                           "rotation": 0, "state": "enabled"}}
                          for k, (i, n, p) in enumerate(blocks)],
               "connections": conns, "metadata": {"file_format": 1}}
        tmp = tempfile.mkdtemp(prefix="isac_all_defaults_")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "all_defaults.grc")
        with open(path, "w") as f:
            yaml.safe_dump(doc, f, sort_keys=False)
        # GNU Radio's own blocks only from its prefix (an installed gr-isac would
        # otherwise overwrite this tree's block files)
        env = dict(os.environ, GRC_BLOCKS_PATH=GRC,
                   GR_CONF_GRC_GLOBAL_BLOCKS_PATH=os.path.join(gr.prefix(), "share", "gnuradio", "grc", "blocks"))
        r = subprocess.run(["grcc", "-o", tmp, path], env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])
        spec = importlib.util.spec_from_file_location("all_defaults", os.path.join(tmp, "all_defaults.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        tb = mod.all_defaults()
        tb.start()
        tb.wait()
        n_tx, L = SCENE["n_tx"], SCENE["cpi_len"]
        x = np.array(tb.x_sink.data()).reshape(-1, n_tx)
        ser = np.array(tb.ser_sink.data()).reshape(-1, n_users)
        stat = np.array(tb.stat_sink.data())
        doa = np.array(tb.doa_sink.data())
        self.assertEqual(len(x), n_snap)
        self.assertEqual(len(ser), n_snap)
        self.assertEqual(len(stat), n_snap)
        self.assertEqual(len(doa), n_snap // L)  # one estimate per CPI
        # users: the precoder designs for the channel's noise. Over random channels
        # (six unseeded runs) the run's SER stayed at or below 0.27; the bound adds
        # 5 binomial standard deviations of the U * n_snap symbols to that
        p, n_sym = 0.27, n_users * n_snap
        self.assertLess(ser[-1].mean(), p + 5 * np.sqrt(p * (1 - p) / n_sym), ser[-1])
        # beampattern: numpy's (1/L) sum |a(theta)^T x|^2 in dB, peaked at the target
        bp = np.array(tb.bp_sink.data()).reshape(-1, 181)
        frame = 64
        self.assertEqual(len(bp), n_snap // frame)
        grid = np.arange(-90.0, 90.5, 1.0)
        A = np.exp(-1j * np.pi * np.outer(np.sin(np.deg2rad(grid)), np.arange(n_tx)))
        xf = x[:len(bp) * frame].reshape(len(bp), frame, n_tx)
        ref_db = 10 * np.log10((np.abs(xf @ A.T) ** 2).mean(axis=1))
        np.testing.assert_allclose(bp, ref_db, atol=1e-3)
        self.assertTrue(np.all(np.abs(grid[np.argmax(bp, axis=1)] - SCENE["target_deg"]) <= 1.0),
                        grid[np.argmax(bp, axis=1)])
        # steering_reference at its default DoD 0: g_T(0) = 1/sqrt(N_T) on every element
        c = np.array(tb.ref_sink.data())
        np.testing.assert_allclose(c, x.sum(axis=1) / np.sqrt(n_tx), atol=1e-4)
        # DoA: with 30 dB clutter over a 15 dB target the one-source estimate lands on
        # the target or a clutter angle (docs/doa_mle.md), never between them
        scene = np.array([SCENE["target_deg"]] + SCENE["clutter_deg"])
        self.assertTrue(np.all(np.min(np.abs(doa[:, None] - scene[None, :]), axis=1) < 0.5), doa)
        # detection: a statistic >= 1 is a detection; false alarms alone would give
        # pfa 0.01 (6 of 600, sd 2.4); six unseeded runs gave 0.45 to 0.73
        rate = np.mean(stat >= 1.0)
        self.assertTrue(0.1 < rate <= 1.0, rate)
        self.assertTrue(np.all(np.isfinite(stat)))


if __name__ == "__main__":
    gr_unittest.run(qa_shared_defaults)
