"""Bit commands on strings and LCS: replies and Redis's exact error strings.

Every expectation here was checked against redis-server 7.0
(KVSD_BIN=/usr/bin/redis-server tests/integration/run.sh -k bitmaps).
"""

import random

import pytest

from resp import RespError

SYNTAX = RespError("ERR syntax error")
NOTINT = RespError("ERR value is not an integer or out of range")
WRONGTYPE = RespError(
    "WRONGTYPE Operation against a key holding the wrong kind of value")
BADOFF = RespError("ERR bit offset is not an integer or out of range")
BADBIT = RespError("ERR bit is not an integer or out of range")
BADTYPE = RespError("ERR Invalid bitfield type. Use something like i16 u8. "
                    "Note that u64 is not supported but i64 is.")


# -- SETBIT / GETBIT -----------------------------------------------------------

def test_setbit_getbit(c):
    assert c.call("SETBIT", "k", 7, 1) == 0
    assert c.call("GET", "k") == b"\x01"
    assert c.call("SETBIT", "k", 7, 1) == 1
    assert c.call("SETBIT", "k", 7, 0) == 1
    assert c.call("SETBIT", "k", 23, 1) == 0
    assert c.call("GET", "k") == b"\x00\x00\x01"
    assert c.call("GETBIT", "k", 23) == 1
    assert c.call("GETBIT", "k", 22) == 0
    assert c.call("GETBIT", "k", 1000) == 0
    assert c.call("GETBIT", "missing", 3) == 0
    assert c.call("SET", "s", "A") == "OK"
    assert c.call("SETBIT", "s", 2, 1) == 0
    assert c.call("GET", "s") == b"a"


def test_setbit_errors(c):
    assert c.call("SETBIT", "k", -1, 1) == BADOFF
    assert c.call("SETBIT", "k", 4294967296, 1) == BADOFF
    assert c.call("SETBIT", "k", "x", 1) == BADOFF
    assert c.call("SETBIT", "k", "01", 1) == BADOFF
    assert c.call("SETBIT", "k", 0, 2) == BADBIT
    assert c.call("SETBIT", "k", 0, -1) == BADBIT
    assert c.call("SETBIT", "k", 0, "x") == BADBIT
    assert c.call("GETBIT", "k", -1) == BADOFF
    assert c.call("GETBIT", "k", 4294967296) == BADOFF
    assert c.call("EXISTS", "k") == 0


def test_setbit_limit_follows_proto_max_bulk_len(make_server):
    s = make_server(proto_max_bulk_len="1mb")
    with s.conn() as c:
        last = 1024 * 1024 * 8 - 1
        assert c.call("SETBIT", "k", last, 1) == 0
        assert c.call("STRLEN", "k") == 1024 * 1024
        assert c.call("SETBIT", "k", last + 1, 1) == BADOFF
        assert c.call("GETBIT", "k", last + 1) == BADOFF
        assert c.call("BITCOUNT", "k") == 1
        assert c.call("BITPOS", "k", 1) == last


# -- BITCOUNT / BITPOS ---------------------------------------------------------

def test_bitcount(c):
    assert c.call("SET", "s", "foobar") == "OK"
    assert c.call("BITCOUNT", "s") == 26
    assert c.call("BITCOUNT", "s", 0, 0) == 4
    assert c.call("BITCOUNT", "s", 1, 1) == 6
    assert c.call("BITCOUNT", "s", 1, 1, "BYTE") == 6
    assert c.call("BITCOUNT", "s", 5, 30, "BIT") == 17
    assert c.call("BITCOUNT", "s", -2, -1) == 7
    assert c.call("BITCOUNT", "s", -1, -2) == 0
    assert c.call("BITCOUNT", "s", -100, -50) == 4
    assert c.call("BITCOUNT", "s", 3, 100) == 10
    assert c.call("BITCOUNT", "missing") == 0


def test_bitcount_errors(c):
    assert c.call("SET", "s", "foobar") == "OK"
    assert c.call("BITCOUNT", "s", 0) == SYNTAX
    assert c.call("BITCOUNT", "s", "a", "b") == NOTINT
    assert c.call("BITCOUNT", "s", 0, -1, "foo") == SYNTAX
    assert c.call("BITCOUNT", "s", 0, -1, "bit", "x") == SYNTAX
    # Redis 7.0 answers for a missing key before parsing the rest.
    assert c.call("BITCOUNT", "missing", "a", "b") == 0


