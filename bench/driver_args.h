/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Command-line arguments of the bench drivers that are not Google Benchmarks
 * (ci_family_cost, ci_alloc_count, ci_designs_dump, lp_vs_clp). Each states its
 * usage as one "usage: NAME ..." line (tests/check_commands.py checks the commands
 * of the docs against it): --help prints it, and an argument the driver does not
 * take stops it with an error naming that argument, rather than being read as 0
 * or ignored.
 */
#ifndef INCLUDED_ISAC_BENCH_DRIVER_ARGS_H
#define INCLUDED_ISAC_BENCH_DRIVER_ARGS_H

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

//! Takes the first argument starting with `prefix` out of argv and returns its value
//! (after the prefix), or nullptr.
inline const char* take_arg(int& argc, char** argv, const char* prefix)
{
    const size_t len = std::strlen(prefix);
    for (int i = 1; i < argc; ++i)
        if (std::strncmp(argv[i], prefix, len) == 0) {
            const char* value = argv[i] + len;
            for (int j = i; j + 1 < argc; ++j)
                argv[j] = argv[j + 1];
            --argc;
            return value;
        }
    return nullptr;
}

/*!
 * The positional arguments left in argv (after the driver took its options) as
 * positive integers, at most max_positional of them. --help prints `usage` and
 * exits 0; an option left over, a positional that is not a positive integer or
 * one too many prints the argument and `usage` and exits 2.
 */
inline std::vector<int>
driver_args(int argc, char** argv, const char* usage, int max_positional)
{
    std::vector<int> out;
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0) {
            std::printf("%s\n", usage);
            std::exit(0);
        }
        char* end = nullptr;
        const long v = std::strtol(a, &end, 10);
        const char* why = nullptr;
        if (a[0] == '-')
            why = "unknown option";
        else if (end == a || *end != '\0' || v <= 0 || v > 1000000000)
            why = "not a positive integer";
        else if (int(out.size()) >= max_positional)
            why = "one argument too many";
        if (why) {
            std::fprintf(stderr, "%s: %s: %s\n%s\n", argv[0], a, why, usage);
            std::exit(2);
        }
        out.push_back(int(v));
    }
    return out;
}

//! The i-th positional, or `fallback` when it was not given.
inline int positional(const std::vector<int>& args, size_t i, int fallback)
{
    return i < args.size() ? args[i] : fallback;
}

} // namespace

#endif
