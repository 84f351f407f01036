#!/usr/bin/env python3
"""Smoke check of a running testnet: proves the network does what the Swift tests rely on.

  Scripts/testnet/check.py DIR [--flood]

Reads DIR/env.json and checks: TLS verified against the test CA (by name and by IP), TLS
refused with the system trust store, CAP LS 302 offers sasl with PLAIN and EXTERNAL,
SASL PLAIN -> 903, wrong password -> 904, SASL EXTERNAL with the client certificate -> 903
as the CertFP account, EXTERNAL without a certificate -> 904, SASL on the plain port,
OPER works, the first joiner of a channel gets op. --flood also shows that a flood is
slowed down by fake lag (takes ~10 s). Exit status 0 only if every check passed.
"""

import base64
import json
import os
import socket
import ssl
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testnet import IRCLine, parse  # noqa: E402

FAILURES = []


def check(name, condition, detail=""):
    print("%s  %s%s" % ("ok  " if condition else "FAIL", name, (" — " + detail) if detail else ""))
    if not condition:
        FAILURES.append(name)


def tls_context(env, cert=False):
    ctx = ssl.create_default_context(cafile=env["TESTNET_CA"])
    if cert:
        ctx.load_cert_chain(env["TESTNET_CLIENT_CERT"], env["TESTNET_CLIENT_KEY"])
    return ctx


def open_irc(env, tls=True, cert=False, server_hostname="localhost"):
    port = env["TESTNET_TLS_PORT"] if tls else env["TESTNET_PLAIN_PORT"]
    sock = socket.create_connection((env["TESTNET_HOST"], port), timeout=10)
    if tls:
        sock = tls_context(env, cert).wrap_socket(sock, server_hostname=server_hostname)
    return IRCLine(sock)


def read_until(irc, commands, seconds=10):
    """Reads lines until one whose command is in `commands`; returns (cmd, params, seen)."""
    deadline = time.monotonic() + seconds
    seen = []
    while True:
        _, _, cmd, params = parse(irc.read(deadline))
        seen.append((cmd, params))
        if cmd in commands:
            return cmd, params, seen


def cap_ls(irc):
    irc.send("CAP LS 302")
    caps = {}
    while True:
        cmd, params, _ = read_until(irc, {"CAP"})
        if len(params) >= 3 and params[1] == "LS":
            for item in params[-1].split():
                key, _, value = item.partition("=")
                caps[key] = value
            if params[2] != "*":
                return caps


