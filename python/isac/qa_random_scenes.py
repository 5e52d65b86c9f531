#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The two ISAC chains of the README, built as docs/blocks.md describes them, in
loopback with isac_channel on seeded random asymmetric scenes (user channels,
target and 0-2 clutter patches at random angles, N_T/N_R, SNRs, Pfa), each
measurement against a reference written here from the papers' models:

  100  1-bit chain: psk_source -> one_bit_isac_tx (CI precoder, 1-bit DAC) ->
       isac_channel (monostatic) -> psk_ser_meter and one_bit_radar_rx (1-bit
       ADC); a target-free channel copy for the Pfa; a fixed-gain copy with
       CPIs -> doa_mle (known reference, infinite-resolution and 1-bit ADC).
       Users' SER within the Theorem-2 bounds of the transmitted x; Pfa at the
       set value (clutter that saturates the ADC included) within 4 sigma; Pd
       against a numpy Monte-Carlo of the paper's detector on the scene's own
       transmit vectors with a threshold at the set Pfa from target-free draws
       (pd_reference; no module code), within 4 sigma of both counts, and
       against the module's expected_pd as a second check;
       transmit main lobe at the target; DoA against the true angle and its
       CRB; the channel's truth angles and the precoder's getter are the set
       ones. Where the clutter outweighs the target at doa_mle's matched
       filter, the estimate is the clutter's angle (docs/doa_mle.md, limits).
  200  null-space chain: nullspace_precoder (ZF at a SINR target + beampattern
       sensing) -> isac_channel (bistatic) -> bistatic_doa_rx and the users'
       SER; a monostatic clutter-only copy -> one_bit_radar_rx (ideal ADC).
       SER against M-PSK at the design SINR; DoA RMSE against the CRB above
       the estimator's threshold region (TNR * sum|c_t|^2 >= 13 dB);
       a sensing beam at the pattern's maximum (within 1 dB; the maximum inside
       a beam while sensing has most of the power); Pfa; truth angles.

