#!/usr/bin/env python3
"""Helpers for Scripts/matrix-testnet (Python standard library only; runs on the system
python3, not in Synapse's venv, so it works before the venv exists).

  synapsenet.py free-port                          print a free TCP port on 127.0.0.1
  synapsenet.py write-config DIR PORT LIMITS       write DIR/homeserver.yaml (LIMITS: high|low)
  synapsenet.py wait-ready URL SECONDS PID         wait until GET URL/_matrix/client/versions
                                                   answers 200 (fails early if PID exits)
  synapsenet.py register URL SECRET USER PASSWORD [--admin]
                                                   shared-secret registration; prints JSON
                                                   {user_id, access_token, device_id}
  synapsenet.py env-json ENV JSON                  convert the shell env file into JSON
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import shlex
import socket
import sys
import time
import urllib.error
import urllib.request

SERVER_NAME = "mjbridge.test"


def free_port():
    """A port below the kernel's ephemeral range, from the lower half of 10000..low like
    Scripts/testnet/testnet.py (the IRC testnets' half): the bot harness of the AppTests takes
    its ports from the upper half, so a homeserver started by one suite never takes the port
    another suite's bot is about to bind. An ephemeral port could be taken meanwhile by an
    outgoing connection."""
    low = 32768
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    if low > 12000:
        middle = 10000 + (low - 10000) // 2
        for port in random.sample(range(10000, middle), min(400, middle - 10000)):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                pass
            finally:
                s.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rate_limits(level):
    """`high`: nothing a functional test does is ever limited (suites run in parallel and send
    in bursts). `low`: messages limited to a burst of 3, then one per 2 s, so a test can provoke
    M_LIMIT_EXCEEDED with a handful of sends and wait out a short retry_after_ms; everything
    else stays high so the setup (login, room, joins) of that test is not limited."""
    high = {"per_second": 1000, "burst_count": 1000}
    limits = {
        "rc_message": high,
        "rc_registration": high,
        "rc_registration_token_validity": high,
        "rc_login": {"address": high, "account": high, "failed_attempts": high},
        "rc_joins": {"local": high, "remote": high},
        "rc_joins_per_room": high,
        "rc_invites": {"per_room": high, "per_user": high, "per_issuer": high},
        "rc_third_party_invite": high,
        "rc_admin_redaction": high,
        "rc_3pid_validation": high,
        "rc_key_requests": high,
        "rc_media_create": high,
        "rc_room_creation": high,
        "rc_presence": {"per_user": high},
        "rc_delayed_event_mgmt": high,
        "rc_reports": high,
        "rc_profile": high,
        "rc_user_directory": high,
    }
    if level == "low":
        limits["rc_message"] = {"per_second": 0.5, "burst_count": 3}
    elif level != "high":
        raise SystemExit("LIMITS must be high or low, not %r" % level)
    return limits


def write_config(directory, port, limits):
    """The whole homeserver.yaml, written as JSON (JSON is YAML, and this script needs no YAML
    library). Nothing here reaches outside loopback: no federation listener, an empty
    federation whitelist, no trusted key servers, no stats, no presence, no URL previews."""
    directory = os.path.abspath(directory)
    secret = os.urandom(24).hex()
    config = {
        "server_name": SERVER_NAME,
        "public_baseurl": "http://127.0.0.1:%d/" % port,
        "pid_file": os.path.join(directory, "homeserver.pid"),
        "listeners": [{
            "port": port,
            "bind_addresses": ["127.0.0.1"],
            "type": "http",
            "tls": False,
            "x_forwarded": False,
            "resources": [{"names": ["client"], "compress": False}],
        }],
        "database": {"name": "sqlite3", "args": {"database": os.path.join(directory, "homeserver.db")}},
        "log_config": os.path.join(directory, "log.config"),
        "media_store_path": os.path.join(directory, "media_store"),
        "signing_key_path": os.path.join(directory, "signing.key"),
        "registration_shared_secret": secret,
        "enable_registration": False,
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "presence": {"enabled": False},
        "url_preview_enabled": False,
        "enable_metrics": False,
        "enable_authenticated_media": True,
        "max_upload_size": "50M",
        # The functional tests make many rooms and users at once on two shared cores.
        "user_directory": {"enabled": False},
    }
    config.update(rate_limits(limits))
    with open(os.path.join(directory, "homeserver.yaml"), "w") as f:
        json.dump(config, f, indent=2)
    # Logs to a file in DIR (INFO: requests with their paths; Synapse never logs the
    # access token of a request, it logs the user id).
    log_config = {
        "version": 1,
        "formatters": {"precise": {"format": "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s"}},
        "handlers": {"file": {"class": "logging.FileHandler", "formatter": "precise",
                              "filename": os.path.join(directory, "homeserver.log"),
                              "filters": ["context"]}},
        "filters": {"context": {"()": "synapse.logging.context.LoggingContextFilter", "request": ""}},
        "loggers": {"synapse.storage.SQL": {"level": "INFO"}},
        "root": {"level": "INFO", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }
    with open(os.path.join(directory, "log.config"), "w") as f:
        json.dump(log_config, f, indent=2)
    print(secret)


def wait_ready(url, seconds, pid):
    deadline = time.monotonic() + seconds
    last = "no answer yet"
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print("synapse (pid %d) exited while starting" % pid, file=sys.stderr)
            return 1
        try:
            with urllib.request.urlopen(url + "/_matrix/client/versions", timeout=2) as r:
                if r.status == 200 and "versions" in json.load(r):
                    return 0
        except Exception as e:  # not listening yet, or still starting
            last = str(e)
        time.sleep(0.2)
    print("synapse did not answer /_matrix/client/versions in %gs (%s)" % (seconds, last), file=sys.stderr)
    return 1


def request(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        raise SystemExit("%s %s: HTTP %d %s" % (method, url.split("?")[0], e.code, e.read()[:300].decode(errors="replace")))


def register(url, secret, user, password, admin):
    """The shared-secret flow of /_synapse/admin/v1/register: GET a nonce, then POST the
    user with an HMAC-SHA1 over nonce NUL user NUL password NUL admin|notadmin, keyed with
    registration_shared_secret. A nonce is good for one registration (and 60 s)."""
    endpoint = url + "/_synapse/admin/v1/register"
    nonce = request("GET", endpoint)["nonce"]
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    mac.update(b"\x00".join([nonce.encode(), user.encode(), password.encode(),
                             b"admin" if admin else b"notadmin"]))
    answer = request("POST", endpoint, {
        "nonce": nonce, "username": user, "password": password,
        "admin": admin, "mac": mac.hexdigest(),
    })
    print(json.dumps({k: answer.get(k) for k in ("user_id", "access_token", "device_id")}))


def env_json(env_path, json_path):
    values = {}
    with open(env_path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("export "):
                continue
            key, _, value = line[len("export "):].partition("=")
            value = shlex.split(value)[0] if value else ""
            values[key] = int(value) if key.endswith(("_PORT", "_PID")) and value.isdigit() else value
    tmp = json_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(values, f, indent=2)
    os.replace(tmp, json_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("free-port")
    p = sub.add_parser("write-config")
    p.add_argument("dir"); p.add_argument("port", type=int); p.add_argument("limits")
    p = sub.add_parser("wait-ready")
    p.add_argument("url"); p.add_argument("seconds", type=float); p.add_argument("pid", type=int)
    p = sub.add_parser("register")
    p.add_argument("url"); p.add_argument("secret"); p.add_argument("user"); p.add_argument("password")
    p.add_argument("--admin", action="store_true")
    p = sub.add_parser("env-json")
    p.add_argument("env"); p.add_argument("json")
    args = parser.parse_args()
    if args.cmd == "free-port":
        print(free_port())
    elif args.cmd == "write-config":
        write_config(args.dir, args.port, args.limits)
    elif args.cmd == "wait-ready":
        return wait_ready(args.url.rstrip("/"), args.seconds, args.pid)
    elif args.cmd == "register":
        register(args.url.rstrip("/"), args.secret, args.user, args.password, args.admin)
    elif args.cmd == "env-json":
        env_json(args.env, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
