/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Small dense LP, branch and bound and the real-time ILP heuristic of the CI
 * precoder (spec 3.4, 3.6). The ILPs have 2N_T binary columns but only 2U
 * (+1) rows, so a dense dual simplex with an explicit m x m basis inverse
 * costs O(m (n + m)) per pivot and needs no LP library.
 */
#include <gnuradio/isac/core/ci_solver.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>

namespace gr {
namespace isac {
namespace core {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();

// keep ? v : +0.0 without a branch (compilers turn the ternary back into a jump,
// which mispredicts on random data); bit-exact for every v
inline double masked(bool keep, double v)
{
    uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    b &= -uint64_t(keep);
    std::memcpy(&v, &b, sizeof b);
    return v;
}

// c ? x : y without a branch (bit-exact, like masked())
inline double select(bool c, double x, double y)
{
    uint64_t bx, by;
    std::memcpy(&bx, &x, sizeof bx);
    std::memcpy(&by, &y, sizeof by);
    const uint64_t k = -uint64_t(c);
    bx = (bx & k) | (by & ~k);
    std::memcpy(&x, &bx, sizeof bx);
    return x;
}

// min over v[0..n) (no NaN in v)
inline double min_ratio(const double* v, int n)
{
#ifdef __SSE2__
    __m128d m0 = _mm_set1_pd(inf), m1 = m0;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
        m0 = _mm_min_pd(m0, _mm_loadu_pd(v + j));
        m1 = _mm_min_pd(m1, _mm_loadu_pd(v + j + 2));
    }
    m0 = _mm_min_pd(m0, m1);
    double mn = std::min(_mm_cvtsd_f64(m0), _mm_cvtsd_f64(_mm_unpackhi_pd(m0, m0)));
#else
    double mn = inf;
    int j = 0;
#endif
    for (; j < n; ++j)
        mn = std::min(mn, v[j]);
    return mn;
}

// first index j >= from with v[j] == x, or -1
inline int first_equal(const double* v, int n, double x, int from)
{
    int j = from;
#ifdef __SSE2__
    const __m128d xx = _mm_set1_pd(x);
    for (; j + 2 <= n; j += 2) {
        const int mask = _mm_movemask_pd(_mm_cmpeq_pd(_mm_loadu_pd(v + j), xx));
        if (mask)
            return j + ((mask & 1) ? 0 : 1);
    }
#endif
    for (; j < n; ++j)
        if (v[j] == x)
            return j;
    return -1;
}

struct bp {
    double ratio, a;
    int j;
    // no-op default constructor: cand.resize(N) at every pivot must not zero-fill
    bp() {}
    bp(double r_, double a_, int j_) : ratio(r_), a(a_), j(j_) {}
};

// Work arrays of lp_solve, kept in the lp_basis of a warm-started sequence (copies of
// a basis share them, which is safe because a sequence runs on one thread): the
// real-time precoder solves ~7 small LPs per vector, and their ~20 allocations each
// were a measurable share of it. (A thread_local cost __tls_get_addr calls instead.)
struct lp_work {
    std::vector<double> cost, l, u, val, d, ratio;
    std::vector<int> st, basis, flips;
    std::vector<bp> cand;
    rvec rho, col, delta_rhs, alpha, xB;
    rmat Binv;
};
} // namespace

lp_result lp_solve(const rvec& c,
                   const rmat& A,
                   const rvec& b,
                   const rvec& lo,
                   const rvec& hi,
                   int max_iter,
                   lp_basis* warm)
{
    const int n = int(c.size());
    const int m = int(A.rows());
    if (A.cols() != n || b.size() != m || lo.size() != n || hi.size() != n)
        throw param_error("lp_solve: inconsistent dimensions");
    for (int j = 0; j < n; ++j)
        if (!(std::isfinite(lo[j]) && std::isfinite(hi[j]) && lo[j] <= hi[j]))
            throw param_error("lp_solve: bounds must be finite with lo <= hi");
    if (max_iter <= 0)
        max_iter = 50 * (m + 1) + 2 * n;

    // Minimisation form: min -c^T z, rows A z - s = b, s >= 0 (slack columns n..n+m-1).
    const int N = n + m;
    std::shared_ptr<lp_work> local_work;
    lp_work* Wp;
    if (warm) {
        if (!warm->work)
            warm->work = std::make_shared<lp_work>();
        Wp = static_cast<lp_work*>(warm->work.get());
    } else {
        local_work = std::make_shared<lp_work>();
        Wp = local_work.get();
    }
    lp_work& W = *Wp;
    std::vector<double>&cost = W.cost, &l = W.l, &u = W.u, &val = W.val;
    cost.assign(N, 0.0);
    l.resize(N);
    u.resize(N);
    val.resize(N);
    for (int j = 0; j < n; ++j) {
        cost[j] = -c[j];
        l[j] = lo[j];
        u[j] = hi[j];
    }
    // Finite (redundant) slack bound s_i <= sum_j |A_ij| max(|lo_j|,|hi_j|) - b_i: with
    // every column boxed, any basis becomes dual feasible by putting each nonbasic at
    // the bound matching the sign of its reduced cost, which lets a basis from another
    // objective (the previous MM step) be resumed. The row sums depend on A and the
    // bounds only: a warm start (same A; bounds equal or tighter, where the old sums
    // still bound the slacks) reuses them.
    rvec rowabs_local;
    const rvec* rowabs = nullptr;
    if (warm && warm->valid && warm->rowabs.size() == m)
        rowabs = &warm->rowabs;
    else {
        rowabs_local = rvec::Zero(m);
        for (int j = 0; j < n; ++j)
            rowabs_local +=
                A.col(j).cwiseAbs() * std::max(std::abs(lo[j]), std::abs(hi[j]));
        rowabs = &rowabs_local;
    }
    for (int i = 0; i < m; ++i) {
        l[n + i] = 0.0;
        u[n + i] = std::max((*rowabs)[i] - b[i], 0.0) + 1.0;
    }
    // A^T stored column-major: the pivot row alpha = A^T rho becomes m contiguous
    // axpys of length n instead of n dot products of length m (2U = 8), which GEMV
    // handles poorly; cached with the row sums for warm starts
    rmat AT_local;
    const rmat* AT = nullptr;
    if (warm && warm->valid && warm->AT.rows() == n && warm->AT.cols() == m)
        AT = &warm->AT;
    else {
        AT_local = A.transpose();
        AT = &AT_local;
    }
    // status: -1 basic, 0 at lower, 1 at upper
    std::vector<int>&st = W.st, &basis = W.basis;
    st.assign(N, 0);
    basis.assign(m, 0);
    std::vector<double>& d = W.d;
    d.assign(N, 0.0);
    for (int j = 0; j < n; ++j) {
        st[j] = cost[j] < 0 ? 1 : 0; // dual feasible start: the bound vertex of sign(c)
        val[j] = st[j] ? u[j] : l[j];
        d[j] = cost[j];
    }
    rmat& Binv = W.Binv;
    rvec& xB = W.xB;
    xB.resize(m);
    const bool resume = warm && warm->valid && int(warm->st.size()) == N &&
                        int(warm->basis.size()) == m && warm->Binv.rows() == m;
    if (!resume) {
        Binv = -rmat::Identity(m, m);
        rvec zn(n);
        for (int j = 0; j < n; ++j)
            zn[j] = val[j];
        xB = A * zn - b;
        for (int i = 0; i < m; ++i) {
            basis[i] = n + i;
            st[n + i] = -1;
        }
    } else {
        // Same c and A, new b or tightened bounds (branch and bound): the previous
        // optimal basis stays dual feasible (reduced costs depend on neither), so the
        // dual simplex resumes from it and
        // only the basic values are recomputed: x_B = B^{-1} (b - A_N x_N).
        st = warm->st;
        basis = warm->basis;
        Binv = warm->Binv;
        // reduced costs for this objective: d_N = cost_N - y^T A_N, y = B^{-T} cost_B
        // (slack column n+i is -e_i, so its reduced cost is y_i); nonbasics move to
        // the bound their sign requires (min form: d < 0 at the upper bound). With the
        // same objective (new b only: the tightened re-solves) the stored ones hold.
        if (warm->c.size() == n && warm->c == c && int(warm->d.size()) == N) {
            d = warm->d;
        } else {
            rvec cB(m);
            for (int i = 0; i < m; ++i)
                cB[i] = cost[basis[i]];
            const rvec y = Binv.transpose() * cB;
            const rvec yA = (*AT) * y;
            for (int j = 0; j < N; ++j) {
                if (st[j] < 0) {
                    d[j] = 0.0;
                    continue;
                }
                d[j] = j < n ? cost[j] - yA[j] : y[j - n];
                if (d[j] < 0)
                    st[j] = 1;
                else if (d[j] > 0)
                    st[j] = 0;
            }
        }
        rvec rhs = b;
        for (int j = 0; j < n; ++j)
            if (st[j] >= 0) {
                val[j] = st[j] ? u[j] : l[j];
                rhs.noalias() -= val[j] * A.col(j);
            }
        for (int i = 0; i < m; ++i)
            if (st[n + i] >= 0) {
                val[n + i] = st[n + i] ? u[n + i] : 0.0;
                rhs[i] += val[n + i]; // slack column -e_i
            }
        xB = Binv * rhs;
    }
    double scale = 1.0;
    for (int i = 0; i < m; ++i)
        scale = std::max(scale, std::abs(b[i]));
    const double ftol = 1e-11 * scale;
    const double ptol = 1e-11;

    lp_result res;
    rvec &rho = W.rho, &col = W.col, &delta_rhs = W.delta_rhs, &alpha = W.alpha;
    rho.resize(m);
    col.resize(m);
    delta_rhs.resize(m);
    alpha.setZero(N); // basic entries are read (not used) by the ratio test
    std::vector<double>& ratio = W.ratio;
    ratio.resize(N);
    std::vector<bp>& cand = W.cand;
    std::vector<int>& flips = W.flips;
    cand.reserve(N);
    flips.reserve(N);
    int it = 0;
    for (; it < max_iter; ++it) {
        // leaving row: largest bound violation
        int r = -1;
        double worst = ftol;
        bool below = false;
        for (int i = 0; i < m; ++i) {
            const int j = basis[i];
            const double vlo = l[j] - xB[i], vhi = xB[i] - u[j];
            if (vlo > worst) {
                worst = vlo;
                r = i;
                below = true;
            }
            if (vhi > worst) {
                worst = vhi;
                r = i;
                below = false;
            }
        }
        if (r < 0) {
            res.status = lp_result::optimal;
            break;
        }
        rho = Binv.row(r).transpose();
        // alpha_j = rho^T Abar_j over nonbasic columns
        // one dense product for all structural columns (vectorised), basic ones ignored
        alpha.head(n).noalias() = (*AT) * rho;
        double amax = 0.0;
        for (int j = 0; j < n; ++j) // basic columns add 0 (amax >= 0 anyway)
            amax = std::max(amax, masked(st[j] >= 0, std::abs(alpha[j])));
        for (int i = 0; i < m; ++i)
            if (st[n + i] >= 0) {
                alpha[n + i] = -rho[i];
                amax = std::max(amax, std::abs(alpha[n + i]));
            }
        const double atol = ptol * std::max(1.0, amax);
        // Bound-flipping ratio test (long-step dual simplex): walk the breakpoints
        // in ratio order; a boxed candidate whose flip to its other bound leaves the
        // row still infeasible is flipped instead of entering. With 2N_T boxed
        // columns and 2U rows this cuts the pivot count several-fold.
        // A nonbasic j is a breakpoint when moving off its bound pushes the leaving
        // row toward feasibility: alpha_j > atol for (below, at upper) and (above,
        // at lower), alpha_j < -atol otherwise. The loop is branch-free (every j is
        // written, only breakpoints are counted): the signs of alpha are random, and
        // the mispredicted branches made this loop 60% of lp_solve's time.
        // Ratios of every column, +inf for the non-breakpoints: one vectorisable pass
        // (a division per column is cheaper than the mispredicted branches of a
        // compacted candidate list, which most pivots never need).
        size_t nbp = 0;
        const double up_sign = below ? 1.0 : -1.0; // t = +-alpha by the bound side
        for (int j = 0; j < N; ++j) {
            const double a = alpha[j];
            const double t = select(st[j] == 1, up_sign, -up_sign) * a;
            const bool ok = (st[j] >= 0) & (l[j] != u[j]) & (t > atol);
            ratio[j] = select(ok, std::abs(d[j]) / std::abs(a), inf);
            nbp += ok;
        }
        if (nbp == 0) {
            res.status = lp_result::infeasible;
            break;
        }
        // min-heap on the ratio: only the breakpoints actually passed are popped
        auto later = [](const bp& x, const bp& y) {
            if (x.ratio != y.ratio)
                return x.ratio > y.ratio;
            return x.a < y.a; // larger pivot first among ties
        };
        double slope = worst;
        int q = -1;
        flips.clear();
        cand.clear();
        // The next breakpoint: the smallest remaining ratio, then the larger |alpha|
        // among equal ratios, the lowest index after that. A pivot passes a few
        // breakpoints (about two bound flips per pivot): scans are cheaper than a heap
        // then, which takes over only for long walks.
        auto next_breakpoint = [&]() {
            // smallest ratio by a branch-free minimum (SSE2: two lanes, two
            // accumulators), then the columns holding it; an equal ratio in a second
            // column (rare) falls to the larger |alpha|, then the lower index
            const double fr = min_ratio(ratio.data(), N);
            int best = -1;
            double fa = -1.0;
            for (int j = first_equal(ratio.data(), N, fr, 0); j >= 0;
                 j = first_equal(ratio.data(), N, fr, j + 1))
                if (std::abs(alpha[j]) > fa) {
                    fa = std::abs(alpha[j]);
                    best = j;
                }
            return best;
        };
        constexpr int max_scans = 6;
        size_t left = nbp; // breakpoints not yet passed
        for (int scan = 0;; ++scan) {
            if (scan == max_scans) {
                // a long walk: the remaining breakpoints go to a heap (compacted
                // without branches: breakpoints are half the columns, at random)
                cand.resize(N);
                size_t nc = 0;
                for (int k = 0; k < N; ++k) {
                    cand[nc] = bp(ratio[k], std::abs(alpha[k]), k);
                    nc += ratio[k] < inf;
                }
                cand.resize(nc);
                std::make_heap(cand.begin(), cand.end(), later);
                break;
            }
            const int j = next_breakpoint();
            const double span = u[j] - l[j];
            const double drop = std::isfinite(span) ? std::abs(alpha[j]) * span : inf;
            --left;
            if (left > 0 && slope - drop > ftol) {
                slope -= drop;
                flips.push_back(j);
                ratio[j] = inf;
                continue;
            }
            q = j;
            break;
        }
        while (!cand.empty()) {
            std::pop_heap(cand.begin(), cand.end(), later);
            const int j = cand.back().j;
            cand.pop_back();
            const double span = u[j] - l[j];
            const double drop = std::isfinite(span) ? std::abs(alpha[j]) * span : inf;
            if (!cand.empty() && slope - drop > ftol) {
                slope -= drop;
                flips.push_back(j);
                continue;
            }
            q = j;
            break;
        }
        if (!flips.empty()) {
            // move the flipped nonbasics to their other bound and update x_B
            delta_rhs.setZero();
            for (int j : flips) {
                const double from = val[j];
                const double to = st[j] == 0 ? u[j] : l[j];
                st[j] = 1 - st[j];
                val[j] = to;
                if (j < n)
                    delta_rhs.noalias() += (to - from) * A.col(j);
                else
                    delta_rhs[j - n] -= (to - from);
            }
            xB.noalias() -= Binv * delta_rhs;
        }
        const double aq = alpha[q];
        const double td = d[q] / aq;
        for (int j = 0; j < N; ++j) // basic columns keep d_j (minus +0)
            d[j] -= masked(st[j] >= 0, td * alpha[j]);
        d[q] = 0.0;
        // entering column in the current basis
        if (q < n)
            col.noalias() = Binv * A.col(q); // no temporary: col is not an operand
        else
            col = -Binv.col(q - n);
        const int leave = basis[r];
        const double target = below ? l[leave] : u[leave];
        const double delta = (xB[r] - target) / col[r];
        xB -= delta * col;
        const double xq = val[q] + delta;
        d[leave] = -td;
        st[leave] = below ? 0 : 1;
        val[leave] = target;
        st[q] = -1;
        basis[r] = q;
        xB[r] = xq;
        // product-form update of B^{-1}
        const double piv = col[r];
        Binv.row(r) /= piv;
        for (int i = 0; i < m; ++i)
            if (i != r && col[i] != 0.0)
                Binv.row(i) -= col[i] * Binv.row(r);
    }
    res.iterations = it;
    if (it >= max_iter)
        res.status = lp_result::iteration_limit;
    if (warm) {
        warm->valid = res.status == lp_result::optimal;
        warm->st = st;
        warm->basis = basis;
        warm->d = d;
        warm->Binv = Binv;
        warm->c = c;
        if (rowabs == &rowabs_local)
            warm->rowabs = std::move(rowabs_local);
        if (AT == &AT_local)
            warm->AT = std::move(AT_local);
    }
    for (int i = 0; i < m; ++i)
        val[basis[i]] = xB[i];
    res.z.resize(n);
    for (int j = 0; j < n; ++j)
        res.z[j] = std::min(hi[j], std::max(lo[j], val[j]));
    res.value = c.dot(res.z);
    // y^T = c_B^T B^{-1} in minimisation form; the row multipliers are nu = y (>= 0 at
    // optimum)
    rvec cB(m);
    for (int i = 0; i < m; ++i)
        cB[i] = cost[basis[i]];
    res.dual = (Binv.transpose() * cB).cwiseMax(0.0);
    return res;
}

double lagrangian_bound(const rvec& c,
                        const rmat& A,
                        const rvec& b,
                        const rvec& lo,
                        const rvec& hi,
                        const rvec& nu)
{
    const rvec g = c + A.transpose() * nu;
    double v = -nu.dot(b);
    for (Eigen::Index j = 0; j < g.size(); ++j)
        v += g[j] > 0 ? g[j] * hi[j] : g[j] * lo[j];
    return v;
}

namespace {

double feas_tol(const rvec& lambda, double c, const rmat& At)
{
    double s = c * (At.size() ? At.cwiseAbs().maxCoeff() : 1.0);
    for (Eigen::Index i = 0; i < lambda.size(); ++i)
        s = std::max(s, std::abs(lambda[i]));
    return 1e-10 * std::max(s, 1e-300);
}

rvec sign_vec(const rvec& v, const rvec& tie, double c)
{
    rvec x(v.size());
    for (Eigen::Index j = 0; j < v.size(); ++j) {
        const double s = v[j] != 0.0 ? v[j] : tie[j];
        x[j] = s < 0 ? -c : c;
    }
    return x;
}

/*
 * QoS local search state: x in {-c, c}^n, residual r = At x - lambda, objective w^T x.
 * A flip of j changes x_j by s_j = -2 x_j and r by the column dr_j = s_j At_j, kept in
 * dR (a flip negates its column exactly) so the scans below read one operand instead
 * of multiplying; every test still evaluates r_i + s_j At_ij with the same rounding.
 * The scans are branch-free over the 2U rows: with random signs the early-exit
 * branches mispredicted on most columns.
 */
struct qos_state {
    const rvec& w;
    const rmat& At;
    const rvec& lambda;
    double c, tol;
    rvec x, r;
    rmat dR;
    double obj = 0;
    std::vector<int> rows, cols; // repair: violated rows, columns raising one
    std::vector<int> D;          // local search: improving flips
    rvec rj;                     // local search: residual after the first of two flips
    std::vector<double> gk;      // local search: objective change of each flip
    std::vector<int> K;          // local search: second-flip candidates

