/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_USER_RECEIVER_H
#define INCLUDED_ISAC_USER_RECEIVER_H

#include <gnuradio/block.h>
#include <gnuradio/isac/api.h>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace isac {

/*!
 * \brief One user's downlink receiver for the frames of frame_builder
 * (docs/user_receiver.md): frame synchronisation by preamble correlation,
 * fractional timing, CFO estimation and tracking, LS/MMSE channel estimation
 * from the orthogonal pilots, common-phase tracking, M-PSK decisions and SER.
 * \ingroup isac
 *
 * Ports:
 *  - in0: the user's received samples (complex, one per snapshot), with the
 *    timing offset, CFO and phase noise of a real receiver.
 *  - in1 (optional): the transmitted symbols, vectors of n_users (the stream
 *    that feeds frame_builder, or a psk_source with the same seed); element
 *    `user` is compared with the decisions. Frame k's payload is symbol
 *    vectors k payload_len ... (k + 1) payload_len - 1 of this stream.
 *  - out0 (optional): the payload samples of each decoded frame after timing,
 *    CFO and phase correction (payload_len per frame; a constellation plot).
 *    Unconnected, the receiver is a sink: decisions, SER and messages as
 *    before, the samples go nowhere (no null sink and its thread).
 *  - out1 (optional, needs out0): float, the running SER after each of those
 *    samples.
 *  - msg out "row": the estimated channel row to feed back (csi_feedback):
 *    {user, row: c32vector n_tx, frame, frame_len, nmse, noise_var, snr_db,
 *    changed}, on the frame grid every report_every frames once avg_frames
 *    frames are averaged.
 *  - msg out "ser": {ser: f64vector(1), ber: f64vector(1), symbols: u64} (the
 *    format of psk_ser_meter) plus frames, missed (as of the frame that
 *    completed the count), locked_frame, ref_dropped, ref_nonfinite,
 *    format_mismatches, every ser_every counted symbols.
 *  - msg out "stats": one dict per frame {frame, start, cfo, cfo_preamble,
 *    snr_db, noise_var, header, decided, acquired, ref_dropped,
 *    ref_nonfinite, format_mismatches}.
 *
 * The symbols of in1 are taken as they come and kept for the frames the
 * receiver can still output (its search position on the frame grid, less
 * the 15 frames a header code can move a frame number back), so which frames
 * are counted does not depend on how far in1 runs ahead of in0 or how the
 * streams are split into calls. At most reference_window::default_cap
 * symbols are kept (128 frames; at least 2^16, at most 2^24): past it the
 * oldest are dropped, counted in ref_dropped and logged (a radio more than
 * that late, or one that delivers no frames).
 *  - msg in "csi": the precoder's csi dicts (optional): row `user` and its
 *    offset give the exact phase reference of each frame. Without it the
 *    receiver uses the rows it reported itself (they share one phase).
 */
class ISAC_API user_receiver : virtual public gr::block
{
public:
    typedef std::shared_ptr<user_receiver> sptr;

    // clang-format off
    // gen_params:begin make
    /*!
     * \param n_tx               transmit antennas (the frame, as frame_builder's); [1, 4096]
     * \param n_users            users (vector length of in1); [1, 4096]
     * \param user               this receiver's user index; [0, n_users)
     * \param psk_order          PSK order M; [2, 65536]
     * \param payload_len        payload snapshots per frame; [1, 1048576]
     * \param preamble_block     preamble block length (0: default; else >= 16); [0, 8192]
     * \param preamble_reps      preamble block repetitions; [2, 64]
     * \param pilot_len          pilot snapshots (0: the Hadamard order; else a multiple of it); [0, 65536]
     * \param frame_seed         seed of the frame's known symbols; [1, inf)
     * \param power              the transmitter's E (pilot amplitude sqrt(E/(2 n_tx))); (0, inf)
     * \param estimator          channel estimator; "ls", "mmse"
     * \param channel_var        MMSE prior variance per entry (0: estimated from the data); [0, inf)
     * \param channel_corr       MMSE prior correlation r across antennas; [0, 1)
     * \param csi_noise_var      report rows scaled so that this receiver's noise variance equals it (the precoder's noise_var; 0: as received); [0, inf)
     * \param avg_frames         frames averaged (memory) before the first report; [1, 1048576]
     * \param report_every       frames between reports (on the frame grid); [1, 1048576]
     * \param sync_threshold     preamble detection threshold on |P|^2/(E1 E2); (0, 1)
     * \param ser_every          symbols between "ser" messages (0: never); [0, 1073741824]
     * \param grid_offset        frame k starts near sample k frame_len + grid_offset of in0 (|grid_offset| <= frame_len; 0 in emulation and with the timed start of docs/ota.md) (samples); [-1048576, 1048576]
     * \param pll_gain           decision-directed phase tracking loop gain (rad/rad); [0, 1]
     * \param fll_gain           frame-to-frame frequency tracking loop gain (per frame); [0, 1]
     * \param mismatch_margin_db format check: a frame whose known-section fit lies further below the SNR its preamble shows is another frame format's (frame_seed, lengths) and is rejected, counted and logged (docs/user_receiver.md, format check); inf turns the check off (dB); (0, inf]
     * \param mismatch_cap_db    format check: a fit at or above this SNR is always the transmitter's format (wrong formats fit at most ~11 dB; an IQ image or a clipping ADC caps a right format's fit while the preamble keeps rising) (dB); [0, 200]
     * \param guard_len          silent snapshots at the frame's end (as frame_builder's; skipped); 0: none; [0, 1048576]
     */
    static sptr make(int n_tx,
                     int n_users,
                     int user,
                     int psk_order,
                     int payload_len = 880,
                     int preamble_block = 0,
                     int preamble_reps = 3,
                     int pilot_len = 0,
                     int frame_seed = 1,
                     double power = 1.0,
                     const std::string& estimator = "ls",
                     double channel_var = 0.0,
                     double channel_corr = 0.0,
                     double csi_noise_var = 0.0,
                     int avg_frames = 8,
                     int report_every = 16,
                     double sync_threshold = 0.15,
                     int ser_every = 10000,
                     int grid_offset = 0,
                     double pll_gain = 0.01,
                     double fll_gain = 0.25,
                     double mismatch_margin_db = 10.0,
                     double mismatch_cap_db = 13.0,
                     int guard_len = 0);
    // gen_params:end make
    // clang-format on

