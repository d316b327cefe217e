"""A Debian 13 (trixie) root with FRR 10.x installed, for running the lab's leaf FRR as a newer release than
the host's (Debian 12 ships 8.4). FRR goes in with apt inside the root, not with debootstrap's --include=frr:
bookworm's debootstrap fails on it (a systemd pre-dependency comes in through logrotate/cron).

`ensure_root()` builds the root once and caches it under CACHE (default /var/cache/anycastd-lab):

    debootstrap --variant=minbase trixie ROOT MIRROR     (MIRROR: the Debian mirror the host's apt uses)
    chroot ROOT apt-get install frr                      (usr/sbin/policy-rc.d exits 101: no daemon starts)
    remove apt caches and lists, docs, man pages, locales

It builds into ROOT.build and renames that to ROOT when done, then writes ROOT.stamp holding the FRR package
version; a root without its stamp (a build that was interrupted) is removed and built again. An exclusive
flock on ROOT.lock serialises parallel callers: the first builds, the others wait and then use its result.

The generic parts serve other cached roots too (images/container/build_image.py builds the virtual switch's
bookworm root with them): `host_mirror()`, `build_debian_root(build, suite, packages, log)` and
`ensure_cached_root(root, build_fn, marker, log)` (the lock, stamp and rename described above).

The root is only ever used read-only by the lab (fabric.py runs the daemons from it inside a private mount
namespace, with tmpfs over the directories FRR writes). Errors: FrrRootError (a LabError) naming the step
that failed and its output. Run as a script to build the root and print its path and FRR version.
"""
import fcntl
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from util import LabError  # noqa: E402

CACHE = Path(os.environ.get("LAB_CACHE") or "/var/cache/anycastd-lab")
SUITE = "trixie"
PACKAGE = "frr"
# What the root does not need at run time (bytes only): documentation, manuals, translations, apt's caches.
TRIM = ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian",
        "var/cache/apt", "var/lib/apt/lists", "var/cache/debconf/templates.dat-old", "var/log")
DEBOOTSTRAP_TIMEOUT = 900
APT_TIMEOUT = 900


class FrrRootError(LabError):
    """The FRR root could not be built (the message says which step and why)."""


@dataclass(frozen=True)
class FrrRoot:
    path: Path       # the root directory
    version: str     # the frr package version, e.g. "10.3.1-1"

    @property
    def release(self):
        """Major.minor of FRR, e.g. "10.3"."""
        m = re.match(r"(?:\d+:)?(\d+\.\d+)", self.version)
        return m.group(1) if m else self.version

    def ids(self, name="frr"):
        """(uid, gid) of user and group `name` inside the root (they differ from the host's)."""
        uid = _lookup(self.path / "etc/passwd", name)
        gid = _lookup(self.path / "etc/group", name)
        return uid, gid


def _lookup(path, name):
    for line in path.read_text().splitlines():
        fields = line.split(":")
        if len(fields) > 2 and fields[0] == name:
            return int(fields[2])
    raise FrrRootError(f"no '{name}' in {path}")


def _run(step, cmd, timeout, env=None):
    try:
        p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout,
                           env=env, stdin=subprocess.DEVNULL)
    except FileNotFoundError as exc:
        raise FrrRootError(f"{step}: {exc} (tests/install-deps.sh installs debootstrap)") from exc
    except subprocess.TimeoutExpired as exc:
        raise FrrRootError(f"{step}: no result within {timeout}s: {' '.join(map(str, cmd))}") from exc
    if p.returncode != 0:
        tail = (p.stdout + p.stderr).strip()[-3000:]
        raise FrrRootError(f"{step}: {' '.join(map(str, cmd))} exited {p.returncode}:\n{tail}")
    return p.stdout


# ---- the host's Debian mirror ---------------------------------------------------------------------------

def _host_codename():
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return None


def _apt_sources():
    """(uri, suites, components) of every enabled deb source in apt's configuration, in apt's order."""
    conf = {}
    for line in _run("reading apt's configuration", ["apt-config", "dump"], 20).splitlines():
        m = re.match(r'^(\S+) "(.*)";$', line)
        if m:
            conf[m.group(1)] = m.group(2)
    etc = Path(conf.get("Dir", "/")) / conf.get("Dir::Etc", "etc/apt")
    main = etc / conf.get("Dir::Etc::sourcelist", "sources.list")
    parts = etc / conf.get("Dir::Etc::sourceparts", "sources.list.d")
    files = [main] + (sorted(parts.glob("*.list")) + sorted(parts.glob("*.sources")) if parts.is_dir() else [])
    out = []
    for f in files:
        if not f.is_file():
            continue
        text = f.read_text(errors="replace")
        if f.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields, key = {}, None
                for line in stanza.splitlines():
                    if line.startswith("#") or not line.strip():
                        continue
                    if line[0].isspace() and key:
                        fields[key] += " " + line.strip()
                        continue
                    key, _, value = line.partition(":")
                    key = key.strip().lower()
                    fields[key] = value.strip()
                if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
                    continue
                for uri in fields.get("uris", "").split():
                    out.append((uri, fields.get("suites", "").split(), fields.get("components", "").split()))
        else:
            for line in text.splitlines():
                line = line.split("#", 1)[0].strip()
                words = re.sub(r"\[[^]]*\]", "", line).split()
                if len(words) >= 3 and words[0] == "deb":
                    out.append((words[1], [words[2]], words[3:]))
    return out


