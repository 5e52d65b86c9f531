/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_PSK_SYMBOL_SOURCE_H
#define INCLUDED_ISAC_PSK_SYMBOL_SOURCE_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>

namespace gr {
namespace isac {

/*!
 * \brief Uniform i.i.d. M-PSK symbols s = exp(j 2 pi m / M), one vector of
 * n_users per snapshot (user u at index u): the block inside psk_source.
 * \ingroup isac
 *
 * The indices m are GNU Radio's gr::random(seed, 0, M).ran_int(), drawn user
 * by user, snapshot by snapshot: the sequence of
 * analog.random_uniform_source_b(0, M, seed) -> digital.chunks_to_symbols_bc
 * -> blocks.stream_to_vector(n_users), in one thread instead of three.
 */
class ISAC_API psk_symbol_source : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<psk_symbol_source> sptr;
    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_users   users U (output vlen); [1, 4096]
     * \param psk_order PSK order M; [2, 256]
     * \param seed      seed of GNU Radio's gr::random (the generator of analog.random_uniform_source_b); [1, 2147483647]
     */
    static sptr make(int n_users = 4,
                     int psk_order = 8,
                     int64_t seed = 1);
    // gen_params:end make
    // clang-format on
    // clang-format off
    // gen_params:begin accessors
    // gen_params:end accessors
    // clang-format on
    //! Produce n_items vectors in all, then end the stream (0: endless), as
    //! blocks.head does behind it; settable while running. The count runs
    //! across stop() and start(), like the symbol sequence: a run stopped
    //! early continues with the vectors still due (set n_items higher for
    //! more after the end).
    virtual void set_n_items(uint64_t n_items) = 0;
    virtual uint64_t n_items() const = 0;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_PSK_SYMBOL_SOURCE_H */
