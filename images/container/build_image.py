#!/usr/bin/python3
"""Builds the virtual switch image `anycastd-switch:latest` without a registry (the offline twin of
images/container/Dockerfile; both produce the same image):

    1. the base root, built once and cached (tests/fabric/frr_root.py's helpers: host mirror, lock, stamp):
         debootstrap --variant=minbase bookworm  +  apt-get install <packages.txt>   (policy-rc.d exits 101)
       in /var/cache/anycastd-lab/switch-bookworm (~2 min cold, ~300 MB);
    2. a copy of it (the stage) gets anycastd: `dpkg -i build/anycastd_*.deb` if such a package exists, else
       `make install DESTDIR=<stage> PREFIX=/usr` (anycastd and anycastctl); the init (switch_init.py -> /usr/sbin/anycastd-switch-init)
       and the lab servers' web server (tests/fabric/http_server.py -> /usr/sbin/anycastd-lab-http);
    3. `tar -C <stage> -c . | docker import` with CMD the init and a label holding a hash of the inputs
       (base stamp, the anycastd package or the anycastd and anycastctl binaries, init); an image whose
       label matches is kept (no re-import). STAGE.lock serialises builders.

The docker engine is started if none runs (images/clab/docker_engine.py) and stopped again at the end if this
script started it. Errors: a one-line reason on stderr and exit status 1. --force re-imports regardless.
"""
import argparse
import fcntl
import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "fabric"))
sys.path.insert(0, str(REPO / "images" / "clab"))
import frr_root  # noqa: E402
from util import LabError, run  # noqa: E402
import docker_engine  # noqa: E402

IMAGE = "anycastd-switch:latest"
SUITE = "bookworm"
BASE = frr_root.CACHE / f"switch-{SUITE}"
STAGE = frr_root.CACHE / "switch-image.stage"
INIT = HERE / "switch_init.py"
INIT_PATH = "usr/sbin/anycastd-switch-init"
HTTP = REPO / "tests" / "fabric" / "http_server.py"  # the lab servers' web server (no name lookups)
HTTP_PATH = "usr/sbin/anycastd-lab-http"
LABEL = "org.anycastd.inputs"
IMPORT_TIMEOUT = 600


def packages():
    lines = (HERE / "packages.txt").read_text().splitlines()
    return [w for w in lines if w.strip() and not w.startswith("#")]


def ensure_base(log):
    """The cached bookworm root with packages.txt installed; returns its stamp (frr version + package list)."""
    pkgs = packages()

    def build(path):
        frr_root.build_debian_root(path, SUITE, pkgs, log)
        return f"frr {frr_root.package_version(path, 'frr')} packages {' '.join(pkgs)}"
    stamp = frr_root.ensure_cached_root(BASE, build, "usr/lib/frr/zebra", log)
    if not stamp.endswith(" ".join(pkgs)):  # packages.txt changed since the base was built
        log("switch root: packages.txt changed; building the base again")
        BASE.with_name(BASE.name + ".stamp").unlink()
        stamp = frr_root.ensure_cached_root(BASE, build, "usr/lib/frr/zebra", log)
    return stamp


def anycastd_deb():
    debs = sorted((REPO / "build").glob("anycastd_*.deb"))
    return debs[-1] if debs else None


def inputs_hash(stamp):
    h = hashlib.sha256(stamp.encode())
    deb = anycastd_deb()
    binaries = [deb] if deb else [REPO / "build" / "anycastd", REPO / "build" / "anycastctl"]
    for f in [b for b in binaries if b.exists()] + [INIT, HTTP]:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def image_label():
    p = run([docker_engine.docker(), "image", "inspect", "-f", f'{{{{index .Config.Labels "{LABEL}"}}}}', IMAGE],
            check=False)
    return p.stdout.strip() if p.returncode == 0 else None


