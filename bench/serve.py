"""The HTTP server under load: N concurrent clients × M requests on loopback against ``voxtune serve --voice
joe`` (a separate process, so its memory is its own), and bad requests mixed in.

Reports throughput, p50/p95 latency, errors, and the server's resident memory after warm-up and at the end. The
anchor: the same text synthesized in-process, back to back in two threads, without HTTP — the server's
throughput over that is what the HTTP layer costs or saves.

    .venv/bin/python bench/serve.py --clients 50 --requests 20
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

TEXT = "Good morning, class. Please open your books at page twelve."
BAD = [
    {"input": "", "voice": "joe"},
    {"input": "x" * 1_000_000, "voice": "joe"},
    {"input": "Hi.", "voice": "../../etc/passwd"},
    {"input": "Hi.", "voice": "joe", "response_format": "aac"},
]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "voxtune", "serve", "--voice", "joe", "--port", str(args.port), "--timeout", "600"],
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        httpx.post(f"{base}/v1/audio/speech", json={"input": TEXT, "voice": "joe"}, timeout=60)
        warm = rss_mb(server.pid)
        latencies: list[float] = []
        statuses: list[int] = []
        bad_statuses: list[int] = []

        def client(index: int) -> None:
            with httpx.Client(base_url=base, timeout=600) as http:
                for request in range(args.requests):
                    if request == 0 and index < len(BAD):
                        bad_statuses.append(http.post("/v1/audio/speech", json=BAD[index]).status_code)
                    start = time.perf_counter()
                    reply = http.post("/v1/audio/speech", json={"input": TEXT, "voice": "joe"})
                    latencies.append(time.perf_counter() - start)
                    statuses.append(reply.status_code)

        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(client, range(args.clients)))
        elapsed = time.perf_counter() - start
        end = rss_mb(server.pid)
        alive = httpx.get(f"{base}/health").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    anchor = direct_throughput()
    ordered = sorted(latencies)
    ok = statuses.count(200)
    print("| clients × requests | ok | errors | wall s | req/s | p50 s | p95 s | RSS warm → end MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.clients} × {args.requests} | {ok} | {len(statuses) - ok} | {elapsed:.1f} | {ok / elapsed:.2f} | "
        f"{statistics.median(ordered):.2f} | {ordered[int(0.95 * (len(ordered) - 1))]:.2f} | {warm:.0f} → {end:.0f} |"
    )
    print(f"bad requests (empty, 1 MB, path as voice, unknown format): {bad_statuses}; server alive after: {alive}")
    print(
        f"anchor, in-process synthesis in 2 threads: {anchor:.2f} req/s; server / anchor = {ok / elapsed / anchor:.2f}"
    )


if __name__ == "__main__":
    main()
