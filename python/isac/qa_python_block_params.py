#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The Python blocks enforce what their descriptors (python/isac/params/*.yml)
say, as qa_block_params does for the C++ blocks.

The expectations are read from the descriptor files (a parameter that comes
`from` another block's descriptor is resolved by the reader of
tools/gen_params.py), not from the blocks: for every parameter with a range or
options, a value just outside is rejected at construction with a ValueError
naming that parameter, and the value on the bound (when it is not open) is
accepted. A parameter that comes from a C++ block fails with that block's own
message. The constructors' signatures are the descriptors' names and defaults.
"""
import inspect
import math
import os
import re
import sys
import unittest

import yaml

from gnuradio import gr, isac

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import gen_params  # noqa: E402  (the descriptor reader)

# a bound this far from the defaults would build a huge block: only the value
# outside it is tried
HUGE = 256
LIMITS = {"inf": math.inf, "max_antennas": isac.max_antennas, "max_users": isac.max_users}


def descriptors():
    cpp = gen_params.load()
    return {b["block"]: b for b in cpp}, gen_params.load_python(cpp)


def python_value(p):
    """The descriptor's default as the Python value."""
    d = p["default"]
    return tuple(d) if p["type"] == "doubles" else d


def make(block, kw):
    """Construct `block` with kw; a radio block is wired to a fresh emulator
    (radio = "usrp" needs a USRP) whose channel count matches nchan."""
    kw = dict(kw)
    if block in ("radio_sink", "radio_source") and kw.get("radio") == "emulated":
        n = kw["nchan"] if isinstance(kw["nchan"], int) and 1 <= kw["nchan"] <= HUGE else 4
        users = kw.get("role") == "users"
        kw["emulator"] = isac.emulated_radio(n_tx=n, n_rx=n, n_users=n if users else 2)
    return getattr(isac, block)(**kw)


def bound_value(b, kw):
    if b in kw:
        return float(kw[b])
    return float(eval(b, {"__builtins__": {}}, LIMITS))


def outside(p, b, side, is_open, kw):
    v = bound_value(b, kw)
    if p["type"] in ("int", "int64"):
        return int(v) if is_open else int(v) + (1 if side == "hi" else -1)
    if is_open:
        return v
    step = max(1e-6, 1e-6 * abs(v))
    return v + step if side == "hi" else v - step


def as_value(p, kw, v):
    if p["type"] == "doubles":
        return [v] * max(1, len(kw[p["name"]]))
    return v


