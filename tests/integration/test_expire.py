"""Key expiry: EXPIRE family with NX/XX/GT/LT, TTL reporting, lazy and
active expiry."""

import time

import pytest

from resp import RespError, encode_command
from util import deadline_wait, wait_until_wallclock

NOTINT = RespError("ERR value is not an integer or out of range")
NXXX = RespError(
    "ERR NX and XX, GT or LT options at the same time are not compatible")
GTLT = RespError("ERR GT and LT options at the same time are not compatible")


def invalid_expire(cmd):
    return RespError("ERR invalid expire time in '%s' command" % cmd)


def test_ttl_pttl_missing_and_persistent(c):
    assert c.call("TTL", "nope") == -2
    assert c.call("PTTL", "nope") == -2
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("TTL", "k") == -1
    assert c.call("PTTL", "k") == -1
    assert c.call("EXPIRETIME", "nope") == -2
    assert c.call("PEXPIRETIME", "nope") == -2
    assert c.call("EXPIRETIME", "k") == -1
    assert c.call("PEXPIRETIME", "k") == -1


def test_expire_and_pexpire(c):
    assert c.call("EXPIRE", "nope", "100") == 0
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("EXPIRE", "k", "100") == 1
    assert 98 <= c.call("TTL", "k") <= 100
    assert 98000 <= c.call("PTTL", "k") <= 100000
    assert c.call("PEXPIRE", "k", "5000") == 1
    assert 4000 <= c.call("PTTL", "k") <= 5000
    assert c.call("TTL", "k") in (4, 5)


def test_expireat_pexpireat_and_expiretime(c):
    now = int(time.time())
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("EXPIREAT", "k", now + 1000) == 1
    assert c.call("EXPIRETIME", "k") == now + 1000
    assert c.call("PEXPIRETIME", "k") == (now + 1000) * 1000
    assert 998 <= c.call("TTL", "k") <= 1000
    assert c.call("PEXPIREAT", "k", (now + 2000) * 1000 + 123) == 1
    assert c.call("PEXPIRETIME", "k") == (now + 2000) * 1000 + 123
    assert c.call("EXPIRETIME", "k") == now + 2000
    assert c.call("EXPIREAT", "nope", now + 10) == 0
    assert c.call("PEXPIREAT", "nope", now * 1000) == 0


@pytest.mark.parametrize("cmd,arg", [
    ("EXPIRE", "0"), ("EXPIRE", "-1"), ("PEXPIRE", "-1000"),
    ("EXPIREAT", "1"), ("PEXPIREAT", "1"), ("PEXPIREAT", "-1"),
])
def test_expire_in_the_past_deletes(c, cmd, arg):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call(cmd, "k", arg) == 1
    assert c.call("EXISTS", "k") == 0
    assert c.call("TTL", "k") == -2


def test_persist(c):
    assert c.call("PERSIST", "nope") == 0
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("PERSIST", "k") == 0
    assert c.call("EXPIRE", "k", "100") == 1
    assert c.call("PERSIST", "k") == 1
    assert c.call("TTL", "k") == -1
    assert c.call("PERSIST", "k") == 0


def test_expire_nx_xx(c):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("EXPIRE", "k", "100", "XX") == 0
    assert c.call("TTL", "k") == -1
    assert c.call("EXPIRE", "k", "100", "NX") == 1
    assert c.call("EXPIRE", "k", "200", "NX") == 0
    assert 98 <= c.call("TTL", "k") <= 100
    assert c.call("EXPIRE", "k", "300", "XX") == 1
    assert 298 <= c.call("TTL", "k") <= 300
    assert c.call("EXPIRE", "nope", "100", "NX") == 0


def test_expire_gt_lt(c):
    assert c.call("SET", "k", "v") == "OK"
    # No TTL counts as an infinite TTL: GT never applies, LT always does.
    assert c.call("EXPIRE", "k", "100", "GT") == 0
    assert c.call("TTL", "k") == -1
    assert c.call("EXPIRE", "k", "-5", "GT") == 0
    assert c.call("EXISTS", "k") == 1
    assert c.call("EXPIRE", "k", "100", "LT") == 1
    assert 98 <= c.call("TTL", "k") <= 100
    assert c.call("EXPIRE", "k", "50", "GT") == 0
    assert c.call("EXPIRE", "k", "200", "GT") == 1
    assert 198 <= c.call("TTL", "k") <= 200
    assert c.call("EXPIRE", "k", "300", "LT") == 0
    assert c.call("PEXPIRE", "k", "150000", "LT") == 1
    assert 148 <= c.call("TTL", "k") <= 150
    assert c.call("EXPIRE", "k", "200", "XX", "GT") == 1
    assert c.call("EXPIRE", "k", "0", "LT") == 1
    assert c.call("EXISTS", "k") == 0


