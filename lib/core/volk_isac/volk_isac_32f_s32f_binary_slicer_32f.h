/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*!
 * \page volk_isac_32f_s32f_binary_slicer_32f
 *
 * \b Overview
 *
 * 1-bit quantiser: maps every float to +amplitude or -amplitude by its sign and
 * flags NaN inputs. Written in VOLK's protokernel format (one implementation per
 * LV_HAVE_* machine feature, a generic one always) so that it can move into a
 * VOLK module unchanged; gr-isac's dispatcher (lib/core/volk_isac.cc) compiles
 * each machine in its own translation unit and picks the best one at load time.
 *
 * <b>Dispatcher Prototype</b>
 * \code
 * void volk_isac_32f_s32f_binary_slicer_32f(float* out, uint32_t* nan_flag,
 *     const float* in, float amplitude, unsigned int num_points)
 * \endcode
 *
 * \b Inputs
 * \li in: the input floats (e.g. interleaved I/Q of complex samples).
 * \li amplitude: the positive output magnitude.
 * \li num_points: the number of floats.
 *
 * \b Outputs
 * \li out: in[i] < 0 ? -amplitude : +amplitude. sgn(0) = +1 for -0.0 too, and a
 *     NaN maps to +amplitude whatever its sign bit (both compare false), so
 *     every output is an alphabet point.
 * \li nan_flag: nonzero if any input was NaN (a flag, not a count: the hot loop
 *     only ORs a per-lane mask, without a reduction across lanes).
 *
 * The unaligned loads and stores cost nothing extra on aligned data on the
 * CPUs these machines target, so each SIMD machine has one (_u_) variant.
 */

#ifndef INCLUDED_volk_isac_32f_s32f_binary_slicer_32f_H
#define INCLUDED_volk_isac_32f_s32f_binary_slicer_32f_H

#include <stdint.h>

#ifdef LV_HAVE_GENERIC

static inline void volk_isac_32f_s32f_binary_slicer_32f_generic(float* out,
                                                                uint32_t* nan_flag,
                                                                const float* in,
                                                                const float amplitude,
                                                                unsigned int num_points)
{
    const float neg = -amplitude;
    uint32_t bad = 0;
    for (unsigned int i = 0; i < num_points; ++i) {
        const float v = in[i];
        bad |= (v != v);
        out[i] = v < 0.0f ? neg : amplitude;
    }
    *nan_flag = bad;
}

#endif /* LV_HAVE_GENERIC */

#ifdef LV_HAVE_SSE
#include <xmmintrin.h>

static inline void volk_isac_32f_s32f_binary_slicer_32f_u_sse(float* out,
                                                              uint32_t* nan_flag,
                                                              const float* in,
                                                              const float amplitude,
                                                              unsigned int num_points)
{
    // out = amplitude XOR (sign bit AND (in < 0)): the ordered compare is false
    // for -0.0 and NaN, which therefore give +amplitude.
    const __m128 zero = _mm_setzero_ps();
    const __m128 sign = _mm_set1_ps(-0.0f);
    const __m128 amp = _mm_set1_ps(amplitude);
    __m128 bad = _mm_setzero_ps();
    unsigned int i = 0;
    for (; i + 8 <= num_points; i += 8) {
        const __m128 v0 = _mm_loadu_ps(in + i);
        const __m128 v1 = _mm_loadu_ps(in + i + 4);
        bad = _mm_or_ps(bad, _mm_or_ps(_mm_cmpunord_ps(v0, v0), _mm_cmpunord_ps(v1, v1)));
        _mm_storeu_ps(out + i, _mm_xor_ps(amp, _mm_and_ps(sign, _mm_cmplt_ps(v0, zero))));
        _mm_storeu_ps(out + i + 4,
                      _mm_xor_ps(amp, _mm_and_ps(sign, _mm_cmplt_ps(v1, zero))));
    }
    uint32_t tail = 0;
    for (; i < num_points; ++i) {
        const float v = in[i];
        tail |= (v != v);
        out[i] = v < 0.0f ? -amplitude : amplitude;
    }
    *nan_flag = (uint32_t)_mm_movemask_ps(bad) | tail;
}

#endif /* LV_HAVE_SSE */

#ifdef LV_HAVE_AVX
#include <immintrin.h>

