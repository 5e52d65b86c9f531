/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Constructive-interference safe-margin symbol-level precoder of the 1-bit ISAC paper
 * (1-bit ISAC paper eq. (17), infinite-resolution benchmarks): an MM outer loop on a
 * radar objective (the Theorem-1 QSCNR) whose steps are integer linear programs over the
 * 1-bit DAC alphabet xtilde in {-c, c}^{2N_T}, c = sqrt(E/(2 N_T)) (ci_ilp.h):
 *
 *  QoS (1-bit ISAC paper eq. (34), Algorithm 1): max wtilde_t^T xtilde  s.t.  Atilde
 * xtilde >= lambda. QoD (1-bit ISAC paper eq. (35)-(37)):     max t  s.t.  Atilde xtilde
 * >= t 1, wtilde_t^T xtilde + const_2 >= chi.
 *
 * The user picks a preset (ci_params::solver); ci_tuning holds how the preset solves
 * (starts, LP use, searches), measured in docs/ci_precoder_measurements.md. The
 * infinite-resolution DAC (1-bit ISAC paper infinite-resolution benchmarks) replaces the
 * alphabet by ||x||^2 <= E.
 */
#ifndef INCLUDED_ISAC_CORE_CI_SOLVER_H
#define INCLUDED_ISAC_CORE_CI_SOLVER_H

#include <gnuradio/isac/core/ci_ilp.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/one_bit_stats.h>
#include <gnuradio/isac/core/radar_metrics.h>
#include <gnuradio/isac/core/safe_margin.h>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

class worker_pool;

// ---------------------------------------------------------------- parameters

enum class ci_mode { qos, qod };

//! Solver presets: the block's `solver` values (its "lut" builds tables with `table`).
enum class ci_preset {
    realtime, //!< heuristic MM for streaming (the block default)
    quality,  //!< several starts and searches: closer to the best known design
    table,    //!< what lookup tables are built with (a build budget, not real time)
    exact,    //!< every MM step by LP branch and bound (node/time budget per ILP)
    fast      //!< realtime's MM from the target beam alone at every N_T (speed first)
};

/*!
 * The radar objective the design maximises (ci_params::radar_metric): Theorem 1's
 * QSCNR (the paper's), or the exact deflection of the same receive filter under the
 * arcsine law (one_bit_stats.h), which charges the design for clutter it lights.
 */
enum class ci_radar_metric { theorem1, exact };

//! Parses "qos"/"qod"; throws param_error naming `name`.
ci_mode parse_ci_mode(const std::string& name, const std::string& v);
//! Parses "realtime"/"quality"/"table"/"exact"/"fast"; throws param_error naming `name`.
ci_preset parse_ci_preset(const std::string& name, const std::string& v);
//! Parses "theorem1"/"exact"; throws param_error naming `name`.
ci_radar_metric parse_ci_radar_metric(const std::string& name, const std::string& v);

//! What a user of the precoder chooses.
struct ci_params {
    int psk_order = 8;
    double power = 1.0;     //!< E
    double noise_var = 1.0; //!< sigma_C^2
    double gamma = 1.0; //!< Gamma (linear), QoS threshold lambda = sqrt(Gamma sigma_C^2)
    ci_mode mode = ci_mode::qos;
    double chi = 1.0;        //!< QoD radar requirement (linear, in radar_metric's units)
    bool one_bit_dac = true; //!< false: infinite-resolution DAC (||x||^2 = E)
    adc_model adc = adc_model::one_bit;
    ci_preset solver = ci_preset::realtime;
    //! MM iterations (ILPs solved) per snapshot and run; 0: 10 for the 1-bit DAC, 100
    //! for the infinite-resolution DAC (cheap steps that still rose ~3 % per step at 10)
    int max_iter = 0;
    double tol = 1e-4;             //!< relative MM stopping tolerance
    //! exact preset: branch-and-bound nodes per design vector, shared by its ILPs
    long bnb_max_nodes = 200000;
    //! exact preset: seconds per design vector, shared by its ILPs; a vector whose
    //! budget runs out ends with the best design found (ci_result::budget_exhausted)
    double bnb_max_seconds = 10.0;
    ci_radar_metric radar_metric = ci_radar_metric::theorem1;
    void validate() const;
};

