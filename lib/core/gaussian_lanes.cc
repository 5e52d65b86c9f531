/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * core::gaussian_lanes (channel.h): gaussian_rng's ziggurat on eight xoshiro256++
 * lanes, the kernels and their dispatch. Every kernel computes the same integer
 * operations, one float conversion and one float product per draw, and lists the
 * draws that miss the rectangle in draw order for the scalar wedge and tail
 * (gaussian_lanes::blocks in channel.cc), so every kernel gives the same bits.
 */
#include <gnuradio/isac/core/channel.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#if defined(__GNUC__) && defined(__x86_64__)
#define ISAC_LANES_X86 1
#include <immintrin.h>
#endif

namespace gr {
namespace isac {
namespace core {

namespace {
// xoshiro256's jump polynomial: 2^128 steps ahead
void jump(gaussian_rng& g, uint64_t (&s)[4])
{
    static const uint64_t poly[4] = { 0x180ec6d33cfd0abaULL,
                                      0xd5a61266f0c9392cULL,
                                      0xa9582618e03fc9aaULL,
                                      0x39abdc4529b1661cULL };
    uint64_t acc[4] = { 0, 0, 0, 0 };
    for (uint64_t p : poly)
        for (int b = 0; b < 64; ++b) {
            if (p & (uint64_t(1) << b))
                for (int w = 0; w < 4; ++w)
                    acc[w] ^= s[w];
            g.next_u64();
        }
    for (int w = 0; w < 4; ++w)
        s[w] = acc[w];
}

} // namespace

gaussian_lanes::gaussian_lanes(uint64_t sd) { seed(sd); }

void gaussian_lanes::seed(uint64_t sd)
{
    gaussian_rng base(sd); // also fills the ziggurat tables once
    for (int l = 0; l < 8; ++l) {
        jump(base, base.s);
        for (int w = 0; w < 4; ++w)
            d_s[w][l] = base.s[w];
    }
    jump(base, base.s);
    d_wedge = base;
    jump(base, base.s);
    d_retry = base;
    d_left = 0;
}

namespace {
size_t blocks_generic(uint64_t (&s)[4][8],
                      const uint32_t* kn,
                      const float* wn,
                      float* out,
                      uint32_t* raw,
                      uint32_t* list,
                      size_t nblocks)
{
    size_t nl = 0;
    for (size_t b = 0; b < nblocks; ++b, out += 16, raw += 16) {
        for (int l = 0; l < 8; ++l) {
            const uint64_t r = gaussian_rng::step(s[0][l], s[1][l], s[2][l], s[3][l]);
            raw[2 * l] = uint32_t(r);
            raw[2 * l + 1] = uint32_t(r >> 32);
        }
        for (int j = 0; j < 16; ++j) {
            const uint32_t iz = raw[j] & 127u;
            const int32_t hz = int32_t((raw[j] & ~127u) | 64u);
            const int32_t ahz = hz < 0 ? -hz : hz;
            out[j] = float(hz) * wn[iz];
            list[nl] = uint32_t(16 * b + j);
            nl += ahz >= int32_t(kn[iz]);
        }
    }
    return nl;
}

#ifdef ISAC_LANES_X86
// lanes 0-3 and 4-7 in two registers: draws 0-7 and 8-15 of a step
// compress8[m]: the positions of the set bits of m, ascending, 4 bits each
struct compress_table {
    uint32_t v[256];
    compress_table()
    {
        for (unsigned m = 0; m < 256; ++m) {
            uint32_t p = 0;
            for (unsigned j = 0, n = 0; j < 8; ++j)
                if (m & (1u << j))
                    p |= j << (4 * n++);
            v[m] = p;
        }
    }
};
const compress_table compress8;

__attribute__((target("avx2"))) size_t blocks_avx2(uint64_t (&s)[4][8],
                                                   const uint32_t* kn,
                                                   const float* wn,
                                                   float* out,
                                                   uint32_t* raw,
                                                   uint32_t* list,
                                                   size_t nblocks)
{
    __m256i st[2][4];
    for (int h = 0; h < 2; ++h)
        for (int w = 0; w < 4; ++w)
            st[h][w] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&s[w][4 * h]));
    const __m256i low7 = _mm256_set1_epi32(127);
    const __m256i high25 = _mm256_set1_epi32(~127);
    const __m256i half = _mm256_set1_epi32(64);
    const int* k32 = reinterpret_cast<const int*>(kn);
    const __m256i nibble_shift = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    const __m256i nibble = _mm256_set1_epi32(15);
    size_t nl = 0;
    for (size_t b = 0; b < nblocks; ++b, out += 16, raw += 16) {
        for (int h = 0; h < 2; ++h) {
            __m256i &s0 = st[h][0], &s1 = st[h][1], &s2 = st[h][2], &s3 = st[h][3];
            const __m256i sum = _mm256_add_epi64(s0, s3);
            const __m256i r = _mm256_add_epi64(
                _mm256_or_si256(_mm256_slli_epi64(sum, 23), _mm256_srli_epi64(sum, 41)),
                s0);
            const __m256i t = _mm256_slli_epi64(s1, 17);
            s2 = _mm256_xor_si256(s2, s0);
            s3 = _mm256_xor_si256(s3, s1);
            s1 = _mm256_xor_si256(s1, s2);
            s0 = _mm256_xor_si256(s0, s3);
            s2 = _mm256_xor_si256(s2, t);
            s3 = _mm256_or_si256(_mm256_slli_epi64(s3, 45), _mm256_srli_epi64(s3, 19));
            // 32-bit element j of r: the low (j even) or high half of lane j / 2
            const __m256i iz = _mm256_and_si256(r, low7);
            const __m256i hz = _mm256_or_si256(_mm256_and_si256(r, high25), half);
            const __m256i k = _mm256_i32gather_epi32(k32, iz, 4);
            const __m256 w = _mm256_i32gather_ps(wn, iz, 4);
            _mm256_storeu_ps(out + 8 * h, _mm256_mul_ps(_mm256_cvtepi32_ps(hz), w));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(raw + 8 * h), r);
            const __m256i accept = _mm256_cmpgt_epi32(k, _mm256_abs_epi32(hz));
            const unsigned rej =
                ~unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(accept))) & 0xffu;
            // the rejected positions, packed to the front, appended to the list
            const __m256i pos = _mm256_and_si256(
                _mm256_srlv_epi32(_mm256_set1_epi32(int(compress8.v[rej])), nibble_shift),
                nibble);
            _mm256_storeu_si256(
                reinterpret_cast<__m256i*>(list + nl),
                _mm256_add_epi32(pos, _mm256_set1_epi32(int(16 * b + 8 * h))));
            nl += size_t(__builtin_popcount(rej));
        }
    }
    for (int h = 0; h < 2; ++h)
        for (int w = 0; w < 4; ++w)
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(&s[w][4 * h]), st[h][w]);
    return nl;
}

