/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bounded dual simplex for the CI precoder's small LPs (ci_lp.h). In
 * minimisation form: min -c^T z, rows A z - s = b with slacks s >= 0 (columns
 * n..n+m-1), every column boxed. The loops are branch-free where the data is
 * random (signs of the pivot row, bound sides): mispredicted branches were most
 * of the time before.
 */
#include "ci_branchfree.h"
#include "ci_lp_cutoff.h"
#include "volk_isac/machines.h"
#include <gnuradio/isac/core/ci_lp.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

namespace gr {
namespace isac {
namespace core {

namespace {

// a == b element by element. Bitwise equality (memcmp) decides the usual case, a
// re-solve with the very same vector, in a few cycles; only a bitwise difference
// (which may still be +0 against -0) falls back to comparing the values.
bool same_values(const double* a, const double* b, int n)
{
    if (std::memcmp(a, b, sizeof(double) * size_t(n)) == 0)
        return true;
    for (int j = 0; j < n; ++j)
        if (!(a[j] == b[j]))
            return false;
    return true;
}

struct bp {
    double ratio, a;
    int j;
    // no-op default constructor: cand.resize(N) at every pivot must not zero-fill
    bp() {}
    bp(double r_, double a_, int j_) : ratio(r_), a(a_), j(j_) {}
};

// Work arrays, kept in the lp_basis of a warm-started sequence: the real-time
// precoder solves several small LPs per vector, and their allocations were a
// measurable share of it (a thread_local cost __tls_get_addr calls instead).
struct lp_work {
    std::vector<double> cost, l, u, val, d, ratio;
    std::vector<int> st, basis, flips;
    std::vector<bp> cand;
    rvec rho, col, delta_rhs, alpha, xB;
    rmat Binv;
    // scratch of the cold start, the resume, the re-pricing and the cut-off test
    // (sized on use: a solve allocates nothing once the arrays have grown)
    rvec zn, rhs, cB, y, yA, nu, g;
    // the state the last solve left (st, basis, d, Binv, xB for b_last and the
    // box): a basis stamped with gen resumes from it without a refactor
    long gen = 0;
    rvec b_last;
    //! l, u hold a checked box of this many structural columns (-1: none)
    int box_n = -1;
};

/*
 * The lp_work arrays and the per-matrix caches of the bases come from per-thread
 * stores: a new basis per design vector, and the arrays' allocation and zero-fill
 * with it, cost ~1% of a design at N_T = 64. A store keeps its objects (and their
 * shared_ptr control blocks) and hands out one that no basis holds any more, so a
 * solve allocates nothing once the stores and the arrays have grown. An object keeps
 * its capacity; every array is sized and written (or its state matched by gen, which
 * a new basis never matches) before it is read. Bases outlive a store safely: each
 * holds its own reference.
 */
template <class T>
class shared_store
{
public:
    static std::shared_ptr<T> take()
    {
        auto& s = store();
        for (const auto& w : s)
            if (w.use_count() == 1) {
                // released, possibly by a basis's last copy on another thread: see
                // its writes before reusing the arrays
                std::atomic_thread_fence(std::memory_order_acquire);
                return w;
            }
        auto w = std::make_shared<T>();
        if (s.size() < max_stored)
            s.push_back(w);
        return w;
    }

private:
    // bases alive at once per thread: a design holds a few (phase sweep, MM run,
    // feasibility search, scratch copies); more are served unstored
    static constexpr size_t max_stored = 16;
    static std::vector<std::shared_ptr<T>>& store()
    {
        thread_local std::vector<std::shared_ptr<T>> s;
        return s;
    }
};
using work_store = shared_store<lp_work>;

// AT = A^T, in 2 x 2 blocks of SSE2 registers where both sizes are even (always
// here: 2U rows, 2N_T columns). Eigen's transpose read A with a stride of m per
// element, ~0.6% of a design at N_T = 64; a copy, so the same values.
void transpose(const rmat& A, rmat& AT)
{
    const Eigen::Index m = A.rows(), n = A.cols();
    AT.resize(n, m);
#ifdef __SSE2__
    if (m % 2 == 0 && n % 2 == 0) {
        const double* a = A.data();
        double* t = AT.data();
        for (Eigen::Index j = 0; j < n; j += 2)
            for (Eigen::Index i = 0; i < m; i += 2) {
                const __m128d c0 = _mm_loadu_pd(a + j * m + i);       // A(i..i+1, j)
                const __m128d c1 = _mm_loadu_pd(a + (j + 1) * m + i); // A(i..i+1, j+1)
                _mm_storeu_pd(t + i * n + j, _mm_unpacklo_pd(c0, c1));
                _mm_storeu_pd(t + (i + 1) * n + j, _mm_unpackhi_pd(c0, c1));
            }
        return;
    }
#endif
    AT = A.transpose();
}

// Every bound finite and lo <= hi (NaN fails), one test over all entries without a
// branch per entry (every solve with a new box checks them), two entries per SSE2
// compare: the scalar test was ~2% of a design at N_T = 64.
bool bounds_ok(const double* lo, const double* hi, int n)
{
    constexpr double big = std::numeric_limits<double>::max();
    int j = 0;
    bool ok = true;
#ifdef __SSE2__
    const __m128d sign = _mm_set1_pd(-0.0), top = _mm_set1_pd(big);
    __m128d all = _mm_castsi128_pd(_mm_set1_epi32(-1));
    for (; j + 2 <= n; j += 2) {
        const __m128d l = _mm_loadu_pd(lo + j), h = _mm_loadu_pd(hi + j);
        const __m128d t = _mm_and_pd(_mm_cmple_pd(_mm_andnot_pd(sign, l), top),
                                     _mm_cmple_pd(_mm_andnot_pd(sign, h), top));
        all = _mm_and_pd(all, _mm_and_pd(t, _mm_cmple_pd(l, h)));
    }
    ok = _mm_movemask_pd(all) == 3;
#endif
    for (; j < n; ++j)
        ok &= (std::abs(lo[j]) <= big) & (std::abs(hi[j]) <= big) & (lo[j] <= hi[j]);
    return ok;
}

class dual_simplex
{
public:
    dual_simplex(const rvec& c,
                 const rmat& A,
                 const rvec& b,
                 const rvec& lo,
                 const rvec& hi,
                 lp_basis* warm);
    //! res: z (and dual when asked) resized only when their sizes change
    void run(int max_iter, bool duals, lp_result& res);
    //! stop once the objective is certified < below or <= at_most (ci_lp_cutoff.h)
    void set_cutoff(double below, double at_most)
    {
        cut_below_ = below;
        cut_at_most_ = at_most;
        cutoff_ = true;
    }
    bool cut() const { return cut_; }

private:
    const rvec& c_;
    const rmat& A_;
    const rvec& b_;
    const int n, m, N;
    lp_basis* warm_;
    std::shared_ptr<lp_work> own_;
    lp_work& W;
    std::shared_ptr<const lp_basis::per_matrix> cache_; // of A (from warm, or new)
    // the pivot loops in wider lanes (same results), or nullptr: the loops below
    const volk_isac_machines::ci_lp_kernels* K_ = volk_isac_machines::ci_lp_selected();
    const rvec* rowabs_ = nullptr;
    const rmat* AT_ = nullptr;
    double ftol_ = 0, ptol_ = 1e-11;
    bool cutoff_ = false, cut_ = false;
    // started from the state W holds for warm_ (same c bitwise / same c and box): a
    // solve without a pivot leaves warm_'s copies of it as they are
    bool same_c_bits_ = false, in_place_ = false;
    double cut_below_ = -inf, cut_at_most_ = -inf;