/*!
 * How a preset solves (ci_preset_tuning); a study may change it. Every field was
 * measured on the scenario family (docs/ci_precoder_measurements.md).
 */
struct ci_tuning {
    bool exact_steps = false; //!< every MM step by branch and bound (preset exact)
    // ---- starts of the MM runs (the best design wins)
    //! target beam rotated by p 90/phases deg (p < phases), each first step solved as
    //! an LP; MM runs from the phase_paths best LP values
    int phases = 1;
    int phase_paths = 1;
    //! a run from a feasible point with margins >= (1 + feasible_margin) lambda
    //! (the max-min margin point when feasible_margin is large)
    bool feasible_start = false;
    double feasible_margin = 0.0;
    //! runs from feasible points of the heuristic ILP with random objectives
    int random_starts = 0;
    //! those ILPs' tightened re-solves of their LP rounding (qos_heuristic_opts)
    int random_rounds = 8;
    //! threshold homotopy paths, one per entry K: the beam walks to feasibility in K
    //! steps with rows raised from the beam's own values to lambda (empty: off)
    std::vector<int> homotopy;
    // ---- MM steps (heuristic ILPs)
    //! the LP at every MM step, resumed from the previous step's basis; false: first
    //! step of a run only, later steps start from its multipliers
    bool lp_every_step = false;
    int lp_starts = 0;   //!< first step: roundings of uniformly tightened LPs
    long core_nodes = 0; //!< every step: core branch and bound node budget (0: off)
    int core_size = 0;   //!< core columns (0: 3 * 2U + 8)
    //! stop a run after its first step (the polish still runs)
    bool early_stop = true;
    //! stop a run at a point an earlier run of the design stepped from without an
    //! LP: it would follow that run's path, so the design is the same (false: every
    //! run to its end, for a comparison; lp_every_step and core_nodes turn it off)
    bool merge_runs = true;
    //! after MM: steps with a core branch and bound of this many nodes while the
    //! QSCNR rises (0: off)
    long stationary_nodes = 0;
    bool polish = true; //!< QSCNR flip search after MM
    //! branch-and-bound nodes of the feasibility search when no run reached a
    //! feasible point, before the snapshot is declared infeasible
    long feasibility_nodes = 5000;
    //! then, if it ran out of nodes undecided: heuristic ILPs with random objectives,
    //! up to this many, before the snapshot is declared infeasible (0: off)
    int undecided_starts = 0;
    // ---- QoD starts (points with QSCNR >= chi; the phases and feasible_start above
    // count too: the radar-only MM from the beam at each phase, the max-min point)
    //! quarter-turns x, j x, -x, -j x of each radar-only point (same QSCNR, other
    //! margins) that start a max-min run: the point itself, then the other turns by
    //! min margin (1: the point alone; up to 4)
    int qod_turns = 1;
    //! the radar-only MM from this many random points
    int qod_random_starts = 0;
    void validate() const;
};

//! The tuning of a preset for n_tx antennas.
ci_tuning ci_preset_tuning(ci_preset preset, int n_tx);

// ---------------------------------------------------------------- radar objective

struct ci_surrogate {
    rvec w;            //!< wtilde_t = [Re w_t; Im w_t]
    double const2 = 0; //!< objective(x) >= wtilde^T xtilde + const2, equality at x_t
    double metric = 0; //!< objective(x_t)
};

/*!
 * The radar objective the MM loop maximises. It depends on x only through the
 * couplings c_q = g_T(theta_q)^T x, q = 0..Q, so a flip search updates c in O(Q)
 * and evaluates value_of(c). surrogate(x) is the MM minorizer (1-bit ISAC paper eq.
 * (28)-(31)): value(y) >= wtilde^T ytilde + const2 for every y with ||y||^2 = E, with
 * equality at y = x. Another radar objective is another implementation of this interface.
 */
class ci_radar_objective
{
public:
    virtual ~ci_radar_objective() = default;
    //! g_T(theta_q) as columns (N_T x (Q+1)): c = steering()^T x
    virtual const cmat& steering() const = 0;
    //! scratch values value_of() needs
    virtual std::size_t workspace_size() const = 0;
    //! objective from the couplings c[0..Q] (no allocation)
    virtual double value_of(const cdouble* c, cdouble* ws) const = 0;
    virtual ci_surrogate surrogate(const cvec& x) const = 0;
    //! surrogate(x) into s (an MM run reuses one; an implementation may keep s.w's
    //! storage)
    virtual void surrogate_into(const cvec& x, ci_surrogate& s) const
    {
        s = surrogate(x);
    }
    //! true: surrogate() is a minorizer (each exactly solved MM step cannot lower
    //! the objective); false: a local model the solver checks before accepting
    virtual bool minorizer() const { return true; }
    double value(const cvec& x) const;
};

