"""Start-up and tear-down: configuration files, include, --test-config,
daemonize with a pidfile, logfile, SIGTERM and SHUTDOWN.

Tests about kvsd's own diagnostics (file:line messages, --test-config) are
kvsd_only; the rest hold for redis-server too and are checked against it.
"""

import os
import pathlib
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import BIN, REFERENCE, Server
from resp import RespConn, RespError
from util import deadline_wait, free_port

EXIT_DEADLINE = 10


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="kvsd-itest-conf-")
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


def write(path, text):
    path.write_text(text)
    return str(path)


def run_bin(*args, timeout=EXIT_DEADLINE):
    return subprocess.run([BIN] + [str(a) for a in args],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=timeout)


def base_conf(port):
    lines = ["# written by the integration suite", "port %d" % port,
             "bind 127.0.0.1"]
    if REFERENCE:
        lines += ['save ""', "appendonly no"]
    return "\n".join(lines) + "\n"


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


# -- file:line diagnostics (kvsd only) ---------------------------------------------

@pytest.mark.kvsd_only
def test_unknown_directive_names_file_and_line(tmp):
    conf = write(tmp / "bad.conf", base_conf(free_port())
                 + "\n# blank line above\nno-such-directive 1\n")
    p = run_bin(conf)
    assert p.returncode == 1, p
    assert ("%s:6:" % conf).encode() in p.stderr, p.stderr


@pytest.mark.kvsd_only
def test_bad_value_names_file_and_line(tmp):
    conf = write(tmp / "bad.conf", "port notanumber\n")
    p = run_bin(conf)
    assert p.returncode == 1, p
    assert ("%s:1:" % conf).encode() in p.stderr, p.stderr


@pytest.mark.kvsd_only
def test_error_in_included_file_names_that_file(tmp):
    inc = write(tmp / "inc.conf", "# included\n\nbogus-directive yes\n")
    conf = write(tmp / "main.conf", base_conf(free_port())
                 + "include %s\n" % inc)
    p = run_bin(conf)
    assert p.returncode == 1, p
    assert ("%s:3:" % inc).encode() in p.stderr, p.stderr


@pytest.mark.kvsd_only
def test_test_config(tmp):
    good = write(tmp / "good.conf", base_conf(free_port())
                 + "maxclients 100\n")
    bad = write(tmp / "bad.conf", base_conf(free_port())
                + "maxclients many\n")
    p = run_bin("--test-config", good)
    assert p.returncode == 0, p
    p = run_bin("--test-config", bad)
    assert p.returncode == 1, p
    assert ("%s:4:" % bad).encode() in p.stderr, p.stderr
    p = run_bin("--test-config", str(tmp / "missing.conf"))
    assert p.returncode == 1, p


# -- behaviour shared with redis-server ------------------------------------------------

def test_missing_config_file_fails(tmp):
    p = run_bin(str(tmp / "does-not-exist.conf"), "--port", free_port())
    assert p.returncode == 1, p


def test_unknown_directive_fails(tmp):
    conf = write(tmp / "bad.conf", base_conf(free_port())
                 + "no-such-directive 1\n")
    p = run_bin(conf)
    assert p.returncode == 1, p
    assert b"no-such-directive" in p.stdout + p.stderr


@pytest.mark.needs_auth
def test_config_file_include_and_cli_override(tmp, make_server):
    inc = write(tmp / "auth.conf", "requirepass fromfile\n")
    conf = write(tmp / "main.conf", "# main\ninclude %s\n" % inc)
    s = make_server(config_file=conf)
    with s.conn() as c:
        assert c.call("GET", "k") == RespError(
            "NOAUTH Authentication required.")
        assert c.call("AUTH", "fromfile") == "OK"
    # Command-line directives come after the file and win.
    s = make_server([("requirepass", "fromcli")], config_file=conf)
    with s.conn() as c:
        assert isinstance(c.call("AUTH", "fromfile"), RespError)
        assert c.call("AUTH", "fromcli") == "OK"


def test_logfile_gets_lines(tmp, make_server):
    log = tmp / "server.log"
    s = make_server(logfile=str(log))
    deadline_wait(lambda: log.exists() and log.stat().st_size > 0,
                  what="log lines in %s" % log)
    assert log.read_text(errors="replace").count("\n") >= 1
    assert s.stop() == 0


def test_sigterm_exits_cleanly(tmp):
    s = Server()
    try:
        s.start()
        with s.conn() as c:
            assert c.call("SET", "k", "v") == "OK"
            s.proc.send_signal(signal.SIGTERM)
            assert s.proc.wait(EXIT_DEADLINE) == 0
            assert c.closed_by_peer(5)
    finally:
        s.cleanup()


def test_shutdown_command_ends_process(tmp):
    s = Server()
    try:
        s.start()
        with s.conn() as c:
            c.send(b"*1\r\n$8\r\nSHUTDOWN\r\n")
            # A successful SHUTDOWN closes the connection without a reply.
            assert c.read_all_until_close(EXIT_DEADLINE) == b""
        assert s.proc.wait(EXIT_DEADLINE) == 0
        with pytest.raises(OSError):
            RespConn(s.host, s.port, timeout=1).close()
    finally:
        s.cleanup()


