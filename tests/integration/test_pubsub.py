"""Pub/sub across connections (kvsd puts them on different I/O threads),
RESP3 push, patterns, sharded channels, subscribed-context rules."""
from resp import RespError


def test_publish_reaches_subscribers_on_other_connections(server):
    subs = [server.conn() for _ in range(6)]
    try:
        for i, s in enumerate(subs):
            assert s.call("SUBSCRIBE", "news") == [b"subscribe", b"news", 1]
        with server.conn() as p:
            assert p.call("PUBLISH", "news", "hello") == len(subs)
            assert p.call("PUBSUB", "NUMSUB", "news") == [b"news", len(subs)]
        for s in subs:
            assert s.read_reply() == [b"message", b"news", b"hello"]
    finally:
        for s in subs:
            s.close()


def test_patterns_and_unsubscribe(server):
    with server.conn() as s, server.conn() as p:
        assert s.call("PSUBSCRIBE", "n*") == [b"psubscribe", b"n*", 1]
        assert s.call("SUBSCRIBE", "news") == [b"subscribe", b"news", 2]
        assert p.call("PUBLISH", "news", "x") == 2
        got = [s.read_reply(), s.read_reply()]
        assert [b"message", b"news", b"x"] in got
        assert [b"pmessage", b"n*", b"news", b"x"] in got
        assert p.call("PUBSUB", "NUMPAT") == 1
        assert s.call("UNSUBSCRIBE") == [b"unsubscribe", b"news", 1]
        assert s.call("PUNSUBSCRIBE") == [b"punsubscribe", b"n*", 0]
        assert p.call("PUBLISH", "news", "y") == 0


def test_subscribed_context_allows_only_pubsub_commands(server):
    with server.conn() as s:
        s.call("SUBSCRIBE", "c")
        err = s.call("GET", "k")
        assert isinstance(err, RespError)
        assert "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET" in str(err)
        assert s.call("PING") == [b"pong", b""]
        assert s.call("RESET") == "RESET"
        assert s.call("GET", "k") is None


def test_resp3_push_and_self_publish(server):
    with server.conn() as s:
        assert s.call("HELLO", "3")[b"proto"] == 3
        s.send_command("SUBSCRIBE", "c3")
        assert s.read_reply() == [b"subscribe", b"c3", 1]
        with server.conn() as p:
            assert p.call("PUBLISH", "c3", "m") == 1
        assert s.read_reply() == [b"message", b"c3", b"m"]
        # RESP3 clients may run other commands while subscribed.
        assert s.call("SET", "k", "v") == "OK"


def test_shard_channels_are_a_separate_namespace(server):
    with server.conn() as s, server.conn() as plain, server.conn() as p:
        assert s.call("SSUBSCRIBE", "sc") == [b"ssubscribe", b"sc", 1]
        assert plain.call("SUBSCRIBE", "sc") == [b"subscribe", b"sc", 1]
        assert p.call("SPUBLISH", "sc", "a") == 1
        assert s.read_reply() == [b"smessage", b"sc", b"a"]
        assert p.call("PUBLISH", "sc", "b") == 1
        assert plain.read_reply() == [b"message", b"sc", b"b"]
        assert p.call("PUBSUB", "SHARDCHANNELS") == [b"sc"]
        assert p.call("PUBSUB", "SHARDNUMSUB", "sc") == [b"sc", 1]
        assert s.call("SUNSUBSCRIBE") == [b"sunsubscribe", b"sc", 0]
