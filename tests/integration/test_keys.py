"""Generic key commands: DEL EXISTS TYPE RENAME KEYS SCAN ... and databases."""

import time

import pytest

from util import deadline_wait, wait_until_wallclock
from resp import RespError, Status

SYNTAX = RespError("ERR syntax error")
NOTINT = RespError("ERR value is not an integer or out of range")
NOSUCHKEY = RespError("ERR no such key")
DBRANGE = RespError("ERR DB index is out of range")
SAME = RespError("ERR source and destination objects are the same")


def mset(c, *keys):
    args = []
    for k in keys:
        args += [k, "v:" + k]
    assert c.call("MSET", *args) == "OK"


def test_del_counts_removed_keys(c):
    mset(c, "a", "b", "c")
    assert c.call("DEL", "a", "nope") == 1
    assert c.call("DEL", "b", "b", "c") == 2
    assert c.call("DEL", "a") == 0
    assert c.call("DBSIZE") == 0


def test_unlink(c):
    mset(c, "a", "b")
    assert c.call("UNLINK", "a", "b", "x") == 2
    assert c.call("EXISTS", "a", "b") == 0


def test_exists_counts_duplicates(c):
    mset(c, "a", "b")
    assert c.call("EXISTS", "a") == 1
    assert c.call("EXISTS", "a", "a", "a") == 3
    assert c.call("EXISTS", "a", "b", "nope", "b") == 3
    assert c.call("EXISTS", "nope") == 0
    assert c.call("EXISTS") == RespError(
        "ERR wrong number of arguments for 'exists' command")


def test_type(c):
    mset(c, "s")
    t = c.call("TYPE", "s")
    assert t == "string" and isinstance(t, Status)
    assert c.call("TYPE", "nope") == "none"
    assert c.call("SET", "n", "12") == "OK"
    assert c.call("TYPE", "n") == "string"


@pytest.mark.needs_lists
def test_type_list(c):
    assert c.call("RPUSH", "l", "x") == 1
    assert c.call("TYPE", "l") == "list"


def test_rename(c):
    assert c.call("SET", "a", "1", "EX", "100") == "OK"
    assert c.call("SET", "b", "2") == "OK"
    assert c.call("RENAME", "a", "b") == "OK"
    assert c.call("GET", "b") == b"1"
    assert c.call("EXISTS", "a") == 0
    assert 98 <= c.call("TTL", "b") <= 100
    assert c.call("RENAME", "b", "b") == "OK"
    assert c.call("GET", "b") == b"1"
    assert c.call("SET", "c", "3") == "OK"
    assert c.call("SET", "d", "4", "EX", "100") == "OK"
    assert c.call("RENAME", "c", "d") == "OK"
    assert c.call("TTL", "d") == -1


def test_rename_errors(c):
    assert c.call("RENAME", "nope", "x") == NOSUCHKEY
    assert c.call("RENAMENX", "nope", "x") == NOSUCHKEY
    assert c.call("RENAME", "nope", "nope") == NOSUCHKEY
    assert c.call("EXISTS", "x") == 0


def test_renamenx(c):
    mset(c, "a", "b")
    assert c.call("RENAMENX", "a", "b") == 0
    assert c.call("GET", "a") == b"v:a"
    assert c.call("RENAMENX", "a", "c") == 1
    assert c.call("GET", "c") == b"v:a"
    assert c.call("EXISTS", "a") == 0
    assert c.call("RENAMENX", "c", "c") == 0


@pytest.mark.needs_lists
def test_rename_overwrites_other_type(c):
    assert c.call("RPUSH", "l", "x") == 1
    assert c.call("SET", "s", "v") == "OK"
    assert c.call("RENAME", "s", "l") == "OK"
    assert c.call("TYPE", "l") == "string"


KEYSET = ["hello", "hallo", "hxllo", "hllo", "heeeello", "a", "b", "c", "d",
          "ab", "a*b", "a?b", "a[b", "a\\b", "user:1", "user:2", "user:10"]


@pytest.mark.parametrize("pattern,expected", [
    ("*", KEYSET),
    ("h?llo", ["hello", "hallo", "hxllo"]),
    ("h*llo", ["hello", "hallo", "hxllo", "hllo", "heeeello"]),
    ("h[ae]llo", ["hello", "hallo"]),
    ("h[^e]llo", ["hallo", "hxllo"]),
    ("h[a-b]llo", ["hallo"]),
    ("[a-c]", ["a", "b", "c"]),
    ("[c-a]", ["a", "b", "c"]),
    ("?", ["a", "b", "c", "d"]),
    ("a\\*b", ["a*b"]),
    ("a\\?b", ["a?b"]),
    ("a\\[b", ["a[b"]),
    ("a\\\\b", ["a\\b"]),
    ("a?b", ["a*b", "a?b", "a[b", "a\\b"]),
    ("user:?", ["user:1", "user:2"]),
    ("user:*", ["user:1", "user:2", "user:10"]),
    ("nomatch*", []),
    ("hello", ["hello"]),
])
def test_keys_glob(c, pattern, expected):
    mset(c, *KEYSET)
    got = c.call("KEYS", pattern)
    assert isinstance(got, list)
    assert sorted(got) == sorted(k.encode() for k in expected)


