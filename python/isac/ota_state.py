#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The acquisition state of an over-the-air flowgraph (examples/isac_usrp_*ota*),
in words, from its blocks' getters: what the GUI examples show in their two
state lines, so that a user at the radios can tell "waiting for the pilot /
the users' rows" from "broken" while the plots are still flat.

The flowgraph object `tb` has the examples' block ids: loop_est, cal_est,
txcal_est, user0 .. user<n_users - 1>, feedback and tx (a one_bit_isac_tx, whose
ci_precoder is tx.precoder, or a nullspace_precoder).

Getters, not messages: the feedback link publishes a csi dict every frame (about
a thousand a second at 1 MS/s), and a Python message block would wake the
interpreter in the flowgraph for each and hold the GIL at teardown
(docs/reliability.md); the GUI reads these few getters on a Qt timer instead.
"""

SEP = "   |   "


def stages(tb):
    """[(stage, state)] in acquisition order: loop delay, receive and transmit
    calibration (the sensing side), then each user's receiver, the CSI and
    what the transmitter radiates (the link)."""
    out = []
    loop = tb.loop_est
    if loop.valid_estimates():
        out.append(("loop delay", "found, %.2f snapshots" % loop.delay()))
    elif loop.estimates():
        # every try so far had its correlation peak below min_peak_db
        out.append(("loop delay", "searching, %d window(s) without a clear peak" % loop.estimates()))
    else:
        out.append(("loop delay", "searching"))
    cal = tb.cal_est
    if cal.estimates():
        out.append(("Rx calibration", "done"))
    elif cal.rejected_count():
        out.append(("Rx calibration", "pilot rejected %d times" % cal.rejected_count()))
    else:
        out.append(("Rx calibration", "measuring the pilot at %g deg" % tb.cal_deg))
    out.append(("Tx calibration", "done" if tb.txcal_est.estimates() else "searching user 0's radio"))
    for u in range(tb.n_users):
        user = getattr(tb, "user%d" % u)
        if not user.locked():
            state = "searching for the preamble"
        elif user.locked_frame() < 0:
            # frames found, no payload decided yet: it is muted (no channel yet), or
            # the receiver has no reference row for the frames yet
            state = "in sync, not decoding yet"
        else:
            state = "decoding payload"
        out.append(("user %d" % u, state))
    out.append(("CSI", csi(tb.feedback)))
    out.append(("transmitter", transmitter(tb.tx)))
    return out


def csi(feedback):
    """The CSI of this run: channel() is empty until the run's first post
    (a restart clears it), posts() counts over the block's life."""
    posts = feedback.posts()
    if len(feedback.channel()):
        return "valid, %d published" % posts
    if posts:
        # the precoders dropped the previous run's channel at the restart
        return "previous run's only, waiting for this run's rows (%d published)" % posts
    return "waiting for the users' rows"


def transmitter(tx):
    """What the precoder sends: precoded payload, or the frames' known sections
    with the payload muted until a channel of this run is in use (a published
    channel takes effect at the frame its offset names; with the lookup-table
    solver, together with its table) (docs/ota.md)."""
    pre = getattr(tx, "precoder", None)  # one_bit_isac_tx: its ci_precoder
    if pre is None:  # nullspace_precoder: a design in use (0 after a restart's drop)
        return "radiating payload" if tx.design_id() != 0 else "payload muted (no channel yet)"
    if not pre.has_channel():
        return "payload muted (no channel yet)"
    if not pre.channel_in_use():
        return "payload muted (channel published, waiting for its frame)"
    if pre.solver() == "lut" and not pre.lut_ready():
        return "payload muted (building the lookup table)"
    return "radiating payload"


def lines(tb):
    """The two state lines: (sensing acquisition, communication link)."""
    st = stages(tb)
    n_sense = 3
    fmt = lambda part: SEP.join("%s: %s" % s for s in part)  # noqa: E731
    return fmt(st[:n_sense]), fmt(st[n_sense:])


def show(tb):
    """Set the GUI's state labels (variables acq_state and link_state) to the
    current lines; a label is written only when its text changed."""
    for name, text in zip(("acq_state", "link_state"), lines(tb)):
        if getattr(tb, name) != text:
            getattr(tb, "set_" + name)(text)


def attach(tb, period_ms=250):
    """Refresh the state labels every period_ms on the Qt thread (the timer is
    the window's: it stops with it), whether the flowgraph runs or not, so a
    stop()/start() shows the states the blocks have then."""
    from PyQt5 import Qt
    timer = Qt.QTimer(tb)
    timer.timeout.connect(lambda: show(tb))
    timer.start(period_ms)
    show(tb)
    return timer
