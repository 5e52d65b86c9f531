/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * LP branch and bound (ci_bnb.h) and the exact ILPs of the CI precoder
 * (ci_ilp.h): QoS, max-min margin, and the feasibility search.
 */
#include "ci_bnb.h"
#include "ci_branchfree.h"
#include "ci_flip_search.h"
#include "ci_ilp_into.h"
#include "ci_lp_cutoff.h"
#include "ci_scratch.h"
#include <gnuradio/isac/core/ci_ilp.h>
#include <gnuradio/isac/core/worker_pool.h>
#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

namespace gr {
namespace isac {
namespace core {

struct bnb::node {
    rvec lo, hi;
    lp_basis warm; // the parent's optimal basis (valid false at the root)
};

/*
 * The nodes, the current node's basis and LP result of a search come from a
 * per-thread pool and go back to it: a search allocates nothing once the pool's
 * nodes and arrays have grown (the box copies, a basis per branching and the LP
 * results were ~10 allocations per node). A search takes what it uses out of the
 * pool, so a search started inside another on the same thread only allocates.
 */
struct bnb::pool {
    std::vector<std::unique_ptr<node>> free, stack;
    lp_result lp;

    static pool& of_thread()
    {
        thread_local pool p;
        return p;
    }
    std::unique_ptr<node> take()
    {
        if (free.empty())
            return std::make_unique<node>();
        auto nd = std::move(free.back());
        free.pop_back();
        return nd;
    }
    // a node's arrays keep their capacity; its basis lets the LP's work arrays and
    // A's cache go (work_store reuses arrays no basis holds)
    void give_back(std::unique_ptr<node> nd)
    {
        lp_basis_forget(nd->warm);
        free.push_back(std::move(nd));
    }
};

// enumerate()'s arrays (a per-thread scratch: an N_T = 16 feasibility proof
// enumerates at many nodes)
struct bnb::enum_work {
    rvec soft, hard, best_rows, x, r;
    rmat L, Q;
    std::vector<int> F;
    std::vector<double> score;
    std::vector<char> first_up, tried, up;
};

namespace {
thread_local bnb_vector_budget* tl_budget = nullptr;
} // namespace

bnb_vector_budget::bnb_vector_budget(long max_nodes, double max_seconds)
    : d_outer(tl_budget), d_nested(tl_budget != nullptr), d_nodes_left(max_nodes)
{
    const auto now = std::chrono::steady_clock::now();
    d_deadline = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(std::min(max_seconds, 1e6)));
    if (!d_nested)
        tl_budget = this;
}

bnb_vector_budget::~bnb_vector_budget()
{
    if (!d_nested)
        tl_budget = d_outer;
}

bool bnb_vector_budget::exhausted() const
{
    return d_nested ? d_outer->exhausted() : d_exhausted;
}

bool bnb_vector_budget::take_node()
{
    bnb_vector_budget* b = tl_budget;
    if (!b)
        return true;
    if (!b->d_exhausted &&
        (--b->d_nodes_left < 0 || std::chrono::steady_clock::now() >= b->d_deadline))
        b->d_exhausted = true;
    return !b->d_exhausted;
}

bool bnb::out_of_budget(double seconds) const
{
    return nodes >= max_nodes || seconds > max_seconds || cancel_requested() ||
           !bnb_vector_budget::take_node();
}

// true when the node cannot hold a better (or a target-reaching) integral point;
// bound: its certified LP bound
bool bnb::prune(const lp_result& lp, const node& nd, double& bound, double& lagrangian)
{
    if (lp.status == lp_result::infeasible)
        return true;
    bound = lagrangian = node_lagrangian(lp, nd);
    if (lp.status == lp_result::optimal)
        bound = std::min(bound, lp.value);
    if (bound <= improving() || bound < target)
        return true;
    if (lp.status != lp_result::optimal) {
        complete = false; // cannot trust this node: give up proving
        return true;
    }
    return false;
}

// lagrangian_bound at the node's multipliers, keeping their reduced costs
// g = c + A^T nu in g_ for fix_by_reduced_costs (one product per node, no allocation)
double bnb::node_lagrangian(const lp_result& lp, const node& nd)
{
    g_.noalias() = A.transpose() * lp.dual;
    g_ += cobj;
    double v = -lp.dual.dot(b);
    for (Eigen::Index j = 0; j < g_.size(); ++j)
        v += g_[j] > 0 ? g_[j] * nd.hi[j] : g_[j] * nd.lo[j];
    return v;
}

/*
 * Reduced-cost fixing: with the node's multipliers nu, every z in the box obeys
 * c^T z <= L(nu) - |g_j| (hi_j - lo_j) when z_j sits at the bound opposite to the
 * sign of g_j = (c + A^T nu)_j, for A z >= b. A binary whose flip would take that
 * bound below what the search still needs is fixed in the node's subtree.
 */
void bnb::fix_by_reduced_costs(node& nd, double lagrangian) const
{
    const double need = std::max(best, target);
    if (!std::isfinite(need))
        return;
    const rvec& g = g_; // the node's, from prune
    for (int j = 0; j < nbin; ++j) {
        const double span = nd.hi[j] - nd.lo[j];
        if (span > 0 && lagrangian - std::abs(g[j]) * span < need) {
            if (g[j] > 0)
                nd.lo[j] = nd.hi[j];
            else if (g[j] < 0)
                nd.hi[j] = nd.lo[j];
        }
    }
}

// The fractional binary to branch on, or -1 when the LP point is integral: the most
// fractional one, or (branch_by_impact) the one of largest dual-weighted column
// |A_j|^T nu span_j, whose fixing moves the bound most (about half the nodes of a
// feasibility proof at N_T = 16).
int bnb::branch_column(const lp_result& lp, const node& nd) const
{
    int jb = -1;
    double frac = 0, best = 0;
    for (int j = 0; j < nbin; ++j) {
        if (nd.lo[j] == nd.hi[j])
            continue;
        const double span = nd.hi[j] - nd.lo[j];
        const double f = std::min(lp.z[j] - nd.lo[j], nd.hi[j] - lp.z[j]) / span;
        const double score =
            branch_by_impact && f > 1e-9
                ? (lp.dual.transpose() * A.col(j).cwiseAbs()).value() * span
                : f;
        frac = std::max(frac, f);
        if (f > 1e-9 && score > best + 1e-12) {
            best = score;
            jb = j;
        }
    }
    return frac < 1e-9 ? -1 : jb;
}

// snap the binaries of an integral LP point and keep it if better
void bnb::record_integral(const lp_result& lp, const node& nd)
{
    rvec z = lp.z;
    for (int j = 0; j < nbin; ++j)
        z[j] = (z[j] - nd.lo[j] < nd.hi[j] - z[j]) ? nd.lo[j] : nd.hi[j];
    const double v = cobj.dot(z);
    if (v > best) {
        best = v;
        best_z = z;
    }
}

bool bnb::maxmin_form() const
{
    const Eigen::Index n = A.cols();
    if (n != nbin + 1 || cobj.size() != n)
        return false;
    for (Eigen::Index j = 0; j < n; ++j)
        if (cobj[j] != (j == nbin ? 1.0 : 0.0))
            return false;
    for (Eigen::Index i = 0; i < A.rows(); ++i)
        if (A(i, nbin) != -1.0 && A(i, nbin) != 0.0)
            return false;
    return true;
}

/*
 * A node with few free binaries, decided by enumeration (max-min form: maximise t
 * s.t. A_x x - t >= b, and rows without t >= b): depth first over its free binaries,
 * largest dual-weighted impact first, each on the side its LP value leans to first.
 * A partial assignment is pruned when a row, with every remaining binary on its
 * better side, cannot reach what the search still needs. These row bounds are
 * weaker than a node LP (which combines the rows), but a visit costs O(rows) instead
 * of a dual simplex: most LP nodes of a feasibility proof are in such subtrees.
 * Prunes only by a clear margin (eps, far below the feasibility tolerance), so a
 * proof stays a proof; a point's value is recomputed from its entries.
 */
void bnb::enumerate(const lp_result& lp, const node& nd)
{
    scratch<enum_work> lease;
    enum_work& w = *lease;
    const bool any_hard = enum_row_masks(w);
    const double eps = enum_order(lp, nd, w);
    enum_row_tables(lp, nd, w);
    enum_visit(nd, w, any_hard, eps);
}

// Masks of +inf and 0 over the rows with t (soft) and without (hard): a visit takes
// both minima with one add per row instead of a branch on the row's kind. True when
// there is a hard row (the feasibility search has none: its visits skip them).
bool bnb::enum_row_masks(enum_work& w) const
{
    const int m = int(A.rows());
    rvec &soft = w.soft, &hard = w.hard;
    soft.resize(m);
    hard.resize(m);
    bool any_hard = false;
    for (int i = 0; i < m; ++i) {
        const bool h = A(i, nbin) == 0.0;
        any_hard |= h;
        soft[i] = h ? inf : 0.0;
        hard[i] = h ? 0.0 : inf;
    }
    return any_hard;
}

// The free binaries in w.F, largest dual-weighted impact first: the binaries that
// move the bound most are decided near the top, where a prune cuts the largest
// subtrees. Returns the pruning margin eps, relative to the largest row value any
// point can reach, so rounding in the row sums never prunes a point that qualifies.
double bnb::enum_order(const lp_result& lp, const node& nd, enum_work& w)
{
    if (col_absmax_.size() != nbin)
        col_absmax_ = A.leftCols(nbin).cwiseAbs().colwise().maxCoeff().transpose();
    std::vector<int>& F = w.F;
    F.clear();
    double scale = b.cwiseAbs().maxCoeff();
    for (int j = 0; j < nbin; ++j) {
        scale += col_absmax_[j] * std::max(-nd.lo[j], nd.hi[j]);
        if (nd.lo[j] != nd.hi[j])
            F.push_back(j);
    }
    std::vector<double>& score = w.score;
    score.assign(nbin, 0.0);
    for (int j : F) {
        const double span = nd.hi[j] - nd.lo[j];
        score[j] =
            span * (lp.dual.dot(A.col(j).cwiseAbs()) + 1e-9 * A.col(j).cwiseAbs().sum());
    }
    // largest score first, ties in column order: a stable insertion sort of <=
    // enumerate_free entries (std::stable_sort allocates a buffer)
    for (size_t i = 1; i < F.size(); ++i) {
        const int f = F[i];
        size_t at = i;
        for (; at > 0 && score[F[at - 1]] < score[f]; --at)
            F[at] = F[at - 1];
        F[at] = f;
    }
    return 1e-12 * (1.0 + scale);
}

/*
 * Q.col(l): each row's best value after the first l choices, with every later
 * binary on the side that raises it (the same later terms on every path). A choice
 * lowers it by what its side gives up against the better one: L.col(2l) when the
 * l-th binary goes to lo, L.col(2l + 1) when it goes to hi. So a visit is one
 * subtraction and one minimum per row. Hard rows (no t) need Q >= 0.
 */
void bnb::enum_row_tables(const lp_result& lp, const node& nd, enum_work& w) const
{
    const int m = int(A.rows()), k = int(w.F.size());
    // the rows with every free binary at its lower value (one product), then each
    // free binary's gain on its better side
    rvec& best_rows = w.best_rows; // A x_lo - b, summed as Eigen's product - b
    best_rows.noalias() = A.leftCols(nbin) * nd.lo.head(nbin);
    best_rows -= b;
    // sized for every k <= nbin (a resize per k would reallocate): columns past
    // 2k and k + 1 are not read
    rmat &L = w.L, &Q = w.Q;
    if (L.rows() != m || L.cols() != 2 * nbin) {
        L.resize(m, 2 * nbin);
        Q.resize(m, nbin + 1);
    }
    std::vector<char>& first_up = w.first_up;
    first_up.resize(k);
    for (int l = 0; l < k; ++l) {
        const int j = w.F[l];
        const double span = nd.hi[j] - nd.lo[j];
        L.col(2 * l) = (A.col(j) * span).cwiseMax(0.0);
        L.col(2 * l + 1) = (A.col(j) * -span).cwiseMax(0.0);
        best_rows += L.col(2 * l);
        first_up[l] = lp.z[j] - nd.lo[j] > nd.hi[j] - lp.z[j];
    }
    Q.col(0) = best_rows;
}

// A complete assignment (w.up): its value from its entries, as the caller checks a
// point; true when it became the incumbent.
bool bnb::enum_point(const node& nd, enum_work& w, bool any_hard, double eps)
{
    rvec& x = w.x;
    for (int j = 0; j < nbin; ++j)
        x[j] = nd.lo[j];
    for (size_t t = 0; t < w.F.size(); ++t)
        if (w.up[t])
            x[w.F[t]] = nd.hi[w.F[t]];
    rvec& r = w.r; // A x - b, as Eigen's product - b
    r.noalias() = A.leftCols(nbin) * x;
    r -= b;
    const double v = std::min((r + w.soft).minCoeff(), nd.hi[nbin]);
    const bool ok = !any_hard || (r + w.hard).minCoeff() >= -eps;
    if (!(ok && v >= nd.lo[nbin] && v > best))
        return false;
    best = v;
    best_z.resize(nbin + 1);
    best_z.head(nbin) = x;
    best_z[nbin] = v;
    return true;
}

namespace {
// Q1 = Q0 - loss over m rows, returning min(cap, min_i Q1_i): promising()'s test
// fused with the update, two rows per SSE2 step (a minimum is exact in any order).
inline double
descend_rows(const double* q0, const double* loss, double* q1, int m, double cap)
{
    __m128d lo2 = _mm_set1_pd(cap);
    int i = 0;
    for (; i + 2 <= m; i += 2) {
        const __m128d v = _mm_sub_pd(_mm_loadu_pd(q0 + i), _mm_loadu_pd(loss + i));
        _mm_storeu_pd(q1 + i, v);
        lo2 = _mm_min_pd(lo2, v);
    }
    double bound = std::min(_mm_cvtsd_f64(lo2), _mm_cvtsd_f64(_mm_unpackhi_pd(lo2, lo2)));
    if (i < m) {
        q1[i] = q0[i] - loss[i];
        bound = std::min(bound, q1[i]);
    }
    return bound;
}
} // namespace

// The depth-first visits: tried[l] counts the sides taken at depth l, up[l] is the
// current one; a depth is entered only while its rows can still reach `need`.
void bnb::enum_visit(const node& nd, enum_work& w, bool any_hard, double eps)
{
    const int m = int(A.rows()), k = int(w.F.size());
    const rvec &soft = w.soft, &hard = w.hard;
    const rmat& L = w.L;
    rmat& Q = w.Q;
    const double thi = nd.hi[nbin];
    auto need_of = [&]() { return best > -inf ? std::max(improving(), target) : target; };
    double need = need_of();
    auto promising = [&](int l) {
        const double* q = Q.col(l).data();
        double bound = thi, hmin = inf;
        for (int i = 0; i < m; ++i) {
            bound = std::min(bound, q[i] + soft[i]);
            hmin = std::min(hmin, q[i] + hard[i]);
        }
        return !(hmin < -eps) && !(bound < need - eps);
    };
    if (!promising(0))
        return;
    w.x.resize(nbin);
    std::vector<char>&tried = w.tried, &up = w.up;
    tried.assign(k + 1, 0);
    up.assign(k, 0);
    int l = 0;
    while (l >= 0) {
        if (l == k) {
            if (enum_point(nd, w, any_hard, eps)) {
                if (stop_at_target && best >= target)
                    return;
                need = need_of();
            }
            --l;
            continue;
        }
        if (tried[l] == 2) {
            tried[l] = 0;
            --l;
            continue;
        }
        up[l] = (tried[l] == 0) == bool(w.first_up[l]);
        ++tried[l];
        ++enum_visits;
        const double* q0 = Q.col(l).data();
        const double* loss = L.col(2 * l + up[l]).data();
        double* q1 = Q.col(l + 1).data();
        if (any_hard) {
            for (int i = 0; i < m; ++i)
                q1[i] = q0[i] - loss[i];
            if (promising(l + 1))
                ++l;
            continue;
        }
        // every row has t (the feasibility search)
        if (!(descend_rows(q0, loss, q1, m, thi) < need - eps))
            ++l;
    }
}

/*
 * What a search takes from its thread's pool (the open nodes, the current node and
 * its LP result), given back however the search ends.
 */
struct bnb::borrowed {
    pool& P;
    std::vector<std::unique_ptr<node>> stack = std::move(P.stack);
    lp_result lp = std::move(P.lp);
    std::unique_ptr<node> nd = P.take(); // the node being solved

