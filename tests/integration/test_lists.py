"""List commands: replies, Redis's exact errors, and blocking pops across
connections (kvsd hands connections to its I/O threads round-robin, so the
waiter and the pusher below sit on different threads)."""

import random
import threading
import time

import pytest

from conftest import Server, ServerError
from resp import RespError
from util import deadline_wait

pytestmark = pytest.mark.needs_lists

WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")
SYNTAX = RespError("ERR syntax error")
NOTINT = RespError("ERR value is not an integer or out of range")
POSITIVE = RespError("ERR value is out of range, must be positive")


def raw(c, *args):
    """The first line of the reply, to tell *-1 from $-1."""
    c.send_command(*args)
    return c.read_line()


# -- push / pop / range -------------------------------------------------------

def test_push_pop_range(c):
    assert c.call("RPUSH", "l", "a", "b", "c") == 3
    assert c.call("LPUSH", "l", "y", "z") == 5
    assert c.call("LRANGE", "l", 0, -1) == [b"z", b"y", b"a", b"b", b"c"]
    assert c.call("LLEN", "l") == 5
    assert c.call("LPOP", "l") == b"z"
    assert c.call("RPOP", "l") == b"c"
    assert c.call("LPOP", "l", 2) == [b"y", b"a"]
    assert c.call("RPOP", "l", 5) == [b"b"]
    assert c.call("EXISTS", "l") == 0
    assert c.call("LPUSHX", "l", "a") == 0
    assert c.call("RPUSHX", "l", "a") == 0
    assert c.call("EXISTS", "l") == 0


def test_nil_kinds(c):
    assert raw(c, "LPOP", "nokey") == b"$-1"
    assert raw(c, "LPOP", "nokey", 2) == b"*-1"
    assert raw(c, "LMPOP", 1, "nokey", "LEFT") == b"*-1"
    assert c.call("RPUSH", "l", "x") == 1
    assert c.call("LPOP", "l", 0) == []
    assert c.call("LPOP", "l", -1) == POSITIVE
    assert c.call("LPOP", "l", "x") == POSITIVE
    assert c.call("LPOP", "l", 1, 2) == RespError(
        "ERR wrong number of arguments for 'lpop' command")


def test_lindex_lset(c):
    assert c.call("LINDEX", "l", 0) is None
    assert c.call("LSET", "l", 0, "x") == RespError("ERR no such key")
    assert c.call("RPUSH", "l", "a", "b", "c") == 3
    assert c.call("LINDEX", "l", -1) == b"c"
    assert c.call("LINDEX", "l", 3) is None
    assert c.call("LINDEX", "l", "x") == NOTINT
    assert c.call("LSET", "l", -3, "A") == "OK"
    assert c.call("LSET", "l", 3, "x") == RespError("ERR index out of range")
    assert c.call("LRANGE", "l", 0, -1) == [b"A", b"b", b"c"]


def test_lrange_ltrim_clamp(c):
    assert c.call("RPUSH", "l", *"123456") == 6
    assert c.call("LRANGE", "l", -100, 100) == [b"1", b"2", b"3", b"4", b"5", b"6"]
    assert c.call("LRANGE", "l", 4, 2) == []
    assert c.call("LRANGE", "l", "x", 2) == NOTINT
    assert c.call("LTRIM", "l", 1, -2) == "OK"
    assert c.call("LRANGE", "l", 0, -1) == [b"2", b"3", b"4", b"5"]
    assert c.call("LTRIM", "l", 10, 20) == "OK"
    assert c.call("EXISTS", "l") == 0


def test_lrem_linsert(c):
    assert c.call("RPUSH", "l", *"abcabca") == 7
    assert c.call("LREM", "l", 2, "a") == 2
    assert c.call("LREM", "l", -1, "c") == 1
    assert c.call("LRANGE", "l", 0, -1) == [b"b", b"c", b"b", b"a"]
    assert c.call("LINSERT", "l", "BEFORE", "c", "X") == 5
    assert c.call("LINSERT", "l", "after", "a", "Z") == 6
    assert c.call("LINSERT", "l", "AFTER", "nope", "Z") == -1
    assert c.call("LINSERT", "l", "MIDDLE", "a", "Z") == SYNTAX
    assert c.call("LINSERT", "nokey", "BEFORE", "a", "Z") == 0
    assert c.call("LRANGE", "l", 0, -1) == [b"b", b"X", b"c", b"b", b"a", b"Z"]
    assert c.call("LREM", "l", 0, "b") == 2


