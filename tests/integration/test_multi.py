"""MULTI/EXEC/WATCH: errors, atomicity across shards, WATCH invalidation."""
import threading

from resp import RespError
from util import deadline_wait


def test_exec_runs_queue_across_shards(c):
    # "a" and "b"... live in different shards (CRC16 slots spread them).
    keys = ["k%d" % i for i in range(20)]
    assert c.call("MULTI") == "OK"
    for k in keys:
        assert c.call("SET", k, "1") == "QUEUED"
    assert c.call("INCR", keys[0]) == "QUEUED"
    assert c.call("MGET", *keys[:3]) == "QUEUED"
    reply = c.call("EXEC")
    assert reply[:20] == ["OK"] * 20
    assert reply[20] == 2
    assert reply[21] == [b"2", b"1", b"1"]


def test_multi_errors(c):
    assert c.call("EXEC") == RespError("ERR EXEC without MULTI")
    assert c.call("DISCARD") == RespError("ERR DISCARD without MULTI")
    assert c.call("MULTI") == "OK"
    assert c.call("MULTI") == RespError("ERR MULTI calls can not be nested")
    assert c.call("WATCH", "x") == RespError("ERR WATCH inside MULTI is not allowed")
    assert c.call("DISCARD") == "OK"
    # A queue-time error aborts the whole transaction.
    assert c.call("MULTI") == "OK"
    assert c.call("SET", "x", "1") == "QUEUED"
    assert c.call("NOSUCHCMD") == RespError(
        "ERR unknown command 'NOSUCHCMD', with args beginning with: ")
    assert c.call("EXEC") == RespError(
        "EXECABORT Transaction discarded because of previous errors.")
    assert c.call("GET", "x") is None
    # A run-time error does not: the other commands still run.
    c.call("SET", "s", "str")
    assert c.call("MULTI") == "OK"
    c.call("INCR", "s")
    c.call("SET", "y", "2")
    reply = c.call("EXEC")
    assert reply[0] == RespError("ERR value is not an integer or out of range")
    assert reply[1] == "OK"


def test_watch_aborts_on_change_from_another_client(server, c):
    c.call("SET", "w", "1")
    assert c.call("WATCH", "w") == "OK"
    with server.conn() as other:
        assert other.call("SET", "w", "2") == "OK"
    assert c.call("MULTI") == "OK"
    c.call("SET", "w", "3")
    assert c.call("EXEC") is None
    assert c.call("GET", "w") == b"2"
    # Unchanged watched key: EXEC runs; afterwards nothing is watched.
    assert c.call("WATCH", "w") == "OK"
    assert c.call("MULTI") == "OK"
    c.call("SET", "w", "4")
    assert c.call("EXEC") == ["OK"]
    assert c.call("MULTI") == "OK"
    c.call("SET", "w", "5")
    assert c.call("EXEC") == ["OK"]


def test_watch_sees_delete_expire_and_flush(server, c):
    c.call("SET", "d", "1")
    c.call("WATCH", "d")
    with server.conn() as other:
        other.call("DEL", "d")
    c.call("MULTI")
    c.call("GET", "d")
    assert c.call("EXEC") is None

    c.call("SET", "e", "1", "PX", "50")
    c.call("WATCH", "e")
    deadline_wait(lambda: c.call("EXISTS", "e") == 0, what="e to expire")
    c.call("MULTI")
    c.call("GET", "e")
    assert c.call("EXEC") is None

    c.call("SET", "f", "1")
    c.call("WATCH", "f")
    with server.conn() as other:
        other.call("FLUSHALL")
    c.call("MULTI")
    c.call("GET", "f")
    assert c.call("EXEC") is None
    assert c.call("UNWATCH") == "OK"


def test_watch_missing_key_created_and_removed_aborts(server, c):
    """Missing at WATCH and missing again at EXEC, but created and removed in
    between (deleted, or expired): Redis aborts, as the key was touched."""
    c.call("DEL", "wm")
    assert c.call("WATCH", "wm") == "OK"
    with server.conn() as other:
        assert other.call("SET", "wm", "1") == "OK"
        assert other.call("DEL", "wm") == 1
    assert c.call("MULTI") == "OK"
    c.call("SET", "wm", "mine")
    assert c.call("EXEC") is None
    assert c.call("GET", "wm") is None

    assert c.call("WATCH", "wm") == "OK"
    with server.conn() as other:
        assert other.call("SET", "wm", "1", "PX", "30") == "OK"
    deadline_wait(lambda: c.call("EXISTS", "wm") == 0, what="wm to expire")
    assert c.call("MULTI") == "OK"
    c.call("SET", "wm", "mine")
    assert c.call("EXEC") is None

    # Left alone, a watched missing key lets the transaction run.
    assert c.call("WATCH", "wm") == "OK"
    assert c.call("MULTI") == "OK"
    c.call("SET", "wm", "mine")
    assert c.call("EXEC") == ["OK"]
    assert c.call("GET", "wm") == b"mine"


def test_exec_is_atomic_for_concurrent_readers(server):
    """Two counters in different shards are moved together in MULTI; a
    reader on other connections must never see their sum change."""
    with server.conn() as c:
        c.call("MSET", "{a}x", "1000", "{b}y", "0")
    stop = threading.Event()
    bad = []

    def writer():
        with server.conn() as w:
            for _ in range(300):
                w.call("MULTI")
                w.call("DECR", "{a}x")
                w.call("INCR", "{b}y")
                w.call("EXEC")
        stop.set()

    def reader():
        with server.conn() as r:
            while not stop.is_set():
                r.call("MULTI")
                r.call("GET", "{a}x")
                r.call("GET", "{b}y")
                x, y = r.call("EXEC")
                if int(x) + int(y) != 1000:
                    bad.append((x, y))

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert bad == []
    with server.conn() as c:
        assert c.call("MGET", "{a}x", "{b}y") == [b"700", b"300"]
