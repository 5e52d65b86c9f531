#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""one_bit_quantizer against numpy's sign rule (1-bit ISAC paper eq. (1), Sec. II)."""

import threading

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

try:
    from gnuradio import isac
except ImportError:
    import os
    import sys
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio import isac


def np_sign(v):
    # the sign rule: sgn(v) = -1 iff v < 0 (so +0, -0 and NaN give +1)
    return np.where(v < 0, -1.0, 1.0)


def np_quantize(x, mode, power):
    n = x.shape[-1]
    amp = np.sqrt(power / (2 * n)) if mode == "dac" else 1.0
    re, im = np_sign(x.real), np_sign(x.imag)
    if mode == "adc":  # a NaN has no sign: the ADC passes it on
        re = np.where(np.isnan(x.real), np.nan, re)
        im = np.where(np.isnan(x.imag), np.nan, im)
    return amp * (re + 1j * im)


class qa_one_bit_quantizer(gr_unittest.TestCase):

    def setUp(self):
        self.tb = gr.top_block()
        self.rng = np.random.default_rng(1234)

    def tearDown(self):
        self.tb = None

    def run_block(self, blk, x, vlen):
        src = blocks.vector_source_c(x.ravel().tolist(), False, vlen)
        snk = blocks.vector_sink_c(vlen)
        self.tb.connect(src, blk, snk)
        self.tb.run()
        return np.array(snk.data(), dtype=np.complex128).reshape(-1, vlen)

    def special_input(self, vlen, n):
        x = (self.rng.standard_normal((n, vlen)) +
             1j * self.rng.standard_normal((n, vlen))).astype(np.complex64)
        specials = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-38, -1e-38]
        flat = x.reshape(-1)
        for k, re in enumerate(specials):
            for m, im in enumerate(specials):
                flat[(k * len(specials) + m) % flat.size] = complex(re, im)
        # complex(x, -0.0) keeps the sign bit of the imaginary part
        flat[-1] = np.complex64(complex(-0.0, -0.0))
        return x

    def test_001_matches_numpy_both_modes(self):
        for mode in ("dac", "adc"):
            for vlen, power in ((1, 1.0), (7, 0.3), (16, 2.0), (128, 10.0)):
                self.tb = gr.top_block()
                x = self.special_input(vlen, 60)
                y = self.run_block(isac.one_bit_quantizer(vlen, mode, power), x, vlen)
                ref = np_quantize(x.astype(np.complex128), mode, power)
                np.testing.assert_allclose(y, ref, rtol=1e-6, atol=0,
                                           err_msg=f"mode={mode} vlen={vlen}")
                if mode == "dac":  # what drives the radio is always in the alphabet
                    self.assertTrue(np.all(np.isfinite(y)))

    def test_002_dac_norm_equals_power(self):
        for vlen, power in ((4, 1.0), (64, 0.25), (128, 3.0)):
            self.tb = gr.top_block()
            x = (self.rng.standard_normal((200, vlen)) * 1e3).astype(np.complex64)
            y = self.run_block(isac.one_bit_quantizer(vlen, "dac", power), x, vlen)
            norms = np.sum(np.abs(y) ** 2, axis=1)
            np.testing.assert_allclose(norms, power, rtol=1e-6)

    def test_003_nan_counted_and_reported(self):
        vlen = 8
        x = np.ones((10, vlen), dtype=np.complex64)
        x[3, 2] = complex(np.nan, 1.0)      # one NaN component
        x[5, 0] = complex(np.nan, np.nan)   # two NaN components
        blk = isac.one_bit_quantizer(vlen, "adc", 1.0)
        dbg = blocks.message_debug()
        self.tb.msg_connect(blk, "stats", dbg, "store")
        y = self.run_block(blk, x, vlen)
        ref = np.full((10, vlen), 1 + 1j)
        ref[3, 2] = complex(np.nan, 1.0)  # ADC: a NaN component stays NaN
        ref[5, 0] = complex(np.nan, np.nan)
        np.testing.assert_array_equal(y, ref)
        self.assertEqual(blk.nan_count(), 3)
        self.assertGreaterEqual(dbg.num_messages(), 1)
        last = dbg.get_message(dbg.num_messages() - 1)
        self.assertEqual(pmt.to_uint64(pmt.dict_ref(last, pmt.intern("nan_count"), pmt.PMT_NIL)), 3)

    def test_004_setters_during_run(self):
        vlen = 16
        blk = isac.one_bit_quantizer(vlen, "dac", 1.0)
        src = blocks.null_source(gr.sizeof_gr_complex * vlen)
        # a constant non-negative input makes every output component equal to +amp
        add = blocks.add_const_vcc([0.5 + 0.5j] * vlen)
        head = blocks.head(gr.sizeof_gr_complex * vlen, 400000)
        snk = blocks.vector_sink_c(vlen)
        self.tb.connect(src, add, head, blk, snk)
        powers = [1.0, 4.0, 0.25]
        stop = threading.Event()

        def flip():
            k = 0
            while not stop.is_set():
                blk.set_power(powers[k % 3])
                blk.set_mode("adc" if k % 4 == 3 else "dac")
                k += 1
        t = threading.Thread(target=flip)
        self.tb.start()
        t.start()
        self.tb.wait()
        stop.set()
        t.join()
        y = np.array(snk.data()).reshape(-1, vlen)
        self.assertEqual(len(y), 400000)
        # every vector is one consistent alphabet: all entries equal, and the
        # amplitude is one of the DAC amplitudes or 1 (adc)
        self.assertTrue(np.all(y == y[:, :1]))
        allowed = [np.sqrt(p / (2 * vlen)) for p in powers] + [1.0]
        amps = np.unique(np.round(y[:, 0].real, 6))
        for a in amps:
            self.assertTrue(np.min(np.abs(np.array(allowed) - a)) < 1e-6, f"amplitude {a}")
        # the setters took effect: more than one amplitude was seen
        self.assertGreater(len(amps), 1)
        blk.set_power(2.0)
        blk.set_mode("adc")
        self.assertAlmostEqual(blk.power(), 2.0, places=6)
        self.assertEqual(blk.mode(), "adc")

    def test_005_bad_parameters_raise(self):
        for args, word in (((0, "dac", 1.0), "vlen"), ((-3, "adc", 1.0), "vlen"),
                           ((4, "dac", 0.0), "power"), ((4, "dac", -1.0), "power"),
                           ((4, "dac", float("nan")), "power"),
                           ((4, "dac", float("inf")), "power"),
                           ((4, "foo", 1.0), "mode")):
            with self.assertRaises(ValueError) as cm:
                isac.one_bit_quantizer(*args)
            self.assertIn(word, str(cm.exception))
        blk = isac.one_bit_quantizer(4, "dac", 1.0)
        with self.assertRaises(ValueError):
            blk.set_power(-2.0)
        with self.assertRaises(ValueError):
            blk.set_mode("DAC2")
        # a rejected setter leaves the last good state
        self.assertEqual(blk.power(), 1.0)
        self.assertEqual(blk.mode(), "dac")


if __name__ == '__main__':
    gr_unittest.run(qa_one_bit_quantizer)
