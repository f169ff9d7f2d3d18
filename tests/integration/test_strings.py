"""String commands: values, reply types and Redis's exact error strings."""

import time

import pytest

from resp import RespError, Status

SYNTAX = RespError("ERR syntax error")
NOTINT = RespError("ERR value is not an integer or out of range")
NOTFLOAT = RespError("ERR value is not a valid float")
WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")
TOOBIG = RespError(
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)")


def invalid_expire(cmd):
    return RespError("ERR invalid expire time in '%s' command" % cmd)


def arity(cmd):
    return RespError("ERR wrong number of arguments for '%s' command" % cmd)


# -- GET / SET ----------------------------------------------------------------

def test_get_set_roundtrip_and_types(c):
    ok = c.call("SET", "k", "v")
    assert ok == "OK" and isinstance(ok, Status)
    assert c.call("GET", "k") == b"v"
    assert c.call("GET", "missing") is None
    assert c.call("SET", "k", "w") == "OK"
    assert c.call("GET", "k") == b"w"


def test_set_binary_safe_values(rb):
    value = bytes(range(256)) * 4 + b"\r\n\x00end"
    assert rb.set(b"bin\x00key\r\n", value)
    assert rb.get(b"bin\x00key\r\n") == value
    assert rb.set(b"empty", b"")
    assert rb.get(b"empty") == b""
    assert rb.exists(b"empty") == 1


def test_set_nx_xx(c):
    assert c.call("SET", "k", "1", "XX") is None
    assert c.call("EXISTS", "k") == 0
    assert c.call("SET", "k", "1", "NX") == "OK"
    assert c.call("SET", "k", "2", "NX") is None
    assert c.call("GET", "k") == b"1"
    assert c.call("SET", "k", "3", "XX") == "OK"
    assert c.call("GET", "k") == b"3"


def test_set_options_case_insensitive(c):
    assert c.call("set", "k", "1", "nx", "ex", "100") == "OK"
    assert 0 < c.call("TTL", "k") <= 100


def test_set_ex_px(c):
    assert c.call("SET", "k", "v", "EX", "100") == "OK"
    assert 98 <= c.call("TTL", "k") <= 100
    assert c.call("SET", "k", "v", "PX", "100000") == "OK"
    assert 98000 <= c.call("PTTL", "k") <= 100000


def test_set_exat_pxat(c):
    now = int(time.time())
    assert c.call("SET", "k", "v", "EXAT", now + 100) == "OK"
    assert 98 <= c.call("TTL", "k") <= 100
    assert c.call("EXPIRETIME", "k") == now + 100
    assert c.call("SET", "k", "v", "PXAT", (now + 200) * 1000) == "OK"
    assert c.call("PEXPIRETIME", "k") == (now + 200) * 1000


def test_set_exat_in_the_past_leaves_no_key(c):
    assert c.call("SET", "k", "old") == "OK"
    assert c.call("SET", "k", "v", "EXAT", "1") == "OK"
    assert c.call("GET", "k") is None
    assert c.call("EXISTS", "k") == 0
    assert c.call("SET", "k2", "v", "PXAT", "1") == "OK"
    assert c.call("EXISTS", "k2") == 0


def test_set_keepttl(c):
    assert c.call("SET", "k", "v", "EX", "100") == "OK"
    assert c.call("SET", "k", "w", "KEEPTTL") == "OK"
    assert 98 <= c.call("TTL", "k") <= 100
    assert c.call("GET", "k") == b"w"
    assert c.call("SET", "k", "x") == "OK"
    assert c.call("TTL", "k") == -1


def test_set_get_option(c):
    assert c.call("SET", "k", "1", "GET") is None
    assert c.call("SET", "k", "2", "GET") == b"1"
    assert c.call("GET", "k") == b"2"
    # NX with GET is allowed since 7.0: it reports the old value and keeps it.
    assert c.call("SET", "k", "3", "NX", "GET") == b"2"
    assert c.call("GET", "k") == b"2"
    assert c.call("SET", "new", "1", "XX", "GET") is None
    assert c.call("EXISTS", "new") == 0