    qos_state(const rvec& w_, const rmat& At_, const rvec& l_, double c_, double tol_)
        : w(w_), At(At_), lambda(l_), c(c_), tol(tol_)
    {
    }
    void set(const rvec& x0)
    {
        x = x0;
        r = At * x - lambda;
        obj = w.dot(x);
        const Eigen::Index n = x.size(), m = At.rows();
        dR.resize(m, n);
        for (Eigen::Index j = 0; j < n; ++j) {
            const double s = -2.0 * x[j];
            for (Eigen::Index i = 0; i < m; ++i)
                dR(i, j) = s * At(i, j);
        }
    }
    void flip(int j)
    {
        const double s = -2.0 * x[j];
        r += dR.col(j);
        obj += s * w[j];
        x[j] = -x[j];
        dR.col(j) = -dR.col(j);
    }
    double viol() const
    {
        double v = 0;
        for (Eigen::Index i = 0; i < r.size(); ++i)
            if (r[i] < -tol)
                v -= r[i];
        return v;
    }
    bool feasible() const { return r.minCoeff() >= -tol; }
    // e + dR_j >= -tol in every row: the smallest entry decides (exact, and Eigen
    // vectorises the sum and the min over the rows)
    bool fits(const rvec& e, int j) const { return (e + dR.col(j)).minCoeff() >= -tol; }

