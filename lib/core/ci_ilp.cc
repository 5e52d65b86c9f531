/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Heuristic ILP steps of the CI precoder (ci_ilp.h): starts from the LP
 * relaxation, repaired and improved by the flip search (ci_flip_search.h).
 */
#include "ci_bnb.h"
#include "ci_branchfree.h"
#include "ci_flip_search.h"
#include "ci_ilp_into.h"
#include "ci_lp_cutoff.h"
#include "ci_scratch.h"
#include <gnuradio/isac/core/ci_ilp.h>
#include <algorithm>
#include <cmath>
#include <cstring>

namespace gr {
namespace isac {
namespace core {

namespace {

// The QoS problem of one call.
struct qos_problem {
    const rvec& w;
    const rmat& At;
    const rvec& lambda;
    double c, tol;
    const rvec &lo, &hi;
};

// The work arrays of one heuristic call (a per-thread scratch) and its starts.
struct qos_work {
    rvec lo, hi, nu, g, wg, lt, Ax, xn, viol;
    lp_result lp, lpt;
    lp_basis basis;
    std::vector<rvec> starts; // starts[0, count)
    size_t count = 0;
    bool have_wg = false; // wg = w + At^T nu is computed (once a call)

    //! the next start's storage
    rvec& add_start()
    {
        if (count == starts.size())
            starts.emplace_back();
        return starts[count++];
    }
    //! a start sign(v) (ties to sign(w))
    const rvec& add_sign_start(const qos_problem& P, const rvec& v)
    {
        const int n = int(P.w.size());
        rvec& x = add_start();
        x.resize(n);
        sign_into(v.data(), P.w.data(), P.c, x.data(), n);
        return x;
    }
    //! w + At^T nu, computed only when a start or the core search needs it
    const rvec& lagrangian_wg(const qos_problem& P)
    {
        if (!have_wg) {
            g.noalias() = P.At.transpose() * nu;
            wg = P.w + g;
            have_wg = true;
        }
        return wg;
    }
};

/*
 * Uniformly tightened LPs (rows raised by 0.15 t lambda): their roundings are
 * diverse starts. Measured on the basin-deciding first MM step at N_T = 32: the ILP
 * value reached depends strongly on the start, and the best of a delta grid
 * 0.1..2 lambda closes the mean gap to the exact ILP from 11.6% to 4.6%; beyond 4
 * steps (0.6 lambda) the final QSCNR measured no gain.
 */
void uniform_tightened_starts(const qos_problem& P,
                              const lp_basis& basis,
                              int count,
                              qos_work& ws)
{
    double lref = 0.0;
    for (Eigen::Index i = 0; i < P.lambda.size(); ++i)
        lref = std::max(lref, std::abs(P.lambda[i]));
    if (!(lref > 0.0))
        lref = P.c * P.At.cwiseAbs().colwise().sum().mean();
    lp_basis bt = basis;
    for (int t = 1; t <= count; ++t) {
        const rvec lt = (P.lambda.array() + lref * 0.15 * t).matrix();
        const lp_result lpt = lp_solve(P.w, P.At, lt, P.lo, P.hi, 0, &bt, false);
        if (lpt.status == lp_result::infeasible)
            break;
        ws.add_start() = sign_vec(lpt.z, P.w, P.c);
    }
}

/*
 * Rounding of the LP optimum (1-bit ISAC paper eq. (34)). The optimum makes rows active
 * and rounding its <= 2U fractional coordinates breaks them: raise each broken row by its
 * violation and re-solve (8 rounds at most; at N_T = 32 two rounds still left 35% of
 * first MM steps infeasible, six rounds 5%). Only the last rounding is kept: it is
 * the one closest to feasibility.
 */
void tightened_rounding(const qos_problem& P,
                        const lp_result& lp,
                        lp_basis& basis,
                        int rounds,
                        qos_work& ws,
                        rvec& xr)
{
    const int n = int(P.w.size());
    rvec& lt = ws.lt;
    lt = P.lambda;
    xr.resize(n);
    sign_into(lp.z.data(), P.w.data(), P.c, xr.data(), n);
    // At xr follows the coordinates a re-solve changes (a few) rather than being
    // recomputed: one product per round was 3% of the design
    rvec& Ax = ws.Ax;
    Ax.resize(P.At.rows());
    product_into(P.At, xr.data(), Ax.data());
    rvec& xn = ws.xn; // the rounding of a re-solve
    xn.resize(n);
    rvec& viol = ws.viol;
    viol.resize(P.At.rows());
    for (int round = 0; round < rounds; ++round) {
        viol = (Ax - P.lambda).cwiseMin(0.0);
        if (viol.minCoeff() >= -P.tol)
            break;
        lt -= viol + viol.cwiseSign() * P.tol * 10;
        // the re-solves' duals are not used (the first LP's give the bound)
        lp_result& lpt = ws.lpt;
        lp_solve_into(lpt, P.w, P.At, lt, P.lo, P.hi, &basis, false);
        if (lpt.status == lp_result::infeasible)
            break;
        // xr = sign_vec(lpt.z, w, c); a few coordinates change, found two at a time
        sign_into(lpt.z.data(), P.w.data(), P.c, xn.data(), n);
        for (int j0 = 0; j0 < n; j0 += 2) {
            const int j1 = std::min(j0 + 2, n);
            if (j1 - j0 == 2 && std::memcmp(&xn[j0], &xr[j0], 2 * sizeof(double)) == 0)
                continue;
            for (int j = j0; j < j1; ++j) {
                const double v = xn[j];
                if (v != xr[j]) {
                    Ax.noalias() += (v - xr[j]) * P.At.col(j);
                    xr[j] = v;
                }
            }
        }
    }
}

// The best point found so far (feasible, else the least infeasible).
struct incumbent {
    ilp_result& res;
    double best = -inf, best_viol = inf;

