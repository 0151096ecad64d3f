"""Slow and idle clients, as an attacker sends them: slowloris headers, idle connections, slow POST bodies.

Run as a process of its own (``python -m tests.stress.slow_clients PORT SECONDS``), so the legitimate
client the test times shares no interpreter with it. Each attacker reconnects as soon as the server
drops it, for the whole time, from a 127.0.1.x address of its group's own (``SOURCES_PER_KIND``
addresses per kind, never 127.0.0.1, which the legitimate client uses); at the end it prints one
line of JSON: how many connections each kind opened and how many the server closed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

SLOWLORIS, IDLE, SLOW_POSTS = 200, 200, 50
# Attackers of one kind are spread over this many source addresses (under nginx's per-address limit).
SOURCES_PER_KIND = 10
# A byte of the attack every this many seconds per connection (slowloris' 1 byte/s).
BYTE_EVERY = 1.0
BODY_BYTES = 100_000
HOST = "127.0.0.1"


def source(kind: int, number: int) -> str:
    """The source address of attacker ``number`` of the ``kind``-th kind."""
    return f"127.0.1.{kind * SOURCES_PER_KIND + number % SOURCES_PER_KIND + 1}"


def slowloris_bytes():
    """A GET whose headers never end: one header line after another."""
    yield b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    while True:
        yield from (bytes([char]) for char in b"X-Slow: aaaaaaaa\r\n")


def idle_bytes():
    """Nothing at all."""
    while True:
        yield b""


def slow_post_bytes():
    """A POST whose headers arrive at once and whose body then comes a byte at a time."""
    yield (
        b"POST /messages/new HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: " + str(BODY_BYTES).encode() + b"\r\n\r\n"
    )
    while True:
        yield b"a"


async def attack(port: int, address: str, sending, until: float, counts: dict) -> None:
    """Keep one slow connection open from ``address`` until ``until``, reconnecting when it is dropped."""
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(HOST, port, local_addr=(address, 0))
        except OSError:
            counts["refused"] += 1
            await asyncio.sleep(BYTE_EVERY)
            continue
        counts["opened"] += 1
        try:
            counts[await hold(reader, writer, sending, until)] += 1
        except OSError:
            counts["dropped"] += 1
        finally:
            writer.close()


async def hold(reader, writer, sending, until: float) -> str:
    """Send ``sending()`` a chunk a BYTE_EVERY; return "answered", "dropped" (closed) or "held" (time up)."""
    for chunk in sending():
        if time.monotonic() >= until:
            return "held"
        if chunk:
            writer.write(chunk)
            await writer.drain()
        try:
            data = await asyncio.wait_for(reader.read(65536), BYTE_EVERY)
        except TimeoutError:
            continue
        return "answered" if data else "dropped"
    return "held"


async def main(port: int, seconds: float) -> dict:
    """Run every attacker for ``seconds``; return the counts per kind."""
    until = time.monotonic() + seconds
    kinds = {
        "slowloris": (SLOWLORIS, slowloris_bytes),
        "idle": (IDLE, idle_bytes),
        "slow_post": (SLOW_POSTS, slow_post_bytes),
    }
    counts = {kind: dict.fromkeys(("opened", "held", "dropped", "answered", "refused"), 0) for kind in kinds}
    tasks = [
        attack(port, source(index, number), sending, until, counts[kind])
        for index, (kind, (many, sending)) in enumerate(kinds.items())
        for number in range(many)
    ]
    await asyncio.gather(*tasks)
    return counts


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1]), float(sys.argv[2])))), flush=True)
