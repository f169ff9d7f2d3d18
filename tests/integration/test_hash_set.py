"""Hashes and sets through real clients: redis-py round trips, exact error
strings, RESP3 reply types, and cross-shard set moves from many clients."""

import threading
import time

import pytest

from resp import RespError, RespSet

WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")

# Keys in different shards ({a}: slot 15495, {b}: slot 3300).
KA, KB = "{a}set", "{b}set"


# -- hashes -------------------------------------------------------------------

def test_hash_roundtrip(r):
    assert r.hset("h", mapping={"a": "1", "b": "2", "c": "x"}) == 3
    assert r.hgetall("h") == {"a": "1", "b": "2", "c": "x"}
    assert r.hget("h", "a") == "1" and r.hget("h", "zz") is None
    assert r.hmget("h", "b", "zz") == ["2", None]
    assert sorted(r.hkeys("h")) == ["a", "b", "c"]
    assert sorted(r.hvals("h")) == ["1", "2", "x"]
    assert r.hlen("h") == 3 and r.hstrlen("h", "c") == 1
    assert r.hexists("h", "a") and not r.hexists("h", "zz")
    assert r.hsetnx("h", "a", "9") == 0 and r.hsetnx("h", "d", "4") == 1
    assert r.hincrby("h", "a", 41) == 42
    assert r.hincrbyfloat("h", "b", 0.5) == 2.5
    assert r.hdel("h", "a", "b", "c", "d", "zz") == 4
    assert r.exists("h") == 0
    assert r.type("h") == "none"


def test_hash_errors(c):
    assert c.call("SET", "s", "x") == "OK"
    assert c.call("HSET", "s", "a", "1") == WRONGTYPE
    assert c.call("HSET", "h", "a") == RespError(
        "ERR wrong number of arguments for 'hset' command")
    assert c.call("HSET", "h", "a", "x") == 1
    assert c.call("HINCRBY", "h", "a", "1") == RespError(
        "ERR hash value is not an integer")
    assert c.call("HINCRBYFLOAT", "h", "a", "1") == RespError(
        "ERR hash value is not a float")
    assert c.call("HSET", "h", "n", "9223372036854775807") == 1
    assert c.call("HINCRBY", "h", "n", "1") == RespError(
        "ERR increment or decrement would overflow")
    assert c.call("HRANDFIELD", "h", "1", "x") == RespError("ERR syntax error")
    assert c.call("HSCAN", "h", "x") == RespError("ERR invalid cursor")


def test_hscan_iter_large_hash(r):
    fields = {"f%d" % i: str(i) for i in range(1000)}
    r.hset("h", mapping=fields)
    seen = dict(r.hscan_iter("h", count=50))
    assert seen == fields
    assert dict(r.hscan_iter("h", match="f99*")) == {
        k: v for k, v in fields.items() if k.startswith("f99")}


def test_hrandfield(r):
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    assert r.hrandfield("h") in ("a", "b", "c")
    assert sorted(r.hrandfield("h", 10)) == ["a", "b", "c"]
    two = r.hrandfield("h", 2)
    assert len(set(two)) == 2
    many = r.hrandfield("h", -20)
    assert len(many) == 20 and set(many) <= {"a", "b", "c"}
    flat = r.hrandfield("h", 3, withvalues=True)
    assert dict(zip(flat[::2], flat[1::2])) == {"a": "1", "b": "2", "c": "3"}


@pytest.mark.needs_resp3
def test_hash_resp3_types(c):
    assert isinstance(c.call("HELLO", "3"), dict)
    assert c.call("HSET", "h", "a", "1") == 1
    assert c.call("HGETALL", "h") == {b"a": b"1"}
    assert c.call("HGETALL", "nokey") == {}
    assert c.call("HRANDFIELD", "h", "1", "WITHVALUES") == [[b"a", b"1"]]
    assert c.call("HGET", "h", "zz") is None
    assert c.call("HINCRBYFLOAT", "h", "a", "0.5") == b"1.5"


# -- sets ---------------------------------------------------------------------

