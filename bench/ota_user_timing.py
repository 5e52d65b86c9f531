#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""What a user's fractional timing offset costs its SER on the emulated radio,
with the user receiver's interpolator and with any receiver (docs/ota_measurements.md, "The
users' SER on harsh").

The emulator delays each user's stream by a band-limited fractional delay
(core::fractional_delay: Kaiser-windowed sinc, fd_taps taps). The 1-bit
precoder's stream is full-band (a new vector every snapshot), and a delay
between two samples loses the band edge: the kernel's gain falls to zero at
Nyquist at a half sample, and no receiver restores what it removed.

1. White full-band stream, exact from the taps: the signal-to-interference
   ratio after the emulator's delay and the user receiver's interpolator
   (core.frac_interp, 2 half + 1 taps, at the true fraction); "ideal": an
   ideal all-pass correction (the kernel's own magnitude droop is left: the
   interference any interpolator at least leaves); the unbiased SINR of the
   MMSE linear equaliser over the whole band at the users' SNR (any linear
   receiver's bound, given the kernel).
2. The judged genie's users (apps/isac_ota_emulated run_genie: ideal hardware,
   the precoder designing on the true channel), their received samples taken
   without noise; the emulator's delay, the users' noise and a receiver are
   put between them and the decisions here: SER per user with no delay (the
   genie's own, a check), with the receiver's interpolator and with the ideal
   correction, at each fraction and at the fractions harsh draws for the
   seed's users (--harsh). The ideal correction is a reference receiver, not
   a bound on SER: it keeps the noise near Nyquist that an interpolator's
   droop filters out. Each receiver draws its own noise.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ota_user_timing.py \\
        [--fractions 0.1 0.25 0.4 0.5] [--seeds 2 3] [--seconds 0.1] [--interp-half 16 32] [--harsh]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ota_app  # noqa: E402
from gnuradio import isac  # noqa: E402
from gnuradio.isac import core  # noqa: E402

N_FFT = 1 << 14


def emulator_taps(f, fd_taps, beta):
    """The emulator's delay of a user whose whole delay is long enough for the full
    kernel (below fd_taps / 2 samples it is shorter), less its whole part: the
    fraction f in (0, 1) as taps on lags k_first, k_first + 1, ..."""
    whole = fd_taps // 2
    h, kf = core.fractional_delay_kernel(whole + f, fd_taps, beta)
    return np.array(h), kf  # lags floor(whole + f) + kf + j, less the whole part


def interp_taps(half, delta):
    """core.frac_interp's taps for the value at p + delta (on x[p - half .. p + half])."""
    x = np.zeros(4 * half + 1, dtype=np.complex64)
    out = []
    for i in range(-half, half + 1):  # the response to a unit sample at p + i
        x[:] = 0
        x[2 * half + i] = 1
        out.append(core.frac_interp(half).run(x, delta)[half].real)
    return np.array(out)


def cascade(f, half, fd_taps, beta):
    """The emulator's delay then the receiver's interpolator at the true fraction:
    the response (lag -> gain) from the sent sample to the receiver's value."""
    h, kf = emulator_taps(f, fd_taps, beta)
    shift = 1 if f > 0.5 else 0  # the receiver interpolates within half a sample
    g = interp_taps(half, f - shift)
    c = {}
    for i, gi in zip(range(-half, half + 1), g):
        for j, hj in enumerate(h):
            lag = i - (kf + j) + shift
            c[lag] = c.get(lag, 0.0) + gi * hj
    return c


def sir_db(c):
    main = c.get(0, 0.0)
    return 10 * np.log10(main ** 2 / sum(v * v for k, v in c.items() if k != 0))


def kernel_response(f, fd_taps, beta):
    h, kf = emulator_taps(f, fd_taps, beta)
    nu = np.fft.fftfreq(N_FFT)
    return np.exp(-2j * np.pi * np.outer(nu, kf + np.arange(len(h)))) @ h


def bounds_db(f, snr_db, fd_taps, beta):
    """(ideal all-pass correction SIR, MMSE linear equaliser SINR) for a white stream."""
    a = np.abs(kernel_response(f, fd_taps, beta))
    ideal = 10 * np.log10(a.mean() ** 2 / a.var())
    s2 = 10 ** (-snr_db / 10)
    le = 10 * np.log10(1 / np.mean(s2 / (a ** 2 + s2)) - 1)
    return ideal, le


def decide(z, alphabet):
    return alphabet[np.argmax((z[:, None] * np.conj(alphabet)[None, :]).real, axis=1)]


def ser_after(y, s, f, half, noise_var, rng, fd_taps, beta):
    """SER of one user's noise-free samples y after the emulator's delay by f, white
    noise, then (half > 0) the receiver's interpolator, (half 0) the ideal
    correction or (f 0) nothing."""
    alphabet = np.unique(np.round(s / np.abs(s), 6))
    n = len(y)
    if f > 0:
        h, kf = emulator_taps(f, fd_taps, beta)
        yd = np.zeros(n, dtype=complex)  # yd[t] = sum_j h[j] y[t - kf - j]
        for j, hj in enumerate(h):
            d = kf + j
            if d >= 0:
                yd[d:] += hj * y[:n - d]
            else:
                yd[:n + d] += hj * y[-d:]
    else:
        yd = y.astype(complex)
    yd = yd + np.sqrt(noise_var / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    if f == 0:
        z, ref = yd, s
    elif half > 0:
        shift = 1 if f > 0.5 else 0
        z = np.asarray(core.frac_interp(half).run(yd.astype(np.complex64), f - shift))
        ref = s[half - shift:half - shift + len(z)]
    else:
        nu = np.fft.fftfreq(n)
        z, ref = np.fft.ifft(np.fft.fft(yd) * np.exp(2j * np.pi * nu * f)), s
    m = 64  # the ends (the delay's and the correction's edges)
    z, ref = z[m:-m], ref[m:-m]
    return float(np.mean(decide(z, alphabet) != decide(ref, alphabet)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.1, 0.25, 0.4, 0.5])
    ap.add_argument("--seeds", type=int, nargs="*", default=[2, 3], help="genie seeds (none: part 1 only)")
    ap.add_argument("--seconds", type=float, default=0.1)
    ap.add_argument("--interp-half", type=int, nargs="+", default=[16, 32])
    ap.add_argument("--fd-taps", type=int, default=32, help="the emulator's kernel length (frontend_params fd_taps)")
    ap.add_argument("--kaiser-beta", type=float, default=6.0, help="the emulator's kernel window")
    ap.add_argument("--harsh", action="store_true", help="also at the fractions harsh draws for each seed's users")
    a = ap.parse_args()
    for f in a.fractions:
        if not 0.0 < f < 1.0:
            ap.error("--fractions must be in (0, 1)")
    app = ota_app.load_app()
    cls, sc0, sr = ota_app.flowgraph(app)
    caps = []
    for seed in a.seeds:
        args = ota_app.run_args(app, sc0, sr, "none", seed, a.seconds)
        g = app.run_genie(dict(sc0), args, -120.0, False, capture=True)  # noise-free samples
        caps.append((seed, g))
    # the users' SNR: the genie's received power over the noise (a unit-gain user
    # at the array's power when there is no genie run)
    p = np.mean([np.mean(np.abs(g["y_users"][4096:]) ** 2) for _, g in caps]) if caps else sc0["power"]
    snr_db = 10 * np.log10(p / sc0["comm_noise_var"])

    print("1. white full-band stream: SIR (dB) after the emulator's delay (%d taps, beta %g) and a receiver"
          % (a.fd_taps, a.kaiser_beta))
    print("%-9s %s | ideal correction | MMSE LE SINR at the users' SNR %.1f dB" % (
        "fraction", " ".join("interp %2d" % h for h in a.interp_half), snr_db))
    for f in a.fractions:
        ideal, le = bounds_db(f, snr_db, a.fd_taps, a.kaiser_beta)
        print("%-9.3f %s | %16.1f | %.2f" % (f, " ".join("%9.1f" % sir_db(cascade(f, h, a.fd_taps, a.kaiser_beta))
                                                       for h in a.interp_half), ideal, le))
    if not caps:
        return
    print("2. the judged genie's users (true channel), one delay and a receiver between them and the decisions")
    for seed, g in caps:
        sc = sc0
        y, s = g["y_users"][4096:], g["s_users"][4096:]
        drawn = None
        if a.harsh:
            emu = isac.emulated_radio(sc["n_tx"], sc["n_rx"], sc["n_users"], sr, 2.45e9, sc["user_deg"], "los", 1.0,
                                      10.0, sc["comm_noise_var"], sc["target_deg"], sc["snr_r_db"],
                                      sc["clutter_deg"], sc["cnr_db"], sc["radar_noise_var"], impairments="harsh",
                                      seed=seed, target_coherence=sc["cpi_len"])
            drawn = [d - np.floor(d) for d in emu.user_delay()]
        rng = np.random.default_rng(seed)
        U = y.shape[1]
        base = [ser_after(y[:, u], s[:, u], 0.0, 0, sc["comm_noise_var"], rng, a.fd_taps, a.kaiser_beta)
                for u in range(U)]
        print("seed %d: genie SER %s (its meter, noise-free: %s), %d symbols per user" % (
            seed, " ".join("%.4f" % v for v in base), " ".join("%.4f" % v for v in g["ser"]), len(y)))
        rows = [(f, None) for f in a.fractions] + ([(d, u) for u, d in enumerate(drawn)] if drawn else [])
        for f, only in rows:
            users = range(U) if only is None else [only]
            cols = []
            for half in list(a.interp_half) + [0]:
                v = [ser_after(y[:, u], s[:, u], f, half, sc["comm_noise_var"], rng, a.fd_taps, a.kaiser_beta)
                     for u in users]
                cols.append("%s %s" % ("interp %d" % half if half else "ideal", " ".join("%.4f" % x for x in v)))
            what = "fraction %.3f" % f if only is None else "harsh u%d's fraction %.3f" % (only, f)
            print("  %-26s | %s" % (what, " | ".join(cols)), flush=True)


if __name__ == "__main__":
    main()