    // Greedy repair: flip the coordinate with the best violation decrease per objective
    // loss.
    bool repair()
    {
        const int n = int(x.size()), m = int(r.size());
        cols.resize(n);
        for (int step = 0; step < 2 * n; ++step) {
            const double v0 = viol();
            if (v0 <= 0)
                return true;
            // Only a flip that raises a violated row can reduce the violation:
            // collect those columns first (branch-free, in order), then sum the
            // violation after each of their flips over the rows in order (the same
            // sum as a row-by-row loop).
            rows.clear();
            for (int i = 0; i < m; ++i)
                if (r[i] < -tol)
                    rows.push_back(i);
            int nh = 0;
            for (int j = 0; j < n; ++j) {
                const double* dj = dR.col(j).data();
                bool h = false;
                for (int i : rows)
                    h |= dj[i] > 0;
                cols[nh] = j;
                nh += h;
            }
            int bj = -1;
            double bscore = -inf;
            for (int t = 0; t < nh; ++t) {
                const int j = cols[t];
                const double* dj = dR.col(j).data();
                double v1 = 0;
                for (int i = 0; i < m; ++i) {
                    const double ri = r[i] + dj[i];
                    v1 -= masked(ri < -tol, ri);
                }
                const double gain = v0 - v1;
                if (gain <= 1e-15 * (1 + v0))
                    continue;
                const double loss = 2.0 * x[j] * w[j];
                const double score = loss <= 0 ? 1e300 + gain : gain / loss;
                if (score > bscore) {
                    bscore = score;
                    bj = j;
                }
            }
            if (bj < 0)
                return false;
            flip(bj);
        }
        return feasible();
    }