def test_lpos(c):
    assert c.call("RPUSH", "l", "a", "b", "a", "a") == 4
    assert c.call("LPOS", "l", "a") == 0
    assert c.call("LPOS", "l", "a", "RANK", -1) == 3
    assert c.call("LPOS", "l", "a", "RANK", 2, "COUNT", 0) == [2, 3]
    assert c.call("LPOS", "l", "a", "RANK", -1, "COUNT", 2, "MAXLEN", 2) == [3, 2]
    assert c.call("LPOS", "l", "x") is None
    assert c.call("LPOS", "l", "x", "COUNT", 1) == []
    assert c.call("LPOS", "l", "a", "RANK", 0) == RespError(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from "
        "the second ... or use negative to start from the end of the list")
    assert c.call("LPOS", "l", "a", "COUNT", -1) == RespError(
        "ERR COUNT can't be negative")
    assert c.call("LPOS", "l", "a", "MAXLEN", -1) == RespError(
        "ERR MAXLEN can't be negative")
    assert c.call("LPOS", "l", "a", "BOGUS") == SYNTAX


def test_lmove_rpoplpush(c):
    assert c.call("RPUSH", "s", "a", "b", "c") == 3
    assert c.call("RPOPLPUSH", "s", "d") == b"c"
    assert c.call("LMOVE", "s", "d", "LEFT", "RIGHT") == b"a"
    assert c.call("LRANGE", "d", 0, -1) == [b"c", b"a"]
    assert c.call("LMOVE", "d", "d", "LEFT", "RIGHT") == b"c"
    assert c.call("LRANGE", "d", 0, -1) == [b"a", b"c"]
    assert c.call("LMOVE", "s", "d", "UP", "LEFT") == SYNTAX
    assert c.call("LMOVE", "nokey", "d", "LEFT", "LEFT") is None
    assert c.call("SET", "str", "v") == "OK"
    assert c.call("LMOVE", "d", "str", "LEFT", "LEFT") == WRONGTYPE
    assert c.call("LLEN", "d") == 2


def test_lmpop(c):
    assert c.call("RPUSH", "b", 1, 2, 3) == 3
    assert c.call("LMPOP", 2, "a", "b", "RIGHT", "COUNT", 2) == [b"b", [b"3", b"2"]]
    assert c.call("LMPOP", 2, "a", "b", "LEFT") == [b"b", [b"1"]]
    assert c.call("LMPOP", 0, "a", "LEFT") == RespError(
        "ERR numkeys should be greater than 0")
    assert c.call("LMPOP", 1, "a", "LEFT", "COUNT", 0) == RespError(
        "ERR count should be greater than 0")
    assert c.call("LMPOP", 3, "a", "b", "LEFT") == SYNTAX


def test_wrongtype(c):
    assert c.call("SET", "s", "v") == "OK"
    for args in (("LPUSH", "s", "a"), ("LPOP", "s"), ("LLEN", "s"),
                 ("LRANGE", "s", 0, 1), ("LINDEX", "s", 0), ("LREM", "s", 0, "a"),
                 ("LPOS", "s", "a"), ("BLPOP", "nokey", "s", 0)):
        assert c.call(*args) == WRONGTYPE, args
    assert c.call("GET", "s") == b"v"


