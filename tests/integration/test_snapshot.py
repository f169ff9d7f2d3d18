"""Snapshots: SAVE, BGSAVE, LASTSAVE, INFO persistence, `save` rules, the
snapshot at SHUTDOWN/SIGTERM, restart recovery (TTLs included), MISCONF,
and refusal of damaged files -- plus a SIGKILL in the middle of a BGSAVE
under load, after which the previous snapshot must load.

The data directory of each test is its own temp dir, passed with --dir, so
a server can be stopped and another started on the same files.  Tests about
kvsd's file format and messages are kvsd_only; the rest also hold for
redis-server (which writes dump.rdb instead) and are checked against it.
A kvsd built without LMDB runs only test_without_lmdb_*; the others skip.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import BIN, REFERENCE, Server, ServerError
from resp import RespError, Status
from util import deadline_wait, free_port

EXIT_DEADLINE = 20
SAVE_DEADLINE = 30


def parse_info(raw):
    out = {}
    for line in raw.decode().split("\r\n"):
        if line and not line.startswith("#"):
            k, _, v = line.partition(":")
            out[k] = v
    return out


def persistence(c):
    return parse_info(c.call("INFO", "persistence"))


def keyspace_keys(c, db=0):
    info = parse_info(c.call("INFO", "keyspace"))
    field = info.get("db%d" % db)
    if not field:
        return 0
    return int(dict(kv.split("=") for kv in field.split(","))["keys"])


class Servers:
    """Servers started on a shared data dir; each may be stopped, killed or
    restarted by the test.  Teardown stops the survivors and reports a
    server that exited badly without the test meaning it to."""

    def __init__(self):
        self.data = tempfile.mkdtemp(prefix="kvsd-itest-snap-")
        self.started = []

    def start(self, *directives):
        s = Server([("dir", self.data)] + list(directives))
        self.started.append(s)
        try:
            return s.start()
        except ServerError as e:
            pytest.fail(str(e), pytrace=False)

    def path(self, name=None):
        if name is None:
            name = "dump.rdb" if REFERENCE else "kvsd.lmdb"
        return os.path.join(self.data, name)

    def cleanup(self):
        complaints = []
        for s in self.started:
            if s.proc is None:
                continue
            if s.proc.poll() is not None:      # exited under the test's eyes
                shutil.rmtree(s.dir, ignore_errors=True)
                continue
            c = s.cleanup()
            if c:
                complaints.append(c)
        shutil.rmtree(self.data, ignore_errors=True)
        return complaints


@pytest.fixture
def srv():
    sv = Servers()
    yield sv
    complaints = sv.cleanup()
    if complaints:
        pytest.fail("\n\n".join(complaints), pytrace=False)


_lmdb = {}


def built_with_lmdb():
    """Ask the binary once: a kvsd without LMDB refuses `save` rules."""
    if REFERENCE:
        return True
    if "v" not in _lmdb:
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "k.conf")
            with open(conf, "w") as f:
                f.write("save 60 1\n")
            r = subprocess.run([BIN, "--test-config", conf], capture_output=True,
                               stdin=subprocess.DEVNULL, timeout=EXIT_DEADLINE)
            _lmdb["v"] = r.returncode == 0
    return _lmdb["v"]


@pytest.fixture(autouse=True)
def _lmdb_gate(request):
    without = request.node.name.startswith("test_without_lmdb")
    if without and built_with_lmdb():
        pytest.skip("kvsd is built with LMDB")
    if not without and not built_with_lmdb():
        pytest.skip("kvsd is built without LMDB")


def stop(s, expect=0):
    """SIGTERM and wait; return the exit status."""
    s.stopped = True
    s.proc.send_signal(signal.SIGTERM)
    rc = s.proc.wait(EXIT_DEADLINE)
    assert rc == expect, "exit status %s; log:\n%s" % (rc, s.log()[-5000:])
    return rc


def shutdown(s, *args):
    """SHUTDOWN [args]: no reply, the connection closes, the process ends."""
    s.stopped = True
    with s.conn() as c:
        c.send_command("SHUTDOWN", *args)
        assert c.closed_by_peer(EXIT_DEADLINE)
    return s.proc.wait(EXIT_DEADLINE)


def wait_save_done(c, saves_before):
    return deadline_wait(
        lambda: (lambda p: p if p["rdb_bgsave_in_progress"] == "0"
                 and int(p["rdb_saves"]) > saves_before else None)(persistence(c)),
        timeout=SAVE_DEADLINE, what="the background save to finish")


def wait_loaded(c):
    deadline_wait(lambda: persistence(c)["loading"] == "0", timeout=SAVE_DEADLINE,
                  what="loading to finish")


def fill(c, n, prefix="k", value="v", batch=15, depth=200):
    """SET prefix:i value-i for i < n: MSETs of `batch` keys (short enough
    to stay whole in SLOWLOG), `depth` of them pipelined."""
    starts = list(range(0, n, batch))
    for first in range(0, len(starts), depth):
        group = starts[first:first + depth]
        for start in group:
            args = []
            for i in range(start, min(n, start + batch)):
                args += ["%s:%d" % (prefix, i), "%s-%d" % (value, i)]
            c.send_command("MSET", *args)
        for _ in group:
            assert c.read_reply() == "OK"


def mget_all(c, n, prefix="k", batch=1000):
    out = []
    for start in range(0, n, batch):
        out += c.call("MGET", *["%s:%d" % (prefix, i)
                                for i in range(start, min(n, start + batch))])
    return out


def run_expect_fail(srv, *directives):
    """Start a server that must refuse to start; returns its output."""
    args = [BIN, "--port", str(free_port()), "--bind", "127.0.0.1", "--dir", srv.data]
    for name, value in directives:
        args += ["--" + name, str(value)]
    r = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=EXIT_DEADLINE)
    out = (r.stdout + r.stderr).decode(errors="replace")
    assert r.returncode == 1, "exit status %s, output:\n%s" % (r.returncode, out)
    assert "AddressSanitizer" not in out and "runtime error" not in out, out
    return out


# -- SAVE / BGSAVE / LASTSAVE --------------------------------------------------------

@pytest.mark.needs_lmdb
def test_save_then_restart_restores_strings_and_stamps(srv):
    s = srv.start()
    with s.conn() as c:
        values = {"plain": b"v", "empty": b"", "binary": bytes(range(256)) * 3,
                  "big": b"x" * 300000, "num": b"12345"}
        for k, v in values.items():
            assert c.call("SET", k, v) == "OK"
        assert c.call("INCR", "num") == 12346
        values["num"] = b"12346"
        before = c.call("LASTSAVE")
        assert c.call("SAVE") == "OK"
        assert c.call("LASTSAVE") >= before
        p = persistence(c)
        assert p["rdb_changes_since_last_save"] == "0"
        assert c.call("SET", "after", "not saved") == "OK"
        assert persistence(c)["rdb_changes_since_last_save"] == "1"
    assert shutdown(s, "NOSAVE") == 0
    s2 = srv.start()
    with s2.conn() as c:
        wait_loaded(c)
        for k, v in values.items():
            assert c.call("GET", k) == v, k
        assert c.call("GET", "after") is None
        assert keyspace_keys(c) == len(values)
        assert c.call("INCR", "num") == 12347


@pytest.mark.needs_lmdb
def test_bgsave_then_restart(srv):
    s = srv.start()
    with s.conn() as c:
        fill(c, 20000)
        saves = int(persistence(c)["rdb_saves"])
        assert c.call("BGSAVE") == "Background saving started"
        p = wait_save_done(c, saves)
        assert p["rdb_last_bgsave_status"] == "ok"
        assert int(p["rdb_last_bgsave_time_sec"]) >= 0
        assert p["rdb_changes_since_last_save"] == "0"
        assert int(p["rdb_last_save_time"]) == c.call("LASTSAVE")
    assert shutdown(s, "NOSAVE") == 0
    s2 = srv.start()
    with s2.conn() as c:
        wait_loaded(c)
        assert keyspace_keys(c) == 20000
        got = mget_all(c, 20000)
        assert got == [b"v-%d" % i for i in range(20000)]


@pytest.mark.needs_lmdb
def test_bgsave_arguments_and_transactions(srv):
    s = srv.start()
    with s.conn() as c:
        assert c.call("SET", "a", "1") == "OK"
        assert c.call("BGSAVE", "nonsense") == RespError("ERR syntax error")
        saves = int(persistence(c)["rdb_saves"])
        # Inside EXEC a BGSAVE is scheduled, and then happens.
        assert c.call("MULTI") == "OK"
        assert c.call("SET", "a", "2") == "QUEUED"       # EXEC then holds a's shard
        assert c.call("BGSAVE") == "QUEUED"
        assert c.call("LASTSAVE") == "QUEUED"
        got = c.call("EXEC")
        assert got[:2] == ["OK", Status("Background saving scheduled")]
        assert isinstance(got[2], int)
        wait_save_done(c, saves)
        # SAVE is refused inside MULTI; the transaction is then aborted.
        assert c.call("MULTI") == "OK"
        assert c.call("SAVE") == RespError("ERR Command not allowed inside a transaction")
        assert c.call("EXEC") == RespError(
            "EXECABORT Transaction discarded because of previous errors.")


@pytest.mark.needs_lmdb
def test_save_rule_fires(srv):
    s = srv.start(("save", "1 2"))
    with s.conn() as c:
        assert c.call("SET", "a", "1") == "OK"
        assert c.call("SET", "b", "2") == "OK"
        # More than 1 s after start-up with >= 2 changes: the cron saves.
        p = wait_save_done(c, 0)
        assert p["rdb_last_bgsave_status"] == "ok"
        assert p["rdb_changes_since_last_save"] == "0"
    s.proc.send_signal(signal.SIGKILL)        # no final save: the rule's must do
    s.stopped = True
    s.proc.wait(EXIT_DEADLINE)
    s2 = srv.start()
    with s2.conn() as c:
        wait_loaded(c)
        assert c.call("MGET", "a", "b") == [b"1", b"2"]


@pytest.mark.needs_lmdb
def test_save_rule_needs_enough_changes(srv):
    s = srv.start(("save", "1 1000"))
    with s.conn() as c:
        assert c.call("SET", "a", "1") == "OK"
        t_end = time.monotonic() + 2.5
        while time.monotonic() < t_end:           # a window the rule could fire in
            assert persistence(c)["rdb_saves"] == "0"
            time.sleep(0.1)


# -- shutdown ------------------------------------------------------------------------------

@pytest.mark.needs_lmdb
def test_sigterm_saves_when_rules_exist(srv):
    s = srv.start(("save", "3600 1"))
    with s.conn() as c:
        assert c.call("SET", "k", "by sigterm") == "OK"
    stop(s)
    s2 = srv.start()
    with s2.conn() as c:
        wait_loaded(c)
        assert c.call("GET", "k") == b"by sigterm"


@pytest.mark.needs_lmdb
def test_shutdown_nosave_keeps_previous_snapshot(srv):
    s = srv.start(("save", "3600 1"))
    with s.conn() as c:
        assert c.call("SET", "k", "old") == "OK"
        assert c.call("SAVE") == "OK"
        assert c.call("SET", "k", "new") == "OK"
        assert c.call("SET", "k2", "new") == "OK"
    assert shutdown(s, "NOSAVE") == 0
    s2 = srv.start()
    with s2.conn() as c:
        wait_loaded(c)
        assert c.call("MGET", "k", "k2") == [b"old", None]


@pytest.mark.needs_lmdb
def test_shutdown_save_without_rules(srv):
    s = srv.start()
    with s.conn() as c:
        assert c.call("SET", "k", "v") == "OK"
        assert c.call("SHUTDOWN", "SAVE", "NOSAVE") == RespError("ERR syntax error")
    assert shutdown(s, "SAVE") == 0
    s2 = srv.start()
    with s2.conn() as c:
        wait_loaded(c)
        assert c.call("GET", "k") == b"v"


@pytest.mark.needs_lmdb
def test_no_rules_no_save_at_shutdown(srv):
    s = srv.start()
    with s.conn() as c:
        assert c.call("SET", "k", "v") == "OK"
    stop(s)
    assert not os.path.exists(srv.path())


# -- TTLs across a restart ------------------------------------------------------------------

@pytest.mark.needs_lmdb
def test_ttl_survives_restart_and_expired_keys_are_not_loaded(srv):
    s = srv.start()
    with s.conn() as c:
        assert c.call("SET", "short", "x", "PX", "300") == "OK"
        assert c.call("SET", "long", "y", "EX", "1000") == "OK"
        assert c.call("SET", "abs", "z", "PXAT", str(int(time.time() * 1000) + 500000)) == "OK"
        deadline = c.call("PEXPIRETIME", "abs")
        assert c.call("SAVE") == "OK"
    assert shutdown(s, "NOSAVE") == 0
    time.sleep(0.4)     # the wall clock must pass "short"'s deadline while down
    s2 = srv.start()
    with s2.conn() as c:
        wait_loaded(c)
        assert c.call("GET", "short") is None
        assert c.call("GET", "long") == b"y"
        assert 0 < c.call("TTL", "long") <= 1000
        assert c.call("PEXPIRETIME", "abs") == deadline      # absolute, unchanged
        assert keyspace_keys(c) == 2
        if not REFERENCE:
            p = persistence(c)
            assert p["rdb_last_load_keys_loaded"] == "2"
            assert p["rdb_last_load_keys_expired"] == "1"


# -- MISCONF ------------------------------------------------------------------------------

@pytest.mark.needs_lmdb
def test_failed_bgsave_stops_writes_until_a_save_works(srv):
    s = srv.start(("save", "3600 1000"))
    with s.conn() as c:
        assert c.call("SET", "k", "v") == "OK"
        os.mkdir(srv.path())        # the file's name taken by a directory
        saves = int(persistence(c)["rdb_saves"])
        assert c.call("BGSAVE") == "Background saving started"
        deadline_wait(lambda: persistence(c)["rdb_last_bgsave_status"] == "err",
                      timeout=SAVE_DEADLINE, what="the save to fail")
        assert int(persistence(c)["rdb_saves"]) == saves + 1     # attempts count
        r = c.call("SET", "k", "w")
        assert isinstance(r, RespError) and r.message.startswith("MISCONF "), r
        r = c.call("PING")
        assert isinstance(r, RespError) and r.message.startswith("MISCONF "), r
        assert c.call("GET", "k") == b"v"               # reads go on
        assert c.call("SAVE") == RespError("ERR")
        assert c.call("CONFIG", "SET", "stop-writes-on-bgsave-error", "no") == "OK"
        assert c.call("SET", "k", "w") == "OK"
        assert c.call("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes") == "OK"
        assert isinstance(c.call("SET", "k", "x"), RespError)
        os.rmdir(srv.path())
        saves = int(persistence(c)["rdb_saves"])
        assert c.call("BGSAVE") == "Background saving started"
        wait_save_done(c, saves)
        assert persistence(c)["rdb_last_bgsave_status"] == "ok"
        assert c.call("SET", "k", "x") == "OK"


# -- every type, every database ---------------------------------------------------------

@pytest.mark.needs_lmdb
@pytest.mark.needs_hashes
@pytest.mark.needs_sets
def test_hashes_and_sets_survive_restart(srv):
    s = srv.start()
    big = {b"field:%d" % i: b"value %d" % i for i in range(300)}
    with s.conn() as c:
        assert c.call("HSET", "small", "a", "1", "b", "") == 2
        args = []
        for f, v in big.items():
            args += [f, v]
        assert c.call("HSET", "big", *args) == 300
        assert c.call("SADD", "ints", "1", "2", "-3") == 3
        assert c.call("SADD", "words", "x", "y", "z", "") == 4
        before = {k: c.call("OBJECT", "ENCODING", k) for k in ("small", "big", "ints", "words")}
        assert c.call("SAVE") == "OK"
    assert shutdown(s, "NOSAVE") == 0
    s2 = srv.start()
    with s2.conn() as c:
        wait_loaded(c)
        h = c.call("HGETALL", "small")
        assert dict(zip(h[::2], h[1::2])) == {b"a": b"1", b"b": b""}
        h = c.call("HGETALL", "big")
        assert dict(zip(h[::2], h[1::2])) == big
        assert sorted(c.call("SMEMBERS", "ints")) == sorted([b"1", b"2", b"-3"])
        assert sorted(c.call("SMEMBERS", "words")) == [b"", b"x", b"y", b"z"]
        assert c.call("TYPE", "big") == "hash" and c.call("TYPE", "words") == "set"
        for k, enc in before.items():
            assert c.call("OBJECT", "ENCODING", k) == enc, k


@pytest.mark.needs_lmdb
@pytest.mark.needs_lists
@pytest.mark.needs_zsets
def test_lists_and_sorted_sets_survive_restart(srv):
    s = srv.start()
    elems = [b"", b"x" * 70000] + [b"e%d" % i for i in range(2000)]
    with s.conn() as c:
        for i in range(0, len(elems), 100):
            assert c.call("RPUSH", "l", *elems[i:i + 100]) == min(len(elems), i + 100)
        assert c.call("LPUSH", "small", "a", "b") == 2
        assert c.call("ZADD", "z", "1.5", "a", "-inf", "low", "+inf", "high", "2", "") == 4
        args = []
        for i in range(500):
            args += [str(i * 0.5), "m%d" % i]
        assert c.call("ZADD", "bigz", *args) == 500
        before = {k: c.call("OBJECT", "ENCODING", k) for k in ("l", "small", "z", "bigz")}
        assert c.call("SAVE") == "OK"
    assert shutdown(s, "NOSAVE") == 0
    s2 = srv.start()
    with s2.conn() as c:
        wait_loaded(c)
        assert c.call("LRANGE", "l", "0", "-1") == elems
        assert c.call("LRANGE", "small", "0", "-1") == [b"b", b"a"]
        assert c.call("ZRANGE", "z", "0", "-1", "WITHSCORES") == [
            b"low", b"-inf", b"a", b"1.5", b"", b"2", b"high", b"inf"]
        assert c.call("ZRANK", "bigz", "m321") == 321
        assert c.call("ZSCORE", "bigz", "m499") == b"249.5"
        for k, enc in before.items():
            assert c.call("OBJECT", "ENCODING", k) == enc, k


@pytest.mark.needs_lmdb
@pytest.mark.needs_multidb
def test_databases_survive_restart(srv):
    s = srv.start()
    with s.conn() as c:
        assert c.call("SET", "k", "db0") == "OK"
        assert c.call("SELECT", "5") == "OK"
        assert c.call("SET", "k", "db5") == "OK"
        assert c.call("SET", "only5", "x", "EX", "1000") == "OK"
        assert c.call("SWAPDB", "5", "6") == "OK"
        assert c.call("BGSAVE") == "Background saving started"
        wait_save_done(c, 0)
    assert shutdown(s, "NOSAVE") == 0
    s2 = srv.start()
    with s2.conn() as c:
        wait_loaded(c)
        assert c.call("GET", "k") == b"db0"
        assert c.call("SELECT", "6") == "OK"
        assert c.call("MGET", "k", "only5") == [b"db5", b"x"]
        assert 0 < c.call("TTL", "only5") <= 1000
        assert c.call("SELECT", "5") == "OK"
        assert c.call("GET", "k") is None


# -- damaged files (kvsd's format) ---------------------------------------------------------

def saved_file(srv, nkeys=2000):
    s = srv.start()
    with s.conn() as c:
        fill(c, nkeys, value="marker-value")
        assert c.call("SAVE") == "OK"
    assert shutdown(s, "NOSAVE") == 0
    with open(srv.path(), "rb") as f:
        return bytearray(f.read())


def rewrite(srv, data):
    with open(srv.path(), "wb") as f:
        f.write(data)


@pytest.mark.needs_lmdb
@pytest.mark.kvsd_only
def test_corrupted_record_is_refused(srv):
    data = saved_file(srv)
    at = data.find(b"marker-value-1234")
    assert at > 0
    data[at + 3] ^= 0x20
    rewrite(srv, data)
    out = run_expect_fail(srv)
    assert srv.path() in out and "damaged" in out, out


@pytest.mark.needs_lmdb
@pytest.mark.kvsd_only
def test_truncated_file_is_refused(srv):
    data = saved_file(srv)
    at = data.find(b"marker-value-1234")
    rewrite(srv, data[:at - at % 4096])
    out = run_expect_fail(srv)
    assert srv.path() in out, out
    rewrite(srv, b"")
    out = run_expect_fail(srv)
    assert srv.path() in out and "empty" in out, out


@pytest.mark.needs_lmdb
@pytest.mark.kvsd_only
def test_foreign_file_is_refused(srv):
    rewrite(srv, b"REDIS0010\xfa\tredis-ver\x057.0.0" + b"\0" * 5000)
    out = run_expect_fail(srv)
    assert srv.path() in out and "not an LMDB file" in out, out


@pytest.mark.needs_lmdb
@pytest.mark.kvsd_only
def test_other_format_version_is_refused(srv):
    data = saved_file(srv, 10)
    at = data.find(b"KVSDSNAP")
    assert at > 0
    data[at + 8:at + 12] = (0).to_bytes(4, "little")
    rewrite(srv, data)
    out = run_expect_fail(srv)
    assert srv.path() in out and "format version 0 is not supported" in out, out


@pytest.mark.needs_lmdb
@pytest.mark.kvsd_only
def test_snapshot_with_more_databases_than_configured_is_refused(srv):
    s = srv.start()
    with s.conn() as c:
        if c.call("SELECT", "7") != "OK":
            pytest.skip("SELECT is not available")
        assert c.call("SET", "k", "v") == "OK"
        assert c.call("SAVE") == "OK"
    assert shutdown(s, "NOSAVE") == 0
    out = run_expect_fail(srv, ("databases", "4"))
    assert "database 7" in out, out


# -- crash in the middle of a BGSAVE -------------------------------------------------------

@pytest.mark.needs_lmdb
@pytest.mark.kvsd_only
def test_sigkill_during_bgsave_under_load_keeps_previous_snapshot(srv):
    n = 300000
    s = srv.start()
    stop_writer = threading.Event()
    errors = []

    def writer():
        try:
            with s.conn() as w:
                i = 0
                while not stop_writer.is_set():
                    w.call("MSET", "k:%d" % (i * 7919 % n), "B-%d" % i, "new:%d" % i, "n")
                    i += 1
        except Exception as e:          # the server is killed under it
            errors.append(e)

    with s.conn() as c:
        fill(c, n, value="A")
        assert c.call("SAVE") == "OK"
        t = threading.Thread(target=writer)
        t.start()
        try:
            assert c.call("BGSAVE") == "Background saving started"
            # Kill while the walk is well short of the end, so the commit
            # cannot have happened.
            deadline_wait(lambda: 0 < int(persistence(c)["current_save_keys_processed"]) < n // 2,
                          timeout=SAVE_DEADLINE, interval=0.001, what="the save to be under way")
            s.stopped = True
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait(EXIT_DEADLINE)
        finally:
            stop_writer.set()
            t.join(EXIT_DEADLINE)
    s2 = srv.start()
    with s2.conn() as c:
        p = persistence(c)
        if p["loading"] == "1":         # 300k keys: maybe still loading
            assert int(p["loading_total_bytes"]) > 0
            assert 0 <= float(p["loading_loaded_perc"]) <= 100
            r = c.call("GET", "k:1")
            assert r == b"A-1" or r == RespError("LOADING kvsd is loading the dataset in memory")
        wait_loaded(c)
        assert keyspace_keys(c) == n
        assert mget_all(c, n) == [b"A-%d" % i for i in range(n)]
        assert c.call("GET", "new:0") is None


# -- built without LMDB ------------------------------------------------------------------------

@pytest.mark.kvsd_only
def test_without_lmdb_save_commands_answer_an_error(srv):
    s = srv.start()
    with s.conn() as c:
        for cmd in (["SAVE"], ["BGSAVE"]):
            r = c.call(*cmd)
            assert isinstance(r, RespError) and "built without LMDB" in r.message, r
        assert isinstance(c.call("LASTSAVE"), int)
        p = persistence(c)
        assert p["rdb_bgsave_in_progress"] == "0"


@pytest.mark.kvsd_only
def test_without_lmdb_snapshot_directives_are_refused(srv):
    out = run_expect_fail(srv, ("save", "60 1"))
    assert "built without LMDB" in out, out
    out = run_expect_fail(srv, ("dbfilename", "other.lmdb"))
    assert "built without LMDB" in out, out
    conf = os.path.join(srv.data, "k.conf")
    with open(conf, "w") as f:
        f.write("port 7777\n\nsave 900 1\n")
    r = subprocess.run([BIN, "--test-config", conf], capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=EXIT_DEADLINE)
    assert r.returncode == 1
    assert (conf + ":3:").encode() in r.stderr + r.stdout
