"""Server commands: COMMAND, INFO, CONFIG, TIME, DBSIZE and client limits."""

import os
import re
import time

import pytest

from resp import RespError, Status
from util import deadline_wait


def arity(cmd):
    return RespError("ERR wrong number of arguments for '%s' command" % cmd)


def parse_info(text):
    """INFO text -> {section_lower: {field: value}}; checks the framing."""
    assert isinstance(text, bytes)
    text = text.decode()
    assert text == "" or text.endswith("\r\n")
    sections, current = {}, None
    for line in text.split("\r\n"):
        if not line:
            continue
        if line.startswith("# "):
            current = sections.setdefault(line[2:].lower(), {})
            continue
        assert current is not None, "field outside a section: %r" % line
        key, sep, value = line.partition(":")
        assert sep, "INFO line without ':': %r" % line
        current[key] = value
    return sections


def info(c, *sections):
    return parse_info(c.call("INFO", *sections))


# -- COMMAND ---------------------------------------------------------------------

@pytest.mark.needs_command
def test_command_count_matches_command(c):
    n = c.call("COMMAND", "COUNT")
    assert isinstance(n, int) and n > 10
    table = c.call("COMMAND")
    assert isinstance(table, list) and len(table) == n
    names = {e[0] for e in table}
    assert len(names) == n
    assert {b"get", b"set", b"ping", b"del", b"command"} <= names


@pytest.mark.needs_command
def test_command_info(c):
    get, missing, set_ = c.call("COMMAND", "INFO", "get", "nosuchcmd", "SET")
    assert missing is None
    assert get[:6] == [b"get", 2, get[2], 1, 1, 1]
    assert {"readonly", "fast"} <= set(get[2])
    assert all(isinstance(f, Status) for f in get[2])
    assert set_[:6] == [b"set", -3, set_[2], 1, 1, 1]
    assert "write" in set_[2]
    mset = c.call("COMMAND", "INFO", "mset")[0]
    assert mset[:6] == [b"mset", -3, mset[2], 1, -1, 2]
    ping = c.call("COMMAND", "INFO", "ping")[0]
    assert ping[:6] == [b"ping", -1, ping[2], 0, 0, 0]


@pytest.mark.needs_command
def test_command_docs(c):
    reply = c.call("COMMAND", "DOCS", "get")
    assert isinstance(reply, list) and len(reply) == 2
    assert reply[0] == b"get"
    doc = dict(zip(reply[1][0::2], reply[1][1::2]))
    assert doc[b"group"] == b"string"
    assert isinstance(doc[b"summary"], bytes) and doc[b"summary"]
    assert re.fullmatch(rb"\d+\.\d+\.\d+", doc[b"since"])
    assert c.call("COMMAND", "DOCS", "nosuchcmd") == []


@pytest.mark.needs_command
def test_command_list(c):
    listed = set(c.call("COMMAND", "LIST"))
    top = {e[0] for e in c.call("COMMAND")}
    assert top <= listed
    assert {b"get", b"set", b"incr", b"expire", b"scan"} <= listed
    assert c.call("COMMAND", "FOO") == RespError(
        "ERR unknown subcommand 'FOO'. Try COMMAND HELP.")


# -- INFO ------------------------------------------------------------------------------

@pytest.mark.needs_info
def test_info_default_sections(server, c):
    s = info(c)
    for name in ("server", "clients", "memory", "persistence", "stats",
                 "replication", "cpu", "keyspace"):
        assert name in s, "INFO lacks section %s" % name
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", s["server"]["redis_version"])
    assert m and tuple(int(x) for x in m.groups()) >= (7, 0, 0)
    assert s["server"]["tcp_port"] == str(server.port)
    assert s["server"]["process_id"] == str(server.proc.pid)
    assert int(s["server"]["uptime_in_seconds"]) >= 0
    assert int(s["clients"]["connected_clients"]) >= 1
    assert int(s["memory"]["used_memory"]) > 0
    assert s["persistence"]["loading"] == "0"
    assert int(s["stats"]["total_commands_processed"]) >= 1
    assert int(s["stats"]["total_connections_received"]) >= 1
    assert s["replication"]["role"] == "master"
    assert float(s["cpu"]["used_cpu_sys"]) >= 0
    assert float(s["cpu"]["used_cpu_user"]) >= 0