    // 1-flip then 2-flip best-improvement local search keeping feasibility.
    void local_search()
    {
        const int n = int(x.size()), m = int(r.size());
        const double otol = 1e-13 * (1.0 + std::abs(obj));
        rj.resize(m);
        gk.resize(n);
        K.resize(n);
        int scans = 0;
        for (int pass = 0; pass < 4 * n; ++pass) {
            int bj = -1;
            double bgain = otol;
            // improving flips, collected branch-free (in order)
            D.resize(n);
            size_t nd = 0;
            for (int j = 0; j < n; ++j) {
                gk[j] = -2.0 * x[j] * w[j]; // objective change of flipping j
                D[nd] = j;
                nd += !(gk[j] <= otol);
            }
            D.resize(nd);
            for (int j : D) {
                const double g = gk[j];
                if (g <= bgain)
                    continue;
                if (fits(r, j)) {
                    bgain = g;
                    bj = j;
                }
            }
            if (bj >= 0) {
                flip(bj);
                continue;
            }
            // 2-flip: an improving (alone infeasible) flip j paired with any k; only the
            // max_d best j are tried and at most max_scans such scans run, so the
            // search stays O(max_scans max_d n m) in real time
            constexpr size_t max_d = 12;
            constexpr int max_scans = 4;
            if (++scans > max_scans)
                break;
            if (D.size() > max_d) {
                std::partial_sort(
                    D.begin(), D.begin() + max_d, D.end(), [&](int a, int b) {
                        return -x[a] * w[a] > -x[b] * w[b];
                    });
                D.resize(max_d);
            }
            int bk = -1;
            bgain = otol;
            for (int j : D) {
                const double gj = gk[j];
                rj = r + dR.col(j);
                // partners that beat the gain so far, collected branch-free; bgain only
                // grows below, so the test is repeated before the row check
                int nk = 0;
                for (int k = 0; k < n; ++k) {
                    K[nk] = k;
                    nk += (k != j) & (gj + gk[k] > bgain);
                }
                for (int t = 0; t < nk; ++t) {
                    const int k = K[t];
                    const double g = gj + gk[k];
                    if (g <= bgain)
                        continue;
                    if (fits(rj, k)) {
                        bgain = g;
                        bj = j;
                        bk = k;
                    }
                }
            }
            if (bj < 0)
                break;
            flip(bj);
            flip(bk);
        }
    }
};

} // namespace

namespace {

// Depth-first branch and bound over the first nbin columns (values lo or hi).
struct bnb {
    const rvec& cobj;
    const rmat& A;
    const rvec& b;
    int nbin;
    long max_nodes;
    double max_seconds;
    cancel_check cancel; // a stop() or destruction ends the search with the incumbent
    double best = -inf;
    rvec best_z;
    long nodes = 0;
    bool complete = true;
    bool root_feasible = false;
    double root_bound = -inf;

