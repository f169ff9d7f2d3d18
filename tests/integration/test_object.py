"""OBJECT, MEMORY, WAIT, LOLWUT and SORT: replies and exact error strings.

Every expectation here was checked against redis-server 7.0
(KVSD_BIN=/usr/bin/redis-server tests/integration/run.sh -k object).
"""

import re
import time

import pytest

from resp import RespError
from util import wait_until_wallclock

SYNTAX = RespError("ERR syntax error")
NOTINT = RespError("ERR value is not an integer or out of range")
WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")
NOTDOUBLE = RespError("ERR One or more scores can't be converted into double")


def arity(cmd):
    return RespError("ERR wrong number of arguments for '%s' command" % cmd)


# -- OBJECT --------------------------------------------------------------------

def test_object_encoding_of_strings(c):
    cases = [("1", b"int"), ("-9223372036854775808", b"int"),
             ("12345678901234567890", b"embstr"), ("01", b"embstr"),
             ("x" * 44, b"embstr"), ("x" * 45, b"raw")]
    for value, enc in cases:
        assert c.call("SET", "k", value) == "OK"
        assert c.call("OBJECT", "ENCODING", "k") == enc, value
    assert c.call("OBJECT", "ENCODING", "missing") is None


def test_object_errors_and_help(c):
    assert c.call("OBJECT") == arity("object")
    assert c.call("OBJECT", "FOO") == RespError(
        "ERR unknown subcommand 'FOO'. Try OBJECT HELP.")
    assert c.call("OBJECT", "ENCODING") == arity("object|encoding")
    assert c.call("OBJECT", "encoding", "a", "b") == arity("object|encoding")
    assert c.call("OBJECT", "HELP", "x") == arity("object|help")
    help_ = c.call("OBJECT", "HELP")
    assert help_[0] == ("OBJECT <subcommand> [<arg> [value] [opt] ...]. "
                        "Subcommands are:")
    assert "ENCODING <key>" in help_ and "IDLETIME <key>" in help_
    assert help_[-2:] == ["HELP", "    Prints this help."]


def test_object_freq_and_refcount(c):
    assert c.call("SET", "k", "hello") == "OK"
    assert c.call("OBJECT", "FREQ", "k") == RespError(
        "ERR An LFU maxmemory policy is not selected, access frequency not "
        "tracked. Please note that when switching between policies at "
        "runtime LRU and LFU data will take some time to adjust.")
    assert c.call("OBJECT", "FREQ", "missing") is None
    assert c.call("OBJECT", "REFCOUNT", "k") == 1
    assert c.call("OBJECT", "REFCOUNT", "missing") is None
    assert c.call("OBJECT", "IDLETIME", "missing") is None


def test_object_idletime(c):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("OBJECT", "IDLETIME", "k") <= 1
    wait_until_wallclock(time.time() + 2.2)
    assert c.call("OBJECT", "IDLETIME", "k") >= 2
    # OBJECT does not touch the key; GET does.
    assert c.call("OBJECT", "IDLETIME", "k") >= 2
    assert c.call("GET", "k") == b"v"
    assert c.call("OBJECT", "IDLETIME", "k") <= 1


# -- MEMORY --------------------------------------------------------------------

def test_memory_usage(c):
    assert c.call("SET", "small", "v") == "OK"
    assert c.call("SET", "big", "x" * 5000) == "OK"
    small = c.call("MEMORY", "USAGE", "small")
    big = c.call("MEMORY", "USAGE", "big")
    assert 0 < small < 200
    assert big >= 5000 and big > small
    assert c.call("MEMORY", "USAGE", "big", "SAMPLES", 0) == big
    assert c.call("MEMORY", "USAGE", "missing") is None


