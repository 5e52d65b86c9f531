/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * MM outer loop of the CI precoder (1-bit ISAC paper eq. (28)-(31), Algorithm 1, eq.
 * (35)-(37)), its presets and parameters.
 */
#include "ci_bnb.h"
#include "ci_branchfree.h"
#include "ci_flip_search.h"
#include "ci_ilp_into.h"
#include "ci_lp_cutoff.h"
#include "ci_scratch.h"
#include <gnuradio/isac/core/cancel.h>
#include <gnuradio/isac/core/ci_solver.h>
#include <gnuradio/isac/core/limits.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <random>

namespace gr {
namespace isac {
namespace core {

// ---------------------------------------------------------------- parameters

ci_mode parse_ci_mode(const std::string& name, const std::string& v)
{
    if (v == "qos")
        return ci_mode::qos;
    if (v == "qod")
        return ci_mode::qod;
    throw_param(name, "'" + v + "'", "'qos' or 'qod'");
}

ci_preset parse_ci_preset(const std::string& name, const std::string& v)
{
    if (v == "realtime")
        return ci_preset::realtime;
    if (v == "quality")
        return ci_preset::quality;
    if (v == "table")
        return ci_preset::table;
    if (v == "exact")
        return ci_preset::exact;
    if (v == "fast")
        return ci_preset::fast;
    throw_param(name, "'" + v + "'", "'realtime', 'quality', 'table', 'exact' or 'fast'");
}

ci_radar_metric parse_ci_radar_metric(const std::string& name, const std::string& v)
{
    if (v == "theorem1")
        return ci_radar_metric::theorem1;
    if (v == "exact")
        return ci_radar_metric::exact;
    throw_param(name, "'" + v + "'", "'theorem1' or 'exact'");
}

void ci_params::validate() const
{
    check_int_range("psk_order", psk_order, 2, 1 << 16);
    check_positive_finite("power", power);
    check_positive_finite("noise_var", noise_var);
    if (!(std::isfinite(gamma) && gamma >= 0))
        throw_param("gamma (linear)", std::to_string(gamma), "finite and >= 0");
    if (!(std::isfinite(chi) && chi >= 0))
        throw_param("chi (linear)", std::to_string(chi), "finite and >= 0");
    check_int_range("max_iter", max_iter, 0, 1000);
    if (!(std::isfinite(tol) && tol >= 0))
        throw_param("tol", std::to_string(tol), "finite and >= 0");
    check_int_range("bnb_max_nodes", bnb_max_nodes, 1, std::numeric_limits<long>::max());
    check_positive_finite("bnb_max_seconds", bnb_max_seconds);
}

void ci_tuning::validate() const
{
    check_int_range("phases", phases, 1, 360);
    check_int_range("phase_paths", phase_paths, 0, phases);
    if (!(std::isfinite(feasible_margin) && feasible_margin >= 0))
        throw_param(
            "feasible_margin", std::to_string(feasible_margin), "finite and >= 0");
    check_int_range("random_starts", random_starts, 0, 64);
    check_int_range("random_rounds", random_rounds, 0, 64);
    for (int K : homotopy)
        check_int_range("homotopy (steps per path)", K, 1, 1000);
    check_int_range("lp_starts", lp_starts, 0, 64);
    check_int_range("core_nodes", core_nodes, 0, std::numeric_limits<long>::max());
    check_int_range("core_size", core_size, 0, 1 << 20);
    check_int_range(
        "stationary_nodes", stationary_nodes, 0, std::numeric_limits<long>::max());
    check_int_range(
        "feasibility_nodes", feasibility_nodes, 0, std::numeric_limits<long>::max());
    check_int_range("undecided_starts", undecided_starts, 0, 1 << 20);
    check_int_range("qod_turns", qod_turns, 1, 4);
    check_int_range("qod_random_starts", qod_random_starts, 0, 64);
}

ci_tuning ci_preset_tuning(ci_preset preset, int n_tx)
{
    ci_tuning t;
    switch (preset) {
    case ci_preset::realtime:
    case ci_preset::fast:
        // scenario family, N_T = 32 (docs/ci_precoder_measurements.md): MM to convergence
        // instead of stopping after the first step costs ~15 % and gains 0.19 dB mean; a
        // 2000-node feasibility search instead of 5000 finds the same feasible draws
        // (1000 missed one) and is faster on the hard snapshots, which dominate the time
        // at N_T <= 32
        t.early_stop = false;
        t.feasibility_nodes = 2000;
        // fast: the beam alone at every N_T, the real-time preset's tuning from 64 (and
        // at 33-63 before the starts below were added): 13-20x the real-time speed at
        // N_T = 33-55 for 1-1.8 dB of its designs' QSCNR (docs/ci_precoder.md, Block;
        // docs/ci_precoder_measurements.md, "Between the family's array sizes")
        if (preset == ci_preset::fast)
            break;
        // QoD: each radar-only start and its quarter-turn of best min margin (the
        // start alone left a negative margin where the enumerated optimum is positive,
        // N_T = 5-6; docs/ci_precoder_measurements.md, "Multi-start QoD,
        // infinite-resolution DAC and exact designs")
        t.qod_turns = 2;
        // The starts by array size (family draws at N_T = 20..96 against the quality
        // preset's designs, docs/ci_precoder_measurements.md, "Between the family's array
        // sizes"): from N_T = 33 to 63 the beam alone is 1-1.8 dB below them on
        // average, as poor as at 64, so the starts stay on below 64. The full set
        // until the max-min start alone meets the real-time quality goal of N_T = 32
        // (<= 0.5 dB mean, <= 2 dB p95): it misses it at 48-54 and meets it from 56,
        // at a seventh of the full set's time. From 64 the speed goal rules and the
        // beam alone stays. Thresholds on N_T rather than N_T / U keep the designs at
        // the family's 16, 32, 64 and 128 antennas.
        if (n_tx < 64) {
            t.feasible_start = true;
            t.feasible_margin = 0.5;
        }
        if (n_tx < 56) {
            // few antennas per user: the beam's first step often picks a poor basin,
            // and MM from the max-min start (stopped at margins >= 1.5 lambda), 8
            // random feasible points and the beam at 2 phases closes most of the gap
            // to the best known design; at N_T = 64 the same starts cost an order of
            // magnitude more than the beam alone (docs/ci_precoder_measurements.md,
            // "Quality")
            t.random_starts = 8;
            // N_T <= 16 (a third of the snapshots LP-infeasible, a fifth proven
            // infeasible by the branch and bound): the max-min start stopped at 1.25
            // lambda is 8-11% faster for the same designs' quality (2 x 1280 family
            // snapshots: mean 0.002-0.005 dB, as many better as worse;
            // docs/ci_precoder_measurements.md)
            if (n_tx <= 16)
                t.feasible_margin = 0.25;
            // N_T <= 16: the random objectives' ILPs with at most 3 tightened
            // re-solves of their LP rounding (of 8) give starts as diverse: 2 % fewer
            // instructions, designs 0.002-0.012 dB from the preset's on 1280 and 2560
            // family snapshots, as many better as worse; 2 rounds 0.014-0.018 dB, 0
            // rounds 0.16 dB (docs/ci_precoder_measurements.md)
            if (n_tx <= 16)
                t.random_rounds = 3;
            t.phases = 2;
            t.phase_paths = 2;
        }
        break;
    case ci_preset::quality:
        // scenario family, N_T = 32 (100 draws, docs/ci_precoder_measurements.md): the
        // homotopy paths alone leave ~1 dB; with the beam at its 2 best of 4 phases, the
        // max-min start, 32 random feasible starts and 10^4-node stationarity steps
        // ~0.1 dB (16 starts: 0.16; 2000-node steps: 0.17-0.21). At N_T <= 16 (tight:
        // about half the instances infeasible) a 2000-node core branch and bound per
        // LP-based step closes the rest (a 50-channel study).
        t.early_stop = false;
        t.homotopy = { 4, 8, 12 };
        t.core_nodes = n_tx <= 16 ? 2000 : 0;
        t.phases = 4;
        t.phase_paths = 2;
        t.feasible_start = true;
        t.random_starts = 32;
        t.stationary_nodes = 10000;
        t.qod_turns = 4;
        t.qod_random_starts = 8;
        // N_T = 32 draw 5 (docs/ci_precoder_measurements.md, Known limits): feasible,
        // but the feasibility search runs out of nodes; the ~600th random objective
        // finds a point (~0.05 ms each). A snapshot that is infeasible pays the whole
        // budget, ~45 ms at N_T = 32, on the ~3% the search leaves undecided
        t.undecided_starts = 1000;
        break;
    case ci_preset::table:
        // a build budget (<= 1 s for 4096 entries at N_T = 64) affords the LP at
        // every step and tightened-LP starts, which a streaming preset cannot (its gaps
        // per N_T: docs/ci_precoder.md, "Quality per N_T")
        t.early_stop = false;
        t.lp_every_step = true;
        t.lp_starts = 4;
        break;
    case ci_preset::exact:
        // every step exact, and the quality preset's kinds of starts (fewer: each
        // run is branch and bounds): a single run from the beam reached 0.09 of the
        // enumerated optimum (docs/ci_precoder_measurements.md)
        t.exact_steps = true;
        t.phases = 4;
        t.feasible_start = true;
        t.random_starts = 8;
        t.qod_turns = 4;
        t.qod_random_starts = 8;
        break;
    }
    return t;
}

// ---------------------------------------------------------------- solver

struct ci_solver::mm_state {
    rvec x;            // current iterate [Re x; Im x]
    bool have = false; // x holds a point (feasible unless r.feasible is false)
    double value = -inf;
};

/*
 * The work arrays of a QoS design, leased per design from a per-thread scratch
 * (ci_scratch.h): a design allocates nothing for them once they have grown.
 * steps[0, count) are the phase sweep's LP-feasible first steps, order their
 * indices by LP value, best first.
 */
struct ci_solver::vector_work {
    rmat At;
    mm_state s;
};

struct ci_solver::design_work {
    rvec lam, lo, hi;
    std::vector<first_step> steps;
    size_t count = 0;
    std::vector<int> order;
    lp_basis basis;
    lp_result lp;
    ci_result r2; // another MM run's result and state (keep_better swaps them in)
    mm_state s2;
    // feasible_starts: the starts[0, n_starts), random objective, basis, ILP result
    std::vector<rvec> starts;
    size_t n_starts = 0;
    rvec wr;
    lp_basis keep;
    ilp_result ri;
    lp_basis mm_basis; // the max-min start's LP basis: the feasibility search's root
    // the points the MM runs stepped from without an LP, seen[0, n_seen) (mm_start)
    std::vector<rvec> seen;
    size_t n_seen = 0;
};

namespace {
// value and bound of the last ILP's own objective; offset: the surrogate constant
// that turns them into QSCNR units (step_value, lp_bound). The gap is relative to
// the ILP's LP bound: in QSCNR units a first step from the infeasible beam has a
// large negative constant and a bound near zero, where a ratio means nothing.
void set_gap(ci_result& r, double value, double bound, double offset = 0.0)
{
    r.step_value = value + offset;
    r.lp_bound = bound + offset;
    r.ilp_bound = bound;
    r.gap = std::isfinite(bound) && bound != 0
                ? std::max(0.0, (bound - value) / std::abs(bound))
                : 0.0;
}

bool maxmin_meets(const ilp_result& mm, double lambda)
{
    return mm.feasible && mm.objective >= -1e-10 * (1.0 + lambda);
}

// to_complex(xt) into x (safe_margin.h): x keeps its storage
void to_complex_into(const rvec& xt, cvec& x)
{
    const Eigen::Index n = xt.size() / 2;
    x.resize(n);
    for (Eigen::Index i = 0; i < n; ++i)
        x[i] = cdouble(xt[i], xt[n + i]);
}

// max_j |xt_j - to_real(x)_j|
double max_abs_diff(const rvec& xt, const cvec& x)
{
    const Eigen::Index n = x.size();
    double d = 0.0;
    for (Eigen::Index i = 0; i < n; ++i)
        d = std::max(d, std::abs(xt[i] - x[i].real()));
    for (Eigen::Index i = 0; i < n; ++i)
        d = std::max(d, std::abs(xt[n + i] - x[i].imag()));
    return d;
}

// Is x one of seen[0, n)? If not, it is added (as seen[n++]).
bool seen_before(std::vector<rvec>& seen, size_t& n, const rvec& x)
{
    const size_t bytes = size_t(x.size()) * sizeof(double);
    for (size_t i = 0; i < n; ++i)
        if (std::memcmp(seen[i].data(), x.data(), bytes) == 0)
            return true;
    if (n == seen.size())
        seen.emplace_back();
    seen[n++] = x;
    return false;
}

// The surrogate of the beam rotated by phi (e^{j phi} x0): w rotated, same constant.
void rotate_into(const ci_surrogate& s0, double phi, ci_surrogate& out)
{
    const Eigen::Index n = s0.w.size() / 2;
    out.const2 = s0.const2;
    out.metric = s0.metric;
    out.w.resize(2 * n);
    const double cs = std::cos(phi), sn = std::sin(phi);
    for (Eigen::Index j = 0; j < n; ++j) {
        const double re = s0.w[j], im = s0.w[n + j];
        out.w[j] = cs * re - sn * im;
        out.w[n + j] = sn * re + cs * im;
    }
}

// The polish's couplings, rows and objective workspace (a per-thread scratch).
struct polish_work {
    cvec x, c, cn;
    rvec res;
    std::vector<cdouble> ws;
};

// r at its defaults, every array keeping its storage (x, u, margins: stale values;
// trace empty)
void reset_keeping_storage(ci_result& r)
{
    cvec x = std::move(r.x), u = std::move(r.u);
    rvec margins = std::move(r.margins);
    std::vector<double> trace = std::move(r.trace);
    trace.clear();
    r = ci_result();
    r.trace = std::move(trace);
    r.x = std::move(x);
    r.u = std::move(u);
    r.margins = std::move(margins);
}

// The work arrays of one MM run (a per-thread scratch, ci_scratch.h).
struct run_work {
    rvec nu, lam;
    lp_basis lpb; // LP basis carried across the MM steps (same At)
    cvec xlin, xnew;
    ci_surrogate sur;
    ilp_result ilp;
    std::vector<rvec> warm; // the step's warm start: warm[0] = the iterate
};
} // namespace

ci_solver::ci_solver(const radar_scene& scene, int n_users, const ci_params& p)
    : ci_solver(scene, n_users, p, ci_preset_tuning(p.solver, scene.n_tx()))
{
}

ci_solver::ci_solver(const radar_scene& scene,
                     int n_users,
                     const ci_params& p,
                     const ci_tuning& t)
    : d_scene(scene), d_p(p), d_t(t), d_n(scene.n_tx()), d_U(n_users)
{
    d_p.validate();
    d_t.validate();
    // the infinite-resolution DAC's QoS steps are cheap and still rose ~3 % per step
    // at 10; its QoD keeps the single run and the 1-bit default
    if (d_p.max_iter == 0)
        d_p.max_iter = d_p.one_bit_dac || d_p.mode == ci_mode::qod ? 10 : 100;
    check_int_range("n_users", n_users, 1, max_users);
    if (d_n < n_users)
        throw_param(
            "n_tx", std::to_string(d_n), ">= n_users (" + std::to_string(n_users) + ")");
    if (p.radar_metric == ci_radar_metric::exact) {
        d_obj = std::make_shared<ci_exact_objective>(scene, p.adc, p.power);
        ci_params p1 = p;
        p1.radar_metric = ci_radar_metric::theorem1;
        d_t1 = std::make_shared<ci_solver>(scene, n_users, p1, t);
    } else
        d_obj = std::make_shared<ci_qscnr_objective>(scene, p.adc, p.power);
    d_c = std::sqrt(p.power / (2.0 * d_n));
    d_lambda = safe_margin_threshold(p.gamma, p.noise_var);
    d_x0 = radar_start();
    d_sur0 = surrogate(d_x0);
}

cvec ci_solver::radar_start() const
{
    // x proportional to g_T(theta_0)^* maximises |c_0|: the target beam
    const cvec g = d_scene.gt().col(0).conjugate();
    if (!d_p.one_bit_dac)
        return std::sqrt(d_p.power) * g / g.norm();
    cvec x(d_n);
    for (int i = 0; i < d_n; ++i)
        x[i] = cdouble(g[i].real() < 0 ? -d_c : d_c, g[i].imag() < 0 ? -d_c : d_c);
    return x;
}

void ci_solver::set_channel(const cmat& H)
{
    if (H.rows() != d_U || H.cols() != d_n)
        throw_param("H",
                    shape_str(H.rows(), H.cols()),
                    std::to_string(d_U) + "x" + std::to_string(d_n) +
                        " (n_users x n_tx)");
    if (!H.allFinite())
        throw_param("H", "non-finite entries", "finite entries");
    d_H = H;
    if (d_t1) {
        auto t1 = std::make_shared<ci_solver>(*d_t1);
        t1->set_channel(H);
        d_t1 = std::move(t1);
    }
    const int M = d_p.psk_order;
    d_rows.clear();
    if (M <= 64) {
        // Atilde rows of every user for every PSK point (2 x 2N blocks, user-major), so
        // a snapshot only copies its users' blocks
        d_rows.reserve(size_t(M) * d_U);
        for (int k = 0; k < M; ++k) {
            const cvec s = cvec::Constant(d_U, psk_point(M, k));
            const rmat all = ci_real_constraints(ci_constraint_matrix(H, s, M));
            for (int u = 0; u < d_U; ++u)
                d_rows.push_back(all.middleRows(2 * u, 2));
        }
    }
    d_has_channel = true;
}

void ci_solver::constraints(const std::vector<int>& k, rmat& At) const
{
    const int M = d_p.psk_order;
    if (!d_rows.empty()) {
        // each user's two rows are adjacent in every column of both matrices: copied
        // as pairs (a 2-row block assignment was 2% of a design at N_T = 64)
        const Eigen::Index m = 2 * d_U, n = 2 * d_n;
        At.resize(m, n);
        double* dst = At.data();
        for (int u = 0; u < d_U; ++u) {
            const double* src = d_rows[size_t(k[u]) * d_U + u].data();
            for (Eigen::Index j = 0; j < n; ++j) {
                dst[j * m + 2 * u] = src[2 * j];
                dst[j * m + 2 * u + 1] = src[2 * j + 1];
            }
        }
        return;
    }
    cvec s(d_U);
    for (int u = 0; u < d_U; ++u)
        s[u] = psk_point(M, k[u]);
    At = ci_real_constraints(ci_constraint_matrix(d_H, s, M));
}

ci_result ci_solver::solve(const cvec& s) const
{
    if (s.size() != d_U)
        throw_param(
            "s", list_str(s.size(), "symbol"), std::to_string(d_U) + " (n_users)");
    std::vector<int> k(d_U);
    for (int u = 0; u < d_U; ++u)
        k[u] = psk_index(s[u], d_p.psk_order);
    return solve_indices(k);
}

ci_result ci_solver::solve_indices(const std::vector<int>& k) const
{
    ci_result r;
    solve_indices(k, r);
    return r;
}

void ci_solver::solve_indices(const std::vector<int>& k, ci_result& r) const
{
    if (!d_has_channel)
        throw param_error("ci_solver: no channel set (call set_channel first)");
    if (int(k.size()) != d_U)
        throw_param("k", std::to_string(k.size()) + " indices", std::to_string(d_U));
    for (int v : k)
        check_int_range("symbol index", v, 0, d_p.psk_order - 1);

    scratch<vector_work> lease;
    rmat& At = lease->At;
    constraints(k, At);
    reset_keeping_storage(r);
    r.lambda = d_lambda;
    r.optimal = d_t.exact_steps;
    // the exact preset's branch and bounds share one budget per vector
    std::optional<bnb_vector_budget> budget;
    if (d_t.exact_steps)
        budget.emplace(d_p.bnb_max_nodes, d_p.bnb_max_seconds);
    mm_state& s = lease->s;
    s.have = false;
    s.value = -inf;
    if (d_p.mode == ci_mode::qos)
        design_qos(At, r, s);
    else
        design_qod(At, r, s);
    if (d_t1 && d_p.mode == ci_mode::qos) {
        // radar_metric exact: MM on the exact deflection from the Theorem-1 design too.
        // The exact objective's first step from the beam often lands in a worse basin
        // (docs/ci_precoder_measurements.md); this start keeps the design at least as
        // good in the exact deflection as the Theorem-1 design whenever that is feasible.
        const ci_result r1 = d_t1->solve_indices(k);
        r.iterations += r1.iterations;
        if (r1.feasible) {
            ci_result r2;
            r2.lambda = r.lambda;
            r2.optimal = false;
            mm_state s2;
            const rvec x1 = to_real(r1.x);
            mm_qos(At, mm_start{ nullptr, nullptr, &x1 }, r2, s2);
            keep_better(r, s, r2, s2);
        }
    }
    if (d_p.one_bit_dac && r.feasible && s.have && d_t.polish)
        polish(At, r, s);
    if (s.have)
        to_complex_into(s.x, r.x);
    else
        r.x.resize(0);
    if (!d_p.one_bit_dac && r.x.norm() > 0)
        // ||x||^2 = E (1-bit ISAC paper infinite-resolution benchmarks); feasible points
        // only move by rounding
        r.x *= std::sqrt(d_p.power) / r.x.norm();
    if (budget && budget->exhausted()) {
        r.budget_exhausted = true;
        r.optimal = false;
    }
    finish(r, k);
}

ilp_result ci_solver::maxmin(const rmat& At,
                             const rvec& off,
                             bool radar,
                             const rvec& w,
                             double rhs,
                             const std::vector<rvec>& warm) const
{
    if (!d_p.one_bit_dac)
        return socp_maxmin(At, off, std::sqrt(d_p.power), radar, w, rhs);
    if (d_t.exact_steps)
        return ilp_maxmin_exact(
            At, off, d_c, radar, w, rhs, d_p.bnb_max_nodes, d_p.bnb_max_seconds, warm);
    return ilp_maxmin_heuristic(At, off, d_c, radar, w, rhs, warm);
}

// The better of two MM results (feasible first, then the radar objective); the
// iterations of both count.
void ci_solver::keep_better(ci_result& r, mm_state& s, ci_result& r2, mm_state& s2) const
{
    const int iterations = r.iterations + r2.iterations;
    const bool ok = s.have && r.feasible, ok2 = s2.have && r2.feasible;
    if ((ok2 && (!ok || s2.value > s.value)) || (!s.have && s2.have)) {
        // swapped: r2's and s2's arrays are a scratch's, kept for the next run
        std::swap(r, r2);
        std::swap(s, s2);
    }
    r.iterations = iterations;
}

/*
 * Phase sweep of the first MM step. The objective is invariant to a common phase of
 * x (every coupling rotates), the user constraints are not, and the MM basin is set
 * by the phase the first step gives the target coupling c_0. The surrogate at
 * e^{j phi} x0 is the beam's rotated: w(phi) = e^{j phi} w0, same constant. The LP
 * value over phi in [0, 90 deg) (the alphabet is invariant to 90 deg) is the support
 * function of the relaxed set of c_0, and its best phases start the best basins.
 * Each LP resumes the previous phase's basis (only c changes: a re-pricing and a few
 * pivots). Returns the LP-feasible phases, best LP value first.
 */
void ci_solver::phase_sweep(const rmat& At, design_work& w) const
{
    const int n = 2 * d_n;
    w.lo.setConstant(n, -d_c);
    w.hi.setConstant(n, d_c);
    w.count = 0;
    w.order.clear();
    lp_basis_forget(w.basis);
    for (int p = 0; p < d_t.phases; ++p) {
        const double phi = 0.5 * pi * p / d_t.phases;
        if (w.count == w.steps.size())
            w.steps.emplace_back();
        first_step& f = w.steps[w.count];
        rotate_into(d_sur0, phi, f.sur);
        // the value and the basis are kept, not the duals
        lp_solve_into(w.lp, f.sur.w, At, w.lam, w.lo, w.hi, &w.basis, false);
        if (w.lp.status == lp_result::infeasible) {
            w.count = 0; // feasibility does not depend on w
            w.order.clear();
            return;
        }
        f.lp_value = w.lp.value;
        f.basis = w.basis;
        // insertion by LP value, best first, ties in phase order (a stable sort
        // of a handful of phases)
        auto at = w.order.end();
        while (at != w.order.begin() && w.steps[*(at - 1)].lp_value < f.lp_value)
            --at;
        w.order.insert(at, int(w.count));
        ++w.count;
    }
}

/*
 * QoS design (1-bit ISAC paper Algorithm 1). Heuristic presets run MM from several starts
 * and keep the best design: the target beam at the best phases of the first step's LP,
 * feasible points (the max-min margin point, points of random objectives), optional
 * homotopy paths. The first step of a beam run starts at an infeasible point and decides
 * the basin; runs from feasible points reached the best designs of the exact-ILP MM loop
 * far more often (docs/ci_precoder_measurements.md). When no run reaches a feasible
 * point, the feasibility search decides before the snapshot is declared infeasible.
 */
void ci_solver::design_qos(const rmat& At, ci_result& r, mm_state& s) const
{
    const bool heuristic = d_p.one_bit_dac && !d_t.exact_steps;
    if (!heuristic) {
        design_qos_starts(At, r, s);
        return;
    }
    scratch<design_work> lease;
    design_work& w = *lease;
    w.lam.setConstant(At.rows(), d_lambda);
    phase_sweep(At, w);
    if (w.count == 0) { // the LP relaxation is infeasible: so is every point
        infeasible_fallback(At, r, s);
        return;
    }
    const first_step& best_first = w.steps[w.order[0]];
    // an MM step without an LP is a function of its point (mm_qos), unless the core
    // search reads the first step's multipliers. A design of one planned run (the
    // beam alone, N_T >= 64) skips the bookkeeping: a run after it comes only when it
    // found no point, so it stepped from none
    w.n_seen = 0;
    const bool merge = d_t.merge_runs && !d_t.lp_every_step && d_t.core_nodes <= 0 &&
                       d_t.phase_paths + int(d_t.feasible_start) + d_t.random_starts > 1;
    // When the max-min search finds no feasible point the snapshot is usually
    // infeasible (N_T = 16: a fifth of the snapshots have a feasible LP relaxation
    // and no feasible point): the feasibility search decides first, and a proof
    // skips the beam runs, which could not find a point either. Otherwise the same
    // runs in the same order as without it, so the design is the same.
    ilp_result mm;
    feasible_starts(At, best_first.basis, mm, w);
    std::optional<ilp_result> f;
    if (d_t.feasible_start && w.n_starts == 0 && no_feasible_point(At, mm, f, w) &&
        f->optimal) {
        infeasible_fallback(At, r, s, &*f);
        return;
    }
    for (int i = 0; i < std::min<int>(d_t.phase_paths, int(w.count)); ++i) {
        const first_step& phase = w.steps[w.order[i]];
        qos_run(At, mm_start{ &phase.sur, &phase.basis }, merge, r, s, w);
    }
    for (size_t i = 0; i < w.n_starts; ++i)
        qos_run(At, mm_start{ nullptr, &best_first.basis, &w.starts[i] }, merge, r, s, w);
    if (!s.have && infeasible_without_point(At, mm, f, merge, r, s, w))
        return;
    if (d_t.stationary_nodes > 0)
        stationary_steps(At, r, s);
    if (!d_t.homotopy.empty()) {
        ci_result r2;
        r2.lambda = r.lambda;
        mm_state s2;
        if (homotopy_qos(At, r2, s2))
            keep_better(r, s, r2, s2);
        else
            r.iterations += r2.iterations;
    }
}

/*
 * QoS design of the infinite-resolution DAC and the exact preset: MM runs from the
 * quality preset's kinds of starts (the exact preset's own counts; the DAC
 * benchmark at every preset 4 phases, the max-min point, 4 random objectives, each
 * run up to inf_dac_iterations steps), the best design wins: the beam at `phases`
 * phases, the max-min margin point when it meets lambda, feasible points of random
 * objectives. A single run from the beam stopped at 0.26-0.74 of a multi-start
 * optimum (infinite-resolution DAC, against SLSQP) and 0.09 of the enumerated one
 * (exact preset): its first step decides the basin, exact steps or not
 * (docs/ci_precoder_measurements.md, "Multi-start QoD, infinite-resolution DAC and
 * exact designs").
 */
void ci_solver::design_qos_starts(const rmat& At, ci_result& r, mm_state& s) const
{
    ci_tuning t = d_t;
    if (!d_p.one_bit_dac) {
        // the infinite-resolution benchmark at every preset: 4 phases, the max-min
        // point, 4 random objectives (runs of up to inf_dac_iterations steps)
        t.phases = 4;
        t.feasible_start = true;
        t.random_starts = 4;
    }
    const rvec lam = rvec::Constant(At.rows(), d_lambda);
    const double R = std::sqrt(d_p.power);
    const bool exact = r.optimal;
    bool all_exact = exact;
    ci_result r2;
    mm_state s2;
    auto run = [&](const mm_start& st) {
        reset_keeping_storage(r2);
        r2.lambda = r.lambda;
        r2.optimal = exact;
        s2.have = false;
        s2.value = -inf;
        mm_qos(At, st, r2, s2);
        all_exact = all_exact && r2.optimal;
        keep_better(r, s, r2, s2);
    };
    ci_surrogate sur;
    for (int p = 0; p < t.phases; ++p) {
        rotate_into(d_sur0, 0.5 * pi * p / t.phases, sur);
        run(mm_start{ &sur });
    }
    // starts need not be exact: the heuristic's (and the ball's) points
    if (t.feasible_start) {
        const ilp_result mm = d_p.one_bit_dac
                                  ? ilp_maxmin_heuristic(At, lam, d_c, false, rvec(), 0.0)
                                  : socp_maxmin(At, lam, R, false, rvec(), 0.0);
        if (maxmin_meets(mm, d_lambda))
            run(mm_start{ nullptr, nullptr, &mm.xt });
    }
    std::mt19937_64 rng(12345);
    std::normal_distribution<double> nd;
    rvec wr(At.cols());
    for (int i = 0; i < t.random_starts && !cancel_requested(); ++i) {
        for (auto& v : wr)
            v = nd(rng);
        const ilp_result p = d_p.one_bit_dac ? ilp_qos_heuristic(wr, At, lam, d_c)
                                             : socp_qos(wr, At, lam, R);
        if (p.feasible)
            run(mm_start{ nullptr, nullptr, &p.xt });
    }
    r.optimal = all_exact && s.have && r.feasible;
    if (!s.have)
        infeasible_fallback(At, r, s);
}

// One MM run of design_qos from st (with the design's seen points when runs merge);
// (r, s) keep the better design.
void ci_solver::qos_run(const rmat& At,
                        const mm_start& st,
                        bool merge,
                        ci_result& r,
                        mm_state& s,
                        design_work& w) const
{
    ci_result& r2 = w.r2;
    reset_keeping_storage(r2);
    r2.lambda = r.lambda;
    mm_state& s2 = w.s2;
    s2.have = false;
    s2.value = -inf;
    mm_start st2 = st;
    if (merge) {
        st2.seen = &w.seen;
        st2.n_seen = &w.n_seen;
    }
    mm_qos(At, st2, r2, s2);
    keep_better(r, s, r2, s2);
}

// The feasibility search of design_qos, run once into f: true when it found no
// point (f->optimal: a proof). Its own max-min heuristic would repeat the max-min
// start's search with another stopping margin: the branch and bound starts from the
// start's result mm instead (it cost a fifth of an infeasible snapshot). Both
// searches raise the margin through the same targets below 0, so on an infeasible
// snapshot they end at the same point (the fallback design).
bool ci_solver::no_feasible_point(const rmat& At,
                                  const ilp_result& mm,
                                  std::optional<ilp_result>& f,
                                  design_work& w) const
{
    const rvec& lam = w.lam;
    if (!f)
        f = d_t.feasible_start ? ilp_qos_feasibility_from(
                                     At, lam, d_c, d_t.feasibility_nodes, mm, w.mm_basis)
                               : ilp_qos_feasibility(At, lam, d_c, d_t.feasibility_nodes);
    return !f->feasible;
}

// No MM run of design_qos reached a feasible point: one more run from a point the
// searches find (returns false), or the infeasible fallback design (returns true:
// the design is final).
bool ci_solver::infeasible_without_point(const rmat& At,
                                         const ilp_result& mm,
                                         std::optional<ilp_result>& f,
                                         bool merge,
                                         ci_result& r,
                                         mm_state& s,
                                         design_work& w) const
{
    const rvec& lam = w.lam;
    const first_step& best_first = w.steps[w.order[0]];
    // the feasibility search's own first step, the max-min search stopped at
    // margin 0, may find a point the branch and bound misses within its nodes
    ilp_result h0;
    if (d_t.feasible_start)
        h0 = ilp_maxmin_heuristic(At, lam, d_c, false, rvec(), 0.0, {}, 0.0);
    if (h0.feasible && h0.objective >= -feas_tol(lam, d_c, At)) {
        qos_run(At, mm_start{ nullptr, &best_first.basis, &h0.xt }, merge, r, s, w);
    } else if (no_feasible_point(At, mm, f, w)) {
        if (f->optimal || !undecided_point(At, best_first.basis, w)) {
            infeasible_fallback(At, r, s, &*f);
            return true;
        }
        qos_run(At, mm_start{ nullptr, &best_first.basis, &w.starts[0] }, merge, r, s, w);
    } else {
        qos_run(At, mm_start{ nullptr, &best_first.basis, &f->xt }, merge, r, s, w);
    }
    return false;
}

// Feasible MM starts: the max-min margin point, or any point with margins
// >= (1 + feasible_margin) lambda (as good a start, measured), and points of the
// heuristic ILP with random objectives (a fixed generator: a design depends on its
// inputs only).
void ci_solver::feasible_starts(const rmat& At,
                                const lp_basis& basis,
                                ilp_result& mm,
                                design_work& w) const
{
    w.n_starts = 0;
    if (!d_t.feasible_start && d_t.random_starts <= 0)
        return;
    const rvec& lam = w.lam;
    auto add = [&](const rvec& x) {
        if (w.n_starts == w.starts.size())
            w.starts.emplace_back();
        w.starts[w.n_starts++] = x;
    };
    if (d_t.feasible_start) {
        mm = ilp_maxmin_heuristic_keep(At,
                                       lam,
                                       d_c,
                                       false,
                                       rvec(),
                                       0.0,
                                       {},
                                       d_t.feasible_margin * d_lambda,
                                       &w.mm_basis);
        if (!maxmin_meets(mm, d_lambda))
            // random objectives reach no feasible point where the max-min search
            // found none (N_T = 16/32, 1280 snapshots each: the same feasible
            // snapshots), and a snapshot that is infeasible would pay for them all
            return;
        add(mm.xt);
    }
    if (d_t.random_starts <= 0)
        return; // (the basis copy below was 1% of a beam-only design)
    random_points(At, basis, d_t.random_starts, w, [&](const rvec& xt) {
        // an MM run is a function of its start: a repeated point (tight snapshots
        // have few feasible points) would repeat a run
        const auto end = w.starts.begin() + long(w.n_starts);
        if (std::find(w.starts.begin(), end, xt) == end)
            add(xt);
        return true;
    });
}

// Feasible points of the heuristic ILP with random objectives, from a fixed
// generator (a design depends on its inputs only): visit(x) for each, until it
// returns false, `count` ILPs are solved, or the design is cancelled.
void ci_solver::random_points(const rmat& At,
                              const lp_basis& basis,
                              int count,
                              design_work& w,
                              const std::function<bool(const rvec&)>& visit) const
{
    std::mt19937_64 rng(12345);
    std::normal_distribution<double> nd;
    rvec& wr = w.wr;
    wr.resize(At.cols());
    w.keep = basis;
    qos_heuristic_opts o;
    o.keep = &w.keep;
    o.tighten_rounds = d_t.random_rounds;
    static const std::vector<rvec> none;
    ilp_result& ri = w.ri;
    for (int i = 0; i < count; ++i) {
        for (auto& v : wr)
            v = nd(rng);
        // each LP resumes the last one's basis (same At, another objective)
        ilp_qos_heuristic_into(ri, wr, At, w.lam, d_c, none, o);
        if (ri.feasible && !visit(ri.xt))
            return;
        if (cancel_requested())
            return;
    }
}

// A snapshot the feasibility search left undecided (its node budget ran out): the
// feasible points of some are rare and far from every LP vertex the other
// searches round (docs/ci_precoder_measurements.md, Known limits), and a long run of
// random objectives is what finds them. The first point found starts an MM run.
bool ci_solver::undecided_point(const rmat& At,
                                const lp_basis& basis,
                                design_work& w) const
{
    if (d_t.undecided_starts <= 0)
        return false;
    w.n_starts = 0;
    random_points(At, basis, d_t.undecided_starts, w, [&](const rvec& xt) {
        if (w.starts.empty())
            w.starts.emplace_back();
        w.starts[0] = xt;
        w.n_starts = 1;
        return false;
    });
    return w.n_starts > 0;
}

// Infeasible QoS snapshot: the max-min margin design (1-bit ISAC paper eq. (34), eq.
// (35)-(37) with chi = -inf). f: a max-min search already made against lambda (its point
// is the heuristic's max-min design).
void ci_solver::infeasible_fallback(const rmat& At,
                                    ci_result& r,
                                    mm_state& s,
                                    const ilp_result* f) const
{
    ilp_result mm;
    if (f && d_p.one_bit_dac && !d_t.exact_steps) {
        mm = *f;
        mm.objective += d_lambda; // margins against 0, not lambda
        mm.lp_bound += d_lambda;
    } else {
        mm = maxmin(At, rvec::Zero(At.rows()), false, d_sur0.w, 0.0, {});
    }
    r.feasible = false;
    r.optimal = false;
    s.x = mm.xt;
    s.have = true;
    s.value = metric(to_complex(s.x));
    set_gap(r, mm.objective, mm.lp_bound);
    r.trace.push_back(s.value);
}

/*
 * MM steps whose ILP adds a core branch and bound (stationary_nodes) until the
 * QSCNR stops rising: the heuristic MM ends where its flip search finds nothing
 * better, which is not a stationary point of exactly solved steps.
 */
void ci_solver::stationary_steps(const rmat& At, ci_result& r, mm_state& s) const
{
    if (!s.have || !r.feasible)
        return;
    const rvec lam = rvec::Constant(At.rows(), d_lambda);
    qos_heuristic_opts o;
    o.core_nodes = d_t.stationary_nodes;
    o.core_size = d_t.core_size;
    for (int t = 0; t < d_p.max_iter; ++t) {
        const ci_surrogate sur = surrogate(to_complex(s.x));
        const ilp_result ilp = ilp_qos_heuristic(sur.w, At, lam, d_c, { s.x }, o);
        ++r.iterations;
        if (!ilp.feasible)
            break;
        const double vnew = metric(to_complex(ilp.xt));
        if (!(vnew > s.value * (1 + d_p.tol)))
            break;
        set_gap(r, ilp.objective, ilp.lp_bound, sur.const2);
        s.x = ilp.xt;
        s.value = vnew;
        r.trace.push_back(vnew);
    }
}

// One MM step's ILP: exact (branch and bound), or the heuristic with the LP on the
// first step of a run (and every step if asked; later steps reuse its multipliers
// for the Lagrangian start and certified bound). lam: lambda in every row; warm: one
// vector of storage for the warm start.
void ci_solver::qos_step(const ci_surrogate& sur,
                         const rmat& At,
                         int t,
                         const mm_state& s,
                         rvec& nu,
                         bool& have_nu,
                         lp_basis& lpb,
                         double tol,
                         ilp_result& ilp) const
{
    scratch<run_work> lease; // its lam and warm only (mm_qos holds another)
    run_work& w = *lease;
    w.lam.setConstant(At.rows(), d_lambda);
    const rvec& lam = w.lam;
    static const std::vector<rvec> none;
    w.warm.resize(1);
    if (s.have)
        w.warm[0] = s.x;
    const std::vector<rvec>& warm = s.have ? w.warm : none;
    if (!d_p.one_bit_dac) {
        ilp = socp_qos(sur.w, At, lam, std::sqrt(d_p.power));
        return;
    }
    if (d_t.exact_steps) {
        ilp = ilp_qos_exact(
            sur.w, At, lam, d_c, d_p.bnb_max_nodes, d_p.bnb_max_seconds, warm);
        return;
    }
    qos_heuristic_opts o;
    o.use_lp = t == 0 || d_t.lp_every_step || !have_nu;
    o.core_nodes = d_t.core_nodes;
    o.core_size = d_t.core_size;
    o.nu_in = have_nu ? &nu : nullptr;
    o.nu_out = &nu;
    o.keep = &lpb;
    o.lp_starts = t == 0 ? d_t.lp_starts : 0;
    o.tol = tol;
    ilp_qos_heuristic_into(ilp, sur.w, At, lam, d_c, warm, o);
    have_nu = true;
}

// One MM run (1-bit ISAC paper Algorithm 1 steps 2-3) from the beam (or start.sur, a
// rotated beam) or from a feasible point. Returns with s.have false when the first step
// finds no feasible point.
void ci_solver::mm_qos(const rmat& At,
                       const mm_start& start,
                       ci_result& r,
                       mm_state& s) const
{
    const bool onebit = d_p.one_bit_dac;
    scratch<run_work> lease;
    run_work& w = *lease;
    rvec& nu = w.nu;
    bool have_nu = false;
    lp_basis& lpb = w.lpb;
    if (start.basis)
        lpb = *start.basis;
    else
        lp_basis_forget(lpb);
    // the heuristic steps' row tolerance, the same for every step (~1.5% of a design
    // at N_T = 64 when each step computed it)
    w.lam.setConstant(At.rows(), d_lambda);
    const double tol = onebit && !d_t.exact_steps ? feas_tol(w.lam, d_c, At) : 0.0;
    cvec& xlin = w.xlin;
    xlin = d_x0;
    if (start.x) {
        s.x = *start.x;
        s.have = true;
        to_complex_into(s.x, xlin);
        s.value = metric(xlin);
        r.trace.push_back(s.value);
    }
    ilp_result& ilp = w.ilp;
    cvec& xnew = w.xnew;
    for (int t = 0; t < mm_iterations(); ++t) {
        if (start.seen && t > 0 && seen_before(*start.seen, *start.n_seen, s.x))
            // The steps after the first take from the first step's LP only its
            // multipliers, for their bound: the rest of this run is a function of
            // s.x, i.e. the path of the earlier run that stepped from s.x, cut short
            // at max_iter at most. Its points are no better than that run's end,
            // which the design already holds (keep_better keeps a tie's first), so
            // this run cannot change the design.
            break;
        // the beam start's surrogate depends on the scene only
        const bool first = t == 0 && !s.have;
        if (!first)
            d_obj->surrogate_into(xlin, w.sur);
        const ci_surrogate& sur = first ? (start.sur ? *start.sur : d_sur0) : w.sur;
        qos_step(sur, At, t, s, nu, have_nu, lpb, tol, ilp);
        ++r.iterations;
        r.optimal = r.optimal && ilp.optimal;
        if (!ilp.feasible)
            break;
        to_complex_into(ilp.xt, xnew);
        const double vnew = metric(xnew);
        // numerical noise (a minorizer) or a linearised step that overshot: keep the
        // better iterate
        if (s.have && vnew < s.value)
            break;
        set_gap(r, ilp.objective, ilp.lp_bound, sur.const2);
        const bool small = s.have && vnew - s.value <= d_p.tol * s.value;
        const bool same = onebit && max_abs_diff(ilp.xt, xlin) < 1e-300 + 0.5 * d_c;
        s.x = ilp.xt;
        s.value = vnew;
        s.have = true;
        r.trace.push_back(vnew);
        if (small || same || (d_t.early_stop && onebit && !d_t.exact_steps))
            break;
        xlin = xnew;
    }
}

/*
 * Radar-only MM (no user rows: the alphabet optimum of a step is sign(w), the ball's
 * R w / |w|) from `sur`'s maximiser until the QSCNR reaches chi or stops rising: a
 * QoD start. xr: the point reached, q: its QSCNR.
 */
void ci_solver::radar_ascent(const ci_surrogate& sur0,
                             rvec& xr,
                             double& q,
                             ci_result& r) const
{
    const double R = std::sqrt(d_p.power);
    auto step = [&](const rvec& w) {
        if (d_p.one_bit_dac) {
            xr.resize(w.size());
            for (Eigen::Index j = 0; j < w.size(); ++j)
                xr[j] = w[j] < 0 ? -d_c : d_c;
        } else {
            xr = R * w / std::max(w.norm(), 1e-300);
        }
    };
    step(sur0.w);
    cvec x = to_complex(xr);
    q = metric(x);
    ++r.iterations;
    for (int t = 1; t < mm_iterations() && q < d_p.chi; ++t) {
        const rvec keep = xr;
        step(surrogate(x).w);
        ++r.iterations;
        const cvec xn = to_complex(xr);
        const double qn = metric(xn);
        if (qn <= q * (1 + 1e-12)) {
            xr = keep;
            break;
        }
        q = qn;
        x = xn;
    }
}

/*
 * A walk from a point below chi (the max-min margin point) to QSCNR >= chi in K
 * max-min steps whose radar row is raised from the point's own QSCNR to chi (the
 * QoS threshold homotopy's counterpart). False when a step finds no point.
 */
bool ci_solver::chi_walk(const rmat& At, int K, rvec& xt, ci_result& r) const
{
    const rvec zero = rvec::Zero(At.rows());
    const double q0 = metric(to_complex(xt));
    for (int k = 1; k <= K; ++k) {
        const double target = q0 + (d_p.chi - q0) * double(k) / K;
        const ci_surrogate sur = surrogate(to_complex(xt));
        const ilp_result ilp = maxmin(At, zero, true, sur.w, target - sur.const2, { xt });
        ++r.iterations;
        if (!ilp.feasible)
            return false;
        xt = ilp.xt;
    }
    return metric(to_complex(xt)) >= d_p.chi;
}

// One max-min MM run (1-bit ISAC paper eq. (35)-(37)) from x0, a point with QSCNR >=
// chi; s.value: the min margin row.
void ci_solver::qod_run(const rmat& At, const rvec& x0, ci_result& r, mm_state& s) const
{
    s.x = x0;
    s.have = true;
    s.value = (At * s.x).minCoeff();
    r.feasible = true;
    r.trace.push_back(s.value);
    set_gap(r, s.value, s.value);
    const rvec zero = rvec::Zero(At.rows());
    for (int t = 0; t < mm_iterations(); ++t) {
        const ci_surrogate sur = surrogate(to_complex(s.x));
        const double rhs = d_p.chi - sur.const2;
        const ilp_result ilp = maxmin(At, zero, true, sur.w, rhs, { s.x });
        ++r.iterations;
        r.optimal = r.optimal && ilp.optimal;
        if (!ilp.feasible)
            break;
        // a linearised objective's constraint may over-promise: check the real value
        if (!d_obj->minorizer() && metric(to_complex(ilp.xt)) < d_p.chi)
            break;
        const double vnew = (At * ilp.xt).minCoeff();
        if (vnew < s.value)
            break;
        const bool small = vnew - s.value <= d_p.tol * std::abs(s.value);
        set_gap(r, vnew, ilp.lp_bound);
        s.x = ilp.xt;
        s.value = vnew;
        r.trace.push_back(vnew);
        if (small)
            break;
    }
}

/*
 * QoD design (1-bit ISAC paper eq. (35)-(37)): max-min MM runs from several points
 * with QSCNR >= chi, the best min margin wins, then a flip search on the true
 * objective (1-bit DAC). One run from the radar-only point alone returned negative
 * margins where positive ones meeting chi exist (N_T = 5-7 against enumeration,
 * docs/ci_precoder_measurements.md, "Multi-start QoD, infinite-resolution DAC and
 * exact designs"). The starts: the radar-only MM from the beam at the preset's
 * phases and from qod_random_starts random points, each point also at up to three
 * quarter-turns (qod_turns: same QSCNR, other margins; the alphabet and the QSCNR are
 * invariant to x -> j x, the margins are not); the max-min margin point, walked to
 * chi when below it (feasible_start).
 */
void ci_solver::design_qod(const rmat& At, ci_result& r, mm_state& s) const
{
    // With the infinite-resolution DAC the QSCNR and the ball are invariant under every
    // rotation e^{j phi} x, so phases and turns are one basin: other starts cost ~5x and
    // gained nothing measurable; it keeps the single run from the beam
    const bool multi = d_p.one_bit_dac;
    std::vector<rvec> starts;
    auto add = [&](const rvec& x) {
        if (std::find(starts.begin(), starts.end(), x) == starts.end())
            starts.push_back(x);
    };
    auto add_turns = [&](const rvec& xr) {
        const Eigen::Index n = d_n;
        std::vector<std::pair<double, rvec>> turns;
        rvec y = xr;
        for (int k = 0; k < 4; ++k) {
            turns.emplace_back(-(At * y).minCoeff(), y);
            // j (a + j b) = -b + j a
            rvec z(2 * n);
            z.head(n) = -y.tail(n);
            z.tail(n) = y.head(n);
            y = z;
        }
        // the point itself first (the single-run design's start), then the other
        // turns by min margin
        std::stable_sort(turns.begin() + 1,
                         turns.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (int k = 0; k < (multi ? d_t.qod_turns : 1); ++k)
            add(turns[k].second);
    };
    rvec xr, best_radar;
    double q = -inf, best_q = -inf;
    const int phases = multi ? d_t.phases : 1;
    ci_surrogate sur;
    for (int p = 0; p < phases; ++p) {
        rotate_into(d_sur0, 0.5 * pi * p / phases, sur);
        radar_ascent(sur, xr, q, r);
        // the first ascent even when its metric is NaN: the fallback needs a point
        if (q > best_q || best_radar.size() == 0) {
            best_q = q;
            best_radar = xr;
        }
        if (q >= d_p.chi)
            add_turns(xr);
    }
    if (multi && d_t.feasible_start) {
        ilp_result mm = maxmin(At, rvec::Zero(At.rows()), false, d_sur0.w, 0.0, {});
        ++r.iterations;
        if (mm.feasible &&
            (metric(to_complex(mm.xt)) >= d_p.chi || chi_walk(At, 4, mm.xt, r)))
            add(mm.xt);
    }
    if (multi && d_t.qod_random_starts > 0) {
        std::mt19937_64 rng(12345);
        std::normal_distribution<double> nd;
        sur = d_sur0;
        for (int i = 0; i < d_t.qod_random_starts; ++i) {
            for (auto& v : sur.w)
                v = nd(rng);
            radar_ascent(sur, xr, q, r);
            if (q >= d_p.chi)
                add_turns(xr);
            if (cancel_requested())
                break;
        }
    }
    if (starts.empty()) {
        // chi above what the radar-only design reaches
        s.x = best_radar;
        s.have = true;
        s.value = (At * s.x).minCoeff();
        r.trace.push_back(s.value);
        set_gap(r, s.value, s.value);
        r.feasible = false;
        r.optimal = false;
        return;
    }
    ci_result r2;
    mm_state s2;
    for (const rvec& x0 : starts) {
        if (!s.have) {
            qod_run(At, x0, r, s);
            continue;
        }
        reset_keeping_storage(r2);
        r2.lambda = r.lambda;
        r2.optimal = r.optimal;
        s2.have = false;
        qod_run(At, x0, r2, s2);
        keep_better(r, s, r2, s2);
        if (cancel_requested())
            break;
    }
}

// One threshold-homotopy walk of K steps from the beam to a feasible point xt
// (homotopy_qos); false when even the final heuristic step finds none.
bool ci_solver::homotopy_walk(const rmat& At, int K, ci_result& r, rvec& xt) const
{
    const int m = int(At.rows());
    const rvec lam = rvec::Constant(m, d_lambda);
    const rvec r0 = At * to_real(d_x0);
    rvec lk(m);
    xt = to_real(d_x0);
    lp_basis keep; // same At along the path: each LP resumes from the last basis
    qos_heuristic_opts o;
    o.keep = &keep;
    for (int k = 1; k <= K; ++k) {
        for (int i = 0; i < m; ++i)
            lk[i] = std::min(lam[i], r0[i] + (lam[i] - r0[i]) * double(k) / K);
        const ci_surrogate sur = k == 1 ? d_sur0 : surrogate(to_complex(xt));
        ++r.iterations;
        const ilp_result ilp = ilp_qos_heuristic(sur.w, At, lk, d_c, { xt }, o);
        if (!ilp.feasible) {
            // the walk got stuck: the heuristic takes the rest in one step
            const ci_surrogate sur2 = surrogate(to_complex(xt));
            ++r.iterations;
            const ilp_result last = ilp_qos_heuristic(sur2.w, At, lam, d_c, { xt });
            if (!last.feasible)
                return false;
            xt = last.xt;
            return true;
        }
        xt = ilp.xt;
    }
    return true;
}

/*
 * Threshold homotopy. The first MM step from the infeasible target beam decides the
 * basin, and a heuristic ILP from there lands on average 11.6% below the exact step
 * (N_T = 32) while warm-started steps are within 0.1% of theirs. So a path walks the
 * beam to feasibility in K small steps: each is an MM step whose rows are raised from
 * the beam's own value toward lambda, solved by the heuristic warm-started from the
 * previous point and with the LP (resumed from the previous step's basis) and its
 * tightened roundings. Paths with different K end in different basins; the best one
 * wins. Then MM at lambda from the path's end (warm starts keep it monotone).
 */
bool ci_solver::homotopy_qos(const rmat& At, ci_result& r, mm_state& s) const
{
    const int n = 2 * d_n, m = 2 * d_U;
    const rvec lam = rvec::Constant(m, d_lambda);
    double best_q = -inf;
    std::vector<double> best_trace;
    rvec best_x;
    for (int K : d_t.homotopy) {
        rvec xt;
        if (!homotopy_walk(At, K, r, xt))
            continue;
        cvec x = to_complex(xt);
        double q = metric(x);
        std::vector<double> trace{ q };
        qos_heuristic_opts no_lp;
        no_lp.use_lp = false;
        for (int t = 0; t < d_p.max_iter; ++t) {
            const ci_surrogate sur = surrogate(x);
            ++r.iterations;
            const ilp_result ilp = ilp_qos_heuristic(sur.w, At, lam, d_c, { xt }, no_lp);
            if (!ilp.feasible)
                break;
            const cvec xn = to_complex(ilp.xt);
            const double qn = metric(xn);
            if (!(qn > q))
                break;
            const bool small = qn - q <= d_p.tol * q;
            xt = ilp.xt;
            x = xn;
            q = qn;
            trace.push_back(q);
            if (small)
                break;
        }
        if (q > best_q) {
            best_q = q;
            best_trace = std::move(trace);
            best_x = xt;
        }
    }
    if (!(best_q > -inf))
        return false;
    s.x = best_x;
    s.have = true;
    s.value = best_trace.back();
    r.trace = std::move(best_trace);
    // certified gap of the returned x on its own MM problem (surrogate at x) to the LP
    const ci_surrogate sur = surrogate(to_complex(s.x));
    const rvec lo = rvec::Constant(n, -d_c), hi = rvec::Constant(n, d_c);
    const lp_result lp = lp_solve(sur.w, At, lam, lo, hi);
    double bound = lagrangian_bound(sur.w, At, lam, lo, hi, lp.dual);
    if (lp.status == lp_result::optimal)
        bound = std::min(bound, lp.value);
    set_gap(r, sur.w.dot(s.x), bound, sur.const2);
    return true;
}

/*
 * Flip local search on the true objective: QoS, the radar objective keeping every
 * row >= lambda; QoD, the min margin row keeping the radar objective >= chi. The
 * objective depends on x only through the couplings c_q, so a flip costs O(Q) to
 * update them plus one value_of (O(Q^3)) and O(U) for the rows. It accepts only
 * increases, so the MM sequence stays monotone.
 */
void ci_solver::polish(const rmat& At, ci_result& r, mm_state& s) const
{
    rvec& xt = s.x;
    const int n = int(xt.size()), N = d_n, Q = d_scene.n_clutter();
    const cmat& gt = d_obj->steering();
    scratch<polish_work> lease;
    polish_work& w = *lease;
    to_complex_into(xt, w.x);
    cvec& c = w.c;
    c.noalias() = gt.transpose() * w.x;
    rvec& res = w.res;
    res.resize(At.rows());
    product_into(At, xt.data(), res.data()); // At xt - lambda, as Eigen's
    const bool qod = d_p.mode == ci_mode::qod;
    if (!qod)
        res.array() -= d_lambda;
    const double tol = 1e-10 * (1.0 + d_lambda);
    std::vector<cdouble>& ws = w.ws;
    ws.resize(d_obj->workspace_size());
    double q = d_obj->value_of(c.data(), ws.data());
    cvec& cn = w.cn;
    cn.resize(Q + 1);
    double f = qod ? res.minCoeff() : 0.0; // QoD: the min margin row
    // the objective after flipping x_j by sj (couplings updated into cn)
    auto value_after = [&](int j, double sj) {
        const cdouble step = j < N ? cdouble(sj, 0) : cdouble(0, sj);
        const int a = j < N ? j : j - N;
        for (int k = 0; k <= Q; ++k)
            cn[k] = c[k] + step * gt(a, k);
        return d_obj->value_of(cn.data(), ws.data());
    };
    for (int pass = 0; pass < 2 * n; ++pass) {
        int bj = -1;
        double bq = q * (1.0 + 1e-12);
        double bf = f + 1e-12 * std::abs(f);
        for (int j = 0; j < n; ++j) {
            const double sj = -2.0 * xt[j];
            if (qod) {
                const double* col = &At.coeffRef(0, j);
                double fn = inf;
                for (Eigen::Index i = 0; i < res.size(); ++i)
                    fn = std::min(fn, res[i] + sj * col[i]);
                if (!(fn > bf))
                    continue;
                const double qn = value_after(j, sj);
                if (qn >= d_p.chi) {
                    bf = fn;
                    bq = qn;
                    bj = j;
                }
                continue;
            }
            // every row tested, without an early exit: the exit's branch on data
            // mispredicted (the polish was ~4% of a design's time at N_T = 64 for ~1%
            // of its instructions)
            const double* col = &At.coeffRef(0, j);
            bool ok = true;
            for (Eigen::Index i = 0; i < res.size(); ++i)
                ok &= res[i] + sj * col[i] >= -tol;
            if (!ok)
                continue;
            const double qn = value_after(j, sj);
            if (qn > bq) {
                bq = qn;
                bj = j;
            }
        }
        if (bj < 0)
            break;
        const double sj = -2.0 * xt[bj];
        const cdouble step = bj < N ? cdouble(sj, 0) : cdouble(0, sj);
        const int a = bj < N ? bj : bj - N;
        for (int k = 0; k <= Q; ++k)
            c[k] += step * gt(a, k);
        res += sj * At.col(bj);
        xt[bj] = -xt[bj];
        q = bq;
        f = bf;
        r.trace.push_back(qod ? f : q);
    }
    s.value = qod ? f : q;
}

void ci_solver::finish(ci_result& r, const std::vector<int>& k) const
{
    struct work {
        cvec c, s;
        radar_solution sol;
    };
    scratch<work> w;
    w->c.noalias() = d_scene.gt().transpose() * r.x; // couplings(r.x)
    const radar_solution& sol = w->sol;
    d_scene.solution_into(w->c, d_p.adc, w->sol);
    r.metric = sol.metric;
    r.objective =
        d_p.radar_metric == ci_radar_metric::theorem1 ? sol.metric : metric(r.x);
    d_scene.filter_into(sol, r.u);
    cvec& s = w->s;
    s.resize(d_U);
    for (int u = 0; u < d_U; ++u)
        s[u] = psk_point(d_p.psk_order, k[u]);
    safe_margins_into(d_H, s, d_p.psk_order, r.x, r.margins);
}

} // namespace core
} // namespace isac
} // namespace gr
