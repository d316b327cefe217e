#!/usr/bin/python3
"""Checks that the project's includes run one way, from the top of the program down to its vocabulary.

A layer is a folder; each may include itself and the layers listed for it, nothing else (README, "Layout").
Only the project's own includes ("folder/file.h") are checked, system headers are not. Prints one line per
include that crosses a layer the wrong way (FILE:LINE: ...) and exits 1 if there is any.

    lib/              the vocabulary and OS helpers: nothing of the project
    proto/            generated from the .proto files: nothing
    netlink/          lib
    platform/         the Dataplane interface and Route: lib, netlink
    platform/kernel/  kernel mode: the above; never platform/zebra
    platform/zebra/   zebra mode: the above; never platform/kernel
    agent/config/     lib, proto, platform (the back-ends own their config structs and rules)
    agent/core/       pure decisions: lib, platform, agent/config
    agent/probes/     lib, agent/config, agent/core
    agent/            the Agent shell: the above, never control, metrics or main
    agent/control/    the control socket: the Agent and below
    agent/metrics/    Prometheus: the Agent and below
    agent/ctl/        anycastctl: lib, proto, agent/config (check-config) and agent/control (the framing)
    agent/main.cpp    everything
    tests/            everything; nothing outside tests/ includes tests/

Usage: tests/check-layers.py [ROOT]   (default: the source tree this script is in)
"""
import os
import re
import sys

PLATFORM = {"lib", "netlink", "platform"}
BELOW_AGENT = {"lib", "proto", "platform", "platform/kernel", "platform/zebra", "agent/config", "agent/core",
               "agent/probes"}
ALLOWED = {
    "lib": set(),
    "netlink": {"lib"},
    "platform": {"lib", "netlink"},
    "platform/kernel": PLATFORM,
    "platform/zebra": PLATFORM,
    "agent/config": {"lib", "proto", "platform", "platform/kernel", "platform/zebra"},
    "agent/core": {"lib", "platform", "agent/config"},
    "agent/probes": {"lib", "agent/config", "agent/core"},
    "agent": BELOW_AGENT,
    "agent/control": BELOW_AGENT | {"agent"},
    "agent/metrics": BELOW_AGENT | {"agent"},
    "agent/ctl": {"lib", "proto", "agent/config", "agent/control"},
    "agent/main.cpp": BELOW_AGENT | {"agent", "agent/control", "agent/metrics"},
}
SOURCE_DIRS = ("lib", "netlink", "platform", "agent", "tests")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(path):
    """The layer of a source file (relative path), or None for a file outside every layer."""
    if path == "agent/main.cpp":
        return path
    if path.startswith("tests/"):
        return "tests"
    folder = os.path.dirname(path)
    return folder if folder in ALLOWED else None


def target_layer(include):
    folder = os.path.dirname(include)
    if folder.startswith("tests/") or folder == "tests":
        return "tests"
    return folder


def check(root):
    problems = []
    files = 0
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in ("corpus", "__pycache__"))
            for name in sorted(filenames):
                if not name.endswith((".h", ".cpp", ".cc")):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                layer = layer_of(rel)
                if layer is None:
                    problems.append(f"{rel}:1: in no layer: add its folder to tests/check-layers.py and the "
                                    "README's Layout")
                    continue
                files += 1
                with open(os.path.join(root, rel), encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = target_layer(m.group(1))
                        if layer == "tests" or target == os.path.dirname(rel):
                            continue
                        if target == "tests":
                            problems.append(f"{rel}:{number}: includes {m.group(1)}: only tests include tests/")
                        elif target not in ALLOWED[layer]:
                            allowed = ", ".join(sorted(ALLOWED[layer])) or "nothing of the project"
                            problems.append(f"{rel}:{number}: includes {m.group(1)} ({target}/); "
                                            f"{layer} may include {allowed}")
    return files, problems


def self_test():
    """The rule catches what it must: a tree with one include per kind of crossing, and one that is fine."""
    import tempfile
    cases = {
        "lib/a.h": '#include "agent/agent.h"\n',                           # the bottom includes the top
        "netlink/b.cpp": '#include "platform/route.h"\n',                  # upwards
        "platform/zebra/c.cpp": '#include "platform/kernel/d.h"\n',        # one back-end, the other
        "agent/core/e.h": '#include "agent/probes/prober.h"\n',            # core depends on probes
        "agent/f.cpp": '#include "agent/control/control_server.h"\n',      # the shell, a layer above it
        "agent/probes/g.cpp": '#include "tests/unit/loop_pump.h"\n',       # product code, tests
        "agent/metrics/h.cpp": '#include "agent/agent.h"\n#include "lib/log.h"\n',  # fine
    }
    with tempfile.TemporaryDirectory() as root:
        for rel, text in cases.items():
            os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
                f.write(text)
        _, problems = check(root)
    caught = sorted(p.split(":")[0] for p in problems)
    want = sorted(k for k in cases if k != "agent/metrics/h.cpp")
    if caught != want:
        print(f"check-layers: self-test failed: flagged {caught}, expected {want}")
        return False
    return True


def main():
    if not self_test():
        return 1
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files, problems = check(root)
    for p in problems:
        print(p)
    print(f"check-layers: {files} files, {len(problems)} includes crossing a layer the wrong way")
    return 1 if problems or files == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
