/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Infinite-resolution DAC steps of the CI precoder (1-bit ISAC paper infinite-resolution
 * benchmarks). Both problems live in R^{2N_T} but have only m = 2U (+1) linear rows, so
 * they are solved through m-dimensional duals with a projected Newton method (Bertsekas):
 *   QoS:      min_{nu>=0} R ||w + At^T nu|| - lambda^T nu,  x = R v/||v||
 *   min-norm: min_{nu>=0} 1/4 ||A^T nu||^2 - b^T nu,       x = A^T nu / 2
 * The max-min margin is found by bisection on the margin t with the
 * min-norm point of {A x >= b + t} against the radius.
 */
#include <gnuradio/isac/core/ci_solver.h>
#include <algorithm>
#include <functional>
#include <limits>

namespace gr {
namespace isac {
namespace core {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();

using fgh_fn = std::function<double(const rvec&, rvec*, rmat*)>;

// Projected Newton for min f(nu), nu >= 0 (small m). Returns the final nu.
rvec projected_newton(const fgh_fn& f, int m, int max_it, bool* diverged)
{
    rvec nu = rvec::Zero(m), g(m), nn(m), d(m);
    rmat H(m, m);
    *diverged = false;
    double fv = f(nu, &g, &H);
    for (int it = 0; it < max_it; ++it) {
        const rvec pg = nu - (nu - g).cwiseMax(0.0);
        const double pgn = pg.cwiseAbs().maxCoeff();
        if (pgn <= 1e-13 * (1.0 + g.cwiseAbs().maxCoeff()))
            break;
        const double eps = std::min(1e-9, pgn);
        std::vector<int> F, Act;
        for (int i = 0; i < m; ++i)
            (nu[i] <= eps && g[i] > 0 ? Act : F).push_back(i);
        d.setZero();
        if (!F.empty()) {
            rmat HF(F.size(), F.size());
            rvec gF(F.size());
            for (size_t a = 0; a < F.size(); ++a) {
                gF[a] = g[F[a]];
                for (size_t b = 0; b < F.size(); ++b)
                    HF(a, b) = H(F[a], F[b]);
            }
            const double reg = 1e-12 * (1.0 + HF.diagonal().cwiseAbs().maxCoeff());
            HF.diagonal().array() += reg;
            const rvec dF = -HF.ldlt().solve(gF);
            for (size_t a = 0; a < F.size(); ++a)
                d[F[a]] = std::isfinite(dF[a]) ? dF[a] : -gF[a];
        }
        for (int i : Act)
            d[i] = -g[i] / std::max(1e-300, std::abs(H(i, i)) + 1e-12);
        double step = 1.0;
        bool moved = false;
        for (int ls = 0; ls < 60; ++ls) {
            nn = (nu + step * d).cwiseMax(0.0);
            rvec g2(m);
            rmat H2(m, m);
            const double f2 = f(nn, &g2, &H2);
            if (f2 <= fv + 1e-4 * g.dot(nn - nu)) {
                nu = nn;
                fv = f2;
                g = g2;
                H = H2;
                moved = true;
                break;
            }
            step *= 0.5;
        }
        if (!moved)
            break;
        if (nu.cwiseAbs().maxCoeff() > 1e12) {
            *diverged = true;
            break;
        }
    }
    return nu;
}

// Minimum-norm point of {x : A x >= b}; returns false if the dual diverges (empty set).
bool min_norm_point(const rmat& A, const rvec& b, rvec& x)
{
    const rmat G = A * A.transpose();
    bool div = false;
    auto f = [&](const rvec& nu, rvec* g, rmat* H) {
        const rvec Gn = G * nu;
        if (g)
            *g = 0.5 * Gn - b;
        if (H)
            *H = 0.5 * G;
        return 0.25 * nu.dot(Gn) - b.dot(nu);
    };
    const rvec nu = projected_newton(f, int(A.rows()), 200, &div);
    x = 0.5 * A.transpose() * nu;
    const double tol = 1e-8 * (1.0 + b.cwiseAbs().maxCoeff());
    return !div && (A * x - b).minCoeff() >= -tol;
}
} // namespace

ilp_result socp_qos(const rvec& w, const rmat& At, const rvec& lambda, double R)
{
    ilp_result res;
    res.nodes = 1;
    // feasibility: the minimum-norm point of {At x >= lambda} must fit in the ball
    rvec xm;
    if (!min_norm_point(At, lambda, xm) || xm.norm() > R * (1.0 + 1e-9)) {
        res.lp_feasible = false;
        res.lp_bound = -inf;
        res.xt = xm.size() ? xm : rvec(rvec::Zero(w.size()));
        res.objective = w.dot(res.xt);
        return res;
    }
    res.lp_feasible = true;
    const rmat G = At * At.transpose();
    auto f = [&](const rvec& nu, rvec* g, rmat* H) {
        const rvec v = w + At.transpose() * nu;
        const double nv = std::max(v.norm(), 1e-300);
        const rvec Av = At * v;
        if (g)
            *g = R * Av / nv - lambda;
        if (H)
            *H = (R / nv) * (G - Av * Av.transpose() / (nv * nv));
        return R * nv - lambda.dot(nu);
    };
    bool div = false;
    const rvec nu = projected_newton(f, int(At.rows()), 200, &div);
    const rvec v = w + At.transpose() * nu;
    res.lp_bound = R * v.norm() - lambda.dot(nu); // weak duality: an upper bound
    rvec x = v.norm() > 0 ? rvec(R * v / v.norm()) : xm;
    const double tol = 1e-7 * (1.0 + lambda.cwiseAbs().maxCoeff());
    if ((At * x - lambda).minCoeff() < -tol) {
        // Newton stopped short of exact complementarity: move toward the
        // min-norm feasible point until feasible (keeps ||x|| <= R by convexity)
        double lo = 0.0, hi = 1.0;
        for (int i = 0; i < 60; ++i) {
            const double t = 0.5 * (lo + hi);
            const rvec y = (1 - t) * x + t * xm;
            ((At * y - lambda).minCoeff() >= -tol ? hi : lo) = t;
        }
        x = (1 - hi) * x + hi * xm;
    }
    res.feasible = true;
    res.xt = x;
    res.objective = w.dot(x);
    return res;
}

ilp_result socp_maxmin(
    const rmat& At, const rvec& offset, double R, bool radar, const rvec& w, double rhs)
{
    const int m = int(At.rows()), n = int(At.cols());
    const int rows = m + (radar ? 1 : 0);
    rmat A(rows, n);
    A.topRows(m) = At;
    if (radar)
        A.row(m) = w.transpose();
    auto bvec = [&](double t) {
        rvec b(rows);
        b.head(m) = offset.array() + t;
        if (radar)
            b[m] = rhs;
        return b;
    };
    ilp_result res;
    res.nodes = 1;
    const double T =
        R * At.rowwise().norm().maxCoeff() + offset.cwiseAbs().maxCoeff() + 1.0;
    rvec x;
    double lo = -T, hi = T;
    if (!min_norm_point(A, bvec(lo), x) || x.norm() > R * (1 + 1e-9)) {
        res.lp_feasible = false; // the radar row alone does not fit in the ball
        res.lp_bound = -inf;
        res.xt = radar && w.norm() > 0 ? rvec(R * w / w.norm()) : rvec(rvec::Zero(n));
        res.objective = (At * res.xt - offset).minCoeff();
        return res;
    }
    rvec best = x;
    for (int i = 0; i < 60 && hi - lo > 1e-12 * T; ++i) {
        const double t = 0.5 * (lo + hi);
        if (min_norm_point(A, bvec(t), x) && x.norm() <= R * (1 + 1e-12)) {
            lo = t;
            best = x;
        } else {
            hi = t;
        }
    }
    // the min-norm point sits on the sphere at the optimum; fill the ball exactly
    // only when scaling up cannot break a row (all right-hand sides >= 0)
    const double nb = best.norm();
    const rvec b = bvec(lo);
    if (nb > 0 && b.minCoeff() >= 0)
        best *= R / nb;
    res.lp_feasible = true;
    res.feasible = true;
    res.xt = best;
    res.objective = (At * best - offset).minCoeff();
    res.lp_bound = hi;
    return res;
}

} // namespace core
} // namespace isac
} // namespace gr
