/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Array steering vectors: the one helper family every gr-isac block uses.
 *
 * Module-wide ULA convention (1-bit ISAC paper, the default):
 *     a_n(theta) = exp(sign * j * 2*pi * (d/lambda) * (n - n0) * sin(theta)),
 *     sign = -1, n0 = 0 (first-element reference), d/lambda = 0.5,
 * with an optional 1/sqrt(N) normalisation. theta is measured from broadside.
 * The papers use other conventions (bistatic CRB paper: midpoint reference, sign +1,
 * unnormalised; null-space paper: sign +1), which are reachable with the flags below:
 * mixing conventions silently rescales SNRs by N, so every caller states its
 * convention explicitly through array_convention.
 *
 * The core takes angles in radians; the Python/GRC surface takes degrees.
 */
#ifndef INCLUDED_ISAC_CORE_STEERING_H
#define INCLUDED_ISAC_CORE_STEERING_H

#include <gnuradio/isac/core/types.h>
#include <vector>

namespace gr {
namespace isac {
namespace core {

enum class phase_ref {
    first, //!< n0 = 0 (1-bit ISAC and null-space papers)
    center //!< n0 = (N-1)/2 (massive-MIMO ISAC paper UPA, bistatic CRB paper)
};

struct array_convention {
    double spacing = 0.5;             //!< element spacing d/lambda
    int sign = -1;                    //!< phase sign, -1 or +1
    phase_ref ref = phase_ref::first; //!< phase reference element
    bool normalize = false;           //!< scale by 1/sqrt(N) (unit norm)

    //! First element, sign -1, unit norm: g_T/g_R of the 1-bit ISAC paper eq. (3).
    static array_convention first_element_unit_norm()
    {
        return array_convention{ 0.5, -1, phase_ref::first, true };
    }
    //! Midpoint reference, sign +1, unnormalised (b^H bdot = 0): a/b of the bistatic CRB
    //! paper.
    static array_convention midpoint_positive()
    {
        return array_convention{ 0.5, +1, phase_ref::center, false };
    }
    //! First element, sign +1, unnormalised: a(theta) of the null-space paper.
    static array_convention first_element_positive()
    {
        return array_convention{ 0.5, +1, phase_ref::first, false };
    }
    //! Throws param_error for spacing outside (0, 1000] or sign not +-1.
    void validate() const;
};

//! ULA steering vector a(theta), theta in radians.
cvec ula_steering(int n, double theta_rad, const array_convention& c = {});

//! Derivative da/dtheta (per radian).
cvec ula_steering_derivative(int n, double theta_rad, const array_convention& c = {});

//! N x K matrix whose columns are a(theta_k).
cmat ula_steering_matrix(int n,
                         const std::vector<double>& thetas_rad,
                         const array_convention& c = {});

//! Single-precision ULA vector for streaming kernels.
cvecf ula_steering_f(int n, double theta_rad, const array_convention& c = {});

/*!
 * UPA steering vector of the massive-MIMO ISAC paper (eq. 10-12): a = a_h (x) a_v with
 *   [a_h]_m = exp(sign*j*2*pi*d*m*sin(theta)*sin(phi)),
 *   [a_v]_v = exp(sign*j*2*pi*d*v*cos(phi)),
 * m, v over the n_h (resp. n_v) element indices relative to the convention's
 * reference (centre for the massive-MIMO ISAC paper). Index of element (m, v) is m*n_v +
 * v. theta is the azimuth-like angle and phi the elevation-like angle of the massive-MIMO
 * ISAC paper.
 */
cvec upa_steering(int n_h, int n_v, double theta_rad, double phi_rad,
                  const array_convention& c = array_convention{ 0.5, +1, phase_ref::center, false });

/*!
 * upa_steering as a function of u = sin(theta) sin(phi) and v = cos(phi), the only way it
 * depends on the angles: upa_steering(n_h, n_v, theta, phi, c) =
 * upa_steering_uv(n_h, n_v, sin(theta) sin(phi), cos(phi), c). Defined for any finite
 * (u, v); the visible directions are u^2 + v^2 <= 1.
 */
cvec upa_steering_uv(int n_h,
                     int n_v,
                     double u,
                     double v,
                     const array_convention& c = array_convention{
                         0.5, +1, phase_ref::center, false });

//! Partial derivatives of upa_steering with respect to theta and phi.
cvec upa_steering_dtheta(int n_h, int n_v, double theta_rad, double phi_rad,
                         const array_convention& c = array_convention{ 0.5, +1, phase_ref::center, false });
cvec upa_steering_dphi(int n_h, int n_v, double theta_rad, double phi_rad,
                       const array_convention& c = array_convention{ 0.5, +1, phase_ref::center, false });

} // namespace core
} // namespace isac
} // namespace gr

#endif