/*!
 * Theorem-1 QSCNR with the optimal receive filter (1-bit ADC), or the SCNR (ideal
 * ADC), 1-bit ISAC paper eq. (17), eq. (28)-(31): closed-form l_max for Q <= 2, Woodbury
 * solves, O(N_T Q).
 */
class ci_qscnr_objective : public ci_radar_objective
{
public:
    ci_qscnr_objective(const radar_scene& scene, adc_model adc, double power);
    const cmat& steering() const override { return d_scene.gt(); }
    std::size_t workspace_size() const override;
    double value_of(const cdouble* c, cdouble* ws) const override;
    ci_surrogate surrogate(const cvec& x) const override;
    //! no allocation once its per-thread arrays have grown
    void surrogate_into(const cvec& x, ci_surrogate& s) const override;

private:
    radar_scene d_scene;
    adc_model d_adc;
    double d_power, d_mu;
    cmat d_KT; // conj(B^H B), B = [g_T(theta_q)^*], q >= 1
};

/*!
 * Exact deflection of the block's receive filter (exact_deflection, one_bit_stats.h):
 * E_1|v^H r~|^2 / E_0|v^H r~|^2 - 1 with both variances from the arcsine law, so the
 * per-antenna power d that lit clutter raises enters (Theorem 1 normalises by sigma^2
 * and treats clutter the filter nulls as free). The ideal ADC gives the SCNR.
 *
 * surrogate(x) minorizes D linearised in the patch powers |c_q|^2 (the Theorem-1
 * surrogate's construction, ci_objective.cc), not D itself: the arcsine law has no
 * convenient global bound. The solver keeps only iterates that raise the exact
 * value (mm_qos, the homotopy and stationarity steps test every step; QoD tests chi
 * with the exact value), and the flip search after MM climbs D itself, so the
 * design stays monotone in D. value_of costs O((Q+1)^2 N_R) and allocates.
 */
class ci_exact_objective : public ci_radar_objective
{
public:
    ci_exact_objective(const radar_scene& scene, adc_model adc, double power);
    const cmat& steering() const override { return d_scene.gt(); }
    std::size_t workspace_size() const override { return 0; }
    double value_of(const cdouble* c, cdouble* ws) const override;
    ci_surrogate surrogate(const cvec& x) const override;
    bool minorizer() const override { return false; }

private:
    radar_scene d_scene;
    adc_model d_adc;
    double d_power;
    arcsine_stats d_st;
    cmat d_KT; // conj(B^H B), B = [g_T(theta_q)^*], q >= 1
};

// ---------------------------------------------------------------- MM design

struct ci_result {
    cvec x;                //!< transmit vector (N_T)
    cvec u;                //!< optimal receive filter (N_R), u^H G_0 x = 1
    double metric = 0;     //!< QSCNR (1-bit ADC) or SCNR (ideal ADC)
    double objective = 0;  //!< the radar_metric's value (metric, or the exact deflection)
    rvec margins;          //!< safe margins alpha_u
    double lambda = 0;     //!< QoS threshold
    int iterations = 0;    //!< ILPs (MM steps) solved
    bool feasible = true;  //!< false: QoS (or QoD radar) requirement could not be met
    //! exact preset: every MM step's ILP proven optimal. The MM loop itself is a
    //! local method (1-bit ISAC paper Algorithm 1): not a proof that x is optimal for
    //! the design problem (enumerate the alphabet for that at small N_T)
    bool optimal = false;
    //! exact preset: the vector's budget (bnb_max_nodes, bnb_max_seconds) ran out;
    //! x is the best design found within it, later MM steps by the heuristic ILP
    bool budget_exhausted = false;
    double step_value = 0; //!< last ILP: surrogate QSCNR (QoS) / min margin (QoD)
    double lp_bound = 0;   //!< last ILP: LP upper bound in the same units
    double ilp_bound = 0;  //!< last ILP: LP bound of its own objective (wtilde^T xtilde)
    //! certified relative gap of the last ILP: (lp_bound - step_value)/|ilp_bound|
    double gap = 0;
    std::vector<double>
        trace; //!< objective (QoS) or min margin (QoD) per accepted MM iterate
};

