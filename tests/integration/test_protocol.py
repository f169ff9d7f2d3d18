"""The wire protocol over raw sockets: pipelining, inline commands, partial
reads, malformed requests and the request size limits."""

import random
import time

import pytest

from resp import encode_command


def proto_error(msg):
    return b"-ERR Protocol error: " + msg + b"\r\n"


def test_pipeline_1000_commands(c):
    req = b"".join(encode_command("INCR", "counter") for _ in range(1000))
    req += b"".join(encode_command("SET", "k%d" % i, "v%d" % i)
                    for i in range(500))
    req += b"".join(encode_command("GET", "k%d" % i) for i in range(500))
    c.send(req)
    for i in range(1000):
        assert c.read_reply() == i + 1
    for i in range(500):
        assert c.read_reply() == "OK"
    for i in range(500):
        assert c.read_reply() == b"v%d" % i
    assert c.call("DBSIZE") == 501


def test_pipeline_random_split(c):
    rng = random.Random(1234)
    cmds = []
    for i in range(300):
        cmds.append(encode_command("SET", "key:%d" % i, "x" * rng.randrange(0, 200)))
        cmds.append(encode_command("STRLEN", "key:%d" % i))
    data = b"".join(cmds)
    pos = 0
    while pos < len(data):
        n = rng.choice([1, 2, 3, 7, 64, 1000, 4096])
        c.send(data[pos:pos + n])
        pos += n
    rng = random.Random(1234)
    for i in range(300):
        expected_len = rng.randrange(0, 200)
        assert c.read_reply() == "OK"
        assert c.read_reply() == expected_len


def test_request_byte_by_byte(c):
    req = encode_command("SET", "slow", "hello world")
    for b in req[:-1]:
        c.send(bytes([b]))
    # Nothing may be executed before the request is complete.
    with pytest.raises(TimeoutError):
        c.read_line(timeout=0.2)
    c.send(req[-1:])
    assert c.read_reply() == "OK"
    for b in encode_command("GET", "slow"):
        c.send(bytes([b]))
    assert c.read_reply() == b"hello world"


def test_inline_commands(c):
    c.send(b"PING\r\n")
    assert c.read_line() == b"+PONG"
    c.send(b"PING\n")
    assert c.read_line() == b"+PONG"
    c.send(b"  ECHO   foo  \r\n")
    assert c.read_reply() == b"foo"
    c.send(b"SET \"a b\" 'c d'\r\nGET \"a b\"\r\n")
    assert c.read_reply() == "OK"
    assert c.read_reply() == b"c d"
    c.send(b"ECHO \"\\x41\\n\\t\"\r\n")
    assert c.read_reply() == b"A\n\t"
    # Empty lines are skipped without a reply.
    c.send(b"\r\n\r\n\nPING\r\n")
    assert c.read_line() == b"+PONG"
    c.send(b"set inl 5\r\nincr inl\r\n")
    assert c.read_reply() == "OK"
    assert c.read_reply() == 6


def test_empty_multibulk_is_ignored(c):
    c.send(b"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n")
    assert c.read_line() == b"+PONG"
    with pytest.raises(TimeoutError):
        c.read_line(timeout=0.2)


@pytest.mark.parametrize("data,msg", [
    (b"*3000000000\r\n", b"invalid multibulk length"),
    (b"*abc\r\n", b"invalid multibulk length"),
    (b"*1\r\n$-10\r\n", b"invalid bulk length"),
    (b"*1\r\n$abc\r\n", b"invalid bulk length"),
    (b"*1\r\nfoo\r\n", b"expected '$', got 'f'"),
    (b"*1\r\n:5\r\n", b"expected '$', got ':'"),
    (b"*2\r\n$4\r\nECHO\r\n+x\r\n", b"expected '$', got '+'"),
    (b"SET \"a\r\n", b"unbalanced quotes in request"),
    (b"ECHO 'x\r\n", b"unbalanced quotes in request"),
    (b"x" * 70000, b"too big inline request"),
])
def test_malformed_request_closes_connection(server, data, msg):
    with server.conn() as bad, server.conn() as good:
        assert good.call("SET", "k", "v") == "OK"
        bad.send(encode_command("PING") + data)
        assert bad.read_all_until_close(5) == b"+PONG\r\n" + proto_error(msg)
        assert good.call("GET", "k") == b"v"
        assert good.call("PING") == "PONG"