@pytest.mark.parametrize("args", [
    ("NX", "XX"),
    ("XX", "NX"),
    ("EX", "10", "PX", "10000"),
    ("PX", "10", "EX", "10"),
    ("EX", "10", "EXAT", "99999999999"),
    ("PXAT", "99999999999999", "EX", "10"),
    ("KEEPTTL", "EX", "10"),
    ("PX", "10", "KEEPTTL"),
    ("EX",),
    ("PX",),
    ("FOO",),
    ("EX", "10", "BAR"),
    ("GET", "GET", "FOO"),
])
def test_set_syntax_errors(c, args):
    assert c.call("SET", "k", "v", *args) == SYNTAX
    assert c.call("EXISTS", "k") == 0


@pytest.mark.parametrize("opt,value", [
    ("EX", "0"), ("EX", "-1"), ("PX", "0"), ("PX", "-100"),
    ("EXAT", "0"), ("PXAT", "-5"),
    # seconds * 1000 + now overflows a signed 64-bit millisecond time
    ("EX", "9223372036854775"),
    ("PX", "9223372036854775807"),
])
def test_set_invalid_expire(c, opt, value):
    assert c.call("SET", "k", "v", opt, value) == invalid_expire("set")
    assert c.call("EXISTS", "k") == 0


@pytest.mark.parametrize("value", ["abc", "1.5", "", "10a", "99999999999999999999"])
def test_set_expire_not_integer(c, value):
    assert c.call("SET", "k", "v", "EX", value) == NOTINT
    assert c.call("EXISTS", "k") == 0


def test_set_get_arity(c):
    assert c.call("SET", "k") == arity("set")
    assert c.call("GET") == arity("get")
    assert c.call("GET", "a", "b") == arity("get")


# -- SETNX SETEX PSETEX ---------------------------------------------------------

def test_setnx(c):
    assert c.call("SETNX", "k", "1") == 1
    assert c.call("SETNX", "k", "2") == 0
    assert c.call("GET", "k") == b"1"


def test_setex_psetex(c):
    assert c.call("SETEX", "k", "100", "v") == "OK"
    assert 98 <= c.call("TTL", "k") <= 100
    assert c.call("GET", "k") == b"v"
    assert c.call("PSETEX", "p", "100000", "v") == "OK"
    assert 98000 <= c.call("PTTL", "p") <= 100000


def test_setex_psetex_errors(c):
    assert c.call("SETEX", "k", "0", "v") == invalid_expire("setex")
    assert c.call("SETEX", "k", "-10", "v") == invalid_expire("setex")
    assert c.call("PSETEX", "k", "0", "v") == invalid_expire("psetex")
    assert c.call("SETEX", "k", "ten", "v") == NOTINT
    assert c.call("SETEX", "k", "10") == arity("setex")
    assert c.call("EXISTS", "k") == 0


# -- MGET MSET MSETNX -------------------------------------------------------------

def test_mget_mset(c):
    assert c.call("MSET", "a", "1", "b", "2", "c", "3") == "OK"
    assert c.call("MGET", "a", "nope", "c", "b") == [b"1", None, b"3", b"2"]
    assert c.call("MSET", "a", "x", "a", "y") == "OK"
    assert c.call("GET", "a") == b"y"


def test_mset_errors(c):
    assert c.call("MSET", "a", "1", "b") == arity("mset")
    assert c.call("MSET") == arity("mset")
    assert c.call("MSETNX", "a") == arity("msetnx")
    assert c.call("EXISTS", "a") == 0


def test_mset_clears_ttl(c):
    assert c.call("SET", "a", "1", "EX", "100") == "OK"
    assert c.call("MSET", "a", "2") == "OK"
    assert c.call("TTL", "a") == -1


def test_msetnx_all_or_nothing(c):
    assert c.call("MSETNX", "a", "1", "b", "2") == 1
    assert c.call("MSETNX", "b", "x", "c", "3") == 0
    assert c.call("EXISTS", "c") == 0
    assert c.call("GET", "b") == b"2"
    assert c.call("MSETNX", "c", "3", "d", "4") == 1
    assert c.call("MGET", "a", "b", "c", "d") == [b"1", b"2", b"3", b"4"]


