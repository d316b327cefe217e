#!/usr/bin/python3
"""Runs anycastd's benchmarks (issue 7) and prints one table; writes it to OUTDIR/results.txt and
OUTDIR/results.json (default build/bench). `make bench` runs them all; `--only NAME[,NAME]` picks some
(failover, scale, program, flows), `--quick` cuts the repetitions (a smoke run, figures not meant to be
quoted).

Every benchmark builds its own namespace fabric (tests/fabric/fabric.py), which removes its namespaces and the
processes it started (by PID) on any exit: the end, a failure, Ctrl-C or SIGTERM. Needs root.
"""
import argparse
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "fabric"))

from benchlib import REPO, Results  # noqa: E402
import util  # noqa: E402

BENCHES = ("failover", "scale", "program", "flows")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(BENCHES), help="comma-separated subset of " + ", ".join(BENCHES))
    ap.add_argument("--quick", action="store_true", help="few repetitions (smoke run)")
    ap.add_argument("--outdir", default=str(REPO / "build" / "bench"))
    ap.add_argument("--anycastd", default=str(REPO / "build" / "anycastd"))
    args = ap.parse_args()
    util.hold_fabric_lock()  # figures taken beside a test run would be the load's, not anycastd's
    only = [b.strip() for b in args.only.split(",") if b.strip()]
    for b in only:
        if b not in BENCHES:
            ap.error(f"unknown benchmark {b!r} (known: {', '.join(BENCHES)})")
    if os.geteuid() != 0:
        ap.error("the benchmarks need root (network namespaces, FRR, kernel routes)")
    os.environ["ANYCASTD"] = args.anycastd
    results = Results()
    print(f"machine: {results.machine}", flush=True)
    failed = []
    for b in only:
        t0 = time.monotonic()
        print(f"== {b}", flush=True)
        try:
            if b == "failover":
                import bench_failover
                bench_failover.run(results, quick=args.quick)
            elif b == "scale":
                import bench_scale
                bench_scale.run(results, quick=args.quick, outdir=Path(args.outdir))
            elif b == "program":
                import bench_program
                bench_program.run(results, quick=args.quick)
            elif b == "flows":
                import bench_flows
                bench_flows.run(results, quick=args.quick)
        except KeyboardInterrupt:
            print("interrupted; the fabric has been removed", flush=True)
            failed.append(b)
            break
        except Exception:
            traceback.print_exc()
            failed.append(b)
            results.add(b, "all", "-", "FAILED", None, "", note="see the traceback above")
        print(f"== {b}: {time.monotonic() - t0:.0f} s", flush=True)
    text = results.write(args.outdir)
    print("\n" + text)
    print(f"written to {args.outdir}/results.txt and results.json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
