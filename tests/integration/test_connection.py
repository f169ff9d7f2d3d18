"""Connection commands: PING ECHO QUIT HELLO AUTH CLIENT SELECT, command
dispatch errors."""

import re

import pytest

from resp import RespError, Status
from util import deadline_wait

NOAUTH = RespError("NOAUTH Authentication required.")
WRONGPASS = RespError(
    "WRONGPASS invalid username-password pair or user is disabled.")
NOPASS_AUTH = RespError(
    "ERR AUTH <password> called without any password configured for the "
    "default user. Are you sure your configuration is correct?")
BADNAME = RespError(
    "ERR Client names cannot contain spaces, newlines or special characters.")
HELLO_FIELDS = ["server", "version", "proto", "id", "mode", "role", "modules"]


def arity(cmd):
    return RespError("ERR wrong number of arguments for '%s' command" % cmd)


def version_tuple(v):
    m = re.fullmatch(rb"(\d+)\.(\d+)\.(\d+)", v)
    assert m, "version %r is not MAJOR.MINOR.PATCH" % v
    return tuple(int(x) for x in m.groups())


def test_ping(c):
    pong = c.call("PING")
    assert pong == "PONG" and isinstance(pong, Status)
    assert c.call("PING", "hello") == b"hello"
    assert c.call("PING", "") == b""
    assert c.call("PING", "a", "b") == arity("ping")
    assert c.call("ping") == "PONG"


def test_ping_wire_format(c):
    c.send(b"*1\r\n$4\r\nPING\r\n")
    assert c.read_line() == b"+PONG"
    c.send(b"*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n")
    assert c.read_line() == b"$2"
    assert c.read_line() == b"hi"


def test_echo(c):
    assert c.call("ECHO", "hello world") == b"hello world"
    assert c.call("ECHO", "") == b""
    assert c.call("ECHO", b"\x00\r\n\xff") == b"\x00\r\n\xff"
    assert c.call("ECHO") == arity("echo")
    assert c.call("ECHO", "a", "b") == arity("echo")


def test_quit(server):
    with server.conn() as q:
        q.send(b"*1\r\n$4\r\nQUIT\r\n")
        assert q.read_all_until_close() == b"+OK\r\n"
    with server.conn() as q:
        # Whatever was pipelined after QUIT is not executed.
        q.send(b"*3\r\n$3\r\nSET\r\n$4\r\nquit\r\n$1\r\n1\r\n"
               b"*1\r\n$4\r\nQUIT\r\n"
               b"*3\r\n$3\r\nSET\r\n$4\r\nquit\r\n$1\r\n2\r\n")
        assert q.read_all_until_close() == b"+OK\r\n+OK\r\n"
    with server.conn() as q:
        assert q.call("GET", "quit") == b"1"


def test_unknown_command(c):
    assert c.call("foo", "a", "b") == RespError(
        "ERR unknown command 'foo', with args beginning with: 'a' 'b' ")
    assert c.call("foo") == RespError(
        "ERR unknown command 'foo', with args beginning with: ")
    assert c.call("NoSuchCmd", "x") == RespError(
        "ERR unknown command 'NoSuchCmd', with args beginning with: 'x' ")
    assert c.call("PING") == "PONG"


def test_wrong_arity(c):
    assert c.call("get") == arity("get")
    assert c.call("GET") == arity("get")
    assert c.call("SET", "k") == arity("set")
    assert c.call("incr", "a", "b") == arity("incr")
    assert c.call("DBSIZE", "x") == arity("dbsize")


# -- HELLO --------------------------------------------------------------------

def check_hello_fields(h, proto, conn_id):
    assert list(h.keys()) == [f.encode() for f in HELLO_FIELDS]
    assert isinstance(h[b"server"], bytes) and h[b"server"]
    assert version_tuple(h[b"version"]) >= (7, 0, 0)
    assert h[b"proto"] == proto
    assert h[b"id"] == conn_id
    assert h[b"mode"] == b"standalone"
    assert h[b"role"] == b"master"
    assert h[b"modules"] == []