def test_daemonize_with_pidfile(tmp):
    port = free_port()
    pidfile = tmp / "server.pid"
    log = tmp / "server.log"
    argv = [BIN, "--port", str(port), "--bind", "127.0.0.1",
            "--daemonize", "yes", "--pidfile", str(pidfile),
            "--logfile", str(log)]
    if REFERENCE:
        argv += ["--save", "", "--appendonly", "no", "--dir", str(tmp)]
    pid = None
    try:
        parent = subprocess.run(argv, cwd=str(tmp), stdin=subprocess.DEVNULL,
                                capture_output=True, timeout=EXIT_DEADLINE)
        assert parent.returncode == 0, parent
        deadline_wait(lambda: pidfile.exists() and
                      pidfile.read_text().strip().isdigit(),
                      what="pidfile %s" % pidfile)
        pid = int(pidfile.read_text().strip())
        assert pid_alive(pid)

        def pong():
            try:
                with RespConn("127.0.0.1", port, timeout=1) as c:
                    return c.call("PING") == "PONG"
            except OSError:
                return False
        deadline_wait(pong, timeout=10, what="daemon to answer PING")
        with RespConn("127.0.0.1", port) as c:
            info = c.call("INFO", "server")
        assert ("process_id:%d\r\n" % pid).encode() in info
        os.kill(pid, signal.SIGTERM)
        deadline_wait(lambda: not pid_alive(pid), timeout=EXIT_DEADLINE,
                      what="daemon to exit after SIGTERM")
        deadline_wait(lambda: not pidfile.exists(), timeout=EXIT_DEADLINE,
                      what="pidfile removal")
        pid = None
    finally:
        if pid is not None and pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_stock_redis_conf_is_accepted(tmp, make_server):
    """The redis.conf Debian ships with redis-server starts kvsd as it is
    (its Redis-only directives are accepted and inert, see kvsd.conf(5)),
    and its encoding limits apply; the same holds for redis-server."""
    stock = pathlib.Path("/etc/redis/redis.conf")
    if not stock.exists():
        pytest.skip("no /etc/redis/redis.conf (the redis-server package)")
    # It daemonizes and writes to system paths: keep the process in the
    # foreground and its files here.
    text = stock.read_text() + "\ndaemonize no\npidfile %s\nlogfile \"\"\ndir %s\n" % (
        tmp / "pid", tmp)
    conf = write(tmp / "redis.conf", text)
    s = make_server([("hash-max-ziplist-entries", "4")], config_file=conf)
    with s.conn() as c:
        assert c.call("CONFIG", "GET", "hash-max-listpack-entries") == [
            b"hash-max-listpack-entries", b"4"]
        assert c.call("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4") == 4
        assert c.call("OBJECT", "ENCODING", "h") == b"listpack"
        assert c.call("HSET", "h", "e", "5") == 1
        assert c.call("OBJECT", "ENCODING", "h") == b"hashtable"
        assert c.call("CONFIG", "SET", "hash-max-listpack-entries", "512") == "OK"
        assert c.call("HSET", "h2", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5") == 5
        assert c.call("OBJECT", "ENCODING", "h2") == b"listpack"
        # an object over a lowered limit converts at its next write
        assert c.call("CONFIG", "SET", "hash-max-listpack-entries", "2") == "OK"
        assert c.call("OBJECT", "ENCODING", "h2") == b"listpack"
        assert c.call("HSET", "h2", "a", "9") == 0
        assert c.call("OBJECT", "ENCODING", "h2") == b"hashtable"
        assert c.call("HGET", "h2", "a") == b"9" and c.call("HLEN", "h2") == 5
        assert c.call("CONFIG", "SET", "set-max-intset-entries", "3") == "OK"
        assert c.call("SADD", "s", "1", "2", "3") == 3
        assert c.call("OBJECT", "ENCODING", "s") == b"intset"
        assert c.call("SADD", "s", "4") == 1
        assert c.call("OBJECT", "ENCODING", "s") == b"hashtable"
        assert c.call("CONFIG", "GET", "appendonly") == [b"appendonly", b"no"]


@pytest.mark.kvsd_only
def test_inert_redis_directives_are_logged(tmp, make_server):
    log = tmp / "server.log"
    conf = write(tmp / "r.conf", base_conf(0) + "activerehashing no\nappendfsync always\n"
                 "rdbcompression yes\n")
    s = make_server(config_file=conf, logfile=str(log))
    deadline_wait(lambda: log.exists() and "no effect in kvsd" in log.read_text(errors="replace"),
                  what="the inert-directive warning in %s" % log)
    line = [l for l in log.read_text().splitlines() if "no effect in kvsd" in l][0]
    assert line.endswith(": activerehashing appendfsync")
    with s.conn() as c:
        assert c.call("CONFIG", "GET", "appendfsync") == [b"appendfsync", b"always"]
        assert c.call("CONFIG", "SET", "appendonly", "yes") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - kvsd has no "
            "append-only file: it persists with LMDB snapshots (save, BGSAVE)")
