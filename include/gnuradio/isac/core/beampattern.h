/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Beampattern matching for the null-space superimposing precoder (null-space
 * paper eq. (9)-(22)): sqrt-beampattern cost, MM-LineSearch (majorise-minimise with an
 * exact trust-region subproblem solved by a line search on its multiplier),
 * rectangular reference patterns, PSLR, and the beamformer-count paper rank reduction of
 * a sensing covariance that keeps its ULA beampattern exactly.
 *
 * Problem in the sensing coordinates B (n_b x L, n_b = N - K):
 *   c_m(B) = [ B^H a_m' + z_m ; sqrt(u_m) ],  a_m' = column m of A = P^H a(theta_m),
 *   L g(B) = sum_m (||c_m(B)|| - delta_m)^2,  delta_m = sqrt(L d(theta_m)),
 *   minimise  w L g(B) + tr(B^H Q2 B) + 2 Re tr(B^H E2)  s.t. ||B||_F^2 = budget.
 * z_m (column m of Z = X_c^H a(theta_m), L x M) is the communication part
 * coupled sample by sample with B (null-space paper: known symbols S); u_m is an
 * uncoupled communication energy, L a^H F F^H a, used when the symbols are a
 * zero-mean stream independent of B (then P(theta) = ||c_m||^2/L is the
 * expected beampattern). Either may be empty (zero). Q2/E2 carry the
 * imperfect-CSI penalty of null-space paper Sec. V (empty = none).
 */
#ifndef INCLUDED_ISAC_CORE_BEAMPATTERN_H
#define INCLUDED_ISAC_CORE_BEAMPATTERN_H

#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/types.h>
#include <cstdint>
#include <vector>

namespace gr {
namespace isac {
namespace core {

struct bp_problem {
    cmat A;            //!< n_b x M, P^H a(theta_m)
    cmat Z;            //!< L x M coupled communication part, or empty
    rvec u;            //!< M uncoupled communication energies, or empty
    rvec delta;        //!< M, sqrt(L d_m) >= 0
    int L = 1;         //!< frame length (columns of B)
    double budget = 1; //!< ||B||_F^2 = L P_a
    double weight = 1; //!< w on L g(B) (omega/L in null-space paper Sec. V, 1 otherwise)
    cmat Q2;           //!< n_b x n_b PSD penalty, or empty
    cmat E2;           //!< n_b x L linear penalty, or empty
};

struct mm_options {
    double tol = 1e-6;  //!< stop when |f_{t+1} - f_t| <= tol f_t
    int max_iter = 200;
    cancel_check cancel;    //!< polled every iteration: stop, the result is not a design
    double max_seconds = 0; //!< work budget: stop with the current iterate (0: none)
};

struct mm_result {
    cmat B;
    double cost = 0;                  //!< final objective (w L g + penalty)
    double matching_cost = 0;         //!< final g(B)
    int iterations = 0;
    bool converged = false;
    bool cancelled = false;
    bool out_of_time = false; //!< max_seconds ran out: B is the last iterate
    std::vector<double> cost_history; //!< objective at B_0, B_1, ...
    std::vector<double> norm_history; //!< ||B_t||_F^2 at B_0, B_1, ...
};

//! Throws param_error when the sizes of the problem do not agree or values are bad.
void validate(const bp_problem& p);

//! g(B) = (1/L) sum_m (||c_m(B)|| - delta_m)^2 (null-space paper eq. 10).
double bp_matching_cost(const bp_problem& p, const cmat& B);

//! Objective minimised by mm_linesearch: w L g(B) + tr(B^H Q2 B) + 2 Re tr(B^H E2).
double bp_objective(const bp_problem& p, const cmat& B);

//! P(theta_m) = ||c_m(B)||^2 / L on the problem's grid.
rvec bp_pattern(const bp_problem& p, const cmat& B);

struct trs_result {
    cmat B;
    double nu = 0;
    bool hard_case = false;
};

/*!
 * Trust-region subproblem on the sphere (null-space paper Theorem 1, eq. (16)-(22)):
 *   min tr(B^H Q B) - 2 Re tr(B^H G)  s.t. ||B||_F^2 = budget,
 * given the EVD Q = Uq diag(lam) Uq^H (lam ascending). Global minimiser from
 * the KKT conditions (Q + nu I) B = G, Q + nu I >= 0, with nu found by
 * bisection on the secular equation; the hard case puts the missing norm on
 * the lambda_min eigenvector(s) (direction hint: `dir`, n_b x L, may be empty).
 */
trs_result solve_trs(const rvec& lam, const cmat& Uq, const cmat& G, double budget,
                     const cmat& dir = cmat());

/*!
 * MM-LineSearch (null-space paper Algorithm 1) from B0 (rescaled to the budget).
 * The objective is non-increasing and ||B_t||_F^2 = budget at every step.
 */
mm_result mm_linesearch(const bp_problem& p, const cmat& B0, const mm_options& opt = {});

//! Uniform angle grid from -90 deg to +90 deg (both included) with step step_rad.
std::vector<double> angle_grid(double step_rad);

/*!
 * Rectangular reference (null-space paper eq. 44): d_m = level if |theta_m - t_k| <=
 * width/2 for some target t_k, else 0. level <= 0 selects null-space paper eq. (9)-(11)'s
 * scale power * M / M_main (the desired pattern carries the grid-summed power of an
 * isotropic waveform of total power `power`).
 */
rvec rect_pattern(const std::vector<double>& grid_rad,
                  const std::vector<double>& targets_rad,
                  double width_rad,
                  double power,
                  double level = 0);

//! a(theta_m)^H R a(theta_m) for the columns of Agrid (N x M): the beampattern of covariance R.
rvec pattern_of_covariance(const cmat& R, const cmat& Agrid);

struct pslr_result {
    double pslr = 0;                  //!< max sidelobe / max mainlobe (linear)
    double pslr_db = 0;
    double main_peak = 0;
    double side_peak = 0;
    std::vector<double> peak_angles;  //!< per target: angle of the largest P within +-width/2
};

/*!
 * Peak sidelobe ratio (null-space paper Algorithm 1): sidelobes are grid points farther
 * than width/2 + guard from every target; mainlobes are points within width/2.
 */
pslr_result pslr(const rvec& pattern,
                 const std::vector<double>& grid_rad,
                 const std::vector<double>& targets_rad,
                 double width_rad,
                 double guard_rad);

/*!
 * Beamformer-count paper rank reduction for ULA beampatterns. For a covariance R = V V^H
 * (V: n_b x r) transmitted through P (N x n_b), the beampattern
 * a^H P R P^H a of a uniform linear array depends on R only through the
 * 2N - 1 real diagonal sums of P R P^H (the spatial correlation lags), so R
 * can be replaced by a PSD matrix of rank r' with r'^2 <= 2N - 1 and the same
 * lags (Huang-Palomar reduction: repeatedly move along a lag-preserving
 * Hermitian direction until an eigenvalue reaches zero). Returns V' with
 * P V' V'^H P^H having the same diagonal sums (hence the same beampattern
 * and power) and rank <= max(target_rank, floor(sqrt(2N - 1))).
 */
cmat reduce_pattern_rank(const cmat& P, const cmat& V, int target_rank);

} // namespace core
} // namespace isac
} // namespace gr

#endif
