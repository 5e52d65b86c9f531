#!/usr/bin/env python3
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""util.assert_same, the tests' comparison of large results: it passes and
fails exactly where assertEqual does, and its failure is one short line that
names the first difference, computed without difflib (whose diff of two large
unequal reprs made failing tests look hung)."""

import difflib
import time
import unittest
from unittest import mock

import numpy as np
from gnuradio.isac.util import assert_same, time_limit

N = 200000  # a 200 kB stream's worth of items


def tags(n, shift_at=None):
    return [(i, "isac_frame", i + (1 if shift_at is not None and i >= shift_at else 0))
            for i in range(n)]


class qa_assert_same(unittest.TestCase):

    def fails(self, a, b, *want):
        """assert_same(a, b) fails with a short message holding every string of want."""
        with self.assertRaises(AssertionError) as cm:
            assert_same(a, b, "run 2")
        msg = str(cm.exception)
        self.assertLess(len(msg), 600, msg)
        self.assertTrue(msg.startswith("run 2: "), msg)
        for w in want:
            self.assertIn(w, msg)
        return msg

    def test_equal_passes(self):
        big = (N, bytes(range(256)) * 800, tags(N))
        assert_same(big, (N, bytes(range(256)) * 800, tags(N)))
        assert_same({"a": [1, 2], "b": np.arange(4)}, {"a": [1, 2], "b": np.arange(4)})
        assert_same([np.arange(3), np.ones(2)], [np.arange(3), np.ones(2)])
        nan = float("nan")
        assert_same([nan], [nan])  # the same object, as list == list says

    def test_large_unequal_fails_short_without_difflib(self):
        # every line of the reprs differs from the first tag on: the case that
        # took assertEqual 22 s at 400 tags (quadratic); here 200000 of them
        with mock.patch.object(difflib, "SequenceMatcher", side_effect=AssertionError("difflib")):
            t0 = time.monotonic()
            self.fails(tags(N), tags(N, shift_at=0), "value[0][2]: 0 != 1")
            self.fails(tags(N), tags(N, shift_at=N - 1), "value[199999][2]: 199999 != 200000")
            x = bytes(N)
            y = bytearray(x)
            y[150000] = 7
            self.fails((N, x, tags(5)), (N, bytes(y), tags(5)),
                       "value[1]: 200000 and 200000 bytes, 1 of the first 200000 differ, "
                       "the first at byte 150000")
            self.fails(list(range(N)), list(range(N - 1)), "200000 and 199999 items, equal up to 199999")
            elapsed = time.monotonic() - t0
        # generous: the four take ~0.2 s on the 2-core machine, the difflib
        # diff of the first pair alone minutes
        self.assertLess(elapsed, time_limit(10.0))

    def test_agrees_with_assertEqual(self):
        # on small values (where assertEqual's diff is cheap) both pass or both fail
        nan = float("nan")
        pairs = [(1, 1.0), (1, 2), ([1, 2], [1, 2]), ([1, 2], (1, 2)), ((1, [2]), (1, [2])),
                 ((1, [2]), (1, [3])), ([], []), ([], [0]), ({"a": 1}, {"a": 1}), ({"a": 1}, {"a": 2}),
                 ({"a": 1}, {"b": 1}), (b"ab", b"ab"), (b"ab", b"ac"), (b"ab", "ab"), ("ab", "ab"),
                 ([nan], [nan]), ([nan], [float("nan")]), ([(0, "k", 1)], [(0, "k", 1)]),
                 ([(0, "k", 1)], [(0, "k", 2)]), ([1, 2, 3], [1, 2]), (None, None), (None, 0)]
        for a, b in pairs:
            with self.subTest(a=a, b=b):
                try:
                    self.assertEqual(a, b)
                    equal = True
                except AssertionError:
                    equal = False
                if equal:
                    assert_same(a, b)
                else:
                    self.assertRaises(AssertionError, assert_same, a, b)

    def test_what_differs(self):
        self.fails([1, 2], (1, 2), "a list and a tuple")
        self.fails({"a": 1}, {"b": 1}, "keys only in the first ['a'], only in the second ['b']")
        self.fails({"a": [1, 2]}, {"a": [1, 3]}, "value['a'][1]: 2 != 3")
        self.fails([np.arange(4)], [np.arange(4) + (np.arange(4) == 2)], "value[0]:",
                   "Mismatched elements: 1 / 4")
        self.fails(np.zeros(3), np.zeros(4), "(shapes (3,), (4,) mismatch)")
        self.fails(b"abc", b"abcd", "3 and 4 bytes, equal over the first 3")
        self.fails(1.0, float("nan"), "1.0 != nan")
        msg = self.fails("x" * 5000, "y" * 5000)
        self.assertIn("...", msg)  # the items' reprs are cut short
        # a failure message of the caller's, as assertEqual's msg
        with self.assertRaisesRegex(AssertionError, "^value: 1 != 2$"):
            assert_same(1, 2)


if __name__ == "__main__":
    unittest.main()