    //! res.xt holds a point (the least infeasible or a feasible one)
    bool holds() const { return res.feasible || best_viol < inf; }

    void offer(flip_search& S)
    {
        if (!S.repair()) {
            const double v = S.violation();
            if (!res.feasible && v < best_viol) {
                best_viol = v;
                res.xt = S.x();
                res.objective = S.objective();
            }
            return;
        }
        S.local_search();
        accept(S);
    }
    void accept(const flip_search& S)
    {
        if (S.objective() > best)
            replace(S);
    }
    void replace(const flip_search& S)
    {
        best = S.objective();
        res.feasible = true;
        res.xt = S.x();
        res.objective = S.objective();
    }
};

/*
 * Core search: the optimum differs from sign(w + At^T nu) mostly where the reduced
 * cost |rbar_j| is small. Fix every other coordinate at that sign and solve the
 * K-column core ILP by LP branch and bound with a node budget.
 */
void core_search(const qos_problem& P,
                 const rvec& rb,
                 int K,
                 long max_nodes,
                 flip_search& S,
                 incumbent& inc)
{
    const int n = int(P.w.size()), m = int(P.At.rows());
    std::vector<int> idx(n);
    for (int j = 0; j < n; ++j)
        idx[j] = j;
    K = std::min(n, K > 0 ? K : 3 * m + 8);
    std::partial_sort(idx.begin(), idx.begin() + K, idx.end(), [&](int a, int b) {
        return std::abs(rb[a]) < std::abs(rb[b]);
    });
    rvec xfix = sign_vec(rb, P.w, P.c);
    rmat Ak(m, K);
    rvec wk(K);
    for (int i = 0; i < K; ++i) {
        Ak.col(i) = P.At.col(idx[i]);
        wk[i] = P.w[idx[i]];
        xfix[idx[i]] = 0.0;
    }
    const rvec lk = P.lambda - P.At * xfix;
    const double off = P.w.dot(xfix);
    bnb B{ wk, Ak, lk, K, max_nodes, 1e9 };
    if (inc.res.feasible)
        B.best = inc.best - off;
    B.run(rvec::Constant(K, -P.c), rvec::Constant(K, P.c));
    inc.res.nodes += B.nodes;
    if (B.best_z.size() == 0 || !(B.best + off > inc.best))
        return;
    rvec x = xfix;
    for (int i = 0; i < K; ++i)
        x[idx[i]] = B.best_z[i] < 0 ? -P.c : P.c;
    S.set(x);
    if (S.feasible()) {
        S.local_search();
        inc.replace(S);
    }
}

} // namespace

namespace {

/*
 * The LP relaxation: its certified bound, its multipliers (ws.nu) and the starts
 * rounded from it. False when it is infeasible, and so is the ILP: res then holds
 * sign(w).
 */
bool lp_relaxation(const qos_problem& P,
                   const qos_heuristic_opts& o,
                   qos_work& ws,
                   ilp_result& res)
{
    const int n = int(P.w.size());
    // the previous call's basis (other objective), else a cold start
    lp_basis& basis = ws.basis;
    if (o.keep)
        std::swap(basis, *o.keep);
    else
        lp_basis_forget(basis);
    lp_result& lp = ws.lp;
    lp_solve_into(lp, P.w, P.At, P.lambda, P.lo, P.hi, &basis, true);
    if (lp.status == lp_result::infeasible) {
        if (o.keep)
            std::swap(basis, *o.keep);
        res.lp_feasible = false;
        res.lp_bound = -inf;
        res.xt.resize(n);
        sign_into(P.w.data(), P.w.data(), P.c, res.xt.data(), n);
        res.objective = P.w.dot(res.xt);
        return false;
    }
    ws.nu = lp.dual;
    res.lp_bound = lagrangian_bound(P.w, P.At, P.lambda, P.lo, P.hi, ws.nu);
    if (lp.status == lp_result::optimal)
        res.lp_bound = std::min(res.lp_bound, std::max(lp.value, P.w.dot(lp.z)));
    if (o.lp_starts > 0)
        uniform_tightened_starts(P, basis, o.lp_starts, ws);
    tightened_rounding(P, lp, basis, o.tighten_rounds, ws, ws.add_start());
    if (o.keep)
        std::swap(basis, *o.keep);
    return true;
}

/*
 * The flip search from every start, then the core search. The Lagrangian start
 * sign(w + At^T nu) is used without a warm start only. After an LP it is a fallback,
 * tried when no other start repairs to feasibility: it lies far from feasibility,
 * and its repair cost 30% of the real-time design at N_T = 64 for no measured gain
 * at N_T = 32 (tight N_T = 16 instances still need it). With a warm start (a
 * feasible iterate) a third start cost 25% for no gain.
 */
void search_starts(const qos_problem& P,
                   const std::vector<rvec>& warm,
                   const qos_heuristic_opts& o,
                   qos_work& ws,
                   ilp_result& res)
{
    const int n = int(P.w.size());
    if (warm.empty() && !o.use_lp)
        ws.add_sign_start(P, ws.lagrangian_wg(P));
    for (const auto& v : warm)
        if (v.size() == n)
            ws.add_sign_start(P, v);
    flip_search S(P.w, P.At, P.lambda, P.c, P.tol);
    incumbent inc{ res };
    for (size_t i = 0; i < ws.count; ++i) {
        S.set(ws.starts[i]);
        inc.offer(S);
    }
    if (!res.feasible && warm.empty() && o.use_lp) {
        S.set(ws.add_sign_start(P, ws.lagrangian_wg(P)));
        inc.offer(S);
    }
    if (o.core_nodes > 0 && n > 0)
        core_search(P, ws.lagrangian_wg(P), o.core_size, o.core_nodes, S, inc);
    if (!inc.holds()) {
        res.xt = ws.starts.front();
        res.objective = P.w.dot(res.xt);
    }
}

} // namespace

void ilp_qos_heuristic_into(ilp_result& res,
                            const rvec& w,
                            const rmat& At,
                            const rvec& lambda,
                            double c,
                            const std::vector<rvec>& warm,
                            const qos_heuristic_opts& o)
{
    const int n = int(w.size());
    const int m = int(At.rows());
    scratch<qos_work> lease;
    qos_work& ws = *lease;
    ws.lo.setConstant(n, -c);
    ws.hi.setConstant(n, c);
    ws.count = 0;
    ws.have_wg = false;
    const qos_problem P{
        w, At, lambda, c, o.tol > 0 ? o.tol : feas_tol(lambda, c, At), ws.lo, ws.hi
    };
    res = ilp_result_reset(std::move(res));
    res.nodes = 1;
    res.lp_feasible = true;
    if (o.nu_in && o.nu_in->size() == m)
        ws.nu = *o.nu_in;
    else
        ws.nu.setZero(m);
    if (o.use_lp) {
        if (!lp_relaxation(P, o, ws, res))
            return;
    } else {
        // any nu >= 0 gives a certified (Lagrangian) bound without an LP
        res.lp_bound = lagrangian_bound(w, At, lambda, P.lo, P.hi, ws.nu);
    }
    if (o.nu_out)
        *o.nu_out = ws.nu;
    search_starts(P, warm, o, ws, res);
}

ilp_result ilp_qos_heuristic(const rvec& w,
                             const rmat& At,
                             const rvec& lambda,
                             double c,
                             const std::vector<rvec>& warm,
                             const qos_heuristic_opts& o)
{
    ilp_result res;
    ilp_qos_heuristic_into(res, w, At, lambda, c, warm, o);
    return res;
}

// ---------------------------------------------------------------- max-min

namespace {
/*
 * The max-min margin problem as a sequence of QoS feasibility problems: the margin
 * rows At x >= off + t (and the radar row w^T x >= rhs) with t raised while the flip
 * search repairs the point, halving the raise when it cannot (bisection between the
 * margin reached and the LP bound). The flip search's objective is the radar row,
 * else the sum of the margins, so its local search leaves slack for the next raise.
 */
class maxmin_raise
{
public:
    //! From the LP form of the same problem (maxmin_lp_form): its rows without the t
    //! column, and its bound on t. The flip search breaks ties towards tie.
    maxmin_raise(const maxmin_lp& L,
                 const rvec& off,
                 double c,
                 bool radar,
                 const rvec& tie,
                 double t_bound)
        : m_(int(off.size())),
          off_(off),
          radar_(radar),
          t_bound_(t_bound),
          // a margin row can never fall below -span (L's bound on t): the radar-only
          // threshold
          span_(L.hi[L.hi.size() - 1]),
          B_(L.A.leftCols(L.A.cols() - 1)),
          b_(L.b),
          tie_(tie),
          S_(tie_, B_, b_, c, 0.0)
    {
        S_.set_tolerance(feas_tol(b_, c, B_));
    }

