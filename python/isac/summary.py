#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The summary table the end-to-end flowgraphs print after a run, and the honest
verdict under it.

Every row carries what was measured, the reference it is compared with (theory,
or the setting), the tolerance of that comparison (derived from the number of
trials) and whether it holds. `report` prints the rows and then `result: OK`
only when every judged row holds, otherwise `result: CHECK` followed by the
failing rows. The headless example flowgraphs (examples/*_headless.grc) call
the row builders below from their "after stop" snippet; apps/isac_demo prints
its own rows through `report` too.
"""
import math
import sys

import numpy as np

from . import metrics
from .conventions import steering
from .util import db2lin


class row:
    """One line of the table. ok is True/False for a judged row, None for a row
    that only informs (it never changes the verdict)."""

    def __init__(self, quantity, measured, reference, check="", ok=None, value=None):
        self.quantity, self.measured, self.reference, self.check = quantity, measured, reference, check
        self.ok, self.value = (None if ok is None else bool(ok)), value

    def cells(self):
        mark = "" if self.ok is None else ("ok" if self.ok else "FAIL")
        return (self.quantity, self.measured, self.reference, self.check, mark)

    def __repr__(self):
        return "row(%r, %r, %r, %r, ok=%r)" % (self.quantity, self.measured, self.reference, self.check, self.ok)


def precoder_run_stats(msgs):
    """ci_precoder stats dicts of one run (its stats port) summed into one for the
    whole run: counts add, means are weighted by the solves they average, maxima
    take the largest. An interval that solved nothing (table or design-cache
    copies) adds its counts but no solve figures (its NaN means carry none)."""
    msgs = [m for m in msgs if isinstance(m, dict) and "vectors" in m]
    if not msgs:
        return {}
    out = {k: sum(m.get(k, 0) for m in msgs) for k in ("vectors", "solved", "lut_hits", "cache_hits",
                                                        "infeasible", "budget_exhausted")}
    out["infeasible_total"] = max(m.get("infeasible_total", 0) for m in msgs)
    rates = [(m["vectors"], m["vectors"] / m["vectors_per_s"]) for m in msgs if m.get("vectors_per_s", 0) > 0]
    secs = sum(t for _, t in rates)
    out["vectors_per_s"] = sum(v for v, _ in rates) / secs if secs > 0 else float("nan")
    solved = [m for m in msgs if m.get("solved", 0) > 0]
    n = sum(m["solved"] for m in solved)
    for key in ("solve_time_mean_us", "mm_iterations_mean", "gap_mean"):
        out[key] = sum(m[key] * m["solved"] for m in solved) / n if n else float("nan")
    for key in ("solve_time_max_us", "gap_max"):
        out[key] = max(m[key] for m in solved) if n else float("nan")
    q = [(m["qscnr_db_mean"], m["vectors"]) for m in msgs if math.isfinite(m.get("qscnr_db_mean", float("nan")))]
    out["qscnr_db_mean"] = sum(a * w for a, w in q) / sum(w for _, w in q) if q else float("nan")
    r = [m["min_margin_ratio"] for m in msgs if math.isfinite(m.get("min_margin_ratio", float("nan")))]
    out["min_margin_ratio"] = min(r) if r else float("nan")
    return out


def solve_text(st):
    """The solve time of a stats dict (one interval or precoder_run_stats), or
    what served the vectors when nothing was solved: never a 0 us mean that was
    not measured."""
    if not st.get("solved"):
        return "n/a (0 of %d solved; %d table, %d design-cache copies)" % (
            st.get("vectors", 0), st.get("lut_hits", 0), st.get("cache_hits", 0))
    return "solve %.0f us mean, %.0f us max (%d of %d solved, %d table, %d cache copies)" % (
        st["solve_time_mean_us"], st["solve_time_max_us"], st["solved"], st.get("vectors", 0),
        st.get("lut_hits", 0), st.get("cache_hits", 0))


def failing(rows):
    return [r for r in rows if r.ok is False]


def table(rows, header=("quantity", "measured", "reference", "tolerance", "")):
    cells = [r.cells() for r in rows]
    w = [max([len(header[i])] + [len(c[i]) for c in cells]) for i in range(len(header))]
    line = "-" * (sum(w) + 2 * (len(w) - 1))
    out = [line, "  ".join(h.ljust(w[i]) for i, h in enumerate(header)).rstrip(), line]
    out += ["  ".join(c.ljust(w[i]) for i, c in enumerate(cs)).rstrip() for cs in cells]
    out.append(line)
    return "\n".join(out)


def report(rows, title=None, file=None):
    """Prints the table and the verdict; returns True when every judged row holds."""
    file = file or sys.stdout
    if title:
        print(title, file=file)
    print(table(rows), file=file)
    bad = failing(rows)
    if not bad:
        print("result: OK", file=file)
    else:
        print("result: CHECK (%d row%s outside %s tolerance)" % (len(bad), "s" if len(bad) > 1 else "",
                                                                "its" if len(bad) == 1 else "their"), file=file)
        for r in bad:
            print("  %s: %s, reference %s, tolerance %s" % (r.quantity, r.measured, r.reference, r.check),
                  file=file)
    file.flush()
    return not bad


def meter_totals(det):
    """A detection_meter's totals (detections, count, no decisions): they accumulate
    across restarts; taken before a start(), they are the `since` of
    cpi_detection_counts for that run (which needs none: the meter's run_
    counters are that run's)."""
    return det.detections(), det.count(), det.no_decision_count()


def cpi_detection_counts(det, since=None):
    """(detections, decided CPIs) of one run of a detection_meter made with period =
    cpi_len of the one_bit_rx_filter it reads (the headless over-the-air flowgraphs):
    the meter counts the filter's CPI ends alone, each decided unless it read -1
    (nothing transmitted), so its count() is the decided CPIs.

    The counts are those of the current or last run: the meter's run_detections()
    and run_count(), which start() sets to 0, however often the flowgraph restarted,
    read together (run_counts()), so a pair read while running is of one instant.
    since (compatibility: before the run_ counters, the only way) = meter_totals(det)
    taken before the run's start() gives the same counts from the totals, which
    accumulate across restarts; it raises ValueError when they are not those of the
    run: a run counts every item i >= skip with (i + 1) % period == 0 (count() or
    no_decision_count()), so other totals span an earlier run not in since."""
    if since is None:
        return det.run_counts()[:2]
    d0, c0, n0 = since
    seen, skip, period = det.nitems_read(0), det.skip(), det.period()
    counted = det.count() - c0 + det.no_decision_count() - n0
    ends = max(seen, skip) // period - skip // period
    if counted != ends:
        raise ValueError("cpi_detection_counts: %d items counted and %d CPI ends (period %d) read in this run: "
                         "since is not the meter's totals taken before this run's start() (leave it out: "
                         "the meter's run_ counters are the run's)" % (counted, ends, period))
    return det.detections() - d0, det.count() - c0


def print_ota_headless(tb, file=None, since=None):
    """What a headless over-the-air flowgraph (examples/isac_usrp_*ota_headless)
    did, for a run started by hand: the users' SER and lock, the detector's
    counts (of the current or last run: the meter's run_ counters, or the totals
    less since as for cpi_detection_counts; as items, not CPIs, when the meter's
    period is not tb.radar_cpi) and the
    acquisition and CSI counts. Information only (a run of
    any length, no theory for a hardware scene): apps/isac_ota_emulated is the
    judged acceptance run. The counts are the blocks' own (the flowgraph keeps
    no message store, whose memory would grow with the run)."""
    file = file or sys.stdout
    rows = []
    for u in range(tb.n_users):
        user = getattr(tb, "user%d" % u)
        lock = user.locked_frame()
        rows.append(row("user %d SER" % u, "%.4f (%d symbols)" % (user.ser()[0], user.count()) if user.count()
                        else "none decided", "%d frames, %s" % (user.frames(), "locked from frame %d" % lock
                                                                 if lock >= 0 else "never locked"), ""))
    try:
        if since is None:
            # one instant for all three (the getters lock one by one)
            hits, n, nodec = tb.det.run_counts()[:3]
        else:
            nodec = tb.det.no_decision_count() - since[2]
            hits, n = cpi_detection_counts(tb.det, since)
    except ValueError:
        rows.append(row("radar detections", "%d in all runs" % tb.det.detections(),
                        "CPIs unknown: since is not the totals before this run (leave it out)", ""))
    else:
        if tb.det.period() == tb.radar_cpi:
            rows.append(row("radar detections", "%d of %d CPIs" % (hits, n),
                            "threshold 1 (Pfa %g), CPIs of %d snapshots, %d not transmitted"
                            % (tb.pfa, tb.radar_cpi, nodec), "rate %.3f" % (hits / n) if n else ""))
        else:
            # a flowgraph saved before the meter had a period (GRC gives it 1):
            # its counts include the zeros between CPI ends, no rate per CPI
            rows.append(row("radar detections", "%d of %d items" % (hits, n),
                            "not CPIs: the meter counts every %d items, the CPIs are %d snapshots "
                            "(a flowgraph saved before detection_meter's Count every: set it to radar_cpi), "
                            "%d not transmitted" % (tb.det.period(), tb.radar_cpi, nodec), ""))
    loop = tb.loop_est
    valid = loop.valid_estimates()
    rows.append(row("loop delay estimates", "%d valid" % valid,
                    "last %.2f snapshots" % loop.delay() if valid else "", ""))
    for n, what in ((tb.cal_est.estimates(), "receive calibrations"), (tb.txcal_est.estimates(), "transmit calibrations"),
                    (tb.feedback.posts(), "CSI feedback messages")):
        rows.append(row(what, "%d" % n, "", ""))
    print("over-the-air run (information only, nothing judged; the judged acceptance run is "
          "apps/isac_ota_emulated)", file=file)
    print(table(rows, ("quantity", "measured", "detail", "", "")), file=file)
    file.flush()
    return rows


# ------------------------------------------------------------ row builders
def ser_theorem2_rows(H, x, s, ser, noise_var, order):
    """Per-user SER of a CI (safe-margin) precoder against the 1-bit ISAC paper Theorem-2
    bounds computed from the transmitted x, the symbols s and the channel H
    (U x N_T, rows h_u^H). Tolerance: 4 sigma of a proportion over the snapshots."""
    x, s = np.asarray(x), np.asarray(s)
    n = len(x)
    alpha = metrics.safe_margin(H, x, s, order)
    lo, hi = metrics.theorem2_bounds(alpha, noise_var, order)
    rows = []
    for u, e in enumerate(ser):
        tol = metrics.binomial_halfwidth(e, n)
        rows.append(row("SER user %d" % u, "%.4f" % e, "Theorem 2 [%.4f, %.4f]" % (lo[u], hi[u]),
                        "+-%.4f" % tol, lo[u] - tol <= e <= hi[u] + tol, value=float(e)))
    return rows


def ser_awgn_rows(ser, n, order, sinr_db):
    """Per-user SER of a precoder that places every user at sinr_db (zero-forcing
    with SINR control) against exact M-PSK in AWGN at that SINR."""
    ref = float(metrics.psk_ser_awgn(order, db2lin(sinr_db)))
    tol = metrics.binomial_halfwidth(ref, n)
    return [row("SER user %d" % u, "%.4f" % e, "%d-PSK at SINR %g dB: %.4f" % (order, sinr_db, ref),
                "+-%.4f" % tol, abs(e - ref) <= tol, value=float(e)) for u, e in enumerate(ser)]


def detection_rows(stat_h1, stat_h0, pfa, qscnr, model_tol=0.03, pd_model=None):
    """Detector rows from the statistics |z|/kappa (>= 1: detection) of the
    flowgraph (H1) and of its target-free copy (H0):
     - the measured Pfa against the set one (two-sided, 4 sigma);
     - Pd against the model's Pd at the Pfa the detector really has, 4 sigma plus
       model_tol: pd_model(pfa) when given (the exact 1-bit model), otherwise
       Pfa_meas^(1/(1+QSCNR_t)) averaged over the per-snapshot QSCNR (eq. 16)."""
    h1, h0 = np.asarray(stat_h1, dtype=float), np.asarray(stat_h0, dtype=float)
    n1, n0 = len(h1), len(h0)
    pfa_meas = float(np.mean(h0 >= 1.0))
    pd = float(np.mean(h1 >= 1.0))
    tol_f = metrics.binomial_halfwidth(pfa, n0)
    if pd_model is not None:
        pd_th = float(pd_model(max(pfa_meas, 1.0 / n0)))
    else:
        pd_th = float(np.mean(metrics.pd_theory(max(pfa_meas, 1.0 / n0), qscnr)))
    tol_d = metrics.binomial_halfwidth(pd_th, n1) + model_tol
    return [row("radar Pfa (target-free copy)", "%.4f" % pfa_meas, "set %.4f" % pfa, "+-%.4f" % tol_f,
                abs(pfa_meas - pfa) <= tol_f, value=pfa_meas),
            row("radar Pd", "%.4f" % pd, "theory %.4f at the measured Pfa" % pd_th, "+-%.4f" % tol_d,
                abs(pd - pd_th) <= tol_d, value=pd)]


def infeasible_row(infeasible, n, limit=0.05):
    share = infeasible / max(n, 1)
    return row("QoS infeasible share", "%.2f %% (%d of %d)" % (100 * share, infeasible, n),
               "operating point", "<= %g %%" % (100 * limit), share <= limit, value=share)


def doa_rows(est_deg, truth_deg, crb_deg2, above=None):
    """DoA rows: valid CPIs, RMSE against sqrt(CRB) (MSE/CRB of an efficient
    estimator is 1 with relative std sqrt(2/n); tolerance 4 sigma + 0.2 for the
    threshold region), and the bias against the truth (6 sigma of the mean).
    above: per CPI, the estimator's above_threshold flag (None: all above). The CRB
    describes the error only above the ML threshold (below it, outliers anywhere on
    the grid), so the RMSE and bias rows judge those CPIs and a row counts the rest."""
    est = np.asarray(est_deg, dtype=float)
    crb = np.asarray(crb_deg2, dtype=float)
    n = len(est)
    good = np.isfinite(est)
    rows = [row("DoA valid CPIs", "%d of %d" % (int(good.sum()), n), "every CPI", "all", bool(good.all()) and n > 0,
                value=int(good.sum()))]
    if above is not None:
        judged = good & np.asarray(above, dtype=bool)
        if judged.sum() < good.sum():
            rows.append(row("DoA CPIs below the ML threshold", "%d of %d" % (int(good.sum() - judged.sum()),
                                                                            int(good.sum())),
                            "the estimator's above_threshold", "CRB rows: the %d above it" % int(judged.sum()),
                            value=int(good.sum() - judged.sum())))
        good = judged
    if not good.any():
        return rows
    e, c = est[good], float(np.mean(crb[good]))
    mse = float(np.mean((e - truth_deg) ** 2))
    ratio_tol = 1.0 + 4.0 * math.sqrt(2.0 / len(e)) + 0.2
    rows.append(row("DoA RMSE / sqrt(CRB)", "%.4f / %.4f deg = %.2f" % (math.sqrt(mse), math.sqrt(c),
                                                                    math.sqrt(mse / c)),
                    "1 (efficient)", "<= %.2f" % math.sqrt(ratio_tol), mse / c <= ratio_tol,
                    value=math.sqrt(mse / c)))
    bias = float(np.mean(e)) - truth_deg
    tol = 6.0 * math.sqrt(c / len(e)) + 0.05
    rows.append(row("DoA mean - truth", "%+.4f deg" % bias, "truth %g deg" % truth_deg, "+-%.4f" % tol,
                    abs(bias) <= tol, value=bias))
    return rows


def crb_known_reference(x, tx_deg, rx_deg, n_rx, tnr_db, noise_var, cpi_len):
    """Deterministic CRB (deg^2) per CPI of y_t = beta g_R(theta) c_t + n_t with the
    reference c_t = g_T(tx)^T x_t known (bistatic CRB paper, eq. 23, unit-norm
    steering of docs/conventions.md), |beta|^2 = noise_var TNR."""
    x = np.asarray(x)
    c = x @ steering(x.shape[1], tx_deg, normalize=True)
    n_cpi = len(c) // cpi_len
    energy = np.sum(np.abs(c[:n_cpi * cpi_len].reshape(n_cpi, cpi_len)) ** 2, axis=1)
    beta2 = noise_var * db2lin(tnr_db)
    bdot2 = (math.pi * math.cos(math.radians(rx_deg))) ** 2 * (n_rx ** 2 - 1) / 12.0
    with np.errstate(divide="ignore"):
        return noise_var / (2.0 * beta2 * bdot2 * energy) * (180.0 / math.pi) ** 2


# ------------------------------------------------------ the example tables
def one_bit_loopback(H, x, s, ser, psk_order, noise_var, stat_h1, stat_h0, pfa, scene, infeasible,
                     qscnr_points=2000, pd_points=200):
    """Rows of examples/isac_1bit_loopback_headless: SER per user vs Theorem 2,
    the detector's Pfa and Pd, and the QoS infeasible share. scene: the
    core.radar_scene of the run; Pd is predicted by the exact 1-bit model (the
    detector's default threshold) over pd_points of the snapshots' x, the design's
    QSCNR (Theorem 1, what the precoder maximises) over qscnr_points."""
    from .isac_python import core
    x = np.asarray(x)
    if len(x) == 0 or len(stat_h0) == 0:
        return [no_snapshots_row()]
    idx = np.linspace(0, len(x) - 1, min(len(x), qscnr_points)).astype(int)
    q = np.array([scene.metric(x[i].astype(complex), core.adc_model.one_bit) for i in idx])
    idx_pd = np.linspace(0, len(x) - 1, min(len(x), pd_points)).astype(int)
    couplings = [scene.couplings(x[i].astype(complex)) for i in idx_pd]

    def pd_model(pf):
        table = core.threshold_table(scene, min(pf, 0.5))
        return np.mean([core.predicted_pd(scene, table, c) for c in couplings])
    rows = ser_theorem2_rows(H, x, s, ser, noise_var, psk_order)
    rows += detection_rows(stat_h1, stat_h0, pfa, q, pd_model=pd_model)
    rows.append(row("mean QSCNR of the design", "%.2f dB" % (10 * math.log10(float(np.mean(q)))), "", ""))
    rows.append(infeasible_row(infeasible, len(x)))
    return rows


def no_snapshots_row():
    """The verdict of a run that processed nothing (n_snapshots 0): no row can be
    judged, and an empty table must not read as OK."""
    return row("snapshots processed", "0", "n_snapshots >= 1", "> 0", False, value=0)


def nullspace_loopback(ser, n, psk_order, sinr_db, est_deg, truth_deg, crb_deg2, above=None):
    """Rows of examples/isac_nullspace_loopback_headless: SER per ZF user vs M-PSK
    at the design SINR, and the DoA estimate vs the CRB (above: doa_rows)."""
    if n == 0:
        return [no_snapshots_row()]
    return ser_awgn_rows(ser, n, psk_order, sinr_db) + doa_rows(est_deg, truth_deg, crb_deg2, above)


def above_threshold(doa_msgs, n_cpi):
    """The above_threshold flag of CPIs 0..n_cpi-1 from the "doa" dicts a
    message_debug block stored (a CPI without its dict counts as above)."""
    flags = {int(m["cpi_index"]): bool(m["above_threshold"]) for m in _dicts(doa_msgs)
             if "cpi_index" in m and "above_threshold" in m}
    return [flags.get(i, True) for i in range(n_cpi)]


# ------------------------------------------------- the single-block demos
# Each prints a short table for examples/<demo>.grc (its "after stop" snippet)
# and returns the rows, judged like the end-to-end tables.
def _dicts(msg_debug):
    """The dict messages a message_debug block stored (its "store" port)."""
    import pmt
    out = []
    for i in range(msg_debug.num_messages()):
        try:
            d = pmt.to_python(msg_debug.get_message(i))
        except Exception:  # a message we cannot convert is not ours to judge
            continue
        if isinstance(d, dict):
            out.append(d)
    return out


def print_ci_precoder_demo(prec, H, x, s, psk_order, noise_var, gamma_db, file=None):
    import pmt
    H = np.asarray(H)
    U, N = H.shape
    x = np.asarray(x).reshape(-1, N)
    s = np.asarray(s).reshape(-1, U)[:len(x)]
    n = len(x)
    zero = int(np.sum(np.all(x == 0, axis=1)))
    live = ~np.all(x == 0, axis=1)
    xl = x[live]
    c = float(np.abs(xl.real).max()) if len(xl) else 0.0
    on_alphabet = bool(len(xl)) and bool(np.allclose(np.abs(xl.real), c, rtol=1e-5)
                                         and np.allclose(np.abs(xl.imag), c, rtol=1e-5)
                                         and np.allclose(np.sum(np.abs(xl) ** 2, axis=1), 2 * N * c * c))
    lam = math.sqrt(db2lin(gamma_db) * noise_var)
    alpha = metrics.safe_margin(H, x[live], s[live], psk_order) if live.any() else np.zeros((0, U))
    inf = prec.infeasible_count()
    st = prec.last_stats()
    st = pmt.to_python(st) if not pmt.is_null(st) else {}
    rows = [row("vectors precoded", "%d" % n, "", ""),
            row("zero vectors (before the channel)", "%d" % zero, "none", "0", zero == 0),
            row("outputs on the 1-bit alphabet", "yes" if on_alphabet else "NO", "+-c +-jc, ||x||^2 = E", "",
                on_alphabet),
            infeasible_row(inf, n)]
    if len(alpha):
        rows.append(row("min safe margin / lambda", "%.3f" % (alpha.min() / lam), ">= 1 (QoS Gamma %g dB)" % gamma_db,
                         "", bool(alpha.min() >= lam * (1 - 1e-5)) or inf > 0))
        lo, hi = metrics.theorem2_bounds(alpha, noise_var, psk_order)
        rows.append(row("users' SER bounds at SNR_C %.1f dB" % (10 * math.log10(1.0 / noise_var)),
                        "[%.3f, %.3f]" % (lo.min(), hi.max()), "Theorem 2, all users", ""))
    if st:
        rows.append(row("rate (last stats interval)", "%.0f vectors/s" % st.get("vectors_per_s", float("nan")),
                        solve_text(st), ""))
        rows.append(row("mean QSCNR of the design", "%.2f dB" % st.get("qscnr_db_mean", float("nan")), "", ""))
    report(rows, "ci_precoder: %d users, %d-PSK, N_T = %d, 1-bit DAC, QoS Gamma %g dB" % (U, psk_order, N, gamma_db),
           file)
    return rows


def stop_without_design(tb, precoder, limit_s=60.0, file=None):
    """nullspace_demo's watchdog, run on its own thread after start: the
    precoder holds its input until a usable design, so a design that fails
    (users needing more than the power allowed) or never finishes would keep a
    long run waiting for ever. Stops `tb` (its summary then prints CHECK with
    the design's message) and says why; returns at once after a usable design."""
    if not precoder.wait_designs(1, limit_s):
        reason = "no design finished within %g s" % limit_s
    else:
        d = precoder.last_design()
        if d.ok:
            return
        reason = "the first design failed (%s)" % d.message
    print("stopping: %s; the precoder would hold its input for ever" % reason, file=file or sys.stdout, flush=True)
    tb.stop()


def print_nullspace_demo(precoder, H, x, s, frame_len, targets_deg, noise_var, sinr_db, beam_width_deg=10.0,
                         file=None):
    from .conventions import transmit_beampattern
    H = np.asarray(H)
    U, N = H.shape
    x = np.asarray(x).reshape(-1, N)
    s = np.asarray(s).reshape(-1, U)[:len(x)]
    n_frames = len(x) // frame_len
    xf = x[:n_frames * frame_len].reshape(n_frames, frame_len, N)
    zero = int(np.sum(np.all(xf == 0, axis=(1, 2))))
    rows = [row("frames sent", "%d of %d snapshots" % (n_frames, frame_len), "", ""),
            row("frames of zeros (before the first design)", "%d" % zero, "none", "0", zero == 0)]
    try:
        d = precoder.last_design()
    except RuntimeError:  # no design finished during the run
        d = None
    if d is None or not d.ok:
        rows.append(row("design", "none finished during the run" if d is None else d.message, "a design", "",
                        False))
        report(rows, "nullspace_precoder: no design", file)
        return rows
    F = np.asarray(d.F)
    G = np.abs(H @ F) ** 2  # G[u, k]: power of user k's beam at user u
    sinr = 10 * np.log10(np.diag(G) / (G.sum(axis=1) - np.diag(G) + noise_var))
    rows.append(row("design time", "%.3f s" % d.design_time_s, "", ""))
    rows.append(row("users' SINR from H and the designed F", " ".join("%.2f" % v for v in sinr) + " dB",
                    "target %g dB" % sinr_db, ">= target - 0.01", bool(np.all(sinr >= sinr_db - 0.01))))
    rows.append(row("power split comm / sensing", "%.3f / %.3f" % (d.comm_power, d.sensing_power), "", ""))
    live = ~np.all(xf == 0, axis=(1, 2))
    if live.any():
        xl = xf[live].reshape(-1, N)
        sl = s[:n_frames * frame_len].reshape(n_frames, frame_len, U)[live].reshape(-1, U)
        want = sl @ F.T @ H.T
        got = xl @ H.T
        resid = float(np.linalg.norm(got - want) / np.linalg.norm(want))
        rows.append(row("users' interference from sensing", "%.1e" % resid, "||H x - H F s|| / ||H F s||", "<= 1e-4",
                        resid <= 1e-4))
        grid = np.arange(-90.0, 90.25, 0.25)
        bp = transmit_beampattern(xl, grid)
        peaks = [i for i in range(1, len(grid) - 1) if bp[i] >= bp[i - 1] and bp[i] >= bp[i + 1]]
        peaks = sorted(peaks, key=lambda i: -bp[i])[:len(targets_deg)]
        found = sorted(float(grid[i]) for i in peaks)
        ok = all(any(abs(f - t) <= beam_width_deg / 2 for f in found) for t in targets_deg)
        rows.append(row("beampattern main lobes", ", ".join("%.1f" % f for f in found) + " deg",
                        "beams " + ", ".join("%g" % t for t in targets_deg), "+-%g deg" % (beam_width_deg / 2), ok))
    report(rows, "nullspace_precoder: %d users, N_T = %d, frames of %d" % (U, N, frame_len), file)
    return rows


def print_channel_loopback(x, y, r, csi_msgs, comm_noise_var, target_deg, target_snr_db, clutter_deg, cnr_db,
                           n_tx, n_users, n_rx, radar_noise_var=1.0, cpi_len=64, file=None):
    x = np.asarray(x).reshape(-1, n_tx)
    y = np.asarray(y).reshape(-1, n_users)[:len(x)]
    r = np.asarray(r).reshape(-1, n_rx)[:len(x)]
    n = len(x)
    # the users' channel of every snapshot from the csi messages (offset: first snapshot)
    draws = sorted((int(m["offset"]), np.asarray(m["H"]).reshape(m["rows"], m["cols"]))
                   for m in _dicts(csi_msgs) if "H" in m)
    hx = np.zeros((n, n_users), dtype=complex)
    for k, (off, Hk) in enumerate(draws):
        end = draws[k + 1][0] if k + 1 < len(draws) else n
        if off < n:
            hx[off:end] = x[off:end] @ Hk.T
    noise = float(np.mean(np.abs(y - hx) ** 2))
    tol = 4.0 / math.sqrt(n * n_users)
    rows = [row("snapshots", "%d (%d channel draws)" % (n, len(draws)), "", ""),
            row("users: noise power of y - H x", "%.4f" % noise, "sigma_C^2 = %.4f" % comm_noise_var,
                "+-%.1f %%" % (100 * tol), abs(noise / comm_noise_var - 1) <= tol)]
    snr = float(np.mean(np.abs(hx) ** 2)) / comm_noise_var
    rows.append(row("users: mean received SNR", "%.2f dB" % (10 * math.log10(snr)), "", ""))
    g = lambda th: steering(n_tx, th, normalize=True)
    model = radar_noise_var * (1.0 + (db2lin(target_snr_db) * float(np.mean(np.abs(x @ g(target_deg)) ** 2))
                                      + sum(db2lin(c) * float(np.mean(np.abs(x @ g(a)) ** 2))
                                            for a, c in zip(clutter_deg, cnr_db))) / n_rx)
    meas = float(np.mean(np.abs(r) ** 2))
    n_cpi = max(n // cpi_len, 1)
    tol_db = 10 * math.log10(1 + 4.0 / math.sqrt(n_cpi))
    rows.append(row("echo: power per antenna", "%.2f dB" % (10 * math.log10(meas)),
                    "model %.2f dB (Swerling 1, unit-norm g_R)" % (10 * math.log10(model)), "+-%.2f dB" % tol_db,
                    abs(10 * math.log10(meas / model)) <= tol_db))
    report(rows, "isac_channel: %d users, N_T = %d, N_R = %d, monostatic" % (n_users, n_tx, n_rx), file)
    return rows


def print_quantizer_demo(inp, out, n_tx, power, file=None):
    y = np.asarray(inp).reshape(-1, n_tx)
    x = np.asarray(out).reshape(-1, n_tx)[:len(y)]
    y = y[:len(x)]
    n = len(x)
    c = math.sqrt(power / (2 * n_tx))
    alpha = bool(np.allclose(np.abs(x.real), c, rtol=1e-6) and np.allclose(np.abs(x.imag), c, rtol=1e-6))
    signs = bool(np.all(np.sign(x.real) == np.where(y.real >= 0, 1, -1)) and
                 np.all(np.sign(x.imag) == np.where(y.imag >= 0, 1, -1)))
    # Bussgang: for circular Gaussian y of power p, E[x y*] = c (E|Re y| + E|Im y|)
    # = 2c sqrt(p/pi); one product Re(x y*) has variance c^2 p (1 - 2/pi)
    p_y = float(np.mean(np.abs(y) ** 2))
    b = float(np.real(np.mean(x * np.conj(y))))
    b_th = 2 * c * math.sqrt(p_y / math.pi)
    tol = 4.0 * math.sqrt(c * c * p_y * (1 - 2 / math.pi) / (n * n_tx))
    rows = [row("snapshots", "%d of %d antennas" % (n, n_tx), "", ""),
            row("outputs", "+-%.4f +-j%.4f" % (c, c) if alpha else "off the alphabet",
                "sqrt(E/2N_T)(+-1 +-j), ||x||^2 = %g" % power, "", alpha),
            row("signs follow the input", "yes" if signs else "NO", "", "", signs),
            row("Bussgang gain E[x y*]", "%.5f" % b, "2c sqrt(E|y|^2/pi) = %.5f" % b_th, "+-%.5f" % tol,
                abs(b - b_th) <= tol)]
    report(rows, "one_bit_quantizer (dac): Gaussian input, N_T = %d" % n_tx, file)
    return rows


def print_rx_filter_demo(rxf, stat, pfa, file=None):
    h0 = np.asarray(stat, dtype=float)
    n = len(h0)
    meas = float(np.mean(h0 >= 1.0))
    tol = metrics.binomial_halfwidth(pfa, n)
    rows = [row("snapshots (target-free)", "%d" % n, "", ""),
            row("false-alarm rate", "%.4f (%d detections)" % (meas, rxf.detection_count()), "set Pfa %.4f" % pfa,
                "+-%.4f" % tol, abs(meas - pfa) <= tol)]
    report(rows, "one_bit_rx_filter: noise-only echo, 1-bit ADC", file)
    return rows


def print_doa_demo(est, doa_msgs, truth_deg, file=None):
    msgs = [m for m in _dicts(doa_msgs) if "crb_deg2" in m]
    est = np.asarray(est, dtype=float)
    crb = np.array([m["crb_deg2"] for m in msgs[:len(est)]], dtype=float)
    rows = doa_rows(est[:len(crb)], truth_deg, crb, [m.get("above_threshold", True) for m in msgs[:len(est)]])
    report(rows, "doa_mle (known reference): %d CPIs, truth %g deg" % (len(crb), truth_deg), file)
    return rows
