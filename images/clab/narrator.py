"""Terminal narration for the lab demo (images/clab/demo.py): numbered step headers, indented text, command
output blocks, small tables, and the pause for reading between steps.

Narrator(pause) writes to stdout only (flushed per line, colours only on a terminal and without NO_COLOR).
No I/O besides printing and the pause's sleep; single-threaded.
"""
import os
import sys
import time


class Narrator:
    def __init__(self, pause):
        self.pause_s = pause
        self.color = sys.stdout.isatty() and os.environ.get("NO_COLOR") is None
        self.step_no = 0

    def _c(self, code, text):
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def out(self, text=""):
        print(text, flush=True)

    def title(self, text):
        self.out(self._c("1", text))

    def step(self, title):
        self.step_no += 1
        self.out()
        self.out(self._c("1;36", f"== Step {self.step_no}: {title}"))

    def say(self, text):
        self.out(f"   {text}")

    def ok(self, text):
        self.out(self._c("32", f"   ok: {text}"))

    def fail(self, text):
        self.out(self._c("1;31", text))

    def log_line(self, text):
        self.out(self._c("35", f"   log | {text}"))

    def block(self, title, text):
        self.out(self._c("33", f"   {title}"))
        for line in (text.rstrip() or "(empty)").splitlines():
            self.out(f"      {line}")

    def table(self, header, rows):
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
        fmt = "      " + "  ".join(f"{{:<{w}}}" for w in widths)
        self.out(self._c("33", fmt.format(*header).rstrip()))
        for row in rows:
            self.out(fmt.format(*map(str, row)).rstrip())

    def pause(self, factor=1.0):
        if self.pause_s > 0:
            time.sleep(self.pause_s * factor)