    void run(rvec lo, rvec hi)
    {
        const auto t0 = std::chrono::steady_clock::now();
        // Each node resumes the dual simplex from its parent's optimal basis: branching
        // only changes bounds, which leaves the reduced costs (dual feasibility) intact,
        // so a child needs a few pivots instead of a cold solve from the sign vertex.
        struct node {
            rvec lo, hi;
            std::shared_ptr<const lp_basis> warm;
        };
        std::vector<node> stack;
        stack.push_back({ std::move(lo), std::move(hi), nullptr });
        while (!stack.empty()) {
            if (nodes >= max_nodes || cancel() ||
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
                        .count() > max_seconds) {
                complete = false;
                return;
            }
            node nd = std::move(stack.back());
            stack.pop_back();
            ++nodes;
            lp_basis basis;
            if (nd.warm)
                basis = *nd.warm;
            const lp_result lp = lp_solve(cobj, A, b, nd.lo, nd.hi, 0, &basis);
            if (nodes == 1) {
                root_feasible = lp.status != lp_result::infeasible;
                root_bound = root_feasible
                                 ? lagrangian_bound(cobj, A, b, nd.lo, nd.hi, lp.dual)
                                 : -inf;
                if (lp.status == lp_result::optimal)
                    root_bound = std::min(root_bound, lp.value);
            }
            if (lp.status == lp_result::infeasible)
                continue;
            double bound = lagrangian_bound(cobj, A, b, nd.lo, nd.hi, lp.dual);
            if (lp.status == lp_result::optimal)
                bound = std::min(bound, lp.value);
            const double ptol = 1e-9 * (1.0 + std::abs(best));
            if (bound <= best + ptol)
                continue;
            if (lp.status != lp_result::optimal) {
                complete = false; // cannot trust this node: give up proving
                continue;
            }
            // most fractional binary
            int jb = -1;
            double frac = 0;
            for (int j = 0; j < nbin; ++j) {
                if (nd.lo[j] == nd.hi[j])
                    continue;
                const double span = nd.hi[j] - nd.lo[j];
                const double f = std::min(lp.z[j] - nd.lo[j], nd.hi[j] - lp.z[j]) / span;
                if (f > frac + 1e-12) {
                    frac = f;
                    jb = j;
                }
            }
            if (jb < 0 || frac < 1e-9) {
                // integral: snap binaries and re-check the rows exactly
                rvec z = lp.z;
                for (int j = 0; j < nbin; ++j)
                    z[j] = (z[j] - nd.lo[j] < nd.hi[j] - z[j]) ? nd.lo[j] : nd.hi[j];
                const double v = cobj.dot(z);
                if (v > best) {
                    best = v;
                    best_z = z;
                }
                continue;
            }
            nd.warm = std::make_shared<const lp_basis>(std::move(basis));
            node up = nd, dn = nd;
            up.lo[jb] = nd.hi[jb];
            dn.hi[jb] = nd.lo[jb];
            // explore the side the LP leans to first (pushed last)
            const bool lean_up = lp.z[jb] - nd.lo[jb] > nd.hi[jb] - lp.z[jb];
            if (lean_up) {
                stack.push_back(std::move(dn));
                stack.push_back(std::move(up));
            } else {
                stack.push_back(std::move(up));
                stack.push_back(std::move(dn));
            }
        }
    }
};

} // namespace

namespace {

} // namespace

ilp_result ilp_qos_heuristic(const rvec& w,
                             const rmat& At,
                             const rvec& lambda,
                             double c,
                             const std::vector<rvec>& warm,
                             bool use_lp,
                             long max_nodes,
                             int core_size,
                             const rvec* nu_in,
                             rvec* nu_out,
                             lp_basis* keep,
                             int lp_starts)
{
    const int n = int(w.size());
    const int m = int(At.rows());
    ilp_result res;
    res.nodes = 1;
    const double tol = feas_tol(lambda, c, At);
    std::vector<rvec> starts;
    const rvec lo = rvec::Constant(n, -c), hi = rvec::Constant(n, c);
    rvec nu = (nu_in && nu_in->size() == m) ? *nu_in : rvec(rvec::Zero(m));
    res.lp_feasible = true;
    if (use_lp) {
        lp_basis basis;
        if (keep)
            basis = std::move(*keep); // previous MM step's basis (other objective)
        const lp_result lp = lp_solve(w, At, lambda, lo, hi, 0, &basis);
        if (lp.status == lp_result::infeasible) {
            res.lp_feasible = false;
            res.lp_bound = -inf;
            res.xt = sign_vec(w, w, c);
            res.objective = w.dot(res.xt);
            return res;
        }
        nu = lp.dual;
        res.lp_bound = lagrangian_bound(w, At, lambda, lo, hi, nu);
        if (lp.status == lp_result::optimal)
            res.lp_bound = std::min(res.lp_bound, std::max(lp.value, w.dot(lp.z)));
        // Uniformly tightened LPs (rows raised by delta_t): their roundings are
        // diverse starts for repair and local search. Measured on the basin-deciding
        // first MM step at N_T = 32: the ILP value reached depends strongly on the
        // start (the landscape is rugged), and the best of a delta grid 0.1..2 lambda
        // closes the mean gap to the exact ILP from 11.6% to 4.6%. Steps of 0.15
        // lambda: beyond 4 of them (0.6 lambda) the final QSCNR measured no gain.
        if (lp_starts > 0) {
            double lref = 0.0;
            for (Eigen::Index i = 0; i < lambda.size(); ++i)
                lref = std::max(lref, std::abs(lambda[i]));
            if (!(lref > 0.0))
                lref = c * At.cwiseAbs().colwise().sum().mean();
            lp_basis bt = basis;
            for (int t = 1; t <= lp_starts; ++t) {
                const double delta = lref * 0.15 * t;
                const lp_result lpt =
                    lp_solve(w, At, (lambda.array() + delta).matrix(), lo, hi, 0, &bt);
                if (lpt.status == lp_result::infeasible)
                    break;
                starts.push_back(sign_vec(lpt.z, w, c));
            }
        }
        // Tightened LPs (spec 3.4): the LP optimum makes rows active and rounding its
        // <= 2U fractional coordinates breaks them; raise each broken row by its
        // violation and re-solve (8 rounds at most; at N_T = 32 two rounds still left
        // 35% of first MM steps infeasible, six rounds 5%). Only the last rounding is
        // kept: it is the one closest to feasibility.
        rvec lt = lambda;
        rvec xr = sign_vec(lp.z, w, c);
        // At xr is updated by the coordinates a re-solve changes (a few of them)
        // rather than recomputed: one product per round was 3% of the design
        rvec Ax = At * xr, viol(m);
        for (int round = 0; round < 8; ++round) {
            viol = (Ax - lambda).cwiseMin(0.0);
            if (viol.minCoeff() >= -tol)
                break;
            lt -= viol + viol.cwiseSign() * tol * 10;
            const lp_result lpt = lp_solve(w, At, lt, lo, hi, 0, &basis);
            if (lpt.status == lp_result::infeasible)
                break;
            for (int j = 0; j < n; ++j) { // xr = sign_vec(lpt.z, w, c)
                const double s = lpt.z[j] != 0.0 ? lpt.z[j] : w[j];
                const double v = s < 0 ? -c : c;
                if (v != xr[j]) {
                    Ax.noalias() += (v - xr[j]) * At.col(j);
                    xr[j] = v;
                }
            }
        }
        if (keep)
            *keep = std::move(basis);
        starts.push_back(xr);
    } else {
        // any nu >= 0 gives a certified (Lagrangian) bound without an LP
        res.lp_bound = lagrangian_bound(w, At, lambda, lo, hi, nu);
    }
    if (nu_out)
        *nu_out = nu;
    // Lagrangian start sign(w + At^T nu), only without a warm start (once a feasible
    // iterate exists, the LP rounding and the warm start already give two starts, and a
    // third one cost 25% for no measured gain). After an LP it is a fallback, tried
    // only when no other start repairs to feasibility: it lies far from feasibility,
    // and its repair cost 30% of the real-time design at N_T = 64 for no measured gain
    // at N_T = 32, while on tight N_T = 16 instances it still rescues some snapshots.
    rvec g; // At^T nu, only when a Lagrangian start or the core search needs it
    auto lagrangian_g = [&]() -> const rvec& {
        if (g.size() != n)
            g = At.transpose() * nu;
        return g;
    };
    if (warm.empty() && !use_lp)
        starts.push_back(sign_vec(w + lagrangian_g(), w, c));
    for (const auto& v : warm)
        if (v.size() == n)
            starts.push_back(sign_vec(v, w, c));

    qos_state S(w, At, lambda, c, tol);
    double best = -inf;
    double best_viol = inf;
    auto try_start = [&](const rvec& x0) {
        S.set(x0);
        if (!S.repair()) {
            const double v = S.viol();
            if (!res.feasible && v < best_viol) { // keep the least infeasible point
                best_viol = v;
                res.xt = S.x;
                res.objective = S.obj;
            }
            return;
        }
        S.local_search();
        if (S.obj > best) {
            best = S.obj;
            res.feasible = true;
            res.xt = S.x;
            res.objective = S.obj;
        }
    };
    for (const auto& x0 : starts)
        try_start(x0);
    if (!res.feasible && warm.empty() && use_lp)
        try_start(sign_vec(w + lagrangian_g(), w, c));
    if (max_nodes > 0 && n > 0) {
        /*
         * Core search: the optimum differs from sign(w + At^T nu) mostly where the
         * reduced cost |rbar_j| is small. Fix every other coordinate at that sign
         * and solve the K-column core ILP by LP branch and bound with a node budget.
         */
        const rvec rb = w + lagrangian_g();
        std::vector<int> idx(n);
        for (int j = 0; j < n; ++j)
            idx[j] = j;
        const int K = std::min(n, core_size > 0 ? core_size : 3 * m + 8);
        std::partial_sort(idx.begin(), idx.begin() + K, idx.end(), [&](int a, int b) {
            return std::abs(rb[a]) < std::abs(rb[b]);
        });
        rvec xfix = sign_vec(rb, w, c);
        rmat Ak(m, K);
        rvec wk(K);
        for (int i = 0; i < K; ++i) {
            Ak.col(i) = At.col(idx[i]);
            wk[i] = w[idx[i]];
            xfix[idx[i]] = 0.0;
        }
        const rvec lk = lambda - At * xfix;
        const double off = w.dot(xfix);
        bnb B{ wk, Ak, lk, K, max_nodes, 1e9 };
        if (res.feasible)
            B.best = best - off;
        B.run(rvec::Constant(K, -c), rvec::Constant(K, c));
        res.nodes += B.nodes;
        if (B.best_z.size() && B.best + off > best) {
            rvec x = xfix;
            for (int i = 0; i < K; ++i)
                x[idx[i]] = B.best_z[i] < 0 ? -c : c;
            S.set(x);
            if (S.feasible()) {
                S.local_search();
                best = S.obj;
                res.feasible = true;
                res.xt = S.x;
                res.objective = S.obj;
            }
        }
    }
    if (res.xt.size() == 0) {
        res.xt = starts.front();
        res.objective = w.dot(res.xt);
    }
    return res;
}

ilp_result ilp_qos_exact(const rvec& w,
                         const rmat& At,
                         const rvec& lambda,
                         double c,
                         long max_nodes,
                         double max_seconds,
                         const std::vector<rvec>& warm,
                         const cancel_check& cancel)
{
    const int n = int(w.size());
    ilp_result h = ilp_qos_heuristic(w, At, lambda, c, warm, true, 0);
    ilp_result res;
    if (!h.lp_feasible) {
        res = h;
        res.optimal = true; // LP infeasible proves ILP infeasible
        return res;
    }
    bnb B{ w, At, lambda, n, max_nodes, max_seconds, cancel };
    if (h.feasible) {
        B.best = h.objective;
        B.best_z = h.xt;
    }
    B.run(rvec::Constant(n, -c), rvec::Constant(n, c));
    res.lp_feasible = B.root_feasible;
    res.lp_bound = B.root_bound;
    res.nodes = B.nodes;
    res.optimal = B.complete;
    if (B.best_z.size()) {
        res.feasible = true;
        res.xt = B.best_z;
        res.objective = w.dot(res.xt);
    } else {
        res.feasible = false;
        res.xt = h.xt;
        res.objective = h.objective;
    }
    return res;
}

// ---------------------------------------------------------------- max-min

namespace {

struct maxmin_state {
    const rmat& At;
    const rvec& off;
    bool radar;
    const rvec& w;
    double rhs, c, tol;
    rvec x, r; // r = At x - off
    double wobj = 0;

