"""Protected mode: with no password, clients from non-loopback addresses are
refused.  Exercised only inside a private network namespace (needs root),
where the server binds 0.0.0.0 and the 'remote' client uses TEST-NET-1
192.0.2.1 on the namespace's own lo, so no traffic leaves it."""

import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
UNSHARE = shutil.which("unshare") or "/usr/bin/unshare"

pytestmark = pytest.mark.needs_netns


def netns_usable():
    if os.geteuid() != 0 or not shutil.which("ip"):
        return False
    try:
        return subprocess.run([UNSHARE, "-n", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="module")
def probe():
    if not netns_usable():
        pytest.skip("cannot create a network namespace (needs root)")

    def run(*directives):
        p = subprocess.run(
            [UNSHARE, "-n", sys.executable,
             os.path.join(HERE, "netns_probe.py")] + list(directives),
            capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr.decode(errors="replace")
        result = json.loads(p.stdout.decode().strip().splitlines()[-1])
        assert "error" not in result, result["error"]
        return result
    return run


def test_protected_mode_denies_non_loopback(probe):
    r = probe()
    assert r["local"] == ["+PONG", "open"]
    line, state = r["remote"]
    assert line.startswith("-DENIED "), line
    assert "protected mode" in line
    assert state == "closed", "the connection must be closed after DENIED"


@pytest.mark.needs_auth
def test_password_lifts_protected_mode(probe):
    r = probe("--requirepass", "pw")
    assert r["remote"] == ["-NOAUTH Authentication required.", "open"]


def test_protected_mode_no(probe):
    r = probe("--protected-mode", "no")
    assert r["remote"] == ["+PONG", "open"]
