#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Writes everything that repeats a block parameter from its one description.

usage: gen_params.py [--check]    (--check: write nothing, fail when a file differs)

Each C++ block has one descriptor, lib/core/params/<block>.yml: per parameter
its name, type, unit, range, default, whether it can be set at run time, a
one-line doc and how GRC shows it. From it this tool writes

  include/gnuradio/isac/core/block_params.h   the core's table (param_spec per
                                               parameter) and <block>::check(),
                                               make()'s validation
  include/gnuradio/isac/<block>.h              make()'s signature and \\param docs
  python/isac/bindings/<block>_python.cc       the py::arg list with defaults,
                                               the docstring's parameter list and
                                               the settable parameters' setters
                                               and getters
  grc/isac_<block>.block.yml                   parameters, asserts, callbacks
  docs/parameters.md                           one parameter table per block
  docs/blocks.md                               the signature headings

The Python blocks (hier blocks, emulated_radio, radio_sink/radio_source) have
descriptors of the same schema in python/isac/params/<block>.yml (kind: python;
a parameter may come `from` another block's descriptor). From them it writes

  python/isac/_params.py                       one param_spec per parameter
  python/isac/design/_core_params.py           unit, range and meaning of the
                                               keywords of design.ci_design and
                                               design.nullspace_design (their
                                               blocks' descriptors)
  python/isac/<file>.py                        in the block's class: the
                                               docstring's parameter list, the
                                               __init__ signature, the checks
  grc/isac_<block>.block.yml                   parameters, asserts, callbacks
  docs/parameters.md, docs/blocks.md           as for the C++ blocks

In the hand-written files it only rewrites the regions between
"gen_params:begin <name>" and "gen_params:end <name>" comment lines.

    /usr/bin/python3 tools/gen_params.py           rewrite the files
    /usr/bin/python3 tools/gen_params.py --check   exit 1 on any drift (ctest)

Descriptor keys (per parameter): name, type (int, int64, double, bool, string,
doubles), unit, range ("[lo, hi]", "(lo, hi]", ... with numbers, inf or the
name of another integer/real parameter), length (list of allowed lengths:
integers, parameter names, "len(<param>)"), options (strings), default (absent:
required), settable (set_<name> and the `set` port), getter, doc, grc (label,
dtype, default, hide, category, option_labels, presets: values offered in an
editable list beside any typed one, with one option_labels entry each, comment).
Block keys: block,
summary, grc (false: the block has no GRC file of its own), grc_asserts
(cross-parameter asserts a range cannot say), grc_only_params (GRC parameters
that make() does not take, written as given after the others: e.g. one that
chooses which optional ports GRC shows), grc_callbacks / grc_cpp_callbacks (extra callbacks, e.g. set_clutter(a, b)), bind_accessors
(false: the binding writes its own setters/getters), setters_release_gil (true:
the bound setters release the GIL while they run, for setters that rebuild a
large kernel), stats_doc (what the stats message holds: the GRC
documentation's paragraph from "Stats (every stats_interval vectors): " on).
"""
import argparse
import difflib
import textwrap
import glob
import math
import os
import re
import sys

import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PARAMS = os.path.join(ROOT, "lib", "core", "params")

CPP_TYPE = {
    "int": "int",
    "int64": "int64_t",
    "double": "double",
    "bool": "bool",
    "string": "const std::string&",
    "doubles": "const std::vector<double>&",
}
VALUE_TYPE = {
    "int": "int",
    "int64": "int64_t",
    "double": "double",
    "bool": "bool",
    "string": "std::string",
    "doubles": "std::vector<double>",
}
SPEC_TYPE = {
    "int": "integer",
    "int64": "integer",
    "double": "real",
    "bool": "boolean",
    "string": "text",
    "doubles": "reals",
}
GRC_DTYPE = {
    "int": "int",
    "int64": "int",
    "double": "float",
    "bool": "bool",
    "string": "string",
    "doubles": "real_vector",
}


# Named limits a range may use; the C++ tables refer to the core's constants
CONSTANTS = {
    "max_antennas": (4096, "double(max_antennas)"),  # core/limits.h
    "max_users": (4096, "double(max_users)"),
}


class DescriptorError(Exception):
    pass


def load():
    blocks = []
    for path in sorted(glob.glob(os.path.join(PARAMS, "*.yml"))):
        with open(path) as f:
            d = yaml.safe_load(f)
        name = os.path.basename(path)[:-4]
        if d.get("block") != name:
            raise DescriptorError(f"{path}: block: must be {name}")
        names = [p["name"] for p in d["params"]]
        for p in d["params"]:
            if p.get("type") not in CPP_TYPE:
                raise DescriptorError(f"{name}.{p['name']}: unknown type {p.get('type')}")
            for k in p:
                if k not in (
                    "name", "type", "unit", "range", "length", "options", "default",
                    "settable", "getter", "doc", "grc", "callback",
                ) + IMPL_PARAM_KEYS:
                    raise DescriptorError(f"{name}.{p['name']}: unknown key {k}")
            if "range" in p:
                p["_range"] = parse_range(p["range"], names, f"{name}.{p['name']}")
        blocks.append(d)
    return blocks


def parse_range(text, names, where):
    m = re.fullmatch(r"\s*([\[(])\s*([^,]+?)\s*,\s*([^,]+?)\s*([\])])\s*", text)
    if not m:
        raise DescriptorError(f"{where}: range {text!r} is not an interval like [a, b]")

    def bound(s):
        if s in ("inf", "-inf"):
            return float(s)
        if s in names:
            return s
        if s in CONSTANTS:
            return ("const", s)
        try:
            return float(eval(s, {"__builtins__": {}}))  # 1 << 16, 2**20
        except Exception:
            raise DescriptorError(f"{where}: bound {s!r} is neither a number nor a parameter")

    return {
        "lo": bound(m.group(2)),
        "hi": bound(m.group(3)),
        "lo_open": m.group(1) == "(",
        "hi_open": m.group(4) == ")",
    }


# ---- value rendering ---------------------------------------------------------
def num(v, integer=False):
    if integer:
        return str(int(v))
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return f"{v:.1f}"
    return repr(float(v))


def cpp_default(p):
    d, t = p["default"], p["type"]
    if t in ("int", "int64"):
        return str(int(d))
    if t == "double":
        return num(d)
    if t == "bool":
        return "true" if d else "false"
    if t == "string":
        return f'"{d}"'
    if t == "doubles":
        return "{ " + ", ".join(num(x) for x in d) + " }" if d else "{}"
    raise DescriptorError(t)


def py_default(p):
    if p["type"] == "doubles":
        return "std::vector<double>" + cpp_default(p).replace("{}", "{}")
    return cpp_default(p)


def py_literal(p):
    d, t = p["default"], p["type"]
    if d is None:
        return "None"
    if t == "string":
        return f'"{d}"'
    if t == "bool":
        return "True" if d else "False"
    if t == "doubles":
        return "[" + ", ".join(num(x) for x in d) + "]"
    if t == "double":
        return num(d)
    return str(int(d))


def bound_text(b, integer, unit="", power="^"):
    if isinstance(b, str):
        return b
    if isinstance(b, tuple):
        return str(CONSTANTS[b[1]][0])
    if math.isinf(b):
        return "inf" if b > 0 else "-inf"
    # an overflow guard such as 2^62 reads as one, not as 19 digits (as the core's
    # range messages print it); power: "**" where the text is Python (GRC asserts)
    m, e = math.frexp(b)
    if b >= 2 ** 31 and m == 0.5:
        return f"2{power}{e - 1}"
    return num(b, integer) if integer else (str(int(b)) if b.is_integer() else repr(b))


def range_text(p):
    r = p.get("_range")
    if not r:
        return ""
    integer = p["type"] in ("int", "int64")
    lo, hi = bound_text(r["lo"], integer), bound_text(r["hi"], integer)
    return ("(" if r["lo_open"] else "[") + lo + ", " + hi + (")" if r["hi_open"] else "]")


def allowed_text(p):
    """What a user may give, as the docs and the doc tables say it."""
    parts = []
    if p.get("options"):
        parts.append(", ".join(f'"{o}"' for o in p["options"]))
    rt = range_text(p)
    if rt:
        parts.append(("each in " if p["type"] == "doubles" else "") + rt)
    if p.get("length"):
        parts.append("length " + " or ".join(str(x) for x in p["length"]))
    return "; ".join(parts)


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---- core header --------------------------------------------------------------
def cpp_bound(b, lo):
    if isinstance(b, tuple):
        return CONSTANTS[b[1]][1]
    if math.isinf(b):
        return ("-" if b < 0 else "") + "std::numeric_limits<double>::infinity()"
    return num(b)


def spec_init(p):
    r = p.get("_range")
    lo = hi = None
    lo_ref = hi_ref = "nullptr"
    lo_open = hi_open = "false"
    if r:
        lo_open, hi_open = str(r["lo_open"]).lower(), str(r["hi_open"]).lower()
        if isinstance(r["lo"], str):
            lo_ref = cstr(r["lo"])
        else:
            lo = cpp_bound(r["lo"], True)
        if isinstance(r["hi"], str):
            hi_ref = cstr(r["hi"])
        else:
            hi = cpp_bound(r["hi"], False)
    inf = "std::numeric_limits<double>::infinity()"
    lo = lo or "-" + inf
    hi = hi or inf
    options = cstr("|".join(p["options"])) if p.get("options") else "nullptr"
    length = cstr(" or ".join(str(x) for x in p["length"])) if p.get("length") else "nullptr"
    default = cstr(py_literal(p)) if "default" in p else "nullptr"
    return (
        f"{{ {cstr(p['name'])}, param_type::{SPEC_TYPE[p['type']]}, {cstr(p.get('unit', ''))},\n"
        f"      {lo}, {hi}, {lo_open}, {hi_open}, {lo_ref}, {hi_ref},\n"
        f"      {options}, {length}, {str(bool(p.get('settable'))).lower()}, {default},\n"
        f"      {cstr(p.get('doc', ''))} }}"
    )


def check_lines(b, p, value=lambda x: x, ns=""):
    """The descriptor's check of p's value. make()'s check() (value: the
    argument of that name) and the setters (value: the block's current value,
    ns: "core::") write the same lines."""
    n = p["name"]
    spec = f"{ns}{'params::' if ns else ''}{b['block']}::{n}"
    t = p["type"]
    out = []
    r = p.get("_range")

    def ref(x, side):
        if isinstance(x, str):
            return f"double({value(x)})"
        return f"{spec}.{side}"

    bounds = ""
    if r and (isinstance(r["lo"], str) or isinstance(r["hi"], str)):
        bounds = f", {ref(r['lo'], 'lo')}, {ref(r['hi'], 'hi')}"
    if t in ("int", "int64", "double"):
        out.append(f"{ns}check_value({spec}, double({n}){bounds});")
    elif t == "doubles":
        if p.get("length"):
            alts = []
            for x in p["length"]:
                if isinstance(x, int):
                    alts.append(f"long({x})")
                elif str(x).startswith("len(") and str(x).endswith(")"):
                    alts.append(f"long({value(str(x)[4:-1])}.size())")
                else:
                    alts.append(f"long({value(x)})")
            out.append(f"{ns}check_length({spec}, {n}.size(), {{ {', '.join(alts)} }});")
        out.append(f"{ns}check_values({spec}, {n}{bounds});")
    elif t == "string" and p.get("options"):
        out.append(f"{ns}check_option({spec}, {n});")
    return out


def has_ref(p):
    r = p.get("_range") or {}
    ln = [x for x in p.get("length", []) if not isinstance(x, int)]
    return isinstance(r.get("lo"), str) or isinstance(r.get("hi"), str) or bool(ln)


def core_header(blocks):
    o = [
        "/* -*- c++ -*- */",
        "/*",
        " * Copyright 2026 gr-isac authors.",
        " * SPDX-License-Identifier: GPL-3.0-or-later",
        " *",
        " * GENERATED by tools/gen_params.py from lib/core/params/<block>.yml: do not edit.",
        " * One param_spec per block parameter and check(), the block's make()-time",
        " * validation of every parameter against its own range, options and length.",
        " * Cross-parameter rules a range cannot say stay in the block.",
        " */",
        "#ifndef INCLUDED_ISAC_CORE_BLOCK_PARAMS_H",
        "#define INCLUDED_ISAC_CORE_BLOCK_PARAMS_H",
        "",
        "#include <gnuradio/isac/core/limits.h>",
        "#include <gnuradio/isac/core/param_spec.h>",
        "#include <cstdint>",
        "#include <limits>",
        "#include <string>",
        "#include <vector>",
        "",
        "// clang-format off",
        "namespace gr {",
        "namespace isac {",
        "namespace core {",
        "namespace params {",
        "",
    ]
    for b in blocks:
        bn = b["block"]
        o.append(f"struct {bn} {{")
        for p in b["params"]:
            o.append(f"    static constexpr param_spec {p['name']}{spec_init(p)};")
        o.append("    static constexpr param_spec all[] = {")
        o.append("        " + ", ".join(p["name"] for p in b["params"]))
        o.append("    };")
        args = ",\n                      ".join(
            f"{CPP_TYPE[p['type']]} {p['name']}" for p in b["params"]
        )
        o.append(f"    static void check({args})")
        o.append("    {")
        used = set()
        body = []
        # a bound given by another parameter is checked after that parameter,
        # so an error names the parameter that is out of its own range first
        refs = [p for p in b["params"] if has_ref(p)]
        for p in [p for p in b["params"] if not has_ref(p)] + refs:
            for line in check_lines(b, p):
                body.append("        " + line)
        text = "\n".join(body)
        for p in b["params"]:
            if not re.search(r"\b%s\b" % re.escape(p["name"]) + r"(?!::)", text.replace(f"{bn}::", "")):
                used.add(p["name"])
        for n in sorted(used, key=[p["name"] for p in b["params"]].index):
            o.append(f"        (void){n};")
        o.extend(body)
        o.append("    }")
        o.append("};")
        o.append("")
    o += [
        "} // namespace params",
        "} // namespace core",
        "} // namespace isac",
        "} // namespace gr",
        "// clang-format on",
        "",
        "#endif /* INCLUDED_ISAC_CORE_BLOCK_PARAMS_H */",
        "",
    ]
    return "\n".join(o)


# ---- block header / binding ---------------------------------------------------
def param_doc(p):
    s = p.get("doc", "")
    a = allowed_text(p)
    if p.get("unit"):
        s += f" ({p['unit']})"
    if a:
        s += f"; {a}"
    return s


def header_make(b):
    o = ["    /*!"]
    w = max(len(p["name"]) for p in b["params"])
    for p in b["params"]:
        o.append(f"     * \\param {p['name']:<{w}} {param_doc(p)}")
    o.append("     */")
    args = []
    for p in b["params"]:
        a = f"{CPP_TYPE[p['type']]} {p['name']}"
        if "default" in p:
            a += " = " + cpp_default(p)
        args.append(a)
    o.append("    static sptr make(" + (",\n                     ".join(args)) + ");")
    return o


def binding_args(b, exclude=()):
    o = []
    params = [p for p in b["params"] if p["name"] not in exclude]
    for p in params:
        a = f'py::arg("{p["name"]}")'
        if "default" in p:
            a += " = " + py_default(p)
        o.append("             " + a + ("," if p is not params[-1] else ")"))
    return o


def binding_doc(b):
    o = ['"\\n\\nParameters:\\n"']
    for p in b["params"]:
        s = f"  {p['name']}: {param_doc(p)}"
        if "default" in p:
            s += f" (default {py_literal(p)})"
        if p.get("settable"):
            s += " [settable]"
        o.append(cstr(s + "\n").replace("\n", "\\n"))
    return ["    " + x for x in o]


def binding_accessors(b):
    o = []
    if b.get("bind_accessors") is False:
        return o
    cls = f"gr::isac::{b['block']}"
    # setters that rebuild a large kernel run without the GIL: other Python
    # threads (a GUI, the one calling stop()) keep running meanwhile
    gil = ", py::call_guard<py::gil_scoped_release>()" if b.get("setters_release_gil") else ""
    for p in b["params"]:
        n = p["name"]
        if p.get("settable"):
            o.append(f'        .def("set_{n}", &{cls}::set_{n}, py::arg("{n}"){gil})')
        if p.get("getter"):
            o.append(f'        .def("{n}", &{cls}::{n})')
    return o


# ---- GRC ----------------------------------------------------------------------
def yq(s):
    """A YAML scalar as the hand-written block files write it."""
    return yaml.safe_dump(s, default_style=None, width=1000).strip().removesuffix("\n...")


def flow_list(items):
    """[a, b] as YAML reads back the same strings (a label with a comma is quoted)."""
    return yaml.safe_dump([str(x) for x in items], default_flow_style=True, width=1000).strip()


def grc_params(b):
    o = []
    for p in b["params"]:
        g = p.get("grc", {})
        o.append(f"- id: {p['name']}")
        o.append(f"  label: {yq(g.get('label', p['name']))}")
        if g.get("comment"):
            for line in g["comment"].strip().splitlines():
                o.append(f"  # {line}")
        dtype = g.get("dtype") or ("enum" if p.get("options") else GRC_DTYPE[p["type"]])
        o.append(f"  dtype: {dtype}")
        if "default" in g:
            default = str(g["default"])
        elif "default" in p:
            default = py_literal(p)
        else:
            raise DescriptorError(f"{b['block']}.{p['name']}: GRC needs a default")
        o.append(f"  default: {yq(default)}")
        if p.get("options") and dtype in ("enum", "raw", "string"):
            o.append("  options: [" + ", ".join(yq(f'"{x}"') for x in p["options"]) + "]")
            if g.get("option_labels"):
                if len(g["option_labels"]) != len(p["options"]):
                    raise DescriptorError(f"{b['block']}.{p['name']}: one option label per option")
                o.append("  option_labels: " + flow_list(g["option_labels"]))
        elif g.get("presets"):
            # values offered in an editable list, any other one typed in: GRC
            # evaluates "inf" as a name, so a value such as inf is only
            # reachable as an expression (float("inf")) under a readable label
            if p.get("options") or dtype == "enum":
                raise DescriptorError(f"{b['block']}.{p['name']}: presets are for a free value, not options")
            labels = g.get("option_labels", [])
            if len(labels) != len(g["presets"]):
                raise DescriptorError(f"{b['block']}.{p['name']}: one option label per preset")
            r = p.get("_range") or {}
            for v in g["presets"]:
                # a preset outside the range would be offered and then rejected by make()
                try:
                    x = float(eval(str(v), {"__builtins__": {}}, {"float": float}))
                except Exception:
                    raise DescriptorError(f"{b['block']}.{p['name']}: preset {v!r} is not a number")
                lo, hi = r.get("lo"), r.get("hi")
                below = isinstance(lo, float) and (x <= lo if r.get("lo_open") else x < lo)
                above = isinstance(hi, float) and (x >= hi if r.get("hi_open") else x > hi)
                if below or above or x != x:
                    raise DescriptorError(f"{b['block']}.{p['name']}: preset {v!r} is outside its range {p['range']}")
            o.append("  options: " + flow_list(g["presets"]))
            o.append("  option_labels: " + flow_list(labels))
        for k in ("hide", "category"):
            if k in g:
                o.append(f"  {k}: {yq(g[k])}")
        for k, v in g.items():
            if k not in ("label", "comment", "dtype", "default", "option_labels", "presets", "hide", "category"):
                dumped = yaml.safe_dump({k: v}, default_flow_style=None, width=1000).rstrip()
                o.extend("  " + line for line in dumped.splitlines())
        if "options" in g and g.get("option_labels"):
            # GRC-only options (a string field offering values): their labels
            if len(g["option_labels"]) != len(g["options"]):
                raise DescriptorError(f"{b['block']}.{p['name']}: one option label per option")
            o.append("  option_labels: " + flow_list(g["option_labels"]))
    for x in b.get("grc_only_params", []):
        if x.get("id") in {p["name"] for p in b["params"]}:
            raise DescriptorError(f"{b['block']}: GRC-only parameter {x.get('id')} is also a make() parameter")
        dumped = yaml.safe_dump([x], default_flow_style=None, sort_keys=False, width=1000).rstrip()
        o.extend(dumped.splitlines())
    return o


def grc_asserts(b):
    o = []
    for p in b["params"]:
        n = p["name"]
        r = p.get("_range")
        t = p["type"]
        if p.get("options") and (p.get("grc", {}).get("dtype") in ("raw", "string")):
            o.append(f"${{ {n} in ({', '.join(repr(x).replace(chr(39), chr(34)) for x in p['options'])}) }}")
        if r:
            integer = t in ("int", "int64")
            lo, hi = r["lo"], r["hi"]
            var = "v" if t == "doubles" else n
            parts = []
            if not (isinstance(lo, float) and math.isinf(lo)):
                parts.append(bound_text(lo, integer, power="**") + (" < " if r["lo_open"] else " <= "))
            parts.append(var)
            if not (isinstance(hi, float) and math.isinf(hi)):
                parts.append((" < " if r["hi_open"] else " <= ") + bound_text(hi, integer, power="**"))
            cond = "".join(parts)
            if t == "doubles":
                o.append(f"${{ all({cond} for v in {n}) }}")
            elif cond != n:
                o.append(f"${{ {cond} }}")
        if p.get("length"):
            alts = [str(x) for x in p["length"]]
            if len(alts) == 1:
                o.append(f"${{ len({n}) == {alts[0]} }}")
            else:
                o.append(f"${{ len({n}) in ({', '.join(alts)}) }}")
    for a in b.get("grc_asserts", []):
        o.append(a)
    return ["- " + x for x in o]


def grc_callbacks(b, cpp):
    o = []
    for p in b["params"]:
        if p.get("settable") and p.get("callback", True):
            n = p["name"]
            if cpp and p["type"] == "doubles":
                o.append(f"set_{n}(std::vector<double>{{${{str({n})[1:-1]}}}})")
            else:
                o.append(f"set_{n}(${{{n}}})")
    o += b.get("grc_cpp_callbacks" if cpp else "grc_callbacks", [])
    return ["  - " + x for x in o]


# ---- docs ---------------------------------------------------------------------
def signature(b):
    parts = []
    for p in b["params"]:
        parts.append(p["name"] + ("=" + py_literal(p) if "default" in p else ""))
    return f"{b['block']}({', '.join(parts)})"


def parameters_md(blocks):
    o = [
        "# Block parameters",
        "",
        "<!-- GENERATED by tools/gen_params.py from lib/core/params/*.yml and python/isac/params/*.yml: do not edit. -->",
        "",
        "Every parameter of every block (the C++ blocks, then the [Python blocks](#python-blocks)):",
        "its type, unit, allowed values, default",
        "(none: required) and whether it can be changed while the flowgraph runs (a",
        "`set_<name>` method, a GRC callback and, where the block has a `set` port, a",
        "`set` message key; see [bad input](bad_input.md) for what a bad `set`",
        "message does). A value outside its range raises `ValueError` naming the",
        "parameter and the range. Angles are degrees ([conventions](conventions.md)).",
        "To add or change a parameter, see [extending](extending.md).",
        "",
    ]
    o += [parameters_md_block(b) for b in blocks]
    return "\n".join(o)


def parameters_md_block(b):
    o = [f"## {b['block']}", "", f"`{signature(b)}`", ""]
    if b.get("summary"):
        o.append(b["summary"].strip())
        o.append("")
    o.append("| parameter | type | unit | allowed | default | run time | meaning |")
    o.append("|---|---|---|---|---|---|---|")
    for p in b["params"]:
        d = f"`{py_literal(p)}`" if "default" in p else "required"
        a = allowed_text(p).replace("|", "\\|") or "any"
        o.append(
            f"| `{p['name']}` | {p['type']} | {p.get('unit', '')} | {a} | {d} | "
            f"{'yes' if p.get('settable') else 'no'} | {p.get('doc', '')} |"
        )
    o.append("")
    return "\n".join(o)


# ---- block implementation: setters and getters ---------------------------------
# Per parameter key "impl" and per block key "impl" (both optional). The block's
# setters and getters are generated for every settable or getter parameter:
# the public header's pure virtual declarations (region "accessors"), the impl
# class's declarations (region "accessors" where the class is declared) and
# their definitions (region "accessor_definitions" in the impl's .cc).
#
# Two ways a block keeps its parameters:
#  - members (default): the setter takes the block's lock, checks the value
#    against the descriptor (param_error naming it and its range), stores it in
#    the member (default d_<name>; "values: d_x" makes it d_x.<name>) and calls
#    the on_set hook, if any, under the lock; a hook that throws gets the old
#    value back and the error propagates (nothing changes: set_or_restore() of
#    lib/block_utils.h, which the .cc includes). after_set, if any, is
#    called once the lock is released (e.g. to publish a message).
#  - a config struct ("config: d_cfg", "apply: apply"): for blocks whose change
#    rebuilds a kernel that work() must not wait for. The setter copies the
#    struct under the lock, checks the value, changes the copy's field and
#    passes it to apply(), which validates the whole (cross-parameter rules),
#    builds outside the lock and swaps under it.
# Block keys: class (<block>_impl), declare (file declaring the class: its .h,
# else the .cc), define (lib/<block>_impl.cc), lock (d_mutex), values, config,
# apply, on_set, after_set (defaults for every parameter), set_port (true: also
# apply_set(), which applies a parsed `set` message's values all at once; values
# or config blocks only). impl: false keeps a
# block's accessors hand-written.
# Parameter keys: member (where the value is kept: a member expression, or the
# config field), to_member (function converting the value before it is stored),
# get (the getter's expression), value (the current value where another
# parameter's range or length refers to it), on_set, after_set (null: none).
IMPL_PARAM_KEYS = ("impl",)
IMPL_BLOCK_KEYS = (
    "class", "declare", "define", "lock", "values", "config", "apply", "on_set", "after_set",
    "set_port",
)
IMPL_KEYS = ("member", "to_member", "get", "value", "on_set", "after_set")


def accessor_params(b):
    return [p for p in b["params"] if p.get("settable") or p.get("getter")]


def impl_of(b):
    bn = b["block"]
    i = dict(b.get("impl") or {})
    for k in i:
        if k not in IMPL_BLOCK_KEYS:
            raise DescriptorError(f"{bn}: unknown impl key {k}")
    if ("config" in i) != ("apply" in i):
        raise DescriptorError(f"{bn}: impl config and apply go together")
    for p in b["params"]:
        for k in p.get("impl") or {}:
            if k not in IMPL_KEYS:
                raise DescriptorError(f"{bn}.{p['name']}: unknown impl key {k}")
    i.setdefault("class", f"{bn}_impl")
    i.setdefault("define", f"lib/{bn}_impl.cc")
    hdr = f"lib/{bn}_impl.h"
    i.setdefault("declare", hdr if os.path.exists(os.path.join(ROOT, hdr)) else i["define"])
    i.setdefault("lock", "d_mutex")
    return i


def impl_member(i, p):
    pi = p.get("impl") or {}
    if "member" in pi:
        return pi["member"]
    if "config" in i:
        return p["name"]  # the config's field
    if "values" in i:
        return f"{i['values']}.{p['name']}"
    return f"d_{p['name']}"


def impl_value(b, i, name):
    """The current value of parameter `name` inside a setter (config copy: c)."""
    p = next((q for q in b["params"] if q["name"] == name), None)
    if p is None:
        raise DescriptorError(f"{b['block']}: no parameter {name}")
    pi = p.get("impl") or {}
    if "value" in pi:
        return pi["value"]
    if "config" in i:
        return "c." + impl_member(i, p)
    return impl_member(i, p)


def impl_hook(i, p, key):
    pi = p.get("impl") or {}
    return pi[key] if key in pi else i.get(key)


def setter_checks(b, i, p):
    """The descriptor's check of one value, as make()'s check() does it."""
    return check_lines(b, p, lambda x: impl_value(b, i, x), "core::")


def accessor_decls(b, public):
    """set_<name>/<name> declarations: pure virtual in the public header, override in the impl."""
    o = []
    pre, post = ("virtual ", " = 0;") if public else ("", " override;")
    for p in accessor_params(b):
        n = p["name"]
        if public:
            o.append(f"    //! {param_doc(p)}")
        if p.get("settable"):
            o.append(f"    {pre}void set_{n}({CPP_TYPE[p['type']]} {n}){post}")
        if p.get("getter"):
            o.append(f"    {pre}{VALUE_TYPE[p['type']]} {n}() const{post}")
    return o


def impl_accessors(b):
    i = impl_of(b)
    guard = f"std::lock_guard<std::mutex> lock({i['lock']});"
    o = []
    if "config" in i:
        o += [
            f"    //! {i['config']} as it is now: the setters change this copy and apply() it",
            "    auto locked_config() const",
            "    {",
            f"        {guard}",
            f"        return {i['config']};",
            "    }",
        ]
    elif "values" in i:
        if not i.get("on_set") or any("on_set" in (p.get("impl") or {}) for p in b["params"]):
            raise DescriptorError(f"{b['block']}: impl values needs one on_set for the block")
        o += [
            f"    //! change() edits {i['values']} under the lock, then {i['on_set']}(); if either",
            f"    //! throws, {i['values']} is as before and the error propagates",
            "    template <class F>",
            "    void change_values(F&& change)",
            "    {",
            f"        {guard}",
            f"        const auto previous = {i['values']};",
            "        try {",
            "            change();",
            f"            {i['on_set']}();",
            "        } catch (...) {",
            f"            {i['values']} = previous;",
            "            throw;",
            "        }",
            "    }",
        ]
    if i.get("set_port"):
        o.append("    //! the values of a parsed `set` message, all or nothing (throws param_error)")
        o.append("    void apply_set(const set_values& v);")
    return o + accessor_decls(b, False)


def impl_definitions(b):
    i = impl_of(b)
    cls, lock = i["class"], i["lock"]
    guard = f"std::lock_guard<std::mutex> lock({lock});"
    o = []
    for p in accessor_params(b):
        n = p["name"]
        pi = p.get("impl") or {}
        member = impl_member(i, p)
        value = f"{pi['to_member']}({n})" if "to_member" in pi else n
        if p.get("settable"):
            o.append(f"void {cls}::set_{n}({CPP_TYPE[p['type']]} {n})")
            o.append("{")
            if "config" in i:
                checks = ["    " + x for x in setter_checks(b, i, p)]
                refs = any(re.search(r"\bc\.", x) for x in checks)
                if not refs:  # fail before anything is copied
                    o += checks
                o.append("    auto c = locked_config();")
                if refs:
                    o += checks
                o.append(f"    c.{member} = {value};")
                o.append(f"    {i['apply']}(c);")
            elif "values" in i:
                o.append("    change_values([&] {")
                o += ["        " + x for x in setter_checks(b, i, p)]
                o.append(f"        {member} = {value};")
                o.append("    });")
            else:
                after = impl_hook(i, p, "after_set")
                hook = impl_hook(i, p, "on_set")
                ind = "        " if after else "    "
                if after:
                    o.append("    {")
                o.append(ind + guard)
                o += [ind + x for x in setter_checks(b, i, p)]
                if hook:  # lib/block_utils.h
                    o.append(f"{ind}set_or_restore({member}, {value}, [&] {{ {hook}(); }});")
                else:
                    o.append(f"{ind}{member} = {value};")
                if after:
                    o.append("    }")
                    o.append(f"    {after}();")
            o.append("}")
            o.append("")
        if p.get("getter"):
            get = pi.get("get") or (f"{i['config']}.{member}" if "config" in i else member)
            o.append(f"{VALUE_TYPE[p['type']]} {cls}::{n}() const")
            o.append("{")
            o.append(f"    {guard}")
            o.append(f"    return {get};")
            o.append("}")
            o.append("")
    if i.get("set_port"):
        o += apply_set_definition(b, i)
    return o[:-1] if o else o


def apply_set_definition(b, i):
    """apply_set(): every settable parameter a `set` message may carry."""
    if "config" in i:
        o = ["    auto c = locked_config();"]
        ind, target = "    ", lambda p: "c." + impl_member(i, p)
    elif "values" in i:
        o = ["    change_values([&] {"]
        ind, target = "        ", lambda p: impl_member(i, p)
    else:
        raise DescriptorError(f"{b['block']}: set_port needs impl values or config")
    for p in b["params"]:
        if not p.get("settable"):
            continue
        n, t, pi = p["name"], p["type"], p.get("impl") or {}
        if t == "bool":
            raise DescriptorError(f"{b['block']}.{n}: a set message has no boolean values")
        if t in ("double", "doubles", "string") and "to_member" not in pi:
            o.append(f'{ind}v.get("{n}", {target(p)});')
            continue
        held = {"doubles": "std::vector<double>", "string": "std::string"}.get(t, "double")
        value = "x" if t in ("double", "doubles", "string") else f"{VALUE_TYPE[t]}(x)"
        if "to_member" in pi:
            value = f"{pi['to_member']}({value})"
        o.append(f"{ind}{{")
        o.append(f"{ind}    {held} x;")
        o.append(f'{ind}    if (v.get("{n}", x))')
        o.append(f"{ind}        {target(p)} = {value};")
        o.append(f"{ind}}}")
    o.append(f"    {i['apply']}(c);" if "config" in i else "    });")
    return [f"void {i['class']}::apply_set(const set_values& v)", "{"] + o + ["}", ""]


def impl_outputs(blocks, out):
    """Setters and getters of every block from its descriptor (see above)."""

    def text(rel):
        return out[rel] if rel in out else read(rel)

    for b in blocks:
        if b.get("impl") is False or not accessor_params(b):
            continue
        i = impl_of(b)
        h = f"include/gnuradio/isac/{b['block']}.h"
        out[h] = replace_region(text(h), "accessors", accessor_decls(b, True), h, "//")
        out[i["declare"]] = replace_region(
            text(i["declare"]), "accessors", impl_accessors(b), i["declare"], "//"
        )
        out[i["define"]] = replace_region(
            text(i["define"]), "accessor_definitions", impl_definitions(b), i["define"], "//"
        )

# ---- GRC make templates --------------------------------------------------------
def grc_make(b, cpp):
    """The GRC make template: every parameter in make()'s order."""
    bn = b["block"]
    args = []
    for p in b["params"]:
        n = p["name"]
        r = p.get("_range") or {}
        if cpp and p["type"] == "doubles":
            args.append(f"std::vector<double>{{${{str({n})[1:-1]}}}}")
        elif cpp and p["type"] == "double" and r.get("hi") == math.inf and not r.get("hi_open"):
            # an allowed inf is float("inf") in GRC (Python), a name C++ lacks
            args.append(f"${{'std::numeric_limits<double>::infinity()' if {n}() == float('inf') else {n}}}")
        else:
            args.append(f"${{{n}}}")
    head = f"this->${{id}} = gr::isac::{bn}::make(" if cpp else f"isac.{bn}("
    lines, cur = [], "    " + head
    for k, a in enumerate(args):
        piece = a + (");" if cpp else ")") if k == len(args) - 1 else a + ","
        if len(cur) + 1 + len(piece) > 96 and cur.strip() != head.strip():
            lines.append(cur.rstrip())
            cur = "        " + piece
        else:
            cur += ("" if cur.endswith("(") else " ") + piece
    lines.append(cur)
    return ["  make: |-"] + lines


def grc_make_outputs(blocks, out):
    for b in blocks:
        if b.get("grc") is False:
            continue
        g = f"grc/isac_{b['block']}.block.yml"
        t = out[g] if g in out else read(g)
        t = replace_region(t, "make", grc_make(b, False), g, "#")
        if "cpp_templates:" in t:
            t = replace_region(t, "cpp_make", grc_make(b, True), g, "#")
        out[g] = t


# ---- regions ------------------------------------------------------------------
STATS_LEAD = "Stats (every stats_interval vectors): "


def grc_stats_doc(text, stats, path):
    """The GRC documentation's paragraph that describes the stats message ends
    with the descriptor's stats_doc (a comment line inside the documentation's
    block scalar would show in GRC, so no region markers): the paragraph is
    refilled from STATS_LEAD on."""
    i = text.find(STATS_LEAD)
    if i < 0:
        raise DescriptorError(f"{path}: stats_doc given, but the documentation has no {STATS_LEAD!r}")
    start = text.rfind("\n\n", 0, i) + 2
    end = text.find("\n\n", i)
    ind = re.match(r"[ \t]*", text[start:]).group(0)
    before = " ".join(text[start:i].split())
    para = textwrap.fill((before + " " if before else "") + STATS_LEAD + " ".join(stats.split()), 96,
                         initial_indent=ind, subsequent_indent=ind, break_on_hyphens=False)
    return text[:start] + para + text[end:]



def replace_region(text, name, lines, path, comment, indent=""):
    begin = re.compile(r"^([ \t]*)" + re.escape(comment) + r" gen_params:begin " + re.escape(name) + r"\n", re.M)
    m = begin.search(text)
    if not m:
        raise DescriptorError(f"{path}: no region gen_params:begin {name}")
    ind = m.group(1)
    end_line = f"{ind}{comment} gen_params:end {name}\n"
    e = text.find(end_line, m.end())
    if e < 0:
        raise DescriptorError(f"{path}: region {name} has no end")
    body = "".join(x + "\n" for x in lines)
    return text[: m.end()] + body + text[e:]


def outputs(blocks):
    out = {}
    out["include/gnuradio/isac/core/block_params.h"] = core_header(blocks)
    out["docs/parameters.md"] = parameters_md(blocks)
    for b in blocks:
        bn = b["block"]
        h = f"include/gnuradio/isac/{bn}.h"
        t = read(h)
        t = replace_region(t, "make", header_make(b), h, "//", "    ")
        out[h] = t
        py = f"python/isac/bindings/{bn}_python.cc"
        t = read(py)
        t = replace_region(t, "args", binding_args(b), py, "//")
        t = replace_region(t, "doc", binding_doc(b), py, "//")
        if b.get("bind_accessors") is not False:
            t = replace_region(t, "accessors", binding_accessors(b), py, "//")
        out[py] = t
        for extra in b.get("extra_bindings", []):
            t = read(extra["file"])
            t = replace_region(t, "args", binding_args(b, extra.get("exclude", [])), extra["file"], "//")
            out[extra["file"]] = t
        if b.get("grc") is False:  # no GRC file of its own
            continue
        g = f"grc/isac_{bn}.block.yml"
        t = read(g)
        t = replace_region(t, "parameters", ["parameters:"] + grc_params(b), g, "#")
        if b.get("stats_doc"):
            t = grc_stats_doc(t, b["stats_doc"], g)
        asserts = grc_asserts(b)
        t = replace_region(t, "asserts", (["asserts:"] + asserts) if asserts else [], g, "#")
        cb = grc_callbacks(b, False)
        t = replace_region(t, "callbacks", (["  callbacks:"] + cb) if cb else [], g, "#")
        cb = grc_callbacks(b, True)
        if "cpp_templates:" in t:
            t = replace_region(t, "cpp_callbacks", (["  callbacks:"] + cb) if cb else [], g, "#")
        out[g] = t
    impl_outputs(blocks, out)
    grc_make_outputs(blocks, out)
    out["docs/blocks.md"] = blocks_md_headings(read("docs/blocks.md"), blocks)
    return out


def blocks_md_headings(md, blocks):
    """docs/blocks.md with each block's entry set to its signature: a heading
    '### `block(...)`' or a table row starting '| `block(...)` |'. A block with
    neither is an error: the generator cannot know where in the page its entry
    belongs, and a new block's missing entry went unnoticed."""
    for b in blocks:
        name = re.escape(b["block"])
        md, n = re.subn(
            r"^### `" + name + r"\(.*\)`$", lambda m: f"### `{signature(b)}`", md, flags=re.M
        )
        md, k = re.subn(
            r"^\| `" + name + r"\([^`]*\)` \|", lambda m: f"| `{signature(b)}` |", md, flags=re.M
        )
        if n + k == 0:
            raise DescriptorError(
                f"docs/blocks.md has no entry for {b['block']}: add a heading "
                f"'### `{b['block']}()`' or a table row '| `{b['block']}()` | ... |' "
                "where it belongs (the generator fills in the signature)"
            )
    return md



# ---- Python blocks --------------------------------------------------------------
# The Python blocks (hier blocks and the emulated_radio object of python/isac/)
# have descriptors of the same schema in python/isac/params/<block>.yml, with
# `kind: python`. A parameter may come from another descriptor (`from: <block>`
# for the whole block, or per parameter; `from: false` for the block's own):
# it takes that parameter's type, unit, range, options, length, doc, default
# and grc unless it says its own; settable/callback/getter always are its own
# (they describe the Python block's methods). More keys: file (python/isac/<file>,
# default <block>.py), extra_args (after the parameters in the signature),
# forward (the attribute holding the inner block whose set_<name> the generated
# setter of a settable parameter calls; per parameter `forward: false` keeps a
# hand-written setter),
# inherit_grc_asserts (the `from` block's cross-parameter asserts), type
# `object` (passed through unchecked, GRC raw, e.g. an emulated_radio), objects
# (the parameter also takes that object, passed on unchecked, e.g. a
# uhd.tune_request for a frequency).
PY_PARAMS = os.path.join(ROOT, "python", "isac", "params")
PY_TYPES = dict(SPEC_TYPE, object="object")
GRC_DTYPE.setdefault("object", "raw")
PY_INHERIT = ("type", "unit", "range", "options", "length", "doc", "default", "objects", "grc")


def load_python(cpp_blocks):
    raw = {}
    for path in sorted(glob.glob(os.path.join(PY_PARAMS, "*.yml"))):
        with open(path) as f:
            d = yaml.safe_load(f)
        name = os.path.basename(path)[:-4]
        if d.get("block") != name or d.get("kind") != "python":
            raise DescriptorError(f"{path}: must say block: {name} and kind: python")
        raw[name] = d
    known = {b["block"]: b for b in cpp_blocks}
    done = {}

    def resolve(name, stack=()):
        if name in done:
            return done[name]
        if name in stack:
            raise DescriptorError(f"{name}: `from` loops")
        d = raw[name]
        names = [p["name"] for p in d["params"]]
        params = []
        for p in d["params"]:
            src = p.get("from", d.get("from"))
            q = {}
            if src:
                sb = known.get(src) or (resolve(src, stack + (name,)) if src in raw else None)
                if sb is None:
                    raise DescriptorError(f"{name}.{p['name']}: from: no descriptor {src}")
                sp = {x["name"]: x for x in sb["params"]}.get(p["name"])
                if sp is None:
                    raise DescriptorError(f"{name}.{p['name']}: {src} has no parameter {p['name']}")
                q = {k: v for k, v in sp.items() if k in PY_INHERIT}
            q.update({k: v for k, v in p.items() if k != "from"})
            q.setdefault("settable", False)
            for k in q:
                if k not in PY_INHERIT + ("name", "settable", "callback", "getter", "forward"):
                    raise DescriptorError(f"{name}.{p['name']}: unknown key {k}")
            if q.get("type") not in PY_TYPES:
                raise DescriptorError(f"{name}.{p['name']}: unknown type {q.get('type')}")
            if "default" not in q:
                raise DescriptorError(f"{name}.{p['name']}: a Python block parameter needs a default")
            if "range" in q:
                q["_range"] = parse_range(q["range"], names, f"{name}.{q['name']}")
            if src:
                q["_from"] = src
            params.append(q)
        b = dict(d, params=params)
        if d.get("inherit_grc_asserts"):
            b["grc_asserts"] = known[d["from"]].get("grc_asserts", []) + d.get("grc_asserts", [])
        done[name] = b
        return b

    return [resolve(n) for n in raw]


def py_value(p):
    """The default as the Python signature writes it (lists as tuples)."""
    if p["type"] == "object":
        return repr(p["default"])
    if p["type"] == "doubles":
        d = p["default"]
        return "(" + ", ".join(num(x) for x in d) + ("," if len(d) == 1 else "") + ")"
    return py_literal(p)


def py_spec_bound(b):
    if isinstance(b, tuple):
        return "_" + b[1].upper()
    if isinstance(b, str):
        return None
    return "_INF" if b == math.inf else "-_INF" if b == -math.inf else repr(float(b))


def py_module(pyblocks):
    o = [
        "#",
        "# Copyright 2026 gr-isac authors.",
        "# SPDX-License-Identifier: GPL-3.0-or-later",
        "#",
        '"""GENERATED by tools/gen_params.py from python/isac/params/*.yml: do not edit.',
        "",
        "One param_spec per parameter of each Python block (the C++ blocks' table is",
        "core/block_params.h); _hier.check() checks a value against it at construction.",
        '"""',
        "from ._hier import param_spec as _spec, MAX_ANTENNAS as _MAX_ANTENNAS, MAX_USERS as _MAX_USERS",
        "",
        "_INF = float(\"inf\")",
        "",
    ]
    for b in pyblocks:
        o.append("")
        o.append(f"class {b['block']}:")
        for p in b["params"]:
            r = p.get("_range") or {"lo": -math.inf, "hi": math.inf, "lo_open": False, "hi_open": False}
            lo, hi = py_spec_bound(r["lo"]), py_spec_bound(r["hi"])
            args = [
                repr(p["name"]), repr(PY_TYPES[p["type"]]), repr(p.get("unit", "")),
                lo or "-_INF", hi or "_INF", str(r["lo_open"]), str(r["hi_open"]),
                repr(r["lo"]) if isinstance(r["lo"], str) else "None",
                repr(r["hi"]) if isinstance(r["hi"], str) else "None",
                repr("|".join(p["options"])) if p.get("options") else "None",
                repr(" or ".join(str(x) for x in p["length"])) if p.get("length") else "None",
                str(bool(p.get("settable"))), repr(py_value(p)), repr(p.get("doc", "")),
                repr(p.get("objects")) if p.get("objects") else "None",
            ]
            o.append(f"    {p['name']} = _spec(")
            o.append("        " + ", ".join(args[:7]) + ",")
            o.append("        " + ", ".join(args[7:12]) + ",")
            o.append("        " + args[12] + ",")
            o.append("        " + args[13] + ",")
            o.append("        " + args[14] + ")")
        o.append("    all = (" + ", ".join(p["name"] for p in b["params"]) + ("," if len(b["params"]) == 1 else "") + ")")
    return "\n".join(o) + "\n"


def py_signature(b):
    args = ["self"] + [f"{p['name']}={py_value(p)}" for p in b["params"]] + list(b.get("extra_args", []))
    lines, cur = [], "    def __init__("
    ind = " " * len(cur)
    for i, a in enumerate(args):
        piece = a + ("," if i + 1 < len(args) else "):")
        if len(cur) + len(piece) + 1 > 110 and cur.strip() != "def __init__(":
            lines.append(cur.rstrip())
            cur = ind
        cur += piece + " "
    lines.append(cur.rstrip())
    return lines


def py_check(b):
    """The construction-time checks, in the order the C++ check() uses."""
    o = []
    spec = f"_params.{b['block']}"
    for p in [p for p in b["params"] if not has_ref(p)] + [p for p in b["params"] if has_ref(p)]:
        n, t, r = p["name"], p["type"], p.get("_range") or {}
        if t in ("object",) or (t == "string" and not p.get("options")):
            continue
        extra = []
        for side in ("lo", "hi"):
            if isinstance(r.get(side), str):
                extra.append(f"{side}={r[side]}")
        if p.get("length"):
            alts = [f"len({str(x)[4:-1]})" if str(x).startswith("len(") else str(x) for x in p["length"]]
            extra.append("lengths=(" + ", ".join(alts) + ("," if len(alts) == 1 else "") + ")")
        o.append(f"        {n} = _hier.check({spec}.{n}, {n}" + "".join(", " + e for e in extra) + ")")
    return o


def py_doc(b):
    o = ['    __doc__ += """', "", f"    Parameters (python/isac/params/{b['block']}.yml):"]
    for p in b["params"]:
        s = f"      {p['name']}: {param_doc(p)} (default {py_value(p)})"
        if p.get("settable"):
            s += " [settable]"
        o.append(s.replace("\\", "\\\\").replace('"""', '\\"\\"\\"'))
    o.append('    """')
    return o


def py_setters(b):
    """set_<name> of each settable parameter the block forwards to an inner
    block: the value is checked against the descriptor first."""
    o = []
    for p in b["params"]:
        attr = p.get("forward", b.get("forward"))
        if not (p.get("settable") and p.get("callback", True) and attr):
            continue
        if has_ref(p):
            raise DescriptorError(f"{b['block']}.{p['name']}: a forwarded setter cannot check a bound "
                                  "given by another parameter; write it by hand (forward: false)")
        n = p["name"]
        if o:
            o.append("")
        o.append(f"    def set_{n}(self, {n}):")
        doc = param_doc(p).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        o.append(f'        """{doc}{" " if doc.endswith(chr(34)) else ""}"""')
        o.append(f"        self.{attr}.set_{n}(_hier.check(_params.{b['block']}.{n}, {n}))")
    return o


def python_outputs(cpp_blocks, out):
    """Everything written from the Python blocks' descriptors, added to `out`."""
    pyblocks = load_python(cpp_blocks)
    out["python/isac/_params.py"] = py_module(pyblocks)
    md = out["docs/parameters.md"].rstrip("\n") + "\n\n" + "\n".join([
        "# Python blocks",
        "",
        "Hierarchical blocks and the emulated radio, written in Python",
        "(descriptors in `python/isac/params/`); the same checks and messages as the",
        "C++ blocks.",
        "",
    ]) + "\n" + "\n".join(parameters_md_block(b) for b in pyblocks)
    out["docs/parameters.md"] = md.rstrip("\n") + "\n"
    for b in pyblocks:
        src = "python/isac/" + b.get("file", b["block"] + ".py")
        t = out.get(src) or read(src)
        cls = re.compile(r"^class " + re.escape(b["block"]) + r"\b.*?(?=^class |\Z)", re.M | re.S)
        m = cls.search(t)
        if not m:
            raise DescriptorError(f"{src}: no class {b['block']}")
        body = m.group(0)
        body = replace_region(body, "signature", py_signature(b), src, "#")
        body = replace_region(body, "check", py_check(b), src, "#")
        body = replace_region(body, "doc", py_doc(b), src, "#")
        if b.get("forward") or "gen_params:begin setters" in body:
            body = replace_region(body, "setters", py_setters(b), src, "#")
        out[src] = t[: m.start()] + body + t[m.end():]
        g = f"grc/isac_{b['block']}.block.yml"
        t = read(g)
        t = replace_region(t, "parameters", ["parameters:"] + grc_params(b), g, "#")
        asserts = grc_asserts(b)
        t = replace_region(t, "asserts", (["asserts:"] + asserts) if asserts else [], g, "#")
        if "gen_params:begin callbacks" in t:
            cb = grc_callbacks(b, False)
            t = replace_region(t, "callbacks", (["  callbacks:"] + cb) if cb else [], g, "#")
        out[g] = t
    out["docs/blocks.md"] = blocks_md_headings(out["docs/blocks.md"], pyblocks)
    return out


# The study functions that design what a streaming block designs take that block's
# parameters by the same names; their docstrings and keyword checks
# (python/isac/design/precoders.py) read unit, range and meaning from here.
DESIGN_FUNCTIONS = {"ci_design": "ci_precoder", "nullspace_design": "nullspace_precoder"}

# Where the study function's core takes a block parameter differently, its own
# (allowed, meaning) replace the block's: the block's solver "lut" is its per-channel
# table cache, which core.ci_solver builds with the preset "table"
# (lib/core/ci_solver.cc, parse_ci_preset); a study call posts no stats message.
STUDY_OVERRIDES = {
    "ci_design": {
        "solver": (
            '"realtime", "quality", "table", "exact", "fast"',
            "realtime (heuristic; more starts at fewer antennas), quality (homotopy paths, "
            "slower), table (the preset the block's solver \"lut\" builds its tables with: "
            "a build budget, not real time), exact (branch and bound), fast (realtime from "
            "the target beam alone). The block's \"lut\" is a table cache per channel, not "
            "a preset: a study call designs one vector",
        ),
        # the core's 0 picks the preset's count (100 for dac "inf" QoS, else 10); a
        # value given caps every MM run (lib/core/ci_solver.cc)
        "max_iter": (
            "[0, 1000]",
            "MM iterations per start, a cap on every run (0: 100 with the infinite-"
            "resolution DAC in QoS mode, 10 otherwise)",
        ),
        "stats_interval": None,
        "threads": None,
        "tag_infeasible": None,
    },
    "nullspace_design": {
        "max_seconds": (
            "[0, 1000000]",
            "work budget of one design (0: none); at its end the design keeps its current "
            "iterate (isl NaN when it was not evaluated in time)",
        ),
    },
}


def design_params_module(blocks):
    by = {b["block"]: b for b in blocks}
    lines = [
        "#",
        "# Copyright 2026 gr-isac authors.",
        "# SPDX-License-Identifier: GPL-3.0-or-later",
        "#",
        '"""GENERATED by tools/gen_params.py from lib/core/params/*.yml: do not edit.',
        "",
        "Per study function, its block's parameters: name -> (unit, allowed, meaning);",
        "where its core differs (tools/gen_params.py, STUDY_OVERRIDES), the core's.",
        '"""',
    ]
    for fn, bn in DESIGN_FUNCTIONS.items():
        lines += ["", f"{fn} = {{  # {bn}.yml"]
        over = STUDY_OVERRIDES.get(fn, {})
        for p in by[bn]["params"]:
            allowed, doc = allowed_text(p), p.get("doc", "")
            if p["name"] in over:
                if over[p["name"]] is None:  # a streaming-only parameter the core does not take
                    continue
                allowed, doc = over[p["name"]]
            lines.append(f"    {p['name']!r}: ({p.get('unit', '')!r}, {allowed!r},")
            lines.append(f"        {doc!r}),")
        lines.append("}")
    return "\n".join(lines) + "\n"


def read(rel):
    with open(os.path.join(ROOT, rel)) as f:
        return f.read()


def main(argv=None):
    # argparse, not a look for "--check" in argv: a mistyped flag (--chek) ran
    # the rewrite instead of the check and said nothing
    ap = argparse.ArgumentParser(
        prog="gen_params.py",
        description="Writes everything that repeats a block parameter from "
        "lib/core/params/*.yml and python/isac/params/*.yml.",
        allow_abbrev=False,
    )
    ap.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when a file differs"
    )
    check = ap.parse_args(argv).check
    try:
        blocks = load()
        out = outputs(blocks)
        out = python_outputs(blocks, out)
        out["python/isac/design/_core_params.py"] = design_params_module(blocks)
    except DescriptorError as e:
        print(f"gen_params: {e}", file=sys.stderr)
        return 2
    drift = 0
    for rel, text in out.items():
        path = os.path.join(ROOT, rel)
        old = open(path).read() if os.path.exists(path) else ""
        if old == text:
            continue
        if check:
            drift += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(True), text.splitlines(True), "a/" + rel, "b/" + rel
                )
            )
        else:
            with open(path, "w") as f:
                f.write(text)
            print("wrote", rel)
    if drift:
        print(
            f"gen_params: {drift} file(s) differ from lib/core/params/*.yml; run "
            "/usr/bin/python3 tools/gen_params.py and commit the result",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
