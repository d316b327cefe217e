"""Fixtures of the integration tests: one namespace fabric (tests/fabric/fabric.py) per test module, reset before
and after every test (anycastd killed, its routes and nexthop objects removed, every server serving again,
the spine holding no VIP), so tests share the fabric's start-up cost but not their state.

FRR releases: the leaf runs FRR 8.4 (the host's) or FRR 10.3 (from a Debian 13 root that tests/fabric/frr_root.py
builds once and caches). Every test that uses the fabric runs against 8.4; a test marked
`@pytest.mark.all_frr` runs against every release in FRR_RELEASES (ids `frr8.4`, `frr10.3`). The module-scoped
fabric is parametrized per test (pytest_generate_tests), so pytest builds one fabric per module and release and
runs each release's tests together.

Sanitizers: when anycastd (or anycastctl) is built with -fsanitize=address,undefined (`make sanitize` runs
this suite with ANYCASTD=build-asan/anycastd), every report it prints goes to a file in SANITIZER_DIR
(ASAN_OPTIONS/UBSAN_OPTIONS log_path, set here for every process the tests start), and a test after which a
new report file appeared fails with the report. Unsanitized binaries ignore these variables.

A test is skipped only when it cannot run at all: not root, no anycastd binary (ANYCASTD, default
build/anycastd), or an FRR root that cannot be built (the skip says why). Everything else that goes wrong is
a failure.

Diagnostic knobs (the suite as run by `make test` sets neither, so it tests anycastd's defaults and the FRR
configuration the README documents):
- ANYCASTD_KERNEL_EXTRA: fields added to every test config's `dataplane { kernel { ... } }`, e.g.
  "nexthop_id_base: 6291456" to run the scenarios with another nexthop ID range;
- LAB_ZEBRA_EXTRA: lines added to the leaf's zebra.conf, separated by ';', e.g.
  "no zebra nexthop kernel enable";
- LAB_FRR: FRR releases, separated by ',', to run *every* fabric test against (ignoring `all_frr`), e.g.
  "10.3" to run the whole suite against FRR 10.3 only.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fabric"))
import fabric as lab  # noqa: E402
import frr_root  # noqa: E402
import util  # noqa: E402
from helpers import ANYCASTCTL  # noqa: E402

ANYCASTD = Path(os.environ.get("ANYCASTD") or lab.REPO / "build" / "anycastd").resolve()
FRR_RELEASES = lab.FRR_RELEASES
DEFAULT_FRR = "8.4"

SANITIZER_DIR = Path(tempfile.mkdtemp(prefix="anycastd-sanitizer-"))
for _var, _opts in (("ASAN_OPTIONS", f"log_path={SANITIZER_DIR}/asan:detect_leaks=1"),
                    ("UBSAN_OPTIONS", f"log_path={SANITIZER_DIR}/ubsan:print_stacktrace=1:halt_on_error=1")):
    os.environ[_var] = ":".join(filter(None, (os.environ.get(_var), _opts)))


def pytest_configure(config):
    config.addinivalue_line("markers", "all_frr: run the test against every FRR release in FRR_RELEASES")
    # One run of the fabric at a time on a machine (tests/fabric/util.py): a second `make test`, a soak or a
    # benchmark waits here instead of loading the machine into timeouts.
    util.hold_fabric_lock(lambda msg: print(msg, file=sys.stderr, flush=True))


def pytest_generate_tests(metafunc):
    """Gives every test that uses the fabric the FRR release(s) it runs against."""
    if "lab_fabric" not in metafunc.fixturenames:
        return
    forced = [r.strip() for r in os.environ.get("LAB_FRR", "").split(",") if r.strip()]
    for r in forced:
        if r not in FRR_RELEASES:
            raise pytest.UsageError(f"LAB_FRR: unknown FRR release {r!r} (known: {', '.join(FRR_RELEASES)})")
    if forced:
        releases = forced
    elif metafunc.definition.get_closest_marker("all_frr"):
        releases = list(FRR_RELEASES)
    else:
        releases = [DEFAULT_FRR]
    metafunc.parametrize("lab_fabric", releases, indirect=True, scope="module", ids=lambda r: f"frr{r}")


def require_root():
    if os.geteuid() != 0:
        pytest.skip("integration tests need root (network namespaces, FRR, kernel routes)")


@pytest.fixture(scope="session")
def deb():
    """Path of the package `make deb` builds from the tested binary's build directory (test_packaging,
    test_systemd_sandbox)."""
    require_root()
    require_anycastd()
    build = ANYCASTD.parent
    for cmd in (["make", "-s", "-C", str(lab.REPO), f"BUILD={build}", "deb"], ["dpkg", "--print-architecture"]):
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    arch = p.stdout.strip()
    debs = sorted(build.glob(f"anycastd_*_{arch}.deb"), key=lambda d: d.stat().st_mtime)
    assert debs, f"make deb left no anycastd_*_{arch}.deb in {build}"
    return debs[-1]


def require_anycastd():
    if not os.access(ANYCASTD, os.X_OK):
        pytest.skip(f"no anycastd binary at {ANYCASTD} (build it with `make`)")


def pytest_sessionfinish(session, exitstatus):
    """Keeps SANITIZER_DIR only when it holds reports."""
    if any(SANITIZER_DIR.iterdir()):
        print(f"\nsanitizer reports kept in {SANITIZER_DIR}")
    else:
        shutil.rmtree(SANITIZER_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def sanitizer_reports():
    """Fails the test when a sanitized process it ran reported an error (checked after every other fixture of
    the test has finished, so an anycastd stopped by the fabric's reset is included)."""
    before = set(SANITIZER_DIR.iterdir())
    yield
    new = sorted(set(SANITIZER_DIR.iterdir()) - before)
    if new:
        text = "\n".join(f"---- {p}\n{p.read_text(errors='replace')[-6000:]}" for p in new)
        pytest.fail(f"sanitizer report(s) from a process of this test:\n{text}", pytrace=False)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(scope="module")
def lab_fabric(request):
    """The module's fabric for one FRR release (request.param; built once, removed at the end of that
    release's tests, also on failure or Ctrl-C)."""
    require_root()
    frr = getattr(request, "param", DEFAULT_FRR)
    if frr != "8.4":
        try:
            frr_root.ensure_root(log=print)
        except frr_root.FrrRootError as exc:
            pytest.skip(f"no FRR {frr} root: {exc}")
    zebra_extra = [line.strip() for line in os.environ.get("LAB_ZEBRA_EXTRA", "").split(";") if line.strip()]
    # A test module sets LAB_ZEBRA_CONF to lines its leaf's zebra.conf needs (after the fabric's own).
    zebra_extra = list(getattr(request.module, "LAB_ZEBRA_CONF", ())) + zebra_extra
    mode = getattr(request.module, "LAB_MODE", "kernel")  # a test module sets LAB_MODE = "zebra"
    # A test module sets LAB_ZEBRA_NHG_KEEP = None to run against FRR's default `zebra nexthop-group keep`.
    nhg_keep = getattr(request.module, "LAB_ZEBRA_NHG_KEEP", 1)
    with lab.Fabric(anycastd=ANYCASTD, kernel_extra=os.environ.get("ANYCASTD_KERNEL_EXTRA", ""),
                    zebra_extra=zebra_extra, zebra_nhg_keep=nhg_keep, log=print, frr=frr, mode=mode) as fab:
        yield fab


def _report_state(fab, request):
    """After a failed test: print what anycastd logged and what the kernel and the spine held."""
    rep = getattr(request.node, "rep_call", None)
    if rep is None or not rep.failed:
        return
    print(f"---- anycastd log ({fab.anycastd_log_path}) ----")
    print(fab.anycastd_log()[-6000:])
    zlog = fab.frr_dir / "zebra.log"
    if zlog.exists():
        print(f"---- zebra log ({zlog}), last lines ----")
        print("\n".join(zlog.read_text(errors="replace").splitlines()[-15:]))
    for what, fn in (("kernel routes proto 200", lambda: fab.kernel_routes()),
                     ("nexthops proto 200", lambda: fab.nexthops(200)),
                     ("spine ipv4", lambda: sorted(fab.spine_rib(4))),
                     ("spine ipv6", lambda: sorted(fab.spine_rib(6)))):
        try:
            print(f"---- {what}: {fn()}")
        except Exception as exc:
            print(f"---- {what}: could not read: {exc}")


@pytest.fixture
def fabric(request, lab_fabric):
    """The module's fabric in a clean state, for a test that runs anycastd."""
    require_root()
    require_anycastd()
    fab = lab_fabric
    fab.reset()
    yield fab
    _report_state(fab, request)
    fab.reset()


@pytest.fixture
def bare_fabric(lab_fabric):
    """The module's fabric in a clean state, for a test of the lab itself (no anycastd needed)."""
    fab = lab_fabric
    fab.reset()
    yield fab
    fab.reset()


@pytest.fixture
def anycastd_binary():
    require_anycastd()
    return ANYCASTD


@pytest.fixture
def ctl(fabric):
    """Runs anycastctl against the fabric's anycastd: ctl("show", "vips") returns the CompletedProcess and
    fails the test on a non-zero exit unless check=False; as_user=(uid, gid) runs it as that user."""
    if not os.access(ANYCASTCTL, os.X_OK):
        pytest.skip(f"no anycastctl binary at {ANYCASTCTL} (build it with `make`)")

    def call(*args, check=True, as_user=None):
        cmd = [str(ANYCASTCTL), "--socket", str(fabric.control_socket), *args]
        if as_user:
            cmd = ["setpriv", f"--reuid={as_user[0]}", f"--regid={as_user[1]}", "--clear-groups", *cmd]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {p.returncode}: {p.stderr}{p.stdout}")
        return p
    return call