    maxmin_state(const rmat& A,
                 const rvec& o,
                 bool rd,
                 const rvec& w_,
                 double rhs_,
                 double c_,
                 double tol_)
        : At(A), off(o), radar(rd), w(w_), rhs(rhs_), c(c_), tol(tol_)
    {
    }
    void set(const rvec& x0)
    {
        x = x0;
        r = At * x - off;
        wobj = radar ? w.dot(x) : 0.0;
    }
    void flip(int j)
    {
        const double s = -2.0 * x[j];
        r += s * At.col(j);
        if (radar)
            wobj += s * w[j];
        x[j] = -x[j];
    }
    bool radar_ok(double wo) const { return !radar || wo >= rhs - tol; }

    bool repair()
    {
        if (!radar)
            return true;
        const int n = int(x.size());
        for (int step = 0; step < 2 * n && !radar_ok(wobj); ++step) {
            int bj = -1;
            double bscore = -inf;
            const double m0 = r.minCoeff();
            for (int j = 0; j < n; ++j) {
                const double s = -2.0 * x[j];
                const double g = s * w[j];
                if (g <= 0)
                    continue;
                const double m1 = (r + s * At.col(j)).minCoeff();
                const double loss = m0 - m1;
                const double score = loss <= 0 ? 1e300 + g : g / loss;
                if (score > bscore) {
                    bscore = score;
                    bj = j;
                }
            }
            if (bj < 0)
                return false;
            flip(bj);
        }
        return radar_ok(wobj);
    }

