#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Every bad-input case of docs/bad_input.md, executed: each row of the table
is one test here that asserts what the user sees (the exception and its
message, or the warning and the state that is kept, or the output that is
produced). `qa_bad_input.py --markdown` prints the table that docs/bad_input.md
holds, so the document and the tests cannot drift apart."""

import sys

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

try:
    from gnuradio import isac
    from gnuradio.isac import reliability as rel
except ImportError:
    import os
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    sys.path.append(dirname)
    from gnuradio import isac
    import reliability as rel

CASES = []


def case(block, category, given, sees):
    """Registers a test function as a row: block, category, input, what the user sees."""
    def deco(fn):
        CASES.append((block, category, given, sees, fn))
        return fn
    return deco


def run_vectors(blk, x, vlen):
    tb = gr.top_block()
    src = blocks.vector_source_c(x.ravel().tolist(), False, vlen)
    snk = blocks.vector_sink_c(vlen)
    tb.connect(src, blk, snk)
    tb.run()
    return np.array(snk.data()).reshape(-1, vlen)


# ---------------------------------------------------------------- one_bit_quantizer

@case("one_bit_quantizer", "invalid size", "`vlen` = 0, -1, 2^20+1",
      "`ValueError: vlen = 0 is out of range; allowed: [1, 1048576]` at construction")
def _(t):
    for v in (0, -1, 2**20 + 1):
        with t.assertRaisesRegex(ValueError, r"vlen = %d is out of range; allowed: \[1, 1048576\]" % v):
            isac.one_bit_quantizer(v, "dac", 1.0)


@case("one_bit_quantizer", "invalid parameter", "`mode` = 'DAC', '', 'x'",
      "`ValueError: mode = 'DAC' is out of range; allowed: 'dac' or 'adc'`")
def _(t):
    for m in ("DAC", "", "x"):
        with t.assertRaisesRegex(ValueError, r"mode = '%s' is out of range; allowed: 'dac' or 'adc'" % m):
            isac.one_bit_quantizer(4, m, 1.0)


@case("one_bit_quantizer", "invalid parameter", "`power` = 0, -1, NaN, Inf (also in 'adc' mode)",
      "`ValueError: power = 0 is out of range; allowed: a finite value > 0`")
def _(t):
    for p in (0.0, -1.0, float("nan"), float("inf")):
        for m in ("dac", "adc"):
            with t.assertRaisesRegex(ValueError, r"power = \S+ is out of range"):
                isac.one_bit_quantizer(4, m, p)


@case("one_bit_quantizer", "invalid parameter", "`set_power(NaN)` / `set_mode('x')` while running",
      "`ValueError` naming the parameter; the previous power and mode stay in force")
def _(t):
    q = isac.one_bit_quantizer(4, "dac", 2.0)
    with t.assertRaises(ValueError):
        q.set_power(float("nan"))
    with t.assertRaises(ValueError):
        q.set_mode("x")
    t.assertEqual(q.power(), 2.0)
    t.assertEqual(q.mode(), "dac")
    y = run_vectors(q, np.full((3, 4), -1 + 1j, np.complex64), 4)
    np.testing.assert_allclose(y, np.sqrt(2.0 / 8) * (-1 + 1j), rtol=1e-6)


@case("one_bit_quantizer", "NaN/Inf samples", "NaN, +-Inf, -0.0 components in the stream",
      "NaN -> +a (like 0), +-Inf -> +-a: output stays in the alphabet; NaNs counted by "
      "`nan_count()` and posted on `stats` as {nan_count, items}")
def _(t):
    x = np.array([[complex(np.nan, -np.inf), complex(np.inf, np.nan), complex(-0.0, -1.0),
                   complex(np.nan, np.nan)]], np.complex64)
    q = isac.one_bit_quantizer(4, "adc", 1.0)
    tb = gr.top_block()
    src = blocks.vector_source_c(x.ravel().tolist(), False, 4)
    snk = blocks.vector_sink_c(4)
    dbg = blocks.message_debug()
    tb.connect(src, q, snk)
    tb.msg_connect(q, "stats", dbg, "store")
    tb.run()
    np.testing.assert_array_equal(np.array(snk.data()), [1 - 1j, 1 + 1j, 1 - 1j, 1 + 1j])
    t.assertEqual(q.nan_count(), 4)
    t.assertEqual(dbg.num_messages(), 1)
    m = dbg.get_message(0)
    t.assertEqual(pmt.to_uint64(pmt.dict_ref(m, pmt.intern("nan_count"), pmt.PMT_NIL)), 4)


# ---------------------------------------------------------------- core (gnuradio.isac.core)

@case("core.radar_scene", "invalid size", "`solve(c)` with len(c) != 1 + number of clutter patches",
      "`ValueError: c (couplings) = 0 entries is out of range; allowed: 3 (...)` "
      "(was a segfault: fuzz finding)")
def _(t):
    s = isac.core.radar_scene(4, 4, 0.0, [10.0, -20.0], 15.0, [20.0, 20.0])
    for n in (0, 2, 4):
        with t.assertRaisesRegex(ValueError, r"c \(couplings\) = %d entries is out of range" % n):
            s.solve(np.ones(n, complex))


@case("core.radar_scene", "invalid size", "`filter(sol)`/`threshold(sol, ...)` with a solution of "
      "another scene", "`ValueError: solution = ... couplings is out of range` (was an out-of-bounds read)")
def _(t):
    a = isac.core.radar_scene(4, 4, 0.0, [], 15.0, [])
    b = isac.core.radar_scene(4, 4, 0.0, [10.0, 30.0], 15.0, [20.0, 20.0])
    sol = a.solve(np.ones(1, complex))
    with t.assertRaisesRegex(ValueError, "solution = 1 couplings"):
        b.filter(sol)
    with t.assertRaisesRegex(ValueError, "solution = 1 couplings"):
        b.threshold(sol, isac.core.adc_model.one_bit, 1e-3)


@case("core.radar_scene", "invalid parameter", "`target_deg` = 91 or NaN, `n_rx` = 0, "
      "`cnr_db` of the wrong length, `pfa` = 0 or 1, `noise_var` < 0",
      "`ValueError` naming the parameter and its allowed range")
def _(t):
    rs = isac.core.radar_scene
    with t.assertRaisesRegex(ValueError, "target_deg"):
        rs(4, 4, 91.0)
    with t.assertRaisesRegex(ValueError, "target_deg"):
        rs(4, 4, float("nan"))
    with t.assertRaisesRegex(ValueError, "n_rx = 0"):
        rs(4, 0, 0.0)
    with t.assertRaisesRegex(ValueError, "cnr_db"):
        rs(4, 4, 0.0, [10.0, 20.0], 15.0, [20.0])
    s = rs(4, 4, 0.0)
    sol = s.solve(np.ones(1, complex))
    for pfa in (0.0, 1.0, float("nan")):
        with t.assertRaisesRegex(ValueError, "pfa"):
            s.threshold(sol, isac.core.adc_model.one_bit, pfa)
    with t.assertRaisesRegex(ValueError, "noise_var"):
        s.threshold(sol, isac.core.adc_model.ideal, 1e-3, -1.0)


@case("core.radar_scene", "degenerate transmit vector", "x orthogonal to the target (c_0 = 0)",
      "metric 0, `degenerate` = True, zero filter and threshold 0 (no division by zero)")
def _(t):
    s = isac.core.radar_scene(4, 4, 0.0, [30.0], 15.0, [20.0])
    sol = s.solve(np.array([0.0, 1.0], complex))
    t.assertTrue(sol.degenerate)
    t.assertEqual(sol.metric, 0.0)
    t.assertTrue(np.all(s.filter(sol) == 0))
    t.assertEqual(s.threshold(sol, isac.core.adc_model.one_bit, 1e-3), 0.0)


@case("core steering", "invalid size", "`ula_steering_matrix(n=-5, ...)`, "
      "`upa_steering(n_h=n_v=4096)` (2^24 elements)",
      "`ValueError` naming n / `n_h * n_v (UPA elements)` (was std::bad_alloc / a 16 TiB request)")
def _(t):
    with t.assertRaisesRegex(ValueError, r"n \(array size\) = -5"):
        isac.core.ula_steering_matrix(-5, [1.0, 2.0])
    with t.assertRaisesRegex(ValueError, r"n_h \* n_v \(UPA elements\) = 16777216"):
        isac.core.upa_steering(4096, 4096, 10.0, 20.0)


@case("core steering", "invalid parameter", "`spacing` = 1e300, `theta_deg` = NaN",
      "`ValueError` (spacing range (0, 1000] wavelengths; theta must be finite)")
def _(t):
    with t.assertRaisesRegex(ValueError, "spacing"):
        isac.core.ula_steering(8, 10.0, spacing=1e300)
    with t.assertRaisesRegex(ValueError, "theta"):
        isac.core.ula_steering(8, float("nan"))


@case("core quantize", "invalid parameter", "`one_bit_dac(x, power=1e-300)`",
      "`ValueError: power = ... allowed: a value whose DAC amplitude sqrt(power/(2 vlen)) is a "
      "normal float` (was an all-zero output)")
def _(t):
    with t.assertRaisesRegex(ValueError, "normal float"):
        isac.core.one_bit_dac(np.ones(4, complex), 1e-300)


# ---------------------------------------------------------------- the test class

class qa_bad_input(gr_unittest.TestCase):
    pass


def _slug(s):
    return "".join(c if c.isalnum() else "_" for c in s.lower()).strip("_")[:40]


for _i, (_b, _c, _g, _s, _fn) in enumerate(CASES):
    setattr(qa_bad_input, "test_%03d_%s_%s" % (_i, _slug(_b), _slug(_c)),
            lambda self, fn=_fn: fn(self))


def markdown():
    lines = ["| block | category | input | what the user sees |",
             "| --- | --- | --- | --- |"]
    for b, c, g, s, _ in CASES:
        lines.append(f"| {b} | {c} | {g} | {s} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if "--markdown" in sys.argv:
        print(markdown())
    else:
        gr_unittest.run(qa_bad_input)
