#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The User Receiver's GRC block file against GNU Radio's own rule for stream
outputs (they are numbered from 0: a graph that connects out1 and not out0 is
refused at start). Every wiring GRC (this tree's grc/, GNU Radio's GRC core,
as grcc runs it) accepts must start in GNU Radio; the one GNU Radio refuses,
`ser` without `payload`, GRC must flag before anything runs."""

import importlib.util
import os
import sys
import tempfile

import yaml
from gnuradio import blocks, gr, gr_unittest

try:
    from gnuradio import isac
except ImportError:
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio import isac

SRC = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GRC = os.path.join(SRC, "grc")
TMP = tempfile.mkdtemp(prefix="isac_ur_grc_")


def grc_platform():
    # this tree's block files first, GNU Radio's own from its prefix (a gr-isac
    # installed elsewhere would otherwise be read instead), as the grcc tests do
    os.environ["GRC_BLOCKS_PATH"] = GRC
    os.environ["GR_CONF_GRC_GLOBAL_BLOCKS_PATH"] = os.path.join(gr.prefix(), "share", "gnuradio", "grc",
                                                               "blocks")
    from gnuradio.grc.core import Messages
    from gnuradio.grc.core.platform import Platform
    Messages.send = lambda *a, **k: None
    p = Platform(name="qa_user_receiver_grc", prefs=gr.prefs(), version=gr.version(),
                 version_parts=(gr.major_version(), gr.api_version(), gr.minor_version()))
    p.build_library()
    return p


def block(name, bid, x, **params):
    return {"name": name, "id": bid, "parameters": {k: str(v) for k, v in params.items()},
            "states": {"coordinate": [x, 200], "rotation": 0, "state": "enabled"}}


def graph(gid, connect, ser_port=None, **ur_params):
    """rx from a null source into a User Receiver; null sinks on the outputs in
    `connect` ("payload", "ser"); ser_port None: the file does not set it (a
    flowgraph saved before the parameter existed)."""
    ur = dict(n_tx=4, n_users=1, user=0, psk_order=4, payload_len=880, **ur_params)
    if ser_port is not None:
        ur["ser_port"] = ser_port
    bl = [block("src", "blocks_null_source", 8, type="complex", vlen=1, num_outputs=1,
                bus_structure_source="[[0,],]"),
          block("ur", "isac_user_receiver", 200, **ur)]
    conns = [["src", "0", "ur", "0"]]
    for port, t in (("payload", "complex"), ("ser", "float")):
        if port in connect:
            bl.append(block(port + "_sink", "blocks_null_sink", 600, type=t, vlen=1, num_inputs=1,
                            bus_structure_sink="[[0,],]"))
            conns.append(["ur", "0" if port == "payload" else "1", port + "_sink", "0"])
    return {"options": {"parameters": {"id": gid, "title": gid, "generate_options": "no_gui",
                                       "output_language": "python", "run": "True", "run_options": "run"},
                        "states": {"coordinate": [8, 8], "rotation": 0, "state": "enabled"}},
            "blocks": bl, "connections": conns, "metadata": {"file_format": 1, "grc_version": "3.10.5.1"}}


class qa_user_receiver_grc(gr_unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.platform = grc_platform()

    def load(self, doc):
        """The graph as grcc loads and validates it (written to TMP/<id>.grc)."""
        path = os.path.join(TMP, doc["options"]["parameters"]["id"] + ".grc")
        with open(path, "w") as f:
            yaml.safe_dump(doc, f)
        fg = self.platform.make_flow_graph()
        fg.grc_file_path = path
        fg.import_data(self.platform.parse_flow_graph(path))
        fg.rewrite()
        fg.validate()
        return fg

    def compile(self, doc):
        """GRC's errors for the graph, and (valid) its generated top block class,
        as grcc loads, validates and generates it."""
        gid = doc["options"]["parameters"]["id"]
        fg = self.load(doc)
        errors = ["%s: %s" % (getattr(e, "name", e), m) for e, m in fg.iter_error_messages()]
        if errors:
            return errors, None
        gen = self.platform.Generator(fg, TMP)
        gen.write()
        spec = importlib.util.spec_from_file_location(gid, gen.file_path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return [], getattr(mod, gid)

    def cpp_make(self, **params):
        """The User Receiver's make() call in GRC's C++ output for a graph with
        these parameters."""
        doc = graph("cpp_out", ("payload",), "False", **params)
        doc["options"]["parameters"]["output_language"] = "cpp"
        fg = self.load(doc)
        self.assertEqual([m for _, m in fg.iter_error_messages()], [])
        self.platform.Generator(fg, TMP).write()
        with open(os.path.join(TMP, "cpp_out", "cpp_out.cpp")) as f:
            code = f.read()
        i = code.index("user_receiver::make(")
        return code[i:code.index(";", i)]

    def starts(self, cls):
        tb = cls()
        tb.start()  # GNU Radio checks the port numbering here
        tb.stop()
        tb.wait()

    def test_accepted_wirings_start(self):
        for gid, connect, ser_port in (("both_default", ("payload", "ser"), None),
                                       ("both", ("payload", "ser"), "True"),
                                       ("payload_only", ("payload",), "True"),
                                       ("payload_no_ser_port", ("payload",), "False"),
                                       ("sink", (), "False")):
            with self.subTest(gid):
                errors, cls = self.compile(graph(gid, connect, ser_port))
                self.assertEqual(errors, [])
                self.starts(cls)

    def test_ser_without_payload_refused_by_grc(self):
        for gid, ser_port in (("ser_only_default", None), ("ser_only", "True")):
            with self.subTest(gid):
                errors, cls = self.compile(graph(gid, ("ser",), ser_port))
                self.assertIsNone(cls)
                self.assertIn("payload: Port is not connected.", errors)

    def test_payload_required_with_ser_port(self):
        # nothing connected is a sink only with the ser port hidden
        errors, cls = self.compile(graph("none_with_ser_port", (), "True"))
        self.assertIsNone(cls)
        self.assertIn("payload: Port is not connected.", errors)

    def test_format_check_presets(self):
        # GRC evaluates a parameter as Python in the flowgraph's namespace,
        # where "inf" is no name: the margin's "inf turns the check off" is
        # offered as a preset, float("inf") under the label "Off (inf)", and
        # each preset is a value GRC accepts, writes into the generated
        # make() call and GNU Radio builds
        with open(os.path.join(GRC, "isac_user_receiver.block.yml")) as f:
            params = {p["id"]: p for p in yaml.safe_load(f)["parameters"]}
        m = params["mismatch_margin_db"]
        presets = dict(zip(m["option_labels"], m["options"]))
        self.assertEqual(presets, {"10 dB (default)": "10.0", "Off (inf)": 'float("inf")'})
        self.assertEqual(m["default"], "10.0")
        for n, (label, value) in enumerate(presets.items()):
            with self.subTest(label):
                gid = "margin_%d" % n
                errors, cls = self.compile(graph(gid, ("payload",), "False", mismatch_margin_db=value))
                self.assertEqual(errors, [])
                with open(os.path.join(TMP, gid + ".py")) as f:
                    code = f.read()
                self.assertIn(", %s, 13.0, 0)" % value, code)  # make()'s margin, cap and guard_len
                self.starts(cls)
        # C++ output: float("inf") is no C++, the template writes C++'s infinity
        # (checked to compile with g++ -fsyntax-only when written)
        for value, arg in (("10.0", "10.0"), ('float("inf")', "std::numeric_limits<double>::infinity()")):
            with self.subTest(cpp=value):
                self.assertIn("%s,\n" % arg, self.cpp_make(mismatch_margin_db=value))
        errors, cls = self.compile(graph("margin_name", ("payload",), "False", mismatch_margin_db="inf"))
        self.assertIsNone(cls)
        self.assertTrue(any("name 'inf' is not defined" in e for e in errors), errors)

    def test_gnuradio_refuses_ser_alone(self):
        # the rule the GRC file encodes, straight from GNU Radio
        tb = gr.top_block()
        ur = isac.user_receiver(4, 1, 0, 4, payload_len=880)
        tb.connect(blocks.null_source(gr.sizeof_gr_complex), ur)
        tb.connect((ur, 1), blocks.null_sink(gr.sizeof_float))
        with self.assertRaisesRegex(RuntimeError, "port 0"):
            tb.start()


if __name__ == "__main__":
    gr_unittest.run(qa_user_receiver_grc)
