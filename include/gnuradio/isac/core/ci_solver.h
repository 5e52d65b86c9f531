/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Constructive-interference safe-margin symbol-level precoder of seed 000
 * (spec 3.2-3.7): an MM outer loop on the radar QSCNR whose steps are integer
 * linear programs over the 1-bit DAC alphabet xtilde in {-c, c}^{2N_T},
 * c = sqrt(E/(2 N_T)).
 *
 *  QoS (spec 3.4-3.5): max wtilde_t^T xtilde  s.t.  Atilde xtilde >= lambda.
 *  QoD (spec 3.6):     max t  s.t.  Atilde xtilde >= t 1,  wtilde_t^T xtilde + const_2 >=
 * chi.
 *
 * ILP solvers:
 *  - heuristic (real time, default): LP relaxation by a dense bounded dual
 *    simplex (2U rows, so every pivot costs O(U N_T)), rounding and
 *    Lagrangian starts, greedy feasibility repair, 1-flip and 2-flip local
 *    search that keeps feasibility, warm start from the previous MM iterate
 *    (which makes the MM sequence monotone). The LP value is a certified
 *    upper bound, so every result carries its gap.
 *  - exact: depth-first branch and bound on the same LP bounds with a node
 *    and time budget (reports whether optimality was proven).
 * The infinite-resolution DAC (spec 3.7) replaces the alphabet by
 * ||x||^2 <= E; its steps are solved through the 2U-dimensional dual.
 */
#ifndef INCLUDED_ISAC_CORE_CI_SOLVER_H
#define INCLUDED_ISAC_CORE_CI_SOLVER_H

#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/radar_metrics.h>
#include <gnuradio/isac/core/safe_margin.h>
#include <atomic>
#include <memory>
#include <vector>