@pytest.mark.needs_lists
def test_mget_non_string_is_nil(c):
    assert c.call("LPUSH", "l", "x") == 1
    assert c.call("SET", "s", "v") == "OK"
    assert c.call("MGET", "l", "s") == [None, b"v"]


# -- GETSET GETDEL GETEX --------------------------------------------------------

def test_getset(c):
    assert c.call("GETSET", "k", "1") is None
    assert c.call("SET", "k", "2", "EX", "100") == "OK"
    assert c.call("GETSET", "k", "3") == b"2"
    assert c.call("GET", "k") == b"3"
    assert c.call("TTL", "k") == -1


def test_getdel(c):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("GETDEL", "k") == b"v"
    assert c.call("EXISTS", "k") == 0
    assert c.call("GETDEL", "k") is None


def test_getex(c):
    now = int(time.time())
    assert c.call("GETEX", "missing", "EX", "10") is None
    assert c.call("EXISTS", "missing") == 0
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("GETEX", "k") == b"v"
    assert c.call("TTL", "k") == -1
    assert c.call("GETEX", "k", "EX", "100") == b"v"
    assert 98 <= c.call("TTL", "k") <= 100
    assert c.call("GETEX", "k", "PX", "200000") == b"v"
    assert 198000 <= c.call("PTTL", "k") <= 200000
    assert c.call("GETEX", "k", "EXAT", now + 300) == b"v"
    assert c.call("EXPIRETIME", "k") == now + 300
    assert c.call("GETEX", "k", "PXAT", (now + 400) * 1000) == b"v"
    assert c.call("PEXPIRETIME", "k") == (now + 400) * 1000
    assert c.call("GETEX", "k", "PERSIST") == b"v"
    assert c.call("TTL", "k") == -1


def test_getex_in_the_past_deletes(c):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("GETEX", "k", "PXAT", "1") == b"v"
    assert c.call("EXISTS", "k") == 0


def test_getex_errors(c):
    assert c.call("SET", "k", "v") == "OK"
    assert c.call("GETEX", "k", "EX", "10", "PX", "100") == SYNTAX
    assert c.call("GETEX", "k", "EX", "10", "PERSIST") == SYNTAX
    assert c.call("GETEX", "k", "PERSIST", "EX", "10") == SYNTAX
    assert c.call("GETEX", "k", "KEEPTTL") == SYNTAX
    assert c.call("GETEX", "k", "EX") == SYNTAX
    assert c.call("GETEX", "k", "EX", "0") == invalid_expire("getex")
    assert c.call("GETEX", "k", "PX", "-1") == invalid_expire("getex")
    assert c.call("GETEX", "k", "EX", "x") == NOTINT
    assert c.call("TTL", "k") == -1


# -- APPEND STRLEN GETRANGE SETRANGE ------------------------------------------------

def test_append_strlen(c):
    assert c.call("STRLEN", "k") == 0
    assert c.call("APPEND", "k", "hello") == 5
    assert c.call("APPEND", "k", " world") == 11
    assert c.call("GET", "k") == b"hello world"
    assert c.call("STRLEN", "k") == 11
    assert c.call("APPEND", "k", "") == 11


def test_append_to_integer_value(c):
    assert c.call("SET", "n", "12") == "OK"
    assert c.call("INCR", "n") == 13
    assert c.call("APPEND", "n", "4") == 3
    assert c.call("GET", "n") == b"134"
    assert c.call("INCR", "n") == 135


def test_append_keeps_ttl(c):
    assert c.call("SET", "k", "a", "EX", "100") == "OK"
    assert c.call("APPEND", "k", "b") == 2
    assert 98 <= c.call("TTL", "k") <= 100


@pytest.mark.parametrize("start,end,expected", [
    (0, 3, b"This"), (-3, -1, b"ing"), (0, -1, b"This is a string"),
    (10, 100, b"string"), (5, 3, b""), (-100, 3, b"This"), (100, 200, b""),
    (-1, -5, b""), (0, 0, b"T"), (15, 15, b"g"),
])
def test_getrange(c, start, end, expected):
    assert c.call("SET", "k", "This is a string") == "OK"
    assert c.call("GETRANGE", "k", start, end) == expected


