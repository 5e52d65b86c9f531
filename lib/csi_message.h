/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one place that reads and writes gr-isac's PMT messages, so that every
 * block agrees on the `csi` dict and on how a malformed message is reported.
 *
 * csi dict (published by isac_channel, consumed by the precoders):
 *   "H"      c32vector, row-major, rows x cols (n_users x n_tx)
 *   "rows"   integer
 *   "cols"   integer
 *   "offset" u64 (optional): absolute item index where the channel takes effect
 *   "epoch"  u64 (optional): channel epoch, which channel realisation this is
 *            (isac_channel: its session in the high 32 bits, the draw index in
 *            the low 32 bits; 0 or absent: unknown). Precoders tag the first
 *            item precoded with a new epoch "isac_epoch" and the snapshot
 *            framer copies it into every frame header.
 *   "measured" u64 (optional): the transmitter's item from which the rows
 *            describe the channel (csi_feedback: the start of the oldest frame
 *            in H). After a transmit calibration's correction at item c the
 *            precoders ignore a csi measured before c + frame_len; without it a
 *            csi is taken as it always was.
 *
 * Snapshot frame header, version 1 (the only definition; docs/reliability.md):
 * the first header_slots = 3 complex<float> slots (24 bytes) of every frame
 * that crosses a network split (snapshot_framer -> zeromq -> snapshot_deframer).
 * Little-endian byte layout:
 *   bytes  0-1  magic 0x4953 ("SI" in memory)
 *   byte   2    version = 1
 *   byte   3    flags: bit 0 HELLO (no payload: the sender has no channel yet),
 *               bit 1 START (first frame of a session)
 *   bytes  4-7  session: random, non-zero, drawn at each start() of the sender;
 *               a new value means the peer restarted
 *   bytes  8-15 index: snapshot index of the payload within the session (the
 *               precoder's item count)
 *   bytes 16-23 epoch: channel epoch of the csi the payload was precoded with
 * A later version may append fields; a reader rejects a version it does not know.
 */
#ifndef INCLUDED_ISAC_CSI_MESSAGE_H
#define INCLUDED_ISAC_CSI_MESSAGE_H

#include <gnuradio/isac/api.h>
#include <gnuradio/isac/core/param_spec.h>
#include <gnuradio/logger.h>
#include <Eigen/Dense>
#include <pmt/pmt.h>
#include <array>
#include <atomic>
#include <complex>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gr {
namespace isac {

struct csi_update {
    Eigen::MatrixXcd H; //!< rows x cols
    bool has_offset = false;
    uint64_t offset = 0; //!< absolute item index (valid when has_offset)
    uint64_t epoch = 0;  //!< channel epoch (0: unknown)
    bool has_measured = false;
    uint64_t measured = 0; //!< item the rows were measured from (has_measured)
};

//! Bytes a queued csi of this shape occupies (the matrix and its bookkeeping).
inline double csi_bytes(long rows, long cols)
{
    return double(rows) * cols * 16.0 + 96.0;
}

//! Output port and key names shared by the blocks.
constexpr const char* epoch_tag_key = "isac_epoch"; //!< u64 epoch, precoder outputs
constexpr const char* snap_tag_key = "isac_snap";   //!< dict {session, index, epoch}

struct snapshot_header {
    static constexpr uint16_t magic = 0x4953;
    static constexpr uint8_t current_version = 1;
    static constexpr int slots = 3; //!< complex<float> slots at the start of a frame
    static constexpr uint8_t flag_hello = 1;
    static constexpr uint8_t flag_start = 2;
    uint8_t version = current_version;
    uint8_t flags = 0;
    uint32_t session = 0;
    uint64_t index = 0;
    uint64_t epoch = 0;
};

//! Writes h into the first snapshot_header::slots complex values of a frame.
void write_header(const snapshot_header& h, std::complex<float>* frame);
//! Reads a header; false (and `why`) for a wrong magic or an unknown version.
bool read_header(const std::complex<float>* frame, snapshot_header& h, std::string& why);

/*!
 * Parse a csi dict. Returns false and fills `why` (for the block's warning)
 * when the message is not a dict, misses a key, has the wrong types, sizes
 * that do not match rows*cols or (expect_rows, expect_cols) when those are
 * > 0, or non-finite entries. Never throws. On failure `out` is left
 * untouched, so a block can parse straight into its last good csi.
 */
bool parse_csi(const pmt::pmt_t& msg,
               csi_update& out,
               std::string& why,
               int expect_rows = 0,
               int expect_cols = 0);

/*!
 * Why H (users x antennas) gives a precoder nothing to design for: H = 0, or a user's
 * row all zero (that user's margin is pinned at 0, so a max-min design stops serving
 * the others too). Empty otherwise. A rank below the number of users is not refused
 * here: the CI precoder still designs each snapshot (those whose QoS cannot be met are
 * tagged infeasible), and refusing it would keep radiating toward a stale channel.
 */
std::string zero_channel(const Eigen::MatrixXcd& H);

//! Build a csi dict from H (row-major c32vector), its effective offset, epoch
//! (0: the key is left out) and the item it was measured from (empty: left out).
pmt::pmt_t make_csi(const Eigen::MatrixXcd& H,
                    uint64_t offset,
                    uint64_t epoch = 0,
                    std::optional<uint64_t> measured = std::nullopt);

//! Typed, non-throwing dict accessors for `set`-style messages. Each returns
//! false when the key is absent; sets `why` and returns false on a wrong type
//! or a non-finite value (check `why.empty()` to tell the two apart).
bool dict_get_double(const pmt::pmt_t& dict,
                     const char* key,
                     double& out,
                     std::string& why);
bool dict_get_int(const pmt::pmt_t& dict, const char* key, long& out, std::string& why);
bool dict_get_string(const pmt::pmt_t& dict,
                     const char* key,
                     std::string& out,
                     std::string& why);
//! Accepts a number (one element) or a f32/f64/s32/s64 uniform vector or a PMT list/tuple
//! of numbers.
bool dict_get_doubles(const pmt::pmt_t& dict,
                      const char* key,
                      std::vector<double>& out,
                      std::string& why);

//! A user's reported channel row, as user_receiver publishes it on `row`:
//! {"user", "frame" (optional), "frame_len", "row": c32vector of n_tx, "nmse"
//! (optional)}.
struct row_report {
    long user = -1;
    long frame = -1; // -1: not in the message
    long frame_len = 0;
    double nmse = 0.0; // 0: not in the message
    Eigen::VectorXcd row;
};
//! Parses a row report of an n_tx array with n_users users: false, with `why`
//! set, when it is not a dict, a key is missing, out of range or mistyped, or
//! the row is not n_tx finite entries, or frame * frame_len is not below 2^53
//! samples (the csi offset built from it could wrap), or frame_len >= 2^31.
bool parse_row_report(
    const pmt::pmt_t& msg, int n_tx, int n_users, row_report& out, std::string& why);

//! One user's guard against a report frame that cannot be genuine: one far
//! ahead of every frame any user has reported. A well-formed but absurd frame
//! (a corrupt counter) would otherwise become the user's latest frame, and its
//! later, valid reports would be taken as a restarted receiver's (csi_feedback)
//! or dropped as old (tdd_csi). Rule: a frame more than `window` ahead of `ref`
//! (the latest frame any user reported; -1: none yet) is held back; the same
//! user's next report confirms it (a long outage) when it is later still by no
//! more than max(window, the held jump), and is taken. Any report within the
//! window clears the held frame. Frames that go back (a restart) are not its
//! business.
class frame_jump_guard
{
public:
    //! true: take `frame`; false: reject it (it is held as a candidate)
    bool admit(int64_t frame, int64_t ref, int64_t window);
    //! a frame taken after a held jump: the jump was real
    bool confirmed() const { return d_confirmed; }
    //! after confirmed(): the step from the held frame, a report interval
    int64_t confirmed_step() const { return d_step; }

private:
    int64_t d_held = -1, d_jump = 0, d_step = 0;
    bool d_confirmed = false;
};

/*!
 * The frame numbers of one block's users' row reports (csi_feedback, tdd_csi),
 * on one frame grid: frames of different users are compared (which frame is
 * complete, who is silent), so every report must share the grid's frame_len
 * (the block's own, fixed; or else the first frame-numbered report's that may
 * set it). A learnt grid is learnt again when `regrid_after` reports in a row
 * (that may set it) carry one other frame_len: a receiver fixed at run time is
 * not locked out until the flowgraph restarts; the numbering then starts
 * afresh (decision::regrid: the block drops what it holds). Mismatches are
 * counted; the warning is due at the 1st, 2nd, 4th, 8th ... (decision::log).
 * A user's frames go forward; a repeat or a step back of at most the header's
 * 16 frame codes changes nothing; a frame more than the window (4 x max(its
 * step between reports, the header's codes, `min_interval`)) ahead of every
 * user is held back (frame_jump_guard); a frame more than the header's 16 codes back is
 * held back too when its index is plausible for a receiver restarted since (at most the
 * frames any user reported since its latest, plus the window), else dropped as a stray (a
 * single stray or corrupt counter must not renumber the user): the user's next report
 * confirms a restarted receiver when its index follows on from the held one (above it by
 * at most the window) and is itself more than the codes back, and is then numbered on
 * from the held one, numbered near the latest any user had reported when it came (its
 * index tells the transmitter's frame modulo the header's codes: the frame from 7 behind
 * that latest to 8 ahead, after the user's own latest), or, when another user's receiver
 * restarted after this one's last report (both went down together), with that user's
 * offset, so that their frames stay the same. A genuine restart costs its first report.
 */
class report_frames
{
public:
    enum class verdict { take, repeat, reject };
    struct decision {
        verdict v = verdict::reject;
        int64_t frame = -1;        //!< take: the frame on the block's numbering
        int64_t restart_from = -1; //!< >= 0: a restarted receiver's last frame index
        bool gap = false;    //!< take after a restart or a held jump: no report interval
        bool regrid = false; //!< take on a new grid: every earlier frame is void
        bool log = true;     //!< reject: the warning is due (mismatches rate-limited)
        std::string why;     //!< reject (and repeat): for the block's warning
        std::string note;    //!< take after a restart or a new grid: for the warning
    };
    //! frame_len > 0: the block's fixed grid; 0: learnt from the reports
    explicit report_frames(int n_users, long frame_len = 0);
    void reset(long frame_len = 0);
    //! One report of `user` (frame >= 0 and frame_len from parse_row_report);
    //! `sets_grid` false: the report may not set or re-learn a learnt grid
    decision admit(int user,
                   int64_t frame,
                   long frame_len,
                   int64_t min_interval = 0,
                   bool sets_grid = true);
    int64_t latest(int user) const { return d_users[size_t(user)].latest; }
    //! the latest frame any user reported (-1: none)
    int64_t highest() const;
    long frame_len() const { return d_frame_len; }
    //! reports rejected for another frame_len than the grid's
    uint64_t grid_rejected() const { return d_grid_rejected; }
    //! reports held back as a possible restart and not confirmed by the next
    uint64_t stray_rejected() const { return d_stray; }

private:
    struct user {
        int64_t latest = -1;     // latest frame taken, on the block's numbering
        int64_t base = 0;        // added to its frame indices since a restart
        int64_t restart_at = -1; // its first frame after its latest restart
        int64_t step = 0;        // its latest step between reports (0: none)
        int64_t held_back = -1;  // a far-back frame index awaiting confirmation
        int64_t held_hi = -1;    // the latest any user reported when it came
        frame_jump_guard jump;
    };
    std::vector<user> d_users;
    long d_frame_len = 0;
    bool d_fixed = false;
    long d_other_len = 0; // the frame_len of the current run of mismatches
    int64_t d_other_run = 0;
    uint64_t d_grid_rejected = 0, d_stray = 0;
    int64_t regrid_after() const { return 4 * int64_t(d_users.size()); }
};

/*!
 * Builds the PMT dicts the blocks publish (stats, truth, doa, cal, accepted,
 * snapshot tags), so that no block writes pmt::dict_add/pmt::from_* itself and
 * every dict uses the same PMT type per kind of value: counts u64, signed
 * integers s64 (long), reals double, flags bool, names symbols, lists
 * f64vector, complex lists c64vector (double) or c32vector (float).
 * Converts to pmt::pmt_t where a dict is expected.
 */
class msg_dict
{
public:
    msg_dict& u64(const char* key, uint64_t v);
    msg_dict& i64(const char* key, long v);
    msg_dict& real(const char* key, double v);
    msg_dict& flag(const char* key, bool v);
    msg_dict& text(const char* key, const std::string& v);
    msg_dict& reals(const char* key, const std::vector<double>& v);
    msg_dict& complexes(const char* key, const std::vector<std::complex<double>>& v);
    msg_dict& complexes(const char* key, const std::vector<std::complex<float>>& v);
    //! A value as it came (e.g. a message's field passed on).
    msg_dict& value(const char* key, const pmt::pmt_t& v);
    operator pmt::pmt_t() const { return d_dict; }

private:
    pmt::pmt_t d_dict = pmt::make_dict();
    // the keys added so far (beyond the array's size every key takes dict_add)
    std::array<const void*, 32> d_keys{};
    size_t d_n_keys = 0;

    msg_dict& put(const char* key, const pmt::pmt_t& v);
};

//! The "channel" port's message of a precoder that accepted a channel
//! ({"accepted": #t, "offset", "epoch"}): csi_gate opens on it, never on a raw csi.
pmt::pmt_t make_accepted(uint64_t offset, uint64_t epoch);

/*
 * Run stamps. GNU Radio keeps a block's message queue across stop()/start(), and
 * each block starts and stops on its own thread, so a producer still in the ending
 * run can post after a consumer stopped; the consumer would take it as the next
 * run's, where item counts restart at 0 and its offsets mean other items. The
 * blocks that publish csi (csi_feedback, tdd_csi), row (user_receiver) and cal
 * (tx_phase_estimator) dicts add "run": u64, a stamp taken at their start(); a
 * consumer drops a message stamped before its own last stop() (run_fence). The
 * stamp is a process-wide sequence of starts and stops: a flowgraph's stop()
 * ends every block's thread before its next start(), so every stamp of the new
 * run is later than every stop of the old one, whatever the thread order. Its
 * high 24 bits name the process (random), so a stamp that crossed a process
 * boundary (zeromq message blocks) is never judged; a message without "run" (a
 * user's, posted from Python before start()) is taken as always.
 */
//! A new stamp: a producer's at start(), a consumer's at stop().
uint64_t run_stamp_now();
//! dict with "run" = stamp added (the message a stamping producer publishes).
pmt::pmt_t with_run(const pmt::pmt_t& dict, uint64_t stamp);

//! A consumer's memory of its last stop(): which messages belong to a finished run.
class run_fence
{
public:
    //! From the block's stop(): messages stamped before now are the ending run's.
    void stopped() { d_stop = run_stamp_now(); }
    //! True (and logged, thinned to powers of two) when msg carries a stamp of this
    //! process taken before the last stopped(): the block ignores it.
    bool finished(const pmt::pmt_t& msg, const gr::logger_ptr& log, const char* port);
    //! Messages dropped so far.
    uint64_t dropped() const { return d_dropped; }

private:
    std::atomic<uint64_t> d_stop{ 0 };
    std::atomic<uint64_t> d_dropped{ 0 };
};

//! {"session", "index", "epoch"} of a snapshot header (the isac_snap tag, and
//! with "event" the snapshot_deframer's peer message when event != nullptr).
pmt::pmt_t make_snap_info(const snapshot_header& h, const char* event = nullptr);

/*!
 * One `set` message, parsed against a block's settable parameters (its
 * descriptor table, core/block_params.h). Numbers (integer or real parameters)
 * in `reals`, lists in `vectors`, text in `texts`, keyed by parameter name.
 */
struct set_values {
    std::map<std::string, double> reals;
    std::map<std::string, std::vector<double>> vectors;
    std::map<std::string, std::string> texts;
    bool get(const char* key, double& out) const;
    bool get(const char* key, std::vector<double>& out) const;
    bool get(const char* key, std::string& out) const;
};

/*!
 * The one `set`-message policy of every block (docs/bad_input.md): a message
 * is a PMT dict whose keys are settable parameters of the block. The whole
 * message is checked before anything applies: a message that is not a dict,
 * has no key, an unknown or non-settable key, a value of the wrong type or
 * outside the parameter's own range fails with `why` naming the key; the block
 * then logs set_rejected(why) once and keeps its last good state. On success
 * the block applies all values at once, under its lock, and its own
 * cross-parameter check (e.g. as many cnr_db as clutter_deg) can still reject
 * the message as a whole. Never throws.
 */
bool parse_set(const pmt::pmt_t& msg,
               const core::param_spec* specs,
               size_t n_specs,
               set_values& out,
               std::string& why);
template <size_t N>
bool parse_set(const pmt::pmt_t& msg,
               const core::param_spec (&specs)[N],
               set_values& out,
               std::string& why)
{
    return parse_set(msg, specs, N, out, why);
}
//! The warning a block logs for a rejected `set` message.
std::string set_rejected(const std::string& why);

/*!
 * A block's `set` port: parse_set() against the block's descriptor table, then
 * apply(values) (the block's generated apply_set(), all or nothing). False
 * with `why` when the message is rejected at either step: the block logs
 * set_rejected(why) and its state is unchanged.
 */
template <size_t N, class Apply>
bool apply_set_message(const pmt::pmt_t& msg,
                       const core::param_spec (&specs)[N],
                       Apply&& apply,
                       std::string& why)
{
    set_values v;
    if (!parse_set(msg, specs, v, why))
        return false;
    try {
        apply(v);
    } catch (const std::exception& e) {
        why = e.what();
        return false;
    }
    return true;
}

} // namespace isac
} // namespace gr

#endif
