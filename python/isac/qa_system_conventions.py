#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""System tests of the module's one angle convention and SNR vocabulary
(docs/conventions.md): chains of blocks on seeded random asymmetric scenes.

Every chain runs on N_DRAWS scenes drawn in (-70, 70) deg with no angle within
1.5 deg of broadside and no two angles of a scene (or an angle and itself)
within 3 deg of each other's mirror, so a sign flip anywhere shows. The
references are numpy formulas written here from the papers' models (the steering
vector below is written out, not taken from the module), and the tolerances
follow from the number of snapshots.

  100  precoder (CI, null-space) -> isac_channel -> one_bit_rx_filter, both
       geometries, 1-bit and infinite-resolution ADC: the ratio of the statistic
       of a filter steered at theta to one steered at -theta equals the ratio
       theory gives (arcsine law for the 1-bit ADC).
  200  isac_channel -> bistatic_doa_rx/doa_mle (gaussian, known, mixed), both
       geometries: theta within 0.5 deg at 20 dB (both ADCs where the estimate
       does not need amplitudes), and snr_est = TNR * p_hat within 0.5 dB.
  300  random receive phases, array_phase_estimator with a pilot at a random
       off-broadside angle, array_phase_corrector -> DoA of a second source
       within 0.5 deg; also with the antennas wired in reverse order.
  400  beampattern_probe and the function apps/isac_demo plots: the main lobe
       at the precoder's target, and the power the channel sees toward +-theta
       in both geometries equals the probe's.
  600  design.bistatic (superposition design for the channel's user, h the
       conjugate of its published row) -> factorize -> isac_channel (bistatic,
       target_snr_db = scene.target_snr_db) -> bistatic_doa_rx with S_D and
       p_gauss_block, and doa_mle on c_block: theta near +doa within 6 sqrt(CRB),
       pooled MSE against the design's CRB (rad^2, converted), tnr_est against
       the scene's TNR within 4 SE + 0.15 dB, the plug-in crb_deg2 against the design's,
       the user's SINR against the design's.
  700  tx_phase_estimator with its reference receiver at a random angle off
       broadside -> array_phase_corrector -> the chains' gains: the radiated
       vector is the precoder's up to one common factor.
  800  isac_channel target_delay -> loop_delay_estimator -> its aligned
       outputs -> steering_reference / doa_mle: the delay (its sign) and the
       target's angle.
  900  radio_emulator (profile "none") -> steering_reference / doa_mle: the
       target at +theta within 5 sqrt(CRB), target_snr_db read back by tnr_est.

Run directly to print the set-vs-measured table.
"""

import math
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

N_DRAWS = 20
SEED = 20261114
SUMMARY = []  # rows of the set-vs-measured table (printed by tearDownClass)


def g_unit(n, deg):
    """The module's steering vector written out (docs/conventions.md):
    exp(-j pi k sin theta), k = 0..n-1, half-wavelength, unit norm."""
    deg = np.atleast_1d(np.asarray(deg, dtype=float))
    g = np.exp(-1j * np.pi * np.outer(np.arange(n), np.sin(np.deg2rad(deg)))) / math.sqrt(n)
    return g[:, 0] if g.shape[1] == 1 else g


def asymmetric(angles, mirror_gap=3.0, min_sep=8.0):
    """No angle within mirror_gap/2 of broadside, no pair within mirror_gap of
    each other's mirror, distinct angles at least min_sep apart."""
    a = np.asarray(angles, dtype=float)
    if np.any(np.abs(2 * a) < mirror_gap):
        return False
    for i in range(len(a)):
        for j in range(i + 1, len(a)):
            if abs(a[i] + a[j]) < mirror_gap or abs(a[i] - a[j]) < min_sep:
                return False
    return True


def draw_scenes(rng, k, n=N_DRAWS, lo=-70.0, hi=70.0):
    """n scenes of k angles each, uniform in (lo, hi) and asymmetric."""
    out = []
    while len(out) < n:
        a = rng.uniform(lo, hi, k)
        if asymmetric(a):
            out.append(a)
    return out


def psk(rng, n, users, order=8):
    return np.exp(2j * np.pi * rng.integers(0, order, (n, users)) / order).astype(np.complex64)


def vsrc(x):
    x = np.asarray(x, dtype=np.complex64)
    return blocks.vector_source_c(x.ravel().tolist(), False, x.shape[1] if x.ndim > 1 else 1)


def messages(dbg):
    return [pmt.to_python(dbg.get_message(i)) for i in range(dbg.num_messages())]


def db(v):
    return 10.0 * np.log10(v)


def summary(chain, geometry, adc, set_, measured, check):
    SUMMARY.append((chain, geometry, adc, set_, measured, check))


# --------------------------------------------------------------- references
def arcsine_cov(C):
    """E[q(r) q(r)^H] for r ~ CN(0, C) and the 1-bit ADC q(r) = sgn Re r + j sgn Im r
    (arcsine law, per real/imaginary pair): (4/pi)(asin Re rho + j asin Im rho)."""
    d = np.sqrt(np.real(np.einsum("...ii->...i", C)))
    rho = C / (d[..., :, None] * d[..., None, :])
    rho = np.clip(rho.real, -1, 1) + 1j * np.clip(rho.imag, -1, 1)
    return 4.0 / math.pi * (np.arcsin(rho.real) + 1j * np.arcsin(rho.imag))