class ci_solver
{
public:
    //! The preset's tuning (ci_preset_tuning(p.solver, n_tx)).
    ci_solver(const radar_scene& scene, int n_users, const ci_params& p);
    //! A study's tuning.
    ci_solver(const radar_scene& scene,
              int n_users,
              const ci_params& p,
              const ci_tuning& t);

    //! H is n_users x n_tx (y = H x + n). Throws param_error on wrong size or non-finite
    //! entries.
    void set_channel(const cmat& H);
    bool has_channel() const { return d_has_channel; }
    const cmat& channel() const { return d_H; }

    //! Design for one snapshot; symbols are snapped to the nearest M-PSK point first.
    ci_result solve(const cvec& s) const;
    //! Design from M-PSK indices k_u in [0, M). Thread-safe (const, no shared state).
    ci_result solve_indices(const std::vector<int>& k) const;
    /*!
     * solve_indices(k) into r, whose arrays keep their storage: at N_T = 64 a thread's
     * real-time designs allocate almost nothing once its per-thread work arrays and r
     * have grown (docs/ci_precoder_measurements.md, "Speed"). Thread-safe as
     * solve_indices(k).
     */
    void solve_indices(const std::vector<int>& k, ci_result& r) const;

    //! MM surrogate of 1-bit ISAC paper eq. (28)-(31) built at x_t.
    ci_surrogate surrogate(const cvec& xt) const { return d_obj->surrogate(xt); }
    const ci_radar_objective& objective() const { return *d_obj; }

    const radar_scene& scene() const { return d_scene; }
    const ci_params& params() const { return d_p; }
    const ci_tuning& tuning() const { return d_t; }
    int n_tx() const { return d_n; }
    int n_users() const { return d_U; }
    double lambda() const { return d_lambda; }
    double amplitude() const { return d_c; } //!< c = sqrt(E/(2 N_T))
    //! MM start: the target beam on the alphabet (1-bit DAC) or the ball
    const cvec& beam() const { return d_x0; }

private:
    struct mm_state;
    //! how an MM run starts: at the beam with the first step's surrogate (default:
    //! the beam's), or at a feasible point x; basis: an LP basis of the same At.
    //! seen: the points the design's earlier runs stepped from without an LP
    //! (seen[0, *n_seen)); a run that reaches one stops there, and adds its own
    struct mm_start {
        const ci_surrogate* sur = nullptr;
        const lp_basis* basis = nullptr;
        const rvec* x = nullptr;
        std::vector<rvec>* seen = nullptr;
        size_t* n_seen = nullptr;
    };
    struct first_step {
        ci_surrogate sur;
        lp_basis basis;
        double lp_value = 0;
    };
    struct design_work; // a QoS design's work arrays (per-thread scratch)
    struct vector_work; // a design vector's constraint rows and MM state (the same)
    radar_scene d_scene;
    ci_params d_p;
    ci_tuning d_t;
    std::shared_ptr<const ci_radar_objective> d_obj;
    //! radar_metric exact: the Theorem-1 design, one more MM start (copy on write:
    //! set_channel replaces it, so copies of this solver never share a channel)
    std::shared_ptr<const ci_solver> d_t1;
    int d_n, d_U;
    double d_c, d_lambda;
    cmat d_H;
    bool d_has_channel = false;
    std::vector<rmat> d_rows; // Atilde rows (2 x 2N) of user u for PSK index k: [k U + u]
    cvec d_x0;                // radar-only start (target beam on the alphabet / ball)
    ci_surrogate d_sur0; // the MM surrogate at d_x0: the first step of every snapshot