@pytest.mark.needs_info
def test_info_single_section(c):
    s = info(c, "server")
    assert list(s) == ["server"]
    assert list(info(c, "CLIENTS")) == ["clients"]
    assert set(info(c, "memory", "cpu")) == {"memory", "cpu"}
    assert c.call("INFO", "nosuchsection") == b""


@pytest.mark.needs_info
def test_info_clients_counts_connections(server, c):
    def connected():
        return int(info(c, "clients")["clients"]["connected_clients"])
    # Earlier tests' connections may still be being torn down.
    deadline_wait(lambda: connected() == 1, what="only this client connected")
    others = [server.conn() for _ in range(3)]
    try:
        for o in others:
            assert o.call("PING") == "PONG"
        assert connected() == 4
    finally:
        for o in others:
            o.close()
    deadline_wait(lambda: connected() == 1,
                  what="connected_clients to drop after closing")


@pytest.mark.needs_info
def test_info_keyspace(c):
    assert info(c, "keyspace") == {"keyspace": {}}
    assert c.call("MSET", "a", "1", "b", "2", "c", "3") == "OK"
    assert c.call("EXPIRE", "a", "1000") == 1
    assert c.call("PEXPIRE", "b", "2000000") == 1
    db0 = info(c, "keyspace")["keyspace"]["db0"]
    m = re.fullmatch(r"keys=(\d+),expires=(\d+),avg_ttl=(\d+)", db0)
    assert m, db0
    assert (int(m.group(1)), int(m.group(2))) == (3, 2)
    assert c.call("DEL", "a", "b", "c") == 3
    assert info(c, "keyspace") == {"keyspace": {}}


@pytest.mark.needs_info
@pytest.mark.needs_multidb
def test_info_keyspace_multiple_dbs(c):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("SELECT", "3") == "OK"
    assert c.call("MSET", "x", "1", "y", "2") == "OK"
    ks = info(c, "keyspace")["keyspace"]
    assert set(ks) == {"db0", "db3"}
    assert ks["db0"].startswith("keys=1,expires=0,")
    assert ks["db3"].startswith("keys=2,expires=0,")


@pytest.mark.needs_info
def test_info_stats_count_commands(c):
    before = int(info(c, "stats")["stats"]["total_commands_processed"])
    for _ in range(10):
        assert c.call("PING") == "PONG"
    after = int(info(c, "stats")["stats"]["total_commands_processed"])
    assert after >= before + 10


# -- CONFIG ----------------------------------------------------------------------------

def config_get(c, *patterns):
    reply = c.call("CONFIG", "GET", *patterns)
    assert isinstance(reply, list) and len(reply) % 2 == 0
    return dict(zip(reply[0::2], reply[1::2]))


@pytest.mark.needs_config
def test_config_get(server, c):
    assert config_get(c, "port") == {b"port": str(server.port).encode()}
    assert config_get(c, "bind") == {b"bind": b"127.0.0.1"}
    got = config_get(c, "maxclients", "timeout")
    assert set(got) == {b"maxclients", b"timeout"}
    assert got[b"timeout"] == b"0"
    assert int(got[b"maxclients"]) > 0
    assert config_get(c, "nosuchdirective") == {}
    assert c.call("CONFIG", "GET") == arity("config|get")


