"""Helpers shared by the integration tests."""

import socket
import time


def deadline_wait(cond, timeout=5.0, interval=0.01, what="condition"):
    """Poll cond() until it returns a true value or the deadline passes."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= end:
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (timeout, what))
        time.sleep(interval)


def free_port():
    """A port the kernel considers free right now (racy; callers retry)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_wallclock(t):
    """Block until time.time() >= t: waiting for time itself to pass, as
    expiry tests must, is not a server condition that could be polled."""
    while True:
        left = t - time.time()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))
