#!/usr/bin/env python3
"""Helpers for start.sh (standard library only, so CI needs nothing but python3).

  testnet.py free-ports N            print N distinct free TCP ports on 127.0.0.1
  testnet.py wait-ready HOST PORT S  wait up to S seconds until the IRC server answers
                                     CAP LS 302 with `sasl` (= Atheme is linked);
                                     --without-sasl: until it answers CAP LS at all
  testnet.py register ...            register a NickServ account (see --help)
  testnet.py env-json ENV JSON       convert the shell env file into JSON
"""

import argparse
import json
import os
import shlex
import socket
import ssl
import sys
import time


def free_ports(count):
    """Free ports below the kernel's ephemeral range when possible: restart-ircd.sh binds the
    same ports again later, and an ephemeral port may meanwhile be taken by some outgoing
    connection, while ports below the range are only ever taken by explicit binds. The lower
    half of that range is the testnets'; the test harness picks the bot's own ports from the
    upper half (Tests/AppTests/Support/BotHarness.swift `freePort`), so a network started by one
    suite cannot take the port another suite's bot is about to bind (seen: the bot's HTTP server
    failing with "Address already in use", its whole service group stopping)."""
    low = 32768
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    socks = []
    try:
        if low > 12000:
            import random
            middle = 10000 + (low - 10000) // 2
            candidates = random.sample(range(10000, middle), min(400, middle - 10000))
            for port in candidates:
                if len(socks) == count:
                    break
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                try:
                    s.bind(("127.0.0.1", port))
                    socks.append(s)
                except OSError:
                    s.close()
        # Hold every socket open until all are chosen, so no port is handed out twice.
        while len(socks) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class IRCLine:
    """A minimal line reader; enough for registration and CAP, nothing more."""

    def __init__(self, sock, trace=False):
        self.sock = sock
        self.buf = b""
        self.trace = trace

    def send(self, line):
        if self.trace:
            print(">>", line, file=sys.stderr)
        self.sock.sendall(line.encode() + b"\r\n")

    def read(self, deadline):
        while b"\n" not in self.buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no line from server before the deadline")
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\n", 1)
        line = raw.rstrip(b"\r").decode("utf-8", "replace")
        if self.trace:
            print("<<", line, file=sys.stderr)
        if line.startswith("PING"):
            self.send("PONG" + line[4:])
        return line


def parse(line):
    """Returns (tags, source, command, params) for a server line."""
    tags, source = "", ""
    if line.startswith("@"):
        tags, line = line[1:].split(" ", 1)
    if line.startswith(":"):
        source, line = line[1:].split(" ", 1)
    if " :" in line:
        head, trailing = line.split(" :", 1)
        params = head.split() + [trailing]
    else:
        params = line.split()
    return tags, source, params[0].upper(), params[1:]


def connect(host, port, tls=None, timeout=5.0):
    sock = socket.create_connection((host, port), timeout=timeout)
    if tls is not None:
        sock = tls.wrap_socket(sock, server_hostname="localhost")
    return sock


def dead_process(pids):
    for spec in pids:
        name, pid = spec.split(":", 1)
        try:
            pid = int(pid)
            os.kill(pid, 0)
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return "%s (pid %d) has exited" % (name, pid)
        except (ValueError, ProcessLookupError, FileNotFoundError):
            return "%s (pid %s) has exited" % (name, pid)
        except PermissionError:
            pass
    return None


def wait_ready(host, port, seconds, pids=(), need_sasl=True):
    deadline = time.monotonic() + seconds
    last = "nothing tried yet"
    while time.monotonic() < deadline:
        dead = dead_process(pids)
        if dead:
            print("testnet: not ready: %s" % dead, file=sys.stderr)
            return 1
        try:
            with connect(host, port, timeout=2.0) as sock:
                irc = IRCLine(sock)
                irc.send("CAP LS 302")
                irc.send("NICK probe%d" % (os.getpid() % 100000))
                caps = []
                line_deadline = min(deadline, time.monotonic() + 3.0)
                while True:
                    _, _, cmd, params = parse(irc.read(line_deadline))
                    if cmd == "CAP" and len(params) >= 3 and params[1] == "LS":
                        caps += params[-1].split()
                        if params[2] != "*":
                            break
                irc.send("QUIT :probe")
                names = [c.split("=", 1)[0] for c in caps]
                if "sasl" in names or not need_sasl:
                    return 0
                last = "server is up but does not offer sasl yet (services not linked)"
        except (OSError, TimeoutError, ConnectionError) as error:
            last = "cannot talk to %s:%d: %s" % (host, port, error)
        time.sleep(0.2)
    print("testnet: not ready after %ss: %s" % (seconds, last), file=sys.stderr)
    return 1


