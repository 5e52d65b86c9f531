#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Soak test: run a 1-bit loopback flowgraph for a long time while it is
reconfigured periodically, sample the process RSS, and report its growth.

A graph is a function `build(rng) -> (top_block, poke, checker)`:
  top_block  the flowgraph (not started),
  poke(k)    called once per sample period from the sampling thread: setter
             calls and messages, valid and malformed (may be None),
  checker    a reliability.stream_checker at the end of the chain (or None).
Built-in graphs are listed in GRAPHS. Any other graph is named as
"path/to/file.py:function" or "module:function", so the soak can be pointed
at the end-to-end loopback flowgraph (e.g. a grcc-generated top block
wrapped in a small build function) without changing this file.
"""
import importlib
import importlib.util
import os
import time

import numpy as np
from gnuradio import analog, blocks, gr, isac

from . import reliability as rel


def quantizer_loopback(rng, vlen=16):
    """What main has of the 1-bit loopback: samples -> 1-bit DAC ->
    additive noise (stand-in channel) -> 1-bit ADC -> checker, with the
    DAC power and both modes reconfigured every poke."""
    x = rel.special_samples(rng, 1024, vlen)
    tb = gr.top_block()
    src = blocks.vector_source_c(x.ravel().tolist(), True, vlen)
    dac = isac.one_bit_quantizer(vlen, "dac", 1.0)
    noise = analog.noise_source_c(analog.GR_GAUSSIAN, 0.05, 7)
    s2v = blocks.stream_to_vector(gr.sizeof_gr_complex, vlen)
    add = blocks.add_vcc(vlen)
    adc = isac.one_bit_quantizer(vlen, "adc", 1.0)
    chk = rel.stream_checker(vlen, rel.one_bit_check([1.0]))
    tb.connect(src, dac, (add, 0))
    tb.connect(noise, s2v, (add, 1))
    tb.connect(add, adc, chk)

    def poke(k):
        dac.set_power(float(10 ** rng.uniform(-1, 1)))
        try:
            dac.set_power(float("nan"))  # rejected, state kept
        except ValueError:
            pass
        adc.set_mode("adc")
    return tb, poke, chk


GRAPHS = {"quantizer_loopback": quantizer_loopback}


def load_graph(name):
    if name in GRAPHS:
        return GRAPHS[name]
    target, _, func = name.partition(":")
    func = func or "build"
    if target.endswith(".py"):
        spec = importlib.util.spec_from_file_location("isac_soak_graph", target)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    else:
        mod = importlib.import_module(target)
    return getattr(mod, func)


def growth(t, rss, warmup):
    """RSS growth after warm-up: (last-window median - first-window median,
    least-squares slope in bytes/s). Windows are the first and last 20 % of
    the post-warm-up samples; medians ignore one-off spikes."""
    t = np.asarray(t, float)
    rss = np.asarray(rss, float)
    keep = t >= warmup
    t, rss = t[keep], rss[keep]
    if len(t) < 5:
        raise ValueError("too few RSS samples after warm-up")
    w = max(1, len(t) // 5)
    grow = float(np.median(rss[-w:]) - np.median(rss[:w]))
    slope = float(np.polyfit(t, rss, 1)[0])
    return grow, slope


def run(seconds, graph="quantizer_loopback", period=0.5, warmup=None, seed=1, log=None):
    """Runs the soak; returns a dict with the samples and the verdict inputs.
    The flowgraph streams unthrottled; this process lowers its own priority
    so that a soak never starves the machine."""
    try:
        os.nice(10)
    except OSError:
        pass
    rng = np.random.default_rng(seed)
    tb, poke, chk = load_graph(graph)(rng)
    warmup = min(10.0, 0.2 * seconds) if warmup is None else warmup
    t_s, rss_s, items_s = [], [], []
    tb.start()
    t0 = time.monotonic()
    k = 0
    next_t = t0
    try:
        while True:
            now = time.monotonic()
            if now - t0 >= seconds:
                break
            if poke is not None:
                poke(k)
            k += 1
            t_s.append(now - t0)
            rss_s.append(rel.rss_bytes())
            items_s.append(chk.items if chk is not None else 0)
            if log is not None and k % max(1, int(10 / period)) == 0:
                log(f"t={now - t0:6.1f} s  rss={rss_s[-1] / 2**20:7.1f} MiB  items={items_s[-1]}")
            next_t += period
            # wait for the next sample time (the flowgraph runs meanwhile)
            time.sleep(max(0.0, next_t - time.monotonic()))
    finally:
        tb.stop()
        tb.wait()
    grow, slope = growth(t_s, rss_s, warmup)
    return {
        "t": t_s, "rss": rss_s, "items": items_s, "warmup": warmup,
        "growth_bytes": grow, "slope_bytes_per_s": slope,
        "bad": list(chk.bad) if chk is not None else [],
        "pokes": k, "seconds": seconds, "graph": graph,
    }

