#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Soak test: run a 1-bit loopback flowgraph for a long time while it is
reconfigured periodically, sample the process RSS and the bytes glibc's
malloc holds free, and report the growth of the memory in use (RSS minus
those free bytes; the raw RSS growth is reported too).

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


def radar_loopback(rng, n_tx=8, n_users=2, n_rx=8):
    """The 1-bit ISAC loopback built from the merged blocks: 8-PSK symbols ->
    ci_precoder (1-bit DAC alphabet) -> isac_channel (csi wired back to the
    precoder, a new draw every 256 snapshots) -> one_bit_quantizer (ADC) ->
    one_bit_rx_filter, checkers on the precoder output, the users' outputs
    and the detection statistic. Every poke moves the target and the
    clutter, changes pfa, and sends a malformed set message to both."""
    import pmt
    syms = np.exp(2j * np.pi * rng.integers(8, size=(512, n_users)) / 8).astype(np.complex64)
    tb = gr.top_block()
    src = blocks.vector_source_c(syms.ravel().tolist(), True, n_users)
    pre = isac.ci_precoder(n_tx, n_users, 8, 1.0, 1.0, 5.0, 10.0, [-30.0], 15.0, [20.0], n_rx)
    ch = isac.isac_channel(n_tx, n_users, n_rx, "rayleigh", [], [1.0], 10.0, 256, 11,
                           "monostatic", 10.0, 0.0, 0.0, 15.0, [-30.0], [20.0], cpi_len=1)
    adc = isac.one_bit_quantizer(n_rx, "adc", 1.0)
    rx = isac.one_bit_rx_filter(n_tx, n_rx, 10.0, [-30.0], 15.0, [20.0], 1.0, 1e-3, "1bit")
    for b in (pre, ch, rx):
        b.set_log_level("error")  # the malformed pokes would log a warning each
    amp = float(np.sqrt(1.0 / (2 * n_tx)))
    chk_x = rel.stream_checker(n_tx, rel.one_bit_check([amp]))
    chk_u = rel.stream_checker(n_users, rel.finite_check)
    # >= 0, or -1: no decision where the precoder sent nothing (muted before a channel)
    chk = rel.stream_checker(1, lambda v: None if np.all(np.isfinite(v) & ((v >= 0) | (v == isac.core.no_decision)))
                             else "statistic not finite and >= 0 (or -1, no decision)", dtype=np.float32)
    tb.connect(src, pre, chk_x)
    tb.connect(pre, ch)
    tb.connect((ch, 0), chk_u)
    tb.connect((ch, 1), adc, (rx, 0))
    tb.connect(pre, (rx, 1))
    tb.connect((rx, 0), blocks.null_sink(gr.sizeof_gr_complex))
    tb.connect((rx, 1), chk)
    tb.msg_connect(ch, "csi", pre, "csi")
    bad = pmt.dict_add(pmt.make_dict(), pmt.intern("target_deg"), pmt.from_double(float("nan")))

    def poke(k):
        th = float(rng.uniform(-60, 60))
        ch.set_target_deg(th)
        rx.set_target_deg(th)
        ch.set_clutter([float(rng.uniform(-60, 60))], [20.0])
        # no threshold on n_rx 1-bit signs holds a Pfa below 4^(1 - n_rx)
        rx.set_pfa(float(10 ** rng.uniform(max(-6.0, (1 - n_rx) * np.log10(4.0)), -2)))
        ch._post(pmt.intern("set"), bad)
        rx._post(pmt.intern("set"), bad)
        if chk_x.bad or chk_u.bad:
            chk.bad.extend(chk_x.bad + chk_u.bad)
            chk_x.bad.clear()
            chk_u.bad.clear()
    return tb, poke, chk


GRAPHS = {"radar_loopback": radar_loopback, "quantizer_loopback": quantizer_loopback}


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
    t, rss = _after(t, rss, warmup)
    w = max(1, len(t) // 5)
    grow = float(np.median(rss[-w:]) - np.median(rss[:w]))
    slope = float(np.polyfit(t, rss, 1)[0])
    return grow, slope


def noise_tolerance(t, x, warmup, z=4.0):
    """z standard errors of growth(t, x, warmup) when x is flat plus noise:
    the noise sigma is the MAD of the sample-to-sample differences (a trend
    or one step does not inflate it), the median of w samples has standard
    error 1.2533 sigma / sqrt(w), and growth() differences two such medians.
    A growth below this is not distinguishable from the run's own scatter."""
    t, x = _after(t, x, warmup)
    d = np.diff(x)
    sigma = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / np.sqrt(2.0)
    w = max(1, len(t) // 5)
    return z * 1.2533 * sigma * np.sqrt(2.0 / w)


def _after(t, x, warmup):
    t = np.asarray(t, float)
    x = np.asarray(x, float)
    keep = t >= warmup
    t, x = t[keep], x[keep]
    if len(t) < 5:
        raise ValueError("too few RSS samples after warm-up")
    return t, x


def run(seconds, graph="radar_loopback", period=0.5, warmup=None, seed=1, log=None):
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
    t_s, rss_s, free_s, items_s = [], [], [], []
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
            free_s.append(rel.heap_free_bytes())
            items_s.append(chk.items if chk is not None else 0)
            if log is not None and k % max(1, int(10 / period)) == 0:
                log(f"t={now - t0:6.1f} s  rss={rss_s[-1] / 2**20:7.1f} MiB  "
                    f"in use={(rss_s[-1] - free_s[-1]) / 2**20:7.1f} MiB  items={items_s[-1]}")
            next_t += period
            # wait for the next sample time (the flowgraph runs meanwhile)
            time.sleep(max(0.0, next_t - time.monotonic()))
    finally:
        tb.stop()
        tb.wait()
    # The verdict is on RSS minus the bytes malloc holds free: glibc keeps
    # what the graph frees in the middle of its arenas (tags, messages and
    # numpy temporaries come and go by the million), so the raw RSS climbs to
    # a high-water mark that depends on the load, while a leak is memory
    # still in use and stays in this difference (docs/reliability.md).
    net = [r - f for r, f in zip(rss_s, free_s)]
    grow, slope = growth(t_s, net, warmup)
    rss_grow, _ = growth(t_s, rss_s, warmup)
    return {
        "t": t_s, "rss": rss_s, "heap_free": free_s, "net": net, "items": items_s,
        "warmup": warmup, "growth_bytes": grow, "slope_bytes_per_s": slope,
        "rss_growth_bytes": rss_grow, "tolerance_bytes": noise_tolerance(t_s, net, warmup),
        "bad": list(chk.bad) if chk is not None else [],
        "pokes": k, "seconds": seconds, "graph": graph,
    }

