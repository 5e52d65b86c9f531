#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""isac_channel statistics against theory, with Monte-Carlo standard errors.

Uses isac.core.isac_channel_model (the block's simulator without a
flowgraph; qa_isac_channel checks it is bit-identical to the block) and
references written out in numpy from 1-bit ISAC paper Sec. II, eq. (2); bistatic CRB paper Sec. II. Prints
measured / theory and the deviation in standard errors (z).
"""
import argparse
import os
import sys

argparse.ArgumentParser(description=__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
here = os.path.dirname(os.path.abspath(__file__))
build = os.environ.get("ISAC_BUILD", os.path.join(here, "..", "build"))
if os.path.isdir(os.path.join(build, "test_modules")):
    sys.path.insert(0, os.path.join(build, "test_modules"))

import numpy as np  # noqa: E402
from gnuradio import isac  # noqa: E402

rng = np.random.default_rng(7)


def g000(n, deg):
    return np.exp(-1j * np.pi * np.arange(n) * np.sin(np.deg2rad(deg))) / np.sqrt(n)


def cn(*shape):
    return ((rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)).astype(np.complex64)


rows = []


def row(name, meas, theory, se):
    rows.append((name, meas, theory, meas / theory, (meas - theory) / se))


# Gaussian generator
g = isac.core.gaussian_rng(3)
v = g.normal(10_000_000).astype(np.float64)
n = v.size
row("ziggurat var", np.mean(v ** 2), 1.0, np.sqrt(2 / n))
row("ziggurat E v^4", np.mean(v ** 4), 3.0, np.sqrt(96 / n))
from math import erfc, sqrt  # noqa: E402
p = erfc(3.442619855899 / sqrt(2))
row("ziggurat P(|v|>r) (tail)", np.mean(np.abs(v) > 3.442619855899), p, np.sqrt(p * (1 - p) / n))

# Users: y - H x has variance sigma_C^2 per user
n_tx, nu, N = 8, 3, 100_000
var = [0.5, 1.0, 2.0]
m = isac.core.isac_channel_model(n_tx, nu, 1, comm_noise_var=var, seed=5, cpi_len=10 ** 9,
                                 clutter_deg=[], cnr_db=[])
x = cn(N, n_tx)
Y, _ = m.process(x)
res = Y - x.astype(complex) @ m.H.T
for u in range(nu):
    row(f"comm noise var user {u}", np.mean(np.abs(res[:, u]) ** 2), var[u], var[u] / np.sqrt(N))

# Monostatic echo, Swerling I per snapshot
n_tx, nr, N = 16, 16, 100_000
th, snr, cnr, s2 = [10.0, -50.0, 30.0], 15.0, [30.0, 30.0], 1.0
zeta2 = s2 * 10 ** (np.array([snr] + cnr) / 10)
m = isac.core.isac_channel_model(n_tx, 1, nr, target_deg=th[0], target_snr_db=snr,
                                 clutter_deg=th[1:], cnr_db=cnr, radar_noise_var=s2,
                                 cpi_len=1, seed=9, comm_noise_var=[1.0])
x = cn(N, n_tx)
_, R = m.process(x)
GT = np.array([g000(n_tx, t) for t in th])
GR = np.array([g000(nr, t) for t in th]).T
c = x.astype(complex) @ GT.T
th_p = (np.abs(c) ** 2 @ zeta2) / nr + s2
stat = np.mean(np.abs(R) ** 2, axis=1)
row("echo per-antenna power", stat.mean(), th_p.mean(), np.std(stat - th_p) / np.sqrt(N))
rho = GR[:, 0].conj() @ GR
z = R @ GR[:, 0].conj()
th_z = (np.abs(c) ** 2 * np.abs(rho) ** 2) @ zeta2 + s2
row("|g_R(theta0)^H r|^2", np.mean(np.abs(z) ** 2), th_z.mean(),
    np.std(np.abs(z) ** 2 - th_z) / np.sqrt(N))

# Bistatic: projection on g_R(rx) with fixed |beta| (module convention, docs/conventions.md)
n_tx, nr, N = 16, 16, 100_000
m = isac.core.isac_channel_model(n_tx, 1, nr, geometry="bistatic", tx_deg=-25, rx_deg=40,
                                 target_snr_db=10, radar_noise_var=1.0, gain_model="fixed",
                                 cpi_len=10 ** 9, seed=4, comm_noise_var=[1.0], clutter_deg=[],
                                     cnr_db=[])
x = cn(N, n_tx)
_, R = m.process(x)
a = np.exp(-1j * np.pi * np.arange(n_tx) * np.sin(np.deg2rad(-25))) / np.sqrt(n_tx)
b = np.exp(-1j * np.pi * np.arange(nr) * np.sin(np.deg2rad(40))) / np.sqrt(nr)
beta = m.gains()[0]
zb = R @ b.conj()
res = zb - beta * (x.astype(complex) @ a)
row("bistatic g_R^H r - beta g_T^T x: var", np.mean(np.abs(res) ** 2), 1.0, 1 / np.sqrt(N))

print(f"{'quantity':<36}{'measured':>12}{'theory':>12}{'ratio':>9}{'z (se)':>9}")
for name, meas, theory, ratio, zz in rows:
    print(f"{name:<36}{meas:>12.5g}{theory:>12.5g}{ratio:>9.4f}{zz:>9.2f}")