def test_memory_errors_and_help(c):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("MEMORY") == arity("memory")
    assert c.call("MEMORY", "USAGE") == arity("memory|usage")
    assert c.call("MEMORY", "USAGE", "k", "SAMPLES") == SYNTAX
    assert c.call("MEMORY", "USAGE", "k", "SAMPLES", -1) == SYNTAX
    assert c.call("MEMORY", "USAGE", "k", "SAMPLES", "x") == NOTINT
    assert c.call("MEMORY", "USAGE", "missing", "SAMPLES", "x") == NOTINT
    assert c.call("MEMORY", "USAGE", "k", "FOO") == SYNTAX
    assert c.call("MEMORY", "FOO") == RespError(
        "ERR unknown subcommand 'FOO'. Try MEMORY HELP.")
    help_ = c.call("MEMORY", "HELP")
    assert help_[0] == ("MEMORY <subcommand> [<arg> [value] [opt] ...]. "
                        "Subcommands are:")
    assert "USAGE <key> [SAMPLES <count>]" in help_


# -- WAIT / LOLWUT ---------------------------------------------------------------

def test_wait(c):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("WAIT", 0, 0) == 0
    assert c.call("WAIT", 1, 50) == 0   # no replicas acknowledge
    assert c.call("WAIT", 1, "0.5") == RespError(
        "ERR timeout is not an integer or out of range")
    assert c.call("WAIT", "x", 0) == NOTINT
    assert c.call("WAIT", 1, -1) == RespError("ERR timeout is negative")


def test_lolwut(c):
    art = c.call("LOLWUT")
    assert isinstance(art, bytes)
    assert re.search(rb"(^|\n)\w+ ver\. [0-9][^\n]*\n$", art), art[-80:]
    assert c.call("LOLWUT", "VERSION", "x") == NOTINT


# -- SORT ------------------------------------------------------------------------

@pytest.mark.needs_lists
def test_sort_numeric_alpha_limit(c):
    assert c.call("RPUSH", "l", 3, 1, 2, 10) == 4
    assert c.call("SORT", "l") == [b"1", b"2", b"3", b"10"]
    assert c.call("SORT", "l", "DESC") == [b"10", b"3", b"2", b"1"]
    assert c.call("SORT", "l", "ALPHA") == [b"1", b"10", b"2", b"3"]
    assert c.call("SORT", "l", "LIMIT", 1, 2) == [b"2", b"3"]
    assert c.call("SORT", "l", "LIMIT", -5, 2) == [b"1", b"2"]
    assert c.call("SORT", "l", "LIMIT", 1, -1) == [b"2", b"3", b"10"]
    assert c.call("SORT", "l", "LIMIT", 10, 2) == []
    assert c.call("SORT", "l", "BY", "nosort") == [b"3", b"1", b"2", b"10"]
    assert c.call("SORT", "l", "BY", "nosort", "DESC") == [
        b"10", b"2", b"1", b"3"]
    assert c.call("SORT_RO", "l") == [b"1", b"2", b"3", b"10"]
    assert c.call("SORT", "missing") == []


@pytest.mark.needs_lists
def test_sort_scores_use_strtod(c):
    assert c.call("RPUSH", "sp", "", " 5", "0x10", "inf", "1e2", " 3") == 6
    assert c.call("SORT", "sp") == [b"", b" 3", b" 5", b"0x10", b"1e2", b"inf"]
    assert c.call("RPUSH", "bad", 1, "x", 2) == 3
    assert c.call("SORT", "bad") == NOTDOUBLE
    assert c.call("SORT", "bad", "ALPHA") == [b"1", b"2", b"x"]
    assert c.call("RPUSH", "eq", "1.0", "01", "1") == 3
    assert c.call("SORT", "eq") == [b"01", b"1", b"1.0"]
    assert c.call("SORT", "eq", "DESC") == [b"1.0", b"1", b"01"]


