/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_CI_PRECODER_H
#define INCLUDED_ISAC_CI_PRECODER_H

#include <gnuradio/isac/api.h>
#include <gnuradio/sync_block.h>
#include <string>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief Constructive-interference safe-margin symbol-level precoder for a
 * 1-bit DAC (1-bit ISAC paper Sec. III-B, IV).
 * \ingroup isac
 *
 * Input: vectors of n_users complex symbols (snapped to the nearest M-PSK point).
 * Output: vectors of n_tx complex samples x, entries sqrt(E/(2 n_tx)) (+-1 +-j)
 * (dac "1bit") or ||x||^2 = E (dac "inf"). With dac "1bit" the output is what
 * one_bit_quantizer("dac", power) would drive, muted snapshots zero included:
 * no quantizer has to follow (one_bit_isac_tx has none; one still may, it
 * reproduces the output).
 *  - mode "qos": maximise the radar QSCNR toward target_deg with clutter at
 *    clutter_deg subject to every safe margin >= lambda = sqrt(Gamma noise_var).
 *  - mode "qod": maximise the minimum safe margin subject to QSCNR >= chi.
 * MM outer loop with an ILP per step (real-time heuristic with a certified
 * gap to the LP bound, its slower multi-start quality preset, exact branch and
 * bound, a per-channel lookup table, or the fast heuristic from one start).
 *
 * Channel: set_channel(H) (n_users x n_tx, y = H x + n) or a `csi` dict
 * message {"H", "rows", "cols", optional "offset", "epoch"}; with an offset
 * the channel takes effect exactly at that absolute item. Until a channel is
 * known the block produces no items (it holds its input back and logs one
 * message): a transmitter never radiates without a channel. The first channel
 * applies from the first item produced, even when its offset is ahead. Every
 * accepted channel (a csi that parsed and matched, or set_channel) is
 * announced on the `channel` port as {"accepted": #t, "offset", "epoch"}: this
 * is what csi_gate opens on. The first item precoded with a new channel epoch
 * is tagged "isac_epoch" (u64).
 *
 * Channels queued for a future offset are bounded by the module's queue limit
 * (gnuradio.isac.set_queue_limit, bytes): above it the oldest is dropped,
 * logged and counted (dropped_csi_count, "dropped_csi" in stats). On start()
 * after a stop() the queue is cleared (its offsets count the old run's items),
 * and a channel in use that came from a csi message is dropped: it was measured
 * in the previous run (a retuned radio, a restarted emulation no longer has it),
 * so the restarted run mutes the payload, or produces nothing without frames,
 * until its own csi takes effect, as a fresh block does. A set_channel() channel
 * in use stays.
 *
 * Solver "lut": a channel takes effect at its offset together with its table.
 * The table's build starts when the csi arrives (one build at a time), so a
 * channel that arrives ahead of its offset by more than the build time finds
 * it ready; otherwise work() pauses at the offset until the build ends. The
 * longest pause is "lut_wait_max_us" in stats; a pause above 1 ms (more than
 * a radio's transmit buffering absorbs) after the first item is logged with
 * the table's size and the channel's lead, and counted ("lut_waits_long").
 * "csi_lead_min": the smallest lead of a csi over its offset, in items (-1: none with an
 * offset). Build times against the OTA examples' feedback delay:
 * docs/ota_measurements.md, "Table builds against the feedback delay".
 *
 * Runtime changes: set_target_deg, set_clutter, set_snr_r_db, set_gamma_db,
 * set_noise_var and set_solver validate their argument (param_error naming it,
 * nothing changes on error) and take effect from the next work() call: the
 * design for the current channel is rebuilt (solver "lut": its table too).
 *
 * An infeasible QoS snapshot is answered with the max-min margin design and
 * tagged "isac_infeasible" (value #t). Statistics are posted on the `stats`
 * port every stats_interval vectors.
 */
class ISAC_API ci_precoder : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<ci_precoder> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx           transmit antennas N_T (output vlen); [n_users, 4096]
     * \param n_users        users U (input vlen); [1, 4096]
     * \param psk_order      PSK order M; [2, 65536]
     * \param power          transmit energy per vector E; (0, inf)
     * \param noise_var      users' noise variance sigma_C^2; (0, inf)
     * \param gamma_db       QoS SNR threshold Gamma (dB); [-200, 200]
     * \param target_deg     target angle theta_0 (deg); [-90, 90]
     * \param clutter_deg    clutter angles (may be empty) (deg); each in [-90, 90]
     * \param snr_r_db       target-to-noise ratio SNR_R = zeta_0^2/sigma_R^2 (dB); [-200, 200]
     * \param cnr_db         clutter-to-noise ratio zeta_q^2/sigma_R^2 per clutter angle (dB); each in [-200, 200]; length len(clutter_deg)
     * \param n_rx           radar receive antennas N_R of the receiver the design serves; [1, 4096]
     * \param mode           "qos": max QSCNR subject to the users' margin; "qod": max min margin subject to QSCNR >= chi; "qos", "qod"
     * \param chi_db         QoD radar requirement (QSCNR) (dB); [-200, 200]
     * \param dac            1-bit DAC or infinite resolution; "1bit", "inf"
     * \param solver         realtime (heuristic; more starts at fewer antennas, so its speed depends on N_T: ~4k vectors per CPU s at N_T = 16, ~1.5k at 32, ~1k at 33-55, 5-7k at 56-63, ~25k from 64, docs/ci_precoder.md, Summary), quality (homotopy paths, slower), exact (branch and bound), lut (lookup table per channel), fast (realtime from the target beam alone: the same as realtime from N_T = 64, ~20x faster at 33-55 for 1-1.8 dB less QSCNR; pick it when realtime cannot keep up with the sample rate). From N_T = 64 realtime runs from the beam alone, trading QSCNR for speed (docs/ci_precoder_measurements.md, Between the family's array sizes); choose quality when that loss matters; "realtime", "quality", "exact", "lut", "fast"
     * \param max_iter       MM iterations per snapshot and start; [1, 1000]
     * \param stats_interval vectors between two stats messages; [1, 1073741824]
     * \param threads        threads designing vectors and building tables; 0: all cores (the output does not depend on it); [0, 1024]
     * \param radar_metric   radar objective: Theorem 1's QSCNR (the paper's) or the exact 1-bit deflection; "theorem1", "exact"
     * \param tag_infeasible tag each vector that misses the QoS margin "isac_infeasible" (false: none; infeasible_count() and the stats count them either way)
     */
    static sptr make(int n_tx,
                     int n_users,
                     int psk_order,
                     double power,
                     double noise_var,
                     double gamma_db,
                     double target_deg,
                     const std::vector<double>& clutter_deg,
                     double snr_r_db,
                     const std::vector<double>& cnr_db,
                     int n_rx,
                     const std::string& mode = "qos",
                     double chi_db = 10.0,
                     const std::string& dac = "1bit",
                     const std::string& solver = "realtime",
                     int max_iter = 10,
                     int stats_interval = 1000,
                     int threads = 0,
                     const std::string& radar_metric = "theorem1",
                     bool tag_infeasible = true);
    // gen_params:end make
    // clang-format on

    //! Channel H (n_users rows of n_tx entries). Applied from the next vector.
    virtual void set_channel(const std::vector<std::vector<gr_complex>>& H) = 0;
    //! True once a channel is accepted (set_channel, or a csi queued for its
    //! offset); false again after a restart that dropped the previous run's csi.
    virtual bool has_channel() const = 0;
    //! True while a channel is in use: its offset reached (with solver "lut" the
    //! payload also waits for its table, lut_ready()).
    virtual bool channel_in_use() const = 0;
    //! True once the lookup table of the current channel is built (solver "lut").
    virtual bool lut_ready() const = 0;
    //! The statistics dict of the latest stats message (PMT_NIL before the first).
    virtual pmt::pmt_t last_stats() const = 0;
    virtual uint64_t infeasible_count() const = 0;
    virtual uint64_t bad_symbol_count() const = 0;
    //! Queued channels dropped for the queue limit or discarded at a restart.
    virtual uint64_t dropped_csi_count() const = 0;
    //! Epoch of the channel in use (0: none or unknown).
    virtual uint64_t channel_epoch() const = 0;

    //! Radar scene and QoS settings while running (see the class documentation).
    //! threads(): the `threads` parameter, 0 resolved to the cores.
    // clang-format off
    // gen_params:begin accessors
    //! users' noise variance sigma_C^2; (0, inf)
    virtual void set_noise_var(double noise_var) = 0;
    virtual double noise_var() const = 0;
    //! QoS SNR threshold Gamma (dB); [-200, 200]
    virtual void set_gamma_db(double gamma_db) = 0;
    virtual double gamma_db() const = 0;
    //! target angle theta_0 (deg); [-90, 90]
    virtual void set_target_deg(double target_deg) = 0;
    virtual double target_deg() const = 0;
    //! clutter angles (may be empty) (deg); each in [-90, 90]
    virtual std::vector<double> clutter_deg() const = 0;
    //! target-to-noise ratio SNR_R = zeta_0^2/sigma_R^2 (dB); [-200, 200]
    virtual void set_snr_r_db(double snr_r_db) = 0;
    virtual double snr_r_db() const = 0;
    //! clutter-to-noise ratio zeta_q^2/sigma_R^2 per clutter angle (dB); each in [-200, 200]; length len(clutter_deg)
    virtual std::vector<double> cnr_db() const = 0;
    //! realtime (heuristic; more starts at fewer antennas, so its speed depends on N_T: ~4k vectors per CPU s at N_T = 16, ~1.5k at 32, ~1k at 33-55, 5-7k at 56-63, ~25k from 64, docs/ci_precoder.md, Summary), quality (homotopy paths, slower), exact (branch and bound), lut (lookup table per channel), fast (realtime from the target beam alone: the same as realtime from N_T = 64, ~20x faster at 33-55 for 1-1.8 dB less QSCNR; pick it when realtime cannot keep up with the sample rate). From N_T = 64 realtime runs from the beam alone, trading QSCNR for speed (docs/ci_precoder_measurements.md, Between the family's array sizes); choose quality when that loss matters; "realtime", "quality", "exact", "lut", "fast"
    virtual void set_solver(const std::string& solver) = 0;
    virtual std::string solver() const = 0;
    //! threads designing vectors and building tables; 0: all cores (the output does not depend on it); [0, 1024]
    virtual int threads() const = 0;
    //! tag each vector that misses the QoS margin "isac_infeasible" (false: none; infeasible_count() and the stats count them either way)
    virtual bool tag_infeasible() const = 0;
    // gen_params:end accessors
    // clang-format on
    //! Clutter angles and their CNRs at once (as many of each).
    virtual void set_clutter(const std::vector<double>& clutter_deg,
                             const std::vector<double>& cnr_db) = 0;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_CI_PRECODER_H */