    //! Raises the margin from x0 (up to `enough`); false when the radar row cannot be
    //! met from it.
    bool run(const rvec& x0, rvec& x, double& t, double enough)
    {
        x = x0;
        if (radar_) {
            set_margin(-span_);
            S_.set(x);
            if (!S_.repair())
                return false;
            x = S_.x();
        }
        t = margin(x);
        double step = std::isfinite(t_bound_) ? 0.5 * (t_bound_ - t) : 0.5 * span_;
        // the bisection stops at 1% of its first step: the rounds below it were a
        // fifth of the search's time for 0.02% of the LP bound in the margin reached
        // (N_T = 16 family snapshots; no feasible design changed)
        const double eps = std::max(1e-6 * (span_ + std::abs(t)), 0.01 * step);
        for (int round = 0; round < max_rounds && step > eps && t < enough; ++round) {
            set_margin(std::min(t + step, std::max(enough, t)));
            S_.set(x);
            if (S_.repair()) {
                x = S_.x();
                t = margin(x);
            } else {
                step *= 0.5;
            }
        }
        // spread the slack at the margin reached (keeps it: every row stays)
        set_margin(t);
        S_.set(x);
        S_.local_search();
        x = S_.x();
        t = margin(x);
        return true;
    }

private:
    static constexpr int max_rounds = 12;
    int m_;
    const rvec& off_;
    bool radar_;
    double t_bound_, span_;
    rmat B_;
    rvec b_;
    const rvec& tie_;
    flip_search S_;

