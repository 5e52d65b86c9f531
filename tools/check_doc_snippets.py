#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Runs every fenced ```python block of README.md and docs/*.md as written.

The blocks of one file run in order in one fresh interpreter (a page may build
on its earlier blocks, as a reader would type them), in a scratch directory.
A block that raises fails the check with the file, the block's first line and
the traceback. Signatures and other text that is not meant to run go in
```text blocks.

usage: check_doc_snippets.py [FILE.md ...]     (default: README.md docs/*.md)
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))

RUNNER = r'''
import sys, traceback
blocks = %r
ns = {"__name__": "__doc_snippet__"}
for line, code in blocks:
    try:
        exec(compile(code, "%s:%%d" %% line, "exec"), ns)
    except BaseException:
        print("block at line %%d failed:" %% line, file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
print("%%d block(s) ran" %% len(blocks))
'''


def python_blocks(path):
    """[(first line number of the code, code)] of the ```python blocks, also those
    indented under a list item (the fence's indentation is taken off each line)."""
    out, cur, start, indent = [], None, 0, ""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = re.match(r"^( *)```python\s*$", line)
            if cur is None and m:
                cur, start, indent = [], n + 1, m.group(1)
            elif cur is not None and line.lstrip(" ").startswith("```"):
                out.append((start, "".join(cur)))
                cur = None
            elif cur is not None:
                cur.append(line[len(indent):] if line.startswith(indent) else line)
    return out


def main(argv):
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    files = argv or [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))
    bad = 0
    for path in files:
        blocks = python_blocks(path)
        if not blocks:
            continue
        rel = os.path.relpath(path, REPO)
        code = RUNNER % (blocks, rel)
        p = subprocess.run([sys.executable, "-c", code], cwd=tempfile.mkdtemp(prefix="isac_doc_"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        if p.returncode:
            bad += 1
            print("%s: FAILED\n%s" % (rel, p.stderr[-3000:]))
        else:
            print("%s: %s" % (rel, p.stdout.strip()))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
