#!/usr/bin/env python3
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fail when a command the docs give a user would stop at its own arguments.

The Markdown pages (README.md, docs/*.md, ...) and the scripts' own docstrings
tell the user to run the module's scripts and benchmarks with options. Scripts
gain and rename options; a copied
command that meets "unrecognized arguments" is a broken doc. This check finds
every invocation of a repository script in the pages and checks its arguments
against what the script accepts today, without running it:

  where: a line of a fenced block (any language tag but python, text, cpp, c++;
    "\\" continuations joined, "$ " prompts dropped) and an inline code span;
    each shell segment (split at | && || ; &) whose command word, after
    VAR=value assignments, is a script or a wrapper in front of one (nice, perf,
    valgrind, taskset, xvfb-run, timeout, /usr/bin/python3 ...);
    and the commands the scripts of bench/, apps/ and tools/ give in their own
    documentation (a Python docstring, C/C++ comments): a line set off from the
    prose by indentation or starting as a command does, an inline code span,
    and every --option the documentation of a script (not of a .h helper)
    mentions, in prose too; a Python script of bench/, apps/ or tools/ (a #!
    line) must build an ArgumentParser and make no module-level call before
    parsing its arguments, so that its --help prints its use instead of
    running it (a tool may instead be a unittest or handle "--help" itself);
  what is a script: bench/X.py, tools/X.py, apps/X, python/isac/X.py,
    build/bench/X (a target of bench/X.cc), also written ../apps/X, $PWD/...,
    ./X, or bare (bench_ci_block.py, isac_demo, ci_family_cost), and
    /tmp/X.py (X.py as grcc writes examples/X.grc);
  the options a script accepts:
    - Python with argparse: its add_argument calls, read from the source and
      replayed into a real argparse parser (so nargs, store_true, positionals
      and "=" forms behave as in the script), choices checked on values that
      are not placeholders; an abbreviation argparse would accept is a warning
      (spell options out), an ambiguous one an error;
    - Python without argparse, and C++ drivers: the synopsis of a "usage:" line
      in its source ("usage: ci_family_cost --family=FILE [N_T [PER_DRAW]]");
      options written --x=VALUE take their value with "=" only;
    - C++ Google Benchmark executables (bench/bench_*.cc): the --benchmark_*
      flags listed by a built benchmark's --help (given BUILD_DIR), plus the
      synopsis of a usage: line in the source if it has one;
    - a flowgraph grcc writes: the parameter blocks of examples/X.grc;
    - ./run: the subcommands of its case statement.
  Required positionals are checked when the span is a whole command (it has
  arguments, or a VAR= or interpreter prefix) and nothing is elided ("...").
  Usage notation in the docs is read as usage: [--quick] as --quick, a|b as a.
  A span of options alone (`--draws 6 --distinct`) passes when some script the
  page names accepts each option (unless valgrind, perf, ctest ... precede it).

usage: check_commands.py [--list] SOURCE_DIR [BUILD_DIR]
                                                   check the pages (--list: and list
                                                   the invocations found)
       check_commands.py --selftest                check the rules on a scratch tree
"""
import argparse
import ast
import difflib
import functools
import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_paths  # noqa: E402  (its walker and placeholder rule, one place)

NOT_SHELL = {"python", "py", "text", "cpp", "c++", "c", "cmake", "yaml", "json", "diff"}
WRAPPERS = {"nice", "time", "env", "taskset", "perf", "valgrind", "xvfb-run", "timeout", "sudo",
            "exec", "python3", "/usr/bin/python3", "python", "numactl", "chrt", "strace", "gdb",
            "heaptrack", "flock"}
ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
SEPARATORS = {"|", "||", "&&", ";", "&", "(", ")"}
REDIRECT = re.compile(r"[<>&]+")  # an operator token of shlex: > >> 2>&1's >& ...
ELLIPSIS = {"...", "…"}
ALT = "\x00"  # a|b of a usage synopsis (not a pipe)


def is_placeholder(value):
    """FILE, N_T, <name>, … : a value the reader fills in."""
    v = value.strip("[]")
    return (bool(check_paths.PLACEHOLDER.search(v)) or v.startswith("<") or "…" in v
            or "..." in v or "$" in v)


# ----------------------------------------------------------------------------
# What a script accepts
# ----------------------------------------------------------------------------
class Reject(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise Reject(message)


def _literal(node):
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return False, None


class ArgparseSpec:
    """The argparse parser of a Python script, rebuilt from its add_argument calls."""

    def __init__(self, calls, parser_kwargs):
        self.abbrev = parser_kwargs.get("allow_abbrev", True)
        # argparse's own help action prints and exits, which would end this check
        # early with status 0 at the first documented "-h": a plain flag instead
        self.parser = Parser(prog="x", add_help=False, allow_abbrev=False,
                             prefix_chars=parser_kwargs.get("prefix_chars", "-"))
        self.help = parser_kwargs.get("add_help", True)
        if self.help:
            self.parser.add_argument("-h", "--help", action="store_true")
        self.choices = {}
        for args, kwargs in calls:
            kw = {}
            for k in ("action", "nargs", "const", "required", "dest"):
                if k in kwargs:
                    kw[k] = kwargs[k]
            if kwargs.get("action") == "BooleanOptionalAction":
                kw["action"] = argparse.BooleanOptionalAction
            if kwargs.get("nargs") == "REMAINDER":  # a wrapped command: bench/thread_cpu.py
                kw["nargs"] = argparse.REMAINDER
            if kw.get("action") == "version":  # prints and exits, as help does
                kw = {"action": "store_true"}
            action = self.parser.add_argument(*args, **kw)
            if isinstance(kwargs.get("choices"), (list, tuple, set, frozenset, range)):
                self.choices[action.dest] = [str(c) for c in kwargs["choices"]]
        self.options = sorted(self.parser._option_string_actions)

    def check(self, args, whole, elided):
        errors, warnings, args = [], [], list(args)
        for i, a in enumerate(args):
            if a == "--":  # argparse: what follows is positional (a wrapped command's options)
                break
            name, eq, value = a.partition("=")
            if not re.match(r"^--?[A-Za-z]", a) or name in self.options:
                continue
            full = [o for o in self.options if o.startswith(name) and name.startswith("--")]
            if len(full) == 1 and self.abbrev:
                warnings.append(f"{name} is an abbreviation of {full[0]}: spell it out")
                args[i] = full[0] + eq + value
            elif len(full) > 1 and self.abbrev:
                errors.append(f"ambiguous option {name}: could match {', '.join(full)}")
            else:
                near = difflib.get_close_matches(name, self.options, 1)
                errors.append(f"unrecognized option {name}" +
                              (f" (did you mean {near[0]}?)" if near else ""))
        if errors or (self.help and any(a in ("-h", "--help") for a in args)):
            return errors, warnings  # the help prints before anything else is checked
        try:
            ns, extra = self.parser.parse_known_args(args)
        except Reject as e:
            if not ("the following arguments are required" in str(e) and (elided or not whole)):
                errors.append(str(e))
            return errors, warnings
        except SystemExit:
            # an action that prints and exits would end the whole check with status 0
            errors.append("the parser exits on these arguments (a help or version action)")
            return errors, warnings
        if extra and not elided:
            errors.append("unrecognized arguments: " + " ".join(extra))
        for dest, choices in self.choices.items():
            v = getattr(ns, dest, None)
            for x in v if isinstance(v, list) else [v]:
                if isinstance(x, str) and not is_placeholder(x) and x not in choices:
                    errors.append(f"invalid choice {x!r} for {dest} (choose from "
                                  f"{', '.join(choices)})")
        return errors, warnings


@functools.lru_cache(maxsize=None)
def python_source(path):
    """(text, syntax tree) of a Python source (read once: the scan asks twice)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        return text, ast.parse(text, path)
    except SyntaxError as e:
        raise ValueError(f"{path}: not Python ({e})") from e


# the module's shared argparse helpers (util.add_channels_arg(ap, ...)): the apps' options they
# add are read from their source like the apps' own add_argument calls
SHARED_ARG_SOURCES = [os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                   "python", "isac", "util.py")]


@functools.lru_cache(maxsize=None)
def shared_arg_helpers():
    """{function name: [its add_argument calls]} of SHARED_ARG_SOURCES."""
    helpers = {}
    for src in SHARED_ARG_SOURCES:
        if not os.path.exists(src):
            continue
        for fn in ast.walk(python_source(src)[1]):
            if isinstance(fn, ast.FunctionDef):
                adds = [n for n in ast.walk(fn) if isinstance(n, ast.Call)
                        and isinstance(n.func, ast.Attribute) and n.func.attr == "add_argument"]
                if adds:
                    helpers[fn.name] = adds
    return helpers


def _call_name(node):
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def argparse_spec(path):
    """ArgparseSpec of a Python source, or None when it builds no ArgumentParser."""
    tree = python_source(path)[1]
    calls, parser_kwargs, found = [], {}, False
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    shared = shared_arg_helpers()
    nodes += [a for n in nodes if _call_name(n) in shared for a in shared[_call_name(n)]]
    for node in nodes:
        name = _call_name(node)
        if name == "ArgumentParser":
            found = True
            for k in node.keywords:
                ok, v = _literal(k.value)
                if ok and k.arg in ("allow_abbrev", "add_help", "prefix_chars"):
                    parser_kwargs[k.arg] = v
        elif name == "add_argument":
            args = []
            for a in node.args:
                ok, v = _literal(a)
                if not ok:
                    raise ValueError(f"{path}:{node.lineno}: add_argument with a computed name")
                args.append(v)
            kwargs = {}
            for k in node.keywords:
                ok, v = _literal(k.value)
                if ok:
                    kwargs[k.arg] = v
                elif k.arg in ("action", "nargs") and isinstance(k.value, ast.Attribute):
                    kwargs[k.arg] = k.value.attr
            calls.append((args, kwargs))
        elif name == "add_subparsers":
            raise ValueError(f"{path}:{node.lineno}: subcommands are not read by this check")
    return ArgparseSpec(calls, parser_kwargs) if found else None


class SynopsisSpec:
    """Options and positionals of a usage synopsis: [] optional, {a|b} or <a|b>
    choices, --x=V a value after "=" only, --x V a value after a space, X_Y a
    positional, ... repetition; other words are prose."""

    def __init__(self, synopsis, name):
        self.name = name
        self.options = {}  # option -> (value style: None, "=", " ", "=?"; choices or None)
        self.required = self.max = 0
        self.repeat = False
        depth, prev = 0, None
        toks = synopsis.replace("[", " [ ").replace("]", " ] ").split()
        for i, t in enumerate(toks):
            if t == "[":
                depth += 1
            elif t == "]":
                depth -= 1
            elif t.startswith("-"):
                opt, eq, val = t.partition("=")
                choices = None
                m = re.match(r"^[{<]([^}>]*\|[^}>]*)[}>]$", val)
                if m:
                    choices = m.group(1).split("|")
                if eq:
                    style = "=?" if choices == ["true", "false"] else "="
                elif i + 1 < len(toks) and re.match(r"^[A-Z<{][A-Z0-9_]*", toks[i + 1]):
                    style = " "
                else:
                    style = None
                self.options[opt] = (style, choices)
                prev = "opt" if style == " " else None
                continue
            elif t in ELLIPSIS or t.endswith("..."):
                self.repeat = True
            elif re.match(r"^[A-Z][A-Z0-9_]*$", t):
                if prev == "opt":
                    prev = None
                    continue
                self.max += 1
                if depth == 0:
                    self.required += 1
            prev = None

    def check(self, args, whole, elided):
        errors, n, i = [], 0, 0
        while i < len(args):
            a = args[i]
            i += 1
            if a.startswith("-") and a != "-":
                opt, eq, val = a.partition("=")
                if opt not in self.options:
                    near = difflib.get_close_matches(opt, self.options, 1)
                    errors.append(f"unrecognized option {opt}" +
                                  (f" (did you mean {near[0]}?)" if near else ""))
                    elided = True  # its value, if any, is not a positional
                    continue
                style, choices = self.options[opt]
                if style is None and eq:
                    errors.append(f"{opt} takes no value")
                elif style == "=" and not eq:
                    errors.append(f"{opt} takes its value as {opt}=VALUE")
                elif style == " " and eq:
                    errors.append(f"{opt} takes its value as {opt} VALUE")
                elif style == " ":
                    if i >= len(args):
                        errors.append(f"{opt} needs a value")
                    val = args[i] if i < len(args) else ""
                    i += 1
                if choices and eq and not is_placeholder(val) and val not in choices:
                    errors.append(f"invalid choice {val!r} for {opt} (choose from "
                                  f"{', '.join(choices)})")
            else:
                n += 1
        if n > self.max and not self.repeat and not elided:
            errors.append(f"{n} positional argument(s), {self.name} takes at most {self.max}")
        if whole and not elided and n < self.required:
            errors.append(f"{n} positional argument(s), {self.name} needs {self.required}")
        return errors, []


class RunSpec:
    """./run: a subcommand of its case statement; its options are the ones its
    header comment documents (they are read for spans of options alone only)."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        self.commands = set(re.findall(r"^  ([a-z][a-z|-]*)\)", text, re.M))
        self.commands = {c for x in self.commands for c in x.split("|")}
        header = re.match(r"(?:#.*\n)*", text).group(0)
        self.options = set(re.findall(r"(?<![\w-])--[a-z][\w-]*", header))

    def check(self, args, whole, elided):
        if args and args[0] not in self.commands and not is_placeholder(args[0]):
            return [f"./run has no subcommand {args[0]} ({', '.join(sorted(self.commands))})"], []
        return [], []


class Scripts:
    """Resolves a command word to a script of the tree and its spec."""

    def __init__(self, root, build=None):
        self.root, self.build = root, build
        self._specs, self._resolved, self._grc = {}, {}, {}
        self._gbench = None
        self.notes = []

    def resolve(self, word):
        """(repository path, kind) of a command word, or None."""
        if word not in self._resolved:
            self._resolved[word] = self._resolve(word)
        return self._resolved[word]

    def _resolve(self, word):
        if re.match(r"^(\$\{?PWD\}?/|\./)run$", word):
            return ("run", "run") if os.path.isfile(os.path.join(self.root, "run")) else None
        w = re.sub(r"^(\$\{?PWD\}?/|\./)", "", word)
        while w.startswith("../"):
            w = w[3:]
        root = self.root
        m = re.match(r"^(?:/tmp/)?([\w-]+)\.py$", w)
        if m and os.path.isfile(os.path.join(root, "examples", m.group(1) + ".grc")):
            return "examples/%s.grc" % m.group(1), "grc"
        m = re.match(r"^(?:build[\w-]*/)?bench/([\w-]+)$", w) or re.match(r"^([\w-]+)$", w)
        if m and os.path.isfile(os.path.join(root, "bench", m.group(1) + ".cc")):
            return "bench/%s.cc" % m.group(1), "cc"
        for top in ("bench", "tools", "apps", "python/isac", "examples"):
            rel = w if w.startswith(top + "/") else None
            if "/" not in w:
                rel = f"{top}/{w}"
            if rel and os.path.isfile(os.path.join(root, rel)) and (
                    rel.endswith(".py") or (top == "apps" and rel.startswith("apps/isac_"))):
                return rel, "py"
        return None

    def resolve_grc(self, word):
        """A flowgraph named in prose (examples/X.grc, X.grc, X): the options of the
        script grcc writes for it."""
        m = re.match(r"^(?:examples/)?([\w-]+)(?:\.grc)?$", word)
        if not m:
            return None
        rel = "examples/%s.grc" % m.group(1)
        if rel not in self._grc:
            self._grc[rel] = os.path.isfile(os.path.join(self.root, rel))
        return (rel, "grc") if self._grc[rel] else None

    def spec(self, rel, kind):
        """The spec of a script; ValueError when its arguments cannot be read."""
        if rel not in self._specs:
            try:
                self._specs[rel] = self._make(rel, kind)
            except ValueError as e:
                self._specs[rel] = e
        if isinstance(self._specs[rel], ValueError):
            raise self._specs[rel]
        return self._specs[rel]

    def _make(self, rel, kind):
        path = os.path.join(self.root, rel)
        name = os.path.basename(rel)
        if kind == "run":
            return RunSpec(path)
        if kind == "grc":
            return grc_spec(path)
        if kind == "py":
            spec = argparse_spec(path)
            if spec:
                return spec
        usage = usage_line(path, os.path.splitext(name)[0] if kind == "cc" else name)
        if kind == "cc" and name.startswith("bench_"):
            gb = self.gbench()
            if gb is None:
                return None
            spec = SynopsisSpec(gb + " " + (usage or ""), os.path.splitext(name)[0])
            spec.max, spec.required = (spec.max, spec.required) if usage else (0, 0)
            return spec
        if usage is None:
            raise ValueError(f"{rel}: no argparse parser and no \"usage: {name} ...\" line "
                             "to check its arguments against")
        return SynopsisSpec(usage, os.path.splitext(name)[0] if kind == "cc" else name)

    def gbench(self):
        """The flags of Google Benchmark, from a built benchmark's --help."""
        if self._gbench is None:
            exe = None
            if self.build:
                d = os.path.join(self.build, "bench")
                exe = next((os.path.join(d, n) for n in sorted(os.listdir(d))
                            if n.startswith("bench_") and os.access(os.path.join(d, n), os.X_OK)
                            and os.path.isfile(os.path.join(d, n))), None) if os.path.isdir(d) else None
            if exe is None:
                self.notes.append("no built Google Benchmark in BUILD_DIR/bench: "
                                  "--benchmark_* flags not checked")
                self._gbench = ""
            else:
                p = subprocess.run([exe, "--help"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, timeout=30)
                self._gbench = " ".join(t for t in p.stdout.split() if t.startswith("[--"))
        return self._gbench or None


def usage_line(path, name):
    """The synopsis after "usage: NAME" in a source file (a C string or a docstring)."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = re.sub(r'"\s*\n\s*"', "", fh.read())  # adjacent C string literals joined
    m = re.search(r"usage:\s+(?:\S*/)?%s\b([^\"\n\\]*)" % re.escape(name), text)
    return m.group(1) if m else None


def grc_spec(path):
    """The command-line options of the script grcc writes for a flowgraph: one
    --name-with-dashes VALUE (and -short_id) per enabled, typed parameter block."""
    import yaml
    with open(path, encoding="utf-8") as fh:
        fg = yaml.safe_load(fh)
    opts = []
    for b in fg.get("blocks", []):
        p = b.get("parameters", {})
        if b.get("id") != "parameter" or b.get("states", {}).get("state") == "disabled":
            continue
        if not p.get("type"):
            continue
        opts.append("--%s V" % b["name"].replace("_", "-"))
        if p.get("short_id"):
            opts.append("-%s V" % p["short_id"])
    spec = SynopsisSpec(" ".join("[%s]" % o.replace(" V", " VALUE") for o in opts) + " [-h] [--help]",
                        os.path.basename(path)[:-4] + ".py")
    return spec


# ----------------------------------------------------------------------------
# The commands of a page
# ----------------------------------------------------------------------------
def md_spans(text):
    """(line, text, kind, prose before) of the command candidates of a Markdown
    page: kind "line" for a line of a fenced or indented code block ("\\"
    continuations joined), "code" for an inline code span."""
    out, fence, tag, pending, start, prose = [], None, "", "", 0, []
    indented = False  # in a block of lines indented by 4 spaces after a blank line
    for no, line in enumerate(text.split("\n"), 1):
        m = re.match(r"^\s*(```+|~~~+)\s*([\w+-]*)", line)
        if m and (fence is None or m.group(1).startswith(fence)):
            if fence is None:
                fence, tag = m.group(1), m.group(2).lower()
            else:
                fence = None
            prose.append("")
            continue
        if fence is None:
            prose.append(line)
            indented = line.startswith("    ") and (indented or pending or not prose[-2:-1]
                                                  or not prose[-2].strip())
            if not indented:
                pending = ""
                continue
        elif tag in NOT_SHELL:
            prose.append("")
            continue
        else:
            prose.append("")
        s = line if pending else re.sub(r"^\s*\$ ", "", line)
        if not pending:
            start = no
        if s.rstrip().endswith("\\"):
            pending += s.rstrip()[:-1] + " "
            continue
        out.append((start, pending + s, "line", ""))
        pending = ""
    body = "\n".join(prose)
    for m in re.finditer(r"(?<!`)`([^`]+)`(?!`)", body):
        if "\n\n" in m.group(1):
            continue
        no = body.count("\n", 0, m.start()) + 1
        out.append((no, m.group(1).replace("\\|", "|").replace("\n", " "), "code",
                    body[max(0, m.start() - 80):m.start()]))
    return out


def tokens(command):
    """Shell words of a command, with a|b alternatives of usage notation marked."""
    chars, quote = [], None
    for i, c in enumerate(command):
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif (c == "|" and 0 < i < len(command) - 1 and not command[i - 1].isspace()
              and not command[i + 1].isspace() and command[i + 1] != "|" and command[i - 1] != "|"):
            c = ALT
        chars.append(c)
    lex = shlex.shlex("".join(chars), posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    try:
        return list(lex)
    except ValueError:  # an unbalanced quote: a fragment, not a command
        return None


def segments(words):
    seg = []
    for w in words:
        if w in SEPARATORS:
            yield seg
            seg = []
        else:
            seg.append(w)
    yield seg


def clean_args(args):
    """Drops redirections, unwraps [optional] usage notation, takes a of a|b;
    returns (args, elided)."""
    out, elided, i = [], False, 0
    while i < len(args):
        a = args[i]
        i += 1
        if REDIRECT.fullmatch(a):
            i += 1  # and its target
            continue
        if a.isdigit() and i < len(args) and REDIRECT.fullmatch(args[i]):
            continue  # the file descriptor of a redirection
        if a in ELLIPSIS:
            elided = True
            continue
        a = a.split(ALT)[0]
        while a.startswith("[") and (a.count("[") > a.count("]") or a.find("]") == len(a) - 1):
            a = a[1:]
        while a.endswith("]") and a.count("]") > a.count("["):
            a = a[:-1]
        if a:
            out.append(a)
    return out, elided


def invocations(scripts, command):
    """[(repository path, kind, args, whole)] of the script invocations in a command."""
    words = tokens(command)
    if not words:
        return []
    found = []
    segs = list(segments(words))
    while segs:
        seg = segs.pop(0)
        i, prefixed = 0, False
        while i < len(seg) and ENV.match(seg[i]):
            i, prefixed = i + 1, True
        if i >= len(seg):
            continue
        hit = scripts.resolve(seg[i])
        if hit is None and os.path.basename(seg[i]) in WRAPPERS:
            prefixed = True
            for j in range(i + 1, len(seg)):
                w = seg[j]
                if os.path.basename(w) in WRAPPERS:
                    continue
                if ("/" in w or w.endswith(".py")) and not w.startswith("-"):
                    hit = scripts.resolve(w)
                    if hit:
                        i = j
                        break
        if hit:
            args = seg[i + 1:]
            found.append((hit[0], hit[1], args, prefixed or bool(args)))
            if "--" in args:  # a command the script runs (bench/thread_cpu.py -- CMD): its own
                segs.insert(0, args[args.index("--") + 1:])
    return found


WRAPPER_PROSE = re.compile(r"\b(?:valgrind|callgrind|cachegrind|perf|taskset|heaptrack|gdb|"
                           r"ctest|cmake|grcc|gnuradio-companion|gr_modtool)\b[^.;:]{0,60}$", re.I)


def check_fragment(scripts, named, args):
    """Errors and warnings for a span of options alone (`--draws 6 --distinct`):
    each option must be one that a script the page names accepts."""
    specs = []
    for target, kind in sorted(named):
        try:
            spec = scripts.spec(target, kind)
        except ValueError:
            continue
        if spec is not None and hasattr(spec, "options"):
            specs.append(spec)
    errors, warnings = [], []
    known = sorted({o for sp in specs for o in sp.options})
    for a in args:
        name = a.partition("=")[0]
        if not name.startswith("--") or name in known:
            continue
        full = [o for o in known if o.startswith(name)]
        if len(full) == 1:
            warnings.append(f"{name} is an abbreviation of {full[0]}: spell it out")
        else:
            near = difflib.get_close_matches(name, known, 1)
            errors.append(f"option {name} is accepted by no script this page names" +
                          (f" (did you mean {near[0]}?)" if near else ""))
    return errors, warnings


def named_scripts(scripts, text):
    """The scripts a text names (for spans of options alone)."""
    named = set()
    for w in re.findall(r"[\w./${}-]+", text):
        hit = scripts.resolve(w) or scripts.resolve_grc(w)
        if hit and ("/" in w or "." in w or "_" in w):
            named.add(hit)
    return named


def check_page(scripts, path, rel, report):
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    return check_spans(scripts, md_spans(text), named_scripts(scripts, text), rel, report)


def check_spans(scripts, spans, named, rel, report):
    """Checks the (line, text, kind, prose before) spans of a page or a source's
    own documentation; kind "lead" is a prose line that starts with an option
    ("--pin also runs ..."), whose first word alone is checked."""
    n = 0
    for no, span, kind, before in spans:
        calls = invocations(scripts, span) if kind != "lead" else []
        stripped = span.strip()
        if kind == "line" and report.listing is not None and tokens(stripped) is None:
            report.listing.append(f"{rel}:{no}: (not read: an odd quote): {stripped[:120]}")
        if not calls and kind in ("code", "lead") and stripped.startswith("--"):
            if kind == "code" and WRAPPER_PROSE.search(before):
                continue  # an option of valgrind, perf, ctest ...
            n += 1
            if kind == "lead":
                # not shlex: the apostrophe of "the detector's" would hide the line
                args = [re.match(r"--[A-Za-z][\w-]*", stripped).group(0)]
            else:
                args, _ = clean_args(tokens(stripped) or [])
            if report.listing is not None:
                report.listing.append(f"{rel}:{no}: (options alone): {' '.join(args)}")
            errors, warnings = check_fragment(scripts, named, args)
            for e in errors:
                report.error(f"{rel}:{no}: {e}: {stripped[:160]}")
            for w in warnings:
                report.warning(f"{rel}:{no}: {w}: {stripped[:160]}")
            continue
        for target, k, args, whole in calls:
            args, elided = clean_args(args)
            if kind == "code" and not args and not whole:
                continue  # a mention of the script, not a command
            n += 1
            if report.listing is not None:
                report.listing.append(f"{rel}:{no}: {target}: {' '.join(args)}")
            try:
                spec = scripts.spec(target, k)
            except ValueError as e:
                if args:  # a script run without arguments needs no parser
                    report.error(f"{rel}:{no}: {e}")
                continue
            if spec is None:
                continue
            errors, warnings = spec.check(args, whole, elided)
            if kind == "code" and args and args[-1].startswith("-"):
                # `isac_demo --snr-r-db` names an option in prose: its value is not given
                errors = [e for e in errors if "expected one argument" not in e
                          and "needs a value" not in e and not (
                              "takes its value as" in e and "=" not in args[-1])]
            for e in errors:
                report.error(f"{rel}:{no}: {target}: {e}: {stripped[:160]}")
            for w in warnings:
                report.warning(f"{rel}:{no}: {target}: {w}: {stripped[:160]}")
    return n


class Report:
    def __init__(self, listing=False):
        self.errors, self.warnings = [], []
        self.listing = [] if listing else None

    def error(self, msg):
        self.errors.append(msg)

    def warning(self, msg):
        self.warnings.append(msg)


# Sources whose own documentation (a Python script's docstring, a C/C++ file's
# comments) gives commands: the scripts themselves and their helpers.
SOURCE_DIRS = ("bench", "apps", "tools")
SOURCE_EXTS = (".py", ".cc", ".h")
USAGE = re.compile(r"^\s*usage:\s*", re.I)


def source_doc(path):
    """[(line number, text)] of a source's own documentation: the module
    docstring of a Python script (an app without extension included), the
    comments of a C/C++ file (their // or * prefix dropped); [] for others."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    if path.endswith((".cc", ".h")):
        out = []
        for no, line in enumerate(text.split("\n"), 1):
            m = re.match(r"^\s*(?:/\*+|\*+(?!/)|//+)\s?(.*?)\s*(?:\*/)?$", line)
            if m:
                out.append((no, m.group(1)))
        return out
    if not (path.endswith(".py") or text.startswith("#!") and "python" in text.split("\n")[0]):
        return []
    try:
        text, tree = python_source(path)
    except (ValueError, UnicodeDecodeError):
        return []
    body = tree.body
    if not (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        return []
    # the source lines, not the string's value: a "\" continuation in a non-raw
    # docstring would join two lines and shift the line numbers after it
    node = body[0]
    src = text.split("\n")[node.lineno - 1:node.end_lineno]
    src[-1] = re.sub(r"(?:\"{3}|'{3}|[\"'])\s*$", "", src[-1])
    src[0] = re.sub(r"^\s*[rRuU]?(?:\"{3}|'{3}|[\"'])", "", src[0])
    return [(node.lineno + i, line) for i, line in enumerate(src)]


COMMAND_START = re.compile(r"^(?:\$ |usage:|[A-Za-z_][A-Za-z0-9_]*=|nice |/usr/bin/python3 |"
                           r"python3 |\./|build[\w-]*/)", re.I)


def doc_spans(lines, margin=None):
    """(line, text, kind, prose before) of the command candidates of a source's
    documentation. A command is a line set off from the prose (indented by 2 or
    more beyond the prose's margin) or one that starts as a command does ("$ ",
    "usage:", VAR=, nice, /usr/bin/python3, ./, build/); "\\" continuations are
    joined, a "$ " prompt or "usage:" dropped, and a run of 3 or more spaces
    starts a comment (the "command    what it does" columns). Inline code spans
    are checked everywhere, and a prose line that starts with an option ("--pin
    also runs ...") is kind "lead". The margin is the least indent of the lines
    after the first (a C comment's) unless given (0 for a Python docstring,
    which a command indented under a title alone would otherwise set)."""
    if margin is None:
        indents = [len(t) - len(t.lstrip()) for _, t in lines[1:] if t.strip()]
        margin = min(indents) if indents else 0
    out, pending, start = [], "", 0
    for i, (no, line) in enumerate(lines):
        s = line.strip()
        indent = len(line) - len(line.lstrip()) - (margin if i else 0)
        if not pending:
            start = no
            command = indent >= 2 or bool(COMMAND_START.match(s))
            s = USAGE.sub("", re.sub(r"^\$ ", "", s))
        if s.endswith("\\"):  # "\" or, in a docstring's source, "\\"
            pending += s.rstrip("\\") + " "
            continue
        s, pending = pending + s, ""
        for m in re.finditer(r"(?<!`)`([^`]+)`(?!`)", s):
            out.append((start, m.group(1), "code", s[max(0, m.start() - 80):m.start()]))
        if re.match(r"^--[A-Za-z]", s):
            out.append((start, s, "lead", ""))
        elif command:
            parts = re.split(r"\s{3,}", s)
            while len(parts) > 1 and parts[1].startswith("-"):  # an option, not a comment
                parts[:2] = [parts[0] + " " + parts[1]]
            out.append((start, parts[0], "line", ""))
    return out


HELP_DIRS = ("bench", "apps", "tools")
# module-level calls that may come before the arguments are parsed: import setup,
# or the exit when an import fails
SETUP_CALL = re.compile(r"^(?:sys\.path\.\w+|sys\.exit|matplotlib\.use|\w+\.setdefault|"
                        r"\w+\.add_\w+|\w+\.set_defaults)$")


def check_help(root, path, report):
    """A script of bench/, apps/ or tools/ (a Python file with a #! line) builds
    an ArgumentParser (without one, `X --help` runs the whole benchmark) and
    makes no module-level call before the statement that parses its arguments
    (or the `if __name__ == "__main__"` that does), so `--help` exits before
    any work. A tool may instead be a unittest (unittest.main() answers --help)
    or compare its arguments with "--help" itself."""
    rel = os.path.relpath(path, root)
    top = rel.split(os.sep)[0]
    if top not in HELP_DIRS:
        return
    with open(path, encoding="utf-8", errors="replace") as fh:
        if not ((first := fh.readline()).startswith("#!") and "python" in first):
            return
    try:
        spec = argparse_spec(path)
    except ValueError:
        spec = True  # it has a parser, with arguments this check cannot read
    try:
        text, tree = python_source(path)
    except ValueError:
        return
    if spec is None and top == "tools" and re.search(r"unittest\.main\(\)|[\"']--help[\"']", text):
        return
    if spec is None:
        report.error(f"{rel}:1: a script with no argparse parser: `{rel} --help` runs it "
                     "instead of printing its use")
        return
    lines = text.split("\n")
    for st in tree.body:
        if (isinstance(st, ast.If) and "__name__" in ast.unparse(st.test)) or re.search(
                r"\.parse(?:_known)?_args\(", "\n".join(lines[st.lineno - 1:st.end_lineno])):
            return
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for n in ast.walk(st):
            if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) \
                    and not SETUP_CALL.match(ast.unparse(n.value.func)):
                report.error(f"{rel}:{n.lineno}: `{ast.unparse(n.value.func)}(...)` runs before "
                             f"the arguments are parsed: `{rel} --help` would run it")
                return


OPTION = re.compile(r"(?<![\w-])--[A-Za-z][\w-]*")


def check_source(scripts, root, path, report):
    rel = os.path.relpath(path, root)
    check_help(root, path, report)
    lines = source_doc(path)
    if not lines:
        return 0
    named = named_scripts(scripts, "\n".join(t for _, t in lines))
    me = scripts.resolve(rel) or scripts.resolve(os.path.splitext(rel)[0])
    if me:
        named.add(me)
    python = not path.endswith((".cc", ".h"))
    n = check_spans(scripts, doc_spans(lines, 0 if python else None), named, rel, report)
    if not me or path.endswith(".h"):
        return n  # a helper header documents the options of the drivers that include it
    # every option the script's own documentation mentions, in prose too
    # ("... until --max-growth-mib is reached"), is one that it (or a script it
    # names) accepts; an option already rejected in this file is not repeated
    for no, line in lines:
        for opt in OPTION.findall(line):
            if any(e.startswith(f"{rel}:") and re.search(re.escape(opt) + r"(?![\w-])", e)
                   for e in report.errors):
                continue
            n += 1
            errors, _ = check_fragment(scripts, named, [opt])
            for e in errors:
                report.error(f"{rel}:{no}: {e}: {line.strip()[:160]}")
    return n


def scan(root, build=None, listing=False):
    scripts = Scripts(root, build)
    report = Report(listing)
    n_pages = n = 0
    for f in check_paths.files(root):
        rel = os.path.relpath(f, root)
        if f.endswith(".md"):
            n_pages += 1
            n += check_page(scripts, f, rel, report)
        elif rel.split(os.sep)[0] in SOURCE_DIRS and (
                f.endswith(SOURCE_EXTS) or rel.startswith(os.path.join("apps", "isac_"))):
            n_pages += 1
            n += check_source(scripts, root, f, report)
    return report, scripts.notes, n_pages, n


SELFTEST_FILES = {
    "bench/tool.py": "import argparse\n"
                     "ap = argparse.ArgumentParser()\n"
                     "ap.add_argument('--n-tx', type=int, nargs='+', default=[16])\n"
                     "ap.add_argument('--draws', type=int)\n"
                     "ap.add_argument('--distinct', action='store_true')\n"
                     "ap.add_argument('--distinct-classes', action='store_true')\n"
                     "ap.add_argument('--mode', choices=['a', 'b'])\n"
                     "ap.add_argument('out')\n",
    "bench/plain.py": '"""usage: plain.py [N] [--one-core]"""\n',
    "bench/noargs.py": "import sys\n",
    "bench/drv.cc": '/* A driver.\n *   build/bench/drv --family=F --stream=F 64\n */\n'
                    'const char* u = "usage: drv --family=FILE [--by-value] [N_T [PER_DRAW]]";\n',
    "bench/runs.py": '#!/usr/bin/python3\n"""A benchmark that runs on --help."""\nprint(1)\n',
    "bench/doc.py": '"""A bench whose docstring gives its commands.\n\n'
                    '    PYTHONPATH=build/test_modules /usr/bin/python3 bench/doc.py \\\\\n'
                    '        --offsets -1,2\n    /usr/bin/python3 bench/doc.py --offsets=-1,2 --pin\n'
                    '--pin pins; --bogus also does.\n--bogus is not an option.\n'
                    "--wrong sets the detector's x (one apostrophe).\n"
                    'It stops at --max-growth-mb, in prose.\n'
                    'bench/tool.py compares things (in prose, not a command).\n'
                    'As `bench/tool.py --mode c x` says.\n"""\nimport argparse\n'
                    'ap = argparse.ArgumentParser()\nap.add_argument("--offsets")\n'
                    'ap.add_argument("--pin", action="store_true")\n',
    "bench/cont.py": '"""A continuation in a non-raw docstring: one line of the value.\n\n'
                     '    /usr/bin/python3 bench/cont.py \\\n        --nrx 3   (what it does)\n'
                     '--bogus2 on the line after it.\n"""\nimport argparse\n'
                     'ap = argparse.ArgumentParser()\nap.add_argument("--nr")\n',
    "bench/margin.py": '"""Title.\n\n    bench/margin.py --bogus 3\n"""\nimport argparse\n'
                       'ap = argparse.ArgumentParser()\nap.add_argument("n")\n',
    "bench/late.py": "#!/usr/bin/python3\nimport argparse\nimport time\ntime.sleep(60)\n"
                     "ap = argparse.ArgumentParser()\nap.parse_args()\n",
    "bench/wrap.py": '"""Runs a command.\n\n    bench/wrap.py --period-us 5 -- bench/tool.py x --n-tx 16\n'
                     '    bench/wrap.py --nope -- bench/tool.py x --n-tx 16\n'
                     '    bench/wrap.py -- env A=1 /usr/bin/python3 bench/tool.py x --n-tix 16\n"""\nimport argparse\n'
                     'ap = argparse.ArgumentParser()\nap.add_argument("--period-us")\n'
                     'ap.add_argument("cmd", nargs=argparse.REMAINDER)\n',
    "tools/t.py": "#!/usr/bin/python3\nimport sys\nprint(sys.argv)\n",
    "tools/h.py": '#!/usr/bin/python3\n"""usage: h.py [--help]"""\nimport sys\n'
                  'if sys.argv[1:] == ["--help"]:\n    print(__doc__)\n',
    "apps/isac_app": "#!/usr/bin/python3\n\"\"\"An app.\n\nIt writes to --outdir.\n\"\"\"\n"
                     "import argparse\np = argparse.ArgumentParser()\n"
                     "p.add_argument('--out', required=True)\np.add_argument('--quick', "
                     "action='store_true')\np.parse_args()\n",
    "examples/fg.grc": "blocks:\n- name: dev_args\n  id: parameter\n  parameters: {type: str, "
                       "short_id: d}\n- name: label\n  id: parameter\n  parameters: {type: ''}\n",
    "run": "#   ./run test [--fast]\ncase $1 in\n  build) ;;\n  test|check) ;;\nesac\n",
    "docs/a.md": "```sh\n"
                 "PYTHONPATH=build/test_modules /usr/bin/python3 bench/tool.py --n-tx 16 64 \\\n"
                 "    --draws 6 --distinct /tmp/out.txt   # fine\n"
                 "nice /usr/bin/python3 bench/tool.py --n-tx 16 --seeds 6 x\n"
                 "/usr/bin/python3 bench/tool.py --n-tx 16 --mode c x && ./run tset\n"
                 "build/bench/drv --family /tmp/f.txt 64 && build/bench/drv --family=F 64|16 [per_draw]\n"
                 "build/bench/drv --family=F 1 2 3 | md5sum\n"
                 "build/bench/drv --family=F 1 2 > /tmp/x 2>&1\n"
                 "/usr/bin/python3 /tmp/fg.py --dev-args x -d y --label z\n"
                 "```\n"
                 "```text\nbench/tool.py --bogus\n```\n"
                 "Run `apps/isac_app --out DIR [--quick]` or `isac_app --quick`; `bench/tool.py` "
                 "alone is a mention and `bench/tool.py ... --distinct` elides.\n"
                 "Then `bench/plain.py 10 --one-core --two-cores`, `bench/noargs.py --x`,\n"
                 "and `bench/tool.py --dist x` | `bench/tool.py --distinct-c x`.\n\n"
                 "With `bench/tool.py x`, `--draws 3 --pin` pins.\n"
                 "`bench/tool.py -h` prints its help; `bench/tool.py --nope x` is checked after it.\n",
}
SELFTEST_HITS = [
    "docs/a.md:4: bench/tool.py: unrecognized option --seeds",
    "docs/a.md:5: bench/tool.py: invalid choice 'c' for mode",
    "docs/a.md:5: run: ./run has no subcommand tset",
    "docs/a.md:6: bench/drv.cc: --family takes its value as --family=VALUE",
    "docs/a.md:7: bench/drv.cc: 3 positional argument(s), drv takes at most 2",
    "docs/a.md:9: examples/fg.grc: unrecognized option --label",
    "docs/a.md:14: apps/isac_app: the following arguments are required: --out",
    "docs/a.md:15: bench/plain.py: unrecognized option --two-cores",
    "docs/a.md:15: bench/noargs.py: no argparse parser and no \"usage: noargs.py ...\" line",
    "docs/a.md:16: bench/tool.py: ambiguous option --dist",
    "docs/a.md:18: option --pin is accepted by no script this page names",
    "docs/a.md:19: bench/tool.py: unrecognized option --nope",
    "bench/drv.cc:2: bench/drv.cc: unrecognized option --stream",
    "bench/doc.py:3: bench/doc.py: argument --offsets: expected one argument",
    "bench/doc.py:7: option --bogus is accepted by no script this page names",
    "bench/doc.py:8: option --wrong is accepted by no script this page names",
    "bench/doc.py:9: option --max-growth-mb is accepted by no script this page names",
    "bench/doc.py:11: bench/tool.py: invalid choice 'c' for mode",
    "bench/cont.py:3: bench/cont.py: unrecognized option --nrx",
    "bench/cont.py:5: option --bogus2 is accepted by no script this page names",
    "bench/margin.py:3: bench/margin.py: unrecognized option --bogus",
    "bench/late.py:4: `time.sleep(...)` runs before the arguments are parsed",
    "bench/wrap.py:4: bench/wrap.py: unrecognized option --nope",
    "bench/wrap.py:5: bench/tool.py: unrecognized option --n-tix",
    "tools/t.py:1: a script with no argparse parser",
    "apps/isac_app:4: option --outdir is accepted by no script this page names",
    "bench/runs.py:1: a script with no argparse parser",
]
SELFTEST_WARNINGS = ["docs/a.md:16: bench/tool.py: --distinct-c is an abbreviation of "
                     "--distinct-classes"]


def selftest():
    report, _, _, _ = check_paths.scan_scratch_tree(SELFTEST_FILES, scan, "check_commands_")
    ok = True
    for got, want in ((report.errors, SELFTEST_HITS), (report.warnings, SELFTEST_WARNINGS)):
        got = sorted(got)
        ok = ok and len(got) == len(want) and all(
            any(h.startswith(e) for h in got) for e in want)
        print("\n".join(got))
    print("selftest " + ("passed" if ok else "FAILED, expected:\n" + "\n".join(
        SELFTEST_HITS + SELFTEST_WARNINGS)))
    return 0 if ok else 1


def main():
    if sys.argv[1:] == ["--selftest"]:
        return selftest()
    argv = [a for a in sys.argv[1:] if a != "--list"]
    root = os.path.abspath(argv[0] if argv else ".")
    build = os.path.abspath(argv[1]) if len(argv) > 1 else None
    report, notes, n_pages, n = scan(root, build, len(argv) < len(sys.argv) - 1)
    if report.listing:
        print("\n".join(report.listing))
    for note in notes:
        print("note: " + note)
    if report.warnings:
        print("Warnings (the command runs, but write it out):")
        print("\n".join(report.warnings))
    if report.errors:
        print("Commands in the docs that their script would reject (correct the doc, or the "
              "script if it lost an option by mistake):")
        print("\n".join(report.errors))
        print(f"{len(report.errors)} rejected command(s)")
        return 1
    print(f"{n} script invocations in {n_pages} Markdown pages and sources, all accepted "
          f"({len(report.warnings)} warning(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
