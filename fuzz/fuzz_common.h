/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared pieces of the libFuzzer harnesses: a byte reader that never runs
 * out (it returns zeros once the input is consumed, so every input is a valid
 * program), and a structured PMT generator. The harnesses fuzz gr-isac's
 * message parsing, not GNU Radio's PMT deserialiser, so messages are built
 * from the bytes with the PMT constructors: dicts with the keys the handlers
 * look for, wrong types, huge and mismatched sizes, NaN/Inf, improper lists,
 * nested containers.
 *
 * The same harness source is compiled twice: with clang's -fsanitize=fuzzer
 * for `./run fuzz`, and with replay_main.cc into a plain executable that
 * replays the committed corpus and crash regressions in ctest.
 */
#ifndef INCLUDED_ISAC_FUZZ_COMMON_H
#define INCLUDED_ISAC_FUZZ_COMMON_H

#include <pmt/pmt.h>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace isac_fuzz {

//! Reports a violated property and aborts, so libFuzzer saves the input and
//! the replay test fails with the reason.
[[noreturn]] inline void fail(const char* what, const std::string& detail = "")
{
    std::fprintf(stderr, "FUZZ PROPERTY VIOLATED: %s %s\n", what, detail.c_str());
    std::abort();
}

class reader
{
public:
    reader(const uint8_t* d, size_t n) : d_p(d), d_n(n) {}

    bool empty() const { return d_n == 0; }

    uint8_t u8()
    {
        if (d_n == 0)
            return 0;
        --d_n;
        return *d_p++;
    }
    uint16_t u16() { return uint16_t(u8()) | uint16_t(u8()) << 8; }
    uint32_t u32() { return uint32_t(u16()) | uint32_t(u16()) << 16; }
    uint64_t u64() { return uint64_t(u32()) | uint64_t(u32()) << 32; }
    bool flag() { return u8() & 1; }

    //! Integer in [lo, hi].
    long range(long lo, long hi)
    {
        const uint64_t span = uint64_t(hi - lo) + 1;
        return lo + long(u64() % span);
    }

    //! A size: usually small, sometimes at a boundary, rarely huge (up to max).
    long size(long max)
    {
        switch (u8() % 8) {
        case 0:
            return 0;
        case 1:
            return range(0, std::min<long>(max, 1 << 16));
        case 2:
            return std::min<long>(max, 4097);
        default:
            return range(0, std::min<long>(max, 12));
        }
    }

    //! Integers that break size arithmetic, or small ones.
    long integer()
    {
        static const long special[] = { 0,
                                        1,
                                        -1,
                                        2,
                                        4096,
                                        4097,
                                        65536,
                                        1L << 31,
                                        -(1L << 31),
                                        (1L << 32) + 1,
                                        std::numeric_limits<long>::max(),
                                        std::numeric_limits<long>::min() };
        const uint8_t k = u8();
        if (k < 96)
            return long(int8_t(u8()));
        if (k < 192)
            return special[k % (sizeof(special) / sizeof(special[0]))];
        return long(u64());
    }

    //! Doubles: ordinary values, the IEEE specials, or raw bit patterns.
    double real()
    {
        static const double special[] = { 0.0,
                                          -0.0,
                                          1.0,
                                          -1.0,
                                          0.5,
                                          90.0,
                                          -90.0,
                                          90.0000001,
                                          1e-300,
                                          1e300,
                                          3.5e38,
                                          std::numeric_limits<double>::denorm_min(),
                                          std::numeric_limits<double>::quiet_NaN(),
                                          std::numeric_limits<double>::infinity(),
                                          -std::numeric_limits<double>::infinity() };
        const uint8_t k = u8();
        if (k < 96)
            return double(int16_t(u16())) / 64.0;
        if (k < 192)
            return special[k % (sizeof(special) / sizeof(special[0]))];
        double d;
        const uint64_t b = u64();
        std::memcpy(&d, &b, sizeof d);
        return d;
    }

    std::string text(size_t max_len = 16)
    {
        const size_t n = range(0, long(max_len));
        std::string s;
        for (size_t i = 0; i < n; ++i)
            s.push_back(char(u8()));
        return s;
    }

private:
    const uint8_t* d_p;
    size_t d_n;
};

//! Keys every gr-isac handler understands; harnesses add their block's keys.
inline std::vector<std::string> csi_keys() { return { "H", "rows", "cols", "offset" }; }

class pmt_gen
{
public:
    pmt_gen(reader& r, std::vector<std::string> keys) : d_r(r), d_keys(std::move(keys)) {}

    pmt::pmt_t key()
    {
        if (!d_keys.empty() && d_r.u8() < 224)
            return pmt::mp(d_keys[d_r.u8() % d_keys.size()]);
        return pmt::mp(d_r.text(8));
    }