@pytest.mark.needs_client
def test_hello_2(c):
    conn_id = c.call("CLIENT", "ID")
    for args in (("HELLO",), ("HELLO", "2")):
        reply = c.call(*args)
        assert isinstance(reply, list) and len(reply) == 14
        h = dict(zip(reply[0::2], reply[1::2]))
        check_hello_fields(h, 2, conn_id)


@pytest.mark.needs_resp3
@pytest.mark.needs_client
def test_hello_3(c):
    conn_id = c.call("CLIENT", "ID")
    h = c.call("HELLO", "3")
    assert isinstance(h, dict), "HELLO 3 must reply with a RESP3 map"
    check_hello_fields(h, 3, conn_id)
    # Now speaking RESP3: null is "_", simple replies unchanged.
    c.send(b"*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n")
    assert c.read_line() == b"_"
    assert c.call("PING") == "PONG"
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("GET", "k") == b"v"
    # HELLO with no version reports the current protocol; HELLO 2 goes back.
    assert c.call("HELLO")[b"proto"] == 3
    reply = c.call("HELLO", "2")
    assert isinstance(reply, list) and reply[5] == 2
    c.send(b"*2\r\n$3\r\nGET\r\n$7\r\nmissing\r\n")
    assert c.read_line() == b"$-1"


def test_hello_errors(c):
    noproto = RespError("NOPROTO unsupported protocol version")
    assert c.call("HELLO", "4") == noproto
    assert c.call("HELLO", "1") == noproto
    assert c.call("HELLO", "abc") == RespError(
        "ERR Protocol version is not an integer or out of range")
    assert c.call("HELLO", "2", "FOO") == RespError(
        "ERR Syntax error in HELLO option 'FOO'")
    assert c.call("HELLO", "2", "AUTH", "default") == RespError(
        "ERR Syntax error in HELLO option 'AUTH'")
    assert c.call("HELLO", "2", "SETNAME") == RespError(
        "ERR Syntax error in HELLO option 'SETNAME'")
    assert c.call("HELLO", "2", "SETNAME", "a b") == BADNAME
    assert c.call("PING") == "PONG"


@pytest.mark.needs_client
def test_hello_setname(c):
    assert isinstance(c.call("HELLO", "2", "SETNAME", "worker-1"), list)
    assert c.call("CLIENT", "GETNAME") == b"worker-1"


@pytest.mark.needs_auth
def test_hello_auth_without_password_configured(c):
    # The default user has no password, so any password is accepted ...
    assert isinstance(c.call("HELLO", "2", "AUTH", "default", "any"), list)
    assert c.call("AUTH", "default", "whatever") == "OK"
    # ... but the one-argument form is refused, and unknown users fail.
    assert c.call("AUTH", "whatever") == NOPASS_AUTH
    assert c.call("AUTH", "nobody", "x") == WRONGPASS
    assert c.call("HELLO", "2", "AUTH", "nobody", "x") == WRONGPASS
    assert c.call("AUTH") == arity("auth")


# -- AUTH with requirepass -------------------------------------------------------

@pytest.fixture
def authserver(make_server):
    return make_server(requirepass="s3cret")


@pytest.mark.needs_auth
def test_requirepass_noauth(authserver):
    with authserver.conn() as a:
        assert a.call("GET", "k") == NOAUTH
        assert a.call("PING") == NOAUTH
        assert a.call("SET", "k", "v") == NOAUTH
        assert a.call("AUTH", "wrong") == WRONGPASS
        assert a.call("AUTH", "default", "wrong") == WRONGPASS
        assert a.call("GET", "k") == NOAUTH
        assert a.call("AUTH", "s3cret") == "OK"
        assert a.call("SET", "k", "v") == "OK"
        assert a.call("GET", "k") == b"v"
    with authserver.conn() as a:
        assert a.call("AUTH", "default", "s3cret") == "OK"
        assert a.call("GET", "k") == b"v"


@pytest.mark.needs_auth
def test_requirepass_allowed_before_auth(authserver):
    with authserver.conn() as a:
        # Unknown commands are reported as such even before AUTH.
        assert a.call("foo") == RespError(
            "ERR unknown command 'foo', with args beginning with: ")
        a.send(b"*1\r\n$4\r\nQUIT\r\n")
        assert a.read_all_until_close() == b"+OK\r\n"


