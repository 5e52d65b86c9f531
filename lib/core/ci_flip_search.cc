/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The flip search of the CI precoder's ILP heuristics (ci_flip_search.h). The
 * scans are branch-free over the rows: with random signs the early-exit branches
 * mispredicted on most columns.
 */
#include "ci_branchfree.h"
#include "ci_flip_search.h"
#include "volk_isac/machines.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace isac {
namespace core {

double feas_tol(const rvec& b, double c, const rmat& A)
{
    double s = c * (A.size() ? A.cwiseAbs().maxCoeff() : 1.0);
    for (Eigen::Index i = 0; i < b.size(); ++i)
        s = std::max(s, std::abs(b[i]));
    return 1e-10 * std::max(s, 1e-300);
}

void sign_into(const double* v, const double* tie, double c, double* x, int n)
{
    int j = 0;
#ifdef __SSE2__
    // two entries per SSE2 compare (the scalar selects were ~1% of a design at
    // N_T = 64): the same tests, v != 0 true and s < 0 false for NaN
    const __m128d zero = _mm_setzero_pd(), pc = _mm_set1_pd(c), mc = _mm_set1_pd(-c);
    for (; j + 2 <= n; j += 2) {
        const __m128d vv = _mm_loadu_pd(v + j), tv = _mm_loadu_pd(tie + j);
        const __m128d nz = _mm_cmpneq_pd(vv, zero);
        const __m128d sv = _mm_or_pd(_mm_and_pd(nz, vv), _mm_andnot_pd(nz, tv));
        const __m128d neg = _mm_cmplt_pd(sv, zero);
        _mm_storeu_pd(x + j, _mm_or_pd(_mm_and_pd(neg, mc), _mm_andnot_pd(neg, pc)));
    }
#endif
    for (; j < n; ++j) { // random signs: branch-free
        const double s = select(v[j] != 0.0, v[j], tie[j]);
        x[j] = select(s < 0, -c, c);
    }
}

rvec sign_vec(const rvec& v, const rvec& tie, double c)
{
    rvec x(v.size());
    sign_into(v.data(), tie.data(), c, x.data(), int(v.size()));
    return x;
}

struct flip_search::arrays {
    rvec x, r, rj;
    rmat dR;
    std::vector<int> rows, cols, improving, partners, cand, worst_row, row_count,
        row_cols;
    std::vector<double> after, gain, worst_val, row_floor, dRt, dmin, v2;
};

namespace {
// Searches nest a couple deep at most (a max-min search inside a feasibility
// search); a few stored sets cover them.
constexpr size_t max_stored_arrays = 8;
thread_local bool store_gone = false; // trivially destructible: outlives the store
struct arrays_store {
    std::vector<std::unique_ptr<flip_search::arrays>> v;
    ~arrays_store() { store_gone = true; }
};
std::vector<std::unique_ptr<flip_search::arrays>>& stored_arrays()
{
    thread_local arrays_store store;
    return store.v;
}
} // namespace

void flip_search::swap_arrays(arrays& a)
{
    x_.swap(a.x);
    r_.swap(a.r);
    rj_.swap(a.rj);
    dR_.swap(a.dR);
    rows_.swap(a.rows);
    cols_.swap(a.cols);
    improving_.swap(a.improving);
    partners_.swap(a.partners);
    cand_.swap(a.cand);
    worst_row_.swap(a.worst_row);
    row_count_.swap(a.row_count);
    row_cols_.swap(a.row_cols);
    after_.swap(a.after);
    gain_.swap(a.gain);
    worst_val_.swap(a.worst_val);
    row_floor_.swap(a.row_floor);
    dRt_.swap(a.dRt);
    dmin_.swap(a.dmin);
    v2_.swap(a.v2);
}

flip_search::flip_search(
    const rvec& w, const rmat& A, const rvec& b, double c, double tol)
    : w_(w), A_(A), b_(b), c_(c), tol_(tol)
{
    auto& store = stored_arrays();
    if (store.empty()) {
        held_ = std::make_unique<arrays>();
    } else {
        held_ = std::move(store.back());
        store.pop_back();
    }
    swap_arrays(*held_);
}

flip_search::~flip_search()
{
    if (store_gone)
        return;
    auto& store = stored_arrays();
    if (store.size() < max_stored_arrays) {
        swap_arrays(*held_);
        store.push_back(std::move(held_));
    }
}

void product_into(const rmat& A, const double* x, double* y)
{
    const int rows = int(A.rows());
    const auto* K = volk_isac_machines::ci_lp_selected();
    if (!K || rows == 0) {
        Eigen::Map<rvec>(y, rows).noalias() = A * Eigen::Map<const rvec>(x, A.cols());
        return;
    }
    // the kernel also takes the largest |y_i| over rows of status >= 0 (the LP's
    // pivot row); unused here, so any status per row does
    thread_local std::vector<int> status;
    if (int(status.size()) < rows)
        status.resize(size_t(rows));
    K->pivot_row(A.data(), rows, int(A.cols()), x, status.data(), y);
}

void flip_search::set(const rvec& x0)
{
    x_ = x0;
    const Eigen::Index n = x_.size(), m = A_.rows();
    r_.resize(m);
    product_into(A_, x_.data(), r_.data()); // r = A x - b, as Eigen's A * x - b
    r_ -= b_;
    obj_ = w_.dot(x_);
    dR_.resize(m, n);
    // column by column over contiguous storage (vectorised; element access through
    // Eigen's operator() was ~3% of a design at N_T = 64)
    const double* a = A_.data();
    double* d = dR_.data();
    for (Eigen::Index j = 0; j < n; ++j, a += m, d += m) {
        const double s = -2.0 * x_[j];
        for (Eigen::Index i = 0; i < m; ++i)
            d[i] = s * a[i];
    }
}

void flip_search::flip(int j)
{
    const double s = -2.0 * x_[j];
    r_ += dR_.col(j);
    obj_ += s * w_[j];
    x_[j] = -x_[j];
    dR_.col(j) = -dR_.col(j);
}

double flip_search::violation() const
{
    double v = 0;
    for (Eigen::Index i = 0; i < r_.size(); ++i)
        if (r_[i] < -tol_)
            v -= r_[i];
    return v;
}

bool flip_search::feasible() const { return r_.minCoeff() >= -tol_; }

bool flip_search::repair()
{
    const int n = int(x_.size());
    cols_.resize(n);
    // pair moves cost O(n m) per candidate first flip: a few per repair
    constexpr int max_pairs = 2;
    int pairs = 0;
    for (int step = 0; step < 2 * n; ++step) {
        const double v0 = violation();
        if (v0 <= 0)
            return true;
        const int j = best_repair_flip(v0);
        if (j >= 0)
            flip(j);
        else if (pairs++ == max_pairs || !repair_pair(v0))
            return false;
    }
    return feasible();
}

namespace {
// first flips a pair move tries (repair_pair, best_pair_flip): the pair scans are
// O(n m) per first flip
constexpr int max_first_flips = 12;
} // namespace

// v2_[k] (v2_ sized n) = the violation after flipping j then k, for every k; returns
// their minimum. K: the AVX kernels (volk_isac/ci_flip_kernels.h), or null for Eigen.
// The rows no partner can break after j's flip (r_i + dR_ij + min_k dR_ik >= -tol,
// rounding is monotone) are skipped: a skipped row adds +0.0, so each v2 has the bits
// of the sum over all rows in order.
// (always inlined: as a call per first flip it showed in callgrind at N_T = 16)
__attribute__((always_inline)) inline double flip_search::pair_violations(
    const volk_isac_machines::ci_flip_kernels* K, int j, int n, int m, double tol)
{
    rj_ = r_ + dR_.col(j);
    if (K)
        return K->pair_violation(
            n, m, dRt_.data(), rj_.data(), dmin_.data(), tol, v2_.data());
    Eigen::Map<Eigen::ArrayXd> v2(v2_.data(), n);
    v2.setZero();
    for (int i = 0; i < m; ++i) {
        const double r0 = rj_[i];
        if (!(r0 + dmin_[i] < -tol))
            continue;
        // branch-free (x - 0.0 == x lets the compiler skip the store otherwise)
        const auto ri = r0 + Eigen::Map<const Eigen::ArrayXd>(&dRt_[size_t(i) * n], n);
        v2 -= (ri < -tol).select(ri, 0.0);
    }
    return v2.minCoeff();
}

// No single flip lowers the violation: the pair that lowers it most, its first flip
// among the max_first_flips columns raising a violated row that raise the violation
// least (found by best_repair_flip), its second any column. Flips it, or returns false.
bool flip_search::repair_pair(double v0)
{
    const int n = int(x_.size()), m = int(r_.size());
    const double tol = tol_;
    // the same sums in AVX lanes where the CPU has them
    static const volk_isac_machines::ci_flip_kernels* const K =
        volk_isac_machines::ci_flip_selected();
    int top[max_first_flips];
    const int nf = least_violation_first_flips(top);
    transpose_changes();
    v2_.resize(n);
    int bj = -1, bk = -1;
    double bv = v0 - 1e-15 * (1 + v0), bloss = inf;
    for (int t = 0; t < nf; ++t) {
        const int j = top[t];
        const double vmin = pair_violations(K, j, n, m, tol);
        // most first flips have no partner that lowers the violation below the
        // best so far (two calls in three find none): then no k below can win
        if (!(vmin <= bv))
            continue;
        const double* v2 = v2_.data();
        for (int k = 0; k < n; ++k) {
            const double loss = 2.0 * (x_[j] * w_[j] + x_[k] * w_[k]);
            if (k != j && (v2[k] < bv || (v2[k] == bv && loss < bloss))) {
                bv = v2[k];
                bloss = loss;
                bj = j;
                bk = k;
            }
        }
    }
    if (bj < 0)
        return false;
    flip(bj);
    flip(bk);
    return true;
}

// The max_first_flips first flips of least violation (after_), ties in column order,
// into top; returns their number. An insertion into a short sorted list
// (std::partial_sort's heap cost a fifth of repair_pair at N_T = 16).
inline int flip_search::least_violation_first_flips(int* top) const
{
    int nf = 0;
    for (int t = 0; t < n_first_; ++t) {
        const int j = cols_[t];
        const double a = after_[j];
        if (nf == max_first_flips && !(a < after_[top[nf - 1]]))
            continue;
        int p = nf < max_first_flips ? nf++ : nf - 1;
        for (; p > 0 && a < after_[top[p - 1]]; --p)
            top[p] = top[p - 1];
        top[p] = j;
    }
    return nf;
}

// dRt_ = dR_ transposed, so that the pair scan runs over the partners k in its inner
// loop (row i's changes of every column, contiguous, vectorise); dmin_ = each row's
// most negative change, which bounds what any partner can do to the row.
inline void flip_search::transpose_changes()
{
    const int n = int(x_.size()), m = int(r_.size());
    dRt_.resize(size_t(m) * n);
    dmin_.assign(m, inf);
    for (int k = 0; k < n; ++k) {
        const double* dk = dR_.col(k).data();
        for (int i = 0; i < m; ++i) {
            dRt_[size_t(i) * n + k] = dk[i];
            dmin_[i] = std::min(dmin_[i], dk[i]);
        }
    }
}

namespace {
// +0 - (r_0 + d_0) - (r_1 + d_1) - ... over the rows i < m (in order) where
// r_i + d_i < -tol: the violation after a flip. The rows above -tol subtract +0,
// which changes no sum (it is never -0).
inline double violation_after(const double* r, const double* d, int m, double tol)
{
    double v = 0;
    int i = 0;
#ifdef __SSE2__
    const __m128d t = _mm_set1_pd(-tol);
    for (; i + 2 <= m; i += 2) {
        // both rows subtracted in order, a row above -tol as +0 (no branch on which
        // rows are violated: it mispredicted)
        const __m128d s = _mm_add_pd(_mm_loadu_pd(r + i), _mm_loadu_pd(d + i));
        const __m128d k = _mm_and_pd(_mm_cmplt_pd(s, t), s);
        v -= _mm_cvtsd_f64(k);
        v -= _mm_cvtsd_f64(_mm_unpackhi_pd(k, k));
    }
#endif
    for (; i < m; ++i) {
        const double ri = r[i] + d[i];
        v -= masked(ri < -tol, ri);
    }
    return v;
}
} // namespace

// the flip with the best violation decrease per objective loss, or -1
int flip_search::best_repair_flip(double v0)
{
    const int n = int(x_.size()), m = int(r_.size());
    // Only a flip that raises a violated row can reduce the violation: collect those
    // columns first (branch-free, in order), then sum the violation after each of
    // their flips over the rows in order.
    rows_.clear();
    for (int i = 0; i < m; ++i)
        if (r_[i] < -tol_)
            rows_.push_back(i);
    int nh = 0;
    for (int j = 0; j < n; ++j) {
        const double* dj = dR_.col(j).data();
        bool h = false;
        for (int i : rows_)
            h |= dj[i] > 0;
        cols_[nh] = j;
        nh += h;
    }
    int bj = -1;
    double bscore = -inf;
    n_first_ = nh;
    after_.resize(n);
    for (int t = 0; t < nh; ++t) {
        const int j = cols_[t];
        const double v1 = violation_after(r_.data(), dR_.col(j).data(), m, tol_);
        after_[j] = v1;
        const double gain = v0 - v1;
        if (gain <= 1e-15 * (1 + v0))
            continue;
        const double loss = 2.0 * x_[j] * w_[j];
        const double score = loss <= 0 ? 1e300 + gain : gain / loss;
        if (score > bscore) {
            bscore = score;
            bj = j;
        }
    }
    return bj;
}

void flip_search::local_search()
{
    const int n = int(x_.size());
    const double otol = 1e-13 * (1.0 + std::abs(obj_));
    rj_.resize(r_.size());
    gain_.resize(n);
    partners_.resize(n);
    // pair scans are the expensive move: at most max_pair_scans per search
    constexpr int max_pair_scans = 4;
    int pair_scans = 0;
    for (int pass = 0; pass < 4 * n; ++pass) {
        const int j = best_single_flip(otol);
        if (j >= 0) {
            flip(j);
            continue;
        }
        if (++pair_scans > max_pair_scans || !best_pair_flip(otol))
            break;
    }
}

// Fills gain_ and the improving flips; flips nothing. Returns the best single flip
// that keeps every row, or -1.
int flip_search::best_single_flip(double otol)
{
    const int n = int(x_.size());
    improving_.resize(n);
    size_t nd = 0;
    for (int j = 0; j < n; ++j) {
        gain_[j] = -2.0 * x_[j] * w_[j];
        improving_[nd] = j;
        nd += !(gain_[j] <= otol);
    }
    improving_.resize(nd);
    int bj = -1;
    double bgain = otol;
    for (int j : improving_) {
        const double g = gain_[j];
        if (g <= bgain)
            continue;
        if (fits(r_, j)) {
            bgain = g;
            bj = j;
        }
    }
    return bj;
}

// The best pair (j, k): j one of the max_first_flips best improving flips (each
// alone breaks a row), k any partner. Flips it and returns true, or false when none.
bool flip_search::best_pair_flip(double otol)
{
    keep_best_first_flips();
    const int nc = partner_candidates(otol);
    collect_row_partners(nc);
    const int m = int(dR_.rows());
    int bj = -1, bk = -1;
    double bgain = otol;
    for (size_t f = 0; f < improving_.size(); ++f) {
        const int j = improving_[f];
        const double gj = gain_[j];
        rj_ = r_ + dR_.col(j);
        // partners that beat the gain so far and repair the row j breaks most (a
        // necessary condition of fits()), collected branch-free; bgain only grows
        // below, so the test is repeated before the row check
        const int i0 = worst_row_[f];
        const double r0 = worst_val_[f];
        const double* d0 = dR_.data() + i0;
        const int* cols = row_cols_.data() + size_t(i0) * nc;
        const int nr = row_count_[i0];
        int nk = 0;
        for (int t = 0; t < nr; ++t) {
            const int k = cols[t];
            partners_[nk] = k;
            nk += (k != j) & (gj + gain_[k] > bgain) & (r0 + d0[size_t(k) * m] >= -tol_);
        }
        for (int t = 0; t < nk; ++t) {
            const int k = partners_[t];
            const double g = gj + gain_[k];
            if (g <= bgain)
                continue;
            if (fits(rj_, k)) {
                bgain = g;
                bj = j;
                bk = k;
            }
        }
    }
    if (bj < 0)
        return false;
    flip(bj);
    flip(bk);
    return true;
}

// Keeps the max_first_flips improving flips of largest -x_j w_j, largest first.
void flip_search::keep_best_first_flips()
{
    constexpr size_t max_first = max_first_flips;
    if (improving_.size() <= max_first)
        return;
    // By insertion into a short sorted list (std::partial_sort's heap was ~2.5% of a
    // design's time at N_T = 64). With distinct keys down to the last one kept, and no
    // key left out equal to it, the result is unique, so it is partial_sort's; on a
    // tie (or a NaN) partial_sort decides, as before.
    int top[max_first];
    double key[max_first];
    size_t nt = 0;
    bool unique = true;
    for (int j : improving_) {
        const double kj = -x_[j] * w_[j];
        unique &= kj == kj;
        if (nt == max_first && !(kj > key[nt - 1]))
            continue;
        size_t p = nt < max_first ? nt++ : nt - 1;
        for (; p > 0 && kj > key[p - 1]; --p) {
            top[p] = top[p - 1];
            key[p] = key[p - 1];
        }
        top[p] = j;
        key[p] = kj;
    }
    for (size_t t = 1; t < max_first; ++t)
        unique &= key[t] < key[t - 1];
    size_t at_least = 0;
    for (int j : improving_)
        at_least += -x_[j] * w_[j] >= key[max_first - 1];
    if (unique && at_least == max_first)
        std::copy(top, top + max_first, improving_.begin());
    else
        std::partial_sort(improving_.begin(),
                          improving_.begin() + max_first,
                          improving_.end(),
                          [&](int a, int b) { return -x_[a] * w_[a] > -x_[b] * w_[b]; });
    improving_.resize(max_first);
}

// The columns that can be a second flip into cand_; returns their number. A partner
// k of j needs gain_k > otol - gain_j >= otol - max_j gain_j: the columns below that
// (most, near a local optimum) are dropped once, not per j. The margin covers the
// rounding of gain_j + gain_k.
int flip_search::partner_candidates(double otol)
{
    const int n = int(x_.size());
    double gmax = -inf;
    for (int j : improving_)
        gmax = std::max(gmax, gain_[j]);
    const double gfloor = otol - gmax - 1e-12 * (std::abs(otol) + std::abs(gmax));
    cand_.resize(n);
    int nc = 0;
    for (int k = 0; k < n; ++k) {
        cand_[nc] = k;
        nc += gain_[k] > gfloor;
    }
    return nc;
}

// Each first flip j breaks a row; its partners must repair the worst one, i0(j):
// r0(j) + dR(i0, k) >= -tol. Per row i, the candidates (cand_[0, nc)) that pass this
// test for the highest r0 of the first flips whose worst row it is are collected once
// (in order; rounding is monotone, so they include every j's partners) into
// row_cols_; each j then scans its row's few columns instead of all candidates (most
// scans find no pair).
void flip_search::collect_row_partners(int nc)
{
    const int m = int(dR_.rows());
    const size_t nf = improving_.size();
    worst_row_.resize(nf);
    worst_val_.resize(nf);
    row_floor_.assign(m, -inf);
    for (size_t f = 0; f < nf; ++f) {
        rj_ = r_ + dR_.col(improving_[f]);
        Eigen::Index i0;
        rj_.minCoeff(&i0);
        worst_row_[f] = int(i0);
        worst_val_[f] = rj_[i0];
        row_floor_[i0] = std::max(row_floor_[i0], rj_[i0]);
    }
    row_count_.assign(m, 0);
    // grown only: a shrink and regrow would zero-fill entries that are written first
    if (row_cols_.size() < size_t(m) * nc)
        row_cols_.resize(size_t(m) * nc);
    for (int i = 0; i < m; ++i) {
        if (!(row_floor_[i] > -inf))
            continue;
        const double r0 = row_floor_[i];
        const double* d0 = dR_.data() + i;
        int* out = row_cols_.data() + size_t(i) * nc;
        int nr = 0;
        for (int t = 0; t < nc; ++t) {
            const int k = cand_[t];
            out[nr] = k;
            nr += r0 + d0[size_t(k) * m] >= -tol_;
        }
        row_count_[i] = nr;
    }
}

} // namespace core
} // namespace isac
} // namespace gr
