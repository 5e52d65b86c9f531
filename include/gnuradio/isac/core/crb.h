/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Cramer-Rao bounds for DoA estimation (bistatic CRB paper eq. (23), Sec. III-B, IV-B;
 * massive-MIMO ISAC paper eq. (28)-(38), Theorem 2), in closed form and as exact
 * Slepian-Bangs Fisher information matrices that the closed forms are tested against.
 *
 * Units and conventions (one rule for the whole header):
 *  - angles in radians, CRBs in rad^2, FIMs per radian;
 *  - noise_var is the TOTAL complex noise variance per antenna, E|n|^2
 *    (CN(0, noise_var)); the real and imaginary parts each carry noise_var/2;
 *  - b, bdot are the receive steering vector and its derivative d b/d theta in
 *    any convention (array_convention); the bounds of (a)-(c) only depend on
 *    ||b||^2 and q = ||P_b^perp bdot||^2 = ||bdot||^2 - |b^H bdot|^2/||b||^2,
 *    which is the same for every phase reference (a theta-dependent phase of b
 *    is absorbed by the unknown complex gain, or cancels in b b^H), so
 *    first-element and midpoint references give identical bounds. With the
 *    bistatic CRB paper midpoint reference b^H bdot = 0 and q = ||bdot||^2.
 *  - bistatic echo (bistatic CRB paper Sec. II): y_t = beta b(theta) c_t + n_t,
 *    c_t = a(phi)^H x_t the transmit signal seen along the known DoD.
 *    p_det = (1/L) sum_t |c_t|^2 = a^H R_D a of the known (deterministic) part,
 *    p_gauss = a^H R_G a of the Gaussian part whose realisations the receiver does
 *    not know.
 */
#ifndef INCLUDED_ISAC_CORE_CRB_H
#define INCLUDED_ISAC_CORE_CRB_H

#include <gnuradio/isac/core/steering.h>
#include <gnuradio/isac/core/types.h>
#include <utility>
#include <vector>

