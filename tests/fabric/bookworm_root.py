"""A clean Debian 12 (bookworm) minbase root for installing the anycastd package into, built once and cached
beside the FRR root (tests/fabric/frr_root.py, whose mirror-reading and build helpers it reuses):

    debootstrap --variant=minbase bookworm ROOT MIRROR   (MIRROR: the Debian mirror the host's apt uses)
    chroot ROOT apt-get install RUNTIME_LIBS             (the package's dependencies, so that installing
                                                          the package later needs no download)

A second flavour, `ensure_systemd_root()` (CACHE/systemd-bookworm), adds SYSTEMD_PACKAGES: systemd as init,
FRR and the sandbox test's servers, for booting in systemd-nspawn (tests/integration/test_systemd_sandbox.py).

apt's lists stay in the root, so `apt-get install ./anycastd_*.deb` inside it resolves the dependencies
offline. Like frr_root, it builds into ROOT.build, renames it when done, writes ROOT.stamp, and serialises
parallel callers with a flock on ROOT.lock. The cached root is never changed: `overlay_script()` runs a
script in a chroot of an overlay (cached root below, a caller's directory on top) inside a private mount
namespace, so every mount disappears with the command, whatever happens. Errors: FrrRootError (a LabError)
naming the step that failed.
"""
import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import frr_root  # noqa: E402
from frr_root import FrrRootError  # noqa: E402

SUITE = "bookworm"
# What anycastd links against on Debian 12 (images/deb/build-deb.sh's static list).
RUNTIME_LIBS = ("libnl-3-200", "libnl-route-3-200", "libprotobuf32", "libevent-core-2.1-7", "libstdc++6",
                "libgcc-s1", "libssl3")
# A root that boots: systemd as PID 1 (in systemd-nspawn), FRR's zebra under frr.service, and what the
# sandbox test's servers need (python3's http.server, openssl s_server, dnsmasq). tests/integration/
# test_systemd_sandbox.py boots it.
SYSTEMD_PACKAGES = RUNTIME_LIBS + ("systemd", "systemd-sysv", "dbus", "frr", "iproute2", "procps", "python3",
                                   "openssl", "dnsmasq-base", "adduser")


def _stamp_version(packages):
    return "1 " + " ".join(packages)  # a root built for another list is rebuilt


def _build(build, log, packages):
    mirror = frr_root.host_mirror()
    log(f"bookworm root: debootstrap {SUITE} into {build} from {mirror} (once; takes a minute or two)")
    t0 = time.monotonic()
    frr_root._run("debootstrap", ["debootstrap", "--variant=minbase", SUITE, build, mirror],
                  frr_root.DEBOOTSTRAP_TIMEOUT,
                  env={**frr_root._chroot_env(), "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")})
    policy = build / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\n# anycastd's packaging tests: packages never start daemons\nexit 101\n")
    policy.chmod(0o755)
    (build / "etc/apt/apt.conf.d/90anycastd-test").write_text(
        'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n')
    frr_root.in_root("installing anycastd's dependencies in the root", build,
                      f"apt-get update -qq && apt-get install -y -qq {' '.join(packages)} && apt-get clean",
                      frr_root.APT_TIMEOUT)
    log(f"bookworm root: ready in {time.monotonic() - t0:.0f}s")


def ensure_root(path=None, log=None, packages=RUNTIME_LIBS, name=f"debian-{SUITE}"):
    """Returns the path of the cached bookworm root (CACHE/name) with `packages` installed, building it first
    if missing, incomplete or built for another package list."""
    root = Path(path or frr_root.CACHE / name)
    stamp_version = _stamp_version(packages)
    log = log or (lambda msg: print(msg, file=sys.stderr))
    stamp = root.with_name(root.name + ".stamp")
    build = root.with_name(root.name + ".build")
    if os.geteuid() != 0:
        raise FrrRootError("building the bookworm root needs root (debootstrap, chroot)")
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.with_name(root.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text().strip() == stamp_version and (root / "usr/bin/apt-get").exists():
            return root
        stamp.unlink(missing_ok=True)
        frr_root.remove_root(build)
        frr_root.remove_root(root)
        try:
            _build(build, log, packages)
        except BaseException:
            try:
                frr_root.remove_root(build)
            except FrrRootError:
                pass
            raise
        build.rename(root)
        stamp.write_text(stamp_version + "\n")
        return root


def overlay_script(root, work, script, binds=(), timeout=300):
    """Runs `script` (sh -e) chrooted into an overlay of `root` (read-only below) and work/upper (the
    changes, kept between calls with the same `work`), with /proc mounted, all in a private mount namespace.
    binds: (host_dir, dir_in_root) pairs bind-mounted read-only. Returns the CompletedProcess (text)."""
    work = Path(work)
    for d in ("upper", "ovl-work", "merged"):
        (work / d).mkdir(parents=True, exist_ok=True)
    m = work / "merged"
    setup = [f'mount -t overlay overlay -o "lowerdir={root},upperdir={work}/upper,workdir={work}/ovl-work" "{m}"',
             f'mount -t proc proc "{m}/proc"']
    for host, inside in binds:
        setup += [f'mkdir -p "{m}{inside}"', f'mount --bind "{host}" "{m}{inside}"',
                  f'mount -o remount,bind,ro "{m}{inside}"']
    outer = "; ".join(setup) + f'; exec chroot "{m}" sh -ec "$0"'
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-ec", outer, script],
                          capture_output=True, text=True, timeout=timeout, env=frr_root._chroot_env(),
                          stdin=subprocess.DEVNULL)


def ensure_systemd_root(log=None):
    """The cached bookworm root that boots with systemd (SYSTEMD_PACKAGES)."""
    return ensure_root(log=log, packages=SYSTEMD_PACKAGES, name=f"systemd-{SUITE}")


if __name__ == "__main__":
    try:
        print(ensure_root())
    except FrrRootError as exc:
        print(f"bookworm_root: {exc}", file=sys.stderr)
        sys.exit(1)