def test_bitpos(c):
    assert c.call("SET", "k", b"\xff\xf0\x00") == "OK"
    assert c.call("BITPOS", "k", 0) == 12
    assert c.call("BITPOS", "k", 1) == 0
    assert c.call("BITPOS", "k", 1, 2) == -1
    assert c.call("BITPOS", "k", 0, 0, 0) == -1
    assert c.call("BITPOS", "k", 0, 0, 1) == 12
    assert c.call("BITPOS", "k", 0, 20, -1, "BIT") == 20
    assert c.call("BITPOS", "k", 0, 0, 11, "BIT") == -1
    assert c.call("BITPOS", "k", 0, 0, 12, "bit") == 12
    assert c.call("BITPOS", "k", 1, -2) == 8


def test_bitpos_clear_bits_past_the_end(c):
    assert c.call("SET", "ones", b"\xff\xff") == "OK"
    assert c.call("BITPOS", "ones", 0) == 16      # zero-padded on the right
    assert c.call("BITPOS", "ones", 0, 1) == 16
    assert c.call("BITPOS", "ones", 0, 0, -1) == -1   # explicit end: none
    assert c.call("BITPOS", "ones", 0, 3) == -1       # empty range
    assert c.call("BITPOS", "missing", 0) == 0
    assert c.call("BITPOS", "missing", 1) == -1
    assert c.call("SET", "empty", "") == "OK"
    assert c.call("BITPOS", "empty", 0) == -1


def test_bitpos_errors(c):
    assert c.call("SET", "k", "x") == "OK"
    assert c.call("BITPOS", "k", 2) == RespError(
        "ERR The bit argument must be 1 or 0.")
    assert c.call("BITPOS", "k", "x") == NOTINT
    assert c.call("BITPOS", "k", 0, 0, "bit") == NOTINT
    assert c.call("BITPOS", "k", 0, 1, "x", "foo") == SYNTAX
    assert c.call("BITPOS", "k", 0, 1, 2, "byte", 3) == SYNTAX


# -- BITOP ---------------------------------------------------------------------

def test_bitop(c):
    assert c.call("SET", "a", b"\x0f\xf0") == "OK"
    assert c.call("SET", "b", b"\xff") == "OK"
    assert c.call("BITOP", "AND", "d", "a", "b") == 2
    assert c.call("GET", "d") == b"\x0f\x00"
    assert c.call("BITOP", "or", "d", "a", "b") == 2
    assert c.call("GET", "d") == b"\xff\xf0"
    assert c.call("BITOP", "XOR", "d", "a", "b") == 2
    assert c.call("GET", "d") == b"\xf0\xf0"
    assert c.call("BITOP", "NOT", "d", "a") == 2
    assert c.call("GET", "d") == b"\xf0\x0f"
    assert c.call("BITOP", "AND", "d", "a", "missing") == 2
    assert c.call("GET", "d") == b"\x00\x00"


def test_bitop_empty_result_deletes_and_ttl_is_dropped(c):
    assert c.call("SET", "d", "x", "EX", 100) == "OK"
    assert c.call("SET", "a", "ab") == "OK"
    assert c.call("BITOP", "OR", "d", "a") == 2
    assert c.call("TTL", "d") == -1
    assert c.call("BITOP", "AND", "d", "missing1", "missing2") == 0
    assert c.call("EXISTS", "d") == 0


def test_bitop_errors(c):
    assert c.call("BITOP", "NOT", "d", "a", "b") == RespError(
        "ERR BITOP NOT must be called with a single source key.")
    assert c.call("BITOP", "NAND", "d", "a") == SYNTAX
    assert c.call("BITOP", "NOT", "d") == RespError(
        "ERR wrong number of arguments for 'bitop' command")


@pytest.mark.needs_lists
def test_bit_commands_wrongtype(c):
    assert c.call("RPUSH", "l", "a") == 1
    for cmd in (("SETBIT", "l", 1, 1), ("GETBIT", "l", 1), ("BITCOUNT", "l"),
                ("BITPOS", "l", 1), ("BITOP", "AND", "d", "l"),
                ("BITFIELD", "l", "GET", "u8", 0),
                ("BITFIELD_RO", "l", "GET", "u8", 0)):
        assert c.call(*cmd) == WRONGTYPE, cmd
    assert c.call("LCS", "l", "x") == RespError(
        "ERR The specified keys must contain string values")


# -- BITFIELD ------------------------------------------------------------------