def test_getrange_missing_and_errors(c):
    assert c.call("GETRANGE", "missing", "0", "-1") == b""
    assert c.call("GETRANGE", "k", "a", "1") == NOTINT
    assert c.call("GETRANGE", "k", "0") == arity("getrange")


def test_setrange(rb):
    c = rb
    assert c.setrange("k", 0, "Hello World") == 11
    assert c.setrange("k", 6, "Redis") == 11
    assert c.get("k") == b"Hello Redis"
    assert c.setrange("pad", 5, "x") == 6
    assert c.get("pad") == b"\x00\x00\x00\x00\x00x"
    assert c.setrange("k", 20, "!") == 21
    assert c.get("k") == b"Hello Redis" + b"\x00" * 9 + b"!"


def test_setrange_empty_value(c):
    assert c.call("SETRANGE", "missing", "10", "") == 0
    assert c.call("EXISTS", "missing") == 0
    assert c.call("SET", "k", "abc") == "OK"
    assert c.call("SETRANGE", "k", "10", "") == 3
    assert c.call("GET", "k") == b"abc"


def test_setrange_errors(c):
    assert c.call("SETRANGE", "k", "-1", "x") == RespError(
        "ERR offset is out of range")
    assert c.call("SETRANGE", "k", "536870912", "x") == TOOBIG
    assert c.call("SETRANGE", "k", "536870911", "xx") == TOOBIG
    assert c.call("SETRANGE", "k", "x", "x") == NOTINT
    assert c.call("EXISTS", "k") == 0


def test_append_exceeding_max_size(make_server):
    # proto-max-bulk-len bounds string growth; 1mb is Redis's minimum.
    s = make_server(proto_max_bulk_len="1mb")
    with s.conn() as c:
        assert c.call("SETRANGE", "k", 1024 * 1024 - 1, "x") == 1024 * 1024
        assert c.call("APPEND", "k", "y") == TOOBIG
        assert c.call("SETRANGE", "k", 1024 * 1024, "x") == TOOBIG
        assert c.call("STRLEN", "k") == 1024 * 1024


# -- INCR family -----------------------------------------------------------------------

def test_incr_decr(c):
    assert c.call("INCR", "n") == 1
    assert c.call("INCR", "n") == 2
    assert c.call("DECR", "n") == 1
    assert c.call("DECR", "m") == -1
    assert c.call("INCRBY", "n", "10") == 11
    assert c.call("INCRBY", "n", "-20") == -9
    assert c.call("DECRBY", "n", "-9") == 0
    assert c.call("DECRBY", "n", "5") == -5
    assert c.call("GET", "n") == b"-5"


def test_incr_keeps_ttl(c):
    assert c.call("SET", "n", "5", "EX", "100") == "OK"
    assert c.call("INCR", "n") == 6
    assert 98 <= c.call("TTL", "n") <= 100


@pytest.mark.parametrize("value", [
    "abc", "", " 1", "1 ", "1.0", "01", "+1", "0x10", "1e3",
    "9223372036854775808", "-9223372036854775809",
])
def test_incr_not_integer(c, value):
    assert c.call("SET", "n", value) == "OK"
    assert c.call("INCR", "n") == NOTINT
    assert c.call("DECRBY", "n", "1") == NOTINT
    assert c.call("GET", "n") == value.encode()


def test_incrby_bad_argument(c):
    assert c.call("INCRBY", "n", "x") == NOTINT
    assert c.call("INCRBY", "n", "1.5") == NOTINT
    assert c.call("DECRBY", "n", "9223372036854775808") == NOTINT
    assert c.call("EXISTS", "n") == 0


def test_incr_overflow(c):
    assert c.call("SET", "n", "9223372036854775807") == "OK"
    assert c.call("INCR", "n") == RespError(
        "ERR increment or decrement would overflow")
    assert c.call("INCRBY", "n", "1") == RespError(
        "ERR increment or decrement would overflow")
    assert c.call("GET", "n") == b"9223372036854775807"
    assert c.call("SET", "m", "-9223372036854775808") == "OK"
    assert c.call("DECR", "m") == RespError(
        "ERR increment or decrement would overflow")
    assert c.call("INCRBY", "m", "-1") == RespError(
        "ERR increment or decrement would overflow")
    assert c.call("INCR", "m") == -9223372036854775807


