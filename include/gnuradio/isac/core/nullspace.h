/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Null-space superimposing (SD-ISAC) precoder of the null-space paper (eq. (4)-(7), Sec.
 * V): X = F S + P B,  H P = 0,  P^H P = I, so the users (y = H X + n) see only F S. This
 * header holds the null-space basis, the complete design (communication precoder F, basis
 * P, sensing matrix B) used by the nullspace_precoder block and by Python studies, and
 * the streaming kernel x_n = F s_n + (P B)[:, n mod L].
 */
#ifndef INCLUDED_ISAC_CORE_NULLSPACE_H
#define INCLUDED_ISAC_CORE_NULLSPACE_H

#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/steering.h>
#include <gnuradio/isac/core/types.h>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

struct nullspace_basis {
    cmat P;            //!< N x (N - rank), orthonormal columns, H P ~ 0
    cmat V1;           //!< N x rank, orthonormal basis of range(H^H)
    int rank = 0;      //!< numerical rank of H
    rvec singular_values;
    double tol = 0; //!< max(K, N) eps sigma_max (null-space paper eq. (4)-(7))
};

//! Null-space basis from the SVD of H (K x N), numerical rank as in null-space paper eq.
//! (4)-(7).
nullspace_basis null_space(const cmat& H);

//! ||H Y||_F / ||Y||_F (0 for Y = 0): the fraction of a signal Y that the users see.
double leakage_ratio(const cmat& H, const cmat& Y);

//! Exponential transmit correlation [R]_ij = r^|i-j| (null-space paper Sec. V), 0 <= r
//! < 1.
rmat exp_correlation(int n, double r);

/*!
 * Parameters of a complete SD-ISAC design. Angles in radians (the Python and
 * GRC surfaces take degrees).
 */
struct sdisac_params {
    int frame_len = 32;                  //!< L: columns of B, one frame
    double power = 1.0;                  //!< P_t, total transmit power per snapshot
    std::string comm = "zf";             //!< "zf", "mrt" or "minpower"
    rvec sinr;                           //!< linear SINR targets, size K (or 1: same for all)
    double noise_var = 0.01;             //!< user noise variance sigma^2
    double comm_power = 0;               //!< > 0: zf/mrt with equal powers summing to this P_c
    std::string sensing = "beampattern"; //!< "beampattern", "isl", "external", "none"
    std::vector<double> targets_rad;     //!< beampattern targets
    double beam_width_rad = 10.0 * pi / 180; //!< width Delta of each rectangular beam
    double grid_step_rad = 0.5 * pi / 180; //!< beampattern grid step (default 0.5 deg)
    double guard_rad = 2.0 * pi / 180;   //!< PSLR guard beyond Delta/2 (default 2 deg)
    int isl_lags = 0;                    //!< T; 0 selects L - 1
    double csi_error = 0;                //!< tau_e in [0, 1] (null-space paper Sec. V)
    double csi_weight = 1;               //!< omega in [0, 1]: weight of the beampattern term
    double csi_corr = 0;                 //!< r of R = r^|i-j|, [0, 1)
    int sensing_beams = 0; //!< 0 full rank, -1 beamformer-count paper bound, > 0 cap
    int max_iter = 200;                  //!< MM / RCG iterations
    double tol = 1e-6;                   //!< relative cost change to stop
    uint64_t seed = 1;                   //!< random start of B
    cmat symbols; //!< optional K x L known symbols (null-space paper mode)
    array_convention steering = array_convention::first_element_positive();
    //! Polled by the MM/ISL iterations: a cancelled design returns ok = false.
    cancel_check cancel;
    //! Work budget of the MM/ISL iterations: at its end the design keeps the
    //! current iterate (ok, with a note in message). 0: none.
    double max_seconds = 0;

    //! Throws param_error naming the first bad field (n_tx, n_users: sizes of H).
    void validate(int n_tx, int n_users) const;
};

struct sdisac_design {
    bool ok = false;          //!< false: infeasible; F/P valid only when comm_ok
    bool comm_ok = false;
    std::string message;      //!< what happened: infeasibility, rank deficiency, reductions
    cmat H, F, P, B;          //!< B is (N - rank) x L; empty for "external"/"none"
    int rank = 0;
    bool rank_deficient = false;
    double comm_power = 0;    //!< P_c = ||F||_F^2
    double sensing_power = 0; //!< P_a = ||B||_F^2 / L
    double split = 0;         //!< P_c / P_t
    rvec sinr;                //!< achieved user SINRs (linear)
    rvec lambda;              //!< min-power duals
    double dual_value = 0;    //!< noise_var sum lambda (min-power)
    double cost = 0;          //!< final design objective (MM or ISL)
    double matching_cost = 0; //!< g(B) (beampattern)
    int iterations = 0;
    std::vector<double> cost_history;
    double pslr_db = 0;       //!< PSLR of the design's beampattern
    std::vector<double> peak_angles_rad;
    double isl = 0;           //!< ISL (expected over symbols unless symbols given)
    double leakage = 0;       //!< ||H P B||_F / ||P B||_F
    int sensing_rank = 0;     //!< rank of B B^H
    double design_time_s = 0;
    std::vector<double> grid_rad;
    rvec desired;             //!< d(theta) on the grid
    rvec pattern;             //!< P(theta) on the grid
    int frame_len = 0;
    cmat symbols;             //!< the known symbols the design used (empty: expected mode)
    array_convention steering; //!< steering convention of the design
};

/*!
 * Complete design for channel H (K x N). Throws param_error for bad
 * parameters or a non-finite H; infeasibility (SINR targets, P_c > P_t, ZF on
 * a rank-deficient H) returns ok = false with the reason in message.
 */
sdisac_design design_sdisac(const cmat& H, const sdisac_params& prm);

/*!
 * Beampattern of a design on any grid: expected over i.i.d. unit-power
 * symbols, P(theta) = a^H (F F^H + P B B^H P^H / L) a (or with the known
 * symbols S: (1/L) ||(F S + P B)^H a||^2).
 */
rvec design_pattern(const sdisac_design& d, const std::vector<double>& grid_rad);

/*!
 * Streaming kernel: x_n = F s_n + M[:, (phase + n) mod L] for n = 0..n_items-1,
 * s (K per item) and x (N per item) contiguous items; M = P B (N x L) may be
 * empty (no sensing). One GEMM per call.
 */
void superimpose(const cfloat* s, cfloat* x, long n_items, const cmatf& F, const cmatf& M, long phase);

//! x_n = F s_n + Pi b_n with Pi = P P^H (external sensing samples b, N per item).
void superimpose_external(const cfloat* s, const cfloat* b, cfloat* x, long n_items,
                          const cmatf& F, const cmatf& Pi);

} // namespace core
} // namespace isac
} // namespace gr

#endif