def test_bitfield_docs_examples(c):
    assert c.call("BITFIELD", "k", "INCRBY", "i5", 100, 1,
                  "GET", "u4", 0) == [1, 0]
    assert c.call("BITFIELD", "mykey", "INCRBY", "u2", 100, 1,
                  "OVERFLOW", "SAT", "INCRBY", "u2", 102, 1) == [1, 1]
    assert c.call("BITFIELD", "mykey", "INCRBY", "u2", 100, 1,
                  "OVERFLOW", "SAT", "INCRBY", "u2", 102, 1) == [2, 2]
    assert c.call("BITFIELD", "mykey", "INCRBY", "u2", 100, 1,
                  "OVERFLOW", "SAT", "INCRBY", "u2", 102, 1) == [3, 3]
    assert c.call("BITFIELD", "mykey", "INCRBY", "u2", 100, 1,
                  "OVERFLOW", "SAT", "INCRBY", "u2", 102, 1) == [0, 3]
    assert c.call("BITFIELD", "f", "OVERFLOW", "FAIL",
                  "INCRBY", "u2", 102, 1) == [1]
    assert c.call("BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", 102, 1,
                  "INCRBY", "u2", 102, 1, "INCRBY", "u2", 102, 1) == [2, 3, None]


def test_bitfield_set_get_and_overflow(c):
    assert c.call("BITFIELD", "k", "SET", "u8", 0, 255,
                  "GET", "u8", 0) == [0, 255]
    assert c.call("BITFIELD", "k", "SET", "u8", 0, 256) == [255]
    assert c.call("BITFIELD", "k", "OVERFLOW", "SAT",
                  "SET", "u8", 0, -1) == [0]
    assert c.call("GET", "k") == b"\xff"
    assert c.call("BITFIELD", "k", "SET", "i8", 0, 127, "INCRBY", "i8", 0, 1,
                  "OVERFLOW", "SAT", "INCRBY", "i8", 0, 200,
                  "OVERFLOW", "FAIL", "INCRBY", "i8", 0, 1,
                  "GET", "i8", 0) == [-1, -128, 72, 73, 73]
    assert c.call("BITFIELD", "k", "SET", "i64", 0, 2**63 - 1,
                  "INCRBY", "i64", 0, 1) == [5260204364768739328, -2**63]
    assert c.call("BITFIELD", "k", "SET", "i32", "#3", -123456,
                  "GET", "u32", "#3") == [0, 4294843840]
    assert c.call("BITFIELD", "k", "SET", "i5", 200, -3, "GET", "i5", 200,
                  "GET", "u5", 200) == [0, -3, 29]


def test_bitfield_fail_still_creates_key(c):
    assert c.call("BITFIELD", "nk", "OVERFLOW", "FAIL",
                  "INCRBY", "u8", 0, 300) == [None]
    assert c.call("GET", "nk") == b"\x00"
    assert c.call("BITFIELD", "missing", "GET", "u8", 0) == [0]
    assert c.call("EXISTS", "missing") == 0


def test_bitfield_errors(c):
    assert c.call("BITFIELD", "k") == []
    assert c.call("BITFIELD", "k", "GET", "u8") == SYNTAX
    assert c.call("BITFIELD", "k", "FOO") == SYNTAX
    for t in ("U8", "u64", "i65", "u0", "i"):
        assert c.call("BITFIELD", "k", "GET", t, 0) == BADTYPE, t
    assert c.call("BITFIELD", "k", "GET", "i8", -1) == BADOFF
    assert c.call("BITFIELD", "k", "GET", "i8", "#-1") == BADOFF
    assert c.call("BITFIELD", "k", "GET", "i8", "#536870912") == BADOFF
    assert c.call("BITFIELD", "k", "GET", "i8", "#536870911") == [0]
    assert c.call("BITFIELD", "k", "OVERFLOW", "FOO",
                  "SET", "u8", 0, 1) == RespError(
        "ERR Invalid OVERFLOW type specified")
    assert c.call("BITFIELD", "k", "SET", "u8", 0, "x") == NOTINT
    ro = RespError("ERR BITFIELD_RO only supports the GET subcommand")
    assert c.call("BITFIELD_RO", "k", "SET", "u8", 0, 1) == ro
    assert c.call("BITFIELD_RO", "k", "INCRBY", "u8", 0, 1) == ro
    assert c.call("EXISTS", "k") == 0


def test_bitfield_ro(c):
    assert c.call("SET", "k", "hello") == "OK"
    assert c.call("BITFIELD_RO", "k", "GET", "u8", 0, "GET", "i4", 4,
                  "GET", "u16", "#1") == [104, -8, 27756]


# -- LCS -----------------------------------------------------------------------

