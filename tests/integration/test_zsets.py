"""Sorted-set commands: replies (RESP2 flat pairs, RESP3 nested pairs and
doubles), Redis's exact errors, set algebra, ZSCAN, and blocking pops
woken from another connection."""

import random
import time

import pytest

from conftest import Server, ServerError
from resp import RespError
from util import deadline_wait

WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")
SYNTAX = RespError("ERR syntax error")
NOTFLOAT = RespError("ERR value is not a valid float")
MINMAX = RespError("ERR min or max is not a float")
LEXERR = RespError("ERR min or max not valid string range item")

pytestmark = pytest.mark.needs_zsets


def raw(c, *args):
    """The first line of the reply, to tell *-1 from $-1."""
    c.send_command(*args)
    return c.read_line()


def test_zadd_flags(c):
    assert c.call("ZADD", "z", 1, "a", 2, "b", 3, "c") == 3
    assert c.call("ZADD", "z", "CH", 5, "a", 2, "b", 4, "d") == 2
    assert c.call("ZADD", "z", "XX", 10, "nope") == 0
    assert c.call("ZADD", "z", "NX", 9, "a") == 0
    assert c.call("ZADD", "z", "GT", "CH", 1, "a") == 0
    assert c.call("ZADD", "z", "LT", "CH", 1, "a") == 1
    assert c.call("ZADD", "z", "INCR", 2, "a") == b"3"
    assert c.call("ZADD", "z", "INCR", "NX", 2, "a") is None
    assert c.call("ZINCRBY", "z", "1.5", "b") == b"3.5"
    assert c.call("ZRANGE", "z", 0, -1, "WITHSCORES") == [
        b"a", b"3", b"c", b"3", b"b", b"3.5", b"d", b"4"]
    assert c.call("ZCARD", "z") == 4


def test_zadd_errors(c):
    assert c.call("ZADD", "z", "NX", "XX", 1, "a") == RespError(
        "ERR XX and NX options at the same time are not compatible")
    assert c.call("ZADD", "z", "GT", "LT", 1, "a") == RespError(
        "ERR GT, LT, and/or NX options at the same time are not compatible")
    assert c.call("ZADD", "z", "INCR", 1, "a", 2, "b") == RespError(
        "ERR INCR option supports a single increment-element pair")
    assert c.call("ZADD", "z", "x", "a") == NOTFLOAT
    assert c.call("ZADD", "z", "nan", "a") == NOTFLOAT
    assert c.call("ZADD", "z", 1, "a", 2) == SYNTAX
    assert c.call("EXISTS", "z") == 0
    assert c.call("ZADD", "z", "INCR", "inf", "a") == b"inf"
    assert c.call("ZINCRBY", "z", "-inf", "a") == RespError(
        "ERR resulting score is not a number (NaN)")


def test_score_formatting(c):
    """Redis 7.0 replies doubles with %.17g."""
    assert c.call("ZADD", "z", "0.1", "p", 10, "q", "1e17", "r", "3.3", "s",
                  "-inf", "t") == 5
    assert c.call("ZRANGE", "z", 0, -1, "WITHSCORES") == [
        b"t", b"-inf", b"p", b"0.10000000000000001", b"s",
        b"3.2999999999999998", b"q", b"10", b"r", b"1e+17"]
    assert c.call("ZSCORE", "z", "q") == b"10"


def test_readers(c):
    assert c.call("ZADD", "z", 1, "a", 2, "b", 3, "c") == 3
    assert c.call("ZSCORE", "z", "x") is None
    assert c.call("ZMSCORE", "z", "a", "x", "c") == [b"1", None, b"3"]
    assert c.call("ZRANK", "z", "c") == 2
    assert c.call("ZREVRANK", "z", "c") == 0
    assert c.call("ZRANK", "z", "x") is None
    assert c.call("ZCOUNT", "z", "(1", "+inf") == 2
    assert c.call("ZCOUNT", "z", "x", 1) == MINMAX
    assert c.call("ZREM", "z", "a", "x") == 1
    assert c.call("ZCARD", "nokey") == 0


