#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""tools/grc_layout.py: its block sizes against sizes GRC's own canvas code
drew for the same blocks, and its checker and placement on small flowgraphs."""
import os
import sys
import tempfile
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grc_layout  # noqa: E402


def block(bname, bid, x=0, y=0, /, **params):
    return {"name": bname, "id": bid, "parameters": {k: str(v) for k, v in params.items()},
            "states": {"coordinate": [x, y], "rotation": 0, "state": "enabled"}}


def flowgraph(blocks, conns=()):
    return {"options": {"parameters": {"id": "t", "title": "t", "generate_options": "no_gui", "output_language":
                                       "python", "run_options": "run", "run": "True", "author": "", "description": ""},
                        "states": {"coordinate": [8, 8], "rotation": 0, "state": "enabled"}},
            "blocks": blocks, "connections": [list(c) for c in conns],
            "metadata": {"file_format": 1, "grc_version": "3.10.5.1"}}


# Representative blocks (long parameter lists, many ports, GUI sinks, controls).
SAMPLE = flowgraph([
    block("n_tx", "variable", value=32),
    block("target_deg", "variable_qtgui_range", label="Target angle (deg)", rangeType="float", value=23.0,
          start=-90.0, stop=90.0, step=1.0, widget="counter_slider", orient="QtCore.Qt.Horizontal", min_len=200,
          gui_hint="(0,0,1,1)"),
    block("chan", "isac_isac_channel", n_tx="n_tx", n_users=4, n_rx=128, comm_model='"rayleigh"', user_deg="[]",
          comm_noise_var="[0.316]", rician_k_db=10.0, coherence=0, seed=1, geometry='"monostatic"',
          target_deg="target_deg", tx_deg=0.0, rx_deg=0.0, target_snr_db=15.0, clutter_deg="[-47.0, 31.0]",
          cnr_db="[30.0, 30.0]", radar_noise_var=1.0, gain_model='"swerling1"', cpi_len=1, target_delay=0,
          csi_lead=0),
    block("tx", "isac_one_bit_isac_tx", n_tx="n_tx", n_users=4, psk_order=8, power=1.0, noise_var=0.316,
          gamma_db=5.0, target_deg="target_deg", clutter_deg="[-47.0, 31.0]", snr_r_db=15.0, cnr_db="[30.0, 30.0]",
          n_rx=128, mode='"qos"', chi_db=8.0, dac='"1bit"', solver='"realtime"', max_iter=10),
    block("split", "blocks_vector_to_streams", type="complex", num_streams=4, vlen=1),
    block("stat_plot", "qtgui_time_sink_x", type="float", name='"Detection statistic"', size=1024, srate=2000,
          autoscale="False", ymin=0, ymax=4, nconnections=2, update_time=0.2, gui_hint="(2,1,2,1)",
          entags="False"),
    block("ser", "isac_psk_ser_meter", n_users=4, psk_order=8, skip=0, report_every=0),
])

# What GRC 3.10.5's canvas (gui/canvas/block.py, default view) drew for SAMPLE:
# width x height of each block's extents, ports included
# (`xvfb-run tools/grc_layout.py measure <SAMPLE written as .grc>`; chan and tx
# re-measured with their "resync" and "channel" message ports).
GRC_DRAWN = {"t": (184, 88), "n_tx": (64, 56), "target_deg": (144, 120), "chan": (338, 312), "tx": (338, 264),
             "split": (163, 128), "stat_plot": (173, 88), "ser": (215, 88)}


class qa_grc_layout(unittest.TestCase):

    def test_sizes_against_grc_canvas(self):
        g = grc_layout.geometry(grc_layout.load(SAMPLE))
        for name, (w, h) in GRC_DRAWN.items():
            x0, y0, x1, y1 = g[name].box()
            # never smaller than GRC draws (an overlap would go unseen), at most
            # two grid steps larger
            self.assertEqual(y1 - y0, h, name)
            self.assertGreaterEqual(x1 - x0, w, name)
            self.assertLessEqual(x1 - x0, w + 16, name)

    def test_checker_finds_overlaps_and_backward_wires(self):
        fg = flowgraph([block("a", "blocks_null_source", 300, 200, type="float", vlen=1, num_outputs=1,
                              bus_structure_source="[[0,],]"),
                        block("b", "blocks_null_sink", 100, 200, type="float", vlen=1, num_inputs=1,
                              bus_structure_sink="[[0,],]"),
                        block("c", "blocks_null_sink", 310, 210, type="float", vlen=1, num_inputs=1,
                              bus_structure_sink="[[0,],]")],
                       [("a", "0", "b", "0"), ("a", "0", "c", "0")])
        path = os.path.join(tempfile.mkdtemp(), "t.grc")
        with open(path, "w") as f:
            yaml.safe_dump(fg, f)
        pr = grc_layout.problems(path)
        self.assertTrue(any("overlap" in p and "a " in p and "c " in p for p in pr), pr)
        self.assertTrue(any("right to left" in p and "a:0 -> b:0" in p for p in pr), pr)
        # placed, the same flowgraph has neither
        grc_layout.place(fg)
        with open(path, "w") as f:
            yaml.safe_dump(fg, f)
        self.assertEqual(grc_layout.problems(path), [])

    def test_feedback_message_wire_is_allowed(self):
        # a channel's csi back to the precoder runs right to left by nature;
        # drawn direct it would run under both blocks (GRC paints wires below
        # blocks) and show only its two ends, so it goes through a pair
        fg = flowgraph([block("src", "isac_psk_source", n_users=2, psk_order=4, seed=1),
                        block("tx", "isac_one_bit_isac_tx", n_tx=8, n_users=2, psk_order=4, power=1.0,
                              noise_var=0.1, gamma_db=5.0, target_deg=10.0, clutter_deg="[]", snr_r_db=15.0,
                              cnr_db="[]", n_rx=8, mode='"qos"', chi_db=8.0, dac='"1bit"', solver='"realtime"',
                              max_iter=10),
                        block("chan", "isac_isac_channel", n_tx=8, n_users=2, n_rx=8, comm_model='"rayleigh"',
                              user_deg="[]", comm_noise_var="[0.1]", rician_k_db=10.0, coherence=0, seed=1,
                              geometry='"monostatic"', target_deg=10.0, tx_deg=0.0, rx_deg=0.0, target_snr_db=15.0,
                              clutter_deg="[]", cnr_db="[]", radar_noise_var=1.0, gain_model='"fixed"', cpi_len=1,
                              target_delay=0, csi_lead=0),
                        block("u", "blocks_null_sink", type="complex", vlen=2, num_inputs=1,
                              bus_structure_sink="[[0,],]"),
                        block("e", "blocks_null_sink", type="complex", vlen=8, num_inputs=1,
                              bus_structure_sink="[[0,],]")],
                       [("src", "0", "tx", "0"), ("tx", "0", "chan", "0"), ("chan", "csi", "tx", "csi"),
                        ("chan", "0", "u", "0"), ("chan", "1", "e", "0")])
        grc_layout.place(fg)
        path = os.path.join(tempfile.mkdtemp(), "t.grc")
        with open(path, "w") as f:
            yaml.safe_dump(fg, f)
        self.assertEqual(grc_layout.problems(path), [])
        pos = {b["name"]: b["states"]["coordinate"] for b in fg["blocks"]}
        self.assertLess(pos["src"][0], pos["tx"][0])
        self.assertLess(pos["tx"][0], pos["chan"][0])
        self.assertLess(pos["chan"][0], pos["u"][0])
        self.assertIn(["chan", "csi", "vsink_chan_csi", "0"], fg["connections"])
        self.assertIn(["vsrc_chan_csi_tx", "0", "tx", "csi"], fg["connections"])
        # the same layout with the direct wire: the checker names both blocks
        fg["connections"].remove(["vsrc_chan_csi_tx", "0", "tx", "csi"])
        fg["connections"].remove(["chan", "csi", "vsink_chan_csi", "0"])
        fg["connections"].append(["chan", "csi", "tx", "csi"])
        fg["blocks"] = [b for b in fg["blocks"] if not b["id"].startswith("virtual_")]
        with open(path, "w") as f:
            yaml.safe_dump(fg, f)
        found = [p.split(" (")[0] for p in grc_layout.problems(path)]
        self.assertEqual(sorted(found), ["wire chan:csi -> tx:csi passes over chan",
                                         "wire chan:csi -> tx:csi passes over tx"])

    def test_feedback_message_wire_over_another_block(self):
        # a receiver's report to a feedback link left of it, which answers
        # with its csi (the OTA graphs' User Receivers, Frame Builder and CSI
        # Feedback Link): drawn direct, the wires pass over the block between
        # and hide which csi port is fed; the checker reports them, and
        # place() lays them clear (a pair where a direct wire cannot be)
        def rx(name, y):
            return block(name, "isac_user_receiver", 400, y, n_tx=4, n_users=2, user=int(name[-1]), psk_order=4,
                         frame_len=880, power=1.0, estimator='"ls"')
        fg = flowgraph([block("src", "isac_psk_source", 8, 300, n_users=2, psk_order=4, seed=1),
                        block("air", "blocks_null_source", 8, 160, type="complex", vlen=1, num_outputs=1,
                              bus_structure_source="[[0,],]"),
                        rx("user0", 100), rx("user1", 300),
                        block("fb", "isac_csi_feedback", 8, 520, n_users=2, n_tx=4, delay_frames=12, bits=0),
                        block("s0", "blocks_null_sink", 800, 100, type="complex", vlen=1, num_inputs=1,
                              bus_structure_sink="[[0,],]"),
                        block("s1", "blocks_null_sink", 800, 300, type="complex", vlen=1, num_inputs=1,
                              bus_structure_sink="[[0,],]")],
                       [("air", "0", "user0", "0"), ("air", "0", "user1", "0"), ("src", "0", "user0", "1"),
                        ("src", "0", "user1", "1"), ("user0", "0", "s0", "0"), ("user1", "0", "s1", "0"),
                        ("user0", "row", "fb", "row"),
                        ("user1", "row", "fb", "row"), ("fb", "csi", "user0", "csi"), ("fb", "csi", "user1", "csi")])
        path = os.path.join(tempfile.mkdtemp(), "t.grc")
        with open(path, "w") as f:
            yaml.safe_dump(fg, f)
        found = grc_layout.problems(path)
        self.assertTrue(any(p.startswith("wire user0:row -> fb:row passes over user1 ") for p in found), found)
        grc_layout.place(fg)
        with open(path, "w") as f:
            yaml.safe_dump(fg, f)
        self.assertEqual(grc_layout.problems(path), [])

    def test_wire_over_a_block(self):
        # a -> c -> b and a long wire a -> b: drawn at c's height, it runs over c
        # and looks as if it ended there
        fg = flowgraph([block("a", "blocks_null_source", 8, 200, type="float", vlen=1, num_outputs=1,
                              bus_structure_source="[[0,],]"),
                        block("c", "blocks_copy", 240, 176, type="float", vlen=1, showports="True", enabled="True"),
                        block("b", "blocks_add_xx", 520, 184, type="float", vlen=1, num_inputs=2),
                        block("d", "blocks_null_sink", 700, 200, type="float", vlen=1, num_inputs=1,
                              bus_structure_sink="[[0,],]")],
                       [("a", "0", "c", "0"), ("c", "0", "b", "0"), ("a", "0", "b", "1"), ("b", "0", "d", "0")])
        g = grc_layout.geometry(grc_layout.load(fg))
        # GRC's shape: 15 px straight out of each connector, the Bezier's middle
        # point half way between the connectors' heights
        (x0, y0), (x3, y3) = g["a"].connector("0", True), g["b"].connector("1", False)
        pts = grc_layout.wire_path(g["a"], "0", g["b"], "1")
        self.assertEqual((pts[0], pts[-1]), ((x0, y0), (x3, y3)))
        mid = min(pts, key=lambda p: abs(p[0] - (x0 + x3) / 2))
        self.assertAlmostEqual(mid[1], (y0 + y3) / 2, delta=abs(y3 - y0) * 0.1 + 0.5)
        path = os.path.join(tempfile.mkdtemp(), "t.grc")
        with open(path, "w") as f:
            yaml.safe_dump(fg, f)
        self.assertIn("wire a:0 -> b:1 passes over c %s" % (g["c"].box(),), grc_layout.problems(path))
        # placed: the long wire goes through a Virtual Sink/Source pair and no
        # wire passes over a block
        grc_layout.place(fg)
        with open(path, "w") as f:
            yaml.safe_dump(fg, f)
        self.assertEqual(grc_layout.problems(path), [])
        kinds = sorted(b["id"] for b in fg["blocks"])
        self.assertEqual(kinds, ["blocks_add_xx", "blocks_copy", "blocks_null_sink", "blocks_null_source",
                                 "virtual_sink", "virtual_source"])
        self.assertIn(["a", "0", "vsink_a_0", "0"], fg["connections"])
        self.assertIn(["vsrc_a_0_b", "0", "b", "1"], fg["connections"])

    def test_virtual_pair_names_never_clash(self):
        # the pair's names and stream id are taken already (a user's Virtual
        # Sink of stream id "a_0" fed by e, a user's block named "vsink_a_0"):
        # the new pair must not join the user's stream or reuse the block
        def src(n):
            return block(n, "blocks_null_source", type="float", vlen=1, num_outputs=1, bus_structure_source="[[0,],]")

        def snk(n, k=1):
            return block(n, "blocks_null_sink", type="float", vlen=1, num_inputs=k, bus_structure_sink="[[0,],]")

        fg = flowgraph([src("a"), src("e"), block("mine", "virtual_sink", stream_id="a_0"),
                        block("vsink_a_0", "blocks_copy", type="float", vlen=1, showports="True", enabled="True"),
                        snk("vsink_a_0_snk"), snk("b", 2), block("vsrc_a_0_2_b", "blocks_copy", type="float", vlen=1,
                                                                 showports="True", enabled="True"),
                        snk("c")],
                       [("e", "0", "mine", "0"), ("a", "0", "vsink_a_0", "0"), ("vsink_a_0", "0", "vsink_a_0_snk", "0"),
                        ("a", "0", "b", "0"), ("a", "0", "b", "1"), ("e", "0", "vsrc_a_0_2_b", "0"),
                        ("vsrc_a_0_2_b", "0", "c", "0")])
        grc_layout._virtual_pair(fg, "a", "0", "b", "0")
        grc_layout._virtual_pair(fg, "a", "0", "b", "1")
        path = os.path.join(tempfile.mkdtemp(), "t.grc")
        with open(path, "w") as f:
            yaml.safe_dump(fg, f)
        loaded = grc_layout.load(path)
        self.assertEqual(grc_layout.virtual_clashes(loaded), [])
        direct = grc_layout.through_virtual(grc_layout._conns(loaded), grc_layout._stream_ids(loaded))
        self.assertEqual(sorted((a, ap, b, bp) for a, ap, b, bp, _ in direct if b in ("b", "vsink_a_0_snk", "c")),
                         [("a", "0", "b", "0"), ("a", "0", "b", "1"), ("vsink_a_0", "0", "vsink_a_0_snk", "0"),
                          ("vsrc_a_0_2_b", "0", "c", "0")])
        self.assertEqual(sum(b["id"] == "virtual_source" for b in fg["blocks"]), 1)  # one feeds both ports
        # the checker: two Virtual Sinks of one stream id, a Virtual Source of none
        fg = flowgraph([src("a"), src("e"), block("s1", "virtual_sink", stream_id="x"),
                        block("s2", "virtual_sink", stream_id="x"), block("v", "virtual_source", stream_id="y"), snk("b")],
                       [("a", "0", "s1", "0"), ("e", "0", "s2", "0"), ("v", "0", "b", "0")])
        with open(path, "w") as f:
            yaml.safe_dump(fg, f)
        self.assertEqual(grc_layout.virtual_clashes(grc_layout.load(path)),
                         ["Virtual Sinks s1, s2 share the stream id 'x'", "v: no Virtual Sink has its stream id 'y'"])

    def test_examples_virtual_sources_near_their_ports(self):
        # a Virtual Source far above or below the port it feeds reads as
        # another block's input (isac_1bit_loopback had one 568 px away before
        # a closer source of its stream took the wire). One that feeds two
        # ports (the csi of both User Receivers in the OTA graphs: no clear
        # height left of the upper one's csi, between the rx and sym wires)
        # sits near the nearer port and reaches the other one block further.
        import glob
        near, far = {}, {}
        for path in sorted(glob.glob(os.path.join(HERE, "..", "examples", "*.grc"))):
            fg = grc_layout.load(path)
            g, sid = grc_layout.geometry(fg), grc_layout._stream_ids(fg)
            dys = {}
            for a, _, b, bp, _ in grc_layout._conns(fg):
                if a in sid and b not in sid:
                    dys.setdefault(a, []).append(abs(g[a].connector("0", True)[1] - g[b].connector(bp, False)[1]))
            if dys:
                near[os.path.basename(path)] = max(min(d) for d in dys.values())
                far[os.path.basename(path)] = max(max(d) for d in dys.values())
        self.assertGreater(len(near), 3)
        self.assertLessEqual(max(near.values()), 2 * grc_layout.VIRTUAL_REACH, near)
        self.assertLessEqual(max(far.values()), 3 * grc_layout.VIRTUAL_REACH, far)

    def test_virtual_source_level_with_another_input(self):
        # a Virtual Source whose output faces, level and close, the input of a
        # block it does not feed reads as that block's input
        def fg(y_c):
            return flowgraph([block("a", "blocks_null_source", 8, 200, type="float", vlen=1, num_outputs=1,
                                    bus_structure_source="[[0,],]"),
                              block("vsink_a_0", "virtual_sink", 240, 200, stream_id="a_0"),
                              block("vsrc_a_0_b", "virtual_source", 400, 400, stream_id="a_0"),
                              block("c", "blocks_copy", 600, y_c, type="float", vlen=1, showports="False",
                                    enabled="True"),
                              block("b", "blocks_null_sink", 600, 560, type="float", vlen=1, num_inputs=1,
                                    bus_structure_sink="[[0,],]"),
                              block("d", "blocks_null_sink", 900, y_c, type="float", vlen=1, num_inputs=1,
                                    bus_structure_sink="[[0,],]")],
                             [("a", "0", "vsink_a_0", "0"), ("vsrc_a_0_b", "0", "b", "0"), ("c", "0", "d", "0")])

        g = grc_layout.geometry(grc_layout.load(fg(0)))
        vx, vy = g["vsrc_a_0_b"].connector("0", True)
        y_level = vy - g["c"].sinks["0"]  # c's input level with the Virtual Source's output
        self.assertLess(g["c"].connector("0", False)[0] - vx, grc_layout.LEVEL_DX)
        path = os.path.join(tempfile.mkdtemp(), "t.grc")
        for dy, bad in ((0, True), (16, True), (-16, True), (48, False)):
            with open(path, "w") as f:
                yaml.safe_dump(fg(y_level + dy), f)
            found = [p for p in grc_layout.problems(path) if "sits level" in p]
            self.assertEqual(found, ["vsrc_a_0_b sits level with c:0, as if wired to it"] if bad else [], dy)

    def test_connectors_against_grc_canvas(self):
        # where GRC's canvas (xvfb) attaches the wires of every connected port of
        # an example with long and short port names on one side (txcal_est's x
        # and recalibrate): all ports of a side are as wide as the widest, so a
        # short one's wire ends as far out as the long one's. The estimate's
        # sinks sit where GRC's do; its sources at most one grid step plus the
        # width estimate's slack (test_sizes_against_grc_canvas) further out.
        import json
        import shutil
        import subprocess
        if shutil.which("xvfb-run") is None:
            self.skipTest("no xvfb-run")
        path = os.path.join(HERE, "..", "examples", "isac_usrp_ota.grc")
        r = subprocess.run(["xvfb-run", "-a", sys.executable, "-B", os.path.join(HERE, "grc_layout.py"),
                            "connectors", path], capture_output=True, text=True, timeout=120)
        if r.returncode != 0 and "gi" in r.stderr and "Error" in r.stderr and "Gtk" in r.stderr:
            self.skipTest("no GTK: " + r.stderr.strip().splitlines()[-1])
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = json.loads(r.stdout)
        self.assertGreater(len(rows), 60)
        self.assertIn(["txcal_est", "0", False], [row[:3] for row in rows])
        for b, key, out, (gx, gy), (ex, ey) in rows:
            where = "%s:%s (%s): GRC (%g, %g), estimate (%g, %g)" % (b, key, "out" if out else "in", gx, gy, ex, ey)
            self.assertEqual(ey, gy, where)
            if out:
                self.assertTrue(-4 <= ex - gx <= 20, where)
            else:
                self.assertLessEqual(abs(ex - gx), 4, where)

    def test_invalid_parameters_are_reported(self):
        fg = flowgraph([block("src", "isac_psk_source", n_users="no_such_variable", psk_order=4, seed=1)])
        path = os.path.join(tempfile.mkdtemp(), "t.grc")
        with open(path, "w") as f:
            yaml.safe_dump(fg, f)
        self.assertTrue(any(p.startswith("GRC:") for p in grc_layout.problems(path)))


if __name__ == "__main__":
    unittest.main()
