#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""1-bit ISAC paper energy model (eq. (38)) and radar energy efficiency.

E_tot = (N_T + N_R)(E_RF + E_LNA) + 2 E_BB + 2 N_T E_DAC + 2 N_R E_ADC,
E_conv(B) = FOM f_s 2^B (per real converter; two per antenna for I and Q).
Defaults: E_RF = 40 mW, E_LNA = 20 mW, E_BB = 200 mW, FOM = 500 fJ, f_s = 1 GHz,
"infinite" resolution modelled as B = 10 bits (0.512 W per converter).
REE = SCNR / E_tot (linear SCNR per watt).
"""
from dataclasses import dataclass

import numpy as np

from . import _checks as chk

#: bits that stand for an "infinite-resolution" converter in the 1-bit ISAC paper
INF_BITS = 10


@dataclass(frozen=True)
class EnergyParams:
    e_rf: float = 40e-3
    e_lna: float = 20e-3
    e_bb: float = 200e-3
    fom: float = 500e-15
    f_s: float = 1e9

    def __post_init__(self):
        for name in ("e_rf", "e_lna", "e_bb", "fom", "f_s"):
            chk.positive(name, getattr(self, name), allow_zero=(name != "f_s"))


def converter_power(bits, params=EnergyParams()):
    """E_conv = FOM f_s 2^B in watts (1 mW at B = 1, 0.512 W at B = 10)."""
    b = chk.integer("bits", bits, 1, 32)
    return params.fom * params.f_s * 2.0 ** b


def total_power(n_tx, n_rx, dac_bits, adc_bits, params=EnergyParams()):
    """E_tot of eq. 38 in watts; n_tx / n_rx may be arrays (broadcast)."""
    n_tx = np.asarray(n_tx)
    n_rx = np.asarray(n_rx)
    for name, v in (("n_tx", n_tx), ("n_rx", n_rx)):
        if not np.issubdtype(v.dtype, np.integer) or np.any(v < 1):
            raise ValueError(f"{name} must be integer(s) >= 1")
    if not isinstance(params, EnergyParams):
        raise ValueError("params must be an EnergyParams")
    e_dac = converter_power(dac_bits, params)
    e_adc = converter_power(adc_bits, params)
    e = ((n_tx + n_rx) * (params.e_rf + params.e_lna) + 2 * params.e_bb
         + 2 * n_tx * e_dac + 2 * n_rx * e_adc)
    return float(e) if np.ndim(e) == 0 else e.astype(float)


def ree(scnr, n_tx, n_rx, dac_bits, adc_bits, params=EnergyParams()):
    """Radar energy efficiency SCNR / E_tot (linear SCNR, per watt)."""
    s = np.asarray(scnr, float)
    if np.any(~np.isfinite(s)) or np.any(s < 0):
        raise ValueError("scnr must be finite and >= 0 (linear, not dB)")
    return s / total_power(n_tx, n_rx, dac_bits, adc_bits, params)


def mrt_scnr(n_tx, n_rx, dac_bits, adc_bits, target_deg=10.0, clutter_deg=(-50.0, 30.0),
             snr_r_db=15.0, cnr_db=30.0, power=1.0):
    """SCNR of a radar-only MRT snapshot x = sqrt(E) g_T(theta_0)^* (1-bit DAC:
    its 1-bit quantisation) with the optimal receive filter, from the shared
    1-bit ISAC paper radar core (QSCNR for a 1-bit ADC, SCNR otherwise). A reference
    transmit vector for energy-efficiency trends; the paper's figures use the
    CI design of the ci_precoder instead."""
    from . import _bind
    core = _bind.core
    n_tx = chk.integer("n_tx", n_tx, 1, 100000)
    n_rx = chk.integer("n_rx", n_rx, 1, 100000)
    chk.integer("dac_bits", dac_bits, 1, 32)
    chk.integer("adc_bits", adc_bits, 1, 32)
    power = chk.positive("power", power)
    clutter = [chk.angle_deg("clutter_deg", c) for c in clutter_deg]
    scene = core.radar_scene(n_tx, n_rx, chk.angle_deg("target_deg", target_deg), clutter,
                             chk.finite("snr_r_db", snr_r_db),
                             [chk.finite("cnr_db", cnr_db)] * len(clutter))
    g = np.asarray(core.ula_steering(n_tx, target_deg, normalize=True))
    x = np.sqrt(power) * g.conj()
    if dac_bits == 1:
        x = np.asarray(core.one_bit_dac(x, power))
    adc = core.adc_model.one_bit if adc_bits == 1 else core.adc_model.ideal
    return float(scene.metric(x, adc))


def ree_curve(n_tx, n_rx, dac_bits, adc_bits, params=EnergyParams(), **scene_kw):
    """(scnr, e_tot, ree) arrays over n_tx or n_rx (one of them an array) for
    the MRT reference snapshot of `mrt_scnr`."""
    nt = np.atleast_1d(np.asarray(n_tx))
    nr = np.atleast_1d(np.asarray(n_rx))
    nt, nr = np.broadcast_arrays(nt, nr)
    scnr = np.array([mrt_scnr(int(a), int(b), dac_bits, adc_bits, **scene_kw)
                     for a, b in zip(nt, nr)])
    e = np.atleast_1d(total_power(nt, nr, dac_bits, adc_bits, params))
    return scnr, e, scnr / e
