/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/comm_precoder.h>
#include <algorithm>
#include <limits>

namespace gr {
namespace isac {
namespace core {

namespace {
void check_channel(const cmat& H)
{
    if (H.rows() < 1 || H.cols() < 1)
        throw_param("H", shape_str(H.rows(), H.cols()), "at least 1x1");
    if (!H.allFinite())
        throw_param("H", "non-finite entries", "finite entries");
}
} // namespace

int numerical_rank(const cmat& H)
{
    Eigen::JacobiSVD<cmat> svd(H);
    const rvec s = svd.singularValues();
    if (s.size() == 0 || s[0] == 0.0)
        return 0;
    const double tol = std::max(H.rows(), H.cols()) *
                       std::numeric_limits<double>::epsilon() * s[0];
    int r = 0;
    for (Eigen::Index i = 0; i < s.size(); ++i)
        r += s[i] > tol;
    return r;
}

rvec sinr(const cmat& H, const cmat& F, double noise_var)
{
    check_channel(H);
    if (F.rows() != H.cols() || F.cols() != H.rows())
        throw_param("F",
                    shape_str(F.rows(), F.cols()),
                    "N x K = " + std::to_string(H.cols()) + "x" +
                        std::to_string(H.rows()));
    if (!(std::isfinite(noise_var) && noise_var >= 0))
        throw_param("noise_var", std::to_string(noise_var), "a finite value >= 0");
    const rmat G = (H * F).cwiseAbs2(); // G(k,j) = |h_k^H f_j|^2
    rvec s(H.rows());
    for (Eigen::Index k = 0; k < H.rows(); ++k) {
        const double interf = G.row(k).sum() - G(k, k) + noise_var;
        s[k] = G(k, k) / interf;
    }
    return s;
}

cmat mrt_directions(const cmat& H)
{
    check_channel(H);
    cmat U = H.adjoint();
    for (Eigen::Index k = 0; k < U.cols(); ++k) {
        const double n = U.col(k).norm();
        if (!(n > 0))
            throw_param("H", "row " + std::to_string(k) + " is zero", "non-zero user channels");
        U.col(k) /= n;
    }
    return U;
}

cmat zf_directions(const cmat& H)
{
    check_channel(H);
    const int r = numerical_rank(H);
    if (r < H.rows())
        throw_param("H", "numerical rank " + std::to_string(r) + " < K = " +
                             std::to_string(H.rows()),
                    "full row rank for zero-forcing");
    // H^H (H H^H)^{-1} via a least-squares solve: the minimum-norm right inverse.
    const cmat Hh = H.adjoint();
    cmat U = Hh * (H * Hh).ldlt().solve(cmat::Identity(H.rows(), H.rows()));
    for (Eigen::Index k = 0; k < U.cols(); ++k)
        U.col(k).normalize();
    return U;
}

cmat scale_columns(const cmat& U, const rvec& p)
{
    if (p.size() != U.cols())
        throw_param("p", "size " + std::to_string(p.size()),
                    "one power per column (" + std::to_string(U.cols()) + ")");
    cmat F = U;
    for (Eigen::Index k = 0; k < U.cols(); ++k) {
        if (!(std::isfinite(p[k]) && p[k] >= 0))
            throw_param("p[" + std::to_string(k) + "]", std::to_string(p[k]),
                        "a finite power >= 0");
        F.col(k) *= std::sqrt(p[k]);
    }
    return F;
}

cmat mrt_precoder(const cmat& H, double power)
{
    check_positive_finite("power", power);
    return scale_columns(mrt_directions(H), rvec::Constant(H.rows(), power / H.rows()));
}

cmat zf_precoder(const cmat& H, double power)
{
    check_positive_finite("power", power);
    return scale_columns(zf_directions(H), rvec::Constant(H.rows(), power / H.rows()));
}

namespace {
void check_targets(const cmat& H, const rvec& gamma, double noise_var)
{
    check_channel(H);
    if (gamma.size() != H.rows())
        throw_param("gamma", "size " + std::to_string(gamma.size()),
                    "one SINR target per user (" + std::to_string(H.rows()) + ")");
    for (Eigen::Index k = 0; k < gamma.size(); ++k)
        check_positive_finite("gamma[" + std::to_string(k) + "]", gamma[k]);
    check_positive_finite("noise_var", noise_var);
}
} // namespace

power_control_result
sinr_power_control(const cmat& H, const cmat& U, const rvec& gamma, double noise_var)
{
    check_targets(H, gamma, noise_var);
    if (U.rows() != H.cols() || U.cols() != H.rows())
        throw_param("U", shape_str(U.rows(), U.cols()), "N x K");
    const Eigen::Index K = H.rows();
    const rmat G = (H * U).cwiseAbs2();
    rmat M = -G;
    for (Eigen::Index k = 0; k < K; ++k)
        M(k, k) = G(k, k) / gamma[k];
    power_control_result r;
    Eigen::FullPivLU<rmat> lu(M);
    if (!lu.isInvertible()) {
        r.why = "SINR power control: the coupling matrix is singular (a user's direction is "
                "orthogonal to its channel)";
        return r;
    }
    r.p = lu.solve(rvec::Constant(K, noise_var));
    for (Eigen::Index k = 0; k < K; ++k) {
        if (!(std::isfinite(r.p[k]) && r.p[k] > 0)) {
            r.why = "SINR targets are infeasible for these directions (power of user " +
                    std::to_string(k) + " would be " + std::to_string(r.p[k]) + ")";
            return r;
        }
    }
    r.feasible = true;
    return r;
}

minpower_result
minpower_precoder(const cmat& H, const rvec& gamma, double noise_var, double tol, int max_iter)
{
    check_targets(H, gamma, noise_var);
    check_positive_finite("tol", tol);
    check_int_range("max_iter", max_iter, 1, 100000000);
    const Eigen::Index K = H.rows(), N = H.cols();
    const cmat Hh = H.adjoint(); // columns h_k
    minpower_result res;
    rvec lambda = rvec::Ones(K);
    // The fixed point is noise-independent (scale f by sqrt(noise_var)); a
    // dual above this bound means the iteration diverges: the targets are
    // not achievable with these channels.
    const double diverged = 1e14;
    cmat Sigma(N, N);
    // Fixed-point map I(lambda) and its Jacobian; the plain iteration converges
    // linearly with a rate that tends to 1 at high SINR targets, so each step
    // also tries a safeguarded Newton step on lambda - I(lambda) = 0 and keeps
    // it only when it stays positive and lowers the residual.
    auto eval = [&](const rvec& lam, rvec& I, rmat* J) {
        Sigma = Hh * lam.cast<cdouble>().asDiagonal() * H;
        Sigma.diagonal().array() += 1.0;
        Eigen::LLT<cmat> llt(Sigma);
        const cmat X = llt.solve(Hh); // column k = Sigma^{-1} h_k
        I.resize(K);
        for (Eigen::Index k = 0; k < K; ++k) {
            const double q = std::real(Hh.col(k).dot(X.col(k)));
            I[k] = 1.0 / ((1.0 + 1.0 / gamma[k]) * q);
        }
        if (J) {
            const cmat C = Hh.adjoint() * X; // C(k, j) = h_k^H Sigma^{-1} h_j
            J->resize(K, K);
            for (Eigen::Index k = 0; k < K; ++k)
                for (Eigen::Index j = 0; j < K; ++j)
                    (*J)(k, j) = I[k] * I[k] * (1.0 + 1.0 / gamma[k]) * std::norm(C(k, j));
        }
    };
    rvec I;
    rmat J;
    for (int it = 1; it <= max_iter; ++it) {
        eval(lambda, I, &J);
        const rvec resid = lambda - I;
        rvec next = I; // plain fixed-point step
        const rvec newton = lambda - (rmat::Identity(K, K) - J).fullPivLu().solve(resid);
        if (newton.allFinite() && (newton.array() > 0).all()) {
            rvec In;
            eval(newton, In, nullptr);
            rvec Ip;
            eval(next, Ip, nullptr);
            if ((newton - In).cwiseAbs().maxCoeff() < (next - Ip).cwiseAbs().maxCoeff())
                next = newton;
        }
        const double change = (next - lambda).cwiseAbs().maxCoeff() / next.maxCoeff();
        lambda = next;
        res.iterations = it;
        if (!lambda.allFinite() || lambda.maxCoeff() > diverged) {
            res.lambda = lambda;
            res.why = "min-power: SINR targets infeasible (dual variables diverge after " +
                      std::to_string(it) + " iterations)";
            return res;
        }
        if (change < tol)
            break;
        if (it == max_iter) {
            res.lambda = lambda;
            res.why = "min-power: fixed point did not converge in " + std::to_string(max_iter) +
                      " iterations (targets at or beyond the feasibility boundary)";
            return res;
        }
    }
    res.lambda = lambda;
    Sigma = Hh * lambda.cast<cdouble>().asDiagonal() * H;
    Sigma.diagonal().array() += 1.0;
    cmat U = Sigma.llt().solve(Hh);
    for (Eigen::Index k = 0; k < K; ++k)
        U.col(k).normalize();
    res.U = U;
    auto pc = sinr_power_control(H, U, gamma, noise_var);
    if (!pc.feasible) {
        res.why = "min-power: " + pc.why;
        return res;
    }
    res.p = pc.p;
    res.F = scale_columns(U, pc.p);
    res.total_power = pc.p.sum();
    res.dual_value = noise_var * lambda.sum();
    res.feasible = true;
    return res;
}

} // namespace core
} // namespace isac
} // namespace gr
