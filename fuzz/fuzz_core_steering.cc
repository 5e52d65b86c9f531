/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fuzzes core/steering.h with random sizes, angles and conventions.
 * Allowed outcomes: core::param_error (a documented, named rejection), or a
 * result of the right size whose entries are finite with the modulus the
 * convention promises (1, or 1/sqrt(N) when normalised). Anything else
 * (std::bad_alloc from an unchecked size, a sanitizer report, a NaN) fails.
 */
#include "fuzz_common.h"
#include <gnuradio/isac/core/steering.h>

using namespace gr::isac::core;
using isac_fuzz::fail;

namespace {

int pick_n(isac_fuzz::reader& r)
{
    // mostly array sizes a user would type, sometimes limits and garbage
    switch (r.u8() % 6) {
    case 0:
        return int(r.integer());
    case 1:
        return int(r.range(-2, 1 << 21));
    default:
        return int(r.range(1, 70));
    }
}

array_convention pick_conv(isac_fuzz::reader& r)
{
    array_convention c;
    c.spacing = r.flag() ? 0.5 : r.real();
    c.sign = r.flag() ? (r.flag() ? 1 : -1) : int(r.integer());
    c.ref = r.flag() ? phase_ref::first : phase_ref::center;
    c.normalize = r.flag();
    return c;
}

void check_unimodular(const cvec& a, long n, const array_convention& c, const char* what)
{
    if (a.size() != n)
        fail(what, "wrong size");
    const double m = c.normalize ? 1.0 / std::sqrt(double(n)) : 1.0;
    for (Eigen::Index i = 0; i < a.size(); ++i)
        if (!std::isfinite(a[i].real()) || !std::isfinite(a[i].imag()) ||
            std::fabs(std::abs(a[i]) - m) > 1e-9 * m)
            fail(what,
                 "entry " + std::to_string(i) + " not of modulus " + std::to_string(m));
}

void check_finite_vec(const cvec& a, long n, const char* what)
{
    if (a.size() != n)
        fail(what, "wrong size");
    if (!a.allFinite())
        fail(what,
             "non-finite entry (n = " + std::to_string(n) +
                 ", d = " + std::to_string(a.size()) + ")");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    isac_fuzz::reader r(data, size);
    const int which = r.u8() % 7;
    const int n = pick_n(r), n2 = pick_n(r);
    const double th = r.flag() ? r.real() : double(int16_t(r.u16())) * 1e-3;
    const double ph = r.flag() ? r.real() : double(int16_t(r.u16())) * 1e-3;
    const array_convention c = pick_conv(r);
    try {
        switch (which) {
        case 0:
            check_unimodular(ula_steering(n, th, c), n, c, "ula_steering");
            break;
        case 1:
            check_finite_vec(
                ula_steering_derivative(n, th, c), n, "ula_steering_derivative");
            break;
        case 2: {
            std::vector<double> t(r.size(300));
            for (auto& x : t)
                x = r.real();
            // n * K up to 2^20 * 300 entries is a legitimate request for 5 GB:
            // std::bad_alloc (MemoryError) is the right answer, not a finding
            if (double(n) * double(t.size()) > double(1 << 24))
                return 0;
            const cmat A = ula_steering_matrix(n, t, c);
            if (A.cols() != long(t.size()))
                fail("ula_steering_matrix", "wrong column count");
            for (Eigen::Index k = 0; k < A.cols(); ++k)
                check_unimodular(A.col(k), n, c, "ula_steering_matrix");
            break;
        }
        case 3: {
            const cvecf a = ula_steering_f(n, th, c);
            if (a.size() != n || !a.allFinite())
                fail("ula_steering_f", "wrong size or non-finite");
            break;
        }
        case 4:
            check_unimodular(
                upa_steering(n, n2, th, ph, c), long(n) * n2, c, "upa_steering");
            break;
        case 5:
            check_finite_vec(upa_steering_dtheta(n, n2, th, ph, c),
                             long(n) * n2,
                             "upa_steering_dtheta");
            break;
        default:
            check_finite_vec(
                upa_steering_dphi(n, n2, th, ph, c), long(n) * n2, "upa_steering_dphi");
            break;
        }
    } catch (const param_error&) {
        // a named rejection is the documented outcome for bad parameters
    } catch (const std::exception& e) {
        fail("steering threw something other than param_error", e.what());
    }
    return 0;
}