    // lexicographic (min margin, sum of margins) so plateaus still move uphill
    static bool better(double m1, double s1, double m0, double s0, double eps)
    {
        return m1 > m0 + eps ||
               (m1 >= m0 - 1e-15 * (1 + std::abs(m0)) && m1 >= m0 && s1 > s0 + eps);
    }

    void local_search()
    {
        const int n = int(x.size()), m = int(r.size());
        rvec r1(m), r2(m);
        const double eps = 1e-13 * (1.0 + r.cwiseAbs().maxCoeff());
        for (int pass = 0; pass < 4 * n; ++pass) {
            double m0 = r.minCoeff(), s0 = r.sum();
            int bj = -1, bk = -1;
            double bm = m0, bs = s0;
            for (int j = 0; j < n; ++j) {
                const double sj = -2.0 * x[j];
                if (!radar_ok(wobj + (radar ? sj * w[j] : 0)))
                    continue;
                r1 = r + sj * At.col(j);
                const double m1 = r1.minCoeff(), s1 = r1.sum();
                if (better(m1, s1, bm, bs, eps)) {
                    bm = m1;
                    bs = s1;
                    bj = j;
                }
            }
            if (bj >= 0) {
                flip(bj);
                continue;
            }
            // 2-flip: j must raise the worst row
            int imin;
            r.minCoeff(&imin);
            for (int j = 0; j < n; ++j) {
                const double sj = -2.0 * x[j];
                if (sj * At(imin, j) <= 0)
                    continue;
                r1 = r + sj * At.col(j);
                const double wj = wobj + (radar ? sj * w[j] : 0);
                for (int k = 0; k < n; ++k) {
                    if (k == j)
                        continue;
                    const double sk = -2.0 * x[k];
                    if (!radar_ok(wj + (radar ? sk * w[k] : 0)))
                        continue;
                    r2 = r1 + sk * At.col(k);
                    const double m2 = r2.minCoeff();
                    if (m2 < bm)
                        continue;
                    const double s2 = r2.sum();
                    if (better(m2, s2, bm, bs, eps)) {
                        bm = m2;
                        bs = s2;
                        bj = j;
                        bk = k;
                    }
                }
            }
            if (bj < 0)
                break;
            flip(bj);
            flip(bk);
        }
    }
};

// LP form of the max-min problem: z = [xt; t], max t, rows At xt - t >= off, [w^T xt >=
// rhs].
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

} // namespace

ilp_result ilp_maxmin_heuristic(const rmat& At,
                                const rvec& offset,
                                double c,
                                bool radar,
                                const rvec& w,
                                double rhs,
                                const std::vector<rvec>& warm)
{
    const int n = int(At.cols());
    ilp_result res;
    res.nodes = 1;
    rvec cobj, b, lo, hi;
    rmat A;
    maxmin_lp_form(At, offset, c, radar, w, rhs, cobj, A, b, lo, hi);
    const lp_result lp = lp_solve(cobj, A, b, lo, hi);
    const double tol = feas_tol(offset, c, At) + (radar ? 1e-10 * std::abs(rhs) : 0.0);
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
        rvec g = A.transpose() * lp.dual;
        starts.push_back(sign_vec(g.head(n), tie, c));
    }
    for (const auto& v : warm)
        if (v.size() == n)
            starts.push_back(sign_vec(v, tie, c));
    if (radar)
        starts.push_back(sign_vec(w, w, c));
    starts.push_back(sign_vec(tie, tie, c));