def host_mirror():
    """The URI of the Debian archive the host's apt uses: the source carrying the host's own release (e.g.
    bookworm) with component main. The same mirror serves trixie."""
    codename = _host_codename()
    sources = _apt_sources()
    for uri, suites, components in sources:
        if codename in suites and "main" in components:
            return uri.rstrip("/")
    raise FrrRootError(f"no Debian mirror for '{codename}' (component main) in apt's sources: {sources}")


# ---- building ------------------------------------------------------------------------------------------

def _mounted_under(path):
    prefix = str(path).rstrip("/") + "/"
    with open("/proc/self/mounts") as f:
        return [line.split()[1] for line in f if (line.split()[1] + "/").startswith(prefix)]


def remove_root(path):
    """Removes a root directory; refuses (FrrRootError) while anything is mounted below it."""
    if not path.exists():
        return
    mounts = _mounted_under(path)
    if mounts:
        raise FrrRootError(f"cannot remove {path}: mounts below it in the host's namespace: {mounts}")
    shutil.rmtree(path)


def _chroot_env():
    env = {k: v for k, v in os.environ.items() if k.lower().endswith("_proxy")}
    env.update(PATH="/usr/sbin:/usr/bin:/sbin:/bin", DEBIAN_FRONTEND="noninteractive", LC_ALL="C")
    return env


def in_root(step, root, script, timeout):
    """Runs a shell script chrooted into root inside a private mount namespace with /proc mounted (nothing of
    it is visible in, or left in, the host's namespace)."""
    return _run(step, ["unshare", "--mount", "--propagation", "private", "sh", "-ec",
                       f'mount -t proc proc "{root}/proc"; exec chroot "{root}" sh -ec \'{script}\''],
                timeout, env=_chroot_env())


def build_debian_root(build, suite, packages, log, trim=TRIM):
    """debootstraps a minimal Debian `suite` into build from the host's mirror, installs `packages` with apt
    inside it (usr/sbin/policy-rc.d exits 101, so no package starts a daemon; no recommends), and trims what
    `trim` names. Raises FrrRootError naming the step that failed."""
    mirror = host_mirror()
    log(f"root: debootstrap {suite} into {build} from {mirror} (once; takes about a minute)")
    _run("debootstrap", ["debootstrap", "--variant=minbase", suite, build, mirror], DEBOOTSTRAP_TIMEOUT,
         env={**_chroot_env(), "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")})
    policy = build / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\n# the lab's roots: packages never start daemons\nexit 101\n")
    policy.chmod(0o755)
    shutil.copyfile("/etc/resolv.conf", build / "etc/resolv.conf")
    (build / "etc/apt/apt.conf.d/90anycastd-lab").write_text(
        'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n')
    log(f"root: apt-get install {' '.join(packages)} inside the root")
    in_root(f"installing {' '.join(packages)} in the root", build,
             f"apt-get update -qq && apt-get install -y -qq {' '.join(packages)} && apt-get clean", APT_TIMEOUT)
    for rel in trim:
        target = build / rel
        if target.is_dir():
            shutil.rmtree(target)
            target.mkdir(mode=0o755)
    (build / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
    (build / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)


def package_version(root, package):
    """The installed version of package inside root."""
    return _run(f"reading the {package} version", ["chroot", root, "dpkg-query", "-W", "-f", "${Version}",
                                                    package], 60).strip()


def _build(build, log):
    t0 = time.monotonic()
    build_debian_root(build, SUITE, [PACKAGE], log)
    if not (build / "usr/lib/frr/zebra").exists():
        raise FrrRootError(f"installing frr in {build} left no usr/lib/frr/zebra")
    version = package_version(build, PACKAGE)
    log(f"frr root: frr {version} ready in {time.monotonic() - t0:.0f}s")
    return version


def ensure_cached_root(root, build_fn, marker, log):
    """Returns the stamp text of the cached root at `root`, building it first with build_fn(build_dir) ->
    stamp text when it is missing or incomplete (no ROOT.stamp, or no `marker` file inside). Builds into
    ROOT.build and renames it when done; an exclusive flock on ROOT.lock serialises parallel callers (the
    first builds, the others wait and use its result)."""
    root = Path(root)
    stamp = root.with_name(root.name + ".stamp")
    build = root.with_name(root.name + ".build")
    if os.geteuid() != 0:
        raise FrrRootError("building a cached root needs root (debootstrap, chroot)")
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.with_name(root.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held until the root is complete; parallel callers wait here
        if stamp.exists() and (root / marker).exists():
            return stamp.read_text().strip()
        stamp.unlink(missing_ok=True)
        remove_root(build)
        remove_root(root)
        try:
            text = build_fn(build)
        except BaseException:
            try:
                remove_root(build)
            except FrrRootError:
                pass
            raise
        build.rename(root)
        stamp.write_text(text + "\n")
        return text


def ensure_root(path=None, log=None):
    """Returns the FrrRoot at path (default CACHE/frr-trixie), building it first if it is missing or was
    left incomplete. Raises FrrRootError when it cannot be built."""
    root = Path(path or CACHE / f"frr-{SUITE}")
    log = log or (lambda msg: print(msg, file=sys.stderr))
    version = ensure_cached_root(root, lambda build: _build(build, log), "usr/lib/frr/zebra", log)
    return FrrRoot(root, version)


if __name__ == "__main__":
    try:
        r = ensure_root()
    except FrrRootError as exc:
        print(f"frr_root: {exc}", file=sys.stderr)
        sys.exit(1)
    print(f"{r.path} frr {r.version}")
