#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The blocks enforce what their descriptors (lib/core/params/*.yml) say.

The expectations are read from the descriptor files, not from the code under
test: for every block and every parameter with a range or options, a value
just outside is rejected at make() with a ValueError naming that parameter,
and the value on the bound (when it is not open) is accepted. Also the one
`set`-message policy and the one set_channel convention.
"""
import glob
import math
import os
import unittest

import numpy as np
import pmt
import yaml
from gnuradio import gr, isac

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DESCRIPTORS = sorted(glob.glob(os.path.join(ROOT, "lib", "core", "params", "*.yml")))
# a bound this far from the defaults would allocate a huge block: the bound
# itself is then not constructed (only the value outside it)
HUGE = 256
# Blocks without a descriptor yet (docs/extending.md says how to add one):
# none; a new block's header fails test_001 until its descriptor lands
NOT_YET_DESCRIBED = set()


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def grc_default(p):
    g = p.get("grc", {})
    if "default" in g:
        return eval(str(g["default"]), {"__builtins__": {}})
    return p["default"]


def parse_range(text):
    lo, hi = [s.strip() for s in text.strip()[1:-1].split(",")]
    return lo, hi, text.strip()[0] == "(", text.strip()[-1] == ")"


def bound_value(b, kw):
    if b in kw:
        return float(kw[b])
    # the module-wide limits (docs/parameters.md)
    names = {"__builtins__": {}, "inf": math.inf, "max_antennas": 4096, "max_users": 4096}
    return float(eval(b, names))


def as_value(p, kw, v):
    """v as the parameter's value; a list keeps the default's length."""
    if p["type"] == "doubles":
        return [v] * max(1, len(kw[p["name"]]))
    return v


def outside(p, b, side, is_open, kw):
    v = bound_value(b, kw)
    integer = p["type"] in ("int", "int64")
    if integer:
        return int(v) if is_open else int(v) + (1 if side == "hi" else -1)
    if is_open:
        return v
    step = max(1e-6, 1e-6 * abs(v))
    return v + step if side == "hi" else v - step


class qa_block_params(unittest.TestCase):
    def defaults(self, d):
        return {p["name"]: grc_default(p) for p in d["params"]}

    def test_001_descriptors_cover_every_block(self):
        names = {load(f)["block"] for f in DESCRIPTORS}
        headers = {
            os.path.basename(h)[:-2]
            for h in glob.glob(os.path.join(ROOT, "include", "gnuradio", "isac", "*.h"))
        } - {"api"}
        self.assertEqual(names | NOT_YET_DESCRIBED, headers)
        self.assertFalse(names & NOT_YET_DESCRIBED)

    def test_002_make_enforces_descriptor_ranges(self):
        checked = 0
        for path in DESCRIPTORS:
            d = load(path)
            make = getattr(isac, d["block"])
            kw = self.defaults(d)
            make(**kw)  # the GRC defaults are valid
            for p in d["params"]:
                n = p["name"]
                if p.get("options"):
                    with self.assertRaisesRegex(ValueError, "^%s = " % n, msg=d["block"]):
                        make(**dict(kw, **{n: "no-such-option"}))
                    checked += 1
                if "range" not in p:
                    continue
                lo, hi, lo_open, hi_open = parse_range(p["range"])
                for b, side, is_open in ((lo, "lo", lo_open), (hi, "hi", hi_open)):
                    if math.isinf(bound_value(b, kw)):
                        continue
                    bad = outside(p, b, side, is_open, kw)
                    args = dict(kw, **{n: as_value(p, kw, bad)})
                    with self.assertRaisesRegex(
                        ValueError, "^%s = " % n, msg=f"{d['block']}.{n} = {bad}"
                    ):
                        make(**args)
                    checked += 1
                    if not is_open and abs(bound_value(b, kw)) <= HUGE:
                        v = bound_value(b, kw)
                        v = int(v) if p["type"] in ("int", "int64") else v
                        good = dict(kw, **{n: as_value(p, kw, v)})
                        try:
                            make(**good)
                        except ValueError as e:
                            # another parameter's rule (a cross-parameter check)
                            # (or a list length) may object, never this range
                            self.assertNotRegex(
                                str(e), "^%s = (?!a list of)" % n, msg=f"{d['block']}.{n}"
                            )
        self.assertGreater(checked, 150)

    def test_003_set_message_all_or_nothing(self):
        ch = isac.isac_channel(4, 2, 4, target_deg=10.0, target_snr_db=15.0, comm_noise_var=[1.0],
                               clutter_deg=[], cnr_db=[], cpi_len=1)
        # CPIs of 16: one snapshot of 4 signs cannot hold 0.01 (core.pfa_reach)
        rx = isac.one_bit_rx_filter(4, 4, 0.0, [], 10.0, [], 1.0, 0.01, "1bit", 16)
        good = pmt.dict_add(pmt.make_dict(), pmt.intern("target_deg"), pmt.from_double(-33.0))
        bad_key = pmt.dict_add(good, pmt.intern("no_such_key"), pmt.from_double(1.0))
        bad_value = pmt.dict_add(good, pmt.intern("radar_noise_var"), pmt.from_double(-1.0))
        for blk in (ch, rx):
            for m in (bad_key, bad_value):
                blk._post(pmt.intern("set"), m)
        # messages are handled by the block's thread: run a short flowgraph
        for blk, n_in in ((ch, [4]), (rx, [4, 4])):
            tb = gr.top_block()
            srcs = [isac_src(v) for v in n_in]
            for i, s in enumerate(srcs):
                tb.connect(s, (blk, i))
            for o, size in enumerate(blk.output_signature().sizeof_stream_items()):
                from gnuradio import blocks

                sink = blocks.null_sink(size)
                tb.connect((blk, o), sink)
            tb.run()
        # neither message applied its good key
        self.assertEqual(ch.target_deg(), 10.0)
        self.assertEqual(rx.target_deg(), 0.0)
        for blk in (ch, rx):
            blk._post(pmt.intern("set"), good)
        for blk, n_in in ((ch, [4]), (rx, [4, 4])):
            tb = gr.top_block()
            for i, v in enumerate(n_in):
                tb.connect(isac_src(v), (blk, i))
            from gnuradio import blocks

            for o, size in enumerate(blk.output_signature().sizeof_stream_items()):
                tb.connect((blk, o), blocks.null_sink(size))
            tb.run()
        self.assertEqual(ch.target_deg(), -33.0)
        self.assertEqual(rx.target_deg(), -33.0)

    def test_004_set_channel_convention(self):
        rng = np.random.default_rng(7)
        H = rng.standard_normal((2, 8)) + 1j * rng.standard_normal((2, 8))
        ci = isac.ci_precoder(8, 2, 4, 1.0, 0.3, 5.0, 10.0, [], 15.0, [], 8)
        ns = isac.nullspace_precoder(8, 2, 1.0, "zf", 10.0, 1.0, "beampattern", [20.0], 10.0, 16)
        for blk in (ci, ns):
            for h in (H, H.astype(np.complex64), H.real, H.tolist()):
                blk.set_channel(h)
            for h in (H[0], H[None], [[1.0, 2.0], [3.0]], "H", np.ones((3, 8))):
                with self.assertRaisesRegex(ValueError, "^H "):
                    blk.set_channel(h)
        self.assertTrue(ci.has_channel())


def isac_src(vlen):
    from gnuradio import blocks

    return blocks.vector_source_c([0.1 + 0.2j] * (8 * vlen), False, vlen)


if __name__ == "__main__":
    unittest.main()