@pytest.mark.needs_auth
def test_requirepass_hello(authserver):
    with authserver.conn() as a:
        assert a.call("HELLO", "2") == RespError(
            "NOAUTH HELLO must be called with the client already "
            "authenticated, otherwise the HELLO AUTH <user> <pass> option "
            "can be used to authenticate the client and select the RESP "
            "protocol version at the same time")
        assert a.call("HELLO", "2", "AUTH", "default", "bad") == WRONGPASS
        reply = a.call("HELLO", "2", "AUTH", "default", "s3cret",
                       "SETNAME", "me")
        assert isinstance(reply, list) and reply[0] == b"server"
        assert a.call("CLIENT", "GETNAME") == b"me"
        assert a.call("PING") == "PONG"


@pytest.mark.needs_auth
def test_requirepass_redis_py(authserver):
    import redis
    bad = authserver.client()
    with pytest.raises(redis.AuthenticationError):
        bad.get("k")
    good = authserver.client(password="s3cret")
    assert good.set("k", "v") is True
    assert good.get("k") == "v"


# -- CLIENT ---------------------------------------------------------------------

def client_fields(line):
    return dict(kv.split("=", 1) for kv in line.decode().split())


def client_list(c):
    text = c.call("CLIENT", "LIST")
    assert isinstance(text, bytes) and text.endswith(b"\n")
    return [client_fields(l) for l in text.splitlines()]


@pytest.mark.needs_client
def test_client_id_unique_and_increasing(server, c):
    first = c.call("CLIENT", "ID")
    assert isinstance(first, int) and first > 0
    assert c.call("CLIENT", "ID") == first
    with server.conn() as other:
        second = other.call("CLIENT", "ID")
    assert second > first
    assert c.call("CLIENT", "ID", "x") == arity("client|id")


@pytest.mark.needs_client
def test_client_setname_getname(c):
    assert c.call("CLIENT", "GETNAME") is None
    assert c.call("CLIENT", "SETNAME", "conn-A") == "OK"
    assert c.call("CLIENT", "GETNAME") == b"conn-A"
    for bad in ("a b", "x\ny", "tab\there"):
        assert c.call("CLIENT", "SETNAME", bad) == BADNAME
    assert c.call("CLIENT", "GETNAME") == b"conn-A"
    assert c.call("CLIENT", "SETNAME", "") == "OK"
    assert c.call("CLIENT", "GETNAME") is None
    assert c.call("CLIENT", "SETNAME", "a", "b") == arity("client|setname")
    assert c.call("CLIENT", "FOO") == RespError(
        "ERR unknown subcommand 'FOO'. Try CLIENT HELP.")
    assert c.call("CLIENT") == arity("client")


@pytest.mark.needs_client
def test_client_info_and_list(server, c):
    my_id = c.call("CLIENT", "ID")
    assert c.call("CLIENT", "SETNAME", "lister") == "OK"
    info = client_fields(c.call("CLIENT", "INFO").rstrip(b"\n"))
    local = "%s:%d" % c.sock.getsockname()[:2]
    assert info["id"] == str(my_id)
    assert info["addr"] == local
    assert info["laddr"] == "127.0.0.1:%d" % server.port
    assert info["name"] == "lister"
    assert info["db"] == "0"
    assert info["cmd"] == "client|info"
    for field in ("fd", "age", "idle", "flags"):
        assert field in info
    with server.conn() as other:
        other_id = other.call("CLIENT", "ID")
        entries = client_list(c)
        by_id = {int(e["id"]): e for e in entries}
        assert my_id in by_id and other_id in by_id
        assert by_id[my_id]["cmd"] == "client|list"
        assert by_id[other_id]["name"] == ""
        assert by_id[other_id]["addr"] == "%s:%d" % other.sock.getsockname()[:2]
        only = c.call("CLIENT", "LIST", "ID", other_id)
        assert [int(client_fields(l)["id"]) for l in only.splitlines()] == [other_id]
    assert c.call("CLIENT", "LIST", "ID", "abc") == RespError(
        "ERR Invalid client ID")


