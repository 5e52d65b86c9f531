/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_ISAC_ONE_SHOT_RUN_H
#define INCLUDED_ISAC_ONE_SHOT_RUN_H

#include <pmt/pmt.h>
#include <cstdint>

namespace gr {
namespace isac {

/*!
 * How the calibration estimators (loop_delay_estimator, tx_phase_estimator)
 * run: a restart asked for by a message or a call takes effect at the next
 * work() call; in one-shot mode the first valid estimate ends the run (the
 * block then only consumes its input, at no cost) until the next restart;
 * every estimate the block publishes is kept (last()) and counted.
 * Not thread-safe: the block calls it under its own lock.
 */
class one_shot_run
{
public:
    explicit one_shot_run(bool continuous) : d_continuous(continuous) {}

    //! restart() / recalibrate() of the block: from the next work() call.
    void request_restart() { d_restart = true; }

    //! At the start of work(): applies a requested restart (restart_estimator()
    //! restarts the block's estimator) and says whether the estimator runs.
    template <class F>
    bool active(F&& restart_estimator)
    {
        if (d_restart) {
            restart_estimator();
            d_done = false;
            d_restart = false;
        }
        return !d_done;
    }

    //! The block publishes `msg`: kept and counted; a valid estimate ends a
    //! one-shot run.
    void published(const pmt::pmt_t& msg, bool valid)
    {
        d_last = msg;
        ++d_count;
        d_valid += valid ? 1 : 0;
        if (valid && !d_continuous)
            d_done = true;
    }

    const pmt::pmt_t& last() const { return d_last; } //!< PMT_NIL before the first
    uint64_t count() const { return d_count; }
    uint64_t valid_count() const { return d_valid; }

private:
    const bool d_continuous;
    bool d_done = false;
    bool d_restart = false;
    pmt::pmt_t d_last = pmt::PMT_NIL;
    uint64_t d_count = 0;
    uint64_t d_valid = 0;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_ONE_SHOT_RUN_H */