def test_keys_and_scan_skip_expired(c):
    mset(c, "live")
    for i in range(30):
        assert c.call("SET", "dead%d" % i, "v", "PX", "50") == "OK"
    wait_until_wallclock(time.time() + 0.1)
    assert c.call("KEYS", "*") == [b"live"]
    assert scan_all(c)[0] == [b"live"]


def scan_all(c, *opts, limit=100000):
    cursor, seen, calls = b"0", [], 0
    while True:
        reply = c.call("SCAN", cursor, *opts)
        assert isinstance(reply, list) and len(reply) == 2
        cursor, keys = reply
        assert isinstance(cursor, bytes) and cursor.isdigit()
        seen += keys
        calls += 1
        assert calls < limit, "SCAN did not terminate"
        if cursor == b"0":
            return seen, calls


def test_scan_full_iteration(c):
    keys = ["key:%d" % i for i in range(1000)]
    for i in range(0, 1000, 100):
        mset(c, *keys[i:i + 100])
    seen, calls = scan_all(c)
    assert set(seen) == {k.encode() for k in keys}
    assert calls > 1, "default COUNT 10 should need several calls"


def test_scan_count_and_match(c):
    keys = ["key:%d" % i for i in range(500)] + ["other:%d" % i for i in range(50)]
    for i in range(0, len(keys), 50):
        mset(c, *keys[i:i + 50])
    seen, _ = scan_all(c, "MATCH", "other:*", "COUNT", "100")
    assert set(seen) == {("other:%d" % i).encode() for i in range(50)}
    seen, _ = scan_all(c, "COUNT", "1000")
    assert set(seen) == {k.encode() for k in keys}


def test_scan_during_writes_returns_stable_keys(c):
    keys = ["stable:%d" % i for i in range(300)]
    for i in range(0, 300, 100):
        mset(c, *keys[i:i + 100])
    cursor, seen, n = b"0", set(), 0
    while True:
        cursor, got = c.call("SCAN", cursor, "COUNT", "20")
        seen.update(got)
        mset(c, *["new:%d:%d" % (n, j) for j in range(5)])
        n += 1
        assert n < 10000
        if cursor == b"0":
            break
    assert {k.encode() for k in keys} <= seen


@pytest.mark.needs_lists
def test_scan_type(c):
    mset(c, "s1", "s2")
    assert c.call("RPUSH", "l1", "x") == 1
    seen, _ = scan_all(c, "TYPE", "string")
    assert sorted(seen) == [b"s1", b"s2"]
    seen, _ = scan_all(c, "TYPE", "list")
    assert seen == [b"l1"]


def test_scan_type_strings(c):
    mset(c, "s1", "s2")
    seen, _ = scan_all(c, "TYPE", "string")
    assert sorted(seen) == [b"s1", b"s2"]
    seen, _ = scan_all(c, "TYPE", "hash")
    assert seen == []


def test_scan_empty_db(c):
    assert c.call("SCAN", "0") == [b"0", []]


@pytest.mark.parametrize("args,err", [
    (("abc",), RespError("ERR invalid cursor")),
    (("0", "COUNT", "0"), SYNTAX),
    (("0", "COUNT", "-1"), SYNTAX),
    (("0", "COUNT", "x"), NOTINT),
    (("0", "MATCH"), SYNTAX),
    (("0", "TYPE"), SYNTAX),
    (("0", "FOO", "bar"), SYNTAX),
])
def test_scan_errors(c, args, err):
    assert c.call("SCAN", *args) == err


def test_randomkey(c):
    assert c.call("RANDOMKEY") is None
    mset(c, "a", "b", "c")
    got = {c.call("RANDOMKEY") for _ in range(50)}
    assert got <= {b"a", b"b", b"c"} and got


def test_randomkey_skips_expired(c):
    mset(c, "live")
    for i in range(20):
        assert c.call("SET", "dead%d" % i, "v", "PX", "1") == "OK"
    deadline_wait(lambda: all(c.call("RANDOMKEY") == b"live" for _ in range(20)),
                  what="RANDOMKEY to return only the live key")


def test_dbsize_flushdb_flushall(c):
    assert c.call("DBSIZE") == 0
    mset(c, "a", "b", "c")
    assert c.call("DBSIZE") == 3
    assert c.call("FLUSHDB") == "OK"
    assert c.call("DBSIZE") == 0
    mset(c, "a", "b")
    assert c.call("FLUSHDB", "ASYNC") == "OK"
    assert c.call("DBSIZE") == 0
    mset(c, "a")
    assert c.call("FLUSHDB", "sync") == "OK"
    assert c.call("EXISTS", "a") == 0
    mset(c, "a")
    assert c.call("FLUSHALL", "ASYNC") == "OK"
    assert c.call("DBSIZE") == 0
    mset(c, "a")
    assert c.call("FLUSHALL", "SYNC") == "OK"
    assert c.call("DBSIZE") == 0
    assert c.call("FLUSHALL", "foo") == SYNTAX
    assert c.call("FLUSHDB", "ASYNC", "SYNC") == SYNTAX