@pytest.mark.needs_config
def test_config_get_patterns(c):
    got = config_get(c, "max*")
    assert {b"maxclients", b"maxmemory", b"maxmemory-policy"} <= set(got)
    assert all(k.startswith(b"max") for k in got)
    assert set(config_get(c, "maxclient?")) == {b"maxclients"}
    # Redis 7 also has maxmemory-clients here; kvsd has no client eviction,
    # so only the directives both share are required.
    got = set(config_get(c, "MAX*CLIENTS"))
    assert b"maxclients" in got
    assert got <= {b"maxclients", b"maxmemory-clients"}
    # Matching is case-insensitive.  (Redis 7.0 echoes an exact name in the
    # caller's spelling, so only compare case-folded here.)
    assert [k.lower() for k in config_get(c, "MaxClients")] == [b"maxclients"]
    # A parameter matched by several patterns is reported once.
    reply = c.call("CONFIG", "GET", "max*", "maxclients", "maxclient?")
    assert len(reply) == 2 * len(set(reply[0::2]))
    everything = config_get(c, "*")
    assert {b"port", b"bind", b"timeout", b"loglevel"} <= set(everything)


@pytest.mark.needs_config
def test_config_set_runtime(make_server):
    s = make_server()
    with s.conn() as c:
        assert c.call("CONFIG", "SET", "maxclients", "50") == "OK"
        assert config_get(c, "maxclients") == {b"maxclients": b"50"}
        assert c.call("CONFIG", "SET", "timeout", "300") == "OK"
        assert config_get(c, "timeout") == {b"timeout": b"300"}
        assert c.call("CONFIG", "SET", "loglevel", "warning") == "OK"
        assert config_get(c, "loglevel") == {b"loglevel": b"warning"}
        assert c.call("CONFIG", "SET", "LOGLEVEL", "notice") == "OK"
        assert config_get(c, "loglevel") == {b"loglevel": b"notice"}
        assert c.call("CONFIG", "SET", "timeout", "10", "maxclients",
                      "60") == "OK"
        assert config_get(c, "timeout", "maxclients") == {
            b"timeout": b"10", b"maxclients": b"60"}


@pytest.mark.needs_config
def test_config_set_errors(make_server):
    s = make_server()
    with s.conn() as c:
        assert c.call("CONFIG", "SET", "nosuch", "1") == RespError(
            "ERR Unknown option or number of arguments for CONFIG SET - "
            "'nosuch'")
        assert c.call("CONFIG", "SET", "maxclients", "abc") == RespError(
            "ERR CONFIG SET failed (possibly related to argument "
            "'maxclients') - argument couldn't be parsed into an integer")
        assert c.call("CONFIG", "SET", "timeout", "-1") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'timeout')"
            " - argument must be between 0 and 2147483647 inclusive")
        assert c.call("CONFIG", "SET", "loglevel", "bogus") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'loglevel')"
            " - argument(s) must be one of the following: debug, verbose, "
            "notice, warning")
        assert c.call("CONFIG", "SET", "timeout", "5", "timeout",
                      "6") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'timeout')"
            " - duplicate parameter")
        assert c.call("CONFIG", "SET", "port") == arity("config|set")
        assert c.call("CONFIG", "FOO") == RespError(
            "ERR unknown subcommand 'FOO'. Try CONFIG HELP.")
        # CONFIG SET with several pairs is all or nothing.
        assert isinstance(c.call("CONFIG", "SET", "timeout", "7", "loglevel",
                                 "bogus"), RespError)
        assert config_get(c, "timeout") == {b"timeout": b"0"}


@pytest.mark.needs_config
def test_config_set_immutable(make_server):
    s = make_server()
    with s.conn() as c:
        assert c.call("CONFIG", "SET", "daemonize", "yes") == RespError(
            "ERR CONFIG SET failed (possibly related to argument "
            "'daemonize') - can't set immutable config")


