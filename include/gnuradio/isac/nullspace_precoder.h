/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_NULLSPACE_PRECODER_H
#define INCLUDED_ISAC_NULLSPACE_PRECODER_H

#include <gnuradio/isac/api.h>
#include <gnuradio/isac/core/nullspace.h>
#include <gnuradio/sync_block.h>
#include <string>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief Null-space superimposing (SD-ISAC) precoder of the null-space paper: x = F s + P
 * b. \ingroup isac
 *
 * in0: vectors of n_users symbols s; in1 (sensing = "external" only): vectors
 * of n_tx sensing samples b, projected onto the users' null space (P P^H b);
 * out0: vectors of n_tx, x = F s + P B[:, n mod frame_len] (or F s + P P^H b).
 *
 * F: "zf" / "mrt" with SINR power control (every user exactly at sinr_db;
 * or, with comm_power > 0, equal powers summing to comm_power) or "minpower"
 * (exact duality fixed point, null-space paper eq. (8)). P_c = ||F||^2, P_a = power -
 * P_c. B: "beampattern" (MM-LineSearch, rectangular beams of beam_width_deg at
 * targets_deg), "isl" (Riemannian CG on the range ISL), "external", "none".
 * Both designs average over the unknown i.i.d. unit-power symbol stream.
 *
 * The channel H (n_users x n_tx, y = H x + n) comes from set_channel() or
 * the "csi" message port (dict {"H", "rows", "cols", ["offset"]}). Each
 * channel (or parameter) change starts a redesign on a background thread;
 * the stream continues with the previous design and switches at the next
 * frame boundary (absolute item index multiple of frame_len, not before
 * "offset") once the new design is ready, tagged "isac_design" = design id
 * (u64). Until a first design exists the block produces no items (it holds
 * its input back: never a zero frame); the first design applies from the
 * first item produced. Designs waiting for a later offset are bounded by the
 * module's queue limit (oldest dropped and counted). On start() after a stop()
 * the item count restarts at 0, and the designs for a csi message's channel of
 * the previous run are dropped (in use, waiting, or finishing after the
 * restart): that channel was measured in the previous run (a retuned radio, a
 * restarted emulation no longer has it), so the restarted run mutes the payload,
 * or produces nothing without frames, until a design for its own csi is ready
 * (design_id() 0 until then). Designs for a set_channel() channel stay: waiting
 * ones switch at the next frame boundary, and the first item is tagged with the
 * design in use (or the one switching in there), as in the first run. Destroying the
 * block cancels a design in progress. Every accepted channel is announced on the
 * "channel" port ({"accepted": #t, "offset", "epoch"}; csi_gate opens on it). Every
 * finished design is reported on the "stats" port as a dict (design_id, ok, message,
 * design_time_s, iterations, cost, pslr_db, isl_db, comm_power, split, leakage, rank,
 * sensing_rank, ...). An infeasible design is logged and reported; the previous design
 * stays in use. Non-finite input samples are replaced by 0 and counted.
 */
class ISAC_API nullspace_precoder : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<nullspace_precoder> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx           antennas N; [2, 4096]
     * \param n_users        users K; [1, n_tx)
     * \param power          total power per snapshot P_t; (0, inf)
     * \param comm           communication precoder; "zf", "mrt", "minpower"
     * \param sinr_db        per-user SINR target (dB); [-200, 200]
     * \param noise_var      user noise variance; (0, inf)
     * \param sensing        sensing design in the null space; "beampattern", "isl", "external", "none"
     * \param targets_deg    target angles (non-empty for "beampattern") (deg); each in [-90, 90]
     * \param beam_width_deg width of each rectangular beam (deg); (0, 180]
     * \param frame_len      L, columns of B (>= 2 for "isl"); [1, 65536]
     * \param comm_power     > 0: zf/mrt equal-power P_c instead of SINR control; [0, power]
     * \param grid_step_deg  beampattern grid step (deg); [0.01, 10]
     * \param isl_lags       largest ISL lag T (0: frame_len - 1); [0, frame_len)
     * \param csi_error      CSI error tau_e; [0, 1]
     * \param csi_weight     omega, weight of the CSI-error term; [0, 1]
     * \param csi_corr       r of the transmit correlation r^|i-j|; [0, 1)
     * \param sensing_beams  0: full rank, -1: the sensing-rank bound, > 0: cap (beampattern); [-1, n_tx]
     * \param max_iter       MM / RCG iteration cap; [0, 100000]
     * \param max_seconds    work budget of one design (0: none); at its end the design keeps its current iterate, noted in the stats message (s); [0, 1000000]
     */
    static sptr make(int n_tx,
                     int n_users,
                     double power,
                     const std::string& comm,
                     double sinr_db,
                     double noise_var,
                     const std::string& sensing,
                     const std::vector<double>& targets_deg,
                     double beam_width_deg,
                     int frame_len,
                     double comm_power = 0.0,
                     double grid_step_deg = 0.5,
                     int isl_lags = 0,
                     double csi_error = 0.0,
                     double csi_weight = 1.0,
                     double csi_corr = 0.0,
                     int sensing_beams = 0,
                     int max_iter = 200,
                     double max_seconds = 30.0);
    // gen_params:end make
    // clang-format on

    //! H: n_users x n_tx. Throws ValueError for a wrong size or non-finite entries.
    virtual void set_channel(const Eigen::MatrixXcd& H) = 0;
    //! Block the caller (never the scheduler) until no redesign is pending; false on timeout.
    virtual bool wait_design(double timeout_s) = 0;
    //! Block the caller until at least `count` designs have finished since start; false on timeout.
    virtual bool wait_designs(uint64_t count, double timeout_s) = 0;
    //! Number of designs finished (feasible or not) since start.
    virtual uint64_t designs_finished() const = 0;
    //! Handle a csi dict exactly as the "csi" port does, synchronously (for scripts and tests).
    virtual void post_csi(const pmt::pmt_t& msg) = 0;
    //! Id of the design in use by the stream (0: none yet).
    virtual uint64_t design_id() const = 0;
    //! The design in use (throws RuntimeError when there is none yet).
    virtual core::sdisac_design design() const = 0;
    //! The most recent finished design (feasible or not), (throws when none).
    virtual core::sdisac_design last_design() const = 0;
    virtual uint64_t nonfinite_count() const = 0;
    //! Designs dropped unused because the queue of waiting designs exceeded the limit.
    virtual uint64_t dropped_design_count() const = 0;

    // Each setter validates, then triggers a redesign when a channel is known.
    // clang-format off
    // gen_params:begin accessors
    //! total power per snapshot P_t; (0, inf)
    virtual void set_power(double power) = 0;
    //! per-user SINR target (dB); [-200, 200]
    virtual void set_sinr_db(double sinr_db) = 0;
    //! target angles (non-empty for "beampattern") (deg); each in [-90, 90]
    virtual void set_targets_deg(const std::vector<double>& targets_deg) = 0;
    //! width of each rectangular beam (deg); (0, 180]
    virtual void set_beam_width_deg(double beam_width_deg) = 0;
    // gen_params:end accessors
    // clang-format on
    virtual void set_csi(double csi_error, double csi_weight, double csi_corr) = 0;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_NULLSPACE_PRECODER_H */
