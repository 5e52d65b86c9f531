/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/steering.h>

namespace gr {
namespace isac {
namespace core {

void array_convention::validate() const
{
    check_positive_finite("spacing (d/lambda)", spacing);
    // a finite but astronomic spacing overflows the phase k*(n - n0) to Inf
    // and the steering vector to NaN (fuzz_core_steering finding)
    if (spacing > 1e3)
        throw_param("spacing (d/lambda)", std::to_string(spacing), "(0, 1000] wavelengths");
    if (sign != 1 && sign != -1)
        throw_param("sign", std::to_string(sign), "-1 or +1");
}

namespace {

double offset(int n, phase_ref ref) { return ref == phase_ref::center ? 0.5 * (n - 1) : 0.0; }

void check_n(const char* name, int n)
{
    check_int_range(name, n, 1, 1L << 20);
}

// exp(j*k*(i - n0)) for i = 0..n-1, k the per-element phase step.
cvec phase_ramp(int n, double k, phase_ref ref)
{
    const double n0 = offset(n, ref);
    cvec a(n);
    for (int i = 0; i < n; ++i) {
        const double ph = k * (i - n0);
        a[i] = cdouble(std::cos(ph), std::sin(ph));
    }
    return a;
}

} // namespace

cvec ula_steering(int n, double theta_rad, const array_convention& c)
{
    check_n("n (array size)", n);
    c.validate();
    check_finite("theta", theta_rad);
    const double k = c.sign * 2.0 * pi * c.spacing * std::sin(theta_rad);
    cvec a = phase_ramp(n, k, c.ref);
    if (c.normalize)
        a /= std::sqrt(double(n));
    return a;
}

cvec ula_steering_derivative(int n, double theta_rad, const array_convention& c)
{
    cvec a = ula_steering(n, theta_rad, c);
    // d/dtheta of exp(j*s*2*pi*d*(i-n0)*sin(theta)) = j*s*2*pi*d*(i-n0)*cos(theta)*a_i
    const double n0 = offset(n, c.ref);
    const double k = c.sign * 2.0 * pi * c.spacing * std::cos(theta_rad);
    for (int i = 0; i < n; ++i)
        a[i] *= cdouble(0.0, k * (i - n0));
    return a;
}

cmat ula_steering_matrix(int n, const std::vector<double>& thetas_rad, const array_convention& c)
{
    // validate before allocating: a negative or huge n used to reach Eigen's
    // allocator and surface as std::bad_alloc (fuzz_core_steering finding)
    check_n("n (array size)", n);
    cmat A(n, static_cast<Eigen::Index>(thetas_rad.size()));
    for (size_t k = 0; k < thetas_rad.size(); ++k)
        A.col(k) = ula_steering(n, thetas_rad[k], c);
    return A;
}

cvecf ula_steering_f(int n, double theta_rad, const array_convention& c)
{
    return ula_steering(n, theta_rad, c).cast<cfloat>();
}

namespace {
struct upa_parts {
    cvec ah, av;
    double dh, dv; // per-element phase steps
};

void check_upa(int n_h, int n_v, const array_convention& c)
{
    check_n("n_h (UPA horizontal size)", n_h);
    check_n("n_v (UPA vertical size)", n_v);
    // each side was bounded but not the product: 2^20 x 2^20 asked for 16 TiB
    // (fuzz_core_steering finding). Same element bound as a ULA.
    check_int_range("n_h * n_v (UPA elements)", long(n_h) * n_v, 1, 1L << 20);
    c.validate();
}

upa_parts upa_make_uv(int n_h, int n_v, double u, double v, const array_convention& c)
{
    upa_parts p;
    const double w = c.sign * 2.0 * pi * c.spacing;
    p.dh = w * u;
    p.dv = w * v;
    p.ah = phase_ramp(n_h, p.dh, c.ref);
    p.av = phase_ramp(n_v, p.dv, c.ref);
    return p;
}

upa_parts upa_make(int n_h, int n_v, double theta, double phi, const array_convention& c)
{
    check_upa(n_h, n_v, c);
    check_finite("theta", theta);
    check_finite("phi", phi);
    return upa_make_uv(n_h, n_v, std::sin(theta) * std::sin(phi), std::cos(phi), c);
}

cvec kron(const cvec& a, const cvec& b)
{
    cvec out(a.size() * b.size());
    for (Eigen::Index i = 0; i < a.size(); ++i)
        out.segment(i * b.size(), b.size()) = a[i] * b;
    return out;
}

cvec index_weighted(const cvec& a, phase_ref ref, cdouble scale)
{
    const int n = static_cast<int>(a.size());
    const double n0 = offset(n, ref);
    cvec out(n);
    for (int i = 0; i < n; ++i)
        out[i] = a[i] * scale * (i - n0);
    return out;
}
} // namespace

cvec upa_steering(int n_h, int n_v, double theta, double phi, const array_convention& c)
{
    check_finite("theta", theta);
    check_finite("phi", phi);
    return upa_steering_uv(n_h, n_v, std::sin(theta) * std::sin(phi), std::cos(phi), c);
}

cvec upa_steering_uv(int n_h, int n_v, double u, double v, const array_convention& c)
{
    check_upa(n_h, n_v, c);
    check_finite("u", u);
    check_finite("v", v);
    auto p = upa_make_uv(n_h, n_v, u, v, c);
    cvec a = kron(p.ah, p.av);
    if (c.normalize)
        a /= std::sqrt(double(n_h) * n_v);
    return a;
}

cvec upa_steering_dtheta(int n_h, int n_v, double theta, double phi, const array_convention& c)
{
    auto p = upa_make(n_h, n_v, theta, phi, c);
    const double w = c.sign * 2.0 * pi * c.spacing;
    // only a_h depends on theta: d(dh)/dtheta = w cos(theta) sin(phi)
    cvec d = kron(index_weighted(p.ah, c.ref, cdouble(0.0, w * std::cos(theta) * std::sin(phi))), p.av);
    if (c.normalize)
        d /= std::sqrt(double(n_h) * n_v);
    return d;
}

cvec upa_steering_dphi(int n_h, int n_v, double theta, double phi, const array_convention& c)
{
    auto p = upa_make(n_h, n_v, theta, phi, c);
    const double w = c.sign * 2.0 * pi * c.spacing;
    cvec dah = index_weighted(p.ah, c.ref, cdouble(0.0, w * std::sin(theta) * std::cos(phi)));
    cvec dav = index_weighted(p.av, c.ref, cdouble(0.0, -w * std::sin(phi)));
    cvec d = kron(dah, p.av) + kron(p.ah, dav);
    if (c.normalize)
        d /= std::sqrt(double(n_h) * n_v);
    return d;
}

} // namespace core
} // namespace isac
} // namespace gr
