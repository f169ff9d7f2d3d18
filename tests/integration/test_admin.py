"""SLOWLOG, MONITOR, CLIENT PAUSE, LATENCY, RESET, the pub/sub output
buffer limit, and a pipeline mixing every type."""
import time

from resp import RespError
from util import deadline_wait


def test_slowlog_records_commands_over_the_threshold(c):
    assert c.call("SLOWLOG", "RESET") == "OK"
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "0") == "OK"
    try:
        c.call("SET", "slow", "x" * 300)
        entries = c.call("SLOWLOG", "GET", "-1")
        assert c.call("SLOWLOG", "LEN") >= 1
        args = [e[3] for e in entries]
        mine = [a for a in args if a[:2] == [b"SET", b"slow"]]
        assert mine, args
        # Long arguments are cut at 128 bytes with a note of what is left.
        assert mine[0][2] == b"x" * 128 + b"... (172 more bytes)"
        e = entries[0]
        assert isinstance(e[0], int) and isinstance(e[1], int) and isinstance(e[2], int)
        newest = c.call("SLOWLOG", "GET", "1")
        assert len(newest) == 1 and newest[0][0] > entries[0][0]  # ids grow
    finally:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    assert c.call("SLOWLOG", "RESET") == "OK"
    assert c.call("SLOWLOG", "LEN") == 0
    assert c.call("SLOWLOG", "GET", "-2") == RespError(
        "ERR count should be greater than or equal to -1")


def test_monitor_sees_other_clients_commands(server):
    with server.conn() as m, server.conn() as c:
        assert m.call("MONITOR") == "OK"
        c.call("SET", "mon", "it\nored")
        line = m.read_reply()
        assert '"SET" "mon" "it\\nored"' in str(line) or '"set" "mon" "it\\nored"' in str(line).lower()


def test_client_pause_write_holds_writes_not_reads(server):
    with server.conn() as admin, server.conn() as w:
        assert admin.call("SET", "p", "1") == "OK"
        assert admin.call("CLIENT", "PAUSE", "500", "WRITE") == "OK"
        t0 = time.monotonic()
        assert w.call("GET", "p") == b"1"            # reads are not held
        assert time.monotonic() - t0 < 0.4
        w.send_command("SET", "p", "2")
        assert admin.call("CLIENT", "UNPAUSE") == "OK"
        assert w.read_reply(timeout=5) == "OK"       # released by UNPAUSE
        assert admin.call("GET", "p") == b"2"
        assert admin.call("CLIENT", "PAUSE", "100") == "OK"
        t0 = time.monotonic()
        assert w.call("INCR", "n") == 1               # held until the pause ends
        assert time.monotonic() - t0 >= 0.05
        assert admin.call("CLIENT", "PAUSE", "x") == RespError(
            "ERR timeout is not an integer or out of range")


def test_latency_and_reset(c):
    assert c.call("LATENCY", "LATEST") == []
    assert c.call("LATENCY", "RESET") == 0
    assert c.call("SELECT", "2") == "OK"
    assert c.call("MULTI") == "OK"
    assert c.call("RESET") == "RESET"
    assert c.call("EXEC") == RespError("ERR EXEC without MULTI")
    c.call("SET", "in-db0", "1")
    assert c.call("SELECT", "0") == "OK"
    assert c.call("GET", "in-db0") == b"1"


def test_slow_subscriber_is_disconnected_at_the_output_limit(server):
    """A subscriber that never reads is cut off once ~32 MB wait for it
    (client-output-buffer-limit pubsub 32mb 8mb 60), instead of growing."""
    with server.conn() as sub, server.conn() as pub:
        assert sub.call("SUBSCRIBE", "firehose") == [b"subscribe", b"firehose", 1]
        payload = "x" * (1 << 20)
        sent = 0
        while sent < 80 and pub.call("PUBSUB", "NUMSUB", "firehose")[1] == 1:
            pub.call("PUBLISH", "firehose", payload)
            sent += 1
        deadline_wait(lambda: pub.call("PUBSUB", "NUMSUB", "firehose")[1] == 0, timeout=10,
                      what="the slow subscriber to be dropped")
        assert sent < 80


def test_pipeline_mixing_types(c):
    cmds = [
        ("SET", "s", "1"), ("INCR", "s"), ("LPUSH", "l", "a", "b"), ("RPOP", "l"),
        ("SADD", "st", "x", "y"), ("SCARD", "st"), ("HSET", "h", "f", "v"), ("HGET", "h", "f"),
        ("ZADD", "z", "1", "m"), ("ZSCORE", "z", "m"), ("SETBIT", "b", "7", "1"), ("BITCOUNT", "b"),
        ("GET", "l"), ("TYPE", "z"), ("DEL", "s", "l", "st", "h", "z", "b"),
    ]
    for cmd in cmds:
        c.send_command(*cmd)
    replies = [c.read_reply() for _ in cmds]
    assert replies[:12] == ["OK", 2, 2, b"a", 2, 2, 1, b"v", 1, b"1", 0, 1]
    assert replies[12] == RespError(
        "WRONGTYPE Operation against a key holding the wrong kind of value")
    assert replies[13] == "zset"
    assert replies[14] == 6


def test_slowlog_entry_of_a_command_with_many_arguments(c):
    """Redis keeps 32 slots: 31 arguments and a note of how many more."""
    assert c.call("CONFIG", "SET", "slowlog-log-slower-than", "0") == "OK"
    try:
        args = []
        for i in range(100):
            args += ["k%d" % i, "v"]
        assert c.call("MSET", *args) == "OK"
        entries = c.call("SLOWLOG", "GET", "-1")
    finally:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    mset = [e[3] for e in entries if e[3][:1] == [b"MSET"]][0]
    assert len(mset) == 32
    assert mset[:3] == [b"MSET", b"k0", b"v"]
    assert mset[31] == b"... (170 more arguments)"
