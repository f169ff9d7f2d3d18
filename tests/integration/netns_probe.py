"""Run inside a fresh network namespace (unshare -n): start the server bound
to 0.0.0.0 and talk to it from a loopback and a non-loopback source address.

Usage: unshare -n python3 netns_probe.py [--directive value ...]
Prints one JSON object: per client, its first reply line (latin-1) and\nwhether the connection stayed open.
The namespace has only its own lo, so no packet can leave it.
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from conftest import Server, ServerError  # noqa: E402
from resp import ConnectionClosed, RespConn  # noqa: E402

REMOTE = "192.0.2.1"   # TEST-NET-1, added to this namespace's lo only


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True, timeout=10,
                   capture_output=True)


def exchange(host, port, source):
    """PING from source: the first reply line, then "closed" if the server
    hung up or "open" if a second PING is still answered."""
    with RespConn(host, port, timeout=5, source=source) as c:
        c.send(b"*1\r\n$4\r\nPING\r\n")
        first = c.read_line().decode("latin-1")
        try:
            c.send(b"*1\r\n$4\r\nPING\r\n")
            c.read_line()
            return [first, "open"]
        except (ConnectionClosed, BrokenPipeError, ConnectionResetError):
            return [first, "closed"]


if __name__ == "__main__":
    ip("link", "set", "lo", "up")
    ip("addr", "add", REMOTE + "/32", "dev", "lo")
    args = sys.argv[1:]
    directives = [(args[i][2:], args[i + 1]) for i in range(0, len(args), 2)]
    s = Server(directives, bind="0.0.0.0")
    result = {}
    try:
        s.start()
        result["local"] = exchange("127.0.0.1", s.port, "127.0.0.1")
        result["remote"] = exchange(REMOTE, s.port, REMOTE)
    except ServerError as e:
        result["error"] = str(e)
    finally:
        complaint = s.cleanup()
        if complaint:
            result["error"] = complaint
    print(json.dumps(result))
