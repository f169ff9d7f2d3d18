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


def test_small_hash_keeps_insertion_order(r):
    # Small hashes are compact (Redis: a listpack) and keep insertion order;
    # an overwrite keeps the field's place, a removed field comes back last.
    fields = ["zeta", "alpha", "mid", "b", "k9"]
    for i, f in enumerate(fields):
        r.hset("h", f, str(i))
    assert r.object("encoding", "h") == "listpack"
    assert r.hkeys("h") == fields
    r.hset("h", "alpha", "a much longer value than before")
    r.hdel("h", "mid")
    r.hset("h", "mid", "again")
    assert r.hkeys("h") == ["zeta", "alpha", "b", "k9", "mid"]
    assert r.hvals("h") == ["0", "a much longer value than before", "3", "4", "again"]
    assert list(r.hgetall("h")) == r.hkeys("h")
    # a 65-byte value or a 513th field makes it a table, and HDEL does not
    # make it compact again
    r.hset("h", "long", "v" * 65)
    assert r.object("encoding", "h") == "hashtable"
    r.hdel("h", "long")
    assert r.object("encoding", "h") == "hashtable"
    assert r.hgetall("h") == {"zeta": "0", "alpha": "a much longer value than before",
                              "b": "3", "k9": "4", "mid": "again"}
    r.hset("h2", mapping={"f%d" % i: str(i) for i in range(512)})
    assert r.object("encoding", "h2") == "listpack"
    r.hset("h2", "f512", "x")
    assert r.object("encoding", "h2") == "hashtable"
    assert r.hgetall("h2") == dict({"f%d" % i: str(i) for i in range(512)}, f512="x")


def test_small_hash_random_and_counters(r):
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    picks = r.hrandfield("h", -300, withvalues=True)
    pairs = list(zip(picks[::2], picks[1::2]))
    assert len(pairs) == 300 and set(pairs) == {("a", "1"), ("b", "2"), ("c", "3")}
    assert sorted(r.hrandfield("h", 2)) in (["a", "b"], ["a", "c"], ["b", "c"])
    assert r.hincrby("h", "n", 5) == 5 and r.hincrby("h", "n", -7) == -2
    assert r.hincrbyfloat("h", "a", 0.25) == 1.25
    assert r.hget("h", "a") == "1.25" and r.hstrlen("h", "n") == 2
    assert r.object("encoding", "h") == "listpack"


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


def test_small_integer_sets(r):
    # up to 512 integers: compact (Redis: an intset); every command sees
    # the same members whatever the form
    r.sadd("s", *range(100, 0, -1))
    assert r.object("encoding", "s") == "intset"
    assert r.smembers("s") == {str(i) for i in range(1, 101)}
    assert r.sismember("s", "50") and not r.sismember("s", "050")
    assert r.smismember("s", ["1", "0", "100"]) == [1, 0, 1]
    popped = set(r.spop("s", 30))
    assert len(popped) == 30 and r.scard("s") == 70
    assert r.smembers("s") == {str(i) for i in range(1, 101)} - popped
    rnd = r.srandmember("s", -500)
    assert len(rnd) == 500 and set(rnd) <= r.smembers("s")
    assert r.smove("s", "t", next(iter(r.smembers("s")))) == 1
    r.sadd("u", *range(1, 513))
    assert r.object("encoding", "u") == "intset"
    assert r.sinterstore("i", "s", "u") == 69 and r.object("encoding", "i") == "intset"
    assert r.smembers("i") == r.smembers("s")
    assert r.sunionstore("v", "s", "t", "u") == 512
    assert r.sdiff("u", "s", "t") == {str(i) for i in range(1, 513)} - r.smembers("s") - r.smembers("t")
    r.sadd("u", "513")
    assert r.object("encoding", "u") == "hashtable"
    r.sadd("w", "1", "x")
    assert r.object("encoding", "w") == "hashtable"
    assert r.smembers("w") == {"1", "x"}


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
