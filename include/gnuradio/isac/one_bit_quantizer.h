/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_ONE_BIT_QUANTIZER_H
#define INCLUDED_ISAC_ONE_BIT_QUANTIZER_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <string>

namespace gr {
namespace isac {

/*!
 * \brief 1-bit DAC / ADC quantiser on vectors of vlen complex samples.
 * \ingroup isac
 *
 * One item is one snapshot of vlen antennas.
 *  - mode "dac": out = sqrt(power/(2 vlen)) (sgn Re + j sgn Im), so that
 *    ||out||^2 = power for every vector (1-bit DAC alphabet, 1-bit ISAC paper eq. (1)).
 *  - mode "adc": out = sgn Re + j sgn Im, entries +-1 +-j (1-bit ISAC paper Sec. II).
 * sgn(0) = +1, also for -0.0. In "dac" mode a NaN component maps to +1 (like
 * zero): what drives the radio is always an alphabet point. In "adc" mode a NaN
 * component stays NaN (it has no sign), so the receive filter discards and
 * counts that snapshot instead of deciding on a made-up +1. NaN components are counted;
 * the block posts {"nan_count": u64 total, "items": u64 total} on the "stats" port
 * at the end of each work() call in which the NaN count grew: a per-call summary
 * (one message per NaN would flood a port with a broken ADC), so how many
 * messages a run posts depends on the call sizes; the last one's totals do not.
 * The output stream does not depend on them. The totals are the current run's:
 * start() (also after stop()) sets them to 0, as it restarts the item count
 * that isac_mute tags refer to.
 */
class ISAC_API one_bit_quantizer : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<one_bit_quantizer> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param vlen  antennas per snapshot; [1, 1048576]
     * \param mode  1-bit DAC (scaled to power) or 1-bit ADC (+-1 +-j); "dac", "adc"
     * \param power transmit energy per vector E (dac mode; validated in both modes so a later switch to dac is safe); (0, inf)
     */
    static sptr make(int vlen,
                     const std::string& mode = "dac",
                     double power = 1.0);
    // gen_params:end make
    // clang-format on

    // clang-format off
    // gen_params:begin accessors
    //! 1-bit DAC (scaled to power) or 1-bit ADC (+-1 +-j); "dac", "adc"
    virtual void set_mode(const std::string& mode) = 0;
    virtual std::string mode() const = 0;
    //! transmit energy per vector E (dac mode; validated in both modes so a later switch to dac is safe); (0, inf)
    virtual void set_power(double power) = 0;
    virtual double power() const = 0;
    // gen_params:end accessors
    // clang-format on
    //! NaN components seen since the last start() (0 again at each start()).
    virtual uint64_t nan_count() const = 0;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_ONE_BIT_QUANTIZER_H */
