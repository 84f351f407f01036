#!/usr/bin/env python3
"""Turns the vendored ircv3/parser-tests YAML (Tests/IRCTests/Fixtures/ircv3-parser-tests) into
parser-tests.json beside it, the form the Swift tests read without a YAML dependency.
Needs PyYAML. Run from the repository root; the output is committed."""
import json
import os

import yaml

FIXTURES = os.path.join("Tests", "IRCTests", "Fixtures", "ircv3-parser-tests")
NAMES = ["msg-split", "msg-join", "userhost-split"]


def main():
    out = {}
    for name in NAMES:
        with open(os.path.join(FIXTURES, name + ".yaml"), encoding="utf-8") as f:
            out[name] = yaml.safe_load(f)["tests"]
    with open(os.path.join(FIXTURES, "parser-tests.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