    maxmin_state S(At, offset, radar, w, rhs, c, tol);
    double best = -inf;
    for (const auto& x0 : starts) {
        S.set(x0);
        if (!S.repair())
            continue;
        S.local_search();
        const double v = S.r.minCoeff();
        if (v > best) {
            best = v;
            res.feasible = true;
            res.xt = S.x;
            res.objective = v;
        }
    }
    if (!res.feasible) {
        res.xt = starts.front();
        res.objective = (At * res.xt - offset).minCoeff();
    }
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
                            const std::vector<rvec>& warm,
                            const cancel_check& cancel)
{
    const int n = int(At.cols());
    ilp_result h = ilp_maxmin_heuristic(At, offset, c, radar, w, rhs, warm);
    if (!h.lp_feasible) {
        h.optimal = true;
        return h;
    }
    rvec cobj, b, lo, hi;
    rmat A;
    maxmin_lp_form(At, offset, c, radar, w, rhs, cobj, A, b, lo, hi);
    bnb B{ cobj, A, b, n, max_nodes, max_seconds, cancel };
    if (h.feasible) {
        B.best = h.objective;
        B.best_z.resize(n + 1);
        B.best_z.head(n) = h.xt;
        B.best_z[n] = h.objective;
    }
    B.run(lo, hi);
    ilp_result res;
    res.lp_feasible = B.root_feasible;
    res.lp_bound = B.root_bound;
    res.nodes = B.nodes;
    res.optimal = B.complete;
    if (B.best_z.size()) {
        res.feasible = true;
        res.xt = B.best_z.head(n);
        res.objective = (At * res.xt - offset).minCoeff();
    } else {
        res.xt = h.xt;
        res.objective = h.objective;
    }
    return res;
}

} // namespace core
} // namespace isac
} // namespace gr