def test_protocol_error_discards_rest_of_pipeline(server):
    with server.conn() as bad:
        bad.send(encode_command("SET", "before", "1") + b"*1\r\n$x\r\n"
                 + encode_command("SET", "after", "1"))
        assert bad.read_all_until_close(5) == (
            b"+OK\r\n" + proto_error(b"invalid bulk length"))
    with server.conn() as c:
        assert c.call("EXISTS", "before", "after") == 1


def test_proto_max_bulk_len(make_server):
    # 1mb is the smallest value Redis accepts for this directive.
    s = make_server(proto_max_bulk_len="1mb")
    with s.conn() as c:
        c.send(b"*2\r\n$4\r\nECHO\r\n$1048577\r\n")
        assert c.read_all_until_close(5) == proto_error(b"invalid bulk length")
    with s.conn() as c:
        arg = b"z" * (1024 * 1024)
        assert c.call("SET", "max", arg) == "OK"
        assert c.call("STRLEN", "max") == 1024 * 1024


def test_client_query_buffer_limit(make_server):
    s = make_server(client_query_buffer_limit="1mb")
    with s.conn() as c:
        # 600 KB of pending query is under the limit: it completes normally.
        c.send(b"*2\r\n$4\r\nECHO\r\n$614400\r\n" + b"a" * 500000)
        with pytest.raises(TimeoutError):
            c.read_line(timeout=0.2)
        c.send(b"a" * 114400 + b"\r\n")
        assert c.read_reply() == b"a" * 614400
    with s.conn() as hog, s.conn() as good:
        # 2 MB of a 10 MB argument is over it: the client is dropped.
        hog.send(b"*2\r\n$4\r\nECHO\r\n$10000000\r\n")
        try:
            hog.send(b"x" * 2000000)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert hog.read_all_until_close(5) == b""
        assert good.call("PING") == "PONG"


@pytest.mark.needs_auth
@pytest.mark.parametrize("data,msg", [
    (b"*20\r\n", b"unauthenticated multibulk length"),
    (b"*2\r\n$4\r\nAUTH\r\n$20000\r\n", b"unauthenticated bulk length"),
])
def test_unauthenticated_request_limits(make_server, data, msg):
    s = make_server(requirepass="pw")
    with s.conn() as c:
        c.send(data)
        assert c.read_all_until_close(5) == proto_error(msg)
    with s.conn() as c:
        # Small requests are still parsed and refused politely.
        c.send(b"*10\r\n$3\r\nDEL\r\n" + b"$1\r\nx\r\n" * 9)
        assert c.read_line() == b"-NOAUTH Authentication required."
        assert c.call("AUTH", "pw") == "OK"
        c.send(b"*20\r\n$4\r\nMSET\r\n" + b"$1\r\nk\r\n" * 19)
        assert c.read_line().startswith(b"-ERR wrong number of arguments")
        c.send(encode_command("ECHO", "y" * 20000))
        assert c.read_reply() == b"y" * 20000


def test_reply_to_closed_client_does_not_hurt_server(server, c):
    for _ in range(10):
        with server.conn() as x:
            x.send(encode_command("GET", "k") * 1000)
    assert c.call("PING") == "PONG"


def test_binary_keys_and_values_over_wire(c):
    key = b"\x00\xff\r\n$*"
    val = bytes(range(256))
    assert c.call("SET", key, val) == "OK"
    assert c.call("GET", key) == val
    assert c.call("KEYS", "*") == [key]


def test_large_pipeline_replies_flow_control(c):
    # Replies (~10 MB) far exceed socket buffers: the server must keep
    # writing as the client reads rather than drop or stall.
    assert c.call("SET", "big", "v" * 100000) == "OK"
    c.send(encode_command("GET", "big") * 100)
    t0 = time.monotonic()
    for _ in range(100):
        assert len(c.read_reply()) == 100000
    assert time.monotonic() - t0 < 30
