#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The radio pair of an over-the-air flowgraph, on hardware or emulated.

radio_sink and radio_source have the ports and the main parameters of GNU
Radio's UHD USRP Sink and Source (one stream per channel, device arguments,
clock and time sources, sample rate, carrier, gain, antenna, the source's
time-sync option) and forward the UHD calls a flowgraph makes on them (timed
commands, timed start). One flowgraph variable, `radio`, chooses:

  radio = "usrp"      the blocks are uhd.usrp_sink / uhd.usrp_source;
  radio = "emulated"  both wire one shared radio_emulator block (the
                      emulated_radio variable passed as `emulator`): what
                      the sink transmits comes back out of the sources with
                      the impairments of a USRP array and the room.

Nothing else in the flowgraph changes between the two, so the chains that
acquire the loop delay, the calibrations and the channel in emulation are the
chains that meet the hardware. docs/ota.md describes the procedure.
"""
import threading
import time

from gnuradio import blocks, gr

from . import _hier, _params
from . import isac_python as _blk


def _open_usrp(make, what, dev_args, *args):
    """make(address, *args) (uhd.usrp_source/usrp_sink); UHD's "no devices found"
    (a RuntimeError wrapping its LookupError, 40 lines from inside UHD) becomes
    one that says which radio found nothing and how to run without one. UHD's
    other lookup errors (a channel the device does not have, an unknown
    setting) come from a device that was found: they keep their own text."""
    try:
        return make(",".join((dev_args, "")), *args)
    except RuntimeError as e:
        if "No devices found" not in str(e):
            raise
        raise RuntimeError("%s: no UHD device matches dev_args %r (UHD: %s); connect one, or run with "
                           "radio = 'emulated' (the examples' --radio emulated) to use the emulated front-end"
                           % (what, dev_args, str(e).split("\n")[0])) from None


def _uhd():
    try:
        from gnuradio import uhd
    except ImportError as e:  # GNU Radio built without gr-uhd
        raise RuntimeError("radio = 'usrp' needs GNU Radio's UHD blocks (gnuradio.uhd): %s" % e)
    return uhd


class _time:
    """Stand-in for uhd.time_spec when gr-uhd is not installed (emulation only)."""

    def __init__(self, secs):
        self._s = float(secs)

    def get_real_secs(self):
        return self._s

    def __add__(self, other):
        return _time(self._s + (other.get_real_secs() if hasattr(other, "get_real_secs") else float(other)))

    __radd__ = __add__


def _time_spec(secs):
    try:
        from gnuradio import uhd
        return uhd.time_spec(float(secs))
    except ImportError:
        return _time(secs)


class emulated_radio:
    """The emulated world that radio_sink and radio_source share (GRC: the
    variable block "Emulated Radio"): array sizes, radio settings, the scene in
    the module convention (docs/conventions.md), the calibration sources and
    the impairment profile ("none", "typical", "harsh" or a
    core.impairment_profile; docs/ota.md lists the ranges and their sources).

    It builds one radio_emulator block (self.block) when created, so bad
    parameters fail at once, also on the hardware path where it stays unused.
    The emulator's truth getters (loop_delay(), tx_phases_rad(), ...) are
    reachable on this object.

    target_coherence: 0 keeps the target's gain fixed; > 0 draws a Swerling-1
    gain CN(0, zeta^2) every target_coherence snapshots (one CPI). Clutter is
    static (a room's reflections), which the loop-delay estimator uses.

    Receive calibration pilot: a CW tone at pilot_freq cycles/sample from
    pilot_deg, per-antenna SNR pilot_snr_db, on for the first pilot_len
    snapshots (0: always, < 0: no pilot), the emulated version of the far-field
    pilot transmitter of docs/ota.md.

    A restart of the flowgraph (start() after a run) is a new run of the same
    seed from snapshot 0: the same scene and radios, the drift, noise, pilot
    window, uplink slots, position() and counters from their start, pace kept
    (radio_emulator's header says it in full).
    """

    # gen_params:begin doc
    __doc__ += """

    Parameters (python/isac/params/emulated_radio.yml):
      n_tx: transmit antennas (inputs); [1, 4096] (default 4)
      n_rx: sensing receive antennas (outputs, +1 with loopback); [1, 4096] (default 4)
      n_users: users (one output each, after the sensing outputs); [1, 4096] (default 2)
      samp_rate: sample rate (converts ppm CFOs and drift times) (Hz); (0, inf) (default 1000000.0)
      center_freq: carrier frequency (Hz); (0, inf) (default 2450000000.0)
      user_deg: user angles (n_users values for "los" and "rician") (deg); each in [-90, 90] (default (-34.0, 12.0))
      comm_model: users' channel (one static draw); "los", "rician", "rayleigh" (default "los")
      user_gain: LoS amplitude of every user's channel; (0, inf) (default 1.0)
      rician_k_db: K factor for "rician" (dB); [-200, 200] (default 10.0)
      comm_noise_var: users' receiver noise variance (the SNR reference); (0, inf) (default 0.1)
      target_deg: monostatic target angle (deg); [-90, 90] (default 23.0)
      target_snr_db: target-to-noise ratio zeta_0^2/radar_noise_var (unit-norm steering, as isac_channel; docs/conventions.md) (dB); [-200, 200] (default 15.0)
      clutter_deg: static clutter angles (random phases) (deg); each in [-90, 90] (default (-47.0, 31.0))
      cnr_db: clutter-to-noise ratio of each clutter angle (dB); each in [-200, 200]; length len(clutter_deg) (default (30.0, 30.0))
      radar_noise_var: sensing receivers' noise variance; (0, inf) (default 1.0)
      pilot_deg: angle of the receive-calibration pilot (deg); [-90, 90] (default 0.0)
      pilot_snr_db: per-antenna SNR of the pilot (dB); [-200, 200] (default 20.0)
      pilot_freq: pilot CW tone frequency (cycles per sample); (-0.5, 0.5) (default 0.0625)
      pilot_len: the pilot is on for the first pilot_len snapshots (0: always, < 0: no pilot) (default -1)
      loopback: add the coupler channel (Tx calibration through a combiner) (default False)
      loopback_snr_db: coupler output SNR for a unit-power transmit vector (dB); [-200, 200] (default 30.0)
      impairments: impairment profile (docs/ota.md); Python also takes a core.impairment_profile; "none", "typical", "harsh" (default "typical")
      seed: 0: random; [0, inf) (default 0)
      pace: hold the stream to samp_rate in real time (default False) [settable]
      target_coherence: 0: static target gain; > 0: Swerling 1, a new CN(0, zeta_0^2) gain every that many snapshots; [0, 2^40] (default 0)
      uplink_len: TDD uplink pilot snapshots per slot (0: no uplink; else n_tx more outputs, the array's own receive chains); [0, 1048576] (default 0)
      uplink_period: snapshots from one uplink slot to the next (slots start at multiples of it plus uplink_offset); [1, 2^40] (default 1024)
      uplink_snr_db: per-antenna SNR of one user's uplink pilot at the array (|h| = user_gain) (dB); [-200, 200] (default 20.0)
      uplink_seed: seed of the uplink pilots (core.orthogonal_pilots; tdd_csi's pilot_seed); [1, inf) (default 3)
      vector_ports: true: one port of n_tx-vectors in, the sensing channels as one port of n_sense_out()-vectors out (and the uplink as one of n_tx-vectors); the users stay one stream each (default False)
      uplink_offset: first uplink slot (slots at k uplink_period + uplink_offset of the array's receive snapshots; TDD frames: inside their guard, docs/ota.md); [0, uplink_period) (default 0)
    """
    # gen_params:end doc

    # gen_params:begin signature
    def __init__(self, n_tx=4, n_rx=4, n_users=2, samp_rate=1000000.0, center_freq=2450000000.0,
                 user_deg=(-34.0, 12.0), comm_model="los", user_gain=1.0, rician_k_db=10.0,
                 comm_noise_var=0.1, target_deg=23.0, target_snr_db=15.0, clutter_deg=(-47.0, 31.0),
                 cnr_db=(30.0, 30.0), radar_noise_var=1.0, pilot_deg=0.0, pilot_snr_db=20.0,
                 pilot_freq=0.0625, pilot_len=-1, loopback=False, loopback_snr_db=30.0,
                 impairments="typical", seed=0, pace=False, target_coherence=0, uplink_len=0,
                 uplink_period=1024, uplink_snr_db=20.0, uplink_seed=3, vector_ports=False, uplink_offset=0):
    # gen_params:end signature
        # gen_params:begin check
        n_tx = _hier.check(_params.emulated_radio.n_tx, n_tx)
        n_rx = _hier.check(_params.emulated_radio.n_rx, n_rx)
        n_users = _hier.check(_params.emulated_radio.n_users, n_users)
        samp_rate = _hier.check(_params.emulated_radio.samp_rate, samp_rate)
        center_freq = _hier.check(_params.emulated_radio.center_freq, center_freq)
        user_deg = _hier.check(_params.emulated_radio.user_deg, user_deg)
        comm_model = _hier.check(_params.emulated_radio.comm_model, comm_model)
        user_gain = _hier.check(_params.emulated_radio.user_gain, user_gain)
        rician_k_db = _hier.check(_params.emulated_radio.rician_k_db, rician_k_db)
        comm_noise_var = _hier.check(_params.emulated_radio.comm_noise_var, comm_noise_var)
        target_deg = _hier.check(_params.emulated_radio.target_deg, target_deg)
        target_snr_db = _hier.check(_params.emulated_radio.target_snr_db, target_snr_db)
        clutter_deg = _hier.check(_params.emulated_radio.clutter_deg, clutter_deg)
        radar_noise_var = _hier.check(_params.emulated_radio.radar_noise_var, radar_noise_var)
        pilot_deg = _hier.check(_params.emulated_radio.pilot_deg, pilot_deg)
        pilot_snr_db = _hier.check(_params.emulated_radio.pilot_snr_db, pilot_snr_db)
        pilot_freq = _hier.check(_params.emulated_radio.pilot_freq, pilot_freq)
        pilot_len = _hier.check(_params.emulated_radio.pilot_len, pilot_len)
        loopback = _hier.check(_params.emulated_radio.loopback, loopback)
        loopback_snr_db = _hier.check(_params.emulated_radio.loopback_snr_db, loopback_snr_db)
        impairments = _hier.check(_params.emulated_radio.impairments, impairments)
        seed = _hier.check(_params.emulated_radio.seed, seed)
        pace = _hier.check(_params.emulated_radio.pace, pace)
        target_coherence = _hier.check(_params.emulated_radio.target_coherence, target_coherence)
        uplink_len = _hier.check(_params.emulated_radio.uplink_len, uplink_len)
        uplink_period = _hier.check(_params.emulated_radio.uplink_period, uplink_period)
        uplink_snr_db = _hier.check(_params.emulated_radio.uplink_snr_db, uplink_snr_db)
        uplink_seed = _hier.check(_params.emulated_radio.uplink_seed, uplink_seed)
        vector_ports = _hier.check(_params.emulated_radio.vector_ports, vector_ports)
        cnr_db = _hier.check(_params.emulated_radio.cnr_db, cnr_db, lengths=(len(clutter_deg),))
        uplink_offset = _hier.check(_params.emulated_radio.uplink_offset, uplink_offset, hi=uplink_period)
        # gen_params:end check
        self.n_tx, self.n_rx, self.n_users = n_tx, n_rx, n_users
        self.loopback = loopback
        self.block = _blk.radio_emulator(
            n_tx, n_rx, n_users, samp_rate, center_freq, user_deg, comm_model, user_gain, rician_k_db,
            comm_noise_var, target_deg, target_snr_db, clutter_deg, cnr_db, radar_noise_var, target_coherence,
            pilot_deg, pilot_snr_db, pilot_freq, pilot_len, loopback, loopback_snr_db, impairments, seed, pace,
            uplink_len, uplink_period, uplink_snr_db, uplink_seed, vector_ports, uplink_offset)
        self.vector_ports = vector_ports
        self.n_sense = self.block.n_sense_out()
        self.n_uplink = self.n_tx if uplink_len > 0 else 0
        self._lock = threading.Lock()
        self._users = {}
        self._sink = None

    def __getattr__(self, name):
        # truth getters and settings of the shared block
        blk = self.__dict__.get("block")
        if blk is not None and not name.startswith("_") and hasattr(blk, name):
            return getattr(blk, name)
        raise AttributeError(name)

    def _claim(self, role, owner):
        """One sink and one source per role may wire the shared block."""
        with self._lock:
            if role in self._users and self._users[role] is not owner:
                raise ValueError("emulated_radio: a second radio %s uses this emulator; one sink and "
                                 "one source per role (sensing, users) share it" % role)
            self._users[role] = owner
            sink = self._sink
        if sink is not None and role != "sink":
            sink._rewire_discard()

    def _ports(self, role):
        """The block's ports of a role: (port, channels per item) each, one
        per channel or (vector_ports; sensing, uplink, the sink's input) one
        vector port. The users are one stream each in both forms."""
        if role == "sink":
            return [(0, self.n_tx)] if self.vector_ports else [(k, 1) for k in range(self.n_tx)]
        if self.vector_ports:
            first = {"sensing": 0, "users": 1, "uplink": 1 + self.n_users}[role]
            if role == "users":
                return [(first + u, 1) for u in range(self.n_users)]
            n = self.n_sense if role == "sensing" else self.n_uplink
            return [(first, n)] if n else []
        first = {"sensing": 0, "users": self.n_sense, "uplink": self.n_sense + self.n_users}[role]
        n = {"sensing": self.n_sense, "users": self.n_users, "uplink": self.n_uplink}[role]
        return [(first + k, 1) for k in range(n)]

    def _unclaimed_outputs(self):
        """The block's outputs (port, channels per item) of the roles no
        radio_source has claimed."""
        with self._lock:
            unclaimed = [role for role in ("sensing", "users", "uplink") if role not in self._users]
        return [p for role in unclaimed for p in self._ports(role)]


class _emulated_clock:
    """The device-time calls of a USRP, answered from the host clock. The
    emulated radios are sample-synchronous by construction (one block feeds
    every source), so timed commands and timed starts have nothing to align."""

    def __init__(self):
        self._t0 = time.time()

    def get_time_now(self, mboard=0):
        return _time_spec(time.time() - self._t0)

    def get_time_last_pps(self, mboard=0):
        return _time_spec(float(int(time.time() - self._t0)))

    def _ignored(self, *args, **kwargs):
        pass

    set_time_now = set_time_next_pps = set_time_unknown_pps = _ignored
    set_command_time = clear_command_time = set_start_time = _ignored
    set_clock_source = set_time_source = _ignored


def _signature(nchan, vector):
    # the radio's array side: one stream per channel, or one port of nchan-vectors
    if vector:
        return gr.io_signature(1, 1, gr.sizeof_gr_complex * nchan)
    return gr.io_signature(nchan, nchan, gr.sizeof_gr_complex)


def _wire(hier, src, src_vector, dst, dst_vector, nchan):
    """Connects nchan channels from src ports to dst ports, each side one
    stream per channel or one vector port; a block converts where the forms
    differ (one thread: make both sides the same form to save it)."""
    if src_vector == dst_vector or nchan == 1:
        for a, b in zip(src, dst):
            hier.connect(a, b)
        return
    if src_vector:
        conv = blocks.vector_to_streams(gr.sizeof_gr_complex, nchan)
        hier.connect(src[0], conv)
        for k, b in enumerate(dst):
            hier.connect((conv, k), b)
    else:
        conv = blocks.streams_to_vector(gr.sizeof_gr_complex, nchan)
        for k, a in enumerate(src):
            hier.connect(a, (conv, k))
        hier.connect(conv, dst[0])
    hier.converter = conv


class _radio_base(gr.hier_block2):
    # UHD calls a flowgraph (or its timed-start snippet) makes; forwarded to the
    # UHD block, or answered by the emulated clock
    _FORWARD = ("get_time_now", "get_time_last_pps", "set_time_now", "set_time_next_pps",
                "set_time_unknown_pps", "set_command_time", "clear_command_time", "set_start_time",
                "set_clock_source", "set_time_source")

    def _setup_common(self, radio, nchan, emulator):
        self.radio = radio
        self.nchan = int(nchan)
        self.emulator = emulator
        self.usrp = None
        self._clock = _emulated_clock() if radio == "emulated" else None
        self._settings = {}

    def __getattr__(self, name):
        if name in _radio_base._FORWARD:
            target = self.__dict__.get("usrp") or self.__dict__.get("_clock")
            if target is not None:
                return getattr(target, name)
        return gr.hier_block2.__getattr__(self, name)

    def _configure_usrp(self, u, clock_source, time_source, num_mboards, samp_rate, center_freq, gain,
                        antenna):
        for mb in range(int(num_mboards)):
            if clock_source:
                u.set_clock_source(clock_source, mb)
            if time_source:
                u.set_time_source(time_source, mb)
        u.set_samp_rate(samp_rate)
        for ch in range(self.nchan):
            u.set_center_freq(center_freq, ch)
            if antenna:
                u.set_antenna(antenna, ch)
            u.set_gain(gain, ch)

    # settings a GUI or a snippet changes while running: UHD applies them; the
    # emulated radio records them (its scene does not depend on them).
    # chan = None applies to every channel (the GRC callbacks use that).
    def _each(self, chan):
        return range(self.nchan) if chan is None else [chan]

    def set_center_freq(self, freq, chan=None):
        freq = _hier.check(self._spec.center_freq, freq)
        res = None
        for ch in self._each(chan):
            self._settings[("center_freq", ch)] = freq
            if self.usrp is not None:
                res = self.usrp.set_center_freq(freq, ch)
        return res

    def set_gain(self, gain, chan=None):
        gain = _hier.check(self._spec.gain, gain)
        for ch in self._each(chan):
            self._settings[("gain", ch)] = gain
            if self.usrp is not None:
                self.usrp.set_gain(gain, ch)

    def set_antenna(self, antenna, chan=None):
        for ch in self._each(chan):
            self._settings[("antenna", ch)] = antenna
            if self.usrp is not None:
                self.usrp.set_antenna(antenna, ch)

    def set_samp_rate(self, rate):
        rate = _hier.check(self._spec.samp_rate, rate)
        self._settings["samp_rate"] = rate
        if self.usrp is not None:
            self.usrp.set_samp_rate(rate)

    def settings(self):
        """What was set on this radio (emulated: recorded, not applied)."""
        return dict(self._settings)


class radio_sink(_radio_base):
    _spec = _params.radio_sink
    """A multi-channel transmit radio: nchan complex streams in (stream k is
    transmit channel k, the module's element k).

    radio = "usrp": uhd.usrp_sink(dev_args, fc32, channels 0..nchan-1) with the
    clock/time sources of every motherboard, samp_rate, center_freq, gain and
    antenna per channel, as GRC's UHD: USRP Sink sets them.
    radio = "emulated": the streams go to emulator.block (an emulated_radio);
    nchan must equal its n_tx. dev_args, sources and gain are then unused.
    """

    # gen_params:begin doc
    __doc__ += """

    Parameters (python/isac/params/radio_sink.yml):
      radio: the UHD USRP Sink, or the emulated_radio given as emulator (make it a flowgraph variable); "usrp", "emulated" (default "usrp")
      nchan: channels (one complex stream each); emulated: the emulator's n_tx; [1, 4096] (default 4)
      dev_args: UHD device arguments (default "")
      clock_source: UHD clock source of every motherboard ("internal", "external", "gpsdo"; empty: the device's) (default "")
      time_source: UHD time source of every motherboard (empty: the device's) (default "")
      samp_rate: sample rate (Hz); (0, inf) (default 1000000.0) [settable]
      center_freq: carrier frequency of every channel (or a uhd.tune_request) (Hz); [0, inf) (default 2450000000.0) [settable]
      gain: gain of every channel (dB) (default 0.0) [settable]
      antenna: antenna port of every channel (default "TX/RX") [settable]
      emulator: radio = "emulated": the emulated_radio (GRC: an Emulated Radio variable) (default None)
      num_mboards: motherboards (the clock and time sources are set on each); [1, 4096] (default 1)
      otw: UHD over-the-wire format ("sc16", "sc8"; empty: UHD's default) (default "")
      stream_args: UHD stream arguments (default "")
      vector: false: one complex stream per channel (as UHD: USRP Sink); true: one port of nchan-vectors (the array's snapshots; UHD: split into its channels inside, emulated: straight into an emulator with vector_ports) (default False)
    """
    # gen_params:end doc

    # gen_params:begin signature
    def __init__(self, radio="usrp", nchan=4, dev_args="", clock_source="", time_source="",
                 samp_rate=1000000.0, center_freq=2450000000.0, gain=0.0, antenna="TX/RX", emulator=None,
                 num_mboards=1, otw="", stream_args="", vector=False):
    # gen_params:end signature
        # gen_params:begin check
        radio = _hier.check(_params.radio_sink.radio, radio)
        nchan = _hier.check(_params.radio_sink.nchan, nchan)
        samp_rate = _hier.check(_params.radio_sink.samp_rate, samp_rate)
        center_freq = _hier.check(_params.radio_sink.center_freq, center_freq)
        gain = _hier.check(_params.radio_sink.gain, gain)
        num_mboards = _hier.check(_params.radio_sink.num_mboards, num_mboards)
        vector = _hier.check(_params.radio_sink.vector, vector)
        # gen_params:end check
        gr.hier_block2.__init__(self, "radio_sink", _signature(nchan, vector), gr.io_signature(0, 0, 0))
        self._setup_common(radio, nchan, emulator)
        self.vector = vector
        if radio == "usrp":
            uhd = _uhd()
            self.usrp = _open_usrp(uhd.usrp_sink, "radio_sink", dev_args,
                                   uhd.stream_args(cpu_format="fc32", otw_format=otw, args=stream_args,
                                                   channels=list(range(self.nchan))), "")
            self._configure_usrp(self.usrp, clock_source, time_source, num_mboards, samp_rate, center_freq,
                                 gain, antenna)
            _wire(self, [(self, k) for k in range(1 if vector else self.nchan)], vector,
                  [(self.usrp, ch) for ch in range(self.nchan)], False, self.nchan)
            return
        if not isinstance(emulator, emulated_radio):
            raise ValueError("radio_sink: radio = 'emulated' needs emulator = an emulated_radio "
                             "(GRC: an Emulated Radio variable), got %r" % (emulator,))
        if self.nchan != emulator.n_tx:
            raise ValueError("radio_sink: nchan = %d but the emulator has n_tx = %d"
                             % (self.nchan, emulator.n_tx))
        emulator._claim("sink", self)
        _wire(self, [(self, k) for k in range(1 if vector else self.nchan)], vector,
              [(emulator.block, p) for p, _ in emulator._ports("sink")], emulator.vector_ports, self.nchan)
        self.discard, self._discarded = {}, []
        emulator._sink = self
        self._rewire_discard()

    def _rewire_discard(self):
        # The emulator's outputs of a role without a radio_source (built before
        # or after this sink) end in a null sink here, so such a flowgraph never
        # stalls the emulator; a claimed output has its source as its only
        # reader (a second reader of every output cost a thread and its
        # wake-ups). A radio_source that is built must also be connected.
        # One null sink per item size (vector ports differ from the streams).
        emulator = self.emulator
        for m, k, sink in self._discarded:
            self.disconnect((emulator.block, m), (sink, k))
        self._discarded = []
        self.discard = {}
        for m, n in emulator._unclaimed_outputs():
            if n not in self.discard:
                self.discard[n] = [blocks.null_sink(gr.sizeof_gr_complex * n), 0]
            sink, k = self.discard[n]
            self.discard[n][1] += 1
            self._discarded.append((m, k, sink))
            self.connect((emulator.block, m), (sink, k))


class radio_source(_radio_base):
    _spec = _params.radio_source
    """A multi-channel receive radio: nchan complex streams out.

    role = "sensing": the radar/DoA receive array (stream k = element k; with
    the emulator's loopback coupler, stream n_rx is the coupler channel).
    role = "users": the users' radios, one stream per user.
    radio = "usrp": uhd.usrp_source with the same settings as GRC's UHD: USRP
    Source, including its time-sync option (sync = "pc_clock_next_pps" waits
    for a PPS edge and sets every motherboard to the PC time on the next one).
    radio = "emulated": the emulator's sensing or users' output; nchan must
    equal the emulator's channel count for the role. The emulator produces
    item t of every source from item t of the sink, so the streams are aligned
    as a timed start on a shared PPS aligns them.
    """

    # gen_params:begin doc
    __doc__ += """

    Parameters (python/isac/params/radio_source.yml):
      radio: the UHD USRP Source, or the emulated_radio given as emulator (make it a flowgraph variable); "usrp", "emulated" (default "usrp")
      nchan: channels (one complex stream each); emulated: the emulator's channels for the role; [1, 4096] (default 4)
      dev_args: UHD device arguments (default "")
      clock_source: UHD clock source of every motherboard ("internal", "external", "gpsdo"; empty: the device's) (default "")
      time_source: UHD time source of every motherboard (empty: the device's) (default "")
      samp_rate: sample rate (Hz); (0, inf) (default 1000000.0) [settable]
      center_freq: carrier frequency of every channel (or a uhd.tune_request) (Hz); [0, inf) (default 2450000000.0) [settable]
      gain: gain of every channel (dB) (default 0.0) [settable]
      antenna: antenna port of every channel (default "RX2") [settable]
      emulator: radio = "emulated": the emulated_radio (GRC: an Emulated Radio variable) (default None)
      role: the sensing array (stream k = element k, the loopback coupler last), the users' radios, or (TDD) the transmit array's own receive chains (n_tx streams, for tdd_csi); "sensing", "users", "uplink" (default "sensing")
      sync: time sync at start, as GRC's UHD USRP Source does it (usrp only); "sync", "pc_clock", "pc_clock_next_pps", "gps_time", "none" (default "none")
      num_mboards: motherboards (the clock and time sources are set on each); [1, 4096] (default 1)
      otw: UHD over-the-wire format ("sc16", "sc8"; empty: UHD's default) (default "")
      stream_args: UHD stream arguments (default "")
      vector: false: one complex stream per channel (as UHD: USRP Source); true: one port of nchan-vectors (the array's snapshots; UHD: joined from its channels inside, emulated: straight from an emulator with vector_ports) (default False)
    """
    # gen_params:end doc

    # gen_params:begin signature
    def __init__(self, radio="usrp", nchan=4, dev_args="", clock_source="", time_source="",
                 samp_rate=1000000.0, center_freq=2450000000.0, gain=0.0, antenna="RX2", emulator=None,
                 role="sensing", sync="none", num_mboards=1, otw="", stream_args="", vector=False):
    # gen_params:end signature
        # gen_params:begin check
        radio = _hier.check(_params.radio_source.radio, radio)
        nchan = _hier.check(_params.radio_source.nchan, nchan)
        samp_rate = _hier.check(_params.radio_source.samp_rate, samp_rate)
        center_freq = _hier.check(_params.radio_source.center_freq, center_freq)
        gain = _hier.check(_params.radio_source.gain, gain)
        role = _hier.check(_params.radio_source.role, role)
        sync = _hier.check(_params.radio_source.sync, sync)
        num_mboards = _hier.check(_params.radio_source.num_mboards, num_mboards)
        vector = _hier.check(_params.radio_source.vector, vector)
        # gen_params:end check
        gr.hier_block2.__init__(self, "radio_source", gr.io_signature(0, 0, 0), _signature(nchan, vector))
        self._setup_common(radio, nchan, emulator)
        self.role = role
        self.vector = vector
        if radio == "usrp":
            uhd = _uhd()
            self.usrp = _open_usrp(uhd.usrp_source, "radio_source (%s)" % role, dev_args,
                                   uhd.stream_args(cpu_format="fc32", otw_format=otw, args=stream_args,
                                                   channels=list(range(self.nchan))))
            self._configure_usrp(self.usrp, clock_source, time_source, num_mboards, samp_rate, center_freq,
                                 gain, antenna)
            self._sync(uhd, sync)
            _wire(self, [(self.usrp, ch) for ch in range(self.nchan)], False,
                  [(self, k) for k in range(1 if vector else self.nchan)], vector, self.nchan)
            return
        if not isinstance(emulator, emulated_radio):
            raise ValueError("radio_source: radio = 'emulated' needs emulator = an emulated_radio "
                             "(GRC: an Emulated Radio variable), got %r" % (emulator,))
        want = {"sensing": emulator.n_sense, "users": emulator.n_users, "uplink": emulator.n_uplink}[role]
        if self.nchan != want:
            raise ValueError("radio_source: role %r has %d channels in the emulator (n_rx%s), nchan = %d"
                             % (role, want, " + loopback" if emulator.loopback and role == "sensing" else "",
                                self.nchan))
        emulator._claim(role, self)
        ports = emulator._ports(role)
        _wire(self, [(emulator.block, p) for p, _ in ports], emulator.vector_ports and role != "users",
              [(self, k) for k in range(1 if vector else self.nchan)], vector, self.nchan)

    def _sync(self, uhd, sync):
        # what GRC's UHD: USRP Source generates for each sync option
        u = self.usrp
        if sync == "sync":
            u.set_time_unknown_pps(uhd.time_spec(0))
        elif sync == "pc_clock":
            u.set_time_now(uhd.time_spec(time.time()), uhd.ALL_MBOARDS)
        elif sync in ("pc_clock_next_pps", "gps_time"):
            last = u.get_time_last_pps().get_real_secs()
            while u.get_time_last_pps().get_real_secs() == last:
                time.sleep(0.05)
            if sync == "gps_time":
                secs = u.get_mboard_sensor("gps_time").to_int() + 1.0
            else:
                secs = int(time.time()) + 1.0
            u.set_time_next_pps(uhd.time_spec(secs))
            time.sleep(1)
