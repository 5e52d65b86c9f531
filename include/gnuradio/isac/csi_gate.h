/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_CSI_GATE_H
#define INCLUDED_ISAC_CSI_GATE_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>

namespace gr {
namespace isac {

/*!
 * \brief Holds a vector stream back until a precoder has accepted a channel.
 * \ingroup isac
 *
 * in/out: vectors of vlen complex, passed unchanged once open; nothing is
 * dropped. Message in "channel": wire a precoder's "channel" output here
 * (ci_precoder, nullspace_precoder, one_bit_isac_tx). The gate opens on the
 * first message that says the precoder accepted a channel ({"accepted": #t});
 * a raw csi dict, or anything else, is ignored with a warning: the gate never
 * parses a csi itself, so a csi the precoder rejected cannot open it. Placed
 * before the split that feeds a precoder and an error counter, it makes the
 * first counted symbol of the first run one that is precoded with a real
 * channel. When the input ends while closed, the gate finishes 0.5 s later
 * without output.
 *
 * Restart: an open gate stays open across stop()/start(). A precoder keeps a
 * set_channel() channel but drops one that came from a csi message, so with
 * csi-driven precoding the restarted run passes symbols that the precoder
 * mutes (frames) or holds back until the new run's csi takes effect. The gate
 * is not closed again at start(): the blocks start on their own threads, so a
 * precoder's announcement could come before the gate's start() and be lost.
 */
class ISAC_API csi_gate : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<csi_gate> sptr;
    //! \param vlen vector length, [1, 2^20]
    // clang-format off
    // gen_params:begin make
    /*!
     * \param vlen vector length; [1, 1048576]
     */
    static sptr make(int vlen = 4);
    // gen_params:end make
    // clang-format on
    virtual bool is_open() const = 0;
    //! Messages on "channel" that were not a precoder's acceptance.
    virtual uint64_t ignored_count() const = 0;
};

} // namespace isac
} // namespace gr

#endif
