/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Range integrated-sidelobe-level (ISL) suppression for the null-space
 * superimposing precoder by Riemannian conjugate gradient on the sphere
 * ||B||_F^2 = budget (null-space paper eq. (24)-(35)).
 *
 *   X = X_c + P B (N x L),  R_tau = X J_tau X^H = X[:, 0:L-tau] X[:, tau:L]^H,
 *   r(B) = sum_{tau=1}^{T} ||R_tau||_F^2 + sum_n w_n ||b_n||^2 + c0.
 *
 * The optional column weights w_n and constant c0 give the ISL averaged over
 * i.i.d. zero-mean circular unit-power communication symbols (X_c = F S with
 * S unknown at design time): see expected_isl_problem().
 */
#ifndef INCLUDED_ISAC_CORE_ISL_H
#define INCLUDED_ISAC_CORE_ISL_H

#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/types.h>
#include <vector>

namespace gr {
namespace isac {
namespace core {

struct isl_problem {
    cmat Xc;            //!< N x L communication part, or empty (zero)
    cmat P;             //!< N x n_b null-space basis (P^H P = I)
    int L = 1;          //!< frame length
    int T = 1;          //!< largest lag, 1 <= T < L
    double budget = 1;  //!< ||B||_F^2
    rvec col_weight;    //!< L column weights w_n, or empty
    double c0 = 0;      //!< constant added to the cost
};

void validate(const isl_problem& p);

//! ||R_tau(X)||_F for tau = 1..T. When `stop` fires between two lags the
//! profile is incomplete (the caller, which asked to stop, discards it).
rvec isl_lag_profile(const cmat& X, int T, const cancel_check& stop = {});

//! sum_{tau=1}^{T} ||R_tau(X)||_F^2.
double isl_of(const cmat& X, int T, const cancel_check& stop = {});

//! r(B) as above (each lag costs n_b^2 L: `stop` is polled between lags).
double isl_cost(const isl_problem& p, const cmat& B, const cancel_check& stop = {});

//! Euclidean gradient of r wrt B in the convention dr = Re tr(grad^H dB) (null-space
//! paper eq. (29)).
cmat isl_gradient(const isl_problem& p, const cmat& B, const cancel_check& stop = {});

/*!
 * The ISL averaged over X_c = F S, S with i.i.d. zero-mean circular entries
 * of unit power (E s s^H = I, E s s^T = 0, e.g. QPSK/8-PSK) independent of B:
 *   E r = sum_tau ||R_tau(P B)||^2 + P_c sum_n w_n ||b_n||^2 + P_c^2 sum_tau (L - tau),
 *   w_n = min(n, T) + min(L - 1 - n, T),  P_c = ||F||_F^2.
 */
isl_problem expected_isl_problem(const cmat& P, int L, int T, double comm_power, double budget);

struct rcg_options {
    double grad_tol = 1e-6; //!< stop when ||rgrad|| <= grad_tol ||rgrad_0||
    double rel_tol = 1e-6;  //!< stop after 3 consecutive steps with relative decrease < rel_tol
    int max_iter = 500;
    cancel_check cancel; //!< polled every iteration and line-search step
    double max_seconds = 0; //!< work budget: stop with the current iterate (0: none)
};

struct rcg_result {
    cmat B;
    double cost = 0;
    int iterations = 0;
    bool converged = false;
    bool cancelled = false;   //!< `cancel` fired: B is not a design to use
    bool out_of_time = false; //!< max_seconds ran out: B is the last accepted iterate
    std::vector<double> cost_history; //!< r(B_0), r(B_1), ... (non-increasing)
};

/*!
 * Riemannian CG (Polak-Ribiere+, projection transport, normalisation
 * retraction, Armijo backtracking) from B0 rescaled to the budget.
 */
rcg_result rcg_isl(const isl_problem& p, const cmat& B0, const rcg_options& opt = {});

} // namespace core
} // namespace isac
} // namespace gr

#endif