    // the SER meter's interface (psk_ser_meter), one user
    virtual std::vector<double> ser() const = 0;
    virtual std::vector<double> ber() const = 0;
    virtual std::vector<uint64_t> errors() const = 0;
    virtual uint64_t count() const = 0;
    virtual void reset() = 0;
    //! Count SER only on frames first <= k < end (the transmitter's frame k
    //! starts at snapshot k frame_len; end 0: no end): a measurement window
    //! fixed in snapshots, independent of when the caller looks. Default: all.
    virtual void set_count_window(uint64_t first, uint64_t end) = 0;

    virtual bool locked() const = 0;
    virtual double cfo() const = 0;      //!< cycles per sample
    virtual uint64_t frames() const = 0; //!< frames received
    virtual uint64_t missed() const = 0; //!< frames missed while tracking
    virtual uint64_t acquisitions() const = 0;
    //! First frame whose payload was decided (the precoder had a channel); -1 if none.
    virtual int64_t locked_frame() const = 0;
    //! Frame index of the first row report; -1 if none.
    virtual int64_t first_report_frame() const = 0;
    //! Last reported row (empty before the first report).
    virtual std::vector<gr_complex> last_row() const = 0;
    virtual pmt::pmt_t last_stats() const = 0;
    virtual uint64_t nonfinite_count() const = 0;
    //! Symbols of in1 (this user's) dropped unused: more than the cap waited
    //! for frames this receiver could still output (above).
    virtual uint64_t ref_dropped() const = 0;
    //! Reference symbols of in1 (this user's) that were not finite where a
    //! decided frame was counted: left out of the SER (neither errors nor
    //! symbols); reset() clears it with the SER counters.
    virtual uint64_t ref_nonfinite() const = 0;
    //! Frames rejected because their known section did not fit although the
    //! preamble was strong: this receiver's frame format (n_tx, payload_len,
    //! preamble_block, preamble_reps, pilot_len, frame_seed) is not the
    //! transmitter's (logged). No row, csi or SER comes from them.
    virtual uint64_t format_mismatches() const = 0;
    //! Messages on the "csi" port ignored since start(): malformed (not a csi
    //! dict, wrong n_tx, non-finite entries) or without a row for this user
    //! (each also logged). The reference in use is kept.
    virtual uint64_t csi_rejected() const = 0;

    //! Tracking loop gains: decision-directed phase (rad/rad) and
    //! frame-to-frame frequency (per frame), both at once.
    virtual void set_loop_gains(double pll_gain, double fll_gain) = 0;
    // clang-format off
    // gen_params:begin accessors
    //! decision-directed phase tracking loop gain (rad/rad); [0, 1]
    virtual void set_pll_gain(double pll_gain) = 0;
    virtual double pll_gain() const = 0;
    //! frame-to-frame frequency tracking loop gain (per frame); [0, 1]
    virtual void set_fll_gain(double fll_gain) = 0;
    virtual double fll_gain() const = 0;
    // gen_params:end accessors
    // clang-format on
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_USER_RECEIVER_H */