@pytest.mark.needs_config
def test_config_set_timeout_closes_idle_clients(make_server):
    s = make_server()
    with s.conn() as admin, s.conn() as idle:
        assert idle.call("PING") == "PONG"
        assert admin.call("CONFIG", "SET", "timeout", "1") == "OK"
        t0 = time.monotonic()
        assert idle.closed_by_peer(10), "idle client was not disconnected"
        assert time.monotonic() - t0 >= 0.5


@pytest.mark.needs_config
@pytest.mark.needs_info
def test_config_resetstat(make_server):
    s = make_server()
    with s.conn() as c:
        for _ in range(20):
            assert c.call("PING") == "PONG"
        assert c.call("GET", "missing") is None
        stats = info(c, "stats")["stats"]
        assert int(stats["total_commands_processed"]) >= 20
        assert c.call("CONFIG", "RESETSTAT") == "OK"
        stats = info(c, "stats")["stats"]
        # Only the RESETSTAT itself (and maybe this INFO) were counted.
        assert int(stats["total_commands_processed"]) <= 2
        assert stats["keyspace_misses"] == "0"


# -- TIME DBSIZE --------------------------------------------------------------------------

def test_time(c):
    reply = c.call("TIME")
    assert isinstance(reply, list) and len(reply) == 2
    sec, usec = reply
    assert isinstance(sec, bytes) and sec.isdigit()
    assert isinstance(usec, bytes) and usec.isdigit()
    assert 0 <= int(usec) < 1000000
    assert abs(int(sec) + int(usec) / 1e6 - time.time()) < 5
    assert c.call("TIME", "x") == arity("time")


def test_time_monotone_enough(c):
    a = [int(x) for x in c.call("TIME")]
    b = [int(x) for x in c.call("TIME")]
    assert b[0] * 1000000 + b[1] >= a[0] * 1000000 + a[1]


def test_dbsize(c):
    assert c.call("DBSIZE") == 0
    for i in range(25):
        assert c.call("SET", "k%d" % i, "v") == "OK"
    assert c.call("DBSIZE") == 25
    assert c.call("DEL", "k0") == 1
    assert c.call("DBSIZE") == 24


# -- maxclients ---------------------------------------------------------------------------

MAXCLIENTS_ERR = b"-ERR max number of clients reached\r\n"


def connect_ok(s):
    """A connection that the server accepted (and answered)."""
    def attempt():
        conn = s.conn()
        conn.send(b"*1\r\n$4\r\nPING\r\n")
        try:
            if conn.read_line() == b"+PONG":
                return conn
        except Exception:
            pass
        conn.close()
        return None
    # The startup probe's connection may not be reaped yet; retry briefly.
    return deadline_wait(attempt, timeout=5, what="an accepted connection")


def test_maxclients(make_server):
    s = make_server(maxclients=3)
    conns = [connect_ok(s) for _ in range(3)]
    try:
        with s.conn() as extra:
            assert extra.read_all_until_close(5) == MAXCLIENTS_ERR
        for c in conns:
            assert c.call("PING") == "PONG"
        conns.pop().close()
        conns.append(connect_ok(s))
        assert conns[-1].call("PING") == "PONG"
    finally:
        for c in conns:
            c.close()


@pytest.mark.needs_config
def test_maxclients_config_set(make_server):
    s = make_server()
    conns = [connect_ok(s) for _ in range(2)]
    try:
        assert conns[0].call("CONFIG", "SET", "maxclients", "2") == "OK"
        with s.conn() as extra:
            assert extra.read_all_until_close(5) == MAXCLIENTS_ERR
        assert conns[1].call("PING") == "PONG"
    finally:
        for c in conns:
            c.close()


def test_server_survives_abrupt_disconnects(server, c):
    pid_before = server.proc.pid
    for _ in range(20):
        with server.conn() as x:
            x.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc")
    assert c.call("PING") == "PONG"
    assert server.running() and server.proc.pid == pid_before
    assert c.call("EXISTS", "k") == 0
    assert os.path.isdir(server.dir)