// t[iz] for a 128-entry table in eight registers: four two-register permutes on
// bits 0-4 of the layer and a blend tree on bits 5 (b5) and 6 (b6); gathers are
// slow on some CPUs
__attribute__((target("avx512f"), always_inline)) inline __m512i
lookup128(const __m512i (&t)[8], __m512i iz, __mmask16 b5, __mmask16 b6)
{
    return _mm512_mask_blend_epi32(
        b6,
        _mm512_mask_blend_epi32(b5,
                                _mm512_permutex2var_epi32(t[0], iz, t[1]),
                                _mm512_permutex2var_epi32(t[2], iz, t[3])),
        _mm512_mask_blend_epi32(b5,
                                _mm512_permutex2var_epi32(t[4], iz, t[5]),
                                _mm512_permutex2var_epi32(t[6], iz, t[7])));
}

__attribute__((target("avx512f"))) size_t blocks_avx512f(uint64_t (&s)[4][8],
                                                         const uint32_t* kn,
                                                         const float* wn,
                                                         float* out,
                                                         uint32_t* raw,
                                                         uint32_t* list,
                                                         size_t nblocks)
{
    __m512i s0 = _mm512_loadu_si512(s[0]), s1 = _mm512_loadu_si512(s[1]),
            s2 = _mm512_loadu_si512(s[2]), s3 = _mm512_loadu_si512(s[3]);
    __m512i W[8], K[8]; // W: the float table's bits
    for (int q = 0; q < 8; ++q) {
        W[q] = _mm512_loadu_si512(wn + 16 * q);
        K[q] = _mm512_loadu_si512(kn + 16 * q);
    }
    const __m512i low7 = _mm512_set1_epi32(127);
    const __m512i high25 = _mm512_set1_epi32(~127);
    const __m512i half = _mm512_set1_epi32(64);
    const __m512i bit5 = _mm512_set1_epi32(32);
    const __m512i iota =
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    size_t nl = 0;
    for (size_t b = 0; b < nblocks; ++b, out += 16, raw += 16) {
        const __m512i r =
            _mm512_add_epi64(_mm512_rol_epi64(_mm512_add_epi64(s0, s3), 23), s0);
        const __m512i t = _mm512_slli_epi64(s1, 17);
        s2 = _mm512_xor_si512(s2, s0);
        s3 = _mm512_xor_si512(s3, s1);
        s1 = _mm512_xor_si512(s1, s2);
        s0 = _mm512_xor_si512(s0, s3);
        s2 = _mm512_xor_si512(s2, t);
        s3 = _mm512_rol_epi64(s3, 45);
        const __m512i iz = _mm512_and_si512(r, low7);
        const __m512i hz = _mm512_or_si512(_mm512_and_si512(r, high25), half);
        const __mmask16 b5 = _mm512_test_epi32_mask(iz, bit5);
        const __mmask16 b6 = _mm512_test_epi32_mask(iz, half);
        const __m512 w = _mm512_castsi512_ps(lookup128(W, iz, b5, b6));
        const __m512i k = lookup128(K, iz, b5, b6);
        _mm512_storeu_ps(out, _mm512_mul_ps(_mm512_cvtepi32_ps(hz), w));
        _mm512_storeu_si512(raw, r);
        const __mmask16 rej =
            __mmask16(~_mm512_cmpgt_epi32_mask(k, _mm512_abs_epi32(hz)));
        _mm512_storeu_si512(
            list + nl,
            _mm512_maskz_compress_epi32(
                rej, _mm512_add_epi32(iota, _mm512_set1_epi32(int(16 * b)))));
        nl += size_t(__builtin_popcount(unsigned(rej)));
    }
    _mm512_storeu_si512(s[0], s0);
    _mm512_storeu_si512(s[1], s1);
    _mm512_storeu_si512(s[2], s2);
    _mm512_storeu_si512(s[3], s3);
    return nl;
}
#endif

