#!/usr/bin/env python3
"""check_layers.py - the include rule of docs/ARCHITECTURE.md, checked before every build of `make check`.

    crypto <- proto <- store <- node/*.c <- {node/hlnd, node/hlnctl}

A file includes only headers of its own folder and the folders below it;
node/hlnd and node/hlnctl never include each other; the library (crypto,
proto, store, node/*.c) never writes to stdout or stderr and never sees argv.
The link enforces the same rule for calls: hlnd and hlnctl link separate
archives over libhln.a, tests and fuzzers libhln.a alone.
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BELOW = {
    "crypto": ["crypto"],
    "proto": ["proto", "crypto"],
    "store": ["store", "proto", "crypto"],
    "node": ["node", "store", "proto", "crypto"],
    "node/hlnd": ["node/hlnd", "node", "store", "proto", "crypto"],
    "node/hlnctl": ["node/hlnctl", "node", "store", "proto", "crypto"],
}
LIBRARY = ["crypto", "proto", "store", "node"]
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
# Words that mean printing to the terminal or reading the command line.
IO = re.compile(r"\b(stdout|stderr|printf|puts|putchar|perror|argv|getopt|getopt_long)\b")


def resolve(folder, inc):
    """The folder (relative to ROOT) of an included header."""
    rel = os.path.normpath(os.path.join(folder, inc))
    if os.path.exists(os.path.join(ROOT, rel)):
        return os.path.dirname(rel)
    return os.path.dirname(os.path.normpath(inc))


def code_only(line):
    """The line without string literals, comments and attributes."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"/\*.*?\*/", "", line)
    line = re.sub(r"//.*", "", line)
    line = re.sub(r"__attribute__\s*\(\(.*?\)\)", "", line)
    if line.lstrip().startswith("*"):
        return ""
    return line


def main():
    bad = []
    for folder, allowed in BELOW.items():
        d = os.path.join(ROOT, folder)
        for name in sorted(os.listdir(d)):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, name)
            with open(os.path.join(ROOT, path), encoding="utf-8") as f:
                lines = f.read().split("\n")
            in_comment = False
            for n, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if m:
                    where = resolve(folder, m.group(1))
                    if where not in allowed:
                        bad.append(f'{path}:{n}: includes "{m.group(1)}" from {where or "."}/, '
                                   f"which {folder}/ may not use")
                    continue
                if folder not in LIBRARY:
                    continue
                text = line
                if in_comment:
                    if "*/" not in text:
                        continue
                    text = text.split("*/", 1)[1]
                    in_comment = False
                if "/*" in text and "*/" not in text.split("/*", 1)[1]:
                    text = text.split("/*", 1)[0]
                    in_comment = True
                text = code_only(text)
                if re.search(r"\bfprintf\s*\(\s*(stdout|stderr)|\bfputs\s*\(.*\b(stdout|stderr)\b", text) or \
                        (IO.search(text) and not re.search(r"\b(snprintf|vsnprintf)\b", text)):
                    bad.append(f"{path}:{n}: the library prints or reads argv: {line.strip()}")
    for b in bad:
        print("check-layers: " + b, file=sys.stderr)
    if bad:
        print("check-layers: the layers of docs/ARCHITECTURE.md are broken", file=sys.stderr)
        return 1
    print("check-layers: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