@pytest.mark.needs_lists
def test_sort_by_get_store(c):
    assert c.call("RPUSH", "l", 3, 1, 2, 10) == 4
    assert c.call("MSET", "w_1", 40, "w_2", 30, "w_3", 20, "w_10", 10) == "OK"
    assert c.call("SORT", "l", "BY", "w_*") == [b"10", b"3", b"2", b"1"]
    assert c.call("SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*") == [
        b"10", b"10", b"3", b"20", b"2", b"30", b"1", b"40"]
    assert c.call("SORT", "l", "GET", "w_*", "GET", "missing_*",
                  "GET", "nostar") == [b"40", None, None, b"30", None, None,
                                       b"20", None, None, b"10", None, None]
    assert c.call("SET", "dst", "old", "EX", 100) == "OK"
    assert c.call("SORT", "l", "BY", "w_*", "STORE", "dst") == 4
    assert c.call("LRANGE", "dst", 0, -1) == [b"10", b"3", b"2", b"1"]
    assert c.call("TTL", "dst") == -1
    assert c.call("SORT", "l", "GET", "#", "GET", "nokey_*",
                  "STORE", "dst") == 8
    assert c.call("LRANGE", "dst", 0, -1) == [
        b"1", b"", b"2", b"", b"3", b"", b"10", b""]
    assert c.call("SORT", "missing", "STORE", "dst") == 0
    assert c.call("EXISTS", "dst") == 0
    assert c.call("SORT", "l", "STORE", "l") == 4
    assert c.call("LRANGE", "l", 0, -1) == [b"1", b"2", b"3", b"10"]


@pytest.mark.needs_lists
def test_sort_weights_in_every_shard(c):
    """BY and GET keys spread over all 16 shards of kvsd."""
    n = 300
    assert c.call("RPUSH", "src", *range(n)) == n
    args = []
    for i in range(n):
        args += ["w_%d" % i, (i * 37) % n, "v_%d" % i, "val%d" % i]
    assert c.call("MSET", *args) == "OK"
    got = c.call("SORT", "src", "BY", "w_*", "GET", "v_*", "LIMIT", 0, 10)
    order = sorted(range(n), key=lambda i: (i * 37) % n)
    assert got == [b"val%d" % i for i in order[:10]]


@pytest.mark.needs_lists
def test_sort_errors(c):
    assert c.call("RPUSH", "l", 3, 1) == 2
    assert c.call("SORT_RO", "l", "STORE", "dst") == SYNTAX
    assert c.call("SORT", "l", "LIMIT", 1) == SYNTAX
    assert c.call("SORT", "l", "LIMIT", "x", 1) == NOTINT
    assert c.call("SORT", "l", "FOO") == SYNTAX
    assert c.call("SORT", "l", "BY") == SYNTAX
    assert c.call("SORT", "l", "GET") == SYNTAX
    assert c.call("SORT") == arity("sort")
    assert c.call("SET", "str", "x") == "OK"
    assert c.call("SORT", "str") == WRONGTYPE
    assert c.call("SORT", "str", "FOO") == SYNTAX


@pytest.mark.needs_lists
@pytest.mark.needs_hashes
def test_sort_hash_fields(c):
    assert c.call("RPUSH", "l", 3, 1, 2, 10) == 4
    assert c.call("HSET", "h_1", "f", "a") == 1
    assert c.call("HSET", "h_2", "f", "b") == 1
    assert c.call("SORT", "l", "GET", "h_*->f") == [b"a", b"b", None, None]
    assert c.call("SORT", "l", "BY", "h_*->f", "ALPHA") == [
        b"3", b"10", b"1", b"2"]
    assert c.call("SORT", "l", "BY", "h_*->f") == NOTDOUBLE
    assert c.call("SORT", "l", "GET", "h_*->") == [None] * 4
    assert c.call("SORT", "h_1") == WRONGTYPE


@pytest.mark.needs_lists
@pytest.mark.needs_sets
def test_sort_set(c):
    assert c.call("SADD", "s", "c", "a", "b") == 3
    assert c.call("SORT", "s", "ALPHA") == [b"a", b"b", b"c"]
    # Stored without sorting, a set is sorted ALPHA for a defined order.
    assert c.call("SORT", "s", "BY", "nosort", "STORE", "sd") == 3
    assert c.call("LRANGE", "sd", 0, -1) == [b"a", b"b", b"c"]


@pytest.mark.needs_zsets
def test_sort_zset_native_order(c):
    assert c.call("ZADD", "z", 3, "a", 1, "b", 2, "c") == 3
    assert c.call("SORT", "z", "BY", "nosort") == [b"b", b"c", b"a"]
    assert c.call("SORT", "z", "BY", "nosort", "DESC") == [b"a", b"c", b"b"]
    assert c.call("SORT", "z", "BY", "nosort", "LIMIT", 1, 1) == [b"c"]
    assert c.call("SORT", "z", "ALPHA", "DESC") == [b"c", b"b", b"a"]