    lp_work& work_arrays();
    bool set_bounds(const rvec& lo, const rvec& hi);
    void cold_start();
    void resume();
    void resume_in_place();
    bool holds_values() const;
    void reprice();
    int leaving_row(double& worst, bool& below) const;
    double pivot_row(int r);
    size_t breakpoint_ratios(bool below, double atol);
    int next_breakpoint() const;
    int bound_flipping_walk(size_t nbp, double slope);
    void apply_flips();
    void pivot(int r, int q, bool below);
    void product(const rmat& M, const double* x, double* y);
    bool below_cutoff();
    void finish(lp_result::status_t status, int iterations, bool duals, lp_result& res);
};

dual_simplex::dual_simplex(const rvec& c,
                           const rmat& A,
                           const rvec& b,
                           const rvec& lo,
                           const rvec& hi,
                           lp_basis* warm)
    : c_(c),
      A_(A),
      b_(b),
      n(int(c.size())),
      m(int(A.rows())),
      N(n + m),
      warm_(warm),
      W(work_arrays())
{
    const bool resumable = warm_ && warm_->valid && int(warm_->st.size()) == N &&
                           int(warm_->basis.size()) == m && warm_->Binv.rows() == m;
    const bool same_gen = resumable && warm_->gen == W.gen && warm_->c.size() == n;
    // W.cost holds -c bitwise when W ended this basis's last solve with this very c
    same_c_bits_ =
        same_gen &&
        std::memcmp(warm_->c.data(), c_.data(), sizeof(double) * size_t(n)) == 0;
    const bool held =
        same_c_bits_ || (same_gen && same_values(warm_->c.data(), c_.data(), n));
    const bool same_box = set_bounds(lo, hi);
    if (held && same_box) {
        resume_in_place();
        in_place_ = true;
    } else if (held && holds_values()) {
        // a branch and bound's child right after its parent: W is its start
    } else if (resumable) {
        resume();
    } else {
        cold_start();
    }
    double scale = 1.0;
    for (int i = 0; i < m; ++i)
        scale = std::max(scale, std::abs(b_[i]));
    ftol_ = 1e-11 * scale;
}

lp_work& dual_simplex::work_arrays()
{
    if (!warm_) {
        own_ = work_store::take();
        return *own_;
    }
    if (!warm_->work)
        warm_->work = work_store::take();
    return *static_cast<lp_work*>(warm_->work.get());
}

// Checks the bounds (param_error) and returns whether they are those of the last
// solve on W.
bool dual_simplex::set_bounds(const rvec& lo, const rvec& hi)
{
    // A re-solve usually passes the very box of the last solve on W (bitwise): it
    // was checked then and is in place. Otherwise check it, then copy it.
    const bool sized = int(W.l.size()) == N && int(W.cost.size()) == N;
    const size_t bytes = sizeof(double) * size_t(n);
    const bool same_bits = sized && W.box_n == n &&
                           std::memcmp(W.l.data(), lo.data(), bytes) == 0 &&
                           std::memcmp(W.u.data(), hi.data(), bytes) == 0;
    const bool same_box =
        same_bits || (sized && W.box_n == n && same_values(W.l.data(), lo.data(), n) &&
                      same_values(W.u.data(), hi.data(), n));
    if (!same_bits) {
        if (!bounds_ok(lo.data(), hi.data(), n))
            throw param_error("lp_solve: bounds must be finite with lo <= hi");
        W.l.resize(N);
        W.u.resize(N);
        std::copy(lo.data(), lo.data() + n, W.l.data());
        std::copy(hi.data(), hi.data() + n, W.u.data());
        W.box_n = n;
    }
    W.val.resize(N);
    if (!same_c_bits_) { // else W.cost is -c already (and 0 for the slacks)
        W.cost.resize(N);
        double* cost = W.cost.data();
        const double* c = c_.data();
        for (int j = 0; j < n; ++j)
            cost[j] = -c[j];
        std::fill(W.cost.begin() + n, W.cost.end(), 0.0);
    }
    // Finite (redundant) slack bound s_i <= sum_j |A_ij| max(|lo_j|,|hi_j|) - b_i: with
    // every column boxed, any basis becomes dual feasible by putting each nonbasic at
    // the bound matching the sign of its reduced cost, which lets a basis from another
    // objective be resumed. The sums depend on A and the bounds only; a warm start
    // (same A, bounds equal or tighter, where the old sums still bound the slacks)
    // reuses them, with A^T (pivot rows as m contiguous axpys of length n, which
    // GEMV handles better than n dot products of length m).
    if (warm_ && warm_->valid && warm_->cache && warm_->cache->rowabs.size() == m &&
        warm_->cache->AT.rows() == n)
        cache_ = warm_->cache;
    else {
        // the store's arrays (a new A per design vector: no allocation)
        auto fresh = shared_store<lp_basis::per_matrix>::take();
        fresh->rowabs.setZero(m);
        for (int j = 0; j < n; ++j)
            fresh->rowabs +=
                A_.col(j).cwiseAbs() * std::max(std::abs(lo[j]), std::abs(hi[j]));
        transpose(A_, fresh->AT);
        cache_ = std::move(fresh);
    }
    rowabs_ = &cache_->rowabs;
    AT_ = &cache_->AT;
    for (int i = 0; i < m; ++i) {
        W.l[n + i] = 0.0;
        W.u[n + i] = std::max((*rowabs_)[i] - b_[i], 0.0) + 1.0;
    }
    W.xB.resize(m);
    return same_box;
}

void dual_simplex::cold_start()
{
    // status: -1 basic, 0 at lower, 1 at upper; the dual feasible start is the bound
    // vertex of sign(c)
    W.st.assign(N, 0);
    W.basis.assign(m, 0);
    W.d.assign(N, 0.0);
    for (int j = 0; j < n; ++j) {
        W.st[j] = W.cost[j] < 0 ? 1 : 0;
        W.val[j] = W.st[j] ? W.u[j] : W.l[j];
        W.d[j] = W.cost[j];
    }
    W.Binv = -rmat::Identity(m, m);
    rvec& zn = W.zn;
    zn.resize(n);
    for (int j = 0; j < n; ++j)
        zn[j] = W.val[j];
    if (K_) {
        W.xB.resize(m);
        product(A_, zn.data(), W.xB.data());
        W.xB -= b_;
    } else
        W.xB = A_ * zn - b_;
    for (int i = 0; i < m; ++i) {
        W.basis[i] = n + i;
        W.st[n + i] = -1;
    }
}

void dual_simplex::resume()
{
    // The stored basis stays dual feasible after a change of b or tightened bounds
    // (reduced costs depend on neither); after a change of c it is re-priced. Only
    // the basic values are recomputed: x_B = B^{-1} (b - A_N x_N).
    W.st = warm_->st;
    W.basis = warm_->basis;
    W.Binv = warm_->Binv;
    if (warm_->c.size() == n && same_values(warm_->c.data(), c_.data(), n) &&
        int(warm_->d.size()) == N)
        W.d = warm_->d;
    else {
        W.d.resize(N); // set_bounds leaves st, basis and d to the start
        reprice();
    }
    rvec& rhs = W.rhs;
    rhs = b_;
    for (int j = 0; j < n; ++j)
        if (W.st[j] >= 0) {
            W.val[j] = W.st[j] ? W.u[j] : W.l[j];
            rhs.noalias() -= W.val[j] * A_.col(j);
        }
    for (int i = 0; i < m; ++i)
        if (W.st[n + i] >= 0) {
            W.val[n + i] = W.st[n + i] ? W.u[n + i] : 0.0;
            rhs[i] += W.val[n + i]; // slack column -e_i
        }
    W.xB.noalias() = W.Binv * rhs;
}

// W still holds this basis's state (the last solve on W ended in it, same A, c and
// box): only b, and with it the slack bounds, changed. x_B moves by B^{-1} times the
// change of the right-hand side (a tightened rounding re-solves this way).
void dual_simplex::resume_in_place()
{
    W.delta_rhs = b_ - W.b_last;
    for (int i = 0; i < m; ++i)
        if (W.st[n + i] == 1) {
            W.delta_rhs[i] += W.u[n + i] - W.val[n + i]; // slack column -e_i
            W.val[n + i] = W.u[n + i];
        }
    W.xB.noalias() += W.Binv * W.delta_rhs;
}

// W holds the warm basis (same c) for the last solve's b, and only the box changed:
// when every nonbasic column is still at its bound's old value (a binary fixed at the
// side it sat on, or a basic one fixed), x_B is unchanged and the solve resumes from W
// as it is.
bool dual_simplex::holds_values() const
{
    if (int(W.b_last.size()) != m || !same_values(W.b_last.data(), b_.data(), m))
        return false;
    for (int j = 0; j < N; ++j)
        if (W.st[j] >= 0 && !(W.val[j] == (W.st[j] ? W.u[j] : W.l[j])))
            return false;
    return true;
}

void dual_simplex::reprice()
{
    // d_N = cost_N - y^T A_N with y = B^{-T} cost_B (slack column n+i is -e_i, so its
    // reduced cost is y_i); each nonbasic moves to the bound its sign requires (min
    // form: d < 0 at the upper bound)
    rvec &cB = W.cB, &y = W.y, &yA = W.yA;
    cB.resize(m);
    for (int i = 0; i < m; ++i)
        cB[i] = W.cost[W.basis[i]];
    y.noalias() = W.Binv.transpose() * cB;
    yA.noalias() = (*AT_) * y;
    for (int j = 0; j < N; ++j) {
        if (W.st[j] < 0) {
            W.d[j] = 0.0;
            continue;
        }
        W.d[j] = j < n ? W.cost[j] - yA[j] : y[j - n];
        if (W.d[j] < 0)
            W.st[j] = 1;
        else if (W.d[j] > 0)
            W.st[j] = 0;
    }
}

// the basic variable with the largest bound violation, or -1 (optimal)
int dual_simplex::leaving_row(double& worst, bool& below) const
{
    int r = -1;
    worst = ftol_;
    below = false;
    for (int i = 0; i < m; ++i) {
        const int j = W.basis[i];
        const double vlo = W.l[j] - W.xB[i], vhi = W.xB[i] - W.u[j];
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
    return r;
}

// alpha_j = (row r of B^{-1} A)_j for every column (basic ones are never used);
// returns the largest |alpha| over the nonbasic columns
double dual_simplex::pivot_row(int r)
{
    W.rho = W.Binv.row(r).transpose();
    double amax;
    if (K_)
        amax =
            K_->pivot_row(AT_->data(), n, m, W.rho.data(), W.st.data(), W.alpha.data());
    else {
        W.alpha.head(n).noalias() = (*AT_) * W.rho;
        // four independent maxima: one chain of dependent maxsd was a fifth of the
        // pivot (max is exact, so the order does not change the result)
        double a4[4] = { 0.0, 0.0, 0.0, 0.0 };
        int j = 0;
        for (; j + 4 <= n; j += 4) // basic columns add 0 (amax >= 0 anyway)
            for (int t = 0; t < 4; ++t)
                a4[t] =
                    std::max(a4[t], masked(W.st[j + t] >= 0, std::abs(W.alpha[j + t])));
        for (; j < n; ++j)
            a4[0] = std::max(a4[0], masked(W.st[j] >= 0, std::abs(W.alpha[j])));
        amax = std::max(std::max(a4[0], a4[1]), std::max(a4[2], a4[3]));
    }
    for (int i = 0; i < m; ++i)
        if (W.st[n + i] >= 0) {
            W.alpha[n + i] = -W.rho[i];
            amax = std::max(amax, std::abs(W.alpha[n + i]));
        }
    return amax;
}

// Ratios |d_j / alpha_j| of the breakpoints, +inf elsewhere, in one branch-free pass.
// A nonbasic j is a breakpoint when moving it off its bound pushes the leaving row
// toward feasibility: alpha_j > atol for (below, at upper) and (above, at lower),
// alpha_j < -atol otherwise. Returns the number of breakpoints.
size_t dual_simplex::breakpoint_ratios(bool below, double atol)
{
    const double up_sign = below ? 1.0 : -1.0;
    if (K_)
        return K_->ratios(N,
                          W.alpha.data(),
                          W.d.data(),
                          W.st.data(),
                          W.l.data(),
                          W.u.data(),
                          up_sign,
                          atol,
                          W.ratio.data());
    size_t nbp = 0;
    for (int j = 0; j < N; ++j) {
        const double a = W.alpha[j];
        const double t = select(W.st[j] == 1, up_sign, -up_sign) * a;
        const bool ok = (W.st[j] >= 0) & (W.l[j] != W.u[j]) & (t > atol);
        W.ratio[j] = select(ok, std::abs(W.d[j]) / std::abs(a), inf);
        nbp += ok;
    }
    return nbp;
}

// the smallest ratio, then the larger |alpha| among equal ratios, then the lower index
int dual_simplex::next_breakpoint() const
{
    const double* ratio = W.ratio.data();
    if (K_)
        return K_->next_breakpoint(ratio, W.alpha.data(), N);
    const double fr = min_of(ratio, N);
    int best = -1;
    double fa = -1.0;
    for (int j = first_equal(ratio, N, fr, 0); j >= 0;
         j = first_equal(ratio, N, fr, j + 1))
        if (std::abs(W.alpha[j]) > fa) {
            fa = std::abs(W.alpha[j]);
            best = j;
        }
    return best;
}

/*
 * Bound-flipping ratio test (long-step dual simplex): walk the breakpoints in ratio
 * order; a boxed candidate whose flip to its other bound leaves the row still
 * infeasible (the slope stays positive) is flipped instead of entering. A pivot
 * passes about two breakpoints, so the first few are found by scans; a long walk
 * moves the rest to a heap. Returns the entering column; the flips go to W.flips.
 */
int dual_simplex::bound_flipping_walk(size_t nbp, double slope)
{
    auto later = [](const bp& x, const bp& y) {
        if (x.ratio != y.ratio)
            return x.ratio > y.ratio;
        return x.a < y.a; // larger pivot first among ties
    };
    auto drop_of = [&](int j) {
        const double span = W.u[j] - W.l[j];
        return std::isfinite(span) ? std::abs(W.alpha[j]) * span : inf;
    };
    W.flips.clear();
    W.cand.clear();
    // 10 scans, not 6, since the scans run in AVX lanes (3% faster at N_T = 64)
    constexpr int max_scans = 10;
    size_t left = nbp; // breakpoints not yet passed
    for (int scan = 0; scan < max_scans; ++scan) {
        const int j = next_breakpoint();
        const double drop = drop_of(j);
        --left;
        if (left == 0 || slope - drop <= ftol_)
            return j;
        slope -= drop;
        W.flips.push_back(j);
        W.ratio[j] = inf;
    }
    // a long walk: the remaining breakpoints go to a heap (compacted without
    // branches: breakpoints are half the columns, at random)
    W.cand.resize(N);
    size_t nc = 0;
    for (int k = 0; k < N; ++k) {
        W.cand[nc] = bp(W.ratio[k], std::abs(W.alpha[k]), k);
        nc += W.ratio[k] < inf;
    }
    W.cand.resize(nc);
    std::make_heap(W.cand.begin(), W.cand.end(), later);
    for (;;) {
        std::pop_heap(W.cand.begin(), W.cand.end(), later);
        const int j = W.cand.back().j;
        W.cand.pop_back();
        const double drop = drop_of(j);
        if (W.cand.empty() || slope - drop <= ftol_)
            return j;
        slope -= drop;
        W.flips.push_back(j);
    }
}

// move the flipped nonbasics to their other bound and update x_B
void dual_simplex::apply_flips()
{
    if (W.flips.empty())
        return;
    W.delta_rhs.setZero();
    for (int j : W.flips) {
        const double from = W.val[j];
        const double to = W.st[j] == 0 ? W.u[j] : W.l[j];
        W.st[j] = 1 - W.st[j];
        W.val[j] = to;
        if (j < n)
            W.delta_rhs.noalias() += (to - from) * A_.col(j);
        else
            W.delta_rhs[j - n] -= (to - from);
    }
    W.xB.noalias() -= W.Binv * W.delta_rhs;
}

// y = M x (M.rows() <= m) in the pivot row's wide kernel, K_ set: the operations of
// Eigen's column-major GEMV into a zeroed y (per row the products summed in column
// order from +0, then + 0.0; qa_volk_isac checks the kernel against Eigen's GEMV).
// Eigen's SSE2 GEMV for B^-1 a_q was ~2.6% of a design at N_T = 64.
void dual_simplex::product(const rmat& M, const double* x, double* y)
{
    // the kernel's maximum over the nonbasic entries is not used: any N >= rows
    // status values do
    K_->pivot_row(M.data(), int(M.rows()), int(M.cols()), x, W.st.data(), y);
}

// column q enters, the basic variable of row r leaves at the bound it violated
void dual_simplex::pivot(int r, int q, bool below)
{
    const double td = W.d[q] / W.alpha[q];
    if (K_)
        K_->update_d(N, td, W.alpha.data(), W.st.data(), W.d.data());
    else
        for (int j = 0; j < N; ++j) // basic columns keep d_j (minus +0)
            W.d[j] -= masked(W.st[j] >= 0, td * W.alpha[j]);
    W.d[q] = 0.0;
    if (q < n && K_)
        product(W.Binv, A_.col(q).data(), W.col.data());
    else if (q < n)
        W.col.noalias() = W.Binv * A_.col(q);
    else
        W.col = -W.Binv.col(q - n);
    const int leave = W.basis[r];
    const double target = below ? W.l[leave] : W.u[leave];
    const double delta = (W.xB[r] - target) / W.col[r];
    W.xB -= delta * W.col;
    const double xq = W.val[q] + delta;
    W.d[leave] = -td;
    W.st[leave] = below ? 0 : 1;
    W.val[leave] = target;
    W.st[q] = -1;
    W.basis[r] = q;
    W.xB[r] = xq;
    // product-form update of B^{-1}: row r scaled, the others minus col_i times it
    // (one outer product, column by column; row r and the rows with col_i = 0
    // subtract a zero, which leaves their values). The operations of Eigen's
    // row scaling and outer product, element by element, in one pass over the
    // columns: Eigen's two passes were ~1.6% of a design at N_T = 64.
    const double piv = W.col[r];
    W.col[r] = 0.0;
    double* B = W.Binv.data();
    const double* col = W.col.data();
    for (int k = 0; k < m; ++k, B += m) {
        const double f = B[r] / piv;
        B[r] = f;
        for (int i = 0; i < m; ++i)
            B[i] -= col[i] * f;
    }
}

/*
 * The objective of the current basis, -cost^T x with x_B = B^{-1}(b - A_N x_N), is
 * the dual objective (the basis is dual feasible), an upper bound on the optimum.
 * When it is under the cut-off, the Lagrangian bound of the basis's multipliers
 * (clipped to >= 0, as finish() returns them) confirms it: that bound holds for any
 * nu >= 0, whatever the rounding of the simplex's own updates.
 */
bool dual_simplex::below_cutoff()
{
    double v = 0.0;
    for (int j = 0; j < n; ++j)
        v -= masked(W.st[j] >= 0, W.cost[j] * W.val[j]);
    for (int i = 0; i < m; ++i)
        v -= W.cost[W.basis[i]] * W.xB[i];
    if (!(v < cut_below_ || v <= cut_at_most_))
        return false;
    rvec &cB = W.cB, &nu = W.nu, &g = W.g;
    cB.resize(m);
    for (int i = 0; i < m; ++i)
        cB[i] = W.cost[W.basis[i]];
    nu.noalias() = W.Binv.transpose() * cB;
    nu = nu.cwiseMax(0.0);
    g.noalias() = (*AT_) * nu; // c + A^T nu, summed as Eigen's c_ + (*AT_) * nu
    g += c_;
    double L = -nu.dot(b_);
    for (int j = 0; j < n; ++j)
        L += g[j] > 0 ? g[j] * W.u[j] : g[j] * W.l[j];
    return L < cut_below_ || L <= cut_at_most_;
}

void dual_simplex::run(int max_iter, bool duals, lp_result& res)
{
    W.rho.resize(m);
    W.col.resize(m);
    W.delta_rhs.resize(m);
    // basic entries are read (not used) by the ratio test: any finite values do, so
    // the last solve's stay (zeroed only when the size changes)
    if (W.alpha.size() != N)
        W.alpha.setZero(N);
    W.ratio.resize(N);
    W.cand.reserve(N);
    W.flips.reserve(N);
    lp_result::status_t status = lp_result::iteration_limit;
    int it = 0;
    for (; it < max_iter; ++it) {
        double worst;
        bool below;
        const int r = leaving_row(worst, below);
        if (r < 0) {
            status = lp_result::optimal;
            break;
        }
        if (cutoff_ && below_cutoff()) {
            cut_ = true;
            break;
        }
        const double atol = ptol_ * std::max(1.0, pivot_row(r));
        const size_t nbp = breakpoint_ratios(below, atol);
        if (nbp == 0) {
            status = lp_result::infeasible;
            break;
        }
        const int q = bound_flipping_walk(nbp, worst);
        apply_flips();
        pivot(r, q, below);
    }
    if (cut_) {
        // the caller prunes: no point, no multipliers; a stored basis is no longer
        // what the work arrays hold
        if (warm_) {
            warm_->valid = false;
            warm_->gen = ++W.gen;
        }
        res.status = lp_result::iteration_limit;
        res.iterations = it;
        res.value = 0;
        return;
    }
    finish(status, it, duals, res);
}

void dual_simplex::finish(lp_result::status_t status,
                          int iterations,
                          bool duals,
                          lp_result& res)
{
    res.status = status;
    res.iterations = iterations;
    if (warm_) {
        warm_->valid = status == lp_result::optimal;
        if (!(in_place_ && iterations == 0)) {
            warm_->st = W.st;
            warm_->basis = W.basis;
            warm_->d = W.d;
            warm_->Binv = W.Binv;
        }
        if (!same_c_bits_)
            warm_->c = c_;
        if (warm_->cache != cache_)
            warm_->cache = cache_;
        warm_->gen = ++W.gen;
        W.b_last = b_;
    }
    for (int i = 0; i < m; ++i)
        W.val[W.basis[i]] = W.xB[i];
    res.z.resize(n);
    for (int j = 0; j < n; ++j)
        res.z[j] = std::min(W.u[j], std::max(W.l[j], W.val[j]));
    res.value = c_.dot(res.z);
    if (!duals)
        return;
    // y^T = c_B^T B^{-1} in minimisation form: the row multipliers nu = y (>= 0 at
    // the optimum)
    for (int i = 0; i < m; ++i) // c_B (rho is free after the last pivot)
        W.rho[i] = W.cost[W.basis[i]];
    res.dual.noalias() = W.Binv.transpose() * W.rho;
    res.dual = res.dual.cwiseMax(0.0);
}

} // namespace

namespace {
inline void
check_lp(const rvec& c, const rmat& A, const rvec& b, const rvec& lo, const rvec& hi)
{
    const int n = int(c.size());
    const int m = int(A.rows());
    if (A.cols() != n || b.size() != m || lo.size() != n || hi.size() != n)
        throw param_error("lp_solve: inconsistent dimensions");
    // the bounds are checked by dual_simplex::set_bounds
}

inline int default_iterations(const rvec& c, const rmat& A)
{
    return 50 * (int(A.rows()) + 1) + 2 * int(c.size());
}
} // namespace

void lp_solve_into(lp_result& res,
                   const rvec& c,
                   const rmat& A,
                   const rvec& b,
                   const rvec& lo,
                   const rvec& hi,
                   lp_basis* warm,
                   bool duals)
{
    check_lp(c, A, b, lo, hi);
    dual_simplex lp(c, A, b, lo, hi, warm);
    lp.run(default_iterations(c, A), duals, res);
}

lp_result lp_solve(const rvec& c,
                   const rmat& A,
                   const rvec& b,
                   const rvec& lo,
                   const rvec& hi,
                   int max_iter,
                   lp_basis* warm,
                   bool duals)
{
    check_lp(c, A, b, lo, hi);
    if (max_iter <= 0)
        max_iter = default_iterations(c, A);
    dual_simplex lp(c, A, b, lo, hi, warm);
    lp_result res;
    lp.run(max_iter, duals, res);
    return res;
}

void lp_solve_cutoff(lp_result& res,
                     const rvec& c,
                     const rmat& A,
                     const rvec& b,
                     const rvec& lo,
                     const rvec& hi,
                     lp_basis* warm,
                     double below,
                     double at_most,
                     bool& cut)
{
    check_lp(c, A, b, lo, hi);
    dual_simplex lp(c, A, b, lo, hi, warm);
    lp.set_cutoff(below, at_most);
    lp.run(default_iterations(c, A), true, res);
    cut = lp.cut();
}

double lagrangian_bound(const rvec& c,
                        const rmat& A,
                        const rvec& b,
                        const rvec& lo,
                        const rvec& hi,
                        const rvec& nu)
{
    // c + A^T nu as Eigen sums it (the product, then + c), in a per-thread buffer
    thread_local rvec g;
    g.noalias() = A.transpose() * nu;
    g += c;
    double v = -nu.dot(b);
    // the bound selected by bits, not a branch (g's signs are random: it
    // mispredicted); the same product and sum
    for (Eigen::Index j = 0; j < g.size(); ++j)
        v += g[j] * select(g[j] > 0, hi[j], lo[j]);
    return v;
}

} // namespace core
} // namespace isac
} // namespace gr