    ~borrowed()
    {
        for (auto& open : stack)
            P.give_back(std::move(open));
        stack.clear();
        P.stack = std::move(stack);
        P.lp = std::move(lp);
        P.give_back(std::move(nd));
    }
    void push_root(const rvec& lo, const rvec& hi)
    {
        auto root = P.take();
        root->lo = lo;
        root->hi = hi;
        stack.push_back(std::move(root));
    }
    // the popped node becomes the current one; its basis is the node LP's warm
    // start (the root's is not valid: a cold start)
    node& pop()
    {
        std::swap(nd, stack.back());
        P.give_back(std::move(stack.back()));
        stack.pop_back();
        return *nd;
    }
};

// The node's LP; true when it stopped at the cutoff. Below the root (whose bound is
// reported), a node LP stops once its bound is certified under what the search
// needs (prune()'s test): a node the optimum would prune is pruned after fewer
// pivots (1.8 instead of 5.6 at N_T = 16), one it would not runs the same pivots to
// the optimum.
bool bnb::solve_node(lp_result& lp, node& nd) const
{
    if (nodes == 1) {
        lp_solve_into(lp, cobj, A, b, nd.lo, nd.hi, &nd.warm, true);
        return false;
    }
    bool cut = false;
    lp_solve_cutoff(lp, cobj, A, b, nd.lo, nd.hi, &nd.warm, target, improving(), cut);
    return cut;
}

// Decides a node with few free binaries by enumeration; its visits count in the
// node budget as the LP nodes their time would buy (~60 visits per node LP at
// N_T = 16).
void bnb::enumerate_node(const lp_result& lp, const node& nd)
{
    const long v0 = enum_visits;
    enumerate(lp, nd);
    nodes += (enum_visits - v0) / visits_per_node;
}

int bnb::free_binaries(const node& nd) const
{
    int nfree = 0;
    for (int j = 0; j < nbin; ++j)
        nfree += nd.lo[j] != nd.hi[j];
    return nfree;
}

// Two children fixing column jb, the side the LP leans to explored first (pushed
// last); both resume from this node's optimal basis.
void bnb::branch(borrowed& T, const lp_result& lp, const node& nd, int jb)
{
    const bool lean_up = lp.z[jb] - nd.lo[jb] > nd.hi[jb] - lp.z[jb];
    auto up = T.P.take(), dn = T.P.take();
    for (node* child : { up.get(), dn.get() }) {
        child->lo = nd.lo;
        child->hi = nd.hi;
        child->warm = nd.warm;
    }
    up->lo[jb] = up->hi[jb];
    dn->hi[jb] = dn->lo[jb];
    T.stack.push_back(std::move(lean_up ? dn : up));
    T.stack.push_back(std::move(lean_up ? up : dn));
}

void bnb::run(const rvec& lo, const rvec& hi)
{
    borrowed T{ pool::of_thread() };
    const auto t0 = std::chrono::steady_clock::now();
    const bool enumerate_nodes = enumerate_free > 0 && maxmin_form();
    T.push_root(lo, hi);
    if (root_start && root_start->valid)
        T.stack.back()->warm = *root_start;
    else if (maxmin_form())
        maxmin_crash(A, b, lo, hi, T.stack.back()->warm);
    while (!T.stack.empty()) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (out_of_budget(seconds)) {
            complete = false;
            return;
        }
        node& nd = T.pop();
        ++nodes;
        lp_result& lp = T.lp;
        if (solve_node(lp, nd))
            continue;
        double bound = -inf, lagrangian = -inf;
        const bool pruned = prune(lp, nd, bound, lagrangian);
        if (nodes == 1) {
            root_feasible = lp.status != lp_result::infeasible;
            root_bound = bound; // -inf when infeasible
        }
        if (pruned)
            continue;
        const int jb = branch_column(lp, nd);
        if (jb < 0) {
            record_integral(lp, nd);
        } else {
            if (reduced_cost_fixing)
                fix_by_reduced_costs(nd, lagrangian);
            if (!enumerate_nodes || free_binaries(nd) > enumerate_free) {
                branch(T, lp, nd, jb);
                continue;
            }
            enumerate_node(lp, nd);
        }
        if (stop_at_target && best >= target) {
            complete = T.stack.empty();
            return;
        }
    }
}

// ---------------------------------------------------------------- exact ILPs

namespace {
// The result of an exact ILP whose search B was started from the heuristic's h: B's
// incumbent (its first n entries) and root bound, else h's.
template <class Objective>
ilp_result exact_result(const bnb& B, const ilp_result& h, int n, Objective objective)
{
    ilp_result res;
    // no node solved (a spent vector budget, a stop): the heuristic's LP says it
    res.lp_feasible = B.nodes ? B.root_feasible : h.lp_feasible;
    res.lp_bound = B.nodes ? B.root_bound : h.lp_bound;
    res.nodes = B.nodes;
    res.optimal = B.complete;
    res.feasible = B.best_z.size() > 0;
    res.xt = res.feasible ? rvec(B.best_z.head(n)) : h.xt;
    res.objective = res.feasible ? objective(res.xt) : h.objective;
    return res;
}
} // namespace

ilp_result ilp_qos_exact(const rvec& w,
                         const rmat& At,
                         const rvec& lambda,
                         double c,
                         long max_nodes,
                         double max_seconds,
                         const std::vector<rvec>& warm)
{
    const int n = int(w.size());
    ilp_result h = ilp_qos_heuristic(w, At, lambda, c, warm);
    if (!h.lp_feasible) {
        h.optimal = true; // LP infeasible proves ILP infeasible
        return h;
    }
    bnb B{ w, At, lambda, n, max_nodes, max_seconds };
    if (h.feasible) {
        B.best = h.objective;
        B.best_z = h.xt;
    }
    B.run(rvec::Constant(n, -c), rvec::Constant(n, c));
    return exact_result(B, h, n, [&](const rvec& x) { return w.dot(x); });
}

void maxmin_lp_form(const rmat& At,
                    const rvec& off,
                    double c,
                    bool radar,
                    const rvec& w,
                    double rhs,
                    rvec& cobj,
                    rmat& A,
                    rvec& b,
                    rvec& lo,
                    rvec& hi)
{
    // z = [xt; t], max t, rows At xt - t >= off [, w^T xt >= rhs]
    const int n = int(At.cols()), m = int(At.rows());
    const int rows = m + (radar ? 1 : 0);
    cobj = rvec::Zero(n + 1);
    cobj[n] = 1.0;
    A = rmat::Zero(rows, n + 1);
    A.topLeftCorner(m, n) = At;
    A.col(n).head(m).setConstant(-1.0);
    b = rvec::Zero(rows);
    b.head(m) = off;
    if (radar) {
        A.row(m).head(n) = w.transpose();
        b[m] = rhs;
    }
    lo = rvec::Constant(n + 1, -c);
    hi = rvec::Constant(n + 1, c);
    // t is bounded by the largest achievable row value
    const double T =
        c * At.cwiseAbs().rowwise().sum().maxCoeff() + off.cwiseAbs().maxCoeff() + 1.0;
    lo[n] = -T;
    hi[n] = T;
}

void maxmin_crash(
    const rmat& A, const rvec& b, const rvec& lo, const rvec& hi, lp_basis& out)
{
    const int m = int(A.rows()), n = int(A.cols()) - 1, N = n + 1 + m;
    lp_basis_forget(out); // a new A: out's work arrays and A's cache go
    int r = -1;
    double bound = inf;
    for (int i = 0; i < m; ++i) {
        if (A(i, n) != -1.0) // the radar row
            continue;
        double s = -b[i];
        for (int j = 0; j < n; ++j)
            s += std::abs(A(i, j)) * std::max(std::abs(lo[j]), std::abs(hi[j]));
        if (s < bound) {
            bound = s;
            r = i;
        }
    }
    if (r < 0)
        return; // out not valid: a cold start
    // status: -1 basic, 0 at lower, 1 at upper (re-pricing confirms or moves them)
    out.st.assign(N, 0);
    for (int j = 0; j < n; ++j)
        out.st[j] = A(r, j) > 0 ? 1 : 0;
    out.st[n] = -1;
    out.basis.resize(m);
    // B is -I with column r replaced by A's t column a (a_r = -1); its inverse is -I
    // with column r equal to -a (and -1 at r)
    out.Binv.setZero(m, m);
    for (int i = 0; i < m; ++i) {
        out.basis[i] = i == r ? n : n + 1 + i;
        out.st[n + 1 + i] = i == r ? 0 : -1;
        out.Binv(i, i) = -1.0;
        if (i != r)
            out.Binv(i, r) = -A(i, n);
    }
    out.d.clear();
    out.c.resize(0); // no objective: the solve re-prices
    out.valid = true;
    out.gen = -1;
}

ilp_result ilp_qos_feasibility(const rmat& At,
                               const rvec& lambda,
                               double c,
                               long max_nodes,
                               const std::vector<rvec>& warm,
                               const ilp_result* heuristic)
{
    // the max-min margin over the alphabet is >= 0 exactly when a point is feasible:
    // a heuristic first (stops at margin 0), then a branch and bound that prunes
    // every node whose bound is below 0 and stops at the first point reaching it
    lp_basis root;
    if (heuristic)
        return ilp_qos_feasibility_from(At, lambda, c, max_nodes, *heuristic, root);
    const ilp_result h =
        ilp_maxmin_heuristic_keep(At, lambda, c, false, rvec(), 0.0, warm, 0.0, &root);
    return ilp_qos_feasibility_from(At, lambda, c, max_nodes, h, root);
}

ilp_result ilp_qos_feasibility_from(const rmat& At,
                                    const rvec& lambda,
                                    double c,
                                    long max_nodes,
                                    const ilp_result& h,
                                    const lp_basis& root)
{
    const int n = int(At.cols());
    ilp_result res;
    const rvec none;
    res.lp_feasible = h.lp_feasible;
    res.lp_bound = h.lp_bound;
    res.xt = h.xt;
    res.objective = h.objective;
    res.nodes = 1;
    const double tol = feas_tol(lambda, c, At);
    if (h.feasible && h.objective >= -tol) {
        res.feasible = true;
        return res;
    }
    if (!(h.lp_bound >= -tol)) {
        res.optimal = true; // the LP (Lagrangian) bound proves infeasibility
        return res;
    }
    scratch<maxmin_lp> lease;
    maxmin_lp& L = *lease;
    maxmin_lp_form(At, lambda, c, false, none, 0.0, L.cobj, L.A, L.b, L.lo, L.hi);
    bnb B{ L.cobj, L.A, L.b, n, max_nodes, 1e9 };
    B.target = -tol;
    B.stop_at_target = true;
    B.reduced_cost_fixing = true;
    B.branch_by_impact = true;
    // subtrees of <= 14 free binaries by enumeration: a proof at N_T = 16 in 2/3 of
    // the time (12: 3/4, 16: 3/4), and every snapshot of the N_T = 16 family (20 draws
    // x 64) decided within the node budget; a few of the block's longer N_T = 16 bench
    // stream are not (6 of 29 008; bench/ci_subset_proof,
    // docs/ci_precoder_measurements.md)
    B.enumerate_free = 14;
    B.root_start = &root;
    B.run(L.lo, L.hi);
    res.nodes += B.nodes;
    if (B.best_z.size() && B.best >= -tol) {
        res.feasible = true;
        res.xt = B.best_z.head(n);
        res.objective = (At * res.xt - lambda).minCoeff();
        res.feasible = res.objective >= -tol;
    }
    // a point the search accepted and the check above rejected (rounding at the
    // tolerance) is no proof
    res.optimal = !res.feasible && B.complete && B.best_z.size() == 0;
    return res;
}

ilp_result ilp_maxmin_exact(const rmat& At,
                            const rvec& offset,
                            double c,
                            bool radar,
                            const rvec& w,
                            double rhs,
                            long max_nodes,
                            double max_seconds,
                            const std::vector<rvec>& warm)
{
    const int n = int(At.cols());
    lp_basis root;
    ilp_result h =
        ilp_maxmin_heuristic_keep(At, offset, c, radar, w, rhs, warm, inf, &root);
    if (!h.lp_feasible) {
        h.optimal = true;
        return h;
    }
    rvec cobj, b, lo, hi;
    rmat A;
    maxmin_lp_form(At, offset, c, radar, w, rhs, cobj, A, b, lo, hi);
    bnb B{ cobj, A, b, n, max_nodes, max_seconds };
    if (h.feasible) {
        B.best = h.objective;
        B.best_z.resize(n + 1);
        B.best_z.head(n) = h.xt;
        B.best_z[n] = h.objective;
    }
    B.root_start = &root;
    B.run(lo, hi);
    return exact_result(
        B, h, n, [&](const rvec& x) { return (At * x - offset).minCoeff(); });
}

} // namespace core
} // namespace isac
} // namespace gr
