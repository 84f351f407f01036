#!/usr/bin/env python3
"""The peer side of mjbridge-bench's IRC benchmark: jesopo's irctokens (the Python library
DESIGN.md models Message on) parsing and formatting the very corpus file the Swift side wrote.

Times are CPU seconds of this thread (time.thread_time: what "one core" means on a shared,
noisy machine) and wall seconds beside them, one entry per run; the caller takes best/median.
Prints one JSON object on stdout.

    irctokens_bench.py CORPUS_FILE [RUNS]
"""
import json
import sys
import time

import irctokens


def timed(runs, work):
    cpu, wall = [], []
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), time.thread_time()
        work()
        cpu.append(time.thread_time() - cpu_start)
        wall.append(time.perf_counter() - start)
    return {"cpu": cpu, "wall": wall}


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with open(path, encoding="utf-8") as corpus:
        lines = corpus.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    parsed = [irctokens.tokenise(line) for line in lines]

    def parse():
        for line in lines:
            irctokens.tokenise(line)

    def serialise():
        for line in parsed:
            line.format()

    result = {
        "lines": len(lines),
        "bytes": sum(len(line.encode("utf-8")) for line in lines),
        "version": getattr(irctokens, "__version__", None) or version(),
        "python": sys.version.split()[0],
        "parse": timed(runs, parse),
        "serialise": timed(runs, serialise),
    }
    print(json.dumps(result))


def version():
    try:
        from importlib.metadata import version as package_version
        return package_version("irctokens")
    except Exception:
        return "unknown"


if __name__ == "__main__":
    main()
