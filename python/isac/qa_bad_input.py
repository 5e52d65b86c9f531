#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Every bad-input case of docs/bad_input.md, executed: each row of the table
is one test here that asserts what the user sees (the exception and its
message, or the warning and the state that is kept, or the output that is
produced). `qa_bad_input.py --markdown` prints the table that docs/bad_input.md
holds, so the document and the tests cannot drift apart.

usage: qa_bad_input.py [--markdown]"""

import os
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


def run_rx(blk, r, x):
    """Runs a receive filter (echo r, transmit x: snapshots x n) to the end; returns
    its outputs (z, statistic) as flat arrays."""
    n = r.shape[1]
    tb = gr.top_block()
    k0, k1 = blocks.vector_sink_c(), blocks.vector_sink_f()
    tb.connect(blocks.vector_source_c(r.ravel().tolist(), False, n), (blk, 0))
    tb.connect(blocks.vector_source_c(x.ravel().tolist(), False, n), (blk, 1))
    tb.connect((blk, 0), k0)
    tb.connect((blk, 1), k1)
    tb.run()
    return np.array(k0.data()), np.array(k1.data())


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
      "'dac': NaN -> +a (like 0), +-Inf -> +-a, the output stays in the alphabet; 'adc': NaN "
      "stays NaN (no sign: the receive filter discards and counts the snapshot), +-Inf -> +-1; "
      "NaNs counted by `nan_count()` and posted on `stats` as {nan_count, items}")
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
    nan = np.nan
    np.testing.assert_array_equal(np.array(snk.data()),
                                  [complex(nan, -1), complex(1, nan), 1 - 1j, complex(nan, nan)])
    t.assertEqual(q.nan_count(), 4)
    qd = isac.one_bit_quantizer(4, "dac", 1.0)
    y = run_vectors(qd, x, 4)
    np.testing.assert_allclose(y, np.sqrt(1 / 8) * np.array([[1 - 1j, 1 + 1j, 1 - 1j, 1 + 1j]]),
                               rtol=1e-6)
    t.assertEqual(dbg.num_messages(), 1)
    m = dbg.get_message(0)
    t.assertEqual(pmt.to_uint64(pmt.dict_ref(m, pmt.intern("nan_count"), pmt.PMT_NIL)), 4)


# ---------------------------------------------------------------- core (gnuradio.isac.core)

@case("core.radar_scene", "invalid size", "`solve(c)` with len(c) != 1 + number of clutter patches",
      "`ValueError: c (couplings) = an empty list is out of range; allowed: 3 (...)` "
      "(was a segfault: fuzz finding)")
def _(t):
    s = isac.core.radar_scene(4, 4, 0.0, [10.0, -20.0], 15.0, [20.0, 20.0])
    for n, what in ((0, "an empty list"), (1, "a list of 1 entry"), (2, "a list of 2 entries"),
                    (4, "a list of 4 entries")):
        with t.assertRaisesRegex(ValueError, r"c \(couplings\) = %s is out of range" % what):
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
    with t.assertRaisesRegex(ValueError, "cnr_db = a list of 1 value is out of range"):
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


@case("core.ci_design / design.ci_design", "NaN/Inf or zero symbol",
      "`s` with a NaN, Inf or 0 entry (also `ci_solver.solve`)",
      "`ValueError: s[2] = nan + 0j is out of range; allowed: finite nonzero symbols (...)`; "
      "the streaming block instead maps it to index 0 and counts it (its row above)")
def _(t):
    from gnuradio.isac import design
    H = np.array([[1.0, 0.3j, -0.2, 0.5], [0.1, 1.0, 0.4j, -0.3]], complex)
    for s in ([1.0, np.nan], [1.0, np.inf], [0.0, 1.0]):
        for call in (isac.core.ci_design, design.ci_design):
            with t.assertRaisesRegex(ValueError, r"s\[[01]\] = .* is out of range; allowed: finite nonzero"):
                call(H, np.array(s, complex))


@case("design.ci_design / design.nullspace_design", "invalid size",
      "H transposed (more users than antennas); `n_tx=` or `n_users=` passed",
      "`ValueError: H = 4 x 2 (n_users x n_tx) is out of range; allowed: n_tx >= n_users "
      "(H's rows are the users)` (null space: n_tx > n_users); `TypeError: ci_design(): n_tx and "
      "n_users come from H's shape (n_users x n_tx); drop n_tx`")
def _(t):
    from gnuradio.isac import design
    H = np.array([[1.0, 0.3j, -0.2, 0.5], [0.1, 1.0, 0.4j, -0.3]], complex)
    with t.assertRaisesRegex(ValueError, r"H = 4 x 2 \(n_users x n_tx\) is out of range"):
        design.ci_design(H.T, np.ones(4))
    with t.assertRaisesRegex(ValueError, r"H = 4 x 2 \(n_users x n_tx\) is out of range"):
        design.nullspace_design(H.T, 1.0, "zf", 5.0, 0.1, "beampattern", [20.0], 10.0, 8)
    with t.assertRaisesRegex(TypeError, "come from H's shape"):
        design.ci_design(H, np.ones(2), n_tx=4)


@case("design.nullspace_design", "invalid parameter",
      "`sinr_db` = [5, 1e30] or [5, -4000] (finite, but past the block's range)",
      "`ValueError: sinr_db[1] = 1e+30 is out of range; allowed: [-200, 200] dB` (the value as "
      "passed and the user's index; was `sinr_db = inf dB`)")
def _(t):
    from gnuradio.isac import design
    H = np.array([[1.0, 0.3j, -0.2, 0.5], [0.1, 1.0, 0.4j, -0.3]], complex)
    for v in (1e30, -4000.0):
        with t.assertRaisesRegex(ValueError, r"sinr_db\[1\] = %s is out of range; allowed: \[-200, 200\]"
                                 % ("1e\\+30" if v > 0 else "-4000")):
            design.nullspace_design(H, 1.0, "minpower", [5.0, v], 0.1, "beampattern", [20.0], 10.0, 8)


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


# ---------------------------------------------------------------- blocks with message ports

def run_until(tb, pred, timeout=20.0):
    """Starts a streaming flowgraph, waits (bounded) for pred(), stops it."""
    tb.start()
    ok = rel.wait_until(pred, timeout)
    tb.stop()
    tb.wait()
    return ok


def psk(rng, n, users, m=8):
    return np.exp(2j * np.pi * rng.integers(m, size=(n, users)) / m).astype(np.complex64)


def csi_dict(H, offset=None):
    d = pmt.make_dict()
    d = pmt.dict_add(d, pmt.intern("H"), pmt.init_c32vector(H.size, H.astype(np.complex64).ravel().tolist()))
    d = pmt.dict_add(d, pmt.intern("rows"), pmt.from_long(H.shape[0]))
    d = pmt.dict_add(d, pmt.intern("cols"), pmt.from_long(H.shape[1]))
    if offset is not None:
        d = pmt.dict_add(d, pmt.intern("offset"), pmt.from_uint64(offset))
    return d


@case("isac_channel", "invalid size / parameter", "`n_tx` = 0; 'los' with 1 `user_deg` for 2 users; "
      "`clutter_deg` and `cnr_db` of different lengths; `radar_noise_var` = -1",
      "`ValueError` naming the parameter, e.g. `user_deg = a list of 1 angle is out of range; "
      "allowed: n_users = 2 angles for comm_model 'los'`")
def _(t):
    with t.assertRaisesRegex(ValueError, "n_tx = 0"):
        isac.isac_channel(0, 2, 4, comm_noise_var=[1.0], clutter_deg=[], cnr_db=[], cpi_len=1)
    with t.assertRaisesRegex(ValueError, "user_deg = a list of 1 angle is out of range"):
        isac.isac_channel(4, 2, 4, "los", [10.0], comm_noise_var=[1.0], clutter_deg=[], cnr_db=[],
                          cpi_len=1)
    with t.assertRaisesRegex(ValueError, "cnr_db = an empty list is out of range"):
        isac.isac_channel(4, 2, 4, clutter_deg=[10.0], cnr_db=[], comm_noise_var=[1.0], cpi_len=1)
    with t.assertRaisesRegex(ValueError, "radar_noise_var = -1"):
        isac.isac_channel(4, 2, 4, radar_noise_var=-1.0, comm_noise_var=[1.0], clutter_deg=[],
                          cnr_db=[], cpi_len=1)


@case("isac_channel", "malformed / oversized messages", "`set` messages: not a dict, NaN/Inf, "
      "strings, 100000-element vectors, improper lists, unknown keys, 95 deg, clutter without cnr",
      "one warning per message (`set: ...; message ignored, state unchanged`); the stream goes on "
      "and every parameter keeps its last good value; a later valid message applies")
def _(t):
    rng = np.random.default_rng(5)
    ch = isac.isac_channel(4, 2, 4, seed=3, target_deg=10.0, clutter_deg=[-20.0], cnr_db=[20.0],
                           comm_noise_var=[1.0], cpi_len=1)
    ch.set_log_level("error")
    tb = gr.top_block()
    src = blocks.vector_source_c([1 + 0j] * 4 * 64, True, 4)
    tb.connect(src, ch)
    tb.connect((ch, 0), blocks.null_sink(gr.sizeof_gr_complex * 2))
    tb.connect((ch, 1), blocks.null_sink(gr.sizeof_gr_complex * 4))
    for m in rel.bad_messages(rng, ["target_deg", "clutter_deg", "cnr_db", "user_deg"], 24):
        ch._post(pmt.intern("set"), m)
    ch._post(pmt.intern("set"), pmt.dict_add(pmt.make_dict(), pmt.intern("target_deg"),
                                             pmt.from_double(95.0)))
    ch._post(pmt.intern("set"), pmt.dict_add(pmt.make_dict(), pmt.intern("clutter_deg"),
                                             pmt.init_f64vector(2, [1.0, 2.0])))
    ch._post(pmt.intern("set"), pmt.dict_add(pmt.make_dict(), pmt.intern("target_snr_db"),
                                             pmt.from_double(7.0)))
    t.assertTrue(run_until(tb, lambda: ch.target_snr_db() == 7.0), "valid message not applied")
    t.assertEqual(ch.target_deg(), 10.0)
    t.assertEqual(list(ch.clutter_deg()), [-20.0])
    t.assertEqual(list(ch.cnr_db()), [20.0])


@case("isac_channel", "NaN/Inf samples", "NaN and Inf entries in the transmit vectors x",
      "user and echo outputs stay finite")
def _(t):
    ch = isac.isac_channel(4, 2, 4, seed=3, comm_noise_var=[1.0], clutter_deg=[], cnr_db=[],
                           cpi_len=1)
    x = np.ones((4, 4), np.complex64)
    x[1, 2] = np.nan
    x[2, 0] = np.inf
    tb = gr.top_block()
    src = blocks.vector_source_c(x.ravel().tolist(), False, 4)
    s0, s1 = blocks.vector_sink_c(2), blocks.vector_sink_c(4)
    tb.connect(src, ch)
    tb.connect((ch, 0), s0)
    tb.connect((ch, 1), s1)
    tb.run()
    t.assertEqual(len(s0.data()), 8)
    t.assertTrue(np.all(np.isfinite(s0.data())) and np.all(np.isfinite(s1.data())))


def ci_block(**kw):
    a = dict(n_tx=8, n_users=2, psk_order=8, power=1.0, noise_var=1.0, gamma_db=5.0,
             target_deg=10.0, clutter_deg=[-30.0], snr_r_db=15.0, cnr_db=[20.0], n_rx=8)
    a.update(kw)
    b = isac.ci_precoder(**a)
    b.set_log_level("error")
    return b


def ci_run(blk, syms, H=None):
    if H is not None:
        blk.set_channel(np.asarray(H, np.complex64).tolist())
    tb = gr.top_block()
    src = blocks.vector_source_c(syms.ravel().tolist(), False, syms.shape[1])
    snk = blocks.vector_sink_c(8)
    tb.connect(src, blk, snk)
    tb.run()
    return np.array(snk.data()).reshape(-1, 8), snk.tags()


def in_dac_alphabet(y, power=1.0):
    a = np.sqrt(power / (2 * y.shape[1]))
    return np.allclose(np.abs(y.real), a, rtol=1e-6) and np.allclose(np.abs(y.imag), a, rtol=1e-6)


@case("ci_precoder", "missing channel", "symbols before any `set_channel`/`csi`",
      "no output at all (the input is held back: nothing is transmitted); when the input ends "
      "before any channel, the block finishes 0.5 s later with a warning `the input ended "
      "before any channel arrived`")
def _(t):
    y, _ = ci_run(ci_block(), psk(np.random.default_rng(1), 10, 2))
    t.assertEqual(y.shape, (0, 8))


@case("ci_precoder", "infeasible QoS", "`gamma_db` = 60 (no 1-bit vector reaches the margin)",
      "every vector is the max-min-margin design (still in the 1-bit alphabet), tagged "
      "`isac_infeasible` = #t and counted by `infeasible_count()`")
def _(t):
    rng = np.random.default_rng(2)
    b = ci_block(gamma_db=60.0)
    y, tags = ci_run(b, psk(rng, 20, 2), rng.standard_normal((2, 8)))
    t.assertTrue(in_dac_alphabet(y))
    t.assertEqual(b.infeasible_count(), 20)
    t.assertEqual(sum(pmt.symbol_to_string(tg.key) == "isac_infeasible" for tg in tags), 20)


@case("ci_precoder", "singular / rank-deficient H", "H = 0 or a user's row all zero; two identical "
      "user rows (co-located users); by `set_channel` or a `csi` message",
      "H = 0 / a zero row: `ValueError: H = user 1's row all zero is out of range; allowed: a non-zero "
      "row for every user`; the message: warning `csi message ignored: H = ...`, the channel in use "
      "stays (none: no output). Rank below n_users (co-located users): used, with a warning `H is "
      "rank-deficient (numerical rank 1 < K = 2) ...` once per change of rank; output in the 1-bit "
      "alphabet, snapshots whose QoS cannot be met tagged `isac_infeasible` and counted (refusing "
      "it would keep radiating toward where the users were)")
def _(t):
    rng = np.random.default_rng(3)
    h = rng.standard_normal((1, 8)) + 1j * rng.standard_normal((1, 8))
    good = rng.standard_normal((2, 8)) + 1j * rng.standard_normal((2, 8))
    syms = psk(rng, 20, 2)
    ref = ci_block()
    y_ref, _ = ci_run(ref, syms, good)
    t.assertEqual(y_ref.shape, (20, 8))
    for H, why in ((np.zeros((2, 8)), "all zero"), (np.vstack([h, 0 * h]), "user 1's row all zero")):
        b = ci_block()
        with t.assertRaisesRegex(ValueError, r"H = %s is out of range; allowed: a non-zero row" % why):
            b.set_channel(H.astype(np.complex64).tolist())
        t.assertFalse(b.has_channel())
        b._post(pmt.intern("csi"), csi_dict(H))
        y, _ = ci_run(b, syms)
        t.assertEqual(y.shape, (0, 8))  # nothing radiated on it
        t.assertFalse(b.has_channel())
        # with a channel in use, the zero one is ignored: the same output
        b = ci_block()
        b.set_channel(good.astype(np.complex64).tolist())
        b._post(pmt.intern("csi"), csi_dict(H))
        y, _ = ci_run(b, syms)
        np.testing.assert_array_equal(y, y_ref)
    # co-located users (rank 1): designed for, by the setter and by a message alike
    hh = np.vstack([h, h])
    t.assertEqual(np.linalg.matrix_rank(hh.astype(np.complex64)), 1)
    a = ci_block()
    y, tags = ci_run(a, syms, hh)
    t.assertEqual(y.shape, (20, 8))
    t.assertTrue(in_dac_alphabet(y))
    differ = int(np.sum(syms[:, 0] != syms[:, 1]))  # the two users cannot both get these
    t.assertGreaterEqual(a.infeasible_count(), differ)
    t.assertGreater(differ, 0)
    t.assertEqual(sum(pmt.symbol_to_string(tg.key) == "isac_infeasible" for tg in tags),
                  a.infeasible_count())
    b = ci_block()
    b._post(pmt.intern("csi"), csi_dict(hh))
    y2, _ = ci_run(b, syms)
    np.testing.assert_array_equal(y2, y)
    t.assertEqual(b.infeasible_count(), a.infeasible_count())


@case("ci_precoder", "invalid size / NaN channel", "`set_channel` with 3 rows for 2 users, or a NaN entry",
      "`ValueError: H = 3 rows is out of range; allowed: 2 (n_users)` / "
      "`H = non-finite entry ... allowed: finite entries`; the previous channel stays")
def _(t):
    b = ci_block()
    with t.assertRaisesRegex(ValueError, "H = 3 rows"):
        b.set_channel(np.ones((3, 8), np.complex64).tolist())
    with t.assertRaisesRegex(ValueError, "non-finite"):
        b.set_channel(np.full((2, 8), np.nan, np.complex64).tolist())
    t.assertFalse(b.has_channel())


@case("ci_precoder", "NaN/Inf samples", "NaN / Inf user symbols",
      "finite output; the symbols are counted by `bad_symbol_count()`")
def _(t):
    rng = np.random.default_rng(4)
    s = psk(rng, 10, 2)
    s[2, 1] = np.nan
    s[4, 0] = np.inf
    b = ci_block()
    y, _ = ci_run(b, s, rng.standard_normal((2, 8)))
    t.assertTrue(np.all(np.isfinite(y)))
    t.assertEqual(b.bad_symbol_count(), 2)


@case("ci_precoder", "malformed / oversized messages", "`csi` of the wrong shape (3x8 for 2x8), "
      "5000x5000 announced with 4 entries, NaN entry, not a dict",
      "warning `csi message ignored: csi: ...`; no channel is installed by them; "
      "a later valid csi applies")
def _(t):
    rng = np.random.default_rng(6)
    b = ci_block()
    tb = gr.top_block()
    src = blocks.vector_source_c(psk(rng, 64, 2).ravel().tolist(), True, 2)
    tb.connect(src, b, blocks.null_sink(gr.sizeof_gr_complex * 8))
    for m in rel.bad_messages(rng, ["H"], 12) + [csi_dict(np.ones((3, 8)))]:
        b._post(pmt.intern("csi"), m)
    b._post(pmt.intern("csi"), csi_dict(rng.standard_normal((2, 8)), 0))  # then one valid one
    t.assertTrue(run_until(tb, b.has_channel), "valid csi not applied")


def ns_block(**kw):
    a = dict(n_tx=8, n_users=2, power=1.0, comm="zf", sinr_db=10.0, noise_var=0.01,
             sensing="beampattern", targets_deg=[30.0], beam_width_deg=10.0, frame_len=8)
    a.update(kw)
    b = isac.nullspace_precoder(**a)
    b.set_log_level("error")
    return b


@case("nullspace_precoder", "singular / rank-deficient H", "two identical user rows; H = 0 "
      "(comm 'zf', 'mrt', 'minpower')", "the design fails with a message on `stats` and in "
      "`last_design().message` (`H is rank-deficient (numerical rank 1 < K = 2) ... zf: ... allowed: "
      "full row rank for zero-forcing`); no design is used, so no output (input held back)")
def _(t):
    rng = np.random.default_rng(7)
    h = rng.standard_normal((1, 8)) + 1j * rng.standard_normal((1, 8))
    for comm, H in (("zf", np.vstack([h, h])), ("mrt", np.vstack([h, h])),
                    ("minpower", np.vstack([h, h])), ("zf", np.zeros((2, 8), complex))):
        b = ns_block(comm=comm)
        b.set_channel(H)
        t.assertTrue(b.wait_design(30.0))
        d = b.last_design()
        t.assertFalse(d.ok)
        t.assertIn("rank-deficient", d.message)
        t.assertEqual(b.design_id(), 0)


@case("nullspace_precoder", "infeasible QoS", "'minpower' with `sinr_db` = 60",
      "design reported not ok: `P_c = ... > P_t = 1: the communication design needs more than "
      "the total power`; the previous design (none here: no output) stays in use")
def _(t):
    b = ns_block(comm="minpower", sinr_db=60.0)
    b.set_channel(np.random.default_rng(8).standard_normal((2, 8)) + 0j)
    t.assertTrue(b.wait_design(30.0))
    d = b.last_design()
    t.assertFalse(d.ok)
    t.assertIn("P_t", d.message)
    t.assertEqual(b.design_id(), 0)


@case("nullspace_precoder", "missing channel / malformed messages", "symbols before any channel; "
      "`csi` messages not a dict, wrong shape, NaN, oversized",
      "no output until a first design exists (the input is held back, never a zero frame; an input that ends waits for a design in progress, up to 60 s, then 0.5 s more); "
      "warning `ignoring csi message: csi: ...`, no redesign")
def _(t):
    rng = np.random.default_rng(9)
    b = ns_block()
    for m in rel.bad_messages(rng, ["H"], 12) + [csi_dict(np.ones((3, 8)))]:
        b.post_csi(m)
    t.assertTrue(b.wait_design(5.0))
    t.assertEqual(b.design_id(), 0)
    tb = gr.top_block()
    snk = blocks.vector_sink_c(8)
    tb.connect(blocks.vector_source_c(psk(rng, 10, 2, 4).ravel().tolist(), False, 2), b, snk)
    tb.run()
    t.assertEqual(len(snk.data()), 0)


@case("one_bit_rx_filter", "invalid parameter", "`pfa` = 1; 1 clutter angle with 0 `cnr_db`; `adc` = '2bit'",
      "`ValueError` naming the parameter (`pfa = 1 is out of range; allowed: (0, 1)`)")
def _(t):
    mk = isac.one_bit_rx_filter
    with t.assertRaisesRegex(ValueError, r"pfa = 1(\.0+)? is out of range; allowed: \(0, 1\)"):
        mk(8, 8, 10.0, [], 15.0, [], 1.0, 1.0, "1bit")
    with t.assertRaisesRegex(ValueError, "cnr_db = an empty list is out of range"):
        mk(8, 8, 10.0, [1.0], 15.0, [], 1.0, 0.1, "1bit")
    with t.assertRaisesRegex(ValueError, "adc = '2bit'"):
        mk(8, 8, 10.0, [], 15.0, [], 1.0, 0.1, "2bit")


@case("one_bit_rx_filter", "a 1-bit setting no threshold can serve",
      "`n_rx` = 1 with `cpi_len` = 1 (any `pfa`); `n_rx` = 4, `cpi_len` = 1, `pfa` = 0.01 (below "
      "4^(1 - n_rx cpi_len)); the same through `set_pfa`",
      "`ValueError: n_rx * cpi_len = 4 * 1 = 4 complex 1-bit samples per decision cannot hold pfa = 0.01 "
      "(adc = \"1bit\"): ... use pfa >= 0.015625 or n_rx * cpi_len >= 5`; a setter keeps the last good "
      "state; a coarse setting (`n_rx` = 6, one snapshot) builds, warns once and sets `pfa_coarse()`")
def _(t):
    mk = isac.one_bit_rx_filter
    with t.assertRaisesRegex(ValueError, r"^n_rx \* cpi_len = 1 \* 1 = 1 .* cannot hold pfa = 0\.5 .*"
                                         r"use n_rx \* cpi_len >= 2$"):
        mk(8, 1, 10.0, [], 15.0, [], 1.0, 0.5, "1bit")
    with t.assertRaisesRegex(ValueError, r"^n_rx \* cpi_len = 4 \* 1 = 4 .* cannot hold pfa = 0\.01 .*"
                                         r"use pfa >= 0\.015625 or n_rx \* cpi_len >= 5$"):
        mk(8, 4, 10.0, [], 15.0, [], 1.0, 0.01, "1bit")
    b = mk(8, 6, 10.0, [], 15.0, [], 1.0, 0.01, "1bit")
    b.set_log_level("error")
    t.assertTrue(b.pfa_coarse())
    with t.assertRaisesRegex(ValueError, "cannot hold pfa = 0.0001"):
        b.set_pfa(1e-4)
    t.assertEqual(b.pfa(), 0.01)


@case("one_bit_rx_filter", "NaN/Inf samples, degenerate x", "NaN in r, Inf in x, x = 0 (c_0 = 0)",
      "z = 0 and statistic 0 for those snapshots (x = 0: statistic -1, no decision, counted by "
      "`no_decision_count()`); counted by `nan_count()` and `degenerate_count()`")
def _(t):
    rng = np.random.default_rng(10)
    b = isac.one_bit_rx_filter(8, 8, 10.0, [-30.0], 15.0, [20.0], 1.0, 1e-3, "1bit")
    r = (np.sign(rng.standard_normal((6, 8))) + 1j * np.sign(rng.standard_normal((6, 8)))).astype(np.complex64)
    x = np.ones((6, 8), np.complex64)
    r[1, 3] = np.nan
    x[2, 0] = np.inf
    x[4] = 0
    z, st = run_rx(b, r, x)
    t.assertTrue(np.all(z[[1, 2, 4]] == 0) and np.all(st[[1, 2]] == 0) and st[4] == -1)
    t.assertTrue(np.all(z[[0, 3, 5]] != 0))
    t.assertEqual(b.nan_count(), 2)
    t.assertEqual(b.degenerate_count(), 1)
    t.assertEqual(b.no_decision_count(), 1)


@case("one_bit_rx_filter", "malformed / oversized messages", "`set` messages: not a dict, NaN, "
      "strings, 100000-element vectors, improper lists, unknown keys, `pfa` = 2",
      "warning `set: ...; message ignored`; every parameter keeps its last good value; "
      "a later valid message applies")
def _(t):
    rng = np.random.default_rng(11)
    # CPIs of 16: one snapshot of 4 signs cannot hold 1e-3 (core.pfa_reach)
    b = isac.one_bit_rx_filter(4, 4, 10.0, [-30.0], 15.0, [20.0], 1.0, 1e-3, "1bit", 16)
    b.set_log_level("error")
    tb = gr.top_block()
    tb.connect(blocks.vector_source_c([1 + 1j] * 4 * 16, True, 4), (b, 0))
    tb.connect(blocks.vector_source_c([1 + 0j] * 4 * 16, True, 4), (b, 1))
    tb.connect((b, 0), blocks.null_sink(gr.sizeof_gr_complex))
    tb.connect((b, 1), blocks.null_sink(gr.sizeof_float))
    for m in rel.bad_messages(rng, ["target_deg", "pfa", "clutter_deg", "cnr_db"], 24):
        b._post(pmt.intern("set"), m)
    b._post(pmt.intern("set"), pmt.dict_add(pmt.make_dict(), pmt.intern("pfa"), pmt.from_double(2.0)))
    b._post(pmt.intern("set"), pmt.dict_add(pmt.make_dict(), pmt.intern("snr_r_db"), pmt.from_double(3.0)))
    t.assertTrue(run_until(tb, lambda: b.snr_r_db() == 3.0), "valid message not applied")
    t.assertEqual((b.target_deg(), b.pfa()), (10.0, 1e-3))
    t.assertEqual((list(b.clutter_deg()), list(b.cnr_db())), ([-30.0], [20.0]))


@case("doa_mle", "invalid parameter", "grid_min 10 > grid_max -10; grid_step 0; cpi_len 0",
      "`ValueError` naming the parameter (`grid_max_deg = -10.000000 is out of range; allowed: > "
      "grid_min_deg = 10.000000`)")
def _(t):
    with t.assertRaisesRegex(ValueError, "grid_max_deg"):
        isac.doa_mle(8, 16, "gaussian", 10.0, -10.0, 1.0, 0.1, 1.0)
    with t.assertRaisesRegex(ValueError, "grid_step_deg = 0"):
        isac.doa_mle(8, 16, "gaussian", -90.0, 90.0, 0.0, 0.1, 1.0)
    with t.assertRaisesRegex(ValueError, "cpi_len = 0"):
        isac.doa_mle(8, 0, "gaussian", -90.0, 90.0, 1.0, 0.1, 1.0)


@case("doa_mle", "invalid clutter", "`clutter_deg` = [91], [nan], 65 angles, or given with `n_tx` = 0 / "
      "mode \"gaussian\" / `p_gauss` > 0; the same through `set_clutter_deg`, `set_p_gauss`",
      "`ValueError` naming the parameter (`clutter_deg = an entry 91 is out of range; allowed: entries "
      "in [-90, 90] deg`); a setter keeps the old value; NaN/Inf in x (whose products form the "
      "clutter references) marks that CPI invalid only")
def _(t):
    args = (8, 16, "known", -90.0, 90.0, 0.5, 1.0, 0.0, "newton", 4, 23.0)
    with t.assertRaisesRegex(ValueError, "clutter_deg = an entry 91 is out of range"):
        isac.doa_mle(*args, [91.0])
    for bad in ([float("nan")], [10.0] * 65):
        with t.assertRaisesRegex(ValueError, "clutter_deg"):
            isac.doa_mle(*args, bad)
    with t.assertRaisesRegex(ValueError, "clutter_deg = a list of 1 angle is out of range"):
        isac.doa_mle(8, 16, "known", -90.0, 90.0, 0.5, 1.0, 0.0, "newton", 0, 0.0, [10.0])
    with t.assertRaisesRegex(ValueError, "clutter_deg"):
        isac.doa_mle(8, 16, "gaussian", -90.0, 90.0, 0.5, 1.0, 0.0, "newton", 0, 0.0, [10.0])
    with t.assertRaisesRegex(ValueError, "p_gauss"):
        isac.doa_mle(8, 16, "known", -90.0, 90.0, 0.5, 1.0, 0.5, "newton", 4, 0.0, [10.0])
    b = isac.doa_mle(*args, [10.0, -33.0])
    b.set_log_level("error")
    with t.assertRaisesRegex(ValueError, "clutter_deg"):
        b.set_clutter_deg([95.0])
    with t.assertRaisesRegex(ValueError, "p_gauss"):
        b.set_p_gauss(0.5)
    t.assertEqual(list(b.clutter_deg()), [10.0, -33.0])
    t.assertEqual(b.p_gauss(), 0.0)
    # two CPIs of 16 snapshots, an Inf transmit sample in the first
    rng = np.random.default_rng(15)
    L = 16
    x = (rng.choice([-1.0, 1.0], (2 * L, 4)) + 1j * rng.choice([-1.0, 1.0], (2 * L, 4))) / np.sqrt(8)
    c = x @ isac.steering(4, 23.0, normalize=True)
    y = np.outer(c, isac.steering(8, 23.0, normalize=True)) + 0.1 * rng.standard_normal((2 * L, 8))
    x[3, 1] = np.inf
    tb = gr.top_block()
    snk, dbg = blocks.vector_sink_f(), blocks.message_debug()
    tb.connect(blocks.vector_source_c(y.astype(np.complex64).ravel().tolist(), False, 8), (b, 0))
    tb.connect(blocks.vector_source_c(x.astype(np.complex64).ravel().tolist(), False, 4), (b, 1))
    tb.connect(b, snk)
    tb.msg_connect(b, "doa", dbg, "store")
    tb.run()
    est = np.array(snk.data())
    t.assertEqual(len(est), 2)
    t.assertTrue(np.isnan(est[0]))
    t.assertLess(abs(est[1] - 23.0), 2.0)
    t.assertEqual(b.invalid_count(), 1)
    t.assertEqual([pmt.to_python(dbg.get_message(k))["valid"] for k in range(2)], [False, True])


@case("doa_mle", "NaN/Inf samples", "a NaN sample inside a CPI",
      "that CPI's estimate is NaN and its `doa` message has valid = #f (NaN numbers); one warning, "
      "then counted by `invalid_count()`; the next CPI is estimated normally")
def _(t):
    rng = np.random.default_rng(12)
    b = isac.doa_mle(8, 4, "gaussian", -90.0, 90.0, 1.0, 0.1, 1.0)
    b.set_log_level("error")
    y = (rng.standard_normal((8, 8)) + 1j * rng.standard_normal((8, 8))).astype(np.complex64)
    y[1, 2] = np.nan
    tb = gr.top_block()
    snk, dbg = blocks.vector_sink_f(), blocks.message_debug()
    tb.connect(blocks.vector_source_c(y.ravel().tolist(), False, 8), b, snk)
    tb.msg_connect(b, "doa", dbg, "store")
    tb.run()
    est = np.array(snk.data())
    t.assertTrue(np.isnan(est[0]) and np.isfinite(est[1]))
    t.assertEqual(b.invalid_count(), 1)
    m0 = pmt.to_python(dbg.get_message(0))
    t.assertFalse(m0["valid"])
    t.assertTrue(pmt.to_python(dbg.get_message(1))["valid"])


# ---------------------------------------------------------------- extreme samples
# Finite inputs at the edges of single precision: overflow to Inf is counted and
# never reported as a detection or a valid estimate; a CPI without usable
# signal is invalid; a calibration needs usable data.

@case("isac_channel", "extreme samples", "x = 1e38 (finite, products overflow single precision)",
      "user and echo outputs stay finite; a snapshot whose products overflow is processed as "
      "x = 0 (or its overflowing outputs set to 0) and counted by `nonfinite_count()` "
      "(they were Inf and uncounted)")
def _(t):
    b = isac.isac_channel(8, 2, 8, comm_noise_var=[0.1], seed=3, target_deg=20.0, clutter_deg=[],
                          cnr_db=[], cpi_len=1)
    x = np.full((10, 8), 1e38 + 1e38j, np.complex64)
    x[::2] = 0.1
    tb = gr.top_block()
    ys, rs = blocks.vector_sink_c(2), blocks.vector_sink_c(8)
    tb.connect(blocks.vector_source_c(x.ravel().tolist(), False, 8), b)
    tb.connect((b, 0), ys)
    tb.connect((b, 1), rs)
    tb.run()
    t.assertTrue(np.all(np.isfinite(ys.data())) and np.all(np.isfinite(rs.data())))
    # every snapshot whose users' outputs H x overflow single precision is counted
    H = np.array(b.channel()).reshape(2, 8)
    over = int(np.sum(np.any(np.abs(x.astype(np.complex128) @ H.T) > 3.4e38, axis=1)))
    t.assertGreaterEqual(b.nonfinite_count(), max(over, 1))
    t.assertLessEqual(b.nonfinite_count(), 5)
    y = np.array(ys.data()).reshape(-1, 2)
    t.assertTrue(np.all(np.abs(y[::2]) < 10))  # the ordinary snapshots are untouched


@case("one_bit_rx_filter", "extreme samples", "r = 1e38 (also r scaled by any positive factor) "
      "in 1-bit mode",
      "the same statistic as for sign(r): no false detection (was a statistic of 1e38)")
def _(t):
    rng = np.random.default_rng(13)
    r = (rng.standard_normal((64, 8)) + 1j * rng.standard_normal((64, 8))).astype(np.complex64)
    x = np.sign(rng.standard_normal((64, 8))).astype(np.complex64) / np.sqrt(8)
    stats = []
    for scale in (1.0, 1e38 / 4):
        b = isac.one_bit_rx_filter(8, 8, 10.0, [-30.0], 15.0, [20.0], 1.0, 1e-3, "1bit")
        stats.append(run_rx(b, r * np.float32(scale), x)[1])
    t.assertTrue(np.all(np.isfinite(stats[1])))
    np.testing.assert_allclose(stats[1], stats[0], rtol=1e-5)


@case("one_bit_rx_filter", "extreme samples", "denormal x (||x||^2 below the smallest normal float); "
      "`set_threshold_scale(1e-300)`",
      "nothing transmitted: z = 0 and statistic -1, no decision (was non-finite), counted by "
      "`degenerate_count()` and `no_decision_count()`; "
      "`ValueError: threshold_scale = 1e-300 is out of range; allowed: [1e-30, 1e30]`")
def _(t):
    b = isac.one_bit_rx_filter(8, 8, 10.0, [], 15.0, [], 1.0, 1e-3, "1bit")
    with t.assertRaisesRegex(ValueError, "threshold_scale"):
        b.set_threshold_scale(1e-300)
    x = np.full((4, 8), 1e-39, np.complex64)
    r = np.ones((4, 8), np.complex64)
    z, st = run_rx(b, r, x)
    t.assertTrue(np.all(z == 0) and np.all(st == -1))
    t.assertEqual(b.degenerate_count(), 4)
    t.assertEqual(b.no_decision_count(), 4)


@case("one_bit_radar_rx", "extreme samples", "an all-NaN echo",
      "statistic 0 on every snapshot (was > 0) and the snapshots counted by the filter's `nan_count()`")
def _(t):
    rx = isac.one_bit_radar_rx(8, 8, 10.0, [-30.0], 15.0, [20.0], 1.0, 1e-3, "1bit")
    r = np.full((16, 8), np.nan + 1j * np.nan, np.complex64)
    x = np.ones((16, 8), np.complex64) / np.sqrt(8)
    t.assertTrue(np.all(run_rx(rx, r, x)[1] == 0))
    t.assertEqual(rx.filter.nan_count(), 16)


def _doa_run(y, c, mode="known", noise_var=1.0):
    n, R = y.shape
    b = isac.doa_mle(R, n, mode, -90.0, 90.0, 0.5, noise_var)
    b.set_log_level("error")
    tb = gr.top_block()
    snk, dbg = blocks.vector_sink_f(), blocks.message_debug()
    tb.connect(blocks.vector_source_c(y.ravel().tolist(), False, R), (b, 0))
    if mode == "known":
        tb.connect(blocks.vector_source_c(c.tolist(), False), (b, 1))
    tb.connect(b, snk)
    tb.msg_connect(b, "doa", dbg, "store")
    tb.run()
    return np.array(snk.data()), pmt.to_python(dbg.get_message(0))


@case("doa_mle", "extreme samples", "an all-zero CPI; an echo scaled by 1e-25 or 1e18 with "
      "`noise_var` scaled alike",
      "zero CPI: NaN and valid = #f (was -90 deg, valid); scaled echoes: the same estimate as "
      "unscaled, valid (were -90 deg or NaN)")
def _(t):
    rng = np.random.default_rng(14)
    n, R, th = 64, 8, 17.3
    g = isac.steering(R, th, normalize=True)
    c = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64)
    w = (rng.standard_normal((n, R)) + 1j * rng.standard_normal((n, R))) * np.sqrt(0.05)
    y = (3.0 * np.outer(c, g) + w).astype(np.complex128)
    est, m = _doa_run(np.zeros((n, R), np.complex64), c)
    t.assertTrue(np.isnan(est[0]))
    t.assertFalse(m["valid"])
    ref, m = _doa_run(y.astype(np.complex64), c, noise_var=0.1)
    t.assertTrue(m["valid"])
    t.assertLess(abs(ref[0] - th), 2.0)
    # noise_var scaled alike as far as single precision holds it (1e-25^2 is not a float)
    for scale in (1e-25, 1e-18, 1e18):
        est, m = _doa_run((y * scale).astype(np.complex64), c, noise_var=max(0.1 * scale ** 2, 1e-37))
        t.assertTrue(m["valid"], "scale %g" % scale)
        t.assertAlmostEqual(float(est[0]), float(ref[0]), delta=0.05)


@case("array_phase_estimator", "extreme samples", "NaN-only, zero-only or denormal-only calibration data",
      "nothing is published; each average is counted by `rejected_count()` (a calibration was "
      "published from it)")
def _(t):
    for fill in (np.nan, 0.0, 1e-41):
        est = isac.array_phase_estimator(4, 0.0, 32)
        est.set_log_level("error")
        dbg = blocks.message_debug()
        tb = gr.top_block()
        tb.connect(blocks.vector_source_c([complex(fill, fill)] * 4 * 64, False, 4), est)
        tb.msg_connect(est, "cal", dbg, "store")
        tb.run()
        t.assertEqual(dbg.num_messages(), 0, "published from %r" % fill)
        t.assertEqual(est.rejected_count(), 2)
        t.assertIsNone(est.phases())


@case("array_phase_corrector", "extreme samples", "weights with a zero or infinite entry "
      "(setter or `cal` message)",
      "`ValueError: weights = an entry 0+0j is out of range; allowed: finite non-zero values`; "
      "a message with them is logged and ignored (was accepted)")
def _(t):
    fix = isac.array_phase_corrector(4)
    fix.set_log_level("error")
    for w in ([1, 0, 1, 1], [1, np.inf, 1, 1]):
        with t.assertRaisesRegex(ValueError, "weights"):
            fix.set_weights(np.array(w, np.complex64))
        d = pmt.dict_add(pmt.make_dict(), pmt.intern("weights"),
                         pmt.init_c32vector(4, [complex(v) for v in w]))
        fix._handle(d)
    t.assertEqual(fix.updates(), 0)
    np.testing.assert_array_equal(fix.weights(), np.ones(4))


@case("every block", "dB parameters", "`gamma_db` = 1e30, `snr_r_db` = 1e30, `chi_db` = 1e30, "
      "`sinr_db` = 1e30; a hier block with `n_tx` = 0",
      "`ValueError` naming the parameter as written, in dB (`gamma_db = 1e+30 is out of range`), "
      "never its linear value; hier blocks name `n_tx`/`n_rx`, not `gr::io_signature`")
def _(t):
    with t.assertRaisesRegex(ValueError, "gamma_db"):
        isac.ci_precoder(8, 2, 4, 1.0, 0.1, 1e30, 10.0, [], 15.0, [], 8)
    with t.assertRaisesRegex(ValueError, "snr_r_db"):
        isac.ci_precoder(8, 2, 4, 1.0, 0.1, 0.0, 10.0, [], 1e30, [], 8)
    with t.assertRaisesRegex(ValueError, "chi_db"):
        isac.ci_precoder(8, 2, 4, 1.0, 0.1, 0.0, 10.0, [], 15.0, [], 8, "qod", 1e30)
    with t.assertRaisesRegex(ValueError, "sinr_db"):
        isac.nullspace_precoder(8, 2, 1.0, "zf", 1e30, 1.0, "none", [], 10.0, 16)
    with t.assertRaisesRegex(ValueError, "snr_r_db"):
        isac.one_bit_rx_filter(8, 8, 10.0, [], 1e30, [], 1.0, 1e-3, "1bit")
    with t.assertRaisesRegex(ValueError, "n_tx"):
        isac.one_bit_isac_tx(0, 2)
    with t.assertRaisesRegex(ValueError, "n_rx"):
        isac.one_bit_radar_rx(8, 0)
    with t.assertRaisesRegex(ValueError, "n_rx"):
        isac.bistatic_doa_rx(8, 0)


@case("psk_ser_meter", "NaN/Inf samples", "NaN or Inf sent symbols on in1 (in one user's entry)",
      "the snapshot is left out of `count()`, `errors()` and the SER and counted by `ref_nonfinite()` "
      "(also in the `ser` message); a NaN received symbol on in0 stays a symbol error "
      "(was: a NaN sent symbol was scored as symbol 0, errors no receiver made)")
def _(t):
    rng = np.random.default_rng(31)
    U, M, L = 2, 4, 3000
    pts = np.array(isac.psk_points(M))
    s = pts[rng.integers(0, M, (L, U))].astype(np.complex64)
    y = (s + 0.4 * (rng.standard_normal((L, U)) + 1j * rng.standard_normal((L, U)))).astype(np.complex64)
    s[1000:1040, 1] = np.nan
    s[2000:2005, 0] = complex(np.inf, 0)
    y[500:510, 0] = np.nan
    keep = np.all(np.isfinite(s), axis=1)
    # one report, at the last counted snapshot
    meter = isac.psk_ser_meter(U, M, 0, int(keep.sum()))
    meter.set_log_level("off")
    tb = gr.top_block()
    store = blocks.message_debug()
    tb.connect(blocks.vector_source_c(y.ravel().tolist(), False, U), (meter, 0))
    tb.connect(blocks.vector_source_c(s.ravel().tolist(), False, U), (meter, 1))
    out = blocks.vector_sink_f(U)
    tb.connect(meter, out)
    tb.msg_connect(meter, "ser", store, "store")
    tb.run()

    def nearest(v):
        return np.argmin(np.abs(v[..., None] - pts), axis=-1)

    with np.errstate(invalid="ignore"):
        err = (nearest(np.nan_to_num(y, nan=0.0)) != nearest(np.nan_to_num(s, nan=0.0)))
    err[~np.isfinite(y)] = True
    t.assertEqual(meter.count(), int(keep.sum()))
    t.assertEqual(meter.ref_nonfinite(), int((~keep).sum()))
    np.testing.assert_array_equal(meter.errors(), err[keep].sum(axis=0))
    np.testing.assert_allclose(np.array(out.data()).reshape(-1, U)[-1], err[keep].sum(axis=0) / keep.sum(),
                               rtol=1e-6)
    t.assertEqual(store.num_messages(), 1)
    t.assertEqual(pmt.to_uint64(pmt.dict_ref(store.get_message(0), pmt.intern("ref_nonfinite"), pmt.PMT_NIL)),
                  int((~keep).sum()))


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


def _doc_holds_the_table(self):
    # a row added to the document by hand has no test behind it
    doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "bad_input.md")
    if not os.path.exists(doc):  # an installed copy runs without the source tree
        self.skipTest("docs/bad_input.md not beside this file")
    with open(doc) as f:
        text = f.read()
    self.assertIn(markdown(), text, "docs/bad_input.md differs from `qa_bad_input.py --markdown`")


qa_bad_input.test_999_document_holds_the_generated_table = _doc_holds_the_table


if __name__ == "__main__":
    if "--markdown" in sys.argv:
        print(markdown())
    else:
        gr_unittest.run(qa_bad_input)
