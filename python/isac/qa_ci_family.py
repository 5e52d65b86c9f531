#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""ci_precoder on a fixed subset of the CI scenario family (bench/ci_family.py,
docs/ci_precoder.md) against the exact-ILP reference cached in
bench/ci_family_ref.json (scipy/HiGHS MM from several starts):

- every instance the reference found feasible gets a feasible x (margins from
  their definition in numpy), and the QSCNRs of both designs come from a dense
  N_R x N_R formula, not from the module;
- the mean gaps of the real-time and quality presets stay within the tolerances
  below (measured on this subset, docs/ci_precoder.md has the full family);
- between the family's array sizes (N_T = 48 and 56, bench/ci_preset_between.py)
  the real-time preset stays within a bound of the quality preset's designs, its
  starts switch at N_T = 56 and 64, and solver "fast" designs from the beam alone;
- the block designs on its worker pool: threads = 1 and 2 give bit-identical
  output and tags, item by item equal to the core design of that item's symbols'
  rotation class (the canonical member's design turned by j^r, M % 4 == 0;
  fam.class_design), class repeats too, which the block copies from its design
  cache; the four members of a class are turns of one another bit for bit,
  whatever the thread count, call split or stream order.
"""

import os
import sys

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

try:
    from gnuradio import isac
except ImportError:
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio import isac

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench")
sys.path.insert(0, BENCH)
import ci_family as fam  # noqa: E402
from gnuradio.isac.util import assert_same  # noqa: E402

# the subset: N_T = 32 draws 0..SUBSET-1 (family draws are fixed by (N_T, index))
SUBSET = 16
# mean gap (dB) to the best known design over the subset's 14 feasible draws:
# measured 0.11 (real time, with its feasible starts at N_T <= 32) and 0.02 (quality);
# the tolerances leave room for rounding-level changes, not for a regression to the
# real-time preset without those starts (1.51 dB here)
TOL_MEAN_DB = {"realtime": 0.3, "quality": 0.15}


def run_block(inst, k, threads=1, dac="1bit", solver="realtime", max_items=0):
    """The block on the symbol indices k (one row per vector), the instance's channel
    set before the run: (stats of the whole run, output rows, isac_infeasible offsets)."""
    U, N, M = inst["n_users"], inst["n_tx"], inst["psk_order"]
    syms = np.exp(2j * np.pi * k / M).astype(np.complex64)
    tb = gr.top_block()
    args = list(fam.block_args(inst, solver=solver, threads=threads))
    args[13] = dac
    args[-2] = len(k)  # stats_interval: one message for the whole run
    blk = isac.ci_precoder(*args)
    blk.set_channel(inst["H"].astype(np.complex64).tolist())
    if max_items:  # work() calls of at most max_items vectors
        blk.set_max_noutput_items(max_items)
    src = blocks.vector_source_c(syms.ravel().tolist(), False, U)
    snk = blocks.vector_sink_c(N)
    tb.connect(src, blk, snk)
    tb.run()
    tags = sorted(t.offset for t in snk.tags()
                  if pmt.symbol_to_string(t.key) == "isac_infeasible")
    y = np.array(snk.data(), dtype=np.complex64).reshape(-1, N)
    return pmt.to_python(blk.last_stats()), y, tags


def steer(n, deg):
    return np.exp(-1j * np.pi * np.arange(n) * np.sin(np.deg2rad(deg))) / np.sqrt(n)


def dense_qscnr(inst, x):
    """Theorem-1 QSCNR (1-bit ADC, optimal filter) with the N_R x N_R interference
    matrix formed explicitly: mu |c_0|^2 g_0^H M^-1 g_0."""
    n, nr = inst["n_tx"], inst["n_rx"]
    snr_r = 10 ** (fam.SNR_R_DB / 10)
    Mx = np.eye(nr, dtype=complex)
    for th, cnr in zip(inst["clutter_deg"], inst["cnr_db"]):
        cq = steer(n, th) @ x
        g = steer(nr, th)
        Mx += (2 / np.pi) * 10 ** (cnr / 10) * abs(cq) ** 2 * np.outer(g, g.conj())
    c0 = steer(n, inst["target_deg"]) @ x
    g0 = steer(nr, inst["target_deg"])
    return (2 / np.pi) * snr_r * abs(c0) ** 2 * np.real(g0.conj() @ np.linalg.solve(Mx, g0))


def np_margins(inst, x, k=None):
    M = inst["psk_order"]
    s = np.exp(2j * np.pi * np.asarray(inst["k"] if k is None else k) / M)
    z = np.exp(-1j * np.angle(s)) * (inst["H"] @ x)
    return z.real - (1 / np.tan(np.pi / M)) * np.abs(z.imag)


def lam(inst):
    return np.sqrt(10 ** (inst["gamma_db"] / 10) * fam.noise_var(inst))


class qa_ci_family(gr_unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cache = fam.load(os.path.join(BENCH, "ci_family_ref.json"))
        cls.subset = []
        for i in range(SUBSET):
            inst = fam.draw(32, i)
            cls.subset.append((inst, cache[fam.key(inst)]))

    def test_001_quality_vs_exact_reference(self):
        n_feasible = 0
        missed = {p: [] for p in TOL_MEAN_DB}
        gaps = {p: [] for p in TOL_MEAN_DB}
        for inst, e in self.subset:
            ref = fam.reference_feasibility(e)
            q_ref = None
            if ref:
                n_feasible += 1
                _, xs, _ = fam.best_known(e)
                x_ref = fam.decode_x(xs, inst["n_tx"])
                self.assertGreaterEqual(np_margins(inst, x_ref).min(), lam(inst) * (1 - 1e-7))
                q_ref = dense_qscnr(inst, x_ref)
            for preset in TOL_MEAN_DB:
                r = fam.solver(inst, solver=preset).solve_indices(inst["k"])
                x = np.asarray(r["x"])
                c = np.sqrt(1.0 / (2 * inst["n_tx"]))
                np.testing.assert_allclose(np.abs(x.real), c, rtol=1e-12)
                np.testing.assert_allclose(np.abs(x.imag), c, rtol=1e-12)
                feasible = np_margins(inst, x).min() >= lam(inst) * (1 - 1e-9)
                self.assertEqual(bool(r["feasible"]), feasible,
                                 f"{preset} #{inst['index']}: flag vs margins")
                if ref is False:
                    self.assertFalse(r["feasible"], f"{preset} #{inst['index']}")
                if ref and not feasible:
                    missed[preset].append(inst["index"])
                elif ref:
                    gaps[preset].append(10 * np.log10(q_ref / dense_qscnr(inst, x)))
        self.assertGreaterEqual(n_feasible, SUBSET - 2)
        # draw #5 (U = 6, 16-PSK) has rare feasible points that the budgeted
        # feasibility search does not reach: the quality preset's random objectives
        # after that search find one; the real-time default leaves it infeasible
        # (known limit, docs/ci_precoder.md). Every other feasible draw must get a
        # feasible x from both.
        self.assertEqual(missed["quality"], [])
        self.assertLessEqual(set(missed["realtime"]), {5})
        for preset, tol in TOL_MEAN_DB.items():
            self.assertLessEqual(np.mean(gaps[preset]), tol, preset)
        # the quality preset is never far below the real-time default on average
        self.assertLessEqual(np.mean(gaps["quality"]), np.mean(gaps["realtime"]))

    def test_002_threads_bit_identical_in_order(self):
        # N_T = 16 draw with feasible and infeasible snapshots: 1 and 2 threads
        inst = fam.draw(16, 4)
        U, N, M = inst["n_users"], inst["n_tx"], inst["psk_order"]
        rng = np.random.default_rng(17)
        k = rng.integers(0, M, (120, U))
        outs = []
        # U = 4, 4-PSK: 256 symbol vectors in 64 rotation classes, so the block's
        # design cache serves class repeats
        repeats = len(k) - len({tuple(r) for r in fam.rotation_class(k, M)[0]})
        self.assertGreater(repeats, 10)
        for threads in (1, 2):
            st, y, tags = run_block(inst, k, threads)
            self.assertEqual((st["cache_hits"], st["solved"]), (repeats, len(k) - repeats))
            outs.append((y, tags))
        (y1, t1), (y2, t2) = outs
        self.assertEqual(y1.shape, (len(k), N))
        self.assertTrue(np.array_equal(y1.view(np.uint32), y2.view(np.uint32)))
        assert_same(t1, t2)
        # both feasible and infeasible snapshots occur, so the tags check something
        self.assertGreater(len(t1), 0)
        self.assertLess(len(t1), len(k))
        # order: item i is the design of item i's symbols' class (channel as the block
        # got it), class repeats copied from the cache included
        inst32 = dict(inst, H=inst["H"].astype(np.complex64).astype(complex))
        S = fam.solver(inst32)
        for i in range(len(k)):
            r = fam.class_design(S, k[i], M)
            self.assertTrue(np.array_equal(r["x"], y1[i]), f"item {i}")
            self.assertEqual(not r["feasible"], i in t1, f"item {i}")

    def test_003_cache_repeats_of_continuous_designs(self):
        # dac "inf": the designs are not 1-bit vectors, so the design cache keeps them
        # whole; its repeats must still be the core's design bit for bit
        inst = fam.draw(16, 4)
        U, M = inst["n_users"], inst["psk_order"]
        k = np.random.default_rng(23).integers(0, M, (20, U))
        k = np.concatenate([k, k[::-1]])  # every vector at least twice
        repeats = len(k) - len({tuple(r) for r in fam.rotation_class(k, M)[0]})
        st, y, _ = run_block(inst, k, dac="inf")
        self.assertEqual((st["cache_hits"], st["solved"]), (repeats, len(k) - repeats))
        # the block's max_iter (default 10) caps the core's runs; the core's own default
        # (0) would give the infinite-resolution DAC's QoS 100
        S = fam.solver(dict(inst, H=inst["H"].astype(np.complex64).astype(complex)),
                       dac="inf", max_iter=10)
        for i in range(len(k)):
            x = fam.class_design(S, k[i], M)["x"]
            self.assertGreater(len(np.unique(np.abs(x.real))), 1)  # not a 1-bit vector
            self.assertTrue(np.array_equal(x.view(np.uint32), y[i].view(np.uint32)), f"item {i}")


    def class_stream(self, inst, n_classes, seed):
        """The 4 members of n_classes distinct rotation classes in shuffled order:
        (k, canonical row of each item, quarter turns of each item)."""
        U, M = inst["n_users"], inst["psk_order"]
        rng = np.random.default_rng(seed)
        canon = set()
        while len(canon) < n_classes:
            c = rng.integers(0, M, U)
            c[0] %= M // 4
            canon.add(tuple(int(v) for v in c))
        canon = np.array(sorted(canon))
        cls = np.repeat(np.arange(n_classes), 4)
        rot = np.tile(np.arange(4), n_classes)
        perm = rng.permutation(len(cls))
        cls, rot = cls[perm], rot[perm]
        k = (canon[cls] + rot[:, None] * (M // 4)) % M
        return k, cls, rot

    def test_004_rotation_classes(self):
        # random scene (target and 3 clutter patches at random angles), U = 3, 8-PSK,
        # Gamma = 5.6 dB at N_T = 16: feasible and infeasible classes
        inst = fam.draw(16, 21)
        U, N, M = inst["n_users"], inst["n_tx"], inst["psk_order"]
        self.assertEqual(M % 4, 0)
        k, cls, rot = self.class_stream(inst, 24, 41)
        st, y, tags = run_block(inst, k)
        # one design per class, the other three members copied from the cache
        self.assertEqual((st["solved"], st["cache_hits"]), (24, 72))
        S = fam.solver(dict(inst, H=inst["H"].astype(np.complex64).astype(complex)))
        first = {}
        n_feasible = 0
        for i in range(len(k)):
            # the core design of the canonical member, turned in numpy
            r = fam.class_design(S, k[i], M)
            self.assertTrue(np.array_equal(r["x"].view(np.uint32), y[i].view(np.uint32)),
                            f"item {i}")
            self.assertEqual(not r["feasible"], i in tags, f"item {i}")
            # every member is j^r times its class's canonical member's output
            c0 = first.setdefault(cls[i], (i, rot[i]))
            turned = fam.quarter_turn(y[c0[0]], rot[i] - c0[1])
            self.assertTrue(np.array_equal(turned.view(np.uint32), y[i].view(np.uint32)))
            if i not in tags:
                n_feasible += 1
                a = np_margins(inst, y[i].astype(complex), k[i])
                self.assertGreaterEqual(a.min(), lam(inst) * (1 - 1e-5), f"item {i}")
        self.assertGreater(n_feasible, 0)
        self.assertLess(n_feasible, len(k))
        # threads, call split (calls of at most 5 or 13 vectors, so a class's
        # members land in different calls) and stream order: the same output per vector
        order = np.random.default_rng(3).permutation(len(k))
        for threads, max_items, idx in ((2, 0, np.arange(len(k))), (1, 5, order),
                                        (2, 13, order[::-1])):
            _, y2, tags2 = run_block(inst, k[idx], threads, max_items=max_items)
            self.assertTrue(np.array_equal(y2.view(np.uint32), y[idx].view(np.uint32)),
                            f"threads {threads}, calls of <= {max_items}")
            assert_same(sorted(tags2), sorted(np.flatnonzero(np.isin(idx, tags))))

    def test_005_rotation_classes_cache_full(self):
        # 16-PSK, U = 3: 1024 classes; at the 1 MiB memory limit the cache holds
        # 16 KiB / (8 B x 16) = 128 of them, so the stream's other classes are
        # designed anew for every member: the same output as with the cache
        inst = fam.draw(16, 0)
        M = inst["psk_order"]
        k, cls, rot = self.class_stream(inst, 160, 43)
        _, y, _ = run_block(inst, k)
        limit = isac.memory_limit()
        try:
            isac.set_memory_limit(1 << 20)
            st, y2, _ = run_block(inst, k, threads=2)
        finally:
            isac.set_memory_limit(limit)
        self.assertTrue(np.array_equal(y.view(np.uint32), y2.view(np.uint32)))
        self.assertEqual(st["solved"] + st["cache_hits"], len(k))
        self.assertGreater(st["solved"], 160)  # members designed past the cap
        S = fam.solver(dict(inst, H=inst["H"].astype(np.complex64).astype(complex)))
        for i in range(0, len(k), 7):
            self.assertTrue(np.array_equal(fam.class_design(S, k[i], M)["x"], y[i]))

    def test_006_lut_rotation_classes(self):
        # the table (solver "lut") stores one entry per class, designed with the
        # table preset (not the real-time one the stream designs with, so the two
        # modes need not agree): each output is the table preset's core design of
        # its canonical member, turned
        inst = fam.draw(16, 21)
        M = inst["psk_order"]
        k, cls, rot = self.class_stream(inst, 24, 47)
        st, y, _ = run_block(inst, k, solver="lut")
        self.assertEqual(st["lut_hits"], len(k))
        S = fam.solver(dict(inst, H=inst["H"].astype(np.complex64).astype(complex)),
                       solver="table")
        for i in range(len(k)):
            self.assertTrue(np.array_equal(fam.class_design(S, k[i], M)["x"], y[i]),
                            f"item {i}")

    def test_007_realtime_between_family_sizes(self):
        # array sizes between the family's 32 and 64 (bench/ci_preset_between.py):
        # the real-time preset's mean gap to the better of its own and the quality
        # preset's design (QSCNRs from the dense formula; not the exact-ILP reference)
        # on the draws' own symbols. Measured on these 10 draws: 0.31 dB at N_T = 48
        # (all starts) and 0.29 at 56 (the max-min start); the beam alone, the
        # preset above N_T = 32 before, leaves 1.44 and 1.18 dB. The bound is the
        # real-time goal at N_T = 32 with room for rounding-level changes.
        for N in (48, 56):
            gaps = []
            for i in range(10):
                inst = fam.draw(N, i)
                q = {}
                for preset in ("realtime", "quality"):
                    r = fam.solver(inst, solver=preset).solve_indices(inst["k"])
                    x = np.asarray(r["x"])
                    feasible = np_margins(inst, x).min() >= lam(inst) * (1 - 1e-9)
                    self.assertEqual(bool(r["feasible"]), feasible, f"{preset} {N} #{i}")
                    q[preset] = dense_qscnr(inst, x) if feasible else 0.0
                # every one of these draws is feasible, and both presets find it so
                self.assertGreater(min(q.values()), 0.0, f"N_T = {N} #{i}")
                gaps.append(10 * np.log10(max(q.values()) / q["realtime"]))
            self.assertLessEqual(np.mean(gaps), 0.6, f"N_T = {N}: {np.round(gaps, 3)}")

    def test_008_realtime_starts_at_thresholds(self):
        # the mean-gap bound above cannot tell the full set of starts from the max-min
        # start alone at 48 (0.31 against 0.57 dB on those draws): the thresholds
        # themselves, all starts to 55, the max-min start alone at 56-63, the beam
        # alone from 64 on, with no size past 64 singled out
        # (docs/ci_precoder_measurements.md, "Between the family's array sizes")
        expect = {55: (8, 2, True), 56: (0, 1, True), 63: (0, 1, True), 64: (0, 1, False),
                  65: (0, 1, False), 95: (0, 1, False), 96: (0, 1, False),
                  128: (0, 1, False)}
        for n, want in expect.items():
            t = isac.core.ci_preset_tuning("realtime", n)
            self.assertEqual((t["random_starts"], t["phases"], t["feasible_start"]), want,
                             f"N_T = {n}")

    def test_009_fast_is_the_beam_alone(self):
        # solver "fast": the real-time MM from the target beam alone at every N_T (the
        # real-time preset above N_T = 32 before its starts were extended to 63): at
        # N_T = 48 its designs are bit for bit those of the real-time preset with the
        # starts switched off, and not the real-time preset's own
        beam_only = dict(feasible_start=False, feasible_margin=0.0, random_starts=0,
                         phases=1, phase_paths=1)
        differs = 0
        for i in range(4):
            inst = fam.draw(48, i)
            fast = fam.solver(inst, solver="fast").solve_indices(inst["k"])
            ref = fam.solver(inst, tuning=beam_only).solve_indices(inst["k"])
            rt = fam.solver(inst).solve_indices(inst["k"])
            x = np.asarray(fast["x"])
            self.assertTrue(np.array_equal(x.view(np.uint64),
                                           np.asarray(ref["x"]).view(np.uint64)), f"#{i}")
            self.assertEqual(fast["feasible"], ref["feasible"])
            self.assertGreaterEqual(np_margins(inst, x).min(), lam(inst) * (1 - 1e-9))
            differs += not np.array_equal(x, np.asarray(rt["x"]))
        self.assertGreater(differs, 0)
        # the block accepts it (constructor, setter, getter) and designs with it
        inst = fam.draw(48, 0)
        M = inst["psk_order"]
        k, _, _ = self.class_stream(inst, 6, 53)
        _, y, _ = run_block(inst, k, solver="fast")
        S = fam.solver(dict(inst, H=inst["H"].astype(np.complex64).astype(complex)),
                       solver="fast")
        for i in range(len(k)):
            self.assertTrue(np.array_equal(fam.class_design(S, k[i], M)["x"], y[i]),
                            f"item {i}")
        blk = isac.ci_precoder(*fam.block_args(inst, solver="realtime"))
        blk.set_solver("fast")
        self.assertEqual(blk.solver(), "fast")
        with self.assertRaisesRegex(Exception, "'fast'"):
            isac.ci_precoder(*fam.block_args(inst, solver="fastest"))


if __name__ == "__main__":
    gr_unittest.run(qa_ci_family)