def test_touch(c):
    mset(c, "a", "b")
    assert c.call("TOUCH", "a", "b", "nope") == 2
    assert c.call("TOUCH", "a", "a") == 2


def test_copy(c):
    assert c.call("SET", "src", "v", "EX", "100") == "OK"
    assert c.call("COPY", "src", "dst") == 1
    assert c.call("GET", "dst") == b"v"
    assert 98 <= c.call("TTL", "dst") <= 100
    assert c.call("SET", "src", "w") == "OK"
    assert c.call("GET", "dst") == b"v"
    assert c.call("COPY", "src", "dst") == 0
    assert c.call("GET", "dst") == b"v"
    assert c.call("COPY", "src", "dst", "REPLACE") == 1
    assert c.call("GET", "dst") == b"w"
    assert c.call("TTL", "dst") == -1
    assert c.call("COPY", "nope", "dst2") == 0
    assert c.call("COPY", "src", "src") == SAME
    assert c.call("COPY", "src", "x", "FOO") == SYNTAX


@pytest.mark.needs_multidb
def test_copy_to_other_db(c):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("COPY", "k", "k", "DB", "3") == 1
    assert c.call("COPY", "k", "k", "DB", "3") == 0
    assert c.call("COPY", "k", "k", "DB", "0") == SAME
    assert c.call("COPY", "k", "x", "DB", "16") == DBRANGE
    assert c.call("COPY", "k", "x", "DB", "x") == NOTINT
    assert c.call("SELECT", "3") == "OK"
    assert c.call("GET", "k") == b"v"


@pytest.mark.needs_multidb
def test_select(c):
    assert c.call("SET", "k", "db0") == "OK"
    for db in (1, 15):
        assert c.call("SELECT", db) == "OK"
        assert c.call("GET", "k") is None
        assert c.call("SET", "k", "db%d" % db) == "OK"
        assert c.call("DBSIZE") == 1
    assert c.call("SELECT", "0") == "OK"
    assert c.call("GET", "k") == b"db0"
    assert c.call("SELECT", "16") == DBRANGE
    assert c.call("SELECT", "-1") == DBRANGE
    assert c.call("SELECT", "abc") == NOTINT
    assert c.call("GET", "k") == b"db0"


@pytest.mark.needs_multidb
def test_flushdb_only_current_flushall_all(c):
    assert c.call("SET", "k", "0") == "OK"
    assert c.call("SELECT", "1") == "OK"
    assert c.call("SET", "k", "1") == "OK"
    assert c.call("FLUSHDB") == "OK"
    assert c.call("SELECT", "0") == "OK"
    assert c.call("GET", "k") == b"0"
    assert c.call("SELECT", "2") == "OK"
    assert c.call("SET", "k", "2") == "OK"
    assert c.call("FLUSHALL") == "OK"
    assert c.call("DBSIZE") == 0
    assert c.call("SELECT", "0") == "OK"
    assert c.call("DBSIZE") == 0


@pytest.mark.needs_multidb
def test_swapdb(server, c):
    assert c.call("SET", "k", "zero") == "OK"
    other = server.conn()
    try:
        assert other.call("SELECT", "1") == "OK"
        assert other.call("SET", "k", "one") == "OK"
        assert other.call("SET", "only1", "x") == "OK"
        assert c.call("SWAPDB", "0", "1") == "OK"
        # Both connections keep their db number and see the swapped data.
        assert c.call("GET", "k") == b"one"
        assert c.call("EXISTS", "only1") == 1
        assert other.call("GET", "k") == b"zero"
    finally:
        other.close()
    assert c.call("SWAPDB", "0", "0") == "OK"
    assert c.call("SWAPDB", "0", "16") == DBRANGE
    assert c.call("SWAPDB", "a", "1") == RespError("ERR invalid first DB index")
    assert c.call("SWAPDB", "0", "b") == RespError("ERR invalid second DB index")


@pytest.mark.needs_multidb
def test_move(c):
    assert c.call("SET", "k", "v", "EX", "100") == "OK"
    assert c.call("MOVE", "k", "1") == 1
    assert c.call("EXISTS", "k") == 0
    assert c.call("MOVE", "k", "1") == 0
    assert c.call("SET", "k", "again") == "OK"
    assert c.call("MOVE", "k", "1") == 0
    assert c.call("GET", "k") == b"again"
    assert c.call("MOVE", "k", "0") == SAME
    assert c.call("MOVE", "k", "16") == DBRANGE
    assert c.call("MOVE", "k", "x") == NOTINT
    assert c.call("SELECT", "1") == "OK"
    assert c.call("GET", "k") == b"v"
    assert 98 <= c.call("TTL", "k") <= 100
