#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""What the Python hier blocks share: parameter checks in the module's error
format (before any gr.io_signature is built, so an error names the parameter)
and message connections to the hier block's own ports that do not make the
block own itself (GNU Radio keeps both endpoints of a message edge as shared
pointers inside the hier block: an edge to its own port is a reference cycle,
and the block with every inner block would never be freed)."""
from . import isac_python as _blk

#: the module's one limit on antennas per array and on users (core/limits.h)
MAX_ANTENNAS = _blk.max_antennas
MAX_USERS = _blk.max_users


def check_int(name, value, lo, hi):
    """An integer parameter in [lo, hi], or ValueError '<name> = <value> is out of range'."""
    try:
        v = int(value)
        ok = v == value and lo <= v <= hi
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ValueError("%s = %r is out of range; allowed: [%d, %d]" % (name, value, lo, hi))
    return v


def msg_connect(hier, src, srcport, dst, dstport):
    """hier.msg_connect(src, srcport, dst, dstport) where src or dst is `hier`
    itself (its hier port), without the reference cycle."""
    h = hier.to_basic_block()
    _blk._hier_msg_connect(h,
                           h if src is hier else src.to_basic_block(), srcport,
                           h if dst is hier else dst.to_basic_block(), dstport)