def test_zrange_forms(c):
    assert c.call("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d") == 4
    assert c.call("ZRANGE", "z", -2, -1) == [b"c", b"d"]
    assert c.call("ZRANGE", "z", 0, 1, "REV", "WITHSCORES") == [b"d", b"4", b"c", b"3"]
    assert c.call("ZRANGE", "z", "(1", 3, "BYSCORE") == [b"b", b"c"]
    assert c.call("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", 1, 2) == [b"c", b"b"]
    assert c.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", 1, -1) == [b"b", b"c", b"d"]
    assert c.call("ZREVRANGEBYSCORE", "z", 3, "(1", "WITHSCORES") == [b"c", b"3", b"b", b"2"]
    assert c.call("ZRANGE", "z", 0, -1, "LIMIT", 0, 1) == RespError(
        "ERR syntax error, LIMIT is only supported in combination with "
        "either BYSCORE or BYLEX")
    assert c.call("ZRANGE", "z", 0, 1, "BYSCORE", "BYLEX") == SYNTAX
    assert c.call("ZRANGE", "z", 1, "x", "BYSCORE") == MINMAX
    assert c.call("ZADD", "lex", 0, "a", 0, "b", 0, "c", 0, "d") == 4
    assert c.call("ZRANGEBYLEX", "lex", "(a", "[c") == [b"b", b"c"]
    assert c.call("ZRANGE", "lex", "+", "-", "BYLEX", "REV", "LIMIT", 0, 2) == [b"d", b"c"]
    assert c.call("ZLEXCOUNT", "lex", "-", "+") == 4
    assert c.call("ZRANGEBYLEX", "lex", "a", "+") == LEXERR
    assert c.call("ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES") == RespError(
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX")


def test_zrangestore_and_zremrange(c):
    assert c.call("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e") == 5
    assert c.call("ZRANGESTORE", "d", "z", 1, 3) == 3
    assert c.call("ZRANGE", "d", 0, -1) == [b"b", b"c", b"d"]
    assert c.call("ZRANGESTORE", "d", "z", 10, 20) == 0
    assert c.call("EXISTS", "d") == 0
    assert c.call("ZREMRANGEBYRANK", "z", 0, 0) == 1
    assert c.call("ZREMRANGEBYSCORE", "z", "(4", "+inf") == 1
    assert c.call("ZREMRANGEBYLEX", "z", "[c", "[c") == 1
    assert c.call("ZRANGE", "z", 0, -1) == [b"b", b"d"]
    assert c.call("ZREMRANGEBYRANK", "z", 0, -1) == 2
    assert c.call("EXISTS", "z") == 0


def test_pops(c):
    assert c.call("ZPOPMIN", "z") == []
    assert c.call("ZADD", "z", 1, "a", 2, "b", 3, "c") == 3
    assert c.call("ZPOPMIN", "z") == [b"a", b"1"]
    assert c.call("ZPOPMAX", "z", 5) == [b"c", b"3", b"b", b"2"]
    assert c.call("EXISTS", "z") == 0
    assert c.call("ZPOPMIN", "z", -1) == RespError(
        "ERR value is out of range, must be positive")
    assert raw(c, "ZMPOP", 1, "z", "MIN") == b"*-1"
    assert c.call("ZADD", "y", 1, "a", 2, "b") == 2
    assert c.call("ZMPOP", 2, "z", "y", "MAX", "COUNT", 5) == [
        b"y", [[b"b", b"2"], [b"a", b"1"]]]
    assert c.call("ZMPOP", 0, "z", "MIN") == RespError(
        "ERR numkeys should be greater than 0")


def test_algebra(c):
    assert c.call("ZADD", "a", 1, "x", 2, "y") == 2
    assert c.call("ZADD", "b", 3, "y", 4, "z") == 2
    assert c.call("ZUNION", 2, "a", "b", "WITHSCORES") == [
        b"x", b"1", b"z", b"4", b"y", b"5"]
    assert c.call("ZUNIONSTORE", "d", 2, "a", "b", "WEIGHTS", 2, 3,
                  "AGGREGATE", "MAX") == 3
    assert c.call("ZRANGE", "d", 0, -1, "WITHSCORES") == [
        b"x", b"2", b"y", b"9", b"z", b"12"]
    assert c.call("ZINTER", 2, "a", "b", "WITHSCORES", "AGGREGATE", "MIN") == [b"y", b"2"]
    assert c.call("ZINTERSTORE", "d", 2, "a", "nokey") == 0
    assert c.call("EXISTS", "d") == 0
    assert c.call("ZDIFF", 2, "a", "b") == [b"x"]
    assert c.call("ZDIFFSTORE", "d", 2, "b", "a") == 1
    assert c.call("ZINTERCARD", 2, "a", "b") == 1
    assert c.call("ZINTERCARD", 2, "a", "b", "LIMIT", -1) == RespError(
        "ERR LIMIT can't be negative")
    assert c.call("ZUNION", 0, "a") == RespError(
        "ERR at least 1 input key is needed for 'zunion' command")
    assert c.call("ZUNIONSTORE", "d", 3, "a", "b") == SYNTAX
    assert c.call("ZUNIONSTORE", "d", 2, "a", "b", "WEIGHTS", 1, "x") == RespError(
        "ERR weight value is not a float")
    assert c.call("ZDIFF", 2, "a", "b", "AGGREGATE", "SUM") == SYNTAX
    assert c.call("SET", "s", "v") == "OK"
    assert c.call("ZUNION", 2, "a", "s") == WRONGTYPE


@pytest.mark.needs_sets
def test_algebra_with_plain_sets(c):
    """A set's members score 1."""
    assert c.call("ZADD", "a", 1, "x", 2, "y") == 2
    assert c.call("SADD", "s", "y", "w") == 2
    assert c.call("ZUNION", 2, "a", "s", "WITHSCORES") == [
        b"w", b"1", b"x", b"1", b"y", b"3"]
    assert c.call("ZINTER", 2, "s", "a", "WEIGHTS", 5, 1, "WITHSCORES") == [b"y", b"7"]
    assert c.call("ZDIFFSTORE", "d", 2, "s", "a") == 1
    assert c.call("ZRANGE", "d", 0, -1, "WITHSCORES") == [b"w", b"1"]


def test_object_encoding(c):
    assert c.call("ZADD", "z", 1, "a") == 1
    assert c.call("OBJECT", "ENCODING", "z") == b"listpack"
    assert c.call("ZADD", "z", *sum(([i, "m%d" % i] for i in range(128)), [])) == 128
    assert c.call("OBJECT", "ENCODING", "z") == b"skiplist"
    assert c.call("ZREMRANGEBYRANK", "z", 1, -1) == 128
    assert c.call("OBJECT", "ENCODING", "z") == b"skiplist"
    assert c.call("RPUSH", "l", "x") == 1
    assert c.call("OBJECT", "ENCODING", "l") == b"quicklist"


def test_zrandmember(c):
    assert c.call("ZRANDMEMBER", "z") is None
    assert c.call("ZRANDMEMBER", "z", 3) == []
    members = [b"m%d" % i for i in range(20)]
    args = []
    for i, m in enumerate(members):
        args += [i, m]
    assert c.call("ZADD", "z", *args) == 20
    assert c.call("ZRANDMEMBER", "z") in members
    for n in (1, 5, 15, 20, 50):
        got = c.call("ZRANDMEMBER", "z", n)
        assert len(got) == min(n, 20) and len(set(got)) == len(got)
        assert set(got) <= set(members)
    got = c.call("ZRANDMEMBER", "z", -60, "WITHSCORES")
    assert len(got) == 120
    for m, s in zip(got[::2], got[1::2]):
        assert s == b"%d" % members.index(m)
    assert c.call("ZRANDMEMBER", "z", 1, "foo") == SYNTAX


def test_zscan_big_set(r):
    members = {"e%d" % i: float(i % 17) for i in range(1500)}
    p = r.pipeline(transaction=False)
    for m, s in members.items():
        p.zadd("big", {m: s})
    p.execute()
    seen = {}
    for m, s in r.zscan_iter("big", count=100):
        assert m not in seen
        seen[m] = s
    assert seen == members
    assert sorted(m for m, _ in r.zscan_iter("big", match="e14*")) == sorted(
        m for m in members if m.startswith("e14"))


def test_zscan_errors(c):
    assert c.call("ZSCAN", "z", "x") == RespError("ERR invalid cursor")
    assert c.call("ZSCAN", "nokey", 0) == [b"0", []]
    assert c.call("ZADD", "z", 1, "a") == 1
    assert c.call("ZSCAN", "z", 0, "COUNT", 0) == SYNTAX
    assert c.call("ZSCAN", "z", 0, "MATCH") == SYNTAX


def test_randomized_against_model(r):
    """ZADD/ZREM/ZINCRBY, then ranks and score ranges, against a dict."""
    rnd = random.Random(11)
    model = {}

    def ordered():
        return sorted(model.items(), key=lambda kv: (kv[1], kv[0]))

    for step in range(600):
        m = "m%d" % rnd.randrange(40)
        op = rnd.randrange(4)
        if op == 0:
            s = rnd.randrange(-10, 10) / 2
            assert r.zadd("z", {m: s}) == (0 if m in model else 1)
            model[m] = s
        elif op == 1:
            assert r.zrem("z", m) == (1 if model.pop(m, None) is not None else 0)
        elif op == 2:
            inc = rnd.randrange(-4, 5) / 2
            model[m] = model.get(m, 0) + inc
            assert r.zincrby("z", inc, m) == model[m]
        else:
            lo, hi = sorted((rnd.randrange(-12, 12) / 2, rnd.randrange(-12, 12) / 2))
            want = [(k, v) for k, v in ordered() if lo < v <= hi]
            assert r.zrangebyscore("z", "(%s" % lo, hi, withscores=True) == want
            assert r.zcount("z", "(%s" % lo, hi) == len(want)
        if step % 50 == 0:
            assert r.zrange("z", 0, -1, withscores=True) == ordered()
            for i, (k, _) in enumerate(ordered()):
                assert r.zrank("z", k) == i


@pytest.mark.needs_resp3
def test_resp3_shapes(c):
    assert c.call("HELLO", 3)[b"proto"] == 3
    assert c.call("ZADD", "z", 1, "a", "2.5", "b") == 2
    assert c.call("ZRANGE", "z", 0, -1, "WITHSCORES") == [[b"a", 1.0], [b"b", 2.5]]
    assert c.call("ZSCORE", "z", "b") == 2.5
    assert c.call("ZPOPMIN", "z") == [b"a", 1.0]
    assert c.call("ZPOPMIN", "z", 1) == [[b"b", 2.5]]
    assert raw(c, "ZSCORE", "z", "b") == b"_"
    assert raw(c, "ZMPOP", 1, "z", "MIN") == b"_"
    assert c.call("ZADD", "z", 1, "a") == 1
    assert c.call("ZRANDMEMBER", "z", -2, "WITHSCORES") == [[b"a", 1.0], [b"a", 1.0]]
    assert c.call("ZSCAN", "z", 0) == [b"0", [b"a", b"1"]]


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
def test_bzpopmin_woken_by_zadd(conns):
    ctl, w1, w2, writer = conns(), conns(), conns(), conns()
    w1.send_command("BZPOPMIN", "z1", "z2", 0)
    wait_blocked(ctl, 1)
    w2.send_command("BZMPOP", 0, 1, "z2", "MAX", "COUNT", 2)
    wait_blocked(ctl, 2)
    assert writer.call("ZADD", "z2", 1, "a", 2, "b", 3, "c") == 3
    assert w1.read_reply(timeout=5) == [b"z2", b"a", b"1"]
    assert w2.read_reply(timeout=5) == [b"z2", [[b"c", b"3"], [b"b", b"2"]]]
    assert writer.call("EXISTS", "z2") == 0
    wait_blocked(ctl, 0)


def test_bzpop_timeout(conns):
    c = conns()
    t0 = time.monotonic()
    assert raw(c, "BZPOPMAX", "z", 0.2) == b"*-1"
    assert time.monotonic() - t0 >= 0.15
    assert raw(c, "BZMPOP", 0.05, 1, "z", "MIN") == b"*-1"
    assert c.call("BZPOPMIN", "z", -1) == RespError("ERR timeout is negative")
    assert c.call("MULTI") == "OK"
    assert c.call("BZPOPMIN", "z", 0) == "QUEUED"
    assert c.call("EXEC") == [None]
