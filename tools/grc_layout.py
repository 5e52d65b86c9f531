#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Block geometry of GRC flowgraphs as GNU Radio Companion 3.10 draws them, a
layered left-to-right placement, and a checker.

GRC sizes a block from its title (Sans 8 bold), the visible parameters (one
"name: value" line each, Sans 7.5, values truncated to 27 - len(name)
characters) and its ports (Sans 8 labels, 32 px apart); ports sit outside the
block's rectangle. This module evaluates a flowgraph with GRC's own core
(which parameters are visible, how many ports, what each value prints as) and
measures the text with DejaVu Sans advance widths (Debian's "Sans", measured
with Pango at GRC's font sizes), so no display is needed.

usage: grc_layout.py COMMAND ARG...

  grc_layout.py check FILE...     overlaps, right-to-left wires and wires drawn over a
                                  block they do not connect to (exit 1 if any)
  grc_layout.py measure FILE...   (needs GTK and a display, e.g. xvfb-run) GRC's own
                                  canvas sizes against the estimate
  grc_layout.py connectors FILE    (GTK) where GRC's canvas attaches each connected
                                  port's wires, and where the estimate does (JSON)
  grc_layout.py render DIR FILE...
                                  (GTK) draws each flowgraph with GRC's canvas code
                                  into DIR/<name>.png (what File > Screen Capture saves)
  grc_layout.py props DIR FILE BLOCK [PARAM=VALUE...]
                                  (GTK) GRC's properties dialog of
                                  the block named BLOCK (values set first), each tab
                                  into DIR/<BLOCK>_<n>_<tab>.png; prints GRC's errors

From Python: `place(doc)` lays out a flowgraph dict (the YAML of a .grc) in
place; tools/gen_examples.py calls it for every example it writes, and a
generator of another flowgraph can do the same.
"""
import copy
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))

# Advance widths (px) of ASCII 32..126 in DejaVu Sans at GRC's fonts, measured
# with Pango (GRC 3.10, Debian 12, 96 dpi). Line height is 13 px in every font.
_W_TITLE = [4, 5, 6, 9, 7, 11, 9, 3, 5, 5, 6, 9, 4, 4, 4, 4, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 4, 4, 9, 9, 9, 6, 11, 8,
            8, 8, 9, 7, 7, 9, 9, 4, 4, 8, 7, 11, 9, 9, 8, 9, 8, 7.1, 7.9, 9, 8, 12, 8, 8, 8, 5, 4, 5, 9, 5, 5, 7, 8, 6,
            8, 7, 4.5, 8, 8, 4, 4, 7, 4, 11, 8, 7, 8, 8, 5, 6, 5, 8, 7, 10, 7, 7, 6, 8, 4, 8, 9]
_W_PBOLD = [3, 5, 5, 8, 7, 10, 9, 3, 5, 5, 5, 8, 4, 4, 4, 4, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 4, 4, 8, 8, 8, 6, 10, 8,
            8, 7, 8, 7, 7, 8, 8, 4, 4, 8, 6, 10, 8, 9, 7, 9, 8, 7, 7, 8, 8, 11, 8, 7, 7, 5, 4, 5, 8, 5, 5, 7, 7, 6, 7,
            7, 4, 7, 7, 3, 3, 7, 3, 10, 7, 7, 7, 7, 5, 6, 5, 7, 7, 9, 6, 7, 6, 7, 4, 7, 8]
_W_PARAM = [3, 4, 5, 8, 6, 10, 8, 3, 4, 4, 5, 8, 3, 4, 3, 3, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 3, 3, 8, 8, 8, 5, 10, 7,
            7, 7, 8, 6, 6, 8, 8, 3, 3, 7, 6, 9, 7, 8, 6, 8, 7, 6, 6, 7, 7, 10, 7, 6, 7, 4, 3, 4, 8, 5, 5, 6, 6, 5, 6,
            6, 3.5, 6, 6, 3, 3, 6, 3, 10, 6, 6, 6, 6, 4, 5, 4, 6, 6, 8, 6, 6, 5, 6, 3, 6, 8]
_W_PORT = [3, 4, 5, 9, 7, 10, 8, 3, 4, 4, 5, 9, 3, 4, 3, 4, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 4, 4, 9, 9, 9, 6, 11, 7.9,
           7, 7, 8, 7, 6, 8, 8, 3, 3, 7, 6, 9, 8, 8, 6, 8, 7, 7, 6.1, 8, 7, 11, 7, 7, 7, 4, 4, 4, 9, 5, 5, 7, 7, 6, 7,
           7, 3.5, 7, 7, 3, 3, 6, 3, 10, 7, 7, 7, 7, 4, 6, 4, 7, 6, 9, 6, 6, 6, 7, 4, 7, 9]
LINE_H = 13
# GRC's gui/Constants.py
LABEL_SEPARATION, BLOCK_LABEL_PADDING, PORT_LABEL_PADDING = 3, 7, 2
GRID, PORT_BORDER_SEPARATION, PORT_SEPARATION = 8, 8, 32
CONNECTOR_EXTENSION = 11
# the estimate's safety margin: kerning and a different "Sans" on another machine
MARGIN = 1.04

# placement
COL_GAP = 48      # between the widest block of a column and the next column (wires)
ROW_GAP = 24      # between blocks stacked in a column
BAND_GAP = 16     # between blocks of the variable band
CLEARANCE = 8     # minimum distance between two blocks' boxes (the checker's rule)
VIRTUAL_GAP = 32  # wire length between a port and the Virtual Sink/Source beside it
VIRTUAL_REACH = 80  # furthest a Virtual Sink/Source sits above or below the port it joins
LEVEL_DY = 24     # a virtual port this close in height to another block's connector
LEVEL_DX = 96     # and at most this far from it reads as wired to it


def text_width(s, table):
    return sum(table[ord(c) - 32] if 32 <= ord(c) < 127 else 10 for c in s)


def _align(v):
    return int(round(v / GRID) * GRID)


# ------------------------------------------------------------ GRC core access
_PLATFORM = None


def platform():
    """GRC's core platform with this tree's block files first (like the grcc tests)."""
    global _PLATFORM
    if _PLATFORM is None:
        from gnuradio import gr
        os.environ.setdefault("GRC_BLOCKS_PATH", os.path.join(REPO, "grc"))
        os.environ.setdefault("GR_CONF_GRC_GLOBAL_BLOCKS_PATH",
                              os.path.join(gr.prefix(), "share", "gnuradio", "grc", "blocks"))
        from gnuradio.grc.core import Messages
        from gnuradio.grc.core.platform import Platform
        Messages.send = lambda *a, **k: None  # quiet library loading
        _PLATFORM = Platform(name="grc_layout", prefs=gr.prefs(), version=gr.version(),
                             version_parts=(gr.major_version(), gr.api_version(), gr.minor_version()))
        _PLATFORM.build_library()
    return _PLATFORM


def load(doc_or_path):
    """A validated GRC core flow graph from a .grc path or its YAML dict."""
    p = platform()
    if isinstance(doc_or_path, str):
        doc = p.parse_flow_graph(os.path.abspath(doc_or_path))
    else:
        doc = doc_or_path
    fg = p.make_flow_graph()
    fg.import_data(doc)
    fg.rewrite()
    fg.validate()
    return fg


def _num_to_str(num):
    # gui/Utils.num_to_str
    import numbers

    def eng(value, fmt="g"):
        for exp, symbol in zip(range(9, -16, -3), "GMk munpf"):
            if abs(value) >= 10 ** exp:
                return ("{:" + fmt + "}{}").format(value / 10 ** exp, symbol.strip())
        return ("{:" + fmt + "}").format(value)

    if isinstance(num, numbers.Complex):
        num = complex(num)
        if num == 0:
            return "0"
        out = eng(num.real) if num.real else ""
        out += eng(num.imag, "+g" if out else "g") + "j" if num.imag else ""
        return out
    return str(num)


def _truncate(name, s, style=0):
    # gui/canvas/param.truncate
    max_len = max(27 - len(name), 3)
    if len(s) > max_len:
        if style < 0:
            s = "..." + s[3 - max_len:]
        elif style == 0:
            s = s[:max_len // 2 - 3] + "..." + s[-max_len // 2:]
        else:
            s = s[:max_len - 3] + "..."
    return s


def param_text(param):
    """What GRC prints for a visible parameter (gui/canvas/param.pretty_print with
    the default view: evaluated values, no expressions)."""
    import numbers
    value = param.get_value()
    if not param.is_valid():
        return _truncate(param.name, value)
    if value in param.options:
        return param.options[value]
    e = param.get_evaluated()
    trunc = 0
    if isinstance(e, bool):
        return str(e)
    if isinstance(e, numbers.Complex):
        s = _num_to_str(e)
    elif isinstance(e, (list, tuple, set)):
        if len(e) > 8:
            s, trunc = value, 1
        else:
            s = ", ".join(map(_num_to_str, e))
    elif param.dtype in ("file_open", "file_save"):
        s, trunc = value, -1
    else:
        s = str(e)
        if param.dtype in ("_multiline", "_multiline_python_external") or "\n" in s:
            trunc = 1
    return _truncate(param.name, s, trunc).replace("\n", " ")


class geom:
    """A block's rectangle (x, y, w, h) and its ports as GRC places them."""

    def __init__(self, name, w, h, sinks, sources, sink_w, source_w):
        self.name, self.w, self.h = name, w, h
        self.sinks, self.sources = sinks, sources  # {port key: y offset of the port centre}
        # every port on a side is as wide as its widest one (GRC 3.10's
        # create_port_labels): a wire ends at that width, not at its own label's
        self.sink_w, self.source_w = sink_w, source_w
        self.x = self.y = 0

    def rects(self):
        """What GRC paints: the body and each port's box (x0, y0, x1, y1)."""
        ph = 2 * PORT_LABEL_PADDING + LINE_H
        ph += ph % 2
        out = [(self.x, self.y, self.x + self.w, self.y + self.h)]
        for side, ports in (("in", self.sinks), ("out", self.sources)):
            for key, off in ports.items():
                pw = self.sink_w if side == "in" else self.source_w
                x0 = self.x - pw if side == "in" else self.x + self.w
                out.append((x0, self.y + off - ph / 2, x0 + pw, self.y + off + ph / 2))
        return out

    def connector(self, key, out):
        """Where GRC attaches a wire: the outer edge of the port, at its centre."""
        pw = self.source_w if out else self.sink_w
        if out:
            return self.x + self.w + pw, self.y + self.sources[key]
        return self.x - pw, self.y + self.sinks[key]

    def box(self):
        """Rectangle including the ports: (x0, y0, x1, y1)."""
        return (self.x - self.sink_w, self.y, self.x + self.w + self.source_w, self.y + self.h)


def block_geom(block):
    title_w = text_width(block.label, _W_TITLE)
    lines = []
    for p in block.params.values():
        if p.hide in ("all", "part"):
            continue
        lines.append(text_width(p.name + ":", _W_PBOLD) + text_width(" " + param_text(p), _W_PARAM))
    label_w = max([title_w] + lines) * MARGIN
    label_h = LINE_H + ((LABEL_SEPARATION + len(lines) * LINE_H + (len(lines) - 1) * LABEL_SEPARATION)
                        if lines else 0)
    w, h = label_w + 2 * BLOCK_LABEL_PADDING, label_h + 2 * BLOCK_LABEL_PADDING
    port_h = 2 * PORT_LABEL_PADDING + LINE_H
    port_h += port_h % 2

    def side(ports):
        if not ports:
            return 0, 0
        return (2 * PORT_BORDER_SEPARATION + len(ports) * PORT_SEPARATION - port_h,
                max(2 * PORT_LABEL_PADDING + text_width(p.name, _W_PORT) for p in ports) * MARGIN)

    (hs, sink_w), (hr, source_w) = side(block.active_sinks), side(block.active_sources)
    h = max(h, hs, hr)
    w, h = _align(w), _align(h)

    def offsets(ports):
        off = (h - (len(ports) - 1) * PORT_SEPARATION - port_h) / 2
        return {p.key: off + i * PORT_SEPARATION + port_h / 2 for i, p in enumerate(ports)}

    return geom(block.name, w, h, offsets(block.active_sinks), offsets(block.active_sources),
                math.ceil(sink_w), math.ceil(source_w))


def wire_path(src, src_key, dst, dst_key, n=48):
    """Points along a wire as GRC 3.10 draws it (gui/canvas/connection.py): 15 px
    straight out of the source connector, a cubic Bezier with its control points
    50 px out of either connector, 15 px straight into the sink connector (the
    last 13 of them under the arrow)."""
    x0, y0 = src.connector(src_key, True)
    x3, y3 = dst.connector(dst_key, False)
    p = [(x0, y0), (x0 + 15, y0), (x0 + 50, y0), (x3 - 50, y3), (x3 - 15, y3), (x3, y3)]
    pts = [p[0]]
    for i in range(n + 1):
        t = i / n
        a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
        pts.append((a * p[1][0] + b * p[2][0] + c * p[3][0] + d * p[4][0],
                    a * p[1][1] + b * p[2][1] + c * p[3][1] + d * p[4][1]))
    pts.append(p[5])
    # straight pieces between the samples: a point every 4 px at most
    out = []
    for (xa, ya), (xb, yb) in zip(pts, pts[1:]):
        k = max(1, int(math.hypot(xb - xa, yb - ya) / 4))
        out.extend((xa + (xb - xa) * j / k, ya + (yb - ya) * j / k) for j in range(k))
    out.append(pts[-1])
    return out


def wire_crossings(g, conns, back=()):
    """(wire, block) pairs where the wire, drawn as GRC draws it, passes over the
    rectangle (ports included) of a block it does not connect to: on the canvas
    it looks as if it ended in that block. A wire in `back` (feedback: right to
    left) also counts the bodies of its own two blocks: GRC draws wires under
    the blocks, so one running back through them shows only its two ends."""
    out = []
    for a, ap, b, bp, _ in conns:
        pts = wire_path(g[a], ap, g[b], bp)
        for n, gn in g.items():
            rects = gn.rects()
            if n in (a, b):
                if (a, ap, b, bp) not in back:
                    continue
                rects = rects[:1]
            if any(x0 < x < x1 and y0 < y < y1 for x0, y0, x1, y1 in rects for x, y in pts):
                out.append(((a, ap, b, bp), n))
    return out


def geometry(fg):
    """{block name: geom} at the flow graph's coordinates (rotation 0 assumed)."""
    out = {}
    for b in fg.blocks:
        g = block_geom(b)
        g.x, g.y = b.states["coordinate"]
        g.rotation = b.states.get("rotation", 0)
        out[b.name] = g
    return out


def _conns(fg):
    return [(c.source_block.name, c.source_port.key, c.sink_block.name, c.sink_port.key,
             c.source_port.domain == "message") for c in fg.connections]


def through_virtual(conns, sid):
    """conns with each Virtual Source's wires drawn from the port feeding its
    Virtual Sink (sid: {virtual block: stream id}), as grcc connects them."""
    feeds = {sid[b]: (a, ap) for a, ap, b, bp, _ in conns if b in sid}
    return [(feeds[sid[a]][0], feeds[sid[a]][1], b, bp, m) if a in sid else (a, ap, b, bp, m)
            for a, ap, b, bp, m in conns if b not in sid and (a not in sid or sid[a] in feeds)]


def _stream_ids(fg):
    return {b.name: b.params["stream_id"].get_value() for b in fg.blocks
            if b.key in ("virtual_sink", "virtual_source")}


def _reachable(edges, start):
    seen, pending = set(), [start]
    while pending:
        n = pending.pop()
        for a, b in edges:
            if a == n and b not in seen:
                seen.add(b)
                pending.append(b)
    return seen


def feedback(conns):
    """Message connections that close a loop (their sink feeds their source through
    the stream graph, e.g. a channel's csi back to the precoder, or through other
    messages, e.g. a receiver's report to a feedback link that answers with the
    channel): they run right to left by nature."""
    every = {(a, b) for a, _, b, _, _ in conns}
    return {(a, ap, b, bp) for a, ap, b, bp, msg in conns if msg and a in _reachable(every, b)}


# ------------------------------------------------------------------ checker
def problems(path):
    fg = load(path)
    g = geometry(fg)
    # a block GRC marks invalid is drawn red with its parameters unevaluated
    out = ["GRC: %s: %s" % (getattr(elem, "name", elem), msg) for elem, msg in fg.iter_error_messages()]
    names = sorted(g)
    for i, a in enumerate(names):
        if g[a].rotation:
            out.append("%s: rotated blocks are not supported by the layout rules" % a)
        ax0, ay0, ax1, ay1 = g[a].box()
        for b in names[i + 1:]:
            bx0, by0, bx1, by1 = g[b].box()
            if (ax0 < bx1 + CLEARANCE and bx0 < ax1 + CLEARANCE and ay0 < by1 + CLEARANCE
                    and by0 < ay1 + CLEARANCE):
                out.append("%s %s and %s %s overlap (or are closer than %d px)"
                           % (a, g[a].box(), b, g[b].box(), CLEARANCE))
    conns = _conns(fg)
    back = feedback(through_virtual(conns, _stream_ids(fg)))
    for a, ap, b, bp, msg in conns:
        if (a, ap, b, bp) in back:
            continue
        x_out = g[a].x + g[a].w + g[a].source_w + CONNECTOR_EXTENSION
        x_in = g[b].x - g[b].sink_w - CONNECTOR_EXTENSION
        if x_out > x_in:
            out.append("wire %s:%s -> %s:%s runs right to left (%d > %d)" % (a, ap, b, bp, x_out, x_in))
    # a feedback wire may run right to left, but not over a block: it would
    # read as that block's port (place() gives such a wire a Virtual Sink/Source pair)
    for (a, ap, b, bp), n in wire_crossings(g, conns, back):
        out.append("wire %s:%s -> %s:%s passes over %s %s" % (a, ap, b, bp, n, g[n].box()))
    for n, m, what in misleading_virtual(g, conns, _stream_ids(fg)):
        out.append("%s sits level with %s, as if wired to it" % (n, what))
    return out + virtual_clashes(fg)


def misleading_virtual(g, conns, sid):
    """(virtual block, its partner, "block:port") for each Virtual Source whose
    output faces, level and close, an input it does not feed (it reads as that
    block's input), and each Virtual Sink whose input faces an output that
    does not feed it."""
    partner = {}
    for a, ap, b, bp, _ in conns:
        if b in sid and a not in sid:
            partner[b] = a
        elif a in sid and b not in sid:
            partner[a] = b
    out = []
    for n, m in sorted(partner.items()):
        src = "0" in g[n].sources
        vx, vy = g[n].connector("0", src)
        for o, go in g.items():
            if o in (n, m):
                continue
            for key in (go.sinks if src else go.sources):
                ox, oy = go.connector(key, not src)
                dx = ox - vx if src else vx - ox
                if 0 <= dx <= LEVEL_DX and abs(oy - vy) < LEVEL_DY:
                    out.append((n, m, "%s:%s" % (o, key)))
    return out


# ---------------------------------------------------------------- placement
def _is_band(block):
    """Variables, parameters, imports, snippets, options and GUI controls: the band
    along the top; everything with ports is laid out in columns."""
    return not (block.sinks or block.sources)


def place(doc, x0=8, y0=8, band_width=None):
    """Sets states.coordinate of every block of the flowgraph dict `doc` (and of
    its options block): a band of variables/controls at the top, then the
    processing blocks in columns by their longest path from a source (stream and
    forward message connections), each column as wide as its widest block, each
    block stacked near the mean height of its inputs. A stream wire that would
    pass over another block (one reaching past a column, e.g. the symbols to a
    SER meter at the far right), and a feedback message wire (right to left,
    e.g. a receiver's row back to the feedback link) that would pass over a
    block or under its own two, goes through a Virtual Sink/Source pair instead,
    GRC's idiom for a long wire: grcc connects the two ends directly. A forward
    message wire over a block moves that block instead."""
    best, push, lanes = None, {}, set()
    for _ in range(16):
        far = _place(doc, x0, y0, band_width, push, lanes)
        fg = load(doc)
        conns = _conns(fg)
        g = geometry(fg)
        cross = wire_crossings(g, conns, feedback(through_virtual(conns, _stream_ids(fg))))
        score = (len(cross) + len(misleading_virtual(g, conns, _stream_ids(fg))), len(far - lanes))
        if best is None or score < best[0]:
            best = score, copy.deepcopy(doc)
        # a virtual block with no clear height near its port beside the columns
        # gets a lane of its own (the flowgraph grows wider) and the round reruns
        if far - lanes:
            lanes |= far
            continue
        if not cross:
            break
        virtual = _stream_ids(fg)
        # a forward message wire moves the block it passes over (below); a
        # feedback one, running back over the flowgraph, gets a pair like a stream
        msgs = {(a, ap, b, bp) for a, ap, b, bp, msg in conns if msg} - feedback(through_virtual(conns, virtual))
        stream = {w for w, n in cross
                  if w[0] not in virtual and w[2] not in virtual and n not in virtual and w not in msgs}
        for w in sorted(stream):
            _virtual_pair(doc, *w)
        if stream:
            continue
        # a message wire, or one of a virtual pair: the block it passes over
        # moves down below it
        for (a, ap, b, bp), n in cross:
            if n in virtual:
                continue
            ys = [y for x, y in wire_path(g[a], ap, g[b], bp) for x0, y0, x1, y1 in g[n].rects()
                  if x0 < x < x1 and y0 < y < y1]
            push[n] = push.get(n, 0) + _align(max(ys) - g[n].y + CLEARANCE + GRID / 2)
    # the round with the fewest crossings (a move can bring blocks into a wire)
    doc.clear()
    doc.update(best[1])
    _share_far_sources(doc)
    return doc


def _share_far_sources(doc):
    """A Virtual Source that found no clear height near its port (a column
    full of another block's fan-out) feeds nothing another Virtual Source of
    its stream, closer to that port, could not: that one takes the wire when
    no more wires then pass over blocks or read as another block's input."""
    def badness(d):
        fg = load(d)
        g, conns, sid = geometry(fg), _conns(fg), _stream_ids(fg)
        return len(wire_crossings(g, conns, feedback(through_virtual(conns, sid)))) + len(
            misleading_virtual(g, conns, sid)), g, sid

    bad, g, sid = badness(doc)
    for c in sorted(list(doc["connections"]), key=str):
        n, _, b, bp = c
        if n not in sid or n not in g or "0" not in g[n].sources or b in sid:
            continue
        port_y = g[b].connector(bp, False)[1]
        dy = abs(g[n].connector("0", True)[1] - port_y)
        if dy <= VIRTUAL_REACH:
            continue
        for m in sorted(o for o in sid if o != n and sid[o] == sid[n] and "0" in g[o].sources):
            if abs(g[m].connector("0", True)[1] - port_y) >= dy:
                continue
            trial = copy.deepcopy(doc)
            trial["connections"].remove(c)
            trial["connections"].append([m, "0", b, bp])
            if not any(x[0] == n for x in trial["connections"]):
                trial["blocks"] = [blk for blk in trial["blocks"] if blk["name"] != n]
            t_bad, t_g, t_sid = badness(trial)
            if t_bad <= bad:
                doc.clear()
                doc.update(trial)
                bad, g, sid = t_bad, t_g, t_sid
                break


def _virtual_pair(doc, a, ap, b, bp):
    """Replaces the wire a:ap -> b:bp of `doc` with a -> Virtual Sink (one per
    source port, stream id "<a>_<ap>") and a Virtual Source of that id -> b.
    Names and stream ids already taken (another port whose "<a>_<ap>" reads the
    same, a user's block of that name) get a suffix: GRC joins a Virtual Source
    to whichever sink has its stream id."""
    blocks = {blk["name"]: blk for blk in doc["blocks"]}
    conns = doc["connections"]
    ids = {blk["parameters"].get("stream_id") for blk in blocks.values() if blk["id"] == "virtual_sink"}

    sink = next((c[2] for c in conns if c[:2] == [a, ap] and c[3] == "0"
                 and blocks.get(c[2], {}).get("id") == "virtual_sink"), None)
    if sink is None:
        base = "%s_%s" % (a, ap)
        sid, k = base, 2
        while sid in ids or "vsink_" + sid in blocks:
            sid, k = "%s_%d" % (base, k), k + 1
        sink = "vsink_" + sid
        _add_virtual(doc, blocks, sink, "virtual_sink", sid)
        conns.append([a, ap, sink, "0"])
    sid = blocks[sink]["parameters"]["stream_id"]
    # one Virtual Source per stream id and sink block (it may feed two of its ports)
    src, k = "vsrc_%s_%s" % (sid, b), 2
    while src in blocks and not (blocks[src]["id"] == "virtual_source"
                                 and blocks[src]["parameters"].get("stream_id") == sid):
        src, k = "vsrc_%s_%s_%d" % (sid, b, k), k + 1
    if src not in blocks:
        _add_virtual(doc, blocks, src, "virtual_source", sid)
    conns.remove([a, ap, b, bp])
    conns.append([src, "0", b, bp])


def _add_virtual(doc, blocks, name, kind, sid):
    blk = {"name": name, "id": kind, "parameters": {"comment": "", "stream_id": sid},
           "states": {"coordinate": [0, 0], "rotation": 0, "state": "enabled"}}
    doc["blocks"].append(blk)
    blocks[name] = blk


def virtual_clashes(fg):
    """What would make GRC join a Virtual Source to the wrong port: two Virtual
    Sinks with one stream id, a Virtual Source with no sink of its id."""
    sinks = {}
    for blk in fg.blocks:
        if blk.key == "virtual_sink":
            sinks.setdefault(blk.params["stream_id"].get_value(), []).append(blk.name)
    out = ["Virtual Sinks %s share the stream id %r" % (", ".join(sorted(v)), k)
           for k, v in sorted(sinks.items()) if len(v) > 1]
    out += ["%s: no Virtual Sink has its stream id %r" % (blk.name, blk.params["stream_id"].get_value())
            for blk in fg.blocks if blk.key == "virtual_source" and blk.params["stream_id"].get_value() not in sinks]
    return out


def _place(doc, x0, y0, band_width, push, lanes):
    """One round of place(); returns the virtual blocks that found no clear
    height within VIRTUAL_REACH of their port."""
    fg = load(doc)
    g = geometry(fg)
    blocks = {b.name: b for b in fg.blocks}
    order = [b["name"] for b in doc["blocks"]]
    conns = _conns(fg)
    # a Virtual Sink/Source pair sits beside the ports it joins (below); the
    # columns are laid out as if its wire were direct
    sid = _stream_ids(fg)
    direct = through_virtual(conns, sid)
    back = feedback(direct)
    edges = [(a, b) for a, ap, b, bp, _ in direct if (a, ap, b, bp) not in back]
    proc = [n for n in order if not _is_band(blocks[n]) and n not in sid]
    band = [n for n in order if _is_band(blocks[n])]

    # layers: longest path (the graph without feedback is acyclic)
    depth = {n: 0 for n in proc}
    for _ in range(len(proc)):
        changed = False
        for a, b in edges:
            if depth[b] < depth[a] + 1:
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    # a block feeding only later layers moves next to the first of them (short
    # wires), as far as its own inputs allow: a source, or a chain hanging off
    # one (e.g. a constant reference behind a decimator into a plot at the far
    # right), does not start a wire across the whole flowgraph
    for _ in range(len(proc)):
        changed = False
        for n in proc:
            outs = [depth[b] for a, b in edges if a == n]
            ins = [depth[a] for a, b in edges if b == n]
            if outs and min(outs) - 1 > depth[n] and min(outs) - 1 > max(ins, default=-1):
                depth[n] = min(outs) - 1
                changed = True
        if not changed:
            break
    n_cols = max(depth.values()) + 1 if proc else 0
    col_w = [0] * n_cols
    for n in proc:
        col_w[depth[n]] = max(col_w[depth[n]], g[n].sink_w + g[n].w + g[n].source_w)
    # a lane for the Virtual Sinks right of their source's column and one for
    # the Virtual Sources left of their sink's column, only for those (lanes)
    # that found no room in the column gap's neighbourhood
    partner = {}  # virtual block: (the block it joins, its port, its port is an output)
    for a, ap, b, bp, _ in conns:
        if b in sid and a not in sid:
            partner[b] = (a, ap, True)
        elif a in sid and b not in sid:
            partner[a] = (b, bp, False)
    lane_r, lane_l = [0] * n_cols, [0] * n_cols
    for n, (m, _, out) in partner.items():
        if n not in lanes:
            continue
        lane = lane_r if out else lane_l
        lane[depth[m]] = max(lane[depth[m]], g[n].sink_w + g[n].w + g[n].source_w + 2 * VIRTUAL_GAP)
    col_x = []
    x = x0
    for c in range(n_cols):
        x += lane_l[c]
        col_x.append(x)
        x += col_w[c] + COL_GAP + lane_r[c]
    total_w = max(x - COL_GAP, band_width or 0, 900)

    # the band: the options block first, then rows of variables/controls
    opts = doc["options"]
    opts_g = block_geom(fg.options_block)
    opts["states"]["coordinate"] = [x0, y0]
    bx, by, row_h = x0 + opts_g.w + BAND_GAP, y0, opts_g.h
    # rows of similar heights waste less space: short variables first, then
    # parameters and snippets, the tall GUI controls last (stable: file order within)
    for n in sorted(band, key=lambda n: g[n].h):
        if bx + g[n].w > x0 + total_w and bx > x0:
            bx, by, row_h = x0, by + row_h + BAND_GAP, 0
        g[n].x, g[n].y = bx, by
        bx += g[n].w + BAND_GAP
        row_h = max(row_h, g[n].h)
    top = _align(by + row_h + 2 * ROW_GAP)

    # columns: blocks in a column sorted by the mean port height of their inputs
    cursor = [top] * n_cols
    placed = {}
    for c in range(n_cols):
        members = [n for n in proc if depth[n] == c]

        def want(n):
            ys = [placed[a] for a, b in edges if b == n and a in placed]
            return sum(ys) / len(ys) if ys else float(order.index(n))

        members.sort(key=lambda n: (want(n) if any(b == n and a in placed for a, b in edges) else 1e9,
                                    order.index(n)))
        for n in members:
            target = want(n) if any(b == n and a in placed for a, b in edges) else cursor[c]
            y = max(cursor[c], _align(target - g[n].h / 2)) + push.get(n, 0)
            g[n].x, g[n].y = _align(col_x[c] + g[n].sink_w), _align(y)
            placed[n] = g[n].y + g[n].h / 2
            cursor[c] = g[n].y + g[n].h + ROW_GAP
    # virtual blocks: a short wire from (to) the port they continue, level with
    # it where there is room, else at the nearest clear height within
    # VIRTUAL_REACH (further away it reads as another block's input)
    taken = {n: g[n].box() for n in proc + band}
    taken[""] = (x0, y0, x0 + opts_g.w, y0 + opts_g.h)
    def bbox(w):
        xs, ys = [x for x, _ in w], [y for _, y in w]
        return w, (min(xs), min(ys), max(xs), max(ys))

    def meet(a, b):
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    def inside(w, rects):
        return any(meet(r, w[1]) and any(r[0] < x < r[2] and r[1] < y < r[3] for x, y in w[0]) for r in rects)

    wires = [bbox(wire_path(g[a], ap, g[b], bp)) for a, ap, b, bp, _ in conns if a not in sid and b not in sid]

    def own(n, m, key, out):
        return bbox(wire_path(g[m], key, g[n], "0") if out else wire_path(g[n], "0", g[m], key))

    def level(n, m, out):
        vx, vy = g[n].connector("0", not out)
        for o in taken:
            if o in (n, m, "") or o not in g:
                continue
            for k in (g[o].sinks if not out else g[o].sources):
                ox, oy = g[o].connector(k, out)
                dx = ox - vx if not out else vx - ox
                if 0 <= dx <= LEVEL_DX and abs(oy - vy) < LEVEL_DY:
                    return True
        return False

    def clear(n, m, key, out):
        rects = g[n].rects()
        return not level(n, m, out) and not any(inside(w, rects) for w in wires) and not inside(
            own(n, m, key, out), [g[o].rects()[0] if o in g else r for o, r in taken.items() if o != m]
            + [r for o in taken if o in g and o != m for r in g[o].rects()[1:]])
    far = set()
    for n, (m, key, out) in sorted(partner.items()):
        cx, cy = g[m].connector(key, out)
        port_y = (g[n].sinks if out else g[n].sources)["0"]
        c = depth[m]
        if n in lanes and out:
            g[n].x = _align(col_x[c] + col_w[c] + COL_GAP / 2 + VIRTUAL_GAP + g[n].sink_w + GRID / 2)
        elif n in lanes:
            g[n].x = _align(col_x[c] - VIRTUAL_GAP - g[n].source_w - g[n].w - GRID / 2)
        elif out:  # VIRTUAL_GAP right of the port, in the next column's space
            g[n].x = _align(cx + VIRTUAL_GAP + g[n].sink_w + GRID / 2)
        else:
            g[n].x = _align(cx - VIRTUAL_GAP - g[n].source_w - g[n].w - GRID / 2)
        # spots level with the port first, then up to VIRTUAL_REACH above or
        # below it, or up to three column gaps further out (a longer straight wire)
        x_port, y_port = g[n].x, _align(cy - port_y)
        spots = sorted(((abs(k * GRID) + j * COL_GAP / 2, j, k) for j in range(4)
                        for k in range(-VIRTUAL_REACH // GRID, VIRTUAL_REACH // GRID + 1)))
        free = found = None  # the nearest free spot if none keeps the wires clear
        for _, j, k in spots:
            g[n].x = x_port + (j if out else -j) * COL_GAP
            g[n].y = y_port + k * GRID
            x0_, y0_, x1_, y1_ = g[n].box()
            if g[n].y < top or any(meet((x0_ - CLEARANCE, y0_ - CLEARANCE, x1_ + CLEARANCE, y1_ + CLEARANCE), r)
                                   for r in taken.values()):
                continue
            free = free or (g[n].x, g[n].y)
            if clear(n, m, key, out):
                found = g[n].x, g[n].y
                break
        if found is None:
            far.add(n)
            # (in a lane already, or this pass's last resort) the nearest
            # clear height beyond the reach, else the nearest free one
            for k in range(VIRTUAL_REACH // GRID + 1, 1000):
                for sign in (1, -1):
                    g[n].x, g[n].y = x_port, y_port + sign * k * GRID
                    x0_, y0_, x1_, y1_ = g[n].box()
                    if g[n].y < top or any(meet((x0_ - CLEARANCE, y0_ - CLEARANCE, x1_ + CLEARANCE,
                                                 y1_ + CLEARANCE), r) for r in taken.values()):
                        continue
                    free = free or (g[n].x, g[n].y)
                    if clear(n, m, key, out):
                        found = g[n].x, g[n].y
                        break
                if found:
                    break
            found = found or free
        g[n].x, g[n].y = found
        taken[n] = g[n].box()
        wires.append(own(n, m, key, out))
    for b in doc["blocks"]:
        b["states"]["coordinate"] = [int(g[b["name"]].x), int(g[b["name"]].y)]
        b["states"]["rotation"] = 0
    return far


# ----------------------------------------------------- GTK: GRC's own canvas
def _gui_platform():
    import gi
    gi.require_version("Gtk", "3.0")
    gi.require_version("PangoCairo", "1.0")
    from gi.repository import Gio, Gtk
    from gnuradio import gr
    os.environ.setdefault("GRC_BLOCKS_PATH", os.path.join(REPO, "grc"))
    os.environ.setdefault("GR_CONF_GRC_GLOBAL_BLOCKS_PATH",
                          os.path.join(gr.prefix(), "share", "gnuradio", "grc", "blocks"))
    import gnuradio.grc.gui.canvas.flowgraph as canvas_fg
    from gnuradio.grc.gui import Actions
    from gnuradio.grc.gui.Platform import Platform
    app = Gtk.Application(application_id="org.gnuradio.isac.grc_layout", flags=Gio.ApplicationFlags.NON_UNIQUE)
    app.register(None)
    app.set_default()
    canvas_fg._ContextMenu = lambda main_window: None  # no main window here
    for a in Actions.get_actions().values():
        if getattr(a, "preference_name", None):
            a.set_active(bool(a.default))  # GRC's defaults, not this user's preferences
    p = Platform(version=gr.version(), version_parts=(gr.major_version(), gr.api_version(), gr.minor_version()),
                 prefs=gr.prefs(), install_prefix=gr.prefix())
    p.build_library()
    return p


def _gui_flowgraph(p, path):
    fg = p.make_flow_graph(os.path.abspath(path))
    fg.rewrite()
    fg.validate()
    fg.update_elements_to_draw()
    for b in fg.blocks:
        b.create_labels()
        b.create_shapes()
    for c in fg.connections:
        c.create_shapes()
    return fg


def measure(paths):
    """GRC canvas extents vs the estimate, per block; returns the worst errors."""
    p = _gui_platform()
    worst = [0, 0]
    for path in paths:
        fg = _gui_flowgraph(p, path)
        est = geometry(load(path))
        print("==", os.path.basename(path))
        for b in fg.blocks:
            x0, y0, x1, y1 = b.get_extents()
            e = est[b.name].box()
            dw, dh = (e[2] - e[0]) - (x1 - x0), (e[3] - e[1]) - (y1 - y0)
            worst = [min(worst[0], dw), min(worst[1], dh)] if dw < 0 or dh < 0 else worst
            print("  %-16s GRC %4d x %-4d estimate %4d x %-4d  (%+d, %+d)"
                  % (b.name, x1 - x0, y1 - y0, e[2] - e[0], e[3] - e[1], dw, dh))
    print("largest underestimate: width %d px, height %d px" % tuple(worst))
    return worst


def connectors(path):
    """[(block, port key, out, (x, y) where GRC's canvas attaches the port's
    wires, (x, y) where geom.connector() says)] for every connected port."""
    fg = _gui_flowgraph(_gui_platform(), path)
    est = geometry(load(path))
    out = []
    for c in fg.connections:
        for port, is_out in ((c.source_port, True), (c.sink_port, False)):
            b = port.parent_block.name
            out.append((b, port.key, is_out, tuple(port.connector_coordinate_absolute),
                        est[b].connector(port.key, is_out)))
    return out


def render(out_dir, paths):
    """Each flowgraph drawn by GRC's canvas code (gui/Utils.make_screenshot)."""
    p = _gui_platform()
    from gnuradio.grc.gui import Utils
    os.makedirs(out_dir, exist_ok=True)
    for path in paths:
        fg = _gui_flowgraph(p, path)
        fg.create_labels()
        fg.create_shapes()
        out = os.path.join(out_dir, os.path.splitext(os.path.basename(path))[0] + ".png")
        Utils.make_screenshot(fg, out)
        print("wrote", out)


def props(out_dir, path, name, values):
    """GRC's properties dialog of one block (gui/PropsDialog), each tab saved
    as GRC draws it: how its parameters read (labels, tabs, defaults, lists)
    and what GRC says of the values given."""
    import time
    p = _gui_platform()
    from gi.repository import Gdk, Gtk
    from gnuradio.grc.gui.PropsDialog import PropsDialog
    os.makedirs(out_dir, exist_ok=True)
    fg = _gui_flowgraph(p, path)
    blk = [b for b in fg.blocks if b.name == name]
    if not blk:
        print("no block named %r in %s" % (name, path))
        return 1
    blk = blk[0]
    for kv in values:
        k, eq, v = kv.partition("=")
        if not eq or k not in blk.params:
            print("%r: expected PARAM=VALUE with PARAM one of %s's parameters: %s"
                  % (kv, name, ", ".join(sorted(blk.params))))
            return 2
        blk.params[k].set_value(v)
    fg.rewrite()
    fg.validate()
    for e in blk.get_error_messages():
        print("error:", e)
    parent = Gtk.Window()
    parent.config = p.config  # the dialog reads the main window's preferences
    dlg = PropsDialog(parent, blk)
    # every parameter of a long tab without scrolling, if the screen is tall enough
    dlg.resize(760, min(1200, Gdk.Screen.get_default().get_height()))

    def settle():
        for _ in range(30):
            while Gtk.events_pending():
                Gtk.main_iteration_do(False)
            time.sleep(0.01)

    settle()
    nb = dlg.notebook
    for i in range(nb.get_n_pages()):
        nb.set_current_page(i)
        settle()
        tab = nb.get_tab_label(nb.get_nth_page(i)).get_text() or str(i)
        w = dlg.get_window()
        out = os.path.join(out_dir, "%s_%d_%s.png" % (name, i, tab.replace(" ", "_")))
        Gdk.pixbuf_get_from_window(w, 0, 0, w.get_width(), w.get_height()).savev(out, "png", [], [])
        print("wrote", out)
    dlg.destroy()
    return 0


def main(argv):
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if len(argv) >= 4 and argv[0] == "props":
        return props(argv[1], argv[2], argv[3], argv[4:])
    if len(argv) == 2 and argv[0] == "connectors":
        print(json.dumps(connectors(argv[1])))
        return 0
    if len(argv) < 2 or argv[0] not in ("check", "measure", "render"):
        print(__doc__)
        return 2
    if argv[0] == "check":
        bad = 0
        for path in argv[1:]:
            pr = problems(path)
            bad += len(pr)
            print("%s: %s" % (os.path.basename(path), "ok" if not pr else "%d problem(s)" % len(pr)))
            for line in pr:
                print("  " + line)
        return 1 if bad else 0
    if argv[0] == "measure":
        w, h = measure(argv[1:])
        return 0 if w >= 0 and h >= 0 else 1
    render(argv[1], argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
