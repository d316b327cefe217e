"""Shared parts of the benchmarks: percentiles, the results table (printed and written to build/bench/ as text
and JSON), the machine description, and a stream of the spine's BGP updates with arrival times.

Results: a Results object collects rows (benchmark, case, tool, metric, value, unit, n, note) from one thread
and owns the output files; each benchmark adds its rows, run.py prints and writes them. SpineUpdates owns one `gobgp monitor` process
(stopped by PID) whose lines a background thread collects; everything else runs on the caller's thread.
Nothing here starts namespaces or daemons: the fabric (tests/fabric/fabric.py) owns those.
"""
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[0] / "fabric"))
from watcher import _LineStream  # noqa: E402

REPO = HERE.parents[1]


def percentile(values, p):
    """The p-th percentile (nearest rank) of values; None when empty."""
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def median(values):
    return statistics.median(values) if values else None


def machine():
    """A one-line description of this machine: CPU model, cores, memory, kernel."""
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    load = os.getloadavg()[0]
    return (f"{model}, {os.cpu_count()} cores, {mem} MiB, Linux {platform.release()}, "
            f"load {load:.2f} at start")


class Results:
    def __init__(self):
        self.rows = []
        self.started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        self.machine = machine()

    def add(self, bench, case, tool, metric, value, unit, n=None, note=""):
        self.rows.append(dict(bench=bench, case=case, tool=tool, metric=metric, value=value, unit=unit, n=n,
                              note=note))
        print(f"  {bench} | {case} | {tool} | {metric} = {fmt(value)} {unit}" + (f" (n={n})" if n else "") +
              (f"  {note}" if note else ""), flush=True)

    def table(self):
        head = ("benchmark", "case", "tool", "metric", "value", "unit", "n", "note")
        rows = [head] + [(r["bench"], r["case"], r["tool"], r["metric"], fmt(r["value"]), r["unit"],
                          "" if r["n"] is None else str(r["n"]), r["note"]) for r in self.rows]
        widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
        lines = []
        for j, row in enumerate(rows):
            lines.append("  ".join(c.ljust(w) if i != 4 else c.rjust(w) for i, (c, w) in
                                   enumerate(zip(row, widths))) + ("  " + row[-1] if row[-1] else ""))
            if j == 0:
                lines.append("-" * len(lines[0]))
        return "\n".join(lines)

    def write(self, outdir):
        outdir = Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        text = f"anycastd benchmarks, {self.started}\nmachine: {self.machine}\n\n{self.table()}\n"
        (outdir / "results.txt").write_text(text)
        (outdir / "results.json").write_text(json.dumps(
            {"started": self.started, "machine": self.machine, "rows": self.rows}, indent=1) + "\n")
        return text


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        if abs(v) >= 100:
            return f"{v:.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.2f}" if abs(v) >= 0.1 else f"{v:.3g}"
    return str(v)


class SpineUpdates:
    """`gobgp monitor global rib -a ipv4 -j` on the fabric's spine; every line is kept with its arrival time
    (time.monotonic()). Owns the gobgp process (stopped by PID in stop())."""

    def __init__(self, fab):
        self.stream = _LineStream(["gobgp", f"--target=unix://{fab.gobgp_sock}", "monitor", "global", "rib",
                                   "--current", "-a", "ipv4", "-j"])

    def withdrawn_at(self, prefix, since):
        """The arrival time of the first withdrawal of prefix after `since`, or None."""
        for t, line in list(self.stream.lines):
            if t < since or f'"{prefix}"' not in line:
                continue
            try:
                paths = json.loads(line)
            except ValueError:
                continue
            for p in paths if isinstance(paths, list) else []:
                if p.get("nlri", {}).get("prefix") == prefix and p.get("withdrawal"):
                    return t
        return None

    def trim(self):
        del self.stream.lines[:]

    def stop(self):
        self.stream.stop()