def rx_filter_statistic2(x, echo_angles, zeta2, sigma2, filt_target, filt_clutter, cnr, adc, pfa, n_rx):
    """Per-snapshot E[s^2], s = |u^H r~|/kappa, of one_bit_rx_filter steered at
    filt_target, for the echo r = sum_q gamma_q g_R(q) g_T(q)^T x + n (gamma_q
    ~ CN(0, zeta2[q])), from the 1-bit radar paper's filter u ~ M^-1 g_R0 and
    threshold kappa^2 = -ln(Pfa) V_H0 (eq. 15 and its ideal-ADC form)."""
    n_tx = x.shape[1]
    GT = g_unit(n_tx, echo_angles).reshape(n_tx, -1)       # (n_tx, Q+1)
    GR = g_unit(n_rx, echo_angles).reshape(n_rx, -1)
    c = x @ GT                                              # (n, Q+1): g_T^T x
    C = np.einsum("nq,iq,jq->nij", np.abs(c) ** 2 * zeta2, GR, GR.conj()) + sigma2 * np.eye(n_rx)
    E = arcsine_cov(C) if adc == "1bit" else C
    fa = [filt_target] + list(filt_clutter)
    FT = g_unit(n_tx, fa).reshape(n_tx, -1)
    FR = g_unit(n_rx, fa).reshape(n_rx, -1)
    cf = x @ FT
    w = np.asarray(cnr, dtype=float) * (2 / math.pi if adc == "1bit" else 1.0)
    M = np.eye(n_rx) + np.einsum("nq,iq,jq->nij", np.abs(cf[:, 1:]) ** 2 * w, FR[:, 1:], FR[:, 1:].conj())
    u = np.linalg.solve(M, np.broadcast_to(FR[:, 0], (len(x), n_rx))[..., None])[..., 0]
    proj = np.abs(np.einsum("ni,iq->nq", u.conj(), FR[:, 1:])) ** 2 * np.abs(cf[:, 1:]) ** 2
    un2 = np.sum(np.abs(u) ** 2, axis=1)
    if adc == "1bit":
        V = 2 * un2 + 4 / math.pi * proj @ np.asarray(cnr, dtype=float)
    else:
        V = sigma2 * (un2 + proj @ np.asarray(cnr, dtype=float))
    num = np.real(np.einsum("ni,nij,nj->n", u.conj(), E, u))
    m = num / (-math.log(pfa) * V)
    # the block's degenerate rule: no target illumination, statistic 0
    m[np.abs(cf[:, 0]) <= 1e-5 * np.linalg.norm(x, axis=1)] = 0.0
    return m


