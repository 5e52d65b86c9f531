/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_RADIO_EMULATOR_H
#define INCLUDED_ISAC_RADIO_EMULATOR_H

#include <gnuradio/isac/api.h>
#include <gnuradio/isac/core/frontend.h>
#include <gnuradio/sync_block.h>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief The emulated radio front-end and room between the UHD sink and the
 * UHD sources of an over-the-air flowgraph (core::frontend_emulator).
 * \ingroup isac
 *
 * One complex stream per radio channel, as the UHD blocks have them:
 * in k (k < n_tx): what the flowgraph sends to transmit channel k;
 * out m (m < n_rx): what sensing channel m receives; with loopback, out n_rx
 *   is the coupler's receive channel (n_sense_out() = n_rx or n_rx + 1);
 * out n_sense_out() + u: what user u's radio receives;
 * out n_sense_out() + n_users + k (uplink_len > 0): what the transmit array's
 *   own receive chain k receives in TDD (the users' uplink pilots).
 * vector_ports = true: in 0 carries the n_tx channels as one vector, out 0 the
 * n_sense_out() sensing channels as one vector, out 1 + u user u's stream and
 * (uplink_len > 0) out 1 + n_users the n_tx uplink chains as one vector: an
 * array's blocks take vectors, and no vector_to_streams/streams_to_vector pair
 * (two threads) stands between them and the emulator.
 * Output item t of every stream belongs to input item t (the radios start on
 * the same PPS edge); the loop delay and the users' timing offsets are inside.
 *
 * Used through the gnuradio.isac.radio_sink / radio_source hierarchical
 * blocks, which wire this one block from both sides (radio = "emulated").
 * pace = true holds the stream to samp_rate in wall-clock time, as a radio
 * does (GUI flowgraphs); false runs as fast as the host allows.
 *
 * The truth getters (locked) report what the emulator drew, for acceptance
 * runs that measure each acquisition block's residual error. Phases in
 * radians; H and G row-major.
 *
 * Restart: start() after a run (stop() or the end of the stream, wait()) is a
 * new run from item 0, as the flowgraph's item counts are. The emulation starts
 * again from seed_used() with the parameters it was made with: the same scene
 * and the same radios (static gains, LO phases, IQ imbalance, CFOs, loop delay,
 * timing offsets: what describes the hardware is a function of the seed), and
 * from snapshot 0 the drift, phase noise, noise, Swerling draws, delay lines,
 * the pilot window and the uplink slots, with position() and the clip and
 * non-finite counters at 0: a seeded run repeats bit for bit, and blocks that
 * count from 0 again (tdd_csi's slots, a pilot_len window) stay lined up. pace
 * (set_pace) is kept. Between the runs the truth getters report where the last
 * run ended (its drift); from the next start() the first run's start again.
 */
class ISAC_API radio_emulator : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<radio_emulator> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx             transmit antennas (inputs); [1, 4096]
     * \param n_rx             sensing receive antennas (outputs, +1 with loopback); [1, 4096]
     * \param n_users          users (one output each, after the sensing outputs); [1, 4096]
     * \param samp_rate        sample rate (converts ppm CFOs and drift times) (Hz); (0, inf)
     * \param center_freq      carrier frequency (Hz); (0, inf)
     * \param user_deg         user angles (n_users values for "los" and "rician") (deg); each in [-90, 90]
     * \param comm_model       users' channel (one static draw); "los", "rician", "rayleigh"
     * \param user_gain        LoS amplitude of every user's channel; (0, inf)
     * \param rician_k_db      K factor for "rician" (dB); [-200, 200]
     * \param comm_noise_var   users' receiver noise variance (the SNR reference); (0, inf)
     * \param target_deg       monostatic target angle (deg); [-90, 90]
     * \param target_snr_db    target-to-noise ratio zeta_0^2/radar_noise_var (unit-norm steering, as isac_channel; docs/conventions.md) (dB); [-200, 200]
     * \param clutter_deg      static clutter angles (random phases) (deg); each in [-90, 90]
     * \param cnr_db           clutter-to-noise ratio of each clutter angle (dB); each in [-200, 200]; length len(clutter_deg)
     * \param radar_noise_var  sensing receivers' noise variance; (0, inf)
     * \param target_coherence 0: static target gain; > 0: Swerling 1, a new CN(0, zeta_0^2) gain every that many snapshots; [0, 2^40]
     * \param pilot_deg        angle of the receive-calibration pilot (deg); [-90, 90]
     * \param pilot_snr_db     per-antenna SNR of the pilot (dB); [-200, 200]
     * \param pilot_freq       pilot CW tone frequency (cycles per sample); (-0.5, 0.5)
     * \param pilot_len        the pilot is on for the first pilot_len snapshots (0: always, < 0: no pilot)
     * \param loopback         add the coupler channel (Tx calibration through a combiner)
     * \param loopback_snr_db  coupler output SNR for a unit-power transmit vector (dB); [-200, 200]
     * \param impairments      impairment profile (docs/ota.md); Python also takes a core.impairment_profile; "none", "typical", "harsh"
     * \param seed             0: random; [0, inf)
     * \param pace             hold the stream to samp_rate in real time
     * \param uplink_len       TDD uplink pilot snapshots per slot (0: no uplink; else n_tx more outputs, the array's own receive chains); [0, 1048576]
     * \param uplink_period    snapshots from one uplink slot to the next (slots start at multiples of it plus uplink_offset); [1, 2^40]
     * \param uplink_snr_db    per-antenna SNR of one user's uplink pilot at the array (|h| = user_gain) (dB); [-200, 200]
     * \param uplink_seed      seed of the uplink pilots (core.orthogonal_pilots; tdd_csi's pilot_seed); [1, inf)
     * \param vector_ports     true: one port of n_tx-vectors in, the sensing channels as one port of n_sense_out()-vectors out (and the uplink as one of n_tx-vectors); the users stay one stream each
     * \param uplink_offset    first uplink slot (slots at k uplink_period + uplink_offset of the array's receive snapshots; TDD frames: inside their guard, docs/ota.md); [0, uplink_period)
     */
    static sptr make(int n_tx,
                     int n_rx,
                     int n_users,
                     double samp_rate = 1000000.0,
                     double center_freq = 2450000000.0,
                     const std::vector<double>& user_deg = {},
                     const std::string& comm_model = "los",
                     double user_gain = 1.0,
                     double rician_k_db = 10.0,
                     double comm_noise_var = 0.1,
                     double target_deg = 0.0,
                     double target_snr_db = 15.0,
                     const std::vector<double>& clutter_deg = {},
                     const std::vector<double>& cnr_db = {},
                     double radar_noise_var = 1.0,
                     int64_t target_coherence = 0,
                     double pilot_deg = 0.0,
                     double pilot_snr_db = 20.0,
                     double pilot_freq = 0.0625,
                     int64_t pilot_len = -1,
                     bool loopback = false,
                     double loopback_snr_db = 30.0,
                     const std::string& impairments = "typical",
                     int64_t seed = 0,
                     bool pace = false,
                     int uplink_len = 0,
                     int64_t uplink_period = 1024,
                     double uplink_snr_db = 20.0,
                     int64_t uplink_seed = 3,
                     bool vector_ports = false,
                     int64_t uplink_offset = 0);
    // gen_params:end make
    // clang-format on

    //! The same with an explicit impairment profile (custom ranges).
    static sptr make_with_profile(const core::frontend_params& params,
                                  bool pace = false,
                                  bool vector_ports = false);

    virtual std::string impairments() const = 0;
    virtual core::impairment_profile profile() const = 0;
    virtual uint64_t seed_used() const = 0;
    virtual uint64_t position() const = 0;
    virtual int n_sense_out() const = 0;
    // clang-format off
    // gen_params:begin accessors
    //! hold the stream to samp_rate in real time
    virtual void set_pace(bool pace) = 0;
    virtual bool pace() const = 0;
    // gen_params:end accessors
    // clang-format on

    virtual double loop_delay() const = 0;
    virtual std::vector<double> tx_phases_rad() const = 0;
    virtual std::vector<double> rx_phases_rad() const = 0;
    /*!
     * tx_phases_rad() and rx_phases_rad() as they were over the snapshots
     * [first, last] of this run (each channel's mean phasor there;
     * core::frontend_emulator::tx_phases_over): the truth an estimate over those
     * snapshots refers to, where the getters above report the phases of now,
     * which have drifted since. Exact while the run is shorter than
     * core::frontend_emulator::phase_history_span() (2^20 / (n_tx + n_rx) drift
     * updates, 134 s at 1 MS/s for 4 + 4 channels); the history is bounded and
     * keeps every second, fourth, ... update beyond. Between runs it reports the
     * last run. Throws std::out_of_range unless first <= last < position().
     */
    virtual std::vector<double> tx_phases_rad_over(uint64_t first,
                                                   uint64_t last) const = 0;
    virtual std::vector<double> rx_phases_rad_over(uint64_t first,
                                                   uint64_t last) const = 0;
    virtual std::vector<gr_complex> tx_gains() const = 0;
    virtual std::vector<gr_complex> rx_gains() const = 0; //!< n_sense_out() values
    virtual std::vector<gr_complex> user_gains() const = 0;
    virtual std::vector<double> user_cfo() const = 0;   //!< cycles per sample
    virtual std::vector<double> user_delay() const = 0; //!< samples
    virtual std::vector<double> rx_cfo() const = 0;
    virtual std::vector<double> rx_delay() const = 0;
    virtual std::vector<gr_complex> channel() const = 0;           //!< H, n_users x n_tx
    virtual std::vector<gr_complex> channel_effective() const = 0; //!< core H_effective()
    virtual std::vector<gr_complex> echo_matrix() const = 0;       //!< G, n_rx x n_tx
    virtual std::vector<gr_complex> echo_gains() const = 0; //!< gamma_q, target first
    virtual std::vector<uint64_t> rx_clipped() const = 0;
    virtual std::vector<uint64_t> user_clipped() const = 0;
    //! Transmit samples per channel whose I or Q the DAC clipped at full scale
    //! (|I|, |Q| <= 1, the fc32 range of a USRP's stream; every profile, "none" too).
    //! A run logs one warning, with the share so far, once the clipped samples
    //! exceed 2 % of the samples sent (of at least 65536: a few early peaks do not).
    virtual std::vector<uint64_t> tx_clipped() const = 0;
    virtual uint64_t nonfinite_count() const = 0;
    //! TDD uplink truth: core H_uplink() (n_tx x n_users, zeros without uplink).
    virtual std::vector<gr_complex> uplink_channel() const = 0;
    //! core uplink_collisions(): uplink slot snapshots that the array's own
    //! transmission reached (0 when the frames' guard covers every slot).
    virtual uint64_t uplink_collisions() const = 0;
    //! core H_downlink_reported(): the rows a user receiver reports (n_users x n_tx).
    virtual std::vector<gr_complex> channel_reported() const = 0;
};

} // namespace isac
} // namespace gr

#endif
