/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/param_spec.h>
#include <gnuradio/isac/core/types.h>
#include <cmath>
#include <sstream>

namespace gr {
namespace isac {
namespace core {

namespace {
std::string value_str(const param_spec& s, double v)
{
    if (s.type == param_type::integer && std::isfinite(v))
        return std::to_string((long long)v);
    return num_str(v);
}

std::string bound_str(const param_spec& s, double v, const char* ref)
{
    // an overflow guard such as 2^62 reads as one, not as 19 digits
    int e = 0;
    const bool pow2 = std::isfinite(v) && v >= 0x1p31 && std::frexp(v, &e) == 0.5;
    const std::string b = std::isinf(v) ? (v > 0 ? "inf" : "-inf")
                          : pow2        ? "2^" + std::to_string(e - 1)
                                        : value_str(s, v);
    return ref ? std::string(ref) + " = " + b : b;
}

std::string unit_suffix(const param_spec& s)
{
    return (s.unit && *s.unit) ? std::string(" ") + s.unit : std::string();
}


// An infinite bound is printed open ("(-inf, ...", "..., inf)") unless the
// check admits it: only +inf at a closed upper end of a scalar (a switch-off
// value, "(0, inf]"); -inf and list entries are always refused.
std::string range_str(const param_spec& s, double lo, double hi, bool inf_admitted)
{
    const bool lo_open = s.lo_open || std::isinf(lo);
    const bool hi_open = s.hi_open || (std::isinf(hi) && !inf_admitted);
    return (lo_open ? "(" : "[") + bound_str(s, lo, s.lo_ref) + ", " +
           bound_str(s, hi, s.hi_ref) + (hi_open ? ")" : "]") + unit_suffix(s);
}
} // namespace

std::string allowed_range(const param_spec& s, double lo, double hi)
{
    return range_str(s, lo, hi, true);
}

void check_value(const param_spec& s, double v, double lo, double hi)
{
    // a range closed at +inf ("(0, inf]") admits inf itself: a switch-off value
    const bool inf_ok = std::isinf(v) && v > 0 && std::isinf(hi) && !s.hi_open;
    const bool ok = (std::isfinite(v) || inf_ok) && (s.lo_open ? v > lo : v >= lo) &&
                    (s.hi_open ? v < hi : v <= hi);
    if (!ok)
        throw_param(s.name, value_str(s, v), allowed_range(s, lo, hi));
}

void check_values(const param_spec& s, const std::vector<double>& v, double lo, double hi)
{
    for (double x : v) {
        const bool ok = std::isfinite(x) && (s.lo_open ? x > lo : x >= lo) &&
                        (s.hi_open ? x < hi : x <= hi);
        if (!ok)
            throw_param(s.name,
                        "an entry " + value_str(s, x),
                        std::isinf(lo) && std::isinf(hi) && !s.lo_ref && !s.hi_ref
                            ? "finite entries" + unit_suffix(s)
                            : "entries in " + range_str(s, lo, hi, false));
    }
}

std::vector<std::string> options_of(const param_spec& s)
{
    std::vector<std::string> o;
    if (!s.options)
        return o;
    std::stringstream ss(s.options);
    std::string item;
    while (std::getline(ss, item, '|'))
        o.push_back(item);
    return o;
}

void check_option(const param_spec& s, const std::string& v)
{
    const auto o = options_of(s);
    for (const auto& x : o)
        if (x == v)
            return;
    std::string allowed;
    for (size_t i = 0; i < o.size(); ++i)
        allowed += (i ? (i + 1 == o.size() ? " or '" : ", '") : "'") + o[i] + "'";
    throw_param(s.name, "'" + v + "'", allowed);
}

void check_length(const param_spec& s, size_t n, std::initializer_list<long> allowed)
{
    check_length(s, n, std::vector<long>(allowed));
}

void check_length(const param_spec& s, size_t n, const std::vector<long>& allowed)
{
    for (long a : allowed)
        if (long(n) == a)
            return;
    std::string vals;
    for (long a : allowed)
        vals += (vals.empty() ? "" : " or ") + std::to_string(a);
    throw_param(s.name,
                list_str(n, "value"),
                "length " + std::string(s.length ? s.length : "") + " (" + vals + ")");
}

} // namespace core
} // namespace isac
} // namespace gr
