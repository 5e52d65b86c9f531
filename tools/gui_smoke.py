#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""GUI smoke test of a QT example: compiles examples/<name>.grc with grcc against
this tree's block files, runs it as a user would (`python3 <name>.py`) on Qt's
offscreen platform for a few seconds, moves every QT GUI Range/Chooser control
once half-way, stops it (as the generated SIGTERM handler does: stop, wait,
quit) and fails on a Python traceback, an early exit or a non-zero status.

usage: gui_smoke.py EXAMPLE.grc [SECONDS [PARAM=VALUE ...]]

PARAM=VALUE pairs set flowgraph parameters (e.g. radio=emulated), as the
generated script's command-line options would.

The controls are moved from inside the process: the generated script is
imported (not modified) and its top block class driven like main() does.
"""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))

DRIVER = r'''
import importlib.util, signal, sys, threading, traceback
from PyQt5 import Qt
name, path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
kwargs = dict(a.split("=", 1) for a in sys.argv[4:])
spec = importlib.util.spec_from_file_location(name, path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
qapp = Qt.QApplication(sys.argv[:1])
tb = getattr(mod, name)(**kwargs)
if hasattr(mod, "snippets_main_after_init"):
    mod.snippets_main_after_init(tb)
tb.start()
tb.show()
failed = []

def move_controls():
    # every QT GUI control: its setter is what a slider or a combo box calls
    for ctl, value in CONTROLS:
        try:
            getattr(tb, "set_" + ctl)(value)
        except Exception:
            failed.append(traceback.format_exc())
    print("moved %d controls" % len(CONTROLS), flush=True)

def stop(*_):
    tb.stop()
    tb.wait()
    qapp.quit()

# the run is timed from here, once the flowgraph streams (start-up on a loaded
# machine does not eat into it); SIGTERM stops it the way the generated script does
signal.signal(signal.SIGTERM, stop)
timer = Qt.QTimer()
timer.start(200)
timer.timeout.connect(lambda: None)  # lets Python handle SIGTERM
Qt.QTimer.singleShot(int(1000 * seconds / 2), move_controls)
Qt.QTimer.singleShot(int(1000 * seconds), stop)
qapp.exec_()
if failed:
    print("".join(failed), file=sys.stderr)
    sys.exit(3)
print("stopped cleanly", flush=True)
'''


def controls(grc_path):
    """(variable, a different valid value) for every QT GUI Range and Chooser."""
    import yaml
    with open(grc_path) as f:
        doc = yaml.safe_load(f)
    out = []
    for b in doc["blocks"]:
        p = b["parameters"]
        if b["id"] == "variable_qtgui_range":
            lo, hi = float(p["start"]), float(p["stop"])
            v = float(p["value"])
            out.append((b["name"], lo + 0.3 * (hi - lo) if abs(v - (lo + 0.3 * (hi - lo))) > 1e-9 else hi))
        elif b["id"] == "variable_qtgui_chooser":
            opts = [p["option%d" % i] for i in range(int(p["num_opts"]))]
            others = [o for o in opts if o != p["value"]]
            out.append((b["name"], others[0] if others else opts[0]))
    return out


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    grc = os.path.abspath(argv[0])
    seconds = float(argv[1]) if len(argv) > 1 else 5.0
    params = argv[2:]
    name = os.path.splitext(os.path.basename(grc))[0]
    from gnuradio import gr
    env = dict(os.environ, GRC_BLOCKS_PATH=os.path.join(REPO, "grc"),
               GR_CONF_GRC_GLOBAL_BLOCKS_PATH=os.path.join(gr.prefix(), "share", "gnuradio", "grc", "blocks"),
               QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=tempfile.mkdtemp(prefix="isac_xdg_"))
    out = tempfile.mkdtemp(prefix="isac_gui_")
    subprocess.run(["grcc", "-o", out, grc], check=True, env=env, stdout=subprocess.DEVNULL)
    driver = os.path.join(out, "drive.py")
    with open(driver, "w") as f:
        f.write("CONTROLS = %r\n" % (controls(grc),) + DRIVER)
    p = subprocess.Popen([sys.executable, driver, name, os.path.join(out, name + ".py"), str(seconds)] + params,
                         env=env,
                         cwd=out, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    try:
        stdout, stderr = p.communicate(timeout=seconds + 90)
    except subprocess.TimeoutExpired:
        p.terminate()
        try:
            stdout, stderr = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            stdout, stderr = p.communicate()
        print("did not stop by itself within %g s" % (seconds + 90))
        return 1
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    bad = []
    if time.time() - t0 < seconds:
        bad.append("exited before %g s (status %s)" % (seconds, p.returncode))
    if p.returncode != 0:
        bad.append("exit status %s" % p.returncode)
    if "Traceback" in stderr:
        bad.append("a Python traceback on stderr")
    if "stopped cleanly" not in stdout or "moved" not in stdout:
        bad.append("did not run its controls and stop cleanly")
    for b in bad:
        print("FAIL:", b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