    void set_margin(double t) { b_.head(m_) = off_.array() + t; }
    double margin(const rvec& x) const { return (B_.topRows(m_) * x - off_).minCoeff(); }
};
} // namespace

ilp_result ilp_maxmin_heuristic(const rmat& At,
                                const rvec& offset,
                                double c,
                                bool radar,
                                const rvec& w,
                                double rhs,
                                const std::vector<rvec>& warm,
                                double enough)
{
    return ilp_maxmin_heuristic_keep(At, offset, c, radar, w, rhs, warm, enough, nullptr);
}

ilp_result ilp_maxmin_heuristic_keep(const rmat& At,
                                     const rvec& offset,
                                     double c,
                                     bool radar,
                                     const rvec& w,
                                     double rhs,
                                     const std::vector<rvec>& warm,
                                     double enough,
                                     lp_basis* keep)
{
    const int n = int(At.cols());
    ilp_result res;
    res.nodes = 1;
    scratch<maxmin_lp> lease;
    maxmin_lp& L = *lease;
    const rvec &cobj = L.cobj, &b = L.b, &lo = L.lo, &hi = L.hi;
    const rmat& A = L.A;
    maxmin_lp_form(At, offset, c, radar, w, rhs, L.cobj, L.A, L.b, L.lo, L.hi);
    lp_basis& start = keep ? *keep : L.start;
    maxmin_crash(A, b, lo, hi, start);
    const lp_result lp = lp_solve(cobj, A, b, lo, hi, 0, &start);
    if (!keep)
        lp_basis_forget(start); // its work arrays back to their store
    std::vector<rvec> starts;
    const rvec tie = radar ? w : rvec(At.colwise().sum().transpose());
    if (lp.status == lp_result::infeasible) {
        res.lp_feasible = false; // only possible through the radar row
        res.lp_bound = -inf;
    } else {
        res.lp_feasible = true;
        res.lp_bound = lagrangian_bound(cobj, A, b, lo, hi, lp.dual);
        if (lp.status == lp_result::optimal)
            res.lp_bound = std::min(res.lp_bound, lp.value);
        starts.push_back(sign_vec(lp.z.head(n), tie, c));
        const rvec g = A.transpose() * lp.dual;
        starts.push_back(sign_vec(g.head(n), tie, c));
    }
    for (const auto& v : warm)
        if (v.size() == n)
            starts.push_back(sign_vec(v, tie, c));
    if (radar)
        starts.push_back(sign_vec(w, w, c));
    starts.push_back(sign_vec(tie, tie, c));

    maxmin_raise R(L, offset, c, radar, tie, res.lp_bound);
    double best = -inf;
    rvec x;
    double t;
    for (const auto& x0 : starts) {
        if (!R.run(x0, x, t, enough) || !(t > best))
            continue;
        best = t;
        res.feasible = true;
        res.xt = x;
        res.objective = t;
        if (best >= enough)
            break;
    }
    if (!res.feasible) {
        res.xt = starts.front();
        res.objective = (At * res.xt - offset).minCoeff();
    }
    return res;
}

} // namespace core
} // namespace isac
} // namespace gr