@pytest.mark.parametrize("opts,err", [
    (("NX", "XX"), NXXX), (("XX", "NX"), NXXX), (("NX", "GT"), NXXX),
    (("LT", "NX"), NXXX), (("GT", "LT"), GTLT), (("LT", "GT"), GTLT),
    (("FOO",), RespError("ERR Unsupported option FOO")),
])
def test_expire_option_errors(c, opts, err):
    assert c.call("SET", "k", "v") == "OK"
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        assert c.call(cmd, "k", "100000000000", *opts) == err
    assert c.call("TTL", "k") == -1


@pytest.mark.parametrize("cmd,arg", [
    ("EXPIRE", "9223372036854775807"),
    ("EXPIRE", "9223372036854775"),
    ("EXPIRE", "-9223372036854775808"),
    ("PEXPIRE", "9223372036854775807"),
    ("EXPIREAT", "9223372036854775807"),
])
def test_expire_overflow(c, cmd, arg):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call(cmd, "k", arg) == invalid_expire(cmd.lower())
    assert c.call("TTL", "k") == -1


def test_expire_not_integer(c):
    assert c.call("SET", "k", "v") == "OK"
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        assert c.call(cmd, "k", "abc") == NOTINT
        assert c.call(cmd, "k", "1.5") == NOTINT
    assert c.call("TTL", "k") == -1


def test_overwrite_clears_ttl(c):
    assert c.call("SET", "k", "v", "EX", "100") == "OK"
    assert c.call("SET", "k", "w") == "OK"
    assert c.call("TTL", "k") == -1
    assert c.call("SET", "k", "v", "EX", "100") == "OK"
    assert c.call("GETSET", "k", "x") == b"v"
    assert c.call("TTL", "k") == -1
    assert c.call("SET", "k", "v", "EX", "100") == "OK"
    assert c.call("DEL", "k") == 1
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("TTL", "k") == -1


def test_expired_key_is_never_returned(c):
    assert c.call("SET", "k", "v", "PX", "50") == "OK"
    assert c.call("MSET", "a", "1", "b", "2") == "OK"
    assert c.call("PEXPIRE", "a", "50") == 1
    t0 = time.time()
    assert c.call("GET", "k") == b"v"
    wait_until_wallclock(t0 + 0.1)
    # Past the deadline every read must treat the keys as gone, whether or
    # not the server has reclaimed them yet.
    assert c.call("GET", "k") is None
    assert c.call("EXISTS", "k", "a", "b") == 1
    assert c.call("TTL", "k") == -2
    assert c.call("PTTL", "a") == -2
    assert c.call("MGET", "k", "a", "b") == [None, None, b"2"]
    assert c.call("STRLEN", "a") == 0
    assert c.call("APPEND", "k", "x") == 1
    assert c.call("TTL", "k") == -1
    assert c.call("INCR", "a") == 1
    assert c.call("SETNX", "b", "x") == 0


def test_pexpireat_past_is_gone_immediately(c):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("PEXPIREAT", "k", int(time.time() * 1000) - 1) == 1
    assert c.call("GET", "k") is None
    assert c.call("DBSIZE") == 0


def test_expire_to_short_ttl_then_poll(c):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("PEXPIRE", "k", "50") == 1
    deadline_wait(lambda: c.call("GET", "k") is None, timeout=5,
                  what="key with PX 50 to expire")
    assert c.call("EXISTS", "k") == 0


def set_volatile_keys(c, n, px):
    c.send(b"".join(encode_command("SET", "exp:%d" % i, "v", "PX", px)
                    for i in range(n)))
    for _ in range(n):
        assert c.read_reply() == "OK"


def expired_keys_stat(c):
    for line in c.call("INFO", "stats").decode().split("\r\n"):
        if line.startswith("expired_keys:"):
            return int(line.split(":", 1)[1])
    raise AssertionError("INFO stats has no expired_keys field")


def test_active_expiry_reclaims_untouched_keys(c):
    set_volatile_keys(c, 1000, 300)
    assert c.call("SET", "keeper", "v") == "OK"
    assert c.call("DBSIZE") > 1
    # DBSIZE does not look keys up, so only background reclamation can
    # bring it down.
    deadline_wait(lambda: c.call("DBSIZE") == 1, timeout=10, interval=0.05,
                  what="active expiry to reclaim 1000 keys")
    assert c.call("GET", "keeper") == b"v"


@pytest.mark.needs_info
def test_active_expiry_counts_expired_keys(c):
    # expired_keys only moves when the server itself deletes a key, so this
    # also holds for a server whose DBSIZE hides logically expired keys.
    before = expired_keys_stat(c)
    set_volatile_keys(c, 1000, 100)
    deadline_wait(lambda: expired_keys_stat(c) - before >= 1000, timeout=10,
                  interval=0.05, what="INFO expired_keys to count 1000 keys")
    assert c.call("DBSIZE") == 0
