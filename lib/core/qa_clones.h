/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CppUnit tests' access to every clone of an ISAC_CLONES / ISAC_CLONES_EXACT
 * function (clones.h), not only to the one the ifunc resolver picks for this CPU
 * (not installed).
 *
 * GCC's target_clones makes "NAME.default", "NAME.avx2" and "NAME.avx512f" local
 * symbols of the core library: no declaration or asm label links to them, and
 * functions in an anonymous namespace have no exported name at all. So the tests read
 * the loaded library's own ELF symbol table (.symtab: the build tree's library, and
 * the installed one, are not stripped), demangle the clones' names and add the load
 * address. The clones keep the ordinary calling convention (the resolver's ifunc
 * calls them through a pointer), so a pointer of the function's own type calls them;
 * a member function takes `this` first.
 *
 * A missing library, a stripped one (no .symtab) or a missing clone (a renamed
 * function, a changed signature, a function no longer cloned) fails the test with a
 * message saying which; a clone this CPU cannot run is named on stderr as not run.
 */
#ifndef INCLUDED_ISAC_CORE_QA_CLONES_H
#define INCLUDED_ISAC_CORE_QA_CLONES_H

#include "clones.h"
#include <gnuradio/isac/core/types.h>
#include <cppunit/extensions/HelperMacros.h>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#if defined(ISAC_HAVE_CLONES) && defined(__linux__)
#define ISAC_QA_CLONES 1
#include <cxxabi.h>
#include <elf.h>
#include <link.h>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#endif

namespace gr {
namespace isac {
namespace core {
namespace qa {

//! One clone of a function: its target ("default", "avx2", "avx512f") and address.
template <class F>
struct clone {
    std::string isa;
    F* fn;
};

//! a[0..n) and b[0..n) have the same bits (NaN payloads and signed zeros included)
template <class T>
bool same_bits(const T* a, const T* b, size_t n)
{
    return n == 0 || std::memcmp(a, b, n * sizeof(T)) == 0;
}

#ifdef ISAC_QA_CLONES
namespace detail {

struct core_image {
    std::string path, error;
    ElfW(Addr) base = 0;
    // demangled function name -> target -> address in the loaded library
    std::map<std::string, std::map<std::string, void*>> clones;
};

inline int find_core(dl_phdr_info* info, size_t, void* data)
{
    auto* c = static_cast<core_image*>(data);
    if (info->dlpi_name && std::strstr(info->dlpi_name, "libgnuradio-isac-core.so")) {
        c->path = info->dlpi_name;
        c->base = info->dlpi_addr;
        return 1;
    }
    return 0;
}

inline core_image read_core()
{
    // a reference to the core, so that the linker keeps it among the test's needed
    // libraries (--as-needed) even when the test calls nothing of it by name
    double (*volatile keep)(double) = &gr::isac::core::bessel_i0;
    (void)keep;
    core_image c;
    dl_iterate_phdr(find_core, &c);
    if (c.path.empty()) {
        c.error = "libgnuradio-isac-core.so is not loaded";
        return c;
    }
    std::ifstream f(c.path, std::ios::binary);
    const std::string img((std::istreambuf_iterator<char>(f)),
                          std::istreambuf_iterator<char>());
    ElfW(Ehdr) eh;
    if (img.size() < sizeof eh) {
        c.error = "cannot read " + c.path;
        return c;
    }
    std::memcpy(&eh, img.data(), sizeof eh);
    bool symtab = false;
    for (int s = 0; s < eh.e_shnum; ++s) {
        ElfW(Shdr) sh, strh;
        std::memcpy(&sh, img.data() + eh.e_shoff + size_t(s) * eh.e_shentsize, sizeof sh);
        if (sh.sh_type != SHT_SYMTAB)
            continue;
        symtab = true;
        std::memcpy(&strh,
                    img.data() + eh.e_shoff + size_t(sh.sh_link) * eh.e_shentsize,
                    sizeof strh);
        for (size_t k = 0; k < sh.sh_size / sizeof(ElfW(Sym)); ++k) {
            ElfW(Sym) sym;
            std::memcpy(&sym, img.data() + sh.sh_offset + k * sizeof sym, sizeof sym);
            if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_value == 0)
                continue;
            const std::string name = img.data() + strh.sh_offset + sym.st_name;
            const size_t dot = name.rfind('.');
            if (dot == std::string::npos)
                continue;
            const std::string isa = name.substr(dot + 1);
            if (isa != "default" && isa != "avx2" && isa != "avx512f")
                continue;
            int status = 0;
            char* d = abi::__cxa_demangle(
                name.substr(0, dot).c_str(), nullptr, nullptr, &status);
            const std::string plain = status == 0 && d ? d : name.substr(0, dot);
            std::free(d);
            c.clones[plain][isa] = reinterpret_cast<void*>(c.base + sym.st_value);
        }
    }
    if (!symtab)
        c.error = c.path + " has no symbol table (stripped): the clone tests find the " +
                  "clones by their local symbols; run them on the unstripped build";
    return c;
}

inline const core_image& core()
{
    static const core_image c = read_core();
    return c;
}

} // namespace detail
#endif

//! the bare name ("lag_product") of a demangled signature, for the test's log
inline std::string short_name(const std::string& function)
{
    const std::string head = function.substr(0, function.rfind('('));
    return " " + head.substr(head.rfind(':') + 1);
}

/*!
 * The clones of `function` (demangled, as c++filt prints it, without the
 * "[clone .avx2]" tail) that this CPU runs, the baseline ("default") first; F is the
 * function's type (a member function: `this` as the first parameter). Fails the
 * calling test when the library's symbol table or any of the three clones is
 * missing. Empty where the build has no clones (not GCC on x86, or not Linux): the
 * caller has nothing to compare, and says so.
 */
template <class F>
std::vector<clone<F>> clones_of(const std::string& function)
{
    std::vector<clone<F>> out;
#ifdef ISAC_QA_CLONES
    const detail::core_image& c = detail::core();
    CPPUNIT_ASSERT_MESSAGE(c.error, c.error.empty());
    const auto it = c.clones.find(function);
    __builtin_cpu_init();
    std::string skipped;
    for (const char* isa : { "default", "avx2", "avx512f" }) {
        CPPUNIT_ASSERT_MESSAGE(
            "no clone " + function + " [clone ." + isa + "] in " + c.path +
                ": renamed, signature changed, or no longer ISAC_CLONES(_EXACT)?",
            it != c.clones.end() && it->second.count(isa));
        const bool runs = !std::strcmp(isa, "default") ||
                          (!std::strcmp(isa, "avx2") ? __builtin_cpu_supports("avx2")
                                                     : __builtin_cpu_supports("avx512f"));
        if (runs)
            out.push_back({ isa, reinterpret_cast<F*>(it->second.at(isa)) });
        else
            skipped += std::string(" ") + isa;
    }
    std::cerr << short_name(function) << ":";
    for (const clone<F>& k : out)
        std::cerr << " " << k.isa;
    std::cerr << (skipped.empty() ? "" : ", not" + skipped + " (the CPU lacks it)")
              << "\n";
#else
    std::cerr << short_name(function)
              << ": no function clones in this build (not GCC on x86 Linux): nothing "
                 "to compare\n";
#endif
    return out;
}

} // namespace qa
} // namespace core
} // namespace isac
} // namespace gr

#endif