class qa_python_block_params(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cpp, cls.py = descriptors()

    def defaults(self, d):
        kw = {p["name"]: python_value(p) for p in d["params"]}
        if d["block"] in ("radio_sink", "radio_source"):
            kw["radio"] = "emulated"
        return kw

    def test_001_every_python_block_has_a_descriptor(self):
        exported = set()
        for name in dir(isac):
            obj = getattr(isac, name)
            if (isinstance(obj, type) and obj.__module__.startswith("gnuradio.isac.")
                    and not obj.__module__.endswith("isac_python")):
                exported.add(name)
        self.assertEqual(exported, {d["block"] for d in self.py})
        self.assertGreaterEqual(len(exported), 7)

    def test_002_signature_is_the_descriptor(self):
        for d in self.py:
            sig = inspect.signature(getattr(isac, d["block"]).__init__)
            params = [q for q in sig.parameters.values()
                      if q.name != "self" and q.kind == q.POSITIONAL_OR_KEYWORD]
            self.assertEqual([q.name for q in params], [p["name"] for p in d["params"]], d["block"])
            for q, p in zip(params, d["params"]):
                self.assertEqual(q.default, python_value(p), f"{d['block']}.{p['name']}")
            doc = getattr(isac, d["block"]).__doc__
            for p in d["params"]:
                self.assertIn(f"\n      {p['name']}: ", doc, d["block"])

    def test_003_settable_parameters_have_setters(self):
        checked = 0
        for d in self.py:
            obj = make(d["block"], self.defaults(d))
            for p in d["params"]:
                if not p.get("settable"):
                    continue
                calls = [c for c in d.get("grc_callbacks", []) if "${%s}" % p["name"] in c]
                if p.get("callback", True) or not calls:
                    self.assertTrue(hasattr(obj, "set_" + p["name"]), f"{d['block']}.set_{p['name']}")
                for c in calls:
                    self.assertTrue(hasattr(obj, c.split("(")[0]), f"{d['block']}: {c}")
                # a setter refuses what the constructor refuses, naming the parameter
                r = p.get("_range")
                if (p["type"] in ("int", "int64", "double") and hasattr(obj, "set_" + p["name"])
                        and not gen_params.has_ref(p)):
                    bads = [math.nan]
                    if r and not math.isinf(r["hi"]):
                        bads.append(outside(p, gen_params.bound_text(r["hi"], False, power="**"), "hi", r["hi_open"], {}))
                    for bad in bads:
                        with self.assertRaisesRegex(ValueError, "^%s = " % p["name"],
                                                    msg=f"{d['block']}.set_{p['name']}({bad})"):
                            getattr(obj, "set_" + p["name"])(bad)
                        checked += 1
                elif p.get("options") and hasattr(obj, "set_" + p["name"]):
                    with self.assertRaisesRegex(ValueError, "^%s = " % p["name"]):
                        getattr(obj, "set_" + p["name"])("no-such-option")
                    checked += 1
        self.assertGreater(checked, 15)

    def test_003b_objects_pass_through(self):
        """A parameter with `objects` (a radio's center_freq also takes a
        uhd.tune_request) passes such an object on as given: a tune request
        converted to its target frequency would lose its LO offset."""
        class tune_request:  # float() gives the target, as UHD's does
            def __float__(self):
                return 2.4e9
        req = tune_request()
        for block in ("radio_sink", "radio_source"):
            d = {x["block"]: x for x in self.py}[block]
            obj = make(block, self.defaults(d))
            obj.set_center_freq(req, 0)
            self.assertIs(obj.settings()[("center_freq", 0)], req)
            with self.assertRaisesRegex(ValueError, "^center_freq = "):
                obj.set_center_freq(-1.0)

    def test_004_construction_enforces_descriptor_ranges(self):
        checked = 0
        for d in self.py:
            block = d["block"]
            kw = self.defaults(d)
            make(block, kw)  # the defaults are valid
            for p in d["params"]:
                n = p["name"]
                if p.get("options"):
                    with self.assertRaisesRegex(ValueError, "^%s = " % n, msg=block):
                        make(block, dict(kw, **{n: "no-such-option"}))
                    checked += 1
                if p["type"] in ("int", "int64", "double"):
                    for bad in ("text", math.nan):
                        with self.assertRaisesRegex(ValueError, "^%s = " % n, msg=f"{block}.{n}"):
                            make(block, dict(kw, **{n: bad}))
                    checked += 2
                if p["type"] in ("int", "int64"):
                    with self.assertRaisesRegex(ValueError, "^%s = .*integers in" % n, msg=f"{block}.{n}"):
                        make(block, dict(kw, **{n: kw[n] + 0.5}))
                if p.get("length"):
                    with self.assertRaisesRegex(ValueError, "^%s = a list of" % n, msg=f"{block}.{n}"):
                        make(block, dict(kw, **{n: list(kw[n]) + [0.0]}))
                    checked += 1
                if "range" not in p:
                    continue
                lo, hi = p["_range"]["lo"], p["_range"]["hi"]
                los, his = (gen_params.bound_text(x, False, power="**") for x in (lo, hi))
                for b, side, is_open in ((los, "lo", p["_range"]["lo_open"]),
                                         (his, "hi", p["_range"]["hi_open"])):
                    if math.isinf(bound_value(b, kw)):
                        continue
                    bad = outside(p, b, side, is_open, kw)
                    with self.assertRaisesRegex(ValueError, "^%s = " % n, msg=f"{block}.{n} = {bad}"):
                        make(block, dict(kw, **{n: as_value(p, kw, bad)}))
                    checked += 1
                    if not is_open and abs(bound_value(b, kw)) <= HUGE:
                        v = bound_value(b, kw)
                        v = int(v) if p["type"] in ("int", "int64") else v
                        try:
                            make(block, dict(kw, **{n: as_value(p, kw, v)}))
                        except ValueError as e:
                            # another parameter's (cross-parameter) rule may
                            # object, never this range
                            self.assertNotRegex(str(e), "^%s = (?!a list of)" % n, msg=f"{block}.{n}")
        self.assertGreater(checked, 150)

    def test_005_same_message_as_the_cpp_block(self):
        """A parameter taken from a C++ block's descriptor fails with the C++
        block's message: one check, one wording."""
        compared = 0
        for d in self.py:
            kw = self.defaults(d)
            for p in d["params"]:
                src = p.get("_from")
                if src not in self.cpp:
                    continue
                ckw = {q["name"]: qa_grc_default(q) for q in self.cpp[src]["params"]}
                r = p.get("_range")
                if (not r or isinstance(r["lo"], str)
                        or p["type"] == "doubles" or math.isinf(bound_value(gen_params.bound_text(r["lo"], False, power="**"),
                                                                            kw))):
                    continue
                bad = outside(p, gen_params.bound_text(r["lo"], False, power="**"), "lo", r["lo_open"], kw)
                with self.assertRaises(ValueError) as py_err:
                    make(d["block"], dict(kw, **{p["name"]: bad}))
                with self.assertRaises(ValueError) as cpp_err:
                    getattr(isac, src)(**dict(ckw, **{p["name"]: bad}))
                self.assertEqual(str(py_err.exception), str(cpp_err.exception))
                compared += 1
        self.assertGreater(compared, 20)


    def test_006_grc_file_matches(self):
        """The GRC block passes every parameter to the constructor in the
        signature's order, and its asserts hold at the defaults and fail just
        outside each range (GRC shows the error before generating code)."""
        for d in self.py:
            with open(os.path.join(ROOT, "grc", "isac_%s.block.yml" % d["block"])) as f:
                g = yaml.safe_load(f)
            tpl = g["templates"].get("make") or g["templates"]["var_make"]
            ids = [x for x in re.findall(r"\$\{\s*(\w+)\s*\}", tpl) if x != "id"]
            self.assertEqual(ids, [p["name"] for p in d["params"]], d["block"])
            asserts = [a.strip()[2:-1] for a in g.get("asserts", [])]
            kw = {p["name"]: (list(p["default"]) if p["type"] == "doubles" else p["default"])
                  for p in d["params"]}
            for a in asserts:
                self.assertTrue(eval(a, {"all": all, "len": len}, dict(kw)), f"{d['block']}: {a}")
            for p in d["params"]:
                r = p.get("_range")
                if not r or math.isinf(bound_value(gen_params.bound_text(r["hi"], False, power="**"), kw)):
                    continue
                bad = outside(p, gen_params.bound_text(r["hi"], False, power="**"), "hi", r["hi_open"], kw)
                bkw = dict(kw, **{p["name"]: as_value(p, kw, bad)})
                self.assertFalse(all(eval(a, {"all": all, "len": len}, dict(bkw)) for a in asserts),
                                 f"{d['block']}.{p['name']} = {bad}")

    def test_007_grc_enums_have_labels(self):
        """Every drop-down of every GRC block (C++ and Python; enums and the
        string fields that offer options but take a variable too) shows a label
        per option: without them GRC shows the raw Python strings ('"newton"'),
        and a block that takes a parameter `from` another block's descriptor
        does not inherit the other block's labels."""
        import glob
        files = sorted(glob.glob(os.path.join(ROOT, "grc", "isac_*.block.yml")))
        enums = 0
        for fn in files:
            with open(fn) as f:
                g = yaml.safe_load(f)
            for p in g.get("parameters", []):
                # an enum, or a string with a drop-down that also takes a variable
                if "options" not in p:
                    continue
                enums += 1
                where = "%s: %s" % (os.path.basename(fn), p["id"])
                self.assertIn("option_labels", p, where)
                self.assertEqual(len(p["option_labels"]), len(p["options"]), where)
        self.assertGreater(enums, 20)

    def test_008_blocks_md_entry_per_block(self):
        """docs/blocks.md's signatures come from the descriptors, in a heading or
        a table row; a block with neither fails the generator (and its --check)
        instead of being left out of the page silently."""
        cpp, _ = descriptors()
        b = cpp["psk_ser_meter"]
        sig = gen_params.signature(b)
        self.assertTrue(sig.startswith("psk_ser_meter(n_users=4, psk_order=8"), sig)
        md = gen_params.blocks_md_headings("### `psk_ser_meter(old)`\n", [b])
        self.assertEqual(md, "### `%s`\n" % sig)
        md = gen_params.blocks_md_headings("| `psk_ser_meter(old, x)` | in0 `y` | what |\n", [b])
        self.assertEqual(md, "| `%s` | in0 `y` | what |\n" % sig)
        with self.assertRaisesRegex(gen_params.DescriptorError, "no entry for psk_ser_meter"):
            gen_params.blocks_md_headings("a page that names `psk_ser_meter(...)` in prose only\n", [b])


def qa_grc_default(p):
    g = p.get("grc", {})
    if "default" in g:
        return eval(str(g["default"]), {"__builtins__": {}})
    return p["default"]


if __name__ == "__main__":
    unittest.main()