def test_decrby_min_int(c):
    # Negating LLONG_MIN itself would overflow before the addition.
    assert c.call("DECRBY", "n", "-9223372036854775808") == RespError(
        "ERR decrement would overflow")


def test_incr_extremes(c):
    assert c.call("INCRBY", "n", "9223372036854775807") == 9223372036854775807
    assert c.call("SET", "m", "-9223372036854775807") == "OK"
    assert c.call("DECR", "m") == -9223372036854775808


def test_incrbyfloat(c):
    v = c.call("INCRBYFLOAT", "f", "10.5")
    assert v == b"10.5" and isinstance(v, bytes)
    assert c.call("INCRBYFLOAT", "f", "0.1") == b"10.6"
    assert c.call("INCRBYFLOAT", "f", "-5") == b"5.6"
    assert c.call("SET", "g", "5.0e3") == "OK"
    assert c.call("INCRBYFLOAT", "g", "2.0e2") == b"5200"
    assert c.call("SET", "i", "3") == "OK"
    assert c.call("INCRBYFLOAT", "i", "1") == b"4"
    assert c.call("INCR", "i") == 5
    assert c.call("INCRBYFLOAT", "z", "-0.5") == b"-0.5"
    assert c.call("INCRBYFLOAT", "z", "0.5") == b"0"


def test_incrbyfloat_keeps_ttl(c):
    assert c.call("SET", "f", "1", "EX", "100") == "OK"
    assert c.call("INCRBYFLOAT", "f", "1.5") == b"2.5"
    assert 98 <= c.call("TTL", "f") <= 100


def test_incrbyfloat_errors(c):
    assert c.call("SET", "s", "abc") == "OK"
    assert c.call("INCRBYFLOAT", "s", "1") == NOTFLOAT
    assert c.call("INCRBYFLOAT", "f", "abc") == NOTFLOAT
    assert c.call("INCRBYFLOAT", "f", "") == NOTFLOAT
    assert c.call("INCRBYFLOAT", "f", "1.5x") == NOTFLOAT
    nan_inf = RespError("ERR increment would produce NaN or Infinity")
    assert c.call("INCRBYFLOAT", "f", "inf") == nan_inf
    assert c.call("INCRBYFLOAT", "f", "-inf") == nan_inf
    # Redis computes in long double, so 1.7e308 + 1.7e308 does not overflow
    # on x86-64; only an infinite operand reliably produces this error.
    assert c.call("EXISTS", "f") == 0


# -- WRONGTYPE -------------------------------------------------------------------------

@pytest.mark.needs_lists
@pytest.mark.parametrize("cmd", [
    ("GET", "l"), ("GETSET", "l", "x"), ("GETDEL", "l"), ("GETEX", "l"),
    ("APPEND", "l", "x"), ("STRLEN", "l"), ("GETRANGE", "l", "0", "1"),
    ("SETRANGE", "l", "0", "x"), ("INCR", "l"), ("DECR", "l"),
    ("INCRBY", "l", "2"), ("DECRBY", "l", "2"), ("INCRBYFLOAT", "l", "1.5"),
    ("SET", "l", "x", "GET"),
])
def test_wrongtype(c, cmd):
    assert c.call("LPUSH", "l", "a") == 1
    assert c.call(*cmd) == WRONGTYPE
    assert c.call("TYPE", "l") == "list"


@pytest.mark.needs_lists
def test_set_overwrites_other_types(c):
    assert c.call("LPUSH", "l", "a") == 1
    assert c.call("SET", "l", "x") == "OK"
    assert c.call("TYPE", "l") == "string"
    assert c.call("LPUSH", "l2", "a") == 1
    assert c.call("SETNX", "l2", "x") == 0
    assert c.call("MSET", "l2", "y") == "OK"
    assert c.call("GET", "l2") == b"y"
