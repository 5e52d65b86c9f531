/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/safe_margin.h>
#include <vector>

namespace gr {
namespace isac {
namespace core {

double psk_cot(int M)
{
    check_int_range("psk_order", M, 2, 1 << 16);
    if (M == 2)
        return 0.0; // cot(pi/2) = 0 exactly; std::tan would give 6e-17
    return 1.0 / std::tan(pi / M);
}

void fast_atan2_n(const double* y, const double* x, double* a, size_t n)
{
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        detail::v2df yv, xv;
        std::memcpy(&yv, y + i, sizeof(yv));
        std::memcpy(&xv, x + i, sizeof(xv));
        detail::v2di ok;
        const detail::v2df p = detail::fast_atan2_v(yv, xv, ok);
        std::memcpy(a + i, &p, sizeof(p));
        for (int l = 0; l < 2; ++l) // lanes fast_atan2 sends to std::atan2
            if (!ok[l])
                a[i + size_t(l)] = std::atan2(y[i + size_t(l)], x[i + size_t(l)]);
    }
    for (; i < n; ++i)
        a[i] = fast_atan2(y[i], x[i]);
}

cdouble psk_point(int M, int k) { return std::polar(1.0, 2.0 * pi * k / M); }

int psk_index(cdouble s, int M, bool* bad, bool* far)
{
    if (bad)
        *bad = false;
    if (far)
        *far = false;
    if (!(std::isfinite(s.real()) && std::isfinite(s.imag()))) {
        if (bad)
            *bad = true;
        return 0;
    }
    double a; // (-pi, pi]
    long k = psk_round(s.imag(), s.real(), M, a);
    // |k| <= M / 2 (a in [-pi, pi]): no division to reduce it
    if (k < 0)
        k += M;
    if (k >= M)
        k -= M;
    if (far) {
        // the constellation and its decision radius, per thread for the last M
        // (a precoder asks for every symbol of every snapshot)
        thread_local int t_M = 0;
        thread_local std::vector<cdouble> t_points;
        thread_local double t_radius2 = 0.0;
        if (t_M != M) {
            t_points.resize(size_t(M));
            for (int i = 0; i < M; ++i)
                t_points[size_t(i)] = psk_point(M, i);
            t_radius2 = std::sin(pi / M) * std::sin(pi / M);
            t_M = M;
        }
        if (std::norm(s - t_points[size_t(k)]) > t_radius2)
            *far = true;
    }
    return int(k);
}

cmat ci_constraint_matrix(const cmat& H, const cvec& s, int M)
{
    if (H.rows() != s.size())
        throw_param("s",
                    list_str(s.size(), "symbol"),
                    std::to_string(H.rows()) + " (rows of H = n_users)");
    const double ct = psk_cot(M);
    const cdouble k1(1.0, ct), k2(1.0, -ct);
    cmat A(2 * H.rows(), H.cols());
    for (Eigen::Index u = 0; u < H.rows(); ++u) {
        // hbar_u^H = e^{-j angle(s_u)} h_u^H; |s_u| does not matter, only its phase
        const cdouble rot = std::polar(1.0, -std::arg(s[u]));
        A.row(2 * u) = (k1 * rot) * H.row(u);
        A.row(2 * u + 1) = (k2 * rot) * H.row(u);
    }
    return A;
}

rmat ci_real_constraints(const cmat& A)
{
    rmat At(A.rows(), 2 * A.cols());
    At.leftCols(A.cols()) = A.real();
    At.rightCols(A.cols()) = -A.imag();
    return At;
}

rvec safe_margins(const cmat& H, const cvec& s, int M, const cvec& x)
{
    rvec a;
    safe_margins_into(H, s, M, x, a);
    return a;
}

void safe_margins_into(const cmat& H, const cvec& s, int M, const cvec& x, rvec& a)
{
    if (H.cols() != x.size())
        throw_param("x",
                    list_str(x.size(), "entry", "entries"),
                    std::to_string(H.cols()) + " (columns of H = n_tx)");
    if (H.rows() != s.size())
        throw_param("s",
                    list_str(s.size(), "symbol"),
                    std::to_string(H.rows()) + " (rows of H = n_users)");
    const double ct = psk_cot(M);
    thread_local cvec y; // per-thread: a design vector's margins
    y.noalias() = H * x;
    a.resize(H.rows());
    for (Eigen::Index u = 0; u < H.rows(); ++u) {
        const cdouble z = std::polar(1.0, -std::arg(s[u])) * y[u];
        a[u] = z.real() - ct * std::abs(z.imag());
    }
}

double safe_margin_threshold(double gamma_linear, double noise_var)
{
    if (!(std::isfinite(gamma_linear) && gamma_linear >= 0.0))
        throw_param("gamma (linear)", std::to_string(gamma_linear), "finite and >= 0");
    check_positive_finite("noise_var", noise_var);
    return std::sqrt(gamma_linear * noise_var);
}

double q_function(double t) { return 0.5 * std::erfc(t / std::sqrt(2.0)); }

std::pair<double, double> sep_bounds(double alpha, double noise_var, int M)
{
    check_positive_finite("noise_var", noise_var);
    check_int_range("psk_order", M, 2, 1 << 16);
    const double t = std::sqrt(2.0) * std::sin(pi / M) * alpha / std::sqrt(noise_var);
    const double q = q_function(t);
    return { q, std::min(1.0, 2.0 * q) };
}

rvec to_real(const cvec& x)
{
    rvec r(2 * x.size());
    r.head(x.size()) = x.real();
    r.tail(x.size()) = x.imag();
    return r;
}

cvec to_complex(const rvec& xt)
{
    const Eigen::Index n = xt.size() / 2;
    cvec x(n);
    for (Eigen::Index i = 0; i < n; ++i)
        x[i] = cdouble(xt[i], xt[n + i]);
    return x;
}

} // namespace core
} // namespace isac
} // namespace gr
