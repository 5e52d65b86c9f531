/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/isl.h>
#include <algorithm>
#include <cmath>
#include <limits>

namespace gr {
namespace isac {
namespace core {

namespace {
cmat full_signal(const isl_problem& p, const cmat& B)
{
    cmat X = p.P * B;
    if (p.Xc.size())
        X += p.Xc;
    return X;
}

double re_inner(const cmat& a, const cmat& b) { return std::real(a.cwiseProduct(b.conjugate()).sum()); }
} // namespace

void validate(const isl_problem& p)
{
    check_int_range("L", p.L, 2, 1 << 24);
    check_int_range("T (largest ISL lag)", p.T, 1, p.L - 1);
    if (p.P.rows() < 1 || p.P.cols() < 1 || !p.P.allFinite())
        throw_param("P", shape_str(p.P.rows(), p.P.cols()), "a finite N x n_b basis");
    if (p.Xc.size() && (p.Xc.rows() != p.P.rows() || p.Xc.cols() != p.L || !p.Xc.allFinite()))
        throw_param("Xc", shape_str(p.Xc.rows(), p.Xc.cols()), "finite N x L or empty");
    if (p.col_weight.size() && (p.col_weight.size() != p.L || !p.col_weight.allFinite()))
        throw_param("col_weight", "size " + std::to_string(p.col_weight.size()), "L finite values or empty");
    check_positive_finite("budget", p.budget);
    check_finite("c0", p.c0);
}

rvec isl_lag_profile(const cmat& X, int T, const cancel_check& stop)
{
    const Eigen::Index L = X.cols();
    check_int_range("T (largest ISL lag)", T, 1, std::max<long>(1, L - 1));
    rvec r = rvec::Zero(T);
    for (int t = 1; t <= T; ++t) {
        if (stop())
            break;
        const cmat R = X.leftCols(L - t) * X.rightCols(L - t).adjoint();
        r[t - 1] = R.norm();
    }
    return r;
}

double isl_of(const cmat& X, int T, const cancel_check& stop)
{
    return isl_lag_profile(X, T, stop).squaredNorm();
}

double isl_cost(const isl_problem& p, const cmat& B, const cancel_check& stop)
{
    double v = isl_of(full_signal(p, B), p.T, stop) + p.c0;
    if (p.col_weight.size())
        v += (B.colwise().squaredNorm().transpose().cwiseProduct(p.col_weight)).sum();
    return v;
}

cmat isl_gradient(const isl_problem& p, const cmat& B, const cancel_check& stop)
{
    const cmat X = full_signal(p, B);
    const Eigen::Index L = p.L;
    cmat GX = cmat::Zero(X.rows(), L);
    for (int t = 1; t <= p.T; ++t) {
        if (stop())
            break;
        const auto Xl = X.leftCols(L - t);  // x_0 .. x_{L-t-1}
        const auto Xr = X.rightCols(L - t); // x_t .. x_{L-1}
        const cmat R = Xl * Xr.adjoint();
        // 2 (R X J^T + R^H X J): X J^T shifts columns left, X J shifts right.
        GX.leftCols(L - t).noalias() += 2.0 * (R * Xr);
        GX.rightCols(L - t).noalias() += 2.0 * (R.adjoint() * Xl);
    }
    cmat G = p.P.adjoint() * GX;
    if (p.col_weight.size())
        G += 2.0 * B * p.col_weight.cast<cdouble>().asDiagonal();
    return G;
}

isl_problem expected_isl_problem(const cmat& P, int L, int T, double comm_power, double budget)
{
    if (!(std::isfinite(comm_power) && comm_power >= 0))
        throw_param("comm_power", std::to_string(comm_power), "a finite value >= 0");
    isl_problem p;
    p.P = P;
    p.L = L;
    p.T = T;
    p.budget = budget;
    if (comm_power > 0) {
        p.col_weight.resize(L);
        for (int n = 0; n < L; ++n)
            p.col_weight[n] = comm_power * (std::min(n, T) + std::min(L - 1 - n, T));
        double lags = 0;
        for (int t = 1; t <= T; ++t)
            lags += L - t;
        p.c0 = comm_power * comm_power * lags;
    }
    validate(p);
    return p;
}

rcg_result rcg_isl(const isl_problem& p, const cmat& B0, const rcg_options& opt)
{
    validate(p);
    if (B0.rows() != p.P.cols() || B0.cols() != p.L)
        throw_param("B0", shape_str(B0.rows(), B0.cols()), "n_b x L");
    if (!B0.allFinite() || !(B0.norm() > 0))
        throw_param("B0", "zero or non-finite", "a finite non-zero start");
    check_int_range("max_iter", opt.max_iter, 0, 1000000);
    const double rad = std::sqrt(p.budget);
    auto retract = [&](const cmat& V) -> cmat { return V * (rad / V.norm()); };
    auto proj = [&](const cmat& B, const cmat& G) -> cmat {
        return G - (re_inner(B, G) / p.budget) * B;
    };

    rcg_result res;
    // `stop` fires on cancellation or at the work budget; an evaluation it cut
    // short is never used: the result is the last fully evaluated iterate.
    const cancel_check stop = opt.cancel.with_deadline(opt.max_seconds);
    auto stopped = [&]() {
        if (!stop())
            return false;
        res.cancelled = opt.cancel.cancelled();
        res.out_of_time = !res.cancelled;
        return true;
    };
    res.B = retract(B0);
    double f = isl_cost(p, res.B, stop);
    if (stopped()) {
        res.cost = std::numeric_limits<double>::quiet_NaN(); // f was cut short
        return res;
    }
    res.cost_history.push_back(f);
    cmat rg = proj(res.B, isl_gradient(p, res.B, stop));
    const double g0 = rg.norm();
    cmat D = -rg;
    cmat rg_prev = rg;
    int small = 0; // consecutive steps with a relative decrease below rel_tol
    for (int it = 0; it < opt.max_iter; ++it) {
        if (stopped())
            break;
        if (rg.norm() <= opt.grad_tol * g0 || !(g0 > 0)) {
            res.converged = true;
            break;
        }
        double slope = re_inner(rg, D);
        if (slope >= 0) { // not a descent direction: restart along -rgrad
            D = -rg;
            slope = -rg.squaredNorm();
        }
        // Armijo backtracking along the retraction curve.
        double a = rad / D.norm();
        cmat Bn;
        double fn = f;
        bool accepted = false;
        for (int j = 0; j < 60; ++j) {
            Bn = retract(res.B + a * D);
            fn = isl_cost(p, Bn, stop);
            if (stop())
                break;
            if (fn <= f + 1e-4 * a * slope) {
                accepted = true;
                break;
            }
            a *= 0.5;
        }
        if (stopped())
            break;
        if (!accepted) { // no decrease representable: a stationary point to rounding
            res.converged = true;
            break;
        }
        res.iterations = it + 1;
        const double rel = (f - fn) / std::max(std::fabs(f), 1e-300);
        res.B = Bn;
        f = fn;
        res.cost_history.push_back(f);
        rg_prev = proj(res.B, rg);             // transport of the previous gradient
        const cmat Dt = proj(res.B, D);         // transport of the previous direction
        const double prev_sq = rg.squaredNorm();
        rg = proj(res.B, isl_gradient(p, res.B, stop));
        if (stopped())
            break; // res.B and f are consistent; the cut gradient is dropped
        const double beta = std::max(0.0, re_inner(rg, rg - rg_prev) / prev_sq);
        D = -rg + beta * Dt;
        // One short step (a poor conjugate direction after a long Armijo
        // backtrack) is not convergence: restart along -rgrad and stop only
        // after three small decreases in a row.
        if (rel < opt.rel_tol) {
            D = -rg;
            if (++small >= 3) {
                res.converged = true;
                break;
            }
        } else {
            small = 0;
        }
    }
    res.cost = f;
    return res;
}

} // namespace core
} // namespace isac
} // namespace gr