    void constraints(const std::vector<int>& k, rmat& At) const;
    cvec radar_start() const;
    double metric(const cvec& x) const { return d_obj->value(x); }
    ilp_result maxmin(const rmat& At,
                      const rvec& off,
                      bool radar,
                      const rvec& w,
                      double rhs,
                      const std::vector<rvec>& warm) const;
    void design_qos(const rmat& At, ci_result& r, mm_state& s) const;
    void qos_run(const rmat& At,
                 const mm_start& st,
                 bool merge,
                 ci_result& r,
                 mm_state& s,
                 design_work& w) const;
    bool no_feasible_point(const rmat& At,
                           const ilp_result& mm,
                           std::optional<ilp_result>& f,
                           design_work& w) const;
    bool infeasible_without_point(const rmat& At,
                                  const ilp_result& mm,
                                  std::optional<ilp_result>& f,
                                  bool merge,
                                  ci_result& r,
                                  mm_state& s,
                                  design_work& w) const;
    void phase_sweep(const rmat& At, design_work& w) const;
    void mm_qos(const rmat& At, const mm_start& start, ci_result& r, mm_state& s) const;
    void keep_better(ci_result& r, mm_state& s, ci_result& r2, mm_state& s2) const;
    void stationary_steps(const rmat& At, ci_result& r, mm_state& s) const;
    void qos_step(const ci_surrogate& sur,
                  const rmat& At,
                  int t,
                  const mm_state& s,
                  rvec& nu,
                  bool& have_nu,
                  lp_basis& lpb,
                  double tol,
                  ilp_result& ilp) const;
    void feasible_starts(const rmat& At,
                         const lp_basis& basis,
                         ilp_result& maxmin,
                         design_work& w) const;
    void random_points(const rmat& At,
                       const lp_basis& basis,
                       int count,
                       design_work& w,
                       const std::function<bool(const rvec&)>& visit) const;
    bool undecided_point(const rmat& At, const lp_basis& basis, design_work& w) const;
    void infeasible_fallback(const rmat& At,
                             ci_result& r,
                             mm_state& s,
                             const ilp_result* f = nullptr) const;
    void design_qos_starts(const rmat& At, ci_result& r, mm_state& s) const;
    void design_qod(const rmat& At, ci_result& r, mm_state& s) const;
    void radar_ascent(const ci_surrogate& sur0, rvec& xr, double& q, ci_result& r) const;
    bool chi_walk(const rmat& At, int K, rvec& xt, ci_result& r) const;
    void qod_run(const rmat& At, const rvec& x0, ci_result& r, mm_state& s) const;
    //! MM steps per run: the caller's max_iter is a hard cap (a run still stops
    //! when a step gains less than tol); max_iter 0 was resolved in the constructor
    int mm_iterations() const { return d_p.max_iter; }
    bool homotopy_qos(const rmat& At, ci_result& r, mm_state& s) const;
    bool homotopy_walk(const rmat& At, int K, ci_result& r, rvec& xt) const;
    void polish(const rmat& At, ci_result& r, mm_state& s) const;
    void finish(ci_result& r, const std::vector<int>& k) const;
};

// ---------------------------------------------------------------- lookup table

/*!
 * Per-channel table of x for all M^U symbol vectors (our table design). For M divisible
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
     * Solve every stored entry, on `pool` when given (the entries are independent:
     * the table does not depend on the thread count). Returns false when cancelled
     * (`cancel`, the pool's stop(), or core::cancel_requested()) first.
     */
    bool build(const ci_solver& s,
               const std::atomic<bool>* cancel = nullptr,
               worker_pool* pool = nullptr);
    //! Bytes a table of these sizes holds (x and feasibility of every stored entry).
    static double table_bytes(int n_tx, int n_users, int M);
    bool ready() const { return d_ready; }

    //! Writes x for symbol indices k (n_users values) into out (n_tx); returns the
    //! entry's feasibility.
    bool lookup(const int* k, cfloat* out) const;

    /*!
     * Rotation classes (M % 4 == 0): turning every symbol by a quarter turn
     * (k_u -> k_u + M/4) turns each user's CI constraints with x -> j x, and j x is
     * again a 1-bit DAC vector with the same QSCNR, so a class's designs are
     * x(j^r s) = j^r x(s). Writes the class's canonical member of k (k_0 < M/4) into
     * kc (n_users values; may be k) and returns r in [0, 4) with s(k) = j^r s(kc).
     * When M % 4 != 0 every vector is its own class: kc = k, r = 0.
     */
    static int canonical(const int* k, int n_users, int M, int* kc);
    //! dst = j^rot src, n entries (dst may be src): exact, a swap and a sign each.
    static void quarter_turn(const cfloat* src, cfloat* dst, int n, int rot);

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

    void solve_entry(const ci_solver& s, long idx);
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
