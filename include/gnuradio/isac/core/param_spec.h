/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_CORE_PARAM_SPEC_H
#define INCLUDED_ISAC_CORE_PARAM_SPEC_H

#include <initializer_list>
#include <cstddef>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

enum class param_type { integer, real, boolean, text, reals };

/*!
 * One block parameter as its descriptor (lib/core/params/<block>.yml) says it.
 * tools/gen_params.py writes one per parameter into block_params.h; make(),
 * setters and `set` messages check values against it, so the range a user
 * reads in the docs is the one the code enforces.
 */
struct param_spec {
    const char* name;
    param_type type;
    const char* unit;
    double lo, hi;         //!< allowed range (each element for reals)
    bool lo_open, hi_open; //!< exclusive bounds
    const char* lo_ref;    //!< another parameter bounds it (nullptr: lo)
    const char* hi_ref;    //!< another parameter bounds it (nullptr: hi)
    const char* options;   //!< "a|b|c" for a text parameter, or nullptr
    const char* length;    //!< allowed lengths as the docs say them, or nullptr
    bool settable;         //!< set_<name>() and `set` messages may change it
    const char* def;       //!< default as Python writes it; nullptr: required
    const char* doc;
};

//! "[lo, hi]" as the error message says it; a bound given by another
//! parameter reads "name = value".
std::string allowed_range(const param_spec& s, double lo, double hi);

//! Finite and within [lo, hi] (open ends as the spec says); throws param_error
//! naming the parameter and the range.
void check_value(const param_spec& s, double v, double lo, double hi);
inline void check_value(const param_spec& s, double v) { check_value(s, v, s.lo, s.hi); }

//! Every element finite and within [lo, hi].
void check_values(const param_spec& s,
                  const std::vector<double>& v,
                  double lo,
                  double hi);
inline void check_values(const param_spec& s, const std::vector<double>& v)
{
    check_values(s, v, s.lo, s.hi);
}

//! One of s.options.
void check_option(const param_spec& s, const std::string& v);
//! The options as a list.
std::vector<std::string> options_of(const param_spec& s);

//! n is one of `allowed` (the lengths s.length names, evaluated by the caller).
void check_length(const param_spec& s, size_t n, std::initializer_list<long> allowed);
void check_length(const param_spec& s, size_t n, const std::vector<long>& allowed);

//! The spec of `name` in a block's table, or nullptr.
template <size_t N>
const param_spec* find_param(const param_spec (&all)[N], const std::string& name)
{
    for (const auto& s : all)
        if (name == s.name)
            return &s;
    return nullptr;
}

} // namespace core
} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_CORE_PARAM_SPEC_H */