namespace gr {
namespace isac {
namespace core {

// ---------------------------------------------------------------- LP / ILP

struct lp_result {
    enum status_t { optimal = 0, infeasible = 1, iteration_limit = 2 };
    status_t status = infeasible;
    double value = 0; //!< c^T z at the returned basis
    rvec z;           //!< primal solution
    rvec dual;        //!< multipliers nu >= 0 of the rows (Lagrangian bound)
    int iterations = 0;
};

/*!
 * Dense bounded dual simplex for small row counts:
 *   maximise c^T z  s.t.  A z >= b,  lo <= z <= hi   (all bounds finite).
 * Every bounded LP is dual feasible at the bound vertex sign(c), so no
 * phase 1 is needed and infeasibility is detected by the ratio test. With
 * `warm` (same c, A, bounds; any b) it resumes from the stored basis and
 * stores the final one.
 */
//! Basis of a solved LP, to resume the dual simplex after a change of b only.
struct lp_basis {
    bool valid = false;
    std::vector<int> st, basis;
    std::vector<double> d;
    rmat Binv;
    rvec c;      //!< objective the reduced costs d belong to (re-priced when it changes)
    rvec rowabs; //!< sum_j |A_ij| max(|lo_j|, |hi_j|), cached per A (slack bounds)
    rmat AT;     //!< A^T, cached per A (pivot rows as column-major products)
    std::shared_ptr<void> work; //!< lp_solve's work arrays, reused by later solves
};

lp_result lp_solve(const rvec& c,
                   const rmat& A,
                   const rvec& b,
                   const rvec& lo,
                   const rvec& hi,
                   int max_iter = 0,
                   lp_basis* warm = nullptr);

//! Lagrangian upper bound max_{lo<=z<=hi} (c + A^T nu)^T z - nu^T b for any nu >= 0.
double lagrangian_bound(const rvec& c,
                        const rmat& A,
                        const rvec& b,
                        const rvec& lo,
                        const rvec& hi,
                        const rvec& nu);

struct ilp_result {
    bool feasible = false; //!< xt satisfies every constraint
    bool lp_feasible =
        false; //!< the LP relaxation is feasible (else the ILP is certainly infeasible)
    bool optimal = false; //!< optimality proven (exact solver within budget)
    rvec xt; //!< [Re x; Im x], entries +-c (best found, also when infeasible)
    double objective = 0; //!< QoS: w^T xt; max-min: min_i (At xt)_i
    double lp_bound = 0;  //!< LP relaxation value (upper bound on objective)
    long nodes = 0;       //!< BnB nodes (1 for the heuristic)
};

/*!
 * QoS ILP (spec 3.4) by the real-time heuristic. `warm` are extra start points
 * (any sign vectors). After repair and local search, a core ILP over the
 * core_size columns with the smallest LP reduced costs (default 3m + 8; the
 * others fixed at the sign of their reduced cost) is solved by LP branch and
 * bound with max_nodes nodes (0: skip). Without the LP (use_lp = false) the
 * multipliers nu_in (e.g. the previous MM step's duals) give the start and a
 * certified Lagrangian bound; nu_out returns the multipliers used. `keep` (same At,
 * any w) carries the LP basis from one call to the next: the dual simplex resumes
 * from it after re-pricing (MM steps change only w).
 */
ilp_result ilp_qos_heuristic(const rvec& w,
                             const rmat& At,
                             const rvec& lambda,
                             double c,
                             const std::vector<rvec>& warm = {},
                             bool use_lp = true,
                             long max_nodes = 0,
                             int core_size = 0,
                             const rvec* nu_in = nullptr,
                             rvec* nu_out = nullptr,
                             lp_basis* keep = nullptr,
                             int lp_starts = 0);

//! QoS ILP by branch and bound. Equal to enumeration when it returns optimal.
ilp_result ilp_qos_exact(const rvec& w,
                         const rmat& At,
                         const rvec& lambda,
                         double c,
                         long max_nodes = 1000000,
                         double max_seconds = 30.0,
                         const std::vector<rvec>& warm = {},
                         const cancel_check& cancel = {});

/*!
 * Max-min margin ILP (spec 3.6): maximise min_i (At xt)_i - offset_i subject, when
 * `radar` is true, to w^T xt >= rhs. With radar = false it is the infeasible-QoS
 * fallback (chi = -inf).
 */
ilp_result ilp_maxmin_heuristic(const rmat& At,
                                const rvec& offset,
                                double c,
                                bool radar,
                                const rvec& w,
                                double rhs,
                                const std::vector<rvec>& warm = {});
ilp_result ilp_maxmin_exact(const rmat& At,
                            const rvec& offset,
                            double c,
                            bool radar,
                            const rvec& w,
                            double rhs,
                            long max_nodes = 1000000,
                            double max_seconds = 30.0,
                            const std::vector<rvec>& warm = {},
                            const cancel_check& cancel = {});

/*!
 * Infinite-resolution DAC step (spec 3.7): max w^T xt s.t. At xt >= lambda,
 * ||xt|| <= radius, through the dual min_{nu>=0} radius ||w + At^T nu|| - lambda^T nu
 * (projected Newton). objective = w^T xt; lp_bound = dual value.
 */
ilp_result socp_qos(const rvec& w, const rmat& At, const rvec& lambda, double radius);
//! Max-min margin over the ball (optionally with w^T xt >= rhs), by bisection on the
//! margin.
ilp_result socp_maxmin(const rmat& At,
                       const rvec& offset,
                       double radius,
                       bool radar,
                       const rvec& w,
                       double rhs);

// ---------------------------------------------------------------- MM design

enum class ci_mode { qos, qod };
enum class ci_method { heuristic, exact };

//! Parses "qos"/"qod"; throws param_error naming `name`.
ci_mode parse_ci_mode(const std::string& name, const std::string& v);

struct ci_params {
    int psk_order = 8;
    double power = 1.0;     //!< E
    double noise_var = 1.0; //!< sigma_C^2
    double gamma = 1.0; //!< Gamma (linear), QoS threshold lambda = sqrt(Gamma sigma_C^2)
    ci_mode mode = ci_mode::qos;
    double chi = 1.0;        //!< QoD radar requirement (linear QSCNR)
    bool one_bit_dac = true; //!< false: infinite-resolution DAC (||x||^2 = E)
    adc_model adc = adc_model::one_bit;
    ci_method method = ci_method::heuristic;
    int max_iter = 10; //!< MM iterations (ILPs solved) per snapshot
    double tol = 1e-4; //!< relative MM stopping tolerance
    long bnb_max_nodes = 200000;
    double bnb_max_seconds = 10.0;
    long search_nodes = 0; //!< heuristic: core branch-and-bound node budget per ILP (0:
                           //!< off; 2000 = quality)
    int core_size = 0;     //!< heuristic: core columns (0: 3*2U + 8)
    //! heuristic: LP relaxation (and its tightened roundings) at every MM step, resumed
    //! from the previous step's basis; false: first step only and Lagrangian starts
    //! from its multipliers later (2.4x faster, ~1 dB worse QSCNR at N_T = 32)
    bool lp_every_step = false; // the block is real-time first: speed over the ~0.4 dB
    long feasibility_nodes =
        5000; //!< heuristic: BnB budget spent before declaring infeasibility
    //! heuristic, off in real time: a budgeted BnB first step whenever the heuristic
    //! needs rescuing, and a second MM run (BnB first step) when the QSCNR stalls below
    //! half the unconstrained target-beam QSCNR; the better design is kept
    bool thorough = false;
    //! heuristic: node budget of a warm-started LP branch and bound that solves the
    //! first MM step (from the infeasible target-beam start, the step that decides the
    //! basin); its incumbent replaces the heuristic's when better (0: off)
    long first_nodes = 0;
    bool polish = true; //!< heuristic: QSCNR flip search after the MM loop
    /*!
     * heuristic (real time): stop MM after the first step when that step reached a
     * feasible point without the feasibility rescue; the QSCNR polish still runs.
     * Measured: later steps add 0.02 dB at N_T = 32 and 0.01 dB at N_T = 64 for 13%
     * of the time, while on tight instances (which need the rescue, e.g. N_T = 16)
     * they matter and still run. The quality and table settings turn it off.
     */
    bool early_stop = true;
    //! heuristic: roundings of LPs with every row tightened by 0.15 t lambda (t = 1..),
    //! extra starts on the first MM step (0: off)
    int lp_starts = 0;
    /*!
     * heuristic, QoS, 1-bit DAC: threshold homotopy paths, one per entry K (e.g.
     * {8, 12}; empty: off). A path starts at the target beam and raises every row's
     * threshold from the beam's own value to lambda in K MM steps, each solved by the
     * heuristic (LP resumed along the path, tightened roundings, warm start), then
     * runs MM at lambda; the best path wins, the LP-based MM being one more path (and
     * the only one when no homotopy path reaches a feasible point). About 10x the
     * real-time cost; 0.3 dB better (N_T = 32).
     */
    std::vector<int> homotopy;
    bool feasible_start =
        false; //!< QoS: MM starts at the max-min margin design (else the radar beam)
    void validate() const;
};

//! The quality preset (block solver "quality"): threshold homotopy paths {4, 8, 12},
//! and for n_tx <= 16 a 2000-node core branch and bound in the LP-based path.
ci_params ci_quality_params(ci_params p, int n_tx);

struct ci_surrogate {
    rvec w;            //!< wtilde_t = [Re w_t; Im w_t]
    double const2 = 0; //!< QSCNR(x) >= wtilde^T xtilde + const2, equality at x_t
    double metric = 0; //!< QSCNR(x_t)
};

struct ci_result {
    cvec x;                //!< transmit vector (N_T)
    cvec u;                //!< optimal receive filter (N_R), u^H G_0 x = 1
    double metric = 0;     //!< QSCNR (1-bit ADC) or SCNR (ideal ADC)
    rvec margins;          //!< safe margins alpha_u
    double lambda = 0;     //!< QoS threshold
    int iterations = 0;    //!< ILPs (MM steps) solved
    bool feasible = true;  //!< false: QoS (or QoD radar) requirement could not be met
    bool optimal = false;  //!< every ILP proven optimal (exact method)
    double step_value = 0; //!< last ILP: surrogate QSCNR (QoS) / min margin (QoD)
    double lp_bound = 0;   //!< last ILP: LP upper bound in the same units
    double ilp_bound = 0;  //!< last ILP: LP bound of its own objective (wtilde^T xtilde)
    //! certified relative gap of the last ILP: (lp_bound - step_value)/|ilp_bound|
    double gap = 0;
    std::vector<double>
        trace; //!< QSCNR (QoS) or min margin (QoD) per accepted MM iterate
    bool cancelled = false; //!< the cancel check fired: x is the best point found so far
};

class ci_solver
{
public:
    ci_solver(const radar_scene& scene, int n_users, const ci_params& p);