@pytest.mark.needs_client
def test_client_kill_by_id(server, c):
    victim = server.conn()
    try:
        vid = victim.call("CLIENT", "ID")
        assert c.call("CLIENT", "KILL", "ID", vid) == 1
        assert victim.closed_by_peer(5)
        assert c.call("CLIENT", "KILL", "ID", vid) == 0
    finally:
        victim.close()
    assert c.call("CLIENT", "KILL", "ID", "abc") == RespError(
        "ERR client-id should be greater than 0")
    # SKIPME defaults to yes for the filter form.
    assert c.call("CLIENT", "KILL", "ID", c.call("CLIENT", "ID")) == 0
    assert c.call("PING") == "PONG"


@pytest.mark.needs_client
def test_client_kill_by_addr(server, c):
    victim = server.conn()
    try:
        # A round trip first: the server knows the victim once it answered
        # (kvsd accepts on another thread than the one running KILL).
        assert victim.call("PING") == "PONG"
        addr = "%s:%d" % victim.sock.getsockname()[:2]
        assert c.call("CLIENT", "KILL", "ADDR", addr) == 1
        assert victim.closed_by_peer(5)
    finally:
        victim.close()
    assert c.call("CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0
    victim = server.conn()
    try:
        assert victim.call("PING") == "PONG"
        addr = "%s:%d" % victim.sock.getsockname()[:2]
        assert c.call("CLIENT", "KILL", addr) == "OK"
        assert victim.closed_by_peer(5)
    finally:
        victim.close()
    assert c.call("CLIENT", "KILL", "1.2.3.4:5") == RespError(
        "ERR No such client")
    assert c.call("CLIENT", "KILL", "FOO", "bar") == RespError(
        "ERR syntax error")


@pytest.mark.needs_client
def test_client_kill_leaves_others_working(server, c):
    victims = [server.conn() for _ in range(3)]
    try:
        ids = [v.call("CLIENT", "ID") for v in victims]
        assert c.call("CLIENT", "KILL", "ID", ids[1]) == 1
        assert victims[1].closed_by_peer(5)
        assert victims[0].call("PING") == "PONG"
        assert victims[2].call("PING") == "PONG"
        deadline_wait(lambda: ids[1] not in
                      {int(e["id"]) for e in client_list(c)},
                      what="killed client to leave CLIENT LIST")
    finally:
        for v in victims:
            v.close()


@pytest.mark.kvsd_only
def test_client_setinfo(c):
    # CLIENT SETINFO appeared in Redis 7.2 (the reference here is 7.0).
    assert c.call("CLIENT", "SETINFO", "LIB-NAME", "itest") == "OK"
    assert c.call("CLIENT", "SETINFO", "lib-ver", "1.2.3") == "OK"
    info = client_fields(c.call("CLIENT", "INFO").rstrip(b"\n"))
    assert info["lib-name"] == "itest"
    assert info["lib-ver"] == "1.2.3"
    bad = c.call("CLIENT", "SETINFO", "no-such-attr", "x")
    assert isinstance(bad, RespError) and bad.message.startswith("ERR ")
    bad = c.call("CLIENT", "SETINFO", "LIB-NAME", "has space")
    assert isinstance(bad, RespError) and bad.message.startswith("ERR ")


# -- SELECT is per connection ------------------------------------------------------

@pytest.mark.needs_multidb
def test_select_is_per_connection(server, c):
    assert c.call("SELECT", "5") == "OK"
    assert c.call("SET", "k", "five") == "OK"
    with server.conn() as other:
        assert other.call("GET", "k") is None
        assert other.call("SELECT", "5") == "OK"
        assert other.call("GET", "k") == b"five"
    with server.conn() as other:
        assert other.call("GET", "k") is None


@pytest.mark.needs_multidb
@pytest.mark.needs_client
def test_client_list_shows_db(server, c):
    assert c.call("SELECT", "7") == "OK"
    info = client_fields(c.call("CLIENT", "INFO").rstrip(b"\n"))
    assert info["db"] == "7"
