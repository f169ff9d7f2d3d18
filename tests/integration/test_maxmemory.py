"""maxmemory: -OOM under noeviction, eviction under the other policies.

Valid against redis-server too (it evicts synchronously; kvsd on its
background tick, so the tests wait with deadlines)."""
import pytest

from resp import RespError
from util import deadline_wait

OOM = RespError("OOM command not allowed when used memory > 'maxmemory'.")
VALUE = "v" * 1000


_seq = [0]


def fill(c, prefix, batches=50, per=200):
    """Pipeline SETs of new keys until the server answers OOM or the batches
    run out; returns the replies of the last batch."""
    last = []
    for _ in range(batches):
        _seq[0] += 1
        b = _seq[0]
        cmds = [("SET", "%s:%d:%d" % (prefix, b, i), VALUE) for i in range(per)]
        for cmd in cmds:
            c.send_command(*cmd)
        last = [c.read_reply() for _ in cmds]
        if OOM in last:
            break
    return last


def info_field(c, section, field):
    text = c.call("INFO", section)
    text = text.decode() if isinstance(text, bytes) else str(text)
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1]
    return None


def test_noeviction_refuses_writes_not_reads(make_server):
    s = make_server(maxmemory="5mb")
    with s.conn() as c:
        assert c.call("SET", "keep", "me") == "OK"
        # Keep writing until the server starts refusing (kvsd notices on its
        # next background tick: poll with a deadline).
        deadline_wait(lambda: OOM in fill(c, "k", batches=5), timeout=20, what="an OOM reply")
        assert c.call("GET", "keep") == b"me"          # reads still work
        assert c.call("DEL", "keep") == 1               # so do deletes
        assert info_field(c, "memory", "maxmemory_policy") == "noeviction"


def test_eviction_policy_frees_memory(make_server):
    s = make_server(maxmemory="5mb")
    with s.conn() as c:
        deadline_wait(lambda: OOM in fill(c, "k", batches=5), timeout=20, what="an OOM reply")
        assert c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random") == "OK"
        deadline_wait(lambda: c.call("SET", "after", "eviction") == "OK", timeout=10,
                      what="SET accepted once keys are evicted")
        assert int(info_field(c, "stats", "evicted_keys")) > 0
        assert info_field(c, "memory", "maxmemory_policy") == "allkeys-random"


def test_volatile_policy_without_ttl_keys_still_refuses(make_server):
    s = make_server(maxmemory="5mb", maxmemory_policy="volatile-lru")
    with s.conn() as c:
        deadline_wait(lambda: OOM in fill(c, "k", batches=5), timeout=20, what="an OOM reply")
        assert int(info_field(c, "stats", "evicted_keys")) == 0
