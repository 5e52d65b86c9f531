/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Multi-user downlink communication precoders (null-space paper eq. (8), massive-MIMO
 * ISAC paper II-C): MRT, ZF, SINR-target power control and the exact minimum-power design
 * by the uplink-downlink duality fixed point (no SDP solver).
 *
 * Convention (null-space paper): H is K x N with rows h_k^H, the users receive
 * y = H x + n, x = F s, F = [f_1 .. f_K] is N x K, and
 *   SINR_k = |h_k^H f_k|^2 / (sum_{j != k} |h_k^H f_j|^2 + noise_var).
 * Massive-MIMO ISAC paper stacks columns (Hhat = H^H): pass H = Hhat^H.
 */
#ifndef INCLUDED_ISAC_CORE_COMM_PRECODER_H
#define INCLUDED_ISAC_CORE_COMM_PRECODER_H

#include <gnuradio/isac/core/types.h>
#include <string>

namespace gr {
namespace isac {
namespace core {

//! Per-user SINR of precoder F on channel H (K x N) with noise variance noise_var >= 0.
rvec sinr(const cmat& H, const cmat& F, double noise_var);

/*!
 * Numerical rank of H: its singular values above max(K, N) eps sigma_max
 * (null-space paper eq. (4)-(7)); 0 for H = 0.
 */
int numerical_rank(const cmat& H);

//! MRT directions u_k = h_k/||h_k|| (N x K, unit-norm columns). Throws for a zero row.
cmat mrt_directions(const cmat& H);

/*!
 * ZF directions: columns of H^H (H H^H)^{-1}, normalised to unit norm, so that
 * h_k^H u_j = 0 for j != k. Throws param_error when H has rank < K (ZF does
 * not exist); the rank test is the numerical rank of null-space paper eq. (4)-(7).
 */
cmat zf_directions(const cmat& H);

//! f_k = sqrt(p_k) u_k. p must have U.cols() non-negative finite entries.
cmat scale_columns(const cmat& U, const rvec& p);

//! Equal-power MRT / ZF with ||F||_F^2 = power (p_k = power/K), null-space paper eq. (8)
//! / massive-MIMO ISAC paper eq. 14.
cmat mrt_precoder(const cmat& H, double power);
cmat zf_precoder(const cmat& H, double power);

struct power_control_result {
    rvec p;            //!< per-user powers (valid when feasible)
    bool feasible = false;
    std::string why;   //!< reason when infeasible
};

/*!
 * Powers that meet SINR_k = gamma_k with equality for fixed unit-norm
 * directions U (N x K): solve M p = noise_var 1 with
 * M_kk = |h_k^H u_k|^2/gamma_k, M_kj = -|h_k^H u_j|^2. Infeasible when M is
 * singular or a power comes out negative (the targets cannot be met with
 * these directions at any power).
 */
power_control_result
sinr_power_control(const cmat& H, const cmat& U, const rvec& gamma, double noise_var);

struct minpower_result {
    cmat F;                 //!< N x K precoder, f_k = sqrt(p_k) u_k
    cmat U;                 //!< unit-norm directions
    rvec p;                 //!< downlink powers
    rvec lambda;            //!< dual (uplink) variables
    double total_power = 0; //!< sum_k p_k (primal value)
    double dual_value = 0;  //!< noise_var * sum_k lambda_k
    int iterations = 0;     //!< fixed-point iterations
    bool feasible = false;
    std::string why;        //!< reason when infeasible
};

/*!
 * Minimum-power beamforming: min sum ||f_k||^2 s.t. SINR_k >= gamma_k
 * (linear targets). Exact uplink-downlink duality fixed point of null-space paper eq.
 * (8): lambda_k <- 1/((1 + 1/gamma_k) h_k^H (I + sum_j lambda_j h_j h_j^H)^{-1} h_k) from
 * lambda = 1 until the relative change is below tol (each step also tries a safeguarded
 * Newton step on lambda = I(lambda), kept only when it lowers the fixed-point residual:
 * the plain map slows down at high SINR), then MMSE directions and SINR power control. At
 * the optimum the SINRs hold with equality and sum p_k = noise_var sum lambda_k. Never
 * throws for an infeasible target set: feasible = false and why say what failed
 * (divergent duals, max_iter reached, negative power).
 * Throws param_error for bad sizes or non-positive/non-finite targets.
 */
minpower_result minpower_precoder(const cmat& H,
                                  const rvec& gamma,
                                  double noise_var,
                                  double tol = 1e-10,
                                  int max_iter = 10000);

} // namespace core
} // namespace isac
} // namespace gr

#endif