def register(args):
    tls = None
    if args.tls:
        tls = ssl.create_default_context(cafile=args.ca)
        if args.cert:
            tls.load_cert_chain(args.cert, args.key)
    deadline = time.monotonic() + args.timeout
    with connect(args.host, args.port, tls) as sock:
        irc = IRCLine(sock, trace=args.trace)
        irc.send("NICK %s" % args.nick)
        irc.send("USER %s 0 * :testnet account setup" % args.nick)
        while True:
            _, _, cmd, params = parse(irc.read(deadline))
            if cmd == "001":
                break
            if cmd in ("432", "433", "436", "465", "ERROR"):
                raise SystemExit("testnet: cannot register nick %s: %s %s" % (args.nick, cmd, params))

        def ask_nickserv(text, success_words, failure_words):
            irc.send("PRIVMSG NickServ :%s" % text)
            shown = text.split()[0]
            while True:
                _, source, cmd, params = parse(irc.read(deadline))
                if cmd != "NOTICE" or not source.lower().startswith("nickserv!"):
                    continue
                reply = params[-1]
                low = reply.lower()
                if any(w in low for w in success_words):
                    return reply
                if any(w in low for w in failure_words):
                    raise SystemExit("testnet: NickServ %s for %s failed: %s" % (shown, args.nick, reply))

        ask_nickserv(
            "REGISTER %s %s" % (args.password, args.email),
            ["registered to", "is now registered"],
            ["invalid", "already", "cannot", "is not", "too many", "must", "error", "denied", "wait", "unknown command"],
        )
        if args.certfp:
            ask_nickserv(
                "CERT ADD %s" % args.certfp,
                ["added fingerprint"],
                ["invalid", "already", "not logged", "cannot", "error", "denied", "full", "unknown command"],
            )
        irc.send("QUIT :done")
    return 0


def env_json(env_path, json_path):
    values = {}
    with open(env_path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("export "):
                line = line[len("export "):]
            key, value = line.split("=", 1)
            parts = shlex.split(value)
            values[key] = parts[0] if parts else ""
    for key, value in list(values.items()):
        if key.endswith("_PORT") or key.endswith("_PID"):
            try:
                values[key] = int(value)
            except ValueError:
                pass
    tmp = json_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(values, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, json_path)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("free-ports")
    p.add_argument("count", type=int)
    p = sub.add_parser("wait-ready")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("seconds", type=float)
    p.add_argument("--pid", action="append", default=[], help="NAME:PID that must stay alive")
    p.add_argument("--without-sasl", action="store_true",
                   help="ready once CAP LS is answered (a server without services, e.g. ngIRCd)")
    p = sub.add_parser("register")
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls", action="store_true")
    p.add_argument("--ca")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--nick", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--certfp")
    # Generous: CI starts several testnets at once on two cores.
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--trace", action="store_true")
    p = sub.add_parser("env-json")
    p.add_argument("env")
    p.add_argument("json")
    args = parser.parse_args()

    if args.cmd == "free-ports":
        print(" ".join(str(p) for p in free_ports(args.count)))
        return 0
    if args.cmd == "wait-ready":
        return wait_ready(args.host, args.port, args.seconds, args.pid, need_sasl=not args.without_sasl)
    if args.cmd == "register":
        return register(args)
    if args.cmd == "env-json":
        return env_json(args.env, args.json)
    return 2


if __name__ == "__main__":
    sys.exit(main())