    //! H is n_users x n_tx (y = H x + n). Throws param_error on wrong size or non-finite
    //! entries.
    void set_channel(const cmat& H);
    bool has_channel() const { return d_has_channel; }
    const cmat& channel() const { return d_H; }

    //! Design for one snapshot; symbols are snapped to the nearest M-PSK point first.
    //! `cancel` is polled between MM steps and inside the exact branch and bound.
    ci_result solve(const cvec& s, const cancel_check& cancel = {}) const;
    //! Design from M-PSK indices k_u in [0, M).
    ci_result solve_indices(const std::vector<int>& k,
                            const cancel_check& cancel = {}) const;

    //! MM surrogate of spec 3.3 built at x_t.
    ci_surrogate surrogate(const cvec& xt) const;

    const radar_scene& scene() const { return d_scene; }
    const ci_params& params() const { return d_p; }
    int n_tx() const { return d_n; }
    int n_users() const { return d_U; }
    double lambda() const { return d_lambda; }
    double amplitude() const { return d_c; } //!< c = sqrt(E/(2 N_T))

private:
    radar_scene d_scene;
    ci_params d_p;
    int d_n, d_U;
    double d_c, d_lambda, d_mu;
    cmat d_H;
    bool d_has_channel = false;
    std::vector<rmat>
        d_rows; // per PSK index k: Atilde rows (2U x 2N) of all users for symbol k
    cmat d_KT;  // conj(B^H B), B = [g_T(theta_q)^*]
    cvec d_x0;  // radar-only start (target beam on the alphabet / ball)
    ci_surrogate d_sur0; // the MM surrogate at d_x0: the first step of every snapshot