namespace gr {
namespace isac {
namespace core {

//! q = ||bdot||^2 - |b^H bdot|^2/||b||^2 (the DoA information per unit SNR).
double doa_projected_derivative_power(const cvec& b, const cvec& bdot);

/*!
 * (a) Deterministic (known) signal, bistatic CRB paper eq. (23):
 *   CRB_D = noise_var / (2 L |beta|^2 p_det q).
 * gain_known = false (default): the complex gain beta is a nuisance parameter
 * (the case of the paper). gain_known = true: only theta is unknown, q is
 * replaced by ||bdot||^2 (the MathWorks crlb example; reference dependent).
 */
double crb_deterministic(const cvec& b,
                         const cvec& bdot,
                         double beta_abs,
                         double p_det,
                         int L,
                         double noise_var,
                         bool gain_known = false);

/*!
 * Pseudo-inverse of a Hermitian positive semidefinite matrix (a Gram matrix):
 * eigenvalues below rel_tol times the largest count as zero, so a Gram of
 * linearly dependent vectors projects onto their span instead of blowing up.
 */
cmat pinv_hermitian(const cmat& G, double rel_tol = 1e-10);

/*!
 * (a') Known signal with Q known-direction interferers of unknown complex gain
 * (clutter patches of a monostatic scene): the CPI, stacked into one N L vector,
 *   y = beta x(theta) + sum_q gamma_q x_q + n,  x(theta) = vec(b(theta) c^T),
 *   x_q = vec(b_q c_q^T),
 * with beta and every gamma_q nuisance parameters. The theta entry of the
 * inverse Slepian-Bangs FIM is the inverse of its Schur complement,
 *   CRB = noise_var / (2 |beta|^2 xdot^H P_A^perp xdot),  A = [x, x_1 .. x_Q],
 * evaluated from Q+1 x Q+1 Gram sums (b_i^H b_j)(c_i^H c_j); a singular Gram
 * (repeated angles, a patch without transmit energy) is handled by its
 * pseudo-inverse. With Q = 0 it is crb_deterministic (same value to rounding).
 * b, bdot: N vectors; c: the L references c_t; Bq: N x Q clutter receive
 * responses; Cq: L x Q clutter references c_{q,t}.
 */
double crb_deterministic_clutter(const cvec& b,
                                 const cvec& bdot,
                                 const cvec& c,
                                 const cmat& Bq,
                                 const cmat& Cq,
                                 double beta_abs,
                                 double noise_var);
/*!
 * The same bound from the CPI's sums: Ec = c^H c, rho_q = c_q^H c, Cc = Cq^H Cq
 * (what doa_mle_core holds after an estimate).
 */
double crb_deterministic_clutter_gram(const cvec& b,
                                      const cvec& bdot,
                                      double Ec,
                                      const cmat& Bq,
                                      const cvec& rho,
                                      const cmat& Cc,
                                      double beta_abs,
                                      double noise_var);

/*!
 * (b) Gaussian signal with unknown realisations, bistatic CRB paper CRB_G, Sec. III-B:
 *   CRB_G = CRB_D (1 + 1/gamma_s), gamma_s = |beta|^2 ||b||^2 p_gauss/noise_var,
 * with p_det replaced by p_gauss in CRB_D.
 */
double crb_gaussian(const cvec& b,
                    const cvec& bdot,
                    double beta_abs,
                    double p_gauss,
                    int L,
                    double noise_var);

/*!
 * (c) Superposition of a known part and a Gaussian part, bistatic CRB paper CRB_mix, Sec.
 * IV-B: CRB_mix = noise_var / (2 L |beta|^2 q [p_det + p_gauss g/(1+g)]), g = |beta|^2
 * ||b||^2 p_gauss/noise_var. p_gauss = 0 gives CRB_D, p_det = 0 gives CRB_G.
 */
double crb_mixed(const cvec& b,
                 const cvec& bdot,
                 double beta_abs,
                 double p_det,
                 double p_gauss,
                 int L,
                 double noise_var);

/*!
 * Exact Slepian-Bangs FIM of the bistatic model
 *   y_t ~ CN(beta b c_t, |beta|^2 p_gauss b b^H + noise_var I), t = 1..L,
 * over the real parameters (theta, |beta|, arg beta):
 *   F_ij = 2 L p_det Re(dmu_i^H R^-1 dmu_j) + L tr(R^-1 dR_i R^-1 dR_j),
 * with dmu = (beta bdot, e^{j arg} b, j beta b) per unit c_t. Returns 3 x 3,
 * or 2 x 2 over (theta, |beta|) when p_det = 0 (the phase is then not
 * identifiable). Throws when p_det = p_gauss = 0.
 */
rmat bistatic_fim(const cvec& b,
                  const cvec& bdot,
                  double beta_abs,
                  double p_det,
                  double p_gauss,
                  int L,
                  double noise_var);

//! [F^-1]_00 of a FIM (the CRB of the first parameter). Throws if singular.
double crb_from_fim(const rmat& F);

/*!
 * Exact FIM of the deterministic monostatic/MIMO model (massive-MIMO ISAC paper eq.
 * (28)-(38)): Y = alpha G(omega) X + N,  (1/L) X X^H = R_x, F_ij = (2 L/noise_var) Re
 * tr(D_i R_x D_j^H), parameters (omega_1..omega_K, Re alpha, Im alpha), derivatives D_k =
 * alpha Gdot_k, D_Re = G, D_Im = j G. Size (K+2) x (K+2). G is n_rx x n_tx; every Gdot_k
 * has G's shape. For a channel written as beta b a^T x pass G = b a^T (i.e. the "a" of G
 * = b a^H is conj(a)).
 */
rmat monostatic_fim(const cmat& G,
                    const std::vector<cmat>& Gdots,
                    const cmat& R_x,
                    cdouble alpha,
                    int L,
                    double noise_var);

/*!
 * (d) Monostatic single-angle CRB, massive-MIMO ISAC paper eq. (28)-(38), G = b a^H, Gdot
 * = bdot a^H + b adot^H: CRB = 1 / (kappa |alpha|^2 [tr(Gdot R Gdot^H) - |tr(G R
 * Gdot^H)|^2/tr(G R G^H)]), kappa = 2 L/noise_var.
 */
double crb_monostatic(const cvec& b,
                      const cvec& bdot,
                      const cvec& a,
                      const cvec& adot,
                      const cmat& R_x,
                      double alpha_abs,
                      int L,
                      double noise_var);

/*!
 * (e) UPA closed form of the massive-MIMO ISAC paper Theorem 2 / Remark 3: monostatic
 * UPAs (massive-MIMO ISAC paper centre-reference vectors, d = lambda/2), beam v = a,
 * R = Xi I + rho a a^H. Returns (CRLB_theta, CRLB_phi) in rad^2.
 * n_th x n_tv transmit and n_rh x n_rv receive elements. The paper's eq. 49/51
 * put cos^2(phi) on the vertical (N_v^2 - 1) term; the derivative of the
 * vertical phase cos(phi) gives sin^2(phi), used here (equal to crb_upa_exact
 * at every angle, not only at phi = +-45 deg).
 */
std::pair<double, double> crb_upa(int n_th,
                                  int n_tv,
                                  int n_rh,
                                  int n_rv,
                                  double theta_rad,
                                  double phi_rad,
                                  double xi,
                                  double rho,
                                  double alpha_abs,
                                  int L,
                                  double noise_var);

/*!
 * Exact (theta, phi) CRBs of the massive-MIMO ISAC paper monostatic UPA model for ANY
 * transmit covariance R_x (n_tx x n_tx, n_tx = n_th n_tv), e.g. a misaligned
 * beam R = Xi I + rho v v^H with v != a (massive-MIMO ISAC paper Fig. 2), from
 * monostatic_fim with G = b a^H and the UPA derivatives of steering.h
 * (complex gain a nuisance). Returns (CRB_theta, CRB_phi) in rad^2; equals
 * crb_upa() when R_x = Xi I + rho a a^H.
 */
std::pair<double, double> crb_upa_exact(int n_th,
                                        int n_tv,
                                        int n_rh,
                                        int n_rv,
                                        double theta_rad,
                                        double phi_rad,
                                        const cmat& R_x,
                                        double alpha_abs,
                                        int L,
                                        double noise_var);

} // namespace core
} // namespace isac
} // namespace gr

#endif
