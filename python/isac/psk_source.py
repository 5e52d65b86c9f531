#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Random M-PSK symbols for U users, one vector of n_users per snapshot."""
import numpy as np
from gnuradio import gr

from . import _hier, _params
from . import isac_python as _blk


class psk_source(gr.hier_block2):
    """Uniform i.i.d. M-PSK symbols s_u = exp(j 2 pi m / M) (1-bit ISAC paper Sec. II), packed
    as vectors of n_users (user u at index u). seed = 0 draws a random seed;
    any other seed gives a repeatable sequence: the one of
    analog.random_uniform_source_b(0, M, seed) -> digital.chunks_to_symbols_bc
    -> blocks.stream_to_vector, formed in one C++ block (psk_symbol_source).
    """

    # gen_params:begin doc
    __doc__ += """

    Parameters (python/isac/params/psk_source.yml):
      n_users: users U (output vlen); [1, 4096] (default 4)
      psk_order: PSK order M (symbols are drawn as bytes); [2, 256] (default 8)
      seed: 0: a random seed; any other value repeats the sequence; [0, 2147483647] (default 0)
      n_items: symbol vectors produced in all, then the stream ends (0: endless; as blocks.head behind it, without its thread); [0, 2^52] (default 0) [settable]
    """
    # gen_params:end doc

    # gen_params:begin signature
    def __init__(self, n_users=4, psk_order=8, seed=0, n_items=0):
    # gen_params:end signature
        # gen_params:begin check
        n_users = _hier.check(_params.psk_source.n_users, n_users)
        psk_order = _hier.check(_params.psk_source.psk_order, psk_order)
        seed = _hier.check(_params.psk_source.seed, seed)
        n_items = _hier.check(_params.psk_source.n_items, n_items)
        # gen_params:end check
        gr.hier_block2.__init__(self, "psk_source", gr.io_signature(0, 0, 0),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex * n_users))
        if seed == 0:
            seed = int(np.random.SeedSequence().generate_state(1)[0] & 0x7FFFFFFF) or 1
        self.seed = seed
        # one C++ block: the sequence of random_uniform_source_b -> chunks_to_symbols_bc
        # -> stream_to_vector with this seed (qa_psk_source holds it to that), one
        # thread instead of three
        self.source = _blk.psk_symbol_source(n_users, psk_order, seed)
        self.source.set_n_items(n_items)
        self.connect(self.source, self)

    def set_min_output_buffer(self, *args):
        """GRC's Min Output Buffer (items; all ports, or port, items): set on
        the symbol source, whose output this is."""
        self.source.set_min_output_buffer(*args)

    def n_items(self):
        return self.source.n_items()

    def nitems_written(self, port=0):
        """Vectors produced in this run (the symbol source's count, which GNU
        Radio starts again at 0 on each start(); n_items counts across runs)."""
        return self.source.nitems_written(port)

    # gen_params:begin setters
    def set_n_items(self, n_items):
        """symbol vectors produced in all, then the stream ends (0: endless; as blocks.head behind it, without its thread); [0, 2^52]"""
        self.source.set_n_items(_hier.check(_params.psk_source.n_items, n_items))
    # gen_params:end setters