def test_set_roundtrip(r):
    assert r.sadd(KA, "1", "2", "3", "3") == 3
    assert r.sadd(KB, "3", "4") == 2
    assert r.smembers(KA) == {"1", "2", "3"}
    assert r.scard(KA) == 3 and r.sismember(KA, "1")
    assert r.smismember(KA, ["1", "9"]) == [1, 0]
    assert r.sinter(KA, KB) == {"3"}
    assert r.sunion(KA, KB) == {"1", "2", "3", "4"}
    assert r.sdiff(KA, KB) == {"1", "2"}
    assert r.sintercard(2, [KA, KB]) == 1
    assert r.sinterstore("{a}d", [KA, KB]) == 1
    assert r.sunionstore("{b}d", [KA, KB]) == 4
    assert r.sdiffstore("d", [KA, KB]) == 2
    assert r.smembers("d") == {"1", "2"}
    assert r.smove(KA, KB, "1") is True
    assert r.smembers(KB) == {"1", "3", "4"}
    assert r.srem(KA, "2", "3", "9") == 2
    assert r.exists(KA) == 0


def test_set_errors(c):
    assert c.call("SET", "s", "x") == "OK"
    for args in (("SADD", "s", "a"), ("SMEMBERS", "s"), ("SINTER", "nokey", "s"),
                 ("SMOVE", "s", "t", "a"), ("SPOP", "s")):
        assert c.call(*args) == WRONGTYPE, args
    assert c.call("SMOVE", "nokey", "s", "a") == 0
    assert c.call("SINTERCARD", "0", "a") == RespError(
        "ERR numkeys should be greater than 0")
    assert c.call("SINTERCARD", "3", "a", "b") == RespError(
        "ERR Number of keys can't be greater than number of args")
    assert c.call("SINTERCARD", "1", "a", "LIMIT", "-1") == RespError(
        "ERR LIMIT can't be negative")
    assert c.call("SPOP", "t", "-1") == RespError(
        "ERR value is out of range, must be positive")


def test_spop_srandmember_sscan(r):
    members = {str(i) for i in range(600)}
    r.sadd("s", *members)
    assert set(r.sscan_iter("s", count=25)) == members
    assert set(r.srandmember("s", 1000)) == members
    picked = r.srandmember("s", 10)
    assert len(set(picked)) == 10 and set(picked) <= members
    popped = set(r.spop("s", 100))
    assert len(popped) == 100 and popped <= members
    assert r.scard("s") == 500
    assert not popped & set(r.smembers("s"))
    rest = set(r.spop("s", 1000))
    assert rest == members - popped and r.exists("s") == 0


@pytest.mark.needs_resp3
def test_set_resp3_types(c):
    assert isinstance(c.call("HELLO", "3"), dict)
    assert c.call("SADD", "s", "a") == 1
    for args in (("SMEMBERS", "s"), ("SINTER", "s"), ("SUNION", "s"), ("SDIFF", "s")):
        got = c.call(*args)
        assert isinstance(got, RespSet) and list(got) == [b"a"], args
    assert isinstance(c.call("SPOP", "nokey", "1"), RespSet)
    got = c.call("SRANDMEMBER", "s", "-2")
    assert got == [b"a", b"a"] and not isinstance(got, RespSet)


def test_concurrent_cross_shard_smove(server):
    """Clients move members back and forth between sets in two shards
    while others read both: no member is lost or duplicated, and every
    reader sees a consistent total (both shard locks are held)."""
    setup = server.client()
    setup.flushall()
    n = 200
    setup.sadd(KA, *range(n))
    stop = time.monotonic() + 3.0
    errors = []

    def mover(seed):
        cl = server.client()
        i = seed
        while time.monotonic() < stop:
            m = str(i % n)
            cl.smove(KA, KB, m) or cl.smove(KB, KA, m)
            i += 7

    def reader():
        cl = server.client()
        while time.monotonic() < stop:
            pipe = cl.pipeline(transaction=True)
            pipe.scard(KA).scard(KB)
            a, b = pipe.execute()
            if a + b != n:
                errors.append((a, b))
            inter = cl.sinter(KA, KB)
            if inter:
                errors.append(inter)

    threads = [threading.Thread(target=mover, args=(s,)) for s in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive()
    assert errors == []
    assert setup.smembers(KA) | setup.smembers(KB) == {str(i) for i in range(n)}
    assert setup.scard(KA) + setup.scard(KB) == n