    rmat constraints(const std::vector<int>& k) const;
    cvec radar_start() const;
    void finish(ci_result& r, const std::vector<int>& k) const;
    void polish(rvec& xt, const rmat& At, const rvec& lam, ci_result& r) const;
    bool homotopy_qos(const rmat& At, const rvec& lam, ci_result& r, rvec& cur) const;
};

// ---------------------------------------------------------------- lookup table

/*!
 * Per-channel table of x for all M^U symbol vectors (spec 9.6). For M divisible
 * by 4 a common 90-degree rotation of every symbol maps a solution x to j x
 * (A -> -j A, c_q -> j c_q: margins and QSCNR unchanged), so only the vectors
 * whose first symbol index is < M/4 are solved (a 4x smaller table).
 */
class ci_lut
{
public:
    //! Throws param_error when M^U exceeds max_vectors.
    ci_lut(int n_tx, int n_users, int M, long max_vectors = 1L << 20);

    /*!
     * The configuration a table is built with: the real-time one plus the LP at every
     * MM step and lp_starts = 4. A table has a build budget (<= 1 s for 4096 entries
     * at N_T = 64) that affords them: at N_T = 32 the mean QSCNR distance to the
     * exact-ILP MM loop drops from 1.08 dB to 0.50 dB (docs/ci_precoder.md).
     */
    static ci_params table_params(ci_params p);

    //! Solve every stored entry. Returns false when `cancel` fired first.
    bool build(const ci_solver& s, const cancel_check& cancel = {});
    //! Bytes a table of these sizes holds (x and feasibility of every stored entry).
    static double table_bytes(int n_tx, int n_users, int M);
    bool ready() const { return d_ready; }

    //! Writes x for symbol indices k (n_users values) into out (n_tx); returns the
    //! entry's feasibility.
    bool lookup(const int* k, cfloat* out) const;

    long symbol_vectors() const { return d_total; }
    long stored_entries() const { return d_stored; }
    bool uses_rotation() const { return d_rot; }

private:
    int d_n, d_U, d_M;
    bool d_rot;
    long d_total, d_stored;
    std::vector<cfloat> d_x;
    std::vector<uint8_t> d_feasible;
    bool d_ready = false;
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
