/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Flip search over the 1-bit alphabet (internal): the one local search of the CI
 * precoder's ILP heuristics. Problem: maximise w^T x over x in {-c, c}^n subject
 * to A x >= b (any rows: the users' margin rows, a radar row). The QoS step uses it
 * directly; the max-min margin problem raises b step by step (ci_ilp.cc).
 */
#ifndef INCLUDED_ISAC_CORE_CI_FLIP_SEARCH_H
#define INCLUDED_ISAC_CORE_CI_FLIP_SEARCH_H

#include <gnuradio/isac/core/types.h>
#include <memory>
#include <vector>

namespace gr {
namespace isac {
namespace core {

namespace volk_isac_machines {
struct ci_flip_kernels; // volk_isac/machines.h
}

//! Feasibility tolerance of the rows A x >= b: 1e-10 of their scale.
double feas_tol(const rvec& b, double c, const rmat& A);

//! c sign(v) entry-wise, ties (v_j = 0) broken by the sign of tie_j (then +c).
rvec sign_vec(const rvec& v, const rvec& tie, double c);
//! sign_vec into x[0, n)
void sign_into(const double* v, const double* tie, double c, double* x, int n);
//! y = A x, y[0, A.rows()): bit for bit what Eigen's `A * x` gives, in the LP's AVX
//! GEMV kernel where the CPU has it (qa_volk_isac checks it against Eigen's GEMV)
void product_into(const rmat& A, const double* x, double* y);

/*!
 * State x, residual r = A x - b, objective w^T x. A flip of j changes x_j by
 * s_j = -2 x_j and r by the column dR_j = s_j A_j, kept in dR (a flip negates its
 * column exactly) so the scans read one operand instead of multiplying; every test
 * still evaluates r_i + s_j A_ij with the same rounding.
 */
class flip_search
{
public:
    //! w, A, b are referenced, not copied: they must outlive the search.
    flip_search(const rvec& w, const rmat& A, const rvec& b, double c, double tol);
    ~flip_search();
    flip_search(const flip_search&) = delete;
    flip_search& operator=(const flip_search&) = delete;
    struct arrays; //!< the work arrays of a search (ci_flip_search.cc)

    void set(const rvec& x0);
    void set_tolerance(double tol) { tol_ = tol; }
    void flip(int j);
    //! sum of the row violations beyond the tolerance
    double violation() const;
    bool feasible() const;

    /*!
     * Greedy repair: flip the coordinate with the best violation decrease per
     * objective loss, or when none decreases it the best pair, until every row holds
     * (true) or no move reduces the violation.
     */
    bool repair();
    /*!
     * Best-improvement local search that keeps every row: single flips, then pairs
     * of an improving (alone infeasible) flip with any partner, bounded so that it
     * stays O(n m) per pass in real time.
     */
    void local_search();

    const rvec& x() const { return x_; }
    const rvec& residual() const { return r_; }
    double objective() const { return obj_; }

private:
    const rvec& w_;
    const rmat& A_;
    const rvec& b_;
    double c_, tol_;
    rvec x_, r_;
    rmat dR_;
    double obj_ = 0;
    std::vector<int> rows_, cols_; // repair: violated rows, columns raising one
    int n_first_ = 0;              // repair: the first flips of a pair, cols_[0, n)
    std::vector<double> after_;    // repair: violation after each single flip
    std::vector<int> improving_;   // local search: improving flips
    std::vector<int> partners_;    // local search: second-flip candidates
    std::vector<int> cand_;        // local search: columns that can be a second flip
    std::vector<double> gain_;     // local search: objective change of each flip
    std::vector<int> worst_row_;   // best_pair_flip: the row each first flip breaks most
    std::vector<double> worst_val_; // best_pair_flip: that row's residual after it
    std::vector<double> row_floor_; // best_pair_flip: highest such residual per row
    std::vector<int> row_count_;    // best_pair_flip: number of row_cols_ per row
    std::vector<int> row_cols_;     // best_pair_flip: columns that can repair the row
    rvec rj_;                      // local search: residual after the first of two flips
    std::vector<double> dRt_;      // repair_pair: dR_ transposed (row-major)
    std::vector<double> dmin_;     // repair_pair: each row's most negative change
    std::vector<double> v2_;       // repair_pair: violation after each pair (j, k)
    /*
     * The arrays above come from a per-thread store of a few sets (arrays) and go
     * back to it: every ILP step builds a new search, and allocating and zero-filling
     * them each time was ~4% of a design at N_T = 64
     * (docs/ci_precoder_measurements.md). Every array is sized and written before it
     * is read, so their old contents never show.
     */
    std::unique_ptr<arrays> held_; // the store's set whose arrays this search holds
    void swap_arrays(arrays& a);

    // e + dR_j >= -tol in every row (the smallest entry decides; Eigen vectorises it)
    bool fits(const rvec& e, int j) const { return (e + dR_.col(j)).minCoeff() >= -tol_; }
    int best_repair_flip(double v0);
    bool repair_pair(double v0);
    int least_violation_first_flips(int* top) const;
    void transpose_changes();
    double pair_violations(
        const volk_isac_machines::ci_flip_kernels* K, int j, int n, int m, double tol);
    int best_single_flip(double otol);
    bool best_pair_flip(double otol);
    void keep_best_first_flips();
    int partner_candidates(double otol);
    void collect_row_partners(int nc);
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
