#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""What the Python hier blocks share: the check of a parameter against its
descriptor, with the C++ blocks' error (before any gr.io_signature is built, so
an error names the parameter)
and message connections to the hier block's own ports that do not make the
block own itself (GNU Radio keeps both endpoints of a message edge as shared
pointers inside the hier block: an edge to its own port is a reference cycle,
and the block with every inner block would never be freed)."""
import collections
import numbers

from . import isac_python as _blk

#: the module's one limit on antennas per array and on users (core/limits.h)
MAX_ANTENNAS = _blk.max_antennas
MAX_USERS = _blk.max_users


#: one parameter of a Python block as its descriptor (python/isac/params/<block>.yml)
#: says it; python/isac/_params.py (generated) holds one per parameter. The
#: fields are those of the C++ core::param_spec, plus `objects`: a parameter
#: that also takes such an object (passed on unchecked).
param_spec = collections.namedtuple(
    "param_spec", "name type unit lo hi lo_open hi_open lo_ref hi_ref options length settable default "
    "doc objects")


# the plain values of a type; a parameter with `objects` passes any other value on
_PLAIN = {"integer": numbers.Integral, "real": numbers.Real, "text": str}


def check(spec, value, lo=None, hi=None, lengths=()):
    """`value` checked against its spec at construction, returned as its type
    (int, float, list of float, bool). lo/hi: the bound in force where another
    parameter gives it; lengths: the allowed lengths of a list. A bad value
    raises the C++ blocks' ValueError ('<name> = <value> is out of range;
    allowed: ...'): the check is the core's (core/param_spec.h)."""
    t = spec.type
    if t == "object" or (spec.objects and not isinstance(value, (str, _PLAIN.get(t, str)))):
        return value  # e.g. a uhd.tune_request for a frequency: passed on as given
    _blk._check_param(spec, value, spec.lo if lo is None else float(lo), spec.hi if hi is None else float(hi),
                      [int(n) for n in lengths])
    if t == "integer":
        return int(value)
    if t == "real":
        return float(value)
    if t == "reals":
        return [float(v) for v in value]
    if t == "boolean":
        return bool(value)
    return value


def msg_connect(hier, src, srcport, dst, dstport):
    """hier.msg_connect(src, srcport, dst, dstport) where src or dst is `hier`
    itself (its hier port), without the reference cycle."""
    h = hier.to_basic_block()
    _blk._hier_msg_connect(h,
                           h if src is hier else src.to_basic_block(), srcport,
                           h if dst is hier else dst.to_basic_block(), dstport)