def test_lcs(c):
    assert c.call("MSET", "key1", "ohmytext", "key2", "mynewtext") == "OK"
    assert c.call("LCS", "key1", "key2") == b"mytext"
    assert c.call("LCS", "key1", "key2", "LEN") == 6
    assert c.call("LCS", "key1", "key2", "IDX") == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]
    assert c.call("LCS", "key1", "key2", "IDX", "MINMATCHLEN", 4,
                  "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]
    assert c.call("LCS", "key1", "missing") == b""
    assert c.call("LCS", "m1", "m2", "IDX") == [b"matches", [], b"len", 0]


def test_lcs_errors(c):
    assert c.call("MSET", "a", "x", "b", "y") == "OK"
    assert c.call("LCS", "a", "b", "IDX", "LEN") == RespError(
        "ERR If you want both the length and indexes, please just use IDX.")
    assert c.call("LCS", "a", "b", "FOO") == SYNTAX
    assert c.call("LCS", "a", "b", "MINMATCHLEN") == SYNTAX
    assert c.call("LCS", "a", "b", "MINMATCHLEN", "x") == NOTINT


@pytest.mark.needs_resp3
def test_lcs_idx_resp3_map(c):
    assert c.call("MSET", "key1", "ohmytext", "key2", "mynewtext") == "OK"
    c.call("HELLO", 3)
    assert c.call("LCS", "key1", "key2", "IDX", "MINMATCHLEN", 3) == {
        b"matches": [[[4, 7], [5, 8]]], b"len": 6}


# -- randomized against a model ------------------------------------------------

class Bits:
    """A byte string with Redis's bit numbering (bit 0 = MSB of byte 0)."""

    def __init__(self):
        self.b = bytearray()

    def bit(self, i):
        if i >> 3 >= len(self.b):
            return 0
        return (self.b[i >> 3] >> (7 - (i & 7))) & 1

    def set(self, i, v):
        if i >> 3 >= len(self.b):
            self.b.extend(b"\x00" * ((i >> 3) + 1 - len(self.b)))
        if v:
            self.b[i >> 3] |= 0x80 >> (i & 7)
        else:
            self.b[i >> 3] &= ~(0x80 >> (i & 7)) & 0xff


def clamp(s, e, n):
    s, e = s + n if s < 0 else s, e + n if e < 0 else e
    return max(s, 0), min(max(e, 0), n - 1)


def test_randomized_bits_against_model(rb):
    rng = random.Random(20240607)
    models = {k: Bits() for k in (b"a", b"b", b"c")}
    pipe = rb.pipeline(transaction=False)
    expected = []
    for _ in range(3000):
        key = rng.choice(list(models))
        m = models[key]
        op = rng.random()
        if op < 0.45:
            off, v = rng.randrange(0, 2400), rng.randrange(2)
            pipe.setbit(key, off, v)
            expected.append(m.bit(off))
            m.set(off, v)
        elif op < 0.65:
            nbits = len(m.b) * 8
            s = rng.randrange(-nbits - 10, nbits + 10)
            e = rng.randrange(-nbits - 10, nbits + 10)
            pipe.execute_command("BITCOUNT", key, s, e, "BIT")
            cnt = 0
            if m.b and not (s < 0 and e < 0 and s > e):
                lo, hi = clamp(s, e, nbits)
                cnt = sum(m.bit(i) for i in range(lo, hi + 1))
            expected.append(cnt)
        elif op < 0.9:
            bit, nbytes = rng.randrange(2), len(m.b)
            s = rng.randrange(-nbytes - 3, nbytes + 3)
            pipe.execute_command("BITPOS", key, bit, s)
            if not m.b:           # missing key (SETBIT never leaves "")
                want = 0 if bit == 0 else -1
            else:
                lo, hi = clamp(s, nbytes - 1, nbytes)
                want = -1
                if lo <= hi:
                    bits = [i for i in range(lo * 8, hi * 8 + 8)
                            if m.bit(i) == bit]
                    # No end given: clear bits continue past the string.
                    want = bits[0] if bits else (hi * 8 + 8 if bit == 0 else -1)
            expected.append(want)
        else:
            op_name = rng.choice(["AND", "OR", "XOR"])
            x, y = rng.choice(list(models)), rng.choice(list(models))
            pipe.bitop(op_name, key, x, y)
            bx, by = models[x].b, models[y].b
            n = max(len(bx), len(by))
            out = bytearray(n)
            for i in range(n):
                p = bx[i] if i < len(bx) else 0
                q = by[i] if i < len(by) else 0
                out[i] = (p & q if op_name == "AND" else
                          p | q if op_name == "OR" else p ^ q)
            expected.append(n)
            m.b = out
    assert pipe.execute() == expected
    for k, m in models.items():
        assert (rb.get(k) or b"") == bytes(m.b)