static inline void volk_isac_32f_s32f_binary_slicer_32f_u_avx(float* out,
                                                              uint32_t* nan_flag,
                                                              const float* in,
                                                              const float amplitude,
                                                              unsigned int num_points)
{
    const __m256 zero = _mm256_setzero_ps();
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 amp = _mm256_set1_ps(amplitude);
    __m256 bad = _mm256_setzero_ps();
    unsigned int i = 0;
    for (; i + 16 <= num_points; i += 16) {
        const __m256 v0 = _mm256_loadu_ps(in + i);
        const __m256 v1 = _mm256_loadu_ps(in + i + 8);
        bad = _mm256_or_ps(bad,
                           _mm256_or_ps(_mm256_cmp_ps(v0, v0, _CMP_UNORD_Q),
                                        _mm256_cmp_ps(v1, v1, _CMP_UNORD_Q)));
        _mm256_storeu_ps(
            out + i,
            _mm256_xor_ps(amp, _mm256_and_ps(sign, _mm256_cmp_ps(v0, zero, _CMP_LT_OQ))));
        _mm256_storeu_ps(
            out + i + 8,
            _mm256_xor_ps(amp, _mm256_and_ps(sign, _mm256_cmp_ps(v1, zero, _CMP_LT_OQ))));
    }
    uint32_t tail = 0;
    for (; i < num_points; ++i) {
        const float v = in[i];
        tail |= (v != v);
        out[i] = v < 0.0f ? -amplitude : amplitude;
    }
    *nan_flag = (uint32_t)_mm256_movemask_ps(bad) | tail;
}

#endif /* LV_HAVE_AVX */

#ifdef LV_HAVE_AVX512F
#include <immintrin.h>

static inline void volk_isac_32f_s32f_binary_slicer_32f_u_avx512f(float* out,
                                                                  uint32_t* nan_flag,
                                                                  const float* in,
                                                                  const float amplitude,
                                                                  unsigned int num_points)
{
    const __m512 zero = _mm512_setzero_ps();
    const __m512 amp = _mm512_set1_ps(amplitude);
    const __m512 neg = _mm512_set1_ps(-amplitude);
    __mmask16 bad = 0;
    unsigned int i = 0;
    for (; i + 32 <= num_points; i += 32) {
        const __m512 v0 = _mm512_loadu_ps(in + i);
        const __m512 v1 = _mm512_loadu_ps(in + i + 16);
        bad |= _mm512_cmp_ps_mask(v0, v0, _CMP_UNORD_Q) |
               _mm512_cmp_ps_mask(v1, v1, _CMP_UNORD_Q);
        _mm512_storeu_ps(
            out + i,
            _mm512_mask_mov_ps(amp, _mm512_cmp_ps_mask(v0, zero, _CMP_LT_OQ), neg));
        _mm512_storeu_ps(
            out + i + 16,
            _mm512_mask_mov_ps(amp, _mm512_cmp_ps_mask(v1, zero, _CMP_LT_OQ), neg));
    }
    // the remainder (< 32) in masked 16-lane steps
    for (; i < num_points; i += 16) {
        const unsigned int left = num_points - i;
        const __mmask16 m =
            left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
        const __m512 v = _mm512_maskz_loadu_ps(m, in + i);
        bad |= _mm512_mask_cmp_ps_mask(m, v, v, _CMP_UNORD_Q);
        _mm512_mask_storeu_ps(
            out + i,
            m,
            _mm512_mask_mov_ps(amp, _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), neg));
    }
    *nan_flag = (uint32_t)bad;
}

#endif /* LV_HAVE_AVX512F */

#ifdef LV_HAVE_NEON
#include <arm_neon.h>

static inline void volk_isac_32f_s32f_binary_slicer_32f_neon(float* out,
                                                             uint32_t* nan_flag,
                                                             const float* in,
                                                             const float amplitude,
                                                             unsigned int num_points)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    const uint32x4_t sign = vdupq_n_u32(0x80000000u);
    const uint32x4_t amp = vreinterpretq_u32_f32(vdupq_n_f32(amplitude));
    uint32x4_t ok = vdupq_n_u32(0xFFFFFFFFu); // AND of "v == v": a 0 lane saw a NaN
    unsigned int i = 0;
    for (; i + 8 <= num_points; i += 8) {
        const float32x4_t v0 = vld1q_f32(in + i);
        const float32x4_t v1 = vld1q_f32(in + i + 4);
        ok = vandq_u32(ok, vandq_u32(vceqq_f32(v0, v0), vceqq_f32(v1, v1)));
        vst1q_f32(
            out + i,
            vreinterpretq_f32_u32(veorq_u32(amp, vandq_u32(sign, vcltq_f32(v0, zero)))));
        vst1q_f32(
            out + i + 4,
            vreinterpretq_f32_u32(veorq_u32(amp, vandq_u32(sign, vcltq_f32(v1, zero)))));
    }
    uint32_t tail = 0;
    for (; i < num_points; ++i) {
        const float v = in[i];
        tail |= (v != v);
        out[i] = v < 0.0f ? -amplitude : amplitude;
    }
    // any lane of ok cleared? (pairwise min works on 32-bit ARM as well)
    uint32x2_t m = vpmin_u32(vget_low_u32(ok), vget_high_u32(ok));
    m = vpmin_u32(m, m);
    *nan_flag = (vget_lane_u32(m, 0) != 0xFFFFFFFFu) | tail;
}

#endif /* LV_HAVE_NEON */

#endif /* INCLUDED_volk_isac_32f_s32f_binary_slicer_32f_H */
