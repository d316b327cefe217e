"""The Debian package from `make deb` (images/deb/) and the systemd unit (images/systemd/anycastd.service):

- its contents: paths, modes, root ownership, conffiles, Depends/Recommends, stripped binaries;
- lintian reports no error;
- `systemd-analyze verify` accepts the unit as packaged (with the packaged binary at /usr/sbin/anycastd,
  bind-mounted there in a private mount namespace, since verify checks that ExecStart exists);
- installed with apt into a clean Debian 12 minbase root (tests/fabric/bookworm_root.py: cached, used through
  an overlay in a private mount namespace) it puts its files in place, enables the unit without starting
  it, and `anycastd --version` and `--check-config` of the shipped config run there; `dpkg --purge` then
  leaves the root's file list as it was before the install.

The package is built from the binary the suite tests (ANYCASTD, default build/anycastd: its directory is
make's BUILD). Everything is removed at the end (temp dirs; mounts die with their namespace).
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fabric"))
import bookworm_root  # noqa: E402
from frr_root import FrrRootError  # noqa: E402

from conftest import ANYCASTD, require_root  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
UNIT = "lib/systemd/system/anycastd.service"
WITHDRAW_UNIT = "lib/systemd/system/anycastd-withdraw.service"
EXPECTED_FILES = {  # path -> mode
    "usr/sbin/anycastd": "-rwxr-xr-x",
    "etc/anycastd/anycastd.conf": "-rw-r--r--",
    "etc/iproute2/rt_protos.d/anycastd.conf": "-rw-r--r--",
    UNIT: "-rw-r--r--",
    WITHDRAW_UNIT: "-rw-r--r--",
    "usr/share/doc/anycastd/copyright": "-rw-r--r--",
    "usr/share/doc/anycastd/changelog.Debian.gz": "-rw-r--r--",
    "usr/share/doc/anycastd/README.md.gz": "-rw-r--r--",
    "usr/share/doc/anycastd/examples/anycastd.conf": "-rw-r--r--",
    "usr/share/doc/anycastd/examples/anycastd-zebra.conf": "-rw-r--r--",
}
CONFFILES = {"/etc/anycastd/anycastd.conf", "/etc/iproute2/rt_protos.d/anycastd.conf"}
# Left or changed by apt and dpkg themselves in the root, not by the package.
# etc/shadow- and etc/gshadow-: the backups useradd/userdel (shadow) write of the user database whenever they
# change it (the exec checks' user, created by postinst and removed by the purge); not files of the package.
NOT_COMPARED = ("proc/", "var/lib/dpkg/", "var/lib/apt/", "var/cache/", "var/log/", "tmp/", "run/",
                "root/", "var/lib/systemd/deb-systemd-helper-enabled/", "var/lib/systemd/deb-systemd-helper-masked/",
                "etc/shadow-", "etc/gshadow-")


def run(cmd, **kw):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert p.returncode == 0, f"{' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p.stdout


@pytest.fixture(scope="module")
def unpacked(deb):
    with tempfile.TemporaryDirectory(prefix="anycastd-deb-") as d:
        run(["dpkg-deb", "-x", deb, d])
        yield Path(d)


def test_contents_modes_and_ownership(deb):
    listing = {}
    for line in run(["dpkg-deb", "-c", deb]).splitlines():
        mode, owner, _size, _date, _time, path = line.split(None, 5)
        listing[path.removeprefix("./").split(" -> ")[0]] = (mode, owner)
    for path, mode in EXPECTED_FILES.items():
        assert path in listing, f"{path} missing from the package; it has {sorted(listing)}"
        assert listing[path][0] == mode, f"{path}: mode {listing[path][0]}, expected {mode}"
    assert {owner for _, owner in listing.values()} == {"root/root"}, listing
    for path, (mode, _) in listing.items():
        if path.endswith("/"):
            assert mode == "drwxr-xr-x", f"directory {path} has mode {mode}"
    ctl = (REPO / "agent/ctl/anycastctl.bash").exists()
    assert ("usr/share/bash-completion/completions/anycastctl" in listing) == ctl
    assert ("usr/bin/anycastctl" in listing) == (ANYCASTD.parent / "anycastctl").exists()


def test_control_conffiles_and_depends(deb):
    fields = {}
    for line in run(["dpkg-deb", "-f", deb]).splitlines():
        if not line.startswith(" ") and ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    assert fields["Package"] == "anycastd"
    assert fields["Architecture"] == run(["dpkg", "--print-architecture"]).strip()
    depends = {d.split()[0] for d in fields["Depends"].split(",")}
    for lib in ("libc6", "libstdc++6", "libnl-3-200", "libprotobuf32", "libevent-core-2.1-7"):
        assert lib in depends, f"Depends lacks {lib}: {fields['Depends']}"
    assert fields.get("Recommends") == "frr"
    with tempfile.TemporaryDirectory(prefix="anycastd-ctrl-") as d:
        run(["dpkg-deb", "-e", deb, d])
        assert set(Path(d, "conffiles").read_text().split()) == CONFFILES
        for script in ("postinst", "prerm", "postrm"):
            assert os.stat(Path(d, script)).st_mode & 0o777 == 0o755, script


def test_binaries_are_stripped(unpacked):
    sections = run(["readelf", "-S", "-W", unpacked / "usr/sbin/anycastd"])
    assert ".symtab" not in sections and ".debug_info" not in sections, "usr/sbin/anycastd is not stripped"


def test_lintian_reports_no_errors(deb):
    if not shutil.which("lintian"):
        pytest.skip("lintian is not installed (tests/install-deps.sh installs it)")
    p = subprocess.run(["lintian", "--allow-root", "--no-tag-display-limit", str(deb)], capture_output=True,
                       text=True, timeout=300)
    tags = [line for line in p.stdout.splitlines() if line[:2] in ("E:", "W:", "I:")]
    print("lintian:\n" + "\n".join(tags))
    errors = [t for t in tags if t.startswith("E:")]
    assert not errors, f"lintian errors:\n" + "\n".join(errors) + f"\n{p.stderr}"


def test_unit_verifies_with_the_packaged_binary(unpacked):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    unit = unpacked / UNIT
    withdraw = unpacked / WITHDRAW_UNIT
    p = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-ec",
                        f'mount --bind "{unpacked}/usr/sbin" /usr/sbin; '
                        f'systemd-analyze verify "{unit}" "{withdraw}"'],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and not p.stderr.strip(), f"systemd-analyze verify:\n{p.stdout}{p.stderr}"
    text = unit.read_text()
    for line in ("Type=notify", "NotifyAccess=main", "WatchdogSec=30s", "Restart=on-failure",
                 "ExecReload=/bin/kill -HUP $MAINPID", "ProtectSystem=strict", "NoNewPrivileges=yes",
                 "ExecStart=/usr/sbin/anycastd --config /etc/anycastd/anycastd.conf",
                 "OnFailure=anycastd-withdraw.service"):
        assert line in text.splitlines(), f"the unit lacks {line!r}"
    # Not ExecStopPost=: it would withdraw before every automatic restart and on --keep-routes stops.
    assert not any(line.startswith("ExecStopPost=") for line in text.splitlines())
    withdraw_text = withdraw.read_text().splitlines()
    for line in ("Type=oneshot", "Before=anycastd.service",
                 "ExecStart=/usr/sbin/anycastd --config /etc/anycastd/anycastd.conf --withdraw-all"):
        assert line in withdraw_text, f"the withdraw unit lacks {line!r}"
    assert not any(line.startswith("[Install]") for line in withdraw_text), "the withdraw unit is static"


def file_list(root, work, tag):
    """Every path in the overlay root (type and target for links), but apt's and dpkg's own records."""
    p = bookworm_root.overlay_script(root, work, "find / -xdev \\( -path /proc -prune \\) -o -printf '%y %P %l\\n'")
    assert p.returncode == 0, f"listing the root {tag}: {p.stderr}"
    return {line for line in p.stdout.splitlines() if not line[2:].startswith(NOT_COMPARED)}


def test_install_and_purge_in_a_clean_bookworm_root(deb):
    try:
        root = bookworm_root.ensure_root()
    except FrrRootError as exc:
        pytest.fail(f"cannot build the bookworm root: {exc}")
    with tempfile.TemporaryDirectory(prefix="anycastd-install-") as work, \
            tempfile.TemporaryDirectory(prefix="anycastd-debdir-") as debdir:
        shutil.copy(deb, debdir)
        binds = [(debdir, "/mnt")]  # /mnt exists (empty) in the root: nothing to create
        before = file_list(root, work, "before the install")

        p = bookworm_root.overlay_script(root, work, f"apt-get install -y -q /mnt/{deb.name}", binds=binds)
        assert p.returncode == 0, f"apt-get install of the package failed:\n{p.stdout}\n{p.stderr}"
        check = bookworm_root.overlay_script(root, work, " && ".join([
            "dpkg-query -W -f '${Status}\\n' anycastd",
            *(f"test -e /{path}" for path in EXPECTED_FILES),
            "readlink /etc/systemd/system/multi-user.target.wants/anycastd.service",
            "anycastd --version",
            "anycastd --config /etc/anycastd/anycastd.conf --check-config",
            "getent passwd anycastd-check",
        ]))
        assert check.returncode == 0, f"the installed package does not work:\n{check.stdout}\n{check.stderr}"
        out = check.stdout.splitlines()
        assert out[0] == "install ok installed", out
        assert out[1] == "/lib/systemd/system/anycastd.service", f"unit not enabled: {out}"
        assert out[2].startswith("anycastd "), out
        assert ": OK (" in out[3], out
        # The exec checks' unprivileged system user: no home, no login shell.
        user = out[4].split(":")
        assert user[0] == "anycastd-check" and int(user[2]) < 1000, out
        assert user[5] == "/nonexistent" and user[6] == "/usr/sbin/nologin", out

        p = bookworm_root.overlay_script(root, work, "dpkg --purge anycastd")
        assert p.returncode == 0, f"dpkg --purge failed:\n{p.stdout}\n{p.stderr}"
        p = bookworm_root.overlay_script(root, work, "getent passwd anycastd-check; getent group anycastd-check")
        assert p.stdout == "", f"the purge left the exec checks' user: {p.stdout}"
        after = file_list(root, work, "after the purge")
        assert after == before, ("the purge left or removed paths:\n  left: " + "\n  left: ".join(
            sorted(after - before)) + "\n  removed: " + "\n  removed: ".join(sorted(before - after)))


# A systemctl that answers as systemd would for a unit in the state written in /opt/stubs/state, and records
# every call: the bookworm root has no systemd to run (the unit's sandbox is checked by systemd-analyze above).
SYSTEMCTL_STUB = r"""#!/bin/sh
echo "systemctl $*" >> /opt/stubs/calls
case "$*" in
  *"show --property=ExecStart --value anycastd.service")
    echo "{ path=/usr/sbin/anycastd ; argv[]=/usr/sbin/anycastd --config /etc/anycastd/anycastd.conf ; ignore_errors=no }";;
  *"is-active anycastd.service")
    state=$(cat /opt/stubs/state); case "$*" in *--quiet*) ;; *) echo "$state";; esac
    [ "$state" = active ];;
  *"kill --kill-who=main --signal=SIGUSR2 anycastd.service") echo inactive > /opt/stubs/state;;