bool cpu_has(const char* name)
{
#ifdef ISAC_LANES_X86
    if (std::strcmp(name, "avx2") == 0)
        return __builtin_cpu_supports("avx2");
    if (std::strcmp(name, "avx512f") == 0)
        return __builtin_cpu_supports("avx512f");
#endif
    (void)name;
    return false;
}
} // namespace

std::vector<std::string> gaussian_lanes::impls()
{
    std::vector<std::string> v{ "generic" };
    for (const char* m : { "avx2", "avx512f" })
        if (cpu_has(m))
            v.push_back(m);
    return v;
}

gaussian_lanes::kernel_fn gaussian_lanes::kernel(const std::string& name)
{
    if (name == "generic")
        return &blocks_generic;
#ifdef ISAC_LANES_X86
    if (name == "avx2" && cpu_has("avx2"))
        return &blocks_avx2;
    if (name == "avx512f" && cpu_has("avx512f"))
        return &blocks_avx512f;
#endif
    throw std::invalid_argument("gaussian_lanes: kernel '" + name +
                                "' is not available on this CPU");
}

// VOLK's convention: VOLK_GENERIC set (to anything) forces the generic kernels
gaussian_lanes::kernel_fn gaussian_lanes::best()
{
    static const kernel_fn k =
        std::getenv("VOLK_GENERIC") ? &blocks_generic : kernel(impls().back());
    return k;
}

std::string gaussian_lanes::impl()
{
    const auto v = impls();
    for (const auto& name : v)
        if (kernel(name) == best())
            return name;
    return v.front();
}

void gaussian_lanes::fill(float* out, size_t n, kernel_fn k)
{
    size_t i = 0;
    for (; d_left > 0 && i < n; ++i)
        out[i] = d_buf[16 - d_left--];
    const size_t nb = (n - i) / 16;
    blocks(out + i, nb, k);
    i += 16 * nb;
    if (i < n) {
        blocks(d_buf, 1, k);
        d_left = 16;
        for (; i < n; ++i)
            out[i] = d_buf[16 - d_left--];
    }
}

void gaussian_lanes::fill_normal(float* out, size_t n) { fill(out, n, best()); }

void gaussian_lanes::fill_normal(float* out, size_t n, const std::string& name)
{
    fill(out, n, kernel(name));
}

float gaussian_lanes::normal()
{
    if (d_left == 0) {
        blocks(d_buf, 1, best());
        d_left = 16;
    }
    return d_buf[16 - d_left--];
}

} // namespace core
} // namespace isac
} // namespace gr
