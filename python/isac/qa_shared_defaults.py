#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The simulation blocks' GRC defaults describe one scene (docs/blocks.md,
"Your own flowgraph"): N_T = 32, N_R = 128, U = 4, 8-PSK, sigma_C^2 = 0.316,
target 10 deg at 15 dB, clutter -50/30 deg at 30 dB, sigma_R^2 = 1, CPIs of 64.

The values are read from the GRC block files (grc/isac_*.block.yml, what a
user's canvas shows), so a default changed in one descriptor and not in the
others fails test_001; test_002 compiles a flowgraph with every block at its
defaults with grcc and runs it.
"""
import importlib.util
import os
import shutil
import subprocess
import tempfile

import numpy as np
import yaml
from gnuradio import gr, gr_unittest

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GRC = os.path.join(SRC, "grc")


def defaults(block):
    """{parameter: evaluated GRC default} of isac_<block>."""
    with open(os.path.join(GRC, f"isac_{block}.block.yml")) as f:
        doc = yaml.safe_load(f)
    out = {}
    for p in doc["parameters"]:
        if "default" in p:
            v = p["default"]
            out[p["id"]] = eval(v, {"__builtins__": {}}) if isinstance(v, str) else v
    return out


# (block, parameter) pairs that must hold one shared value; a per-angle list is
# compared after broadcasting one value to every clutter angle
SHARED = {
    "n_tx": [("isac_channel", "n_tx"), ("ci_precoder", "n_tx"), ("one_bit_isac_tx", "n_tx"),
             ("one_bit_rx_filter", "n_tx"), ("one_bit_radar_rx", "n_tx"), ("beampattern_probe", "n_tx"),
             ("steering_reference", "n_tx"),
             # the quantizer's default mode is the DAC, on the transmit vectors
             ("one_bit_quantizer", "vlen")],
    "n_rx": [("isac_channel", "n_rx"), ("ci_precoder", "n_rx"), ("one_bit_isac_tx", "n_rx"),
             ("one_bit_rx_filter", "n_rx"), ("one_bit_radar_rx", "n_rx"), ("doa_mle", "n_rx")],
    "n_users": [("isac_channel", "n_users"), ("ci_precoder", "n_users"), ("one_bit_isac_tx", "n_users"),
                ("psk_source", "n_users"), ("psk_ser_meter", "n_users")],
    "psk_order": [("ci_precoder", "psk_order"), ("one_bit_isac_tx", "psk_order"), ("psk_source", "psk_order"),
                  ("psk_ser_meter", "psk_order")],
    "comm_noise_var": [("isac_channel", "comm_noise_var"), ("ci_precoder", "noise_var"),
                       ("one_bit_isac_tx", "noise_var")],
    "radar_noise_var": [("isac_channel", "radar_noise_var"), ("one_bit_rx_filter", "radar_noise_var"),
                        ("one_bit_radar_rx", "radar_noise_var"), ("doa_mle", "noise_var")],
    "target_deg": [("isac_channel", "target_deg"), ("ci_precoder", "target_deg"), ("one_bit_isac_tx", "target_deg"),
                   ("one_bit_rx_filter", "target_deg"), ("one_bit_radar_rx", "target_deg")],
    "snr_r_db": [("isac_channel", "target_snr_db"), ("ci_precoder", "snr_r_db"), ("one_bit_isac_tx", "snr_r_db"),
                 ("one_bit_rx_filter", "snr_r_db"), ("one_bit_radar_rx", "snr_r_db")],
    "clutter_deg": [("isac_channel", "clutter_deg"), ("ci_precoder", "clutter_deg"),
                    ("one_bit_isac_tx", "clutter_deg"), ("one_bit_rx_filter", "clutter_deg"),
                    ("one_bit_radar_rx", "clutter_deg")],
    "cnr_db": [("isac_channel", "cnr_db"), ("ci_precoder", "cnr_db"), ("one_bit_isac_tx", "cnr_db"),
               ("one_bit_rx_filter", "cnr_db"), ("one_bit_radar_rx", "cnr_db")],
    "cpi_len": [("isac_channel", "cpi_len"), ("doa_mle", "cpi_len")],
}
SCENE = {"n_tx": 32, "n_rx": 128, "n_users": 4, "psk_order": 8, "comm_noise_var": [0.316],
         "radar_noise_var": 1.0, "target_deg": 10.0, "snr_r_db": 15.0, "clutter_deg": [-50.0, 30.0],
         "cnr_db": [30.0, 30.0], "cpi_len": 64}


def as_list(v, n):
    v = list(v) if isinstance(v, (list, tuple)) else [v]
    return v * n if len(v) == 1 else v


class qa_shared_defaults(gr_unittest.TestCase):

    def test_001_descriptors_share_one_scene(self):
        cache = {}
        for name, pairs in SHARED.items():
            want = SCENE[name]
            for block, param in pairs:
                d = cache.setdefault(block, defaults(block))
                self.assertIn(param, d, f"{block}.{param} has no GRC default")
                got = d[param]
                if isinstance(want, list):
                    n = len(want)
                    self.assertEqual(as_list(got, n), as_list(want, n), f"{block}.{param}")
                else:
                    self.assertEqual(got, want, f"{block}.{param}")
        # the canvas shows the noise as typed: a plain number, not an expression
        with open(os.path.join(GRC, "isac_ci_precoder.block.yml")) as f:
            noise = [p for p in yaml.safe_load(f)["parameters"] if p["id"] == "noise_var"][0]
        self.assertEqual(str(noise["default"]), "0.316")

    def test_002_all_defaults_flowgraph_compiles_and_runs(self):
        """Every simulation block at its defaults; only the glue (head, sinks)
        has parameters. grcc fails on any port size mismatch."""
        n_users, n_snap = SCENE["n_users"], 600
        blocks = [
            ("variable", "n_snap", {"value": str(n_snap)}),
            ("isac_psk_source", "src", {}),
            ("blocks_head", "head", {"type": "complex", "num_items": "n_snap", "vlen": str(n_users)}),
            ("isac_ci_precoder", "ci", {}),
            ("isac_one_bit_quantizer", "dac", {}),
            ("isac_isac_channel", "chan", {}),
            ("isac_psk_ser_meter", "ser", {}),
            ("isac_one_bit_radar_rx", "radar", {}),
            ("isac_steering_reference", "ref", {}),
            ("isac_doa_mle", "doa", {}),
            ("isac_beampattern_probe", "bp", {}),
            ("blocks_vector_sink_x", "ser_sink", {"type": "float", "vlen": str(n_users)}),
            ("blocks_vector_sink_x", "stat_sink", {"type": "float", "vlen": "1"}),
            ("blocks_vector_sink_x", "doa_sink", {"type": "float", "vlen": "1"}),
            ("blocks_null_sink", "z_sink", {"type": "complex", "vlen": "1"}),
            ("blocks_null_sink", "bp_sink", {"type": "float", "vlen": "181"}),
            ("blocks_null_sink", "ref_sink", {"type": "complex", "vlen": "1"}),
        ]
        conns = [["src", "0", "head", "0"], ["head", "0", "ci", "0"], ["ci", "0", "dac", "0"],
                 ["dac", "0", "chan", "0"], ["chan", "csi", "ci", "csi"],
                 ["chan", "0", "ser", "0"], ["head", "0", "ser", "1"], ["ser", "0", "ser_sink", "0"],
                 ["chan", "1", "radar", "0"], ["dac", "0", "radar", "1"], ["radar", "0", "z_sink", "0"],
                 ["radar", "1", "stat_sink", "0"],
                 # doa_mle's default mode ("gaussian") has no reference port
                 ["dac", "0", "ref", "0"], ["ref", "0", "ref_sink", "0"], ["chan", "1", "doa", "0"],
                 ["doa", "0", "doa_sink", "0"], ["dac", "0", "bp", "0"], ["bp", "0", "bp_sink", "0"]]
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
        ser = np.array(tb.ser_sink.data()).reshape(-1, n_users)
        stat = np.array(tb.stat_sink.data())
        doa = np.array(tb.doa_sink.data())
        self.assertEqual(len(ser), n_snap)
        self.assertEqual(len(stat), n_snap)
        # one estimate per CPI of 64
        self.assertEqual(len(doa), n_snap // SCENE["cpi_len"])
        self.assertTrue(np.all(np.isfinite(stat)) and np.all(np.isfinite(doa)))
        # the precoder designs for the noise the channel applies: every user is
        # far better than guessing (1 - 1/8), and no SER is NaN
        self.assertTrue(np.all(ser[-1] < 0.5), ser[-1])


if __name__ == "__main__":
    gr_unittest.run(qa_shared_defaults)