esac
exit 0
"""
INVOKE_STUB = "#!/bin/sh\necho \"deb-systemd-invoke $*\" >> /opt/stubs/calls\n"


def test_upgrade_restarts_keeping_routes_only_if_the_new_version_accepts_the_config(deb):
    """An upgrade over a running (or still starting) agent: postinst checks the config with the new binary
    first; if it passes, the old agent is told to exit keeping its routes (SIGUSR2) and the new one started;
    if the new binary refuses the config, nothing is restarted (the old agent keeps checking its servers) and
    postinst says why. Real dpkg and packages in the bookworm root; systemctl is a recording stand-in."""
    try:
        root = bookworm_root.ensure_root()
    except FrrRootError as exc:
        pytest.fail(f"cannot build the bookworm root: {exc}")
    build = ANYCASTD.parent
    with tempfile.TemporaryDirectory(prefix="anycastd-upgrade-") as work, \
            tempfile.TemporaryDirectory(prefix="anycastd-debdir-") as debdir:
        old = Path(debdir) / "anycastd_0.0.1-1.deb"
        run(["make", "-s", "-C", REPO, f"BUILD={build}", "DEB_VERSION=0.0.1-1", "deb"], timeout=600)
        arch = run(["dpkg", "--print-architecture"]).strip()
        shutil.move(build / f"anycastd_0.0.1-1_{arch}.deb", old)  # never taken for the package under test
        shutil.copy(deb, Path(debdir) / "new.deb")
        binds = [(debdir, "/mnt")]
        stubs = (f"mkdir -p /opt/stubs /run/systemd/system && printf '%s' '{SYSTEMCTL_STUB}' > /opt/stubs/systemctl"
                 f" && printf '%s' '{INVOKE_STUB}' > /opt/stubs/deb-systemd-invoke && chmod 755 /opt/stubs/*"
                 " && printf '#!/bin/sh\\nexit 0\\n' > /usr/sbin/policy-rc.d")
        p = bookworm_root.overlay_script(root, work, f"dpkg -i /mnt/{old.name} && {stubs}", binds=binds)
        assert p.returncode == 0, f"installing the previous package failed:\n{p.stdout}\n{p.stderr}"

        def upgrade(state):
            return bookworm_root.overlay_script(root, work, (
                f"echo {state} > /opt/stubs/state && : > /opt/stubs/calls && export PATH=/opt/stubs:$PATH && "
                "dpkg -i --force-confold /mnt/new.deb && cat /opt/stubs/calls"), binds=binds)

        p = upgrade("active")
        assert p.returncode == 0, f"upgrade:\n{p.stdout}\n{p.stderr}"
        calls = [line for line in p.stdout.splitlines() if line.startswith(("systemctl", "deb-systemd-invoke"))]
        assert "systemctl kill --kill-who=main --signal=SIGUSR2 anycastd.service" in calls, p.stdout
        assert calls[-1] == "deb-systemd-invoke start anycastd.service", calls

        p = upgrade("activating")  # still waiting for its first verdicts: restarted the same way
        assert p.returncode == 0, f"upgrade while activating:\n{p.stdout}\n{p.stderr}"
        assert "systemctl kill --kill-who=main --signal=SIGUSR2 anycastd.service" in p.stdout, p.stdout

        p = bookworm_root.overlay_script(root, work, "echo 'vip { name: \"web\" }' >> /etc/anycastd/anycastd.conf")
        assert p.returncode == 0, p.stderr
        p = upgrade("active")
        assert p.returncode == 0, f"upgrade with a refused config must not fail the package:\n{p.stdout}\n{p.stderr}"
        assert "SIGUSR2" not in p.stdout and "deb-systemd-invoke start" not in p.stdout, p.stdout
        assert "the new version refuses /etc/anycastd/anycastd.conf" in p.stderr, p.stderr
        assert "/etc/anycastd/anycastd.conf:" in p.stderr, "postinst must show the problems: " + p.stderr
