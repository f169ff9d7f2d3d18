"""A small RESP2/RESP3 client over a raw socket.

redis-py 4.3 (Debian 12) speaks only RESP2, and the protocol tests need to
send malformed or partial bytes and watch the server close the connection,
which a real client library hides.  Every read has a deadline.
"""

import socket
import time


class RespError(Exception):
    """An error reply ('-' or '!').  Returned by read_reply, not raised."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __eq__(self, other):
        return isinstance(other, RespError) and other.message == self.message

    def __hash__(self):
        return hash(self.message)

    def __repr__(self):
        return "RespError(%r)" % self.message


class Status(str):
    """A simple string reply ('+'), kept distinct from bulk strings."""


class Verbatim(bytes):
    """A RESP3 verbatim string ('='); .format is e.g. b'txt'."""
    format = b""


class RespSet(list):
    """A RESP3 set ('~'), kept as a list because members may be unhashable."""


class Push(list):
    """A RESP3 push ('>')."""


class ConnectionClosed(Exception):
    """The peer closed the connection before a whole reply arrived."""


def encode_command(*args):
    """Encode arguments as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RespConn:
    """One client connection; not thread-safe."""

    def __init__(self, host, port, timeout=10.0, source=None):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET6 if ":" in host
                                  else socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source is not None:
            self.sock.bind((source, 0))
        self.sock.connect((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- sending --------------------------------------------------------

    def send(self, data):
        self.sock.sendall(data)

    def send_command(self, *args):
        self.send(encode_command(*args))

    def call(self, *args):
        self.send_command(*args)
        return self.read_reply()

    # -- receiving ------------------------------------------------------

    def _fill(self, deadline):
        """Read more bytes into self.buf; raise on EOF or deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no reply before the deadline")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no reply before the deadline") from None
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            raise ConnectionClosed("connection closed by peer")
        self.buf += data

    def _line(self, deadline):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill(deadline)

    def _exact(self, n, deadline):
        while len(self.buf) < n + 2:
            self._fill(deadline)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read_line(self, timeout=None):
        """One raw CRLF-terminated line, without the CRLF."""
        return self._line(time.monotonic() + (timeout or self.timeout))

    def read_reply(self, timeout=None):
        """Parse one reply.  Errors come back as RespError instances."""
        return self._reply(time.monotonic() + (timeout or self.timeout))

    def _aggregate(self, n, deadline):
        return [self._reply(deadline) for _ in range(n)]

    def _reply(self, deadline):
        line = self._line(deadline)
        if not line:
            raise ValueError("empty reply line")
        t, rest = line[:1], line[1:]
        if t == b"+":
            return Status(rest.decode())
        if t == b"-":
            return RespError(rest.decode())
        if t == b":" or t == b"(":
            return int(rest)
        if t == b"$" or t == b"!" or t == b"=":
            n = int(rest)
            if n < 0:
                return None
            data = self._exact(n, deadline)
            if t == b"!":
                return RespError(data.decode())
            if t == b"=":
                v = Verbatim(data[4:])
                v.format = data[:3]
                return v
            return data
        if t == b"*":
            n = int(rest)
            return None if n < 0 else self._aggregate(n, deadline)
        if t == b"~":
            return RespSet(self._aggregate(int(rest), deadline))
        if t == b">":
            return Push(self._aggregate(int(rest), deadline))
        if t == b"%":
            items = self._aggregate(2 * int(rest), deadline)
            return {_hashable(items[i]): items[i + 1]
                    for i in range(0, len(items), 2)}
        if t == b"|":
            self._aggregate(2 * int(rest), deadline)
            return self._reply(deadline)
        if t == b"_":
            return None
        if t == b"#":
            return rest == b"t"
        if t == b",":
            return float(rest.decode())
        raise ValueError("unknown RESP type byte %r in %r" % (t, line))

    def closed_by_peer(self, timeout=5.0):
        """Wait for EOF, discarding data.  True on EOF, False on timeout."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self.buf = b""
                self._fill(deadline)
        except ConnectionClosed:
            return True
        except TimeoutError:
            return False

    def read_all_until_close(self, timeout=5.0):
        """Everything the server sends until it closes; raise on timeout."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._fill(deadline)
        except ConnectionClosed:
            data, self.buf = self.buf, b""
            return data


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    return v