def stage_image(log):
    """Copies the base to STAGE and installs anycastd and the init into it."""
    frr_root.remove_root(STAGE)
    run(["cp", "-a", BASE, STAGE], timeout=300)
    deb = anycastd_deb()
    if deb:
        log(f"switch image: dpkg -i {deb.name}")
        shutil.copy(deb, STAGE / "tmp" / deb.name)
        # Dependencies missing from packages.txt are fetched from the mirror (apt's lists are trimmed).
        frr_root.in_root("installing the anycastd package", STAGE,
                          f"dpkg -i /tmp/{deb.name} || (apt-get update -qq && apt-get install -f -y -qq); "
                          "dpkg -s anycastd >/dev/null; apt-get clean; rm -rf /var/lib/apt/lists/*; "
                          "mkdir -p /var/lib/apt/lists/partial", 600)
        (STAGE / "tmp" / deb.name).unlink()
    else:
        log("switch image: make install DESTDIR=<stage> PREFIX=/usr")
        run(["make", "-C", REPO, "--no-print-directory", "install", f"DESTDIR={STAGE}", "PREFIX=/usr"],
            timeout=900)
    for src, dst in ((INIT, INIT_PATH), (HTTP, HTTP_PATH)):
        shutil.copy(src, STAGE / dst)
        (STAGE / dst).chmod(0o755)
    for binary in ("/usr/sbin/anycastd", "/usr/bin/anycastctl"):
        if not (STAGE / binary.lstrip("/")).exists():
            raise LabError(f"the image has no {binary} (build it first: make all)")
        missing = run(["chroot", STAGE, "ldd", binary]).stdout
        if "not found" in missing:
            raise LabError(f"{binary} in the image misses libraries (add them to packages.txt):\n{missing}")


def image_id():
    p = run([docker_engine.docker(), "image", "inspect", "-f", "{{.Id}}", IMAGE], check=False)
    return p.stdout.strip() if p.returncode == 0 else None


def import_image(digest, log):
    """Imports STAGE as IMAGE and removes the image it replaces (unless a container still uses it)."""
    log(f"switch image: docker import -> {IMAGE}")
    old = image_id()
    tar = subprocess.Popen(["tar", "-C", str(STAGE), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
    imp = subprocess.run([docker_engine.docker(), "import",
                          "--change", f'CMD ["/{INIT_PATH}"]',
                          "--change", f"LABEL {LABEL}={digest}",
                          "-", IMAGE], stdin=tar.stdout, capture_output=True, text=True, timeout=IMPORT_TIMEOUT)
    tar.stdout.close()
    if tar.wait() != 0 or imp.returncode != 0:
        raise LabError(f"docker import failed: tar {tar.returncode}, import {imp.returncode}: {imp.stderr}")
    if old and old != image_id():
        run([docker_engine.docker(), "rmi", old], check=False)


def ensure_image(log=print, force=False):
    """Builds IMAGE unless an image with the same inputs exists. The engine must be running."""
    t0 = time.monotonic()
    if not anycastd_deb():  # the binary make install would use, up to date before it is hashed
        run(["make", "-C", REPO, "--no-print-directory", "all"], timeout=1800)
    stamp = ensure_base(log)
    with open(STAGE.with_name(STAGE.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one stage at a time (make lab-test and make demo may run together)
        digest = inputs_hash(stamp)
        if not force and image_label() == digest:
            log(f"switch image: {IMAGE} is up to date ({digest})")
            return
        try:
            stage_image(log)
            import_image(digest, log)
        finally:
            frr_root.remove_root(STAGE)
    log(f"switch image: {IMAGE} built in {time.monotonic() - t0:.0f}s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--force", action="store_true", help="import even if the image is up to date")
    args = parser.parse_args()
    try:
        docker_engine.acquire("build-image")
        ensure_image(force=args.force)
    except LabError as exc:
        print(f"build_image: {exc}", file=sys.stderr)
        return 1
    finally:
        docker_engine.release("build-image")
    return 0


if __name__ == "__main__":
    sys.exit(main())