def test_large_list_roundtrip(rb):
    rnd = random.Random(7)
    items = []
    for i in range(3000):
        n = rnd.choice((0, 1, 5, 40, 300, 2000)) if i % 100 else 20000
        items.append(bytes(rnd.getrandbits(8) for _ in range(min(n, 64))) * (n // 64 + 1))
    p = rb.pipeline(transaction=False)
    for i, it in enumerate(items):
        if i % 2:
            p.rpush(b"big", it)
        else:
            p.lpush(b"big", it)
    p.execute()
    model = [it for i, it in enumerate(items) if i % 2 == 0][::-1] + \
        [it for i, it in enumerate(items) if i % 2]
    assert rb.llen(b"big") == len(model)
    assert rb.lrange(b"big", 0, -1) == model
    for idx in (0, 1, 1499, 1500, 2998, -1, -1500):
        assert rb.lindex(b"big", idx) == model[idx]
    assert rb.lrange(b"big", 1000, 1010) == model[1000:1011]
    rb.ltrim(b"big", 10, -11)
    assert rb.lrange(b"big", 0, -1) == model[10:-10]


def test_blocking_in_multi_returns_nil(c):
    assert c.call("MULTI") == "OK"
    assert c.call("BLPOP", "q", 0) == "QUEUED"
    assert c.call("BLMOVE", "q", "d", "LEFT", "LEFT", 0) == "QUEUED"
    c.send_command("EXEC")
    assert c.read_line() == b"*2"
    assert c.read_line() == b"*-1"
    assert c.read_line() == b"$-1"


def test_timeout_errors(c):
    assert c.call("BLPOP", "q", -1) == RespError("ERR timeout is negative")
    assert c.call("BLPOP", "q", "inf") == RespError("ERR timeout is negative")
    assert c.call("BLPOP", "q", "abc") == RespError(
        "ERR timeout is not a float or out of range")
    assert c.call("BLMOVE", "q", "d", "LEFT", "LEFT", "x") == RespError(
        "ERR timeout is not a float or out of range")


@pytest.mark.needs_resp3
def test_resp3_nulls(c):
    assert c.call("HELLO", 3)[b"proto"] == 3
    assert raw(c, "LPOP", "nokey") == b"_"
    assert raw(c, "LPOP", "nokey", 3) == b"_"
    assert raw(c, "LMPOP", 1, "nokey", "LEFT") == b"_"
    assert raw(c, "BLPOP", "nokey", 0.01) == b"_"


# -- blocking across connections ------------------------------------------------

@pytest.fixture(scope="module")
def bsrv():
    s = Server([("io-threads", 4)])
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
def conns(bsrv):
    """Factory of raw connections to a 4-thread server, flushed first."""
    opened = []

    def make():
        c = bsrv.conn()
        opened.append(c)
        return c
    make().call("FLUSHALL")
    yield make
    for c in opened:
        c.close()
    bsrv.check_alive()


def blocked_clients(ctl):
    for line in ctl.call("INFO", "clients").decode().splitlines():
        if line.startswith("blocked_clients:"):
            return int(line.split(":")[1])
    raise AssertionError("INFO clients has no blocked_clients")


def wait_blocked(ctl, n):
    deadline_wait(lambda: blocked_clients(ctl) == n, timeout=5.0,
                  what="%d blocked client(s)" % n)


@pytest.mark.needs_info
def test_blpop_woken_by_push_from_other_connection(conns):
    ctl, waiter, pusher = conns(), conns(), conns()
    waiter.send_command("BLPOP", "q1", "q2", 0)
    wait_blocked(ctl, 1)
    assert pusher.call("LPUSH", "q2", "hello") == 1
    assert waiter.read_reply(timeout=5) == [b"q2", b"hello"]
    assert pusher.call("EXISTS", "q2") == 0
    wait_blocked(ctl, 0)


def test_blpop_timeout(conns):
    c = conns()
    t0 = time.monotonic()
    assert raw(c, "BLPOP", "q", 0.2) == b"*-1"
    assert time.monotonic() - t0 >= 0.15
    assert raw(c, "BLMOVE", "q", "d", "LEFT", "LEFT", 0.1) == b"*-1"
    assert raw(c, "BRPOPLPUSH", "q", "d", 0.1) == b"*-1"
    assert c.call("PING") == "PONG"


@pytest.mark.needs_info
def test_two_waiters_fifo(conns):
    ctl, w1, w2, pusher = conns(), conns(), conns(), conns()
    w1.send_command("BRPOP", "q", 0)
    wait_blocked(ctl, 1)
    w2.send_command("BLPOP", "q", 0)
    wait_blocked(ctl, 2)
    assert pusher.call("RPUSH", "q", "first") == 1
    assert w1.read_reply(timeout=5) == [b"q", b"first"]
    wait_blocked(ctl, 1)
    assert pusher.call("RPUSH", "q", "second", "third") == 2
    assert w2.read_reply(timeout=5) == [b"q", b"second"]
    assert pusher.call("LRANGE", "q", 0, -1) == [b"third"]


@pytest.mark.needs_info
def test_blmove_woken(conns):
    ctl, waiter, pusher = conns(), conns(), conns()
    waiter.send_command("BLMOVE", "src", "dst", "RIGHT", "LEFT", 0)
    wait_blocked(ctl, 1)
    assert pusher.call("RPUSH", "src", "a", "b") == 2
    assert waiter.read_reply(timeout=5) == b"b"
    assert pusher.call("LRANGE", "dst", 0, -1) == [b"b"]
    assert pusher.call("LRANGE", "src", 0, -1) == [b"a"]
    # A chain: the moved element wakes a waiter on the destination.
    waiter.send_command("BRPOPLPUSH", "e", "f", 0)
    wait_blocked(ctl, 1)
    other = conns()
    other.send_command("BLPOP", "f", 0)
    wait_blocked(ctl, 2)
    assert pusher.call("LPUSH", "e", "z") == 1
    assert waiter.read_reply(timeout=5) == b"z"
    assert other.read_reply(timeout=5) == [b"f", b"z"]


@pytest.mark.needs_info
def test_blmpop_woken(conns):
    ctl, waiter, pusher = conns(), conns(), conns()
    waiter.send_command("BLMPOP", 0, 2, "a", "b", "LEFT", "COUNT", 2)
    wait_blocked(ctl, 1)
    assert pusher.call("RPUSH", "b", 1, 2, 3) == 3
    assert waiter.read_reply(timeout=5) == [b"b", [b"1", b"2"]]


@pytest.mark.needs_info
def test_pipelined_commands_wait_for_the_blocked_one(conns):
    ctl, waiter, pusher = conns(), conns(), conns()
    waiter.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n"
                b"*2\r\n$4\r\nECHO\r\n$5\r\nafter\r\n")
    wait_blocked(ctl, 1)
    assert pusher.call("RPUSH", "q", "v") == 1
    assert waiter.read_reply(timeout=5) == [b"q", b"v"]
    assert waiter.read_reply(timeout=5) == b"after"


@pytest.mark.needs_info
def test_disconnect_while_blocked(conns):
    ctl, pusher = conns(), conns()
    waiter = conns()
    waiter.send_command("BLPOP", "q", 0)
    wait_blocked(ctl, 1)
    waiter.close()
    wait_blocked(ctl, 0)
    assert pusher.call("RPUSH", "q", "v") == 1
    assert pusher.call("LLEN", "q") == 1


@pytest.mark.needs_info
def test_waiter_skips_non_list_until_a_list_arrives(conns):
    ctl, waiter, pusher = conns(), conns(), conns()
    waiter.send_command("BLPOP", "k1", "k2", 0)
    wait_blocked(ctl, 1)
    assert pusher.call("SET", "k1", "string") == "OK"
    assert pusher.call("RPUSH", "k2", "v") == 1
    assert waiter.read_reply(timeout=5) == [b"k2", b"v"]


def test_concurrent_pushers_and_waiters_every_element_once(conns):
    """4 pushers and 10 blocked consumers (BLPOP, BLMOVE into a list that
    two more consumers drain) on different connections and threads: every
    element is delivered exactly once and nothing is left behind."""
    n, got, lock = 800, [], threading.Lock()
    done = threading.Event()

    def consumer(c, args, key_of_reply):
        while True:
            r = c.call(*args)
            if r is None:
                if done.is_set():
                    return
                continue
            with lock:
                got.append((key_of_reply, r[1] if isinstance(r, list) else r))

    threads = []
    for i in range(8):
        args = (("BLPOP", "q1", "q2", "q3", 0.2) if i % 2 else
                ("BLMOVE", "q%d" % (1 + i % 3), "mid", "LEFT", "RIGHT", 0.2))
        threads.append(threading.Thread(target=consumer, args=(conns(), args, "q")))
    for _ in range(2):
        threads.append(threading.Thread(target=consumer,
                                        args=(conns(), ("BLPOP", "mid", 0.2), "mid")))

    def pusher(c, j):
        for k in range(n):
            c.call("RPUSH", "q%d" % (1 + k % 3), "%d:%d" % (j, k))
    pushers = [threading.Thread(target=pusher, args=(conns(), j)) for j in range(4)]
    for t in threads + pushers:
        t.start()
    ctl = conns()
    try:
        for t in pushers:
            t.join(30)
        deadline_wait(lambda: sum(ctl.call("LLEN", k) for k in ("q1", "q2", "q3", "mid")) == 0,
                      timeout=20.0, what="every list drained")
    finally:
        done.set()
        for t in threads:
            t.join(30)
    from_q = [v for k, v in got if k == "q"]
    from_mid = [v for k, v in got if k == "mid"]
    want = {b"%d:%d" % (j, k) for j in range(4) for k in range(n)}
    assert len(from_q) == len(want) and set(from_q) == want
    assert len(from_mid) == len(set(from_mid)) and set(from_mid) <= want
