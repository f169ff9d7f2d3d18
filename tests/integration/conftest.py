"""Fixtures that run the server under test on an ephemeral loopback port.

The binary is $KVSD_BIN, else <builddir>/src/kvsd with builddir from
$KVSD_BUILDDIR or the repository root.  Reference mode ($KVSD_REFERENCE=redis,
or a KVSD_BIN named redis-server) runs the very same tests against Redis to
prove that they encode Redis semantics; kvsd-only tests skip there.

$KVSD_SKIP lists capability markers (comma or space separated, e.g.
"needs_lists,needs_multidb") whose tests are deselected, so the suite can run
while parts of kvsd are still being written.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis

from resp import RespConn
from util import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
START_DEADLINE = 10.0
STOP_DEADLINE = 10.0
TEST_DEADLINE = float(os.environ.get("KVSD_TEST_TIMEOUT", "60"))


def _server_binary():
    b = os.environ.get("KVSD_BIN")
    if b:
        return os.path.abspath(b)
    if os.environ.get("KVSD_REFERENCE") == "redis":
        return shutil.which("redis-server") or "/usr/bin/redis-server"
    builddir = os.environ.get("KVSD_BUILDDIR") or REPO
    return os.path.join(os.path.abspath(builddir), "src", "kvsd")


BIN = _server_binary()
REFERENCE = (os.environ.get("KVSD_REFERENCE") == "redis"
             or os.path.basename(BIN) == "redis-server")


def _directive_args(directives):
    args = []
    for name, value in directives:
        args.append("--" + name)
        if isinstance(value, (list, tuple)):
            args.extend(str(v) for v in value)
        else:
            args.append(str(value))
    return args


def _die_with_parent():
    """preexec_fn: SIGKILL the server if the test process dies, so an
    aborted run cannot leave servers behind (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class ServerError(Exception):
    pass


class Server:
    """One server process.  directives: (name, value) pairs for the CLI."""

    def __init__(self, directives=(), config_file=None, bind="127.0.0.1",
                 binary=None):
        self.directives = list(directives)
        self.config_file = config_file
        self.bind = bind
        self.binary = binary or BIN
        self.dir = tempfile.mkdtemp(prefix="kvsd-itest-")
        self.logpath = os.path.join(self.dir, "server.out")
        self.proc = None
        self.stopped = False   # True once stop() has signalled the process
        self.port = None
        self.host = "127.0.0.1"

    def argv(self, port):
        argv = [self.binary]
        if self.config_file:
            argv.append(self.config_file)
        argv += ["--port", str(port), "--bind", self.bind]
        if REFERENCE:
            argv += ["--save", "", "--appendonly", "no"]
        return argv + _directive_args(self.directives)

    def log(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        if not os.path.exists(self.binary):
            raise ServerError("server binary %s does not exist (set KVSD_BIN "
                              "or KVSD_BUILDDIR)" % self.binary)
        for _ in range(5):
            self.port = free_port()
            with open(self.logpath, "wb") as out:
                self.proc = subprocess.Popen(
                    self.argv(self.port), cwd=self.dir, stdin=subprocess.DEVNULL,
                    stdout=out, stderr=subprocess.STDOUT,
                    preexec_fn=_die_with_parent)
            if self._wait_ready():
                return self
            if "in use" not in self.log().lower():
                break
        raise ServerError("server did not answer PING within %.0fs; argv %s;"
                          " exit %s; output:\n%s"
                          % (START_DEADLINE, self.argv(self.port),
                             self.proc.poll(), self.log()))

    def _wait_ready(self):
        """Poll with PING until any reply (+PONG, -NOAUTH...) or failure."""
        end = time.monotonic() + START_DEADLINE
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port),
                                              timeout=1.0) as s:
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    data = s.recv(64)
                    if data[:1] in (b"+", b"-"):
                        return True
            except OSError:
                pass
            time.sleep(0.02)
        self.kill()
        return False

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        if self.running():
            self.proc.kill()
            self.proc.wait(STOP_DEADLINE)

    def stop(self):
        """SIGTERM, wait with a deadline, then SIGKILL.  Returns exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.stopped = True
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_DEADLINE)
        return self.proc.returncode

    def cleanup(self):
        """Stop and remove the temp dir.  Returns a complaint or None: a
        server that died early or did not exit 0 on SIGTERM (an ASan
        report, a crash in shutdown) is a failure worth its output."""
        died = (self.proc is not None and not self.stopped
                and self.proc.poll() is not None)
        rc = self.stop()
        complaint = None
        if self.proc is not None and (died or rc != 0):
            complaint = ("server %s (port %s) %s with status %s; output:\n%s"
                         % (self.binary, self.port,
                            "had already exited" if died else "exited",
                            rc, self.log()[-20000:]))
        shutil.rmtree(self.dir, ignore_errors=True)
        return complaint

    def check_alive(self):
        if not self.running():
            pytest.fail("server is not running (exit status %s); output:\n%s"
                        % (self.proc.poll(), self.log()[-20000:]),
                        pytrace=False)

    def client(self, decode=True, **kw):
        kw.setdefault("socket_timeout", 10)
        kw.setdefault("socket_connect_timeout", 10)
        return redis.Redis(host=self.host, port=self.port,
                           decode_responses=decode, **kw)

    def conn(self, timeout=10.0):
        return RespConn(self.host, self.port, timeout=timeout)


@pytest.fixture(scope="session")
def reference():
    return REFERENCE


@pytest.fixture(scope="session")
def server_bin():
    return BIN


@pytest.fixture(scope="module")
def server():
    s = Server()
    try:
        s.start()
    except ServerError as e:
        s.cleanup()
        pytest.fail(str(e), pytrace=False)
    yield s
    complaint = s.cleanup()
    if complaint:
        pytest.fail(complaint, pytrace=False)


@pytest.fixture
def make_server():
    """Factory: make_server(requirepass="pw", proto_max_bulk_len="1mb")."""
    started = []

    def make(directives=(), config_file=None, bind="127.0.0.1", **kw):
        d = list(directives) + [(k.replace("_", "-"), v)
                                for k, v in kw.items()]
        s = Server(d, config_file=config_file, bind=bind)
        started.append(s)
        try:
            return s.start()
        except ServerError as e:
            pytest.fail(str(e), pytrace=False)

    yield make
    complaints = [s.cleanup() for s in started]
    complaints = [x for x in complaints if x]
    if complaints:
        pytest.fail("\n\n".join(complaints), pytrace=False)


@pytest.fixture
def r(server):
    """redis-py client (str replies) on a flushed server, db 0."""
    server.check_alive()
    c = server.client()
    c.flushall()
    yield c
    c.close()
    server.check_alive()


@pytest.fixture
def rb(server):
    """redis-py client returning bytes."""
    server.check_alive()
    c = server.client(decode=False)
    c.flushall()
    yield c
    c.close()
    server.check_alive()


@pytest.fixture
def c(server):
    """A raw RESP connection on a flushed server (RESP2 until HELLO 3).

    Replies keep their wire types (Status, bytes, int, RespError ...), so
    tests can assert on exact error strings, which redis-py rewrites.
    """
    server.check_alive()
    conn = server.conn()
    assert conn.call("FLUSHALL") == "OK"
    yield conn
    conn.close()
    server.check_alive()


def pytest_collection_modifyitems(config, items):
    skip = {m for m in os.environ.get("KVSD_SKIP", "").replace(",", " ").split()}
    keep, drop = [], []
    for item in items:
        names = {m.name for m in item.iter_markers()}
        (drop if names & skip else keep).append(item)
        if REFERENCE and "kvsd_only" in names:
            item.add_marker(pytest.mark.skip(
                reason="kvsd-specific; not applicable to redis-server"))
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_report_header(config):
    return "server under test: %s%s" % (
        BIN, " (reference mode)" if REFERENCE else "")


class _TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise _TestTimeout("test exceeded %.0fs (KVSD_TEST_TIMEOUT)"
                       % TEST_DEADLINE)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A last-resort deadline per test, so a hung server cannot hang CI."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TEST_DEADLINE)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
