"""Reply shapes after HELLO 3: the types RESP3 clients rely on."""

import pytest

from resp import RespSet, Verbatim, encode_command

pytestmark = pytest.mark.needs_resp3


@pytest.fixture
def c3(c):
    assert isinstance(c.call("HELLO", "3"), dict)
    return c


def raw_reply(c, *args):
    """The exact bytes of a one-line reply or of a bulk without CRLF in it."""
    c.send(encode_command(*args))
    line = c.read_line() + b"\r\n"
    if line[:1] == b"$" and line != b"$-1\r\n":
        line += c.read_line() + b"\r\n"
    return line


def test_nulls_are_underscore(c3):
    assert raw_reply(c3, "GET", "missing") == b"_\r\n"
    assert raw_reply(c3, "SET", "k", "v", "GET") == b"_\r\n"
    c3.send(encode_command("MGET", "k", "missing"))
    assert c3.read_line() == b"*2"
    assert c3.read_line() == b"$1"
    assert c3.read_line() == b"v"
    assert c3.read_line() == b"_"


def test_scalar_replies_unchanged(c3):
    assert raw_reply(c3, "SET", "n", "1") == b"+OK\r\n"
    assert raw_reply(c3, "INCR", "n") == b":2\r\n"
    assert raw_reply(c3, "TTL", "n") == b":-1\r\n"
    # INCRBYFLOAT stays a bulk string, not a RESP3 double.
    assert raw_reply(c3, "INCRBYFLOAT", "f", "1.5") == b"$3\r\n1.5\r\n"
    assert raw_reply(c3, "EXISTS", "n", "f") == b":2\r\n"
    assert raw_reply(c3, "GET", "nope", "x") == (
        b"-ERR wrong number of arguments for 'get' command\r\n")


def test_scan_and_keys_are_arrays(c3):
    assert c3.call("SET", "a", "1") == "OK"
    assert c3.call("KEYS", "*") == [b"a"]
    cursor, keys = c3.call("SCAN", "0", "COUNT", "100")
    assert cursor == b"0" and keys == [b"a"]
    sec, usec = c3.call("TIME")
    assert sec.isdigit() and usec.isdigit()


@pytest.mark.needs_config
def test_config_get_is_a_map(c3):
    assert c3.call("CONFIG", "GET", "timeout", "maxclients") == {
        b"timeout": b"0",
        b"maxclients": c3.call("CONFIG", "GET", "maxclients")[b"maxclients"]}


@pytest.mark.needs_client
def test_client_info_is_verbatim_text(c3):
    info = c3.call("CLIENT", "INFO")
    assert isinstance(info, Verbatim) and info.format == b"txt"
    assert b"resp=3" in info.split()
    listing = c3.call("CLIENT", "LIST")
    assert isinstance(listing, Verbatim) and listing.format == b"txt"


@pytest.mark.needs_info
def test_info_is_verbatim_text(c3):
    info = c3.call("INFO", "server")
    assert isinstance(info, Verbatim) and info.format == b"txt"
    assert info.startswith(b"# Server\r\n")


@pytest.mark.needs_command
def test_command_info_uses_sets_and_maps(c3):
    (get,) = c3.call("COMMAND", "INFO", "get")
    assert get[0] == b"get" and get[1] == 2
    assert isinstance(get[2], RespSet) and {"readonly", "fast"} <= set(get[2])
    docs = c3.call("COMMAND", "DOCS", "get")
    assert isinstance(docs, dict) and docs[b"get"][b"group"] == b"string"
