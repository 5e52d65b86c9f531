/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Channel estimation from orthogonal pilots, its closed-form error, the
 * feedback quantiser and the TDD reciprocity calibration (docs/csi.md).
 *
 * Model (one receiver, pilots X = amp * P, P: n x L with P P^H = c I):
 *     z = g X + w,   g: 1 x n (the row h^H of the downlink channel),  w ~ CN(0, s2 I)
 *   LS:    g_ls = z P^H / (amp c),  error CN(0, e I),  e = s2 / (amp^2 c)
 *          (amp^2 c = the pilot energy per antenna; the Massive MIMO-ISAC paper
 *          writes it tau_p p_p, eq. 6-7)
 *   MMSE:  prior h = g^H ~ CN(0, R):  h_mmse = R (R + e I)^-1 h_ls,  h_ls = g_ls^H
 *   NMSE:  LS  e / beta   (beta = tr R / n)
 *          MMSE tr(R - R (R + e I)^-1 R) / tr R   (= e / (beta + e) for R = beta I,
 *          the paper's eps_k / beta_k)
 *
 * Plain C++ (Eigen), no GNU Radio runtime.
 */
#ifndef INCLUDED_ISAC_CORE_CSI_ESTIMATION_H
#define INCLUDED_ISAC_CORE_CSI_ESTIMATION_H

#include <gnuradio/isac/core/types.h>
#include <string>

namespace gr {
namespace isac {
namespace core {

enum class csi_estimator { ls, mmse };
csi_estimator parse_csi_estimator(const std::string& name, const std::string& value);
std::string to_string(csi_estimator e);

/*!
 * LS estimate of the rows G (m x n) from Z = G (amp P) + W, Z: m x L, P: n x L
 * with orthogonal rows (P P^H = c I, checked loosely). For one receiver m = 1.
 */
cmat ls_estimate(const cmat& Z, const cmat& P, double amp);

//! Error variance per entry of the LS estimate: noise_var / (pilot energy per antenna).
double ls_error_var(double noise_var, double pilot_energy_per_antenna);

/*!
 * MMSE estimate of a row g (1 x n, i.e. h^H) from its LS estimate with error
 * variance err_var per entry, under the prior h = g^H ~ CN(0, R).
 */
cvec mmse_row(const cvec& g_ls, double err_var, const cmat& R);

double ls_nmse_theory(double err_var, double beta);
double mmse_nmse_theory(double err_var, const cmat& R);

/*!
 * NMSE of an estimate up to a common phase: min_phi ||est e^{j phi} - truth||^2
 * / ||truth||^2. A receiver sees its channel only up to its own oscillator's
 * phase, so this is the figure that matters for a row of H.
 */
double aligned_nmse(const cvec& est, const cvec& truth);
//! Rotation e^{j phi} that best aligns est to ref (phi = angle(ref^H est) negated).
cdouble align_phase(const cvec& est, const cvec& ref);

/*!
 * Feedback quantiser of one row: scale s = max over entries of max(|Re|, |Im|)
 * (sent as a float), then `bits` bits per real component on the mid-rise
 * levels (k + 1/2) Delta - s, Delta = 2 s / 2^bits. bits = 0: no quantisation.
 */
cvec quantize_row(const cvec& g, int bits);
//! Uniform-error approximation n Delta^2 / 6 / ||g||^2 of its NMSE.
double quantization_nmse_theory(const cvec& g, int bits);

/*!
 * Phase-continuous running average of per-frame estimates of one static row.
 * Each new estimate is first rotated onto the average's phase (the receiver's
 * phase moves from frame to frame), then averaged with weight
 * max(1/k, 1/memory). The average therefore keeps the phase of the first
 * frame, so rows reported from it at different times share one phase
 * reference. err_var() tracks the error variance per entry of the average.
 * Two estimates in a row far outside the average's error (a changed channel:
 * the transmitter recalibrated) restart it from the latest one; a single
 * outlier is skipped.
 */
class csi_tracker
{
public:
    csi_tracker(int n, int memory);
    //! Adds an estimate with error variance e per entry; returns the rotation
    //! (radians) of g relative to the average before the update (0 for the first).
    double add(const cvec& g, double e);
    const cvec& mean() const { return d_mean; }
    double err_var() const { return d_var; }
    int count() const { return d_count; }
    //! Restarts after a channel change (two outlying estimates in a row).
    int restarts() const { return d_restarts; }
    void reset();

private:
    int d_n, d_memory, d_count = 0, d_outliers = 0, d_restarts = 0;
    cvec d_mean;
    double d_var = 0.0;
};

/*!
 * TDD reciprocity calibration. Downlink row g (g_n = t_n c_n r_u) and uplink
 * column h_ul (h_n = r_n c_n t_u) of one user share the propagation c_n; the
 * base station's transmit and receive chains t_n, r_n differ per antenna, so
 * g_n = kappa_n h_ul,n (r_u / t_u) with kappa_n = t_n / r_n. The per-user
 * factor r_u / t_u is a complex scalar per row: a precoder cannot see it
 * (the user's receiver resolves its own phase), so kappa is needed only up
 * to a common factor. kappa is normalised to kappa_0 = 1.
 */
//! Estimate kappa from the base station's own antennas (Argos-style "relative"
//! calibration): fwd(i, j) = measured i -> j (t_i c_ij r_j), so
//! kappa_i / kappa_j = fwd(i, j) / fwd(j, i). Least squares over all pairs with
//! both directions measured (entries 0 or non-finite are skipped).
cvec reciprocity_from_pairs(const cmat& fwd);
//! kappa from one reference user that reports its downlink row g (n) and whose
//! uplink column h_ul (n) the base station estimated: kappa_n = g_n / h_ul,n.
cvec reciprocity_from_reference(const cvec& g_dl, const cvec& h_ul);
//! Downlink rows from uplink estimates: G (U x n) with G(u, n) = kappa_n H_ul(n, u).
cmat downlink_from_uplink(const cmat& H_ul, const cvec& kappa);

} // namespace core
} // namespace isac
} // namespace gr

#endif