def sasl(env, mechanism, payload, tls=True, cert=False, nick="smoke"):
    """Runs one SASL exchange; returns (final numeric, account from 900 or None)."""
    irc = open_irc(env, tls=tls, cert=cert)
    try:
        caps = cap_ls(irc)
        if "sasl" not in caps:
            return "no-sasl-cap", None
        irc.send("NICK %s%d" % (nick, os.getpid() % 10000))
        irc.send("USER smoke 0 * :smoke check")
        irc.send("CAP REQ :sasl")
        cmd, params, _ = read_until(irc, {"CAP"})
        if params[1] != "ACK":
            return "cap-nak", None
        irc.send("AUTHENTICATE %s" % mechanism)
        read_until(irc, {"AUTHENTICATE", "904", "908"})
        irc.send("AUTHENTICATE %s" % (base64.b64encode(payload).decode() if payload else "+"))
        account = None
        while True:
            cmd, params, _ = read_until(irc, {"900", "903", "904", "905", "906", "907"})
            if cmd == "900":
                account = params[2]
                continue
            irc.send("CAP END")
            irc.send("QUIT :smoke")
            return cmd, account
    finally:
        irc.sock.close()


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    with open(os.path.join(sys.argv[1], "env.json")) as f:
        env = json.load(f)
    flood = "--flood" in sys.argv[2:]

    # TLS verified against the test CA, by DNS name and by IP (SAN entries).
    for name in ("localhost", "127.0.0.1"):
        try:
            irc = open_irc(env, server_hostname=name)
            check("TLS verified against TESTNET_CA as %s" % name, True, irc.sock.version())
            irc.sock.close()
        except (ssl.SSLError, OSError) as error:
            check("TLS verified against TESTNET_CA as %s" % name, False, str(error))

    # ... and refused when only the system trust store is used.
    try:
        sock = socket.create_connection((env["TESTNET_HOST"], env["TESTNET_TLS_PORT"]), timeout=10)
        ssl.create_default_context().wrap_socket(sock, server_hostname="localhost").close()
        check("TLS refused without the test CA", False, "handshake succeeded")
    except ssl.SSLCertVerificationError as error:
        check("TLS refused without the test CA", True, error.verify_message)

    irc = open_irc(env)
    caps = cap_ls(irc)
    irc.sock.close()
    mechs = caps.get("sasl", "").split(",")
    check("CAP LS 302 offers sasl with PLAIN and EXTERNAL", "PLAIN" in mechs and "EXTERNAL" in mechs,
          "sasl=%s" % caps.get("sasl"))
    wanted = ["server-time", "message-tags", "account-tag", "extended-join", "account-notify",
              "multi-prefix", "batch", "cap-notify", "away-notify", "echo-message", "labeled-response",
              "chghost", "userhost-in-names", "invite-notify", "setname"]
    missing = [c for c in wanted if c not in caps]
    check("CAP LS 302 offers the IRCv3 caps", not missing, "missing: %s" % missing if missing else "")

    bot, password = env["TESTNET_BOT_ACCOUNT"], env["TESTNET_BOT_PASSWORD"]
    plain = ("\0".join([bot, bot, password])).encode()
    result = sasl(env, "PLAIN", plain)
    check("SASL PLAIN as %s over TLS -> 903" % bot, result == ("903", bot), str(result))
    result = sasl(env, "PLAIN", plain, tls=False)
    check("SASL PLAIN as %s on the plain port -> 903" % bot, result == ("903", bot), str(result))
    result = sasl(env, "PLAIN", ("\0".join([bot, bot, "wrong-" + password])).encode())
    check("SASL PLAIN with a wrong password -> 904", result[0] == "904", str(result))
    result = sasl(env, "EXTERNAL", b"", cert=True)
    check("SASL EXTERNAL with the client certificate -> 903 as %s" % env["TESTNET_CERT_ACCOUNT"],
          result == ("903", env["TESTNET_CERT_ACCOUNT"]), str(result))
    result = sasl(env, "EXTERNAL", b"", cert=False)
    check("SASL EXTERNAL without a certificate -> 904", result[0] == "904", str(result))

    # OPER, and op for the first joiner of a channel.
    irc = open_irc(env)
    irc.send("NICK smokeop%d" % (os.getpid() % 10000))
    irc.send("USER smoke 0 * :smoke check")
    read_until(irc, {"001"})
    irc.send("OPER %s %s" % (env["TESTNET_OPER_NAME"], env["TESTNET_OPER_PASSWORD"]))
    cmd, params, _ = read_until(irc, {"381", "491", "464"})
    check("OPER %s -> 381" % env["TESTNET_OPER_NAME"], cmd == "381", " ".join(params))
    channel = "#smoke%d" % (os.getpid() % 10000)
    irc.send("JOIN %s" % channel)
    cmd, params, _ = read_until(irc, {"353", "403", "471", "473", "474", "475"})
    check("first joiner of %s gets op" % channel, cmd == "353" and params[-1].startswith("@"), params[-1])
    irc.send("QUIT :smoke")
    irc.sock.close()

    if flood:
        irc = open_irc(env)
        irc.send("NICK smokeflood%d" % (os.getpid() % 10000))
        irc.send("USER smoke 0 * :smoke check")
        read_until(irc, {"001"})
        read_until(irc, {"376", "422"})
        start = time.monotonic()
        count = 20
        for i in range(count):
            irc.send("PING flood%d" % i)
        last = start
        for i in range(count):
            read_until(irc, {"PONG"}, seconds=60)
            last = time.monotonic()
        # 20 commands at one per second after a burst of ~10: the last reply comes ~10 s later.
        check("flooding is slowed by fake lag", last - start >= 5, "%d PINGs answered in %.1f s" % (count, last - start))
        irc.sock.close()

    print("%d check(s) failed" % len(FAILURES) if FAILURES else "all checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
