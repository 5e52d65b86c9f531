#!/usr/bin/env python3
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when the shipped tree cites a document that does not ship.

gr-isac cites the five papers by the short names of docs/references.md and an
equation, section or figure number of the paper. Working notes (an
implementer's specification, numbered paper copies, development issues and
rounds) do not ship, so a citation of them points nowhere. This check lists
every such line as file:line. RNG seeds (seed=1, --seed 3, fixed seeds) are
not citations and pass.

usage: check_references.py SOURCE_DIR
"""
import os
import re
import sys

SCOPE = ["include", "lib", "python", "grc", "apps", "examples", "docs", "bench", "tools",
         "tests", "cmake", "fuzz", ".ci", "README.md", "MANIFEST.md", "CMakeLists.txt", "run"]
SKIP_DIRS = {"corpus", "regressions", "__pycache__", ".git"}

# (pattern, what it is) - the words are split so that this file does not match itself
RULES = [
    (r"\bspec(?:ification)?\s*(?:§|section|sec\.|eq\.)", "a section of the implementer's " + "spec"),
    (r"\bspec(?:ification)?\s+\d+(?:\.\d+)+", "a section of the implementer's " + "spec"),
    (r"gr-isac\s+" + "spec", "the implementer's " + "spec"),
    (r"\bseeds?[\s_-]?00[0-4]", "a numbered paper (" + "seed NNN)"),
    (r"\[S[0-4]\]", "a numbered paper tag"),
    (r"\bseed\s+(?:papers?|figures?)\b|gr-isac\s+seeds", "the papers under a working name"),
    (r"\bissues?\s+#?\d+\b", "a development issue"),
    (r"\b(?:previous|last|this)\s+(?:round|session)\b", "a development round"),
]
RULES = [(re.compile(p, re.IGNORECASE), what) for p, what in RULES]


def files(root, skip_files=()):
    """The shipped text files under SCOPE (tests/check_paths.py walks the same)."""
    for top in SCOPE:
        path = os.path.join(root, top)
        if os.path.isfile(path):
            yield path
        for d, dirs, names in os.walk(path):
            dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith("build"))
            for n in sorted(names):
                if n not in skip_files:
                    yield os.path.join(d, n)


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    me = os.path.abspath(__file__)
    hits = []
    for f in files(root):
        if os.path.abspath(f) == me:
            continue
        with open(f, "rb") as fh:
            data = fh.read()
        if b"\0" in data:
            continue  # binary
        for no, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            for rx, what in RULES:
                if rx.search(line):
                    hits.append(f"{os.path.relpath(f, root)}:{no}: {what}: {line.strip()[:120]}")
                    break
    if hits:
        print("Citations of documents that do not ship (cite the paper by its short name in "
              "docs/references.md and its own equation/section number instead):")
        print("\n".join(hits))
        print(f"{len(hits)} line(s)")
        return 1
    print("no citations of non-shipping documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
