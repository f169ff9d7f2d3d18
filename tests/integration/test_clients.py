"""Real clients: redis-cli, redis-cli --pipe, redis-benchmark, redis-py
from many threads, and large values."""

import os
import re
import shutil
import subprocess
import threading

import pytest

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"
TOOL_DEADLINE = 60


def need(tool):
    if not os.access(tool, os.X_OK):
        pytest.skip("%s is not installed" % tool)


def cli(server, *args, stdin=None):
    need(REDIS_CLI)
    p = subprocess.run([REDIS_CLI, "-h", server.host, "-p", str(server.port)]
                       + list(args), input=stdin, capture_output=True,
                       timeout=TOOL_DEADLINE)
    return p


@pytest.mark.needs_tools
def test_redis_cli_set_get(server, r):
    p = cli(server, "SET", "cli:key", "hello world")
    assert p.returncode == 0 and p.stdout == b"OK\n", p
    p = cli(server, "GET", "cli:key")
    assert p.returncode == 0 and p.stdout == b"hello world\n", p
    assert r.get("cli:key") == "hello world"
    p = cli(server, "INCRBY", "cli:n", "41")
    assert p.stdout == b"41\n"
    p = cli(server, "GET", "cli:missing")
    assert p.stdout == b"\n"
    p = cli(server, "NOSUCHCOMMAND")
    assert p.stdout.startswith(b"ERR unknown command"), p


@pytest.mark.needs_tools
def test_redis_cli_reads_commands_from_stdin(server, r):
    p = cli(server, stdin=b"SET a 1\nINCR a\nGET a\n")
    assert p.returncode == 0
    assert p.stdout.split() == [b"OK", b"2", b"2"]
    assert r.get("a") == "2"


@pytest.mark.needs_tools
def test_redis_cli_pipe_mass_insert(server, r):
    proto = b"".join(
        b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
        % (len(k), k, len(v), v)
        for k, v in ((b"mass:%d" % i, b"value:%d" % i) for i in range(10000)))
    p = cli(server, "--pipe", stdin=proto)
    out = p.stdout.decode()
    assert p.returncode == 0, out + p.stderr.decode()
    assert "errors: 0, replies: 10000" in out
    assert r.dbsize() == 10000
    assert r.get("mass:0") == "value:0"
    assert r.get("mass:9999") == "value:9999"


@pytest.mark.needs_tools
def test_redis_benchmark_smoke(server, r):
    need(REDIS_BENCHMARK)
    p = subprocess.run(
        [REDIS_BENCHMARK, "-h", server.host, "-p", str(server.port), "-q",
         "-n", "2000", "-t", "set,get,incr", "-P", "4"],
        capture_output=True, timeout=TOOL_DEADLINE)
    out = p.stdout.decode(errors="replace").replace("\r", "\n")
    assert p.returncode == 0, out + p.stderr.decode(errors="replace")
    rates = {}
    for m in re.finditer(r"^(\w+): ([\d.]+) requests per second", out, re.M):
        rates[m.group(1)] = float(m.group(2))
    assert set(rates) == {"SET", "GET", "INCR"}, out
    assert all(v > 0 for v in rates.values()), rates
    # INCR ran on the benchmark's counter key 2000 times.
    assert int(r.get("counter:__rand_int__")) == 2000


def test_many_concurrent_clients(server, r):
    nthreads, nkeys = 200, 20
    errors = []
    barrier = threading.Barrier(nthreads)

    def worker(t):
        try:
            c = server.client()
            c.ping()
            barrier.wait(timeout=30)
            for i in range(nkeys):
                assert c.set("t%d:k%d" % (t, i), "%d-%d" % (t, i))
            for i in range(nkeys):
                assert c.get("t%d:k%d" % (t, i)) == "%d-%d" % (t, i)
            assert c.incr("shared") > 0
            c.close()
        except Exception as e:  # reported below
            errors.append("thread %d: %r" % (t, e))

    threads = [threading.Thread(target=worker, args=(t,))
               for t in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "threads hung"
    assert errors == []
    assert r.dbsize() == nthreads * nkeys + 1
    assert r.get("shared") == str(nthreads)


def test_large_value_roundtrip(rb):
    value = os.urandom(10 * 1024 * 1024)
    assert rb.set("big", value)
    assert rb.strlen("big") == len(value)
    assert rb.get("big") == value
    assert rb.append("big", b"tail") == len(value) + 4
    assert rb.getrange("big", -4, -1) == b"tail"
    assert rb.getrange("big", 0, 99) == value[:100]
    assert rb.delete("big") == 1


def test_redis_py_pipeline(r):
    p = r.pipeline(transaction=False)
    for i in range(500):
        p.set("p%d" % i, i)
        p.incr("p%d" % i)
    res = p.execute()
    assert res == [x for i in range(500) for x in (True, i + 1)]
    assert r.mget(["p0", "p499"]) == ["1", "500"]
