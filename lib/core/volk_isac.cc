/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Dispatcher of gr-isac's VOLK-style kernels (see volk_isac.h). Which machines
 * are compiled in is decided by CMake (ISAC_VOLK_MACHINE_<M>); which one runs
 * is decided here, once, from the CPU and VOLK's overrides.
 */
#include "volk_isac/machines.h"
#include <gnuradio/isac/core/volk_isac.h>
#include <volk/volk_prefs.h>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#if defined(ISAC_VOLK_MACHINE_NEON) && defined(__arm__) && !defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_NEON
#define HWCAP_NEON (1 << 12)
#endif
#endif

namespace gr {
namespace isac {
namespace core {

namespace {
namespace m = volk_isac_machines;

constexpr const char* slicer_name = "volk_isac_32f_s32f_binary_slicer_32f";

// Every compiled machine with its CPU check, generic first, best last.
struct candidate {
    const m::binary_slicer_impl* impl;
    bool (*runs)();
};

bool always() { return true; }
#if defined(ISAC_VOLK_MACHINE_SSE) || defined(ISAC_VOLK_MACHINE_AVX) || \
    defined(ISAC_VOLK_MACHINE_AVX512F)
// __builtin_cpu_supports checks the OS state (XCR0) for AVX and AVX-512 too.
bool has_sse() { return __builtin_cpu_supports("sse"); }
bool has_avx() { return __builtin_cpu_supports("avx"); }
bool has_avx512f() { return __builtin_cpu_supports("avx512f"); }
#endif
#ifdef ISAC_VOLK_MACHINE_NEON
bool has_neon()
{
#if defined(__aarch64__)
    return true; // Advanced SIMD is part of ARMv8-A
#elif defined(__arm__)
    return (getauxval(AT_HWCAP) & HWCAP_NEON) != 0;
#else
    return false;
#endif
}
#endif

const std::vector<candidate>& compiled()
{
    static const std::vector<candidate> c = [] {
        std::vector<candidate> v{ { &m::binary_slicer_generic, always } };
#ifdef ISAC_VOLK_MACHINE_SSE
        v.push_back({ &m::binary_slicer_sse, has_sse });
#endif
#ifdef ISAC_VOLK_MACHINE_AVX
        v.push_back({ &m::binary_slicer_avx, has_avx });
#endif
#ifdef ISAC_VOLK_MACHINE_AVX512F
        v.push_back({ &m::binary_slicer_avx512f, has_avx512f });
#endif
#ifdef ISAC_VOLK_MACHINE_NEON
        v.push_back({ &m::binary_slicer_neon, has_neon });
#endif
        return v;
    }();
    return c;
}

const m::binary_slicer_impl* find(const std::string& name)
{
    for (const auto& c : compiled())
        if (name == c.impl->name && c.runs())
            return c.impl;
    return nullptr;
}

// VOLK's order of precedence: VOLK_GENERIC set (to anything) forces generic
// everywhere, then a line for this kernel in VOLK's config file, then the best
// machine the CPU runs.
const m::binary_slicer_impl* choose()
{
    if (std::getenv("VOLK_GENERIC"))
        return &m::binary_slicer_generic;
    volk_arch_pref_t* prefs = nullptr;
    const size_t n = volk_load_preferences(&prefs);
    const m::binary_slicer_impl* pick = nullptr;
    for (size_t i = 0; i < n && !pick; ++i)
        if (std::strcmp(prefs[i].name, slicer_name) == 0)
            pick = find(prefs[i].impl_u); // the data need not be aligned
    std::free(prefs);
    if (pick)
        return pick;
    const auto& c = compiled();
    for (auto it = c.rbegin(); it != c.rend(); ++it)
        if (it->runs())
            return it->impl;
    return &m::binary_slicer_generic;
}

const m::binary_slicer_impl& selected()
{
    static const m::binary_slicer_impl* s = choose();
    return *s;
}
} // namespace

// Internal: the LP and flip-search kernels follow the same machine model (no
// config-file line: they are not public VOLK kernels).
namespace {
// their widest machine this CPU runs: the AVX one, or none (the generic loops)
template <class K>
const K* internal_kernels(const K* avx)
{
    if (std::getenv("VOLK_GENERIC"))
        return nullptr;
#ifdef ISAC_VOLK_MACHINE_AVX
    if (has_avx())
        return avx;
#endif
    (void)avx;
    return nullptr;
}
} // namespace

const m::ci_lp_kernels* m::ci_lp_selected()
{
#ifdef ISAC_VOLK_MACHINE_AVX
    static const ci_lp_kernels* s = internal_kernels(&ci_lp_avx);
#else
    static const ci_lp_kernels* s = internal_kernels<ci_lp_kernels>(nullptr);
#endif
    return s;
}

const m::ci_flip_kernels* m::ci_flip_selected()
{
#ifdef ISAC_VOLK_MACHINE_AVX
    static const ci_flip_kernels* s = internal_kernels(&ci_flip_avx);
#else
    static const ci_flip_kernels* s = internal_kernels<ci_flip_kernels>(nullptr);
#endif
    return s;
}

void volk_isac_32f_s32f_binary_slicer_32f(float* out,
                                          uint32_t* nan_flag,
                                          const float* in,
                                          float amplitude,
                                          unsigned int num_points)
{
    selected().fn(out, nan_flag, in, amplitude, num_points);
}

void volk_isac_32f_s32f_binary_slicer_32f_manual(float* out,
                                                 uint32_t* nan_flag,
                                                 const float* in,
                                                 float amplitude,
                                                 unsigned int num_points,
                                                 const std::string& impl_name)
{
    const m::binary_slicer_impl* impl = find(impl_name);
    if (!impl)
        throw std::invalid_argument(std::string(slicer_name) + ": implementation '" +
                                    impl_name +
                                    "' is not compiled in or not supported by this CPU");
    impl->fn(out, nan_flag, in, amplitude, num_points);
}

std::vector<std::string> volk_isac_32f_s32f_binary_slicer_32f_impls()
{
    std::vector<std::string> v;
    for (const auto& c : compiled())
        if (c.runs())
            v.push_back(c.impl->name);
    return v;
}

std::string volk_isac_32f_s32f_binary_slicer_32f_selected() { return selected().name; }

} // namespace core
} // namespace isac
} // namespace gr
