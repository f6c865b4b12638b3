"""The HTTP server under load: N concurrent clients × M requests on loopback against ``voxtune serve --voice
joe`` (a separate process, so its memory is its own), and bad requests mixed in.

Two rounds of N × M requests after a warm-up: the first streamed (the default), the second whole files
(``"stream": false``). Each reports throughput, p50/p95 latency to the last byte and to the first audio byte,
errors, and the server's resident memory afterwards, so that growth per 1000 requests after warm-up can be read
off. The anchor: the same text synthesized in-process, back to back in two threads, without HTTP — the
server's throughput over that is what the HTTP layer costs or saves. Last, time to first audio with the server
otherwise idle, for a three-sentence paragraph, streamed vs whole.

    .venv/bin/python bench/serve.py --clients 50 --requests 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

TEXT = "Good morning, class. Please open your books at page twelve."
PARAGRAPH = (
    "Good morning, class. Please open your books at page twelve. "
    "Today we read the story of a small town by the sea, and then we talk about it together."
)
BAD = [
    {"input": "", "voice": "joe"},
    {"input": "x" * 1_000_000, "voice": "joe"},
    {"input": "Hi.", "voice": "../../etc/passwd"},
    {"input": "Hi.", "voice": "joe", "response_format": "aac"},
]
WARM_UP = 100


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Timed:
    """One request: status, seconds to the first audio byte and to the last byte."""

    status: int
    first_s: float
    total_s: float


def timed_request(http: httpx.Client, body: dict[str, object]) -> Timed:
    start = time.perf_counter()
    first: float | None = None
    with http.stream("POST", "/v1/audio/speech", json=body) as reply:
        for chunk in reply.iter_raw():
            if chunk and first is None:
                first = time.perf_counter() - start
    total = time.perf_counter() - start
    return Timed(reply.status_code, total if first is None else first, total)


@dataclass
class Round:
    name: str
    wall_s: float = 0.0
    results: list[Timed] = field(default_factory=list)
    rss_after_mb: float = 0.0

    def ok(self) -> list[Timed]:
        return [r for r in self.results if r.status == 200]


def load_round(
    base: str, name: str, clients: int, requests: int, body: dict[str, object], bad: list[int] | None = None
) -> Round:
    """``clients`` threads × ``requests`` requests of ``body``; with ``bad``, the first few clients first send a
    bad request each and note its status there."""
    result = Round(name)
    lock = threading.Lock()

    def client(index: int) -> None:
        with httpx.Client(base_url=base, timeout=600) as http:
            for request in range(requests):
                if request == 0 and index < len(BAD) and bad is not None:
                    status = http.post("/v1/audio/speech", json=BAD[index]).status_code
                    with lock:
                        bad.append(status)
                timed = timed_request(http, body)
                with lock:
                    result.results.append(timed)

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    result.wall_s = time.perf_counter() - start
    return result


def direct_throughput(seconds: float = 20.0) -> float:
    """Requests per second of in-process synthesis of TEXT, two threads (the server's --max-concurrent 2)."""
    from voxtune.synth.voice import load_voice

    voice = load_voice("joe", num_threads=1)
    voice.synthesize(TEXT)
    done = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            voice.synthesize(TEXT)
            with lock:
                done += 1

    threads = [threading.Thread(target=worker) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done / (time.perf_counter() - start)


def idle_first_audio(base: str, repeats: int = 5) -> dict[str, list[Timed]]:
    """The paragraph, one request at a time, streamed and whole alternately (so both see the same machine)."""
    out: dict[str, list[Timed]] = {"streamed": [], "whole": []}
    with httpx.Client(base_url=base, timeout=600) as http:
        for _ in range(repeats):
            for mode, stream in (("streamed", True), ("whole", False)):
                out[mode].append(timed_request(http, {"input": PARAGRAPH, "voice": "joe", "stream": stream}))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


def start_server(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "voxtune", "serve", "--voice", "joe", "--port", str(port), "--timeout", "600"],
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start")


def report(rounds: list[Round], memory: dict[str, float], anchor: float, idle: dict[str, list[Timed]]) -> None:
    print("| round | ok | errors | wall s | req/s | p50 s | p95 s | 1st audio p50 s | 1st audio p95 s | RSS after MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rounds:
        ok = r.ok()
        total = [t.total_s for t in ok]
        first = [t.first_s for t in ok]
        print(
            f"| {r.name} | {len(ok)} | {len(r.results) - len(ok)} | {r.wall_s:.1f} | {len(ok) / r.wall_s:.2f} | "
            f"{statistics.median(total):.2f} | {percentile(total, 0.95):.2f} | {statistics.median(first):.2f} | "
            f"{percentile(first, 0.95):.2f} | {r.rss_after_mb:.0f} |"
        )
    print("server RSS MB: " + ", ".join(f"{name} {mb:.0f}" for name, mb in memory.items()))
    warm = list(memory.values())[1]
    served = sum(len(r.results) for r in rounds)
    print(
        f"growth per 1000 requests: {(rounds[-1].rss_after_mb - warm) / served * 1000:+.1f} MB from warm-up to the "
        f"end of the rounds, {(rounds[-1].rss_after_mb - rounds[0].rss_after_mb) / len(rounds[-1].results) * 1000:+.1f}"
        " MB over the last round"
    )
    for r in rounds:
        print(f"{r.name}: server / anchor = {len(r.ok()) / r.wall_s / anchor:.2f}")
    print(f"anchor, in-process synthesis in 2 threads: {anchor:.2f} req/s")
    for mode, timings in idle.items():
        print(
            f"idle, {len(PARAGRAPH)}-character paragraph (3 sentences), {mode}: first audio "
            f"{statistics.median([t.first_s for t in timings]):.2f} s, last byte "
            f"{statistics.median([t.total_s for t in timings]):.2f} s (medians of {len(timings)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    server = start_server(args.port)
    base = f"http://127.0.0.1:{args.port}"
    memory: dict[str, float] = {"loaded": rss_mb(server.pid)}
    bad: list[int] = []
    try:
        body: dict[str, object] = {"input": TEXT, "voice": "joe"}
        load_round(base, "warm-up", args.clients, max(1, WARM_UP // args.clients), body)
        memory[f"after {WARM_UP} warm-up requests"] = rss_mb(server.pid)
        rounds: list[Round] = []
        for name, stream in (("streamed", True), ("whole", False)):
            # the bad requests go into the first round only
            r = load_round(base, name, args.clients, args.requests, {**body, "stream": stream}, None if rounds else bad)
            r.rss_after_mb = rss_mb(server.pid)
            rounds.append(r)
        idle = idle_first_audio(base)
        memory["end"] = rss_mb(server.pid)
        alive = httpx.get(f"{base}/health").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    anchor = direct_throughput()
    report(rounds, memory, anchor, idle)
    print(f"bad requests (empty, 1 MB, path as voice, unknown format): {bad}; server alive after: {alive}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