Run directly to print the scene table.
"""

import math
import os
import sys
import threading

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

try:
    from gnuradio import isac
except ImportError:
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio import isac

from scipy.special import erfc

SEED_1BIT = 564613773  # drawn once from SeedSequence(); the scenes follow from it
SEED_NS = 1887212475
N_SCENES = 6
L_1BIT = 2048  # snapshots per 1-bit scene
L_DOA = 128  # doa_mle CPI on the 1-bit chain
N_CPI_NS = 48  # CPIs per null-space scene
L_NS = 64
ROWS = []


def g_unit(n, deg):
    """exp(-j pi k sin theta)/sqrt(n), k = 0..n-1 (docs/conventions.md), written out."""
    return np.exp(-1j * np.pi * np.arange(n) * math.sin(math.radians(deg))) / math.sqrt(n)


def tx_pattern(x, grid):
    """Mean power radiated toward each grid angle, |a(theta)^T x|^2."""
    A = np.exp(-1j * np.pi * np.outer(np.sin(np.radians(grid)), np.arange(x.shape[1])))
    return np.mean(np.abs(x @ A.T) ** 2, axis=0)


def qfunc(t):
    return 0.5 * erfc(np.asarray(t) / math.sqrt(2.0))


def psk_idx(y, m):
    return np.mod(np.rint(np.angle(y) * m / (2 * math.pi)).astype(int), m)


def theorem2(H, x, s, m, noise_var):
    """1-bit ISAC paper Theorem 2 per user, averaged over snapshots: alpha_u = Re z -
    cot(pi/M)|Im z|, z = e^{-j arg s_u} h_u^H x; Psi(a) <= SEP <= 2 Psi(a), a =
    sqrt(2) sin(pi/M) alpha/sigma."""
    z = (x @ H.T) * np.exp(-1j * np.angle(s))
    alpha = z.real - np.abs(z.imag) / math.tan(math.pi / m)
    p = qfunc(math.sqrt(2.0) * math.sin(math.pi / m) * alpha / math.sqrt(noise_var))
    return p.mean(axis=0), np.minimum(1.0, 2 * p).mean(axis=0)


def psk_ser(m, snr):
    """Exact M-PSK SEP in complex AWGN (Craig's integral)."""
    phi = np.linspace(1e-9, (m - 1) * math.pi / m, 20001)
    return float(np.trapz(np.exp(-snr * math.sin(math.pi / m) ** 2 / np.sin(phi) ** 2), phi) / math.pi)


def half(p, n, z=4.0):
    p = max(p, 1.0 / n)
    return z * math.sqrt(p * (1 - p) / n)


def crb_deg2(tnr_db, pc, n_rx, theta):
    """CRB of theta for y_t = beta g_R(theta) c_t + n, known c_t, unknown complex beta,
    |beta|^2 = TNR sigma^2, pc = sum_t |c_t|^2: 1/(2 TNR pc ||P_perp dg/dtheta||^2),
    ||P_perp dg/dtheta||^2 = pi^2 cos^2(theta) (N^2 - 1)/12, in deg^2."""
    d2 = math.pi ** 2 * math.cos(math.radians(theta)) ** 2 * (n_rx ** 2 - 1) / 12.0
    return math.degrees(1.0) ** 2 / (2 * 10 ** (tnr_db / 10) * pc * d2)


def integrated_snr_db(tnr_db, pc):
    """TNR * sum_t |c_t|^2 over a CPI (snr_est times L). The CRB describes the ML
    estimate above its threshold region: docs/doa_mle.md puts that at gamma_s = snr_est
    of about -5 dB for N = 16, L = 64, i.e. 13 dB integrated; below it outliers spread over
    the whole grid."""
    return tnr_db + 10 * np.log10(pc)


SNR_INT_MIN_DB = 13.0

# The independent Pd reference (pd_reference): transmit vectors sampled from a
# scene's, H0/H1 echo draws per vector
PD_REF_X, PD_REF_H0, PD_REF_H1 = 96, 4000, 400


def pd_reference(x, NR, tgt, clut, cnr, snr_r, pfa, rng):
    """Pd of the 1-bit ISAC paper's detector on these transmit vectors, by
    Monte-Carlo from its models alone (no module code): the monostatic echo
    r = sum_q gamma_q g_R(theta_q) g_T(theta_q)^T x + n with Swerling-I gains
    gamma_q ~ CN(0, zeta_q^2) drawn per snapshot (zeta_0^2 = SNR_R, zeta_q^2 =
    CNR_q, sigma_R^2 = 1), the 1-bit ADC sgn(Re) + j sgn(Im), the filter
    u ~ M^-1 g_R0, M = I + sum_q (2/pi) CNR_q |c_q|^2 g_R(theta_q) g_R(theta_q)^H
    (eq. 13-14; u's scale does not change a decision), and the threshold of
    |u^H r| at the set Pfa taken per vector from PD_REF_H0 target-free draws
    (the detector the block's kappa stands for: Pfa at every x). Returns the
    mean Pd over PD_REF_X vectors drawn from x and its Monte-Carlo sd (the
    spread of the per-vector Pd over the vectors: H1 draws, thresholds and
    the vectors sampled)."""
    x = x[rng.choice(len(x), size=min(PD_REF_X, len(x)), replace=False)]
    NT = x.shape[1]
    gr_ = np.array([g_unit(NR, a) for a in [tgt] + list(clut)])  # (Q+1, NR)
    gt = np.array([g_unit(NT, a) for a in [tgt] + list(clut)])
    zeta = np.sqrt(10 ** (np.array([snr_r] + list(cnr)) / 10))
    pds = []
    for xt in x:
        c = gt @ xt  # c_q = g_T(theta_q)^T x
        M = np.eye(NR, dtype=complex)
        for q in range(1, len(c)):
            M += (2 / math.pi) * zeta[q] ** 2 * abs(c[q]) ** 2 * np.outer(gr_[q], gr_[q].conj())
        v = np.linalg.solve(M, gr_[0])
        vc, gr32 = v.conj().astype(np.complex64), gr_.astype(np.complex64)

        def stat(n, target):
            g = rng.standard_normal((n, 2 * len(c))).view(complex) * zeta / math.sqrt(2)
            if not target:
                g[:, 0] = 0.0
            # the noise's scale does not change a sign: sqrt(2) r, in single precision
            r = (((g * c * math.sqrt(2)).astype(np.complex64) @ gr32).view(np.float32) +
                 rng.standard_normal((n, 2 * NR), dtype=np.float32))
            return np.abs(np.sign(r).view(np.complex64) @ vc)

        thr = np.quantile(stat(PD_REF_H0, False), 1.0 - pfa)
        pds.append(np.mean(stat(PD_REF_H1, True) > thr))
    pds = np.array(pds)
    return float(pds.mean()), float(pds.std(ddof=1) / math.sqrt(len(pds)))


def draw_angle(rng, avoid, lo, hi, sep=8.0):
    """|angle| in (lo, hi), random sign, at least sep from the others and 3 deg
    from their mirrors."""
    while True:
        a = float(np.round(rng.uniform(lo, hi) * rng.choice([-1, 1]), 1))
        if all(abs(a - b) > sep and abs(a + b) > 3.0 for b in avoid):
            return a


class store(gr.basic_block):
    def __init__(self):
        gr.basic_block.__init__(self, name="store", in_sig=None, out_sig=None)
        self.msgs = []
        self._lock = threading.Lock()
        self.message_port_register_in(pmt.intern("in"))
        self.set_msg_handler(pmt.intern("in"), self._handle)

    def _handle(self, msg):
        with self._lock:
            self.msgs.append(pmt.to_python(msg))

    def dicts(self):
        with self._lock:
            return [m for m in self.msgs if isinstance(m, dict)]


# ------------------------------------------------------------------- 1-bit chain
def draw_1bit(rng):
    s = dict(NT=int(rng.choice([16, 32, 64])), NR=int(rng.choice([16, 32, 64, 128])), U=int(rng.integers(2, 5)),
             M=int(rng.choice([4, 8])), snr_c=float(np.round(rng.uniform(5, 15), 1)),
             gamma=float(np.round(rng.uniform(0, 5), 1)))
    s["tgt"] = draw_angle(rng, [], 8.0, 60.0)
    clut = []
    for _ in range(int(rng.integers(0, 3))):
        clut.append(draw_angle(rng, [s["tgt"]] + clut, 5.0, 75.0))
    s["clut"] = clut
    s["cnr"] = [float(np.round(rng.uniform(20, 45), 1)) for _ in clut]
    s["snr_r"] = float(np.round(rng.uniform(0, 15), 1))
    s["pfa"] = float(rng.choice([1e-2, 3e-2]))
    return s


def run_1bit(s, seed):
    NT, NR, U, M = s["NT"], s["NR"], s["U"], s["M"]
    sc2 = 1.0 / 10 ** (s["snr_c"] / 10)
    tgt, clut, cnr, snr_r, pfa = s["tgt"], s["clut"], s["cnr"], s["snr_r"], s["pfa"]
    tb = gr.top_block()
    src = isac.psk_source(U, M, seed)
    head = blocks.head(gr.sizeof_gr_complex * U, L_1BIT)
    tx = isac.one_bit_isac_tx(NT, U, M, 1.0, sc2, s["gamma"], tgt, clut, snr_r, cnr, NR, "qos", 8.0, "1bit")

    def channel(snr_db, gain="swerling1", cpi=1):
        return isac.isac_channel(NT, U, NR, "rayleigh", [], [sc2], 10.0, 0, seed, "monostatic", tgt, 0.0, 0.0,
                                 snr_db, clut, cnr, 1.0, gain, cpi, 0)

    # same seed: the same users' channel; ch0 has no target (H0), chd fixed gains over a CPI
    ch1, ch0, chd = channel(snr_r), channel(-200.0), channel(snr_r, "fixed", L_DOA)
    rx1 = isac.one_bit_radar_rx(NT, NR, tgt, clut, snr_r, cnr, 1.0, pfa, "1bit")
    rx0 = isac.one_bit_radar_rx(NT, NR, tgt, clut, snr_r, cnr, 1.0, pfa, "1bit")
    adc = isac.one_bit_quantizer(NR, "adc", 1.0)
    doa_q = isac.doa_mle(NR, L_DOA, "known", -90.0, 90.0, 0.1, 1.0, 0.0, "newton", NT, tgt)
    doa_i = isac.doa_mle(NR, L_DOA, "known", -90.0, 90.0, 0.1, 1.0, 0.0, "newton", NT, tgt)
    # told the clutter map: the patches projected out (docs/doa_mle.md, known clutter)
    doa_c = isac.doa_mle(NR, L_DOA, "known", -90.0, 90.0, 0.1, 1.0, 0.0, "newton", NT, tgt, clut)
    truth, dmsg, cmsg = store(), store(), store()
    sx, ss, sy = blocks.vector_sink_c(NT), blocks.vector_sink_c(U), blocks.vector_sink_c(U)
    st1, st0, eq, ei = blocks.vector_sink_f(), blocks.vector_sink_f(), blocks.vector_sink_f(), blocks.vector_sink_f()
    tb.connect(src, head, tx, ch1)
    tb.msg_connect(ch1, "csi", tx, "csi")
    tb.msg_connect(ch1, "truth", truth, "in")
    for c in (ch0, chd):
        tb.connect(tx, c)
        tb.connect((c, 0), blocks.null_sink(gr.sizeof_gr_complex * U))
    tb.connect(tx, sx)
    tb.connect(head, ss)
    tb.connect((ch1, 0), sy)
    for rx, c, sink in ((rx1, ch1, st1), (rx0, ch0, st0)):
        tb.connect((c, 1), (rx, 0))
        tb.connect(tx, (rx, 1))
        tb.connect((rx, 0), blocks.null_sink(gr.sizeof_gr_complex))
        tb.connect((rx, 1), sink)
    tb.connect((chd, 1), adc, (doa_q, 0))
    tb.connect((chd, 1), (doa_i, 0))
    tb.connect((chd, 1), (doa_c, 0))
    for d, sink in ((doa_q, eq), (doa_i, ei), (doa_c, blocks.null_sink(gr.sizeof_float))):
        tb.connect(tx, (d, 1))
        tb.connect(d, sink)
    tb.msg_connect(doa_i, "doa", dmsg, "in")
    tb.msg_connect(doa_c, "doa", cmsg, "in")
    tb.run()

    x = np.array(sx.data()).reshape(-1, NT)
    n = len(x)
    sym = np.array(ss.data()).reshape(-1, U)[:n]
    y = np.array(sy.data()).reshape(-1, U)[:n]
    H = np.array(ch1.channel()).reshape(U, NT)
    live = np.any(x != 0, axis=1)  # the precoder sends zeros until it has a channel
    r = dict(n=n, live=int(live.sum()))
    r["lo"], r["hi"] = theorem2(H, x, sym, M, sc2)
    r["ser"] = np.mean(psk_idx(y, M) != psk_idx(sym, M), axis=0)
    h0 = np.array(st0.data())[:n][live]
    r["pfa"], r["n0"] = float(np.mean(h0 >= 1.0)), len(h0)
    h1 = np.array(st1.data())[:n][live]
    r["pd"], r["n1"] = float(np.mean(h1 >= 1.0)), len(h1)
    r["pd_ref"], r["pd_ref_sd"] = pd_reference(x[live], NR, tgt, clut, cnr, snr_r, s["pfa"],
                                               np.random.default_rng(seed))
    # the module's own prediction, a second check (the detector's exact model)
    xs_ = x[live][np.random.default_rng(seed + 1).choice(int(live.sum()), size=min(PD_REF_X, int(live.sum())),
                                                          replace=False)]
    r["pd_model"] = float(np.mean([rx1.filter.expected_pd(list(xt)) for xt in xs_]))
    # per-antenna clutter-to-noise power CNR_pa = sum_q CNR_q |g_T(q)^T x|^2 / N_R
    cpa = sum(10 ** (c / 10) * np.abs(x[live] @ g_unit(NT, a)) ** 2 for a, c in zip(clut, cnr))
    r["cnr_pa_db"] = float(10 * np.log10(np.mean(cpa) / NR)) if clut else -math.inf
    grid = np.arange(-90.0, 90.05, 0.1)
    r["peak"] = float(grid[np.argmax(tx_pattern(x[live], grid))])
    # DoA per CPI, with the CRB and the clutter-to-target ratio at doa_mle's matched
    # filter b^H z, z = sum_t y_t c_t^*: CNR_q |sum_t c_q c_0^*|^2 / (TNR (sum_t |c_0|^2)^2)
    thq, thi = np.array(eq.data(), float), np.array(ei.data(), float)
    K = min(len(thq), len(thi), n // L_DOA)
    c0 = (x @ g_unit(NT, tgt))[:K * L_DOA].reshape(K, L_DOA)
    pc = np.sum(np.abs(c0) ** 2, axis=1)
    r["crb"] = np.array([crb_deg2(snr_r, p, NR, tgt) for p in pc])
    r["snr_int"] = integrated_snr_db(snr_r, pc)
    itr = np.full((K, max(len(clut), 1)), -math.inf)
    for q, (a, c) in enumerate(zip(clut, cnr)):
        cq = (x @ g_unit(NT, a))[:K * L_DOA].reshape(K, L_DOA)
        itr[:, q] = 10 * np.log10(10 ** ((c - snr_r) / 10) * np.abs(np.sum(cq * c0.conj(), axis=1)) ** 2 / pc ** 2)
    r["itr"], r["strongest"] = itr.max(axis=1), [clut[i] if clut else None for i in itr.argmax(axis=1)]
    r["full"] = np.array([np.all(live[k * L_DOA:(k + 1) * L_DOA]) for k in range(K)])
    r["thq"], r["thi"] = thq[:K], thi[:K]
    r["msg_th"] = np.array([m["theta_deg"] for m in dmsg.dicts() if m.get("valid")])[:K]
    r["clut_dicts"] = cmsg.dicts()[:K]
    r["truth"] = {(float(m["target_deg"]), tuple(float(v) for v in m["clutter_deg"])) for m in truth.dicts()}
    r["getter"] = tx.precoder.target_deg()
    return r


# --------------------------------------------------------------- null-space chain
def draw_ns(rng):
    s = dict(NT=int(rng.choice([8, 16, 32])), NR=int(rng.choice([8, 16, 32])), U=int(rng.integers(1, 4)),
             M=int(rng.choice([4, 8])), snr_c=float(np.round(rng.uniform(10, 20), 1)),
             sinr=float(np.round(rng.uniform(5, 12), 1)))
    s["dod"] = draw_angle(rng, [], 5.0, 50.0)
    s["beam2"] = draw_angle(rng, [s["dod"]], 5.0, 60.0, sep=20.0)
    s["doa"] = draw_angle(rng, [s["dod"]], 5.0, 60.0, sep=3.0)
    s["tnr"] = float(np.round(rng.uniform(-5, 10), 1))
    clut = []
    for _ in range(int(rng.integers(0, 3))):
        clut.append(draw_angle(rng, [s["dod"], s["beam2"]] + clut, 5.0, 75.0))
    s["clut"] = clut
    s["cnr"] = [float(np.round(rng.uniform(15, 35), 1)) for _ in clut]
    s["pfa"] = float(rng.choice([1e-2, 3e-2]))
    return s


def run_ns(s, seed):
    NT, NR, U, M = s["NT"], s["NR"], s["U"], s["M"]
    sc2 = 1.0 / 10 ** (s["snr_c"] / 10)
    tb = gr.top_block()
    src = isac.psk_source(U, M, seed)
    head = blocks.head(gr.sizeof_gr_complex * U, N_CPI_NS * L_NS)
    pre = isac.nullspace_precoder(NT, U, 1.0, "zf", s["sinr"], sc2, "beampattern", [s["dod"], s["beam2"]], 10.0,
                                  L_NS)
    ch = isac.isac_channel(NT, U, NR, "rayleigh", [], [sc2], 10.0, 0, seed, "bistatic", 0.0, s["dod"], s["doa"],
                           s["tnr"], [], [], 1.0, "fixed", L_NS, 0)
    ch0 = isac.isac_channel(NT, U, NR, "rayleigh", [], [sc2], 10.0, 0, seed, "monostatic", s["dod"], 0.0, 0.0,
                            -200.0, s["clut"], s["cnr"], 1.0, "swerling1", 1, 0)
    rx0 = isac.one_bit_radar_rx(NT, NR, s["dod"], s["clut"], 10.0, s["cnr"], 1.0, s["pfa"], "inf")
    doa = isac.bistatic_doa_rx(NT, NR, s["dod"], L_NS, "known", -90.0, 90.0, 0.1, 1.0, 0.0, "newton")
    ser = isac.psk_ser_meter(U, M, 0, 0)
    dmsg, truth, pstats = store(), store(), store()
    est, xs, st0 = blocks.vector_sink_f(), blocks.vector_sink_c(NT), blocks.vector_sink_f()
    tb.connect(src, head, pre, ch)
    tb.msg_connect(pre, "stats", pstats, "in")
    tb.msg_connect(ch, "csi", pre, "csi")
    tb.msg_connect(ch, "truth", truth, "in")
    tb.connect((ch, 1), (doa, 0))
    tb.connect(pre, (doa, 1))
    tb.connect(doa, est)
    tb.msg_connect(doa, "doa", dmsg, "in")
    tb.connect((ch, 0), (ser, 0))
    tb.connect(head, (ser, 1))
    tb.connect(ser, blocks.null_sink(gr.sizeof_float * U))
    tb.connect(pre, xs)
    tb.connect(pre, ch0)
    tb.connect((ch0, 0), blocks.null_sink(gr.sizeof_gr_complex * U))
    tb.connect((ch0, 1), (rx0, 0))
    tb.connect(pre, (rx0, 1))
    tb.connect((rx0, 0), blocks.null_sink(gr.sizeof_gr_complex))
    tb.connect((rx0, 1), st0)
    # the design runs in the background and the output is zero until it is ready
    # (docs/blocks.md): design for the simulator's static channel first
    pre.set_channel(np.array(ch.channel()).reshape(U, NT))
    assert pre.wait_design(60.0) is not False
    tb.run()
    x = np.array(xs.data()).reshape(-1, NT)
    th = np.array(est.data(), float)
    K = len(th)
    pc = np.sum((np.abs(x @ g_unit(NT, s["dod"])) ** 2)[:K * L_NS].reshape(K, L_NS), axis=1)
    grid = np.arange(-90.0, 90.05, 0.1)
    bp = tx_pattern(x, grid)
    msgs = [m for m in dmsg.dicts() if m.get("valid")]
    design = pstats.dicts()
    return dict(split=float(design[-1]["split"]) if design else math.nan,
                beam_db=[10 * np.log10(bp[np.abs(grid - b) <= 5.0].max() / bp.max()) for b in (s["dod"], s["beam2"])],
                th=th, crb=np.array([crb_deg2(s["tnr"], p, NR, s["doa"]) for p in pc]), ser=np.array(ser.ser()),
                snr_int=integrated_snr_db(s["tnr"], pc),
                nser=ser.count(), peak=float(grid[np.argmax(bp)]), h0=np.array(st0.data()),
                msg_th=np.array([m["theta_deg"] for m in msgs]), tnr_est=np.array([m["tnr_est"] for m in msgs]),
                truth={(float(m["tx_deg"]), float(m["rx_deg"])) for m in truth.dicts()})


class qa_random_scenes(gr_unittest.TestCase):

    @classmethod
    def tearDownClass(cls):
        if ROWS:
            print("\n".join(ROWS))

    def test_100_one_bit_chain(self):
        rng = np.random.default_rng(SEED_1BIT)
        pooled_i, pooled_q, n_clean, n_captured, max_cnr_pa = [], [], 0, 0, -math.inf
        pooled_c, n_clutter_aware, n_recovered = [], 0, 0
        pfa_hits, pfa_n, pd_rows = {}, {}, []
        for k in range(N_SCENES):
            s = draw_1bit(rng)
            seed = int(rng.integers(1, 2 ** 31))
            r = run_1bit(s, seed)
            tag = "1bit scene %d (seed %d, %s)" % (k, seed, s)
            self.assertGreater(r["live"], 0.95 * r["n"], tag)
            for u in range(s["U"]):
                self.assertLessEqual(r["ser"][u], r["hi"][u] + half(r["hi"][u], r["n"]), tag)
                self.assertGreaterEqual(r["ser"][u], r["lo"][u] - half(r["lo"][u], r["n"]), tag)
            self.assertLessEqual(abs(r["pfa"] - s["pfa"]), half(s["pfa"], r["n0"]), tag)
            # Pd against the numpy Monte-Carlo of the paper's detector (4 sigma of
            # both counts); the module's exact model (expected_pd) the same way
            sd_pd = math.hypot(half(r["pd"], r["n1"], 1.0), r["pd_ref_sd"])
            self.assertLessEqual(abs(r["pd"] - r["pd_ref"]), 4 * sd_pd, tag)
            self.assertLessEqual(abs(r["pd"] - r["pd_model"]), 4 * half(r["pd"], r["n1"], 1.0), tag)
            pd_rows.append((r["pd"], r["pd_ref"], r["pd_model"], r["n1"], sd_pd))
            pfa_hits[s["pfa"]] = pfa_hits.get(s["pfa"], 0) + r["pfa"] * r["n0"]
            pfa_n[s["pfa"]] = pfa_n.get(s["pfa"], 0) + r["n0"]
            max_cnr_pa = max(max_cnr_pa, r["cnr_pa_db"])
            # main lobe within half the 3-dB beamwidth 0.886 * 2/(N_T cos theta) rad
            hpbw = math.degrees(0.886 * 2.0 / (s["NT"] * math.cos(math.radians(s["tgt"]))))
            self.assertLessEqual(abs(r["peak"] - s["tgt"]), hpbw / 2, tag)
            self.assertEqual(r["truth"], {(s["tgt"], tuple(s["clut"]))}, tag)
            self.assertAlmostEqual(r["getter"], s["tgt"], places=9, msg=tag)
            np.testing.assert_allclose(r["msg_th"], r["thi"], atol=1e-4, err_msg=tag)
            for j in range(len(r["thi"])):
                if not r["full"][j]:
                    continue
                if r["itr"][j] <= -10.0 and r["snr_int"][j] >= SNR_INT_MIN_DB:  # one source, above threshold
                    n_clean += 1
                    for th, pool in ((r["thi"][j], pooled_i), (r["thq"][j], pooled_q)):
                        self.assertLess(abs(th - s["tgt"]), 6 * math.sqrt(r["crb"][j]) + 0.05, tag)
                        pool.append((th - s["tgt"]) ** 2 / r["crb"][j])
                elif r["itr"][j] >= 6.0:  # the clutter dominates: its angle (documented limit)
                    n_captured += 1
                    self.assertLess(abs(r["thi"][j] - r["strongest"][j]), 1.0, tag)
                # told the clutter angles, the estimate is the target's in every regime,
                # within its nuisance CRB above the threshold
                m = r["clut_dicts"][j]
                if m["valid"] and m["above_threshold"]:
                    n_clutter_aware += 1
                    if s["clut"] and r["itr"][j] >= 6.0:
                        n_recovered += 1
                    self.assertLess(abs(m["theta_deg"] - s["tgt"]), 6 * math.sqrt(m["crb_deg2"]) + 0.05, tag)
                    pooled_c.append((m["theta_deg"] - s["tgt"]) ** 2 / m["crb_deg2"])
            ROWS.append("%s\n   SER %s in [%s, %s]; Pfa %.4f (set %g, %d trials, CNR_pa %.1f dB); Pd %.4f, "
                        "reference %.4f (sd %.4f), expected_pd %.4f; peak %.1f; "
                        "DoA inf %s 1-bit %s; sqrt(CRB) %.3f; ITR %s dB" % (
                            tag, np.round(r["ser"], 4), np.round(r["lo"], 4), np.round(r["hi"], 4), r["pfa"],
                            s["pfa"], r["n0"], r["cnr_pa_db"], r["pd"], r["pd_ref"], r["pd_ref_sd"], r["pd_model"],
                            r["peak"], np.round(r["thi"], 2),
                            np.round(r["thq"], 2), math.sqrt(np.mean(r["crb"])), np.round(r["itr"], 1)))
        # Pd over the scenes: the summed differences against their summed variances
        d = sum(p - ref for p, ref, _, _, _ in pd_rows)
        sd = math.sqrt(sum(v ** 2 for _, _, _, _, v in pd_rows))
        self.assertLessEqual(abs(d), 4 * sd)
        ROWS.append("1-bit chain Pd: flowgraph - numpy reference summed over %d scenes %+.4f (sd %.4f); - expected_pd "
                    "%+.4f" % (len(pd_rows), d, sd, sum(p - m for p, _, m, _, _ in pd_rows)))
        # the draws cover both regimes and saturating clutter
        self.assertGreater(max_cnr_pa, 0.0)
        self.assertGreaterEqual(n_clean, 20)
        self.assertGreaterEqual(n_captured, 1)
        for p in pfa_n:
            self.assertLessEqual(abs(pfa_hits[p] / pfa_n[p] - p), half(p, pfa_n[p]))
        # MSE/CRB of an efficient estimator: sum of chi^2_1 over the CPIs; 4 sigma plus 10 %
        # for the finite SNR of the weakest scenes
        n = len(pooled_i)
        ratio_i, ratio_q = float(np.mean(pooled_i)), float(np.mean(pooled_q))
        tol = 4 * math.sqrt(2.0 / n)
        self.assertLess(abs(ratio_i - 1.0), tol + 0.1)
        # the 1-bit ADC costs 2/pi of the SNR at low per-antenna SNR (pi/2 in MSE), more above
        self.assertGreater(ratio_q, math.pi / 2 * (1 - tol))
        self.assertLess(ratio_q, 2.5)
        self.assertGreaterEqual(n_recovered, 1)
        ratio_c = float(np.mean(pooled_c))
        self.assertLess(abs(ratio_c - 1.0), 4 * math.sqrt(2.0 / len(pooled_c)) + 0.15)
        ROWS.append("1-bit chain: %d clean CPIs, MSE/CRB inf %.3f, 1-bit %.3f (pi/2 = %.3f); %d captured CPIs; "
                    "with clutter_deg %d CPIs above threshold (%d of them captured without), MSE/nuisance CRB %.3f"
                    % (n, ratio_i, ratio_q, math.pi / 2, n_captured, n_clutter_aware, n_recovered, ratio_c))

    def test_200_nullspace_chain(self):
        rng = np.random.default_rng(SEED_NS)
        pooled, h0, n_below, n_lobe = [], {}, 0, 0
        for k in range(N_SCENES):
            s = draw_ns(rng)
            seed = int(rng.integers(1, 2 ** 31))
            r = run_ns(s, seed)
            tag = "null-space scene %d (seed %d, %s)" % (k, seed, s)
            ref = psk_ser(s["M"], 10 ** (s["sinr"] / 10))
            for u in range(s["U"]):
                self.assertLessEqual(abs(r["ser"][u] - ref), half(ref, r["nser"]), tag)
            self.assertEqual(len(r["th"]), N_CPI_NS, tag)
            e = r["th"] - s["doa"]
            above = r["snr_int"] >= SNR_INT_MIN_DB
            n_below += int(np.sum(~above))
            if np.any(above):
                self.assertLess(np.max(np.abs(e[above]) / np.sqrt(r["crb"][above])), 5.0, tag)
            pooled.extend(e[above] ** 2 / r["crb"][above])
            np.testing.assert_allclose(r["msg_th"], r["th"], atol=1e-4, err_msg=tag)
            # the designed pattern includes the users' beams F F^H (docs/nullspace_precoder.md): a
            # sensing beam is within 1 dB of the pattern's maximum, and the maximum lies in a
            # 10-deg sensing beam while sensing has most of the power
            self.assertGreater(max(r["beam_db"]), -1.0, tag)
            self.assertLess(r["split"], 1.0, tag)
            if r["split"] <= 0.5:
                n_lobe += 1
                self.assertLessEqual(min(abs(r["peak"] - s["dod"]), abs(r["peak"] - s["beam2"])), 5.0, tag)
            h0.setdefault(s["pfa"], []).append(r["h0"])
            self.assertLessEqual(abs(np.mean(r["h0"] >= 1.0) - s["pfa"]), half(s["pfa"], len(r["h0"])), tag)
            self.assertEqual(r["truth"], {(s["dod"], s["doa"])}, tag)
            ROWS.append("%s\n   SER %s ref %.4f; DoA mean %.3f RMSE %.4f sqrt(CRB) %.4f; TNR*sum|c|^2 %.1f dB; "
                        "tnr_est %.2f dB; peak %.1f, beams at %s dB, comm share %.2f; Pfa %.4f" % (
                            tag, np.round(r["ser"], 4), ref, np.mean(r["th"]), math.sqrt(np.mean(e ** 2)),
                            math.sqrt(np.mean(r["crb"])), np.mean(r["snr_int"]), 10 * np.log10(np.mean(r["tnr_est"])),
                            r["peak"], np.round(r["beam_db"], 2), r["split"], np.mean(r["h0"] >= 1.0)))
        n = len(pooled)
        ratio = float(np.mean(pooled))
        self.assertLess(abs(ratio - 1.0), 4 * math.sqrt(2.0 / n) + 0.1)
        for p, v in h0.items():
            v = np.concatenate(v)
            self.assertLessEqual(abs(np.mean(v >= 1.0) - p), half(p, len(v)))
        self.assertGreaterEqual(n, 100)
        self.assertGreaterEqual(n_lobe, 3)
        ROWS.append("null-space chain: %d CPIs above the threshold, MSE/CRB %.3f; %d CPIs below it" % (n, ratio, n_below))


if __name__ == "__main__":
    gr_unittest.run(qa_random_scenes)