class qa_system_conventions(gr_unittest.TestCase):

    @classmethod
    def tearDownClass(cls):
        if not SUMMARY:
            return
        w = [max(len(str(r[i])) for r in SUMMARY + [("chain", "geometry", "ADC", "set", "measured", "check")])
             for i in range(6)]
        print("\n" + "  ".join(h.ljust(w[i]) for i, h in enumerate(("chain", "geometry", "ADC", "set", "measured",
                                                                     "check"))))
        for r in SUMMARY:
            print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(r)))

    def test_010_draws_are_asymmetric(self):
        # the generator itself: the scenes the chains run on are what the issue asks
        rng = np.random.default_rng(SEED)
        for sc in draw_scenes(rng, 4):
            self.assertTrue(np.all(np.abs(sc) < 70) and np.all(np.abs(sc) > 1.5))
            for i in range(4):
                for j in range(4):
                    self.assertGreaterEqual(abs(sc[i] + sc[j]), 3.0)
        self.assertFalse(asymmetric([20.0, -19.0]))
        self.assertFalse(asymmetric([1.0]))

    # ------------------------------------------------- 100: precoder -> filter
    def run_filter_chain(self, kind, geometry, th, clutter, users, rng, seed, n=1024):
        NT, NR, U = 8, 8, 2
        snr_r_db, cnr_db, pfa = 10.0, 20.0, 1e-2
        clut = [clutter] if geometry == "monostatic" else []
        cnr = [cnr_db] * len(clut)
        if kind == "ci":
            pre = isac.ci_precoder(NT, U, 8, 1.0, 0.1, 0.0, th, clut, snr_r_db, cnr, NR, "qos", 10.0, "1bit",
                                   "realtime", 10, 1 << 30)
            pre.set_channel(isac.los_channel(NT, users).tolist())
        else:
            pre = isac.nullspace_precoder(NT, U, 1.0, "zf", 5.0, 0.1, "beampattern", [th], 10.0, 32)
            pre.set_channel(isac.los_channel(NT, users))
            self.assertTrue(pre.wait_design(30.0))
        ch = isac.isac_channel(NT, U, NR, "los", list(users), [0.1], 10.0, 0, seed, geometry, th, th, th,
                               snr_r_db, clut, cnr, 1.0, "swerling1", 1, 0)
        tb = gr.top_block()
        src, xs = vsrc(psk(rng, n, U)), blocks.vector_sink_c(NT)
        adc = isac.one_bit_quantizer(NR, "adc", 1.0)
        tb.connect(src, pre, ch)
        tb.connect(pre, xs)
        tb.connect((ch, 0), blocks.null_sink(gr.sizeof_gr_complex * U))
        tb.connect((ch, 1), adc)
        keep, stat = [], {}
        for mode, rsrc in (("1bit", adc), ("inf", (ch, 1))):
            for sgn in (+1, -1):
                f = isac.one_bit_rx_filter(NT, NR, sgn * th, clut, snr_r_db, cnr, 1.0, pfa, mode)
                sk = blocks.vector_sink_f()
                tb.connect(rsrc, (f, 0))
                tb.connect(pre, (f, 1))
                tb.connect((f, 0), blocks.null_sink(gr.sizeof_gr_complex))
                tb.connect((f, 1), sk)
                keep.append(f)
                stat[mode, sgn] = sk
        tb.run()
        x = np.array(xs.data()).reshape(-1, NT).astype(complex)
        angles = [th] + clut
        zeta2 = 10 ** (np.array([snr_r_db] + cnr) / 10)
        out = {}
        for mode in ("1bit", "inf"):
            m = {sgn: rx_filter_statistic2(x, angles, zeta2, 1.0, sgn * th, clut, 10 ** (np.array(cnr) / 10), mode,
                                           pfa, NR) for sgn in (+1, -1)}
            s2 = {sgn: np.array(stat[mode, sgn].data(), dtype=float) ** 2 for sgn in (+1, -1)}
            r_th = np.sum(m[+1]) / np.sum(m[-1])
            r_ms = np.sum(s2[+1]) / np.sum(s2[-1])
            # the sum of n (near-)exponential terms of means m_t has relative std
            # sqrt(sum m_t^2)/sum m_t; the two sums are positively correlated, so
            # adding the variances bounds the std of the log ratio
            se = math.sqrt(sum(np.sum(m[s] ** 2) / np.sum(m[s]) ** 2 for s in (+1, -1)))
            out[mode] = (r_th, r_ms, se)
        return out

    def test_100_precoder_channel_rx_filter(self):
        rng = np.random.default_rng(SEED + 100)
        scenes = draw_scenes(rng, 4)
        for kind in ("ci", "nullspace"):
            for geometry in ("monostatic", "bistatic"):
                worst = {"1bit": [], "inf": []}
                for d, (th, cl, u1, u2) in enumerate(scenes):
                    res = self.run_filter_chain(kind, geometry, th, cl, [u1, u2], rng, 1000 + d)
                    for mode, (r_th, r_ms, se) in res.items():
                        z = math.log(r_ms / r_th) / se
                        worst[mode].append((abs(z), r_th, r_ms))
                        self.assertLess(abs(z), 4.5, "%s %s %s theta %.2f: statistic ratio theta/-theta %.3f, "
                                        "theory %.3f (rel. std %.3f)" % (kind, geometry, mode, th, r_ms, r_th, se))
                        if r_th > 2.0:  # a mirrored chain would read the inverse
                            self.assertGreater(r_ms, 1.0)
                for mode, v in worst.items():
                    v = np.array(v)
                    summary("%s -> channel -> rx_filter" % kind, geometry, mode,
                            "E s^2(th)/E s^2(-th) theory %.1f..%.1f" % (v[:, 1].min(), v[:, 1].max()),
                            "measured %.1f..%.1f" % (v[:, 2].min(), v[:, 2].max()),
                            "max |z| %.2f (< 4.5)" % v[:, 0].max())

    # ------------------------------------------------------- 200: DoA and SNR
    def test_200_channel_doa_mle_and_snr(self):
        NT, NR, L, n_cpi, rho, tnr_db = 8, 16, 128, 2, 0.5, 20.0
        rng = np.random.default_rng(SEED + 200)
        scenes = draw_scenes(rng, 2)
        res = {}
        for d, (th, phi) in enumerate(scenes):
            for geometry in ("monostatic", "bistatic"):
                # the transmitter beams at the DoD (the tracked target itself when
                # monostatic): x_t = conj(g_T(dod)) (sqrt(rho) s_t + sqrt(1-rho) xi_t),
                # s_t known unit-modulus, xi_t ~ CN(0, 1) unknown to the receiver
                dod = th if geometry == "monostatic" else phi
                w = g_unit(NT, dod).conj()
                n = L * n_cpi
                s = np.exp(2j * np.pi * rng.integers(0, 4, n) / 4)
                xi = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / math.sqrt(2)
                x = np.outer(math.sqrt(rho) * s + math.sqrt(1 - rho) * xi, w)
                x_known = np.outer(math.sqrt(rho) * s, w)
                ch = isac.isac_channel(NT, 1, NR, "rayleigh", [], [1.0], 10.0, 0, 2000 + d, geometry, th, phi, th,
                                       tnr_db, [], [], 1.0, "fixed", L, 0)
                tb = gr.top_block()
                src, src_k = vsrc(x), vsrc(x_known)
                adc = isac.one_bit_quantizer(NR, "adc", 1.0)
                tb.connect(src, ch)
                tb.connect((ch, 0), blocks.null_sink(gr.sizeof_gr_complex))
                tb.connect((ch, 1), adc)
                keep = {}
                # (name, ADC, mode, p_gauss, reference stream): "mixed" is the known
                # mode with p_gauss = g_T^T R_G g_T^* > 0 and only s_t as reference
                for name, a, mode, pg, ref in (("gaussian", "inf", "gaussian", 1.0, src),
                                               ("known", "inf", "known", 0.0, src),
                                               ("mixed", "inf", "known", 1 - rho, src_k),
                                               ("gaussian", "1bit", "gaussian", 1.0, src),
                                               ("known", "1bit", "known", 0.0, src)):
                    rx = isac.bistatic_doa_rx(NT, NR, dod, L, mode, -90.0, 90.0, 0.5, 1.0, pg, "newton")
                    sk, dbg = blocks.vector_sink_f(), blocks.message_debug()
                    tb.connect(adc if a == "1bit" else (ch, 1), (rx, 0))
                    tb.connect(ref, (rx, 1))
                    tb.connect(rx, sk)
                    tb.msg_connect(rx, "doa", dbg, "store")
                    keep[name, a] = (rx, sk, dbg)
                tb.run()
                # the transmit power along the DoD in each CPI (unit-norm g_T)
                p_hat = np.array([np.mean(np.abs(x[i * L:(i + 1) * L] @ g_unit(NT, dod)) ** 2)
                                  for i in range(n_cpi)])
                for (name, a), (_, sk, dbg) in keep.items():
                    est = np.array(sk.data(), dtype=float)
                    self.assertEqual(len(est), n_cpi)
                    err = est - th
                    self.assertLess(np.max(np.abs(err)), 0.5, "%s %s %s: theta %.2f read %s"
                                    % (geometry, name, a, th, est))
                    r = res.setdefault((geometry, name, a), {"err": [], "snr": [], "tnr": []})
                    r["err"] += list(err)
                    if a != "inf":
                        continue  # a 1-bit ADC keeps no amplitude: no SNR to compare
                    m = messages(dbg)
                    self.assertTrue(all(mm["valid"] for mm in m))
                    snr_est = np.array([mm["snr_est"] for mm in m])
                    tnr_est = np.array([mm["tnr_est"] for mm in m])
                    # documented relation: snr_est = TNR * p_hat (array SNR), in every mode
                    dsnr = db(snr_est) - (tnr_db + db(p_hat))
                    self.assertLess(np.max(np.abs(dsnr)), 0.5, "%s %s snr_est off by %s dB" % (geometry, name, dsnr))
                    # tnr_est = snr_est / p with the block's p: exact model in known
                    # mode; p_gauss (an expectation) in the gaussian and mixed modes
                    if name == "known":
                        p_model = p_hat
                    elif name == "gaussian":
                        p_model = np.ones(n_cpi)
                    else:  # known part measured, Gaussian part by its p_gauss
                        p_model = np.array([np.mean(np.abs(x_known[i * L:(i + 1) * L] @ g_unit(NT, dod)) ** 2)
                                            for i in range(n_cpi)]) + (1 - rho)
                    np.testing.assert_allclose(snr_est / tnr_est, p_model, rtol=1e-3)
                    dtnr = db(tnr_est) - (tnr_db + db(p_hat / p_model))
                    self.assertLess(np.max(np.abs(dtnr)), 0.5)
                    r["snr"] += list(dsnr)
                    r["tnr"] += list(db(tnr_est) - tnr_db)
        for (geometry, name, a), r in sorted(res.items()):
            e = np.array(r["err"])
            summary("channel -> doa_mle %s" % name, geometry, a, "theta in (-70, 70), TNR %g dB" % tnr_db,
                    "theta err mean %+.3f, max |%.3f| deg" % (e.mean(), np.abs(e).max()), "< 0.5 deg")
            if r["snr"]:
                summary("  snr_est vs TNR + p_hat", geometry, a, "%g dB + 10log p_hat" % tnr_db,
                        "err %+.2f..%+.2f dB" % (min(r["snr"]), max(r["snr"])), "< 0.5 dB")
                summary("  tnr_est vs TNR", geometry, a, "%g dB" % tnr_db,
                        "err %+.2f..%+.2f dB" % (min(r["tnr"]), max(r["tnr"])),
                        "< 0.5 dB" if name == "known" else "p_hat/p_gauss")

    # ----------------------------------------------- 300: calibration -> DoA
    def run_cal_chain(self, geometry, th_cal, th2, phi, phases, reverse, rng, seed):
        NT, NR, n_avg, L = 8, 8, 2048, 256

        def echo_graph(th, n):
            dod = th if geometry == "monostatic" else phi
            s = np.exp(2j * np.pi * rng.random(n))
            x = np.outer(s, g_unit(NT, dod).conj())
            ch = isac.isac_channel(NT, 1, NR, "rayleigh", [], [1.0], 10.0, 0, seed, geometry, th, phi, th,
                                   20.0, [], [], 1.0, "fixed", n, 0)
            tb = gr.top_block()
            src = vsrc(x)
            tb.connect(src, ch)
            tb.connect((ch, 0), blocks.null_sink(gr.sizeof_gr_complex))
            head = (ch, 1)
            parts = [src, ch]
            if reverse:  # stream channel k carries antenna NR-1-k
                v2s = blocks.vector_to_streams(gr.sizeof_gr_complex, NR)
                s2v = blocks.streams_to_vector(gr.sizeof_gr_complex, NR)
                tb.connect(head, v2s)
                for k in range(NR):
                    tb.connect((v2s, k), (s2v, NR - 1 - k))
                head = s2v
                parts += [v2s, s2v]
            # unknown per-channel receive phases (LO/cable) of the radio's channels
            rot = blocks.multiply_const_vcc(np.exp(1j * phases).tolist())
            tb.connect(head, rot)
            return tb, rot, parts

        tb, rot, parts = echo_graph(th_cal, n_avg)
        est = isac.array_phase_estimator(NR, th_cal, n_avg, 0.5, reverse, False)
        dbg = blocks.message_debug()
        tb.connect(rot, est)
        tb.msg_connect(est, "cal", dbg, "store")
        tb.run()
        self.assertEqual(dbg.num_messages(), 1)
        cal = dbg.get_message(0)

        tb, rot, parts = echo_graph(th2, L)
        fix = isac.array_phase_corrector(NR, [], reverse)
        rx = isac.bistatic_doa_rx(NT, NR, 0.0, L, "gaussian", -90.0, 90.0, 0.5, 1.0, 1.0, "newton")
        sk = blocks.vector_sink_f()
        tb.connect(rot, fix, (rx, 0))
        tb.connect(blocks.null_source(gr.sizeof_gr_complex * NT), blocks.head(gr.sizeof_gr_complex * NT, L),
                   (rx, 1))
        tb.connect(rx, sk)
        # the calibration carried into another flowgraph: its "offset" counts the
        # calibration run's items, not this run's, so it goes (without one the
        # corrector applies the weights at once)
        cal = pmt.dict_delete(cal, pmt.intern("offset"))
        fix._post(pmt.intern("cal"), cal)  # handled before the first work() call
        tb.run()
        self.assertEqual(fix.updates(), 1)
        return float(sk.data()[0])

    def test_300_calibration_then_doa(self):
        rng = np.random.default_rng(SEED + 300)
        scenes = [sc for sc in draw_scenes(rng, 3) if abs(sc[0]) >= 5.0]  # an off-broadside pilot
        while len(scenes) < N_DRAWS:
            sc = draw_scenes(rng, 3, n=1)[0]
            if abs(sc[0]) >= 5.0:
                scenes.append(sc)
        for geometry in ("monostatic", "bistatic"):
            for reverse in (False, True):
                errs = []
                for d, (th_cal, th2, phi) in enumerate(scenes):
                    phases = rng.uniform(-math.pi, math.pi, 8)
                    got = self.run_cal_chain(geometry, th_cal, th2, phi, phases, reverse, rng, 3000 + d)
                    errs.append(got - th2)
                    self.assertLess(abs(got - th2), 0.5, "%s reverse=%s: pilot %.2f, source %.2f, read %.3f"
                                    % (geometry, reverse, th_cal, th2, got))
                e = np.array(errs)
                summary("phase cal (pilot) -> corrector -> DoA", geometry,
                        "inf, reversed wiring" if reverse else "inf",
                        "source theta in (-70, 70), pilot |theta| >= 5",
                        "theta err mean %+.3f, max |%.3f| deg" % (e.mean(), np.abs(e).max()), "< 0.5 deg")

    # ------------------------------------------- 400: beampattern and its plot
    def test_400_beampattern_probe_and_demo_plot(self):
        NT, U, n = 16, 2, 512
        rng = np.random.default_rng(SEED + 400)
        grid = np.arange(-90.0, 90.01, 0.25)
        for kind in ("ci", "nullspace"):
            worst_pk, worst_pow = 0.0, 0.0
            for d, (th, cl, u1, u2) in enumerate(draw_scenes(rng, 4)):
                if kind == "ci":
                    pre = isac.ci_precoder(NT, U, 8, 1.0, 0.1, 0.0, th, [cl], 10.0, [20.0], 8, "qos", 10.0, "1bit",
                                           "realtime", 10, 1 << 30)
                    pre.set_channel(isac.los_channel(NT, [u1, u2]).tolist())
                else:
                    pre = isac.nullspace_precoder(NT, U, 1.0, "zf", 5.0, 0.1, "beampattern", [th], 10.0, 32)
                    pre.set_channel(isac.los_channel(NT, [u1, u2]))
                    self.assertTrue(pre.wait_design(30.0))
                bp = isac.beampattern_probe(NT, n, grid[0], grid[-1], 0.25, False, False)
                tb = gr.top_block()
                xs, pk = blocks.vector_sink_c(NT), blocks.vector_sink_f(bp.n_grid())
                tb.connect(vsrc(psk(rng, n, U)), pre, bp, pk)
                tb.connect(pre, xs)
                # the channel sees the same x: noiseless unit gain toward +-theta,
                # so mean ||r||^2 = mean |g_T(+-theta)^T x|^2 in either geometry
                pw = {}
                for geometry in ("monostatic", "bistatic"):
                    for sgn in (+1, -1):
                        t = sgn * th
                        ch = isac.isac_channel(NT, U, 4, "rayleigh", [], [1.0], 10.0, 0, 4000 + d, geometry, t, t,
                                               cl, 120.0, [], [], 1e-12, "fixed", 1 << 30, 0)
                        sk = blocks.vector_sink_c(4)
                        tb.connect(pre, ch)
                        tb.connect((ch, 0), blocks.null_sink(gr.sizeof_gr_complex * U))
                        tb.connect((ch, 1), sk)
                        pw[geometry, sgn] = (ch, sk)
                tb.run()
                x = np.array(xs.data()).reshape(-1, NT)
                P = np.array(pk.data())
                self.assertEqual(len(P), len(grid))
                # the function apps/isac_demo plots, on the same snapshots
                Pd = isac.transmit_beampattern(x, grid)
                np.testing.assert_allclose(P, Pd, rtol=1e-4, atol=1e-6 * Pd.max())
                # main lobe at the target: within a quarter of the half-power beam
                # width 0.886 (2/N) / cos(theta) rad, and theta inside its -1 dB region
                hpbw = math.degrees(0.886 * 2.0 / (NT * math.cos(math.radians(th))))
                peak = grid[np.argmax(Pd)]
                self.assertLess(abs(peak - th), hpbw / 4, "%s: target %.2f, main lobe %.2f" % (kind, th, peak))
                P_pm = isac.transmit_beampattern(x, [th, -th])
                self.assertGreater(db(P_pm[0] / Pd.max()), -1.0)
                worst_pk = max(worst_pk, abs(peak - th) / hpbw)
                # the channel's echo power toward +-theta is the probe's, / N_T
                for (geometry, sgn), (_, sk) in pw.items():
                    r = np.array(sk.data()).reshape(-1, 4)
                    e = np.mean(np.sum(np.abs(r) ** 2, axis=1))
                    ref = P_pm[0 if sgn > 0 else 1] / NT
                    self.assertAlmostEqual(e / ref, 1.0, delta=1e-3, msg="%s %s %+d" % (kind, geometry, sgn))
                    worst_pow = max(worst_pow, abs(e / ref - 1))
                del pw
            summary("%s -> beampattern_probe / demo plot" % kind, "-", "-", "target theta in (-70, 70)",
                    "main lobe err <= %.2f HPBW" % worst_pk, "< 0.25 HPBW")
            summary("%s -> channel echo toward +-theta" % kind, "both", "-", "probe P(+-theta)/N_T",
                    "max rel. err %.1e" % worst_pow, "< 1e-3")

    # ------------------------------------------ 600: design API -> blocks
    def run_design_chain(self, NT, NR, dod, doa, tnr_db, rng, seed, L=256, n_cpi=30):
        """design.bistatic superposition design for a user of isac_channel ->
        factorize -> x = W_G g + S_D through isac_channel (bistatic) ->
        bistatic_doa_rx told S_D (known part) and the Gaussian part's p_gauss,
        and doa_mle on the Waveform's c_block. The user's channel h is the
        conjugate of the channel's published row (rows are h^H). None when
        the design has no deterministic part (p_det = 0: no known reference)."""
        from gnuradio.isac.design import bistatic as s4
        s2, sc2 = 1.0, 0.1

        def chan(tnr):  # the same seed: the same user channel
            return isac.isac_channel(NT, 1, NR, "rayleigh", [], [sc2], 10.0, 0, seed, "bistatic", 0.0, dod, doa, tnr,
                                     [], [], s2, "fixed", L, 0)

        h = np.array(chan(0.0).channel()).reshape(NT).conj()
        beta2 = 10 ** (tnr_db / 10) * s2 / (NT * NR)
        sc = s4.make_scene(NT, NR, dod, doa, h, 1.0, sc2, s2, math.sqrt(beta2), L)
        des = s4.superposition_design(sc, 0.5 * sc.snr_max)
        if not des.p_det > 0.0:
            return None
        w = s4.factorize(des, sc.a, L)
        n = L * n_cpi
        r = w.W_G.shape[1]
        g = (rng.standard_normal((r, n)) + 1j * rng.standard_normal((r, n))) / math.sqrt(2)
        sd = w.S_D[:, np.arange(n) % L].T
        x = (w.W_G @ g).T + sd
        ch = chan(sc.target_snr_db)
        rx = isac.bistatic_doa_rx(NT, NR, dod, L, "known", -90.0, 90.0, 0.1, s2, w.p_gauss_block, "newton")
        dm = isac.doa_mle(NR, L, "known", -90.0, 90.0, 0.1, s2, w.p_gauss_block, "newton")
        tb = gr.top_block()
        src = vsrc(x)
        ys, sk, skc, dbg = blocks.vector_sink_c(1), blocks.vector_sink_f(), blocks.vector_sink_f(), blocks.message_debug()
        tb.connect(src, ch)
        tb.connect((ch, 0), ys)
        tb.connect((ch, 1), (rx, 0))
        tb.connect(vsrc(sd), (rx, 1))
        tb.connect(rx, sk)
        tb.connect((ch, 1), (dm, 0))
        tb.connect(vsrc(np.tile(w.c_block, n_cpi)[:, None]), (dm, 1))
        tb.connect(dm, skc)
        tb.msg_connect(rx, "doa", dbg, "store")
        tb.run()
        m = messages(dbg)
        # the user's SINR: regress y on the Gaussian streams (the information);
        # the rest is S_D's interference and the noise
        y = np.array(ys.data())
        coef = np.linalg.lstsq(g.T, y, rcond=None)[0]
        sig = g.T @ coef
        sinr = np.mean(np.abs(sig) ** 2) / np.mean(np.abs(y - sig) ** 2)
        return dict(design=des, th=np.array(sk.data(), float), th_c=np.array(skc.data(), float),
                    tnr_est=np.array([mm["tnr_est"] for mm in m]), crb_msg=np.array([mm["crb_deg2"] for mm in m]),
                    sinr=sinr, n=n)

    def test_600_design_waveform_through_channel_and_doa(self):
        # the design API's scene and waveform against the blocks: TNR
        # (|beta|^2 n_tx n_rx / sigma_s^2, target_snr_db), p_gauss scale
        # (p_gauss_block), reference c_block = steering_reference's c_t, the
        # user channel h = conj(row of H), CRB in rad^2 against the DoA in deg
        rng = np.random.default_rng(SEED + 600)
        pooled, worst = [], {"tnr": 0.0, "tnr_se": 0.0, "crb": [], "sinr": 0.0}
        d = 0
        while len(worst["crb"]) < 6:
            dod, doa = draw_scenes(rng, 2, n=1, lo=-60.0, hi=60.0)[0]
            NT, NR = int(rng.choice([5, 7, 8])), int(rng.choice([9, 12, 15]))
            tnr_db = float(rng.uniform(-1.0, 2.0))
            r = self.run_design_chain(NT, NR, dod, doa, tnr_db, rng, 6000 + d)
            d += 1
            if r is None:  # a Gaussian-only design (p_det = 0): redraw
                continue
            des = r["design"]
            tag = "N_T %d N_R %d dod %.2f doa %.2f TNR %.2f dB" % (NT, NR, dod, doa, tnr_db)
            self.assertGreater(des.p_gauss, 0.0, tag)
            crb_deg2 = des.crb * (180.0 / math.pi) ** 2
            err = r["th"] - doa
            self.assertEqual(len(err), 30)
            self.assertLess(np.max(np.abs(err)), 6 * math.sqrt(crb_deg2) + 0.05, tag)
            np.testing.assert_allclose(r["th_c"], r["th"], atol=2e-3, err_msg=tag)
            # tnr_est = TNR * p_hat / p, p the expectation: its mean over the CPIs
            # within 4 standard errors of that mean (from the CPIs' spread), plus
            # 0.15 dB for the estimator's upward bias (|beta_hat|^2 taken at the
            # maximising angle; about +0.1 dB at these TNRs)
            t = r["tnr_est"]
            se_db = 10 / math.log(10) * np.std(t, ddof=1) / (np.mean(t) * math.sqrt(len(t)))
            dtnr = db(np.mean(t)) - tnr_db
            self.assertLess(abs(dtnr), 4 * se_db + 0.15, "%s: tnr_est off by %.2f dB, SE %.2f" % (tag, dtnr, se_db))
            # the plug-in CRB of the messages against the design's bound
            q = np.median(r["crb_msg"]) / crb_deg2
            self.assertGreater(q, 0.75, tag)
            self.assertLess(q, 1.35, tag)
            # the user's SINR: ratio of two sample means of n terms, relative std
            # about sqrt(2/n)
            self.assertLess(abs(r["sinr"] / des.sinr - 1), 4 * math.sqrt(2.0 / r["n"]), tag)
            pooled += list(err ** 2 / crb_deg2)
            worst["tnr"] = max(worst["tnr"], abs(dtnr))
            worst["tnr_se"] = max(worst["tnr_se"], abs(dtnr) / se_db)
            worst["crb"].append(q)
            worst["sinr"] = max(worst["sinr"], abs(r["sinr"] / des.sinr - 1))
        # MSE/CRB of an efficient estimator: a mean of chi^2_1 terms, relative std
        # sqrt(2/n); an allowance of 0.1 (not from the trial count) for the mixed
        # estimator's heuristic |beta| at these SNRs
        ratio = float(np.mean(pooled))
        self.assertLess(abs(ratio - 1.0), 4 * math.sqrt(2.0 / len(pooled)) + 0.1)
        summary("design.bistatic -> channel -> bistatic_doa_rx", "bistatic", "inf",
                "TNR = scene.target_snr_db, p_gauss_block", "MSE/CRB %.3f (%d CPIs)" % (ratio, len(pooled)),
                "|. - 1| < %.2f" % (4 * math.sqrt(2.0 / len(pooled)) + 0.1))
        summary("  tnr_est, crb_deg2 vs design", "bistatic", "inf", "target_snr_db, design.crb in deg^2",
                "tnr err max |%.2f| dB (%.1f SE), crb_deg2/CRB %.2f..%.2f"
                % (worst["tnr"], worst["tnr_se"], min(worst["crb"]), max(worst["crb"])),
                "< 4 SE + 0.15 dB, 0.75..1.35")
        summary("  user SINR vs design.sinr", "-", "-", "h = conj(row of H)", "max rel. err %.3f" % worst["sinr"],
                "< 4 sqrt(2/n)")

    # -------------------------- 700: transmit calibration from a far receiver
    def test_700_tx_calibration_from_a_far_field_receiver(self):
        # tx_phase_estimator with its reference receiver at a random angle off
        # broadside (a user's radio, ref_deg != 0): the receiver sees a(ref)^T D x
        # for chain gains D (written out here); the cal dict through
        # array_phase_corrector in front of D must radiate x up to one common
        # factor, so every beam points where the precoder aims it
        rng = np.random.default_rng(SEED + 700)
        worst = 0.0
        for d, (ref, th) in enumerate(draw_scenes(rng, 2, n=6)):
            NT = int(rng.choice([5, 7, 9]))
            chain = 10 ** (rng.uniform(-2, 2, NT) / 20) * np.exp(1j * rng.uniform(-math.pi, math.pi, NT))
            n, lag = 40000, int(rng.integers(0, 8))
            x = (rng.standard_normal((n, NT)) + 1j * rng.standard_normal((n, NT))) / math.sqrt(2)
            y = (x * chain) @ (g_unit(NT, ref) * math.sqrt(NT))
            y = np.r_[np.zeros(lag), y[:n - lag]] + 0.05 * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
            est, dbg = isac.tx_phase_estimator(NT, ref, 0.5, 16, 16384, 32), blocks.message_debug()
            tb = gr.top_block()
            tb.connect(vsrc(x), (est, 0))
            tb.connect(vsrc(y[:, None]), (est, 1))
            tb.msg_connect(est, "cal", dbg, "store")
            tb.run()
            self.assertGreaterEqual(dbg.num_messages(), 1)
            cal = pmt.dict_delete(dbg.get_message(0), pmt.intern("offset"))
            self.assertEqual(pmt.to_python(cal)["lag"], lag)
            xb = np.outer(np.exp(2j * np.pi * rng.random(64)), g_unit(NT, th).conj())  # a beam at th
            fix, sk = isac.array_phase_corrector(NT, [], False), blocks.vector_sink_c(NT)
            fix._post(pmt.intern("cal"), cal)
            tb = gr.top_block()
            tb.connect(vsrc(xb), fix, sk)
            tb.run()
            self.assertEqual(fix.updates(), 1)
            rad = np.array(sk.data()).reshape(-1, NT) * chain
            c = np.vdot(xb.ravel(), rad.ravel()) / np.vdot(xb.ravel(), xb.ravel())
            rel = np.linalg.norm(rad - c * xb) / np.linalg.norm(c * xb)
            # phase SE ~ 0.05 / sqrt(16384 * |gain|^2) ~ 5e-4 rad per element
            self.assertLess(rel, 0.01, "N_T %d ref %.2f: radiated differs from x by %.3g" % (NT, ref, rel))
            P = isac.transmit_beampattern(rad, [th, -th])
            self.assertGreater(P[0], P[1])
            worst = max(worst, rel)
        summary("far receiver -> tx_phase_estimator -> corrector", "-", "-", "ref_deg in (-70, 70)",
                "max ||D W x - c x|| / ||c x|| %.1e" % worst, "< 0.01")

    # ----------------------------- 800: echo delay -> loop delay -> DoA
    def test_800_echo_delay_then_doa(self):
        # isac_channel's target_delay D (a static target) -> loop_delay_estimator
        # (x on in0, the echo on in1) -> its aligned outputs -> steering_reference
        # and doa_mle: the estimate is D (not -D, not the fraction's mirror) and the
        # DoA of the aligned CPIs is the target's
        rng = np.random.default_rng(SEED + 800)
        worst_d, worst_th, worst_tnr = 0.0, 0.0, 0.0
        for d, (th,) in enumerate(draw_scenes(rng, 1, n=6)):
            NT, NR, L = int(rng.choice([4, 5, 7])), int(rng.choice([6, 9])), 128
            D = int(rng.integers(1, 48))
            n = 4096 + 12 * L
            x = (rng.standard_normal((n, NT)) + 1j * rng.standard_normal((n, NT))) / math.sqrt(2)
            ch = isac.isac_channel(NT, 1, NR, "rayleigh", [], [1.0], 10.0, 0, 8000 + d, "monostatic", th, 0.0, 0.0,
                                   20.0, [], [], 1.0, "fixed", 1 << 40, D)
            le, dbg = isac.loop_delay_estimator(NT, NR, 64, 4096, False, 12.0, 0.0), blocks.message_debug()
            ref = isac.steering_reference(NT, th)
            doa = isac.doa_mle(NR, L, "known", -90.0, 90.0, 0.1, 1.0, 0.0, "newton")
            sk, skc = blocks.vector_sink_f(), blocks.vector_sink_c()
            tb = gr.top_block()
            src = vsrc(x)
            tb.connect(src, ch)
            tb.connect((ch, 0), blocks.null_sink(gr.sizeof_gr_complex))
            tb.connect(src, (le, 0))
            tb.connect((ch, 1), (le, 1))
            tb.connect((le, 0), ref, (doa, 1))
            tb.connect(ref, skc)
            tb.connect((le, 1), (doa, 0))
            tb.connect(doa, sk)
            tb.msg_connect(le, "delay", dbg, "store")
            dm = blocks.message_debug()
            tb.msg_connect(doa, "doa", dm, "store")
            tb.run()
            m = messages(dbg)
            self.assertEqual(len(m), 1)
            self.assertTrue(m[0]["valid"])
            err = m[0]["delay"] - D
            # a bound on the self-reported SE too, so that a blown-up SE cannot
            # loosen the delay check (about 0.005 here)
            self.assertLess(m[0]["delay_se"], 0.05)
            self.assertLess(abs(err), 5 * m[0]["delay_se"] + 0.01, "D %d read %.3f" % (D, m[0]["delay"]))
            # the CPIs after the estimate (it takes effect at snapshot offset + 1),
            # each within 5 sqrt(CRB) of theta: the known-mode CRB of test 900 with
            # the CPI's own reference c_t (steering_reference's output)
            k0 = 4096 // L + 1
            th_hat = np.array(sk.data(), float)[k0:]
            self.assertGreaterEqual(len(th_hat), 8)
            c = np.array(skc.data()).reshape(-1, L)[k0:k0 + len(th_hat)]
            fim = 2 * 100.0 * np.sum(np.abs(c) ** 2, axis=1) * math.pi ** 2 * \
                math.cos(math.radians(th)) ** 2 * (NR ** 2 - 1) / 12
            z = np.abs(th_hat - th) / np.degrees(1 / np.sqrt(fim))
            self.assertLess(np.max(z), 5.0, "theta %.2f read %s" % (th, th_hat))
            # a strong echo still points at theta against a misaligned reference,
            # but it then correlates over ~sqrt(L) of the L snapshots: tnr_est
            # (fixed gain, known mode) is the channel's 20 dB only when aligned
            tnr = db(np.mean([mm["tnr_est"] for mm in messages(dm)[4096 // L + 1:]]))
            self.assertLess(abs(tnr - 20.0), 0.5, "D %d: tnr_est %.2f dB" % (D, tnr))
            worst_tnr = max(worst_tnr, abs(tnr - 20.0))
            worst_d, worst_th = max(worst_d, abs(err)), max(worst_th, np.max(z))
        summary("channel target_delay -> loop_delay_estimator -> DoA", "monostatic", "inf",
                "D in [1, 48) snapshots, theta in (-70, 70)",
                "delay err max %.3f, max |theta err|/sqrt(CRB) %.2f, tnr_est err max %.2f dB"
                % (worst_d, worst_th, worst_tnr), "5 SE + 0.01, 5, 0.5 dB")

    # ------------------------------- 900: the emulated radio's target -> DoA
    def test_900_emulated_target_tnr_and_angle(self):
        # radio_emulator (profile "none", a static target) -> doa_mle with
        # steering_reference: the target at +theta, and its target_snr_db the
        # TNR zeta_0^2/radar_noise_var of isac_channel (tnr_est, known mode, reads
        # it); x well below the DAC's full scale (the profile still clips there)
        rng = np.random.default_rng(SEED + 900)
        worst_th, worst_tnr = 0.0, 0.0
        for d, (th,) in enumerate(draw_scenes(rng, 1, n=4)):
            NT, NR, L, n_cpi = int(rng.choice([3, 5, 6])), int(rng.choice([7, 10])), 256, 16
            tnr_db, s2 = float(rng.uniform(5.0, 15.0)), float(10 ** rng.uniform(-4, -2))
            x = 0.3 * (rng.standard_normal((L * n_cpi, NT)) + 1j * rng.standard_normal((L * n_cpi, NT))) / math.sqrt(2)
            em = isac.radio_emulator(NT, NR, 1, 1e6, 2.45e9, [10.0], "los", 1.0, 10.0, 0.1, th, tnr_db, [], [], s2,
                                     0, 0.0, 20.0, 0.0625, -1, False, 30.0, "none", 900 + d, False, 0, 1024, 20.0, 3,
                                     True, 0)
            ref = isac.steering_reference(NT, th)
            doa = isac.doa_mle(NR, L, "known", -90.0, 90.0, 0.1, s2, 0.0, "newton")
            sk, dbg = blocks.vector_sink_f(), blocks.message_debug()
            tb = gr.top_block()
            src = vsrc(x)
            tb.connect(src, em)
            tb.connect((em, 0), (doa, 0))
            tb.connect((em, 1), blocks.null_sink(gr.sizeof_gr_complex))
            tb.connect(src, ref, (doa, 1))
            tb.connect(doa, sk)
            tb.msg_connect(doa, "doa", dbg, "store")
            tb.run()
            est = np.array(sk.data(), float)
            m = messages(dbg)
            self.assertEqual(len(est), n_cpi)
            # CRB of the known mode (unit-norm g_R, |beta|^2 = TNR s2): 1/(2 TNR
            # sum|c_t|^2 ||P_perp dg||^2) rad^2, ||P_perp dg||^2 = pi^2 cos^2 (N^2-1)/12
            c = (x @ g_unit(NT, th)).reshape(n_cpi, L)
            fim = 2 * 10 ** (tnr_db / 10) * np.sum(np.abs(c) ** 2, axis=1) * math.pi ** 2 * \
                math.cos(math.radians(th)) ** 2 * (NR ** 2 - 1) / 12
            sd = np.degrees(1 / np.sqrt(fim))
            self.assertLess(np.max(np.abs(est - th) / sd), 5.0, "theta %.2f read %s" % (th, est))
            dtnr = db(np.mean([mm["tnr_est"] for mm in m])) - tnr_db
            self.assertLess(abs(dtnr), 0.5, "theta %.2f TNR %.2f: tnr_est off by %.2f dB" % (th, tnr_db, dtnr))
            worst_th, worst_tnr = max(worst_th, np.max(np.abs(est - th) / sd)), max(worst_tnr, abs(dtnr))
        summary("radio_emulator (none) -> doa_mle", "monostatic", "inf", "theta in (-70, 70), TNR 5..15 dB",
                "max |err|/sqrt(CRB) %.2f, tnr_est err max %.2f dB" % (worst_th, worst_tnr), "< 5, < 0.5 dB")

    # --------------------------------------------------- the removed knobs
    def test_500_sign_knobs_are_gone(self):
        for make in (lambda: isac.beampattern_probe(8, 16, sign=-1),
                     lambda: isac.array_phase_estimator(4, 10.0, 64, sign=-1),
                     lambda: isac.array_phase_corrector(4, sign=1),
                     lambda: isac.bistatic_doa_rx(4, 4, sign=1),
                     # an old positional call: sign lands in the reverse_elements slot
                     lambda: isac.beampattern_probe(8, 16, -90.0, 90.0, 1.0, -1, True),
                     lambda: isac.array_phase_estimator(4, 10.0, 64, 0.5, -1, False)):
            with self.assertRaises(TypeError) as cm:
                make()
            self.assertIn("sign", str(cm.exception))
            self.assertIn("docs/conventions.md", str(cm.exception))

    def test_510_reverse_elements(self):
        # a transmit array wired in reverse: the probe with reverse_elements on
        # the reversed stream shows the physical pattern, i.e. the one of x
        rng = np.random.default_rng(SEED + 510)
        x = (rng.standard_normal((64, 6)) + 1j * rng.standard_normal((64, 6))).astype(np.complex64)
        tb = gr.top_block()
        p0 = isac.beampattern_probe(6, 64, -90.0, 90.0, 1.0, False, False)
        p1 = isac.beampattern_probe(6, 64, -90.0, 90.0, 1.0, True, False)
        s0, s1 = blocks.vector_sink_f(p0.n_grid()), blocks.vector_sink_f(p1.n_grid())
        tb.connect(vsrc(x), p0, s0)
        tb.connect(vsrc(x[:, ::-1]), p1, s1)
        tb.run()
        np.testing.assert_allclose(np.array(s1.data()), np.array(s0.data()), rtol=1e-4)
        # a calibration estimated for the other element order is refused
        fix = isac.array_phase_corrector(4, [], True)
        fix._handle(isac.make_cal_message([0.0, 0.1, 0.2, 0.3], False))
        self.assertEqual(fix.updates(), 0)
        fix._handle(isac.make_cal_message([0.0, 0.1, 0.2, 0.3], True))
        self.assertEqual(fix.updates(), 1)


if __name__ == "__main__":
    gr_unittest.run(qa_system_conventions)