    //! Any PMT, nested at most `depth` levels.
    pmt::pmt_t any(int depth = 3)
    {
        const int kinds = depth > 0 ? 22 : 14;
        switch (d_r.u8() % kinds) {
        case 0:
            return pmt::PMT_NIL;
        case 1:
            return pmt::from_long(d_r.integer());
        case 2:
            return pmt::from_double(d_r.real());
        case 3:
            return pmt::from_uint64(d_r.u8() < 128 ? uint64_t(d_r.integer()) : d_r.u64());
        case 4:
            return key();
        case 5:
            return pmt::from_bool(d_r.flag());
        case 6:
            return pmt::from_complex(d_r.real(), d_r.real());
        case 7: {
            std::vector<std::complex<float>> v(d_r.size(1 << 17));
            fill_c32(v);
            return pmt::init_c32vector(v.size(), v);
        }
        case 8: {
            std::vector<std::complex<double>> v(d_r.size(1 << 17));
            for (auto& x : v)
                x = { d_r.real(), d_r.real() };
            return pmt::init_c64vector(v.size(), v);
        }
        case 9: {
            std::vector<float> v(d_r.size(1 << 17));
            for (auto& x : v)
                x = float(d_r.real());
            return pmt::init_f32vector(v.size(), v);
        }
        case 10: {
            std::vector<double> v(d_r.size(1 << 17));
            for (auto& x : v)
                x = d_r.real();
            return pmt::init_f64vector(v.size(), v);
        }
        case 11: {
            std::vector<int32_t> v(d_r.size(1 << 17));
            for (auto& x : v)
                x = int32_t(d_r.integer());
            return pmt::init_s32vector(v.size(), v);
        }
        case 12: {
            std::vector<int64_t> v(d_r.size(1 << 17));
            for (auto& x : v)
                x = d_r.integer();
            return pmt::init_s64vector(v.size(), v);
        }
        case 13: {
            std::vector<uint8_t> v(d_r.size(1 << 17));
            for (auto& x : v)
                x = d_r.u8();
            return pmt::init_u8vector(v.size(), v);
        }
        case 14:
        case 15: {
            // proper list, or an improper one ending in a non-nil atom
            pmt::pmt_t tail = d_r.flag() ? pmt::PMT_NIL : any(0);
            const long n = d_r.range(0, 6);
            for (long i = 0; i < n; ++i)
                tail = pmt::cons(any(depth - 1), tail);
            return tail;
        }
        case 16: {
            const long n = d_r.range(0, 6);
            pmt::pmt_t v = pmt::make_vector(n, pmt::PMT_NIL);
            for (long i = 0; i < n; ++i)
                pmt::vector_set(v, i, any(depth - 1));
            return v;
        }
        case 17: {
            switch (d_r.u8() % 4) {
            case 0:
                return pmt::make_tuple();
            case 1:
                return pmt::make_tuple(any(depth - 1));
            case 2:
                return pmt::make_tuple(any(depth - 1), any(depth - 1));
            default:
                return pmt::make_tuple(any(depth - 1), any(depth - 1), any(depth - 1));
            }
        }
        case 18:
        case 19:
            return dict(depth - 1);
        default:
            return csi_like();
        }
    }

    //! A dict with keys from the key list (values of any type).
    pmt::pmt_t dict(int depth = 2)
    {
        pmt::pmt_t d = pmt::make_dict();
        const long n = d_r.range(0, 6);
        for (long i = 0; i < n; ++i)
            d = pmt::dict_add(d, key(), value(depth));
        return d;
    }

    //! A csi dict that is valid or one mutation away from valid, so the
    //! fuzzer reaches the deep paths (sizes, finiteness, offset).
    pmt::pmt_t csi_like()
    {
        long rows = d_r.range(1, 8), cols = d_r.range(1, 8);
        pmt::pmt_t d = pmt::make_dict();
        const uint8_t mut = d_r.u8();
        long n = rows * cols;
        if (mut % 11 == 1)
            n += d_r.range(-2, 2);
        std::vector<std::complex<float>> v(std::max(0L, n));
        fill_c32(v);
        if (mut % 11 != 2)
            d = pmt::dict_add(d, pmt::mp("H"), pmt::init_c32vector(v.size(), v));
        if (mut % 11 == 3)
            rows = d_r.integer();
        if (mut % 11 == 4)
            cols = d_r.integer();
        d = pmt::dict_add(d,
                          pmt::mp("rows"),
                          mut % 11 == 5 ? pmt::from_double(d_r.real())
                                        : pmt::from_long(rows));
        d = pmt::dict_add(
            d, pmt::mp("cols"), mut % 11 == 6 ? any(1) : pmt::from_long(cols));
        if (mut % 11 == 7)
            d = pmt::dict_add(d, pmt::mp("offset"), any(1));
        else if (mut % 2)
            d = pmt::dict_add(
                d, pmt::mp("offset"), pmt::from_uint64(d_r.range(0, 1 << 20)));
        if (mut % 11 == 8)
            d = pmt::dict_add(d, key(), any(1));
        return d;
    }

    //! A value for a dict entry: a number most of the time, anything otherwise.
    pmt::pmt_t value(int depth = 1)
    {
        switch (d_r.u8() % 4) {
        case 0:
            return pmt::from_double(d_r.real());
        case 1:
            return pmt::from_long(d_r.integer());
        default:
            return any(depth);
        }
    }

    //! A top-level message: mostly dicts, some csi-like, some anything.
    pmt::pmt_t message()
    {
        switch (d_r.u8() % 4) {
        case 0:
            return any(3);
        case 1:
            return csi_like();
        default:
            return dict(2);
        }
    }

private:
    void fill_c32(std::vector<std::complex<float>>& v)
    {
        // bulk entries are cheap patterns; a few positions get fuzzed values
        const long k = d_r.range(0, 4);
        for (size_t i = 0; i < v.size(); ++i)
            v[i] = { float(i % 7) - 3.0f, float(i % 5) - 2.0f };
        for (long j = 0; j < k && !v.empty(); ++j)
            v[d_r.u32() % v.size()] = { float(d_r.real()), float(d_r.real()) };
    }

    reader& d_r;
    std::vector<std::string> d_keys;
};

} // namespace isac_fuzz

#endif
