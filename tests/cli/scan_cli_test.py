#!/usr/bin/python3
"""`downlevel scan`: same output whatever the thread count, valid JSON Lines,
the same lines as pefile, bad files reported without stopping the stream.

Usage: scan_cli_test.py DOWNLEVEL FIXTURE_DIR WINE_X64_DIR PEFILE_LINES_SCRIPT
"""
import json
import os
import subprocess
import sys
import tempfile

from harness import Checks, digest, runner

BINARY, FIXTURES, WINE, PEFILE_LINES = sys.argv[1:5]
check = Checks()


scan = runner(BINARY, "scan")


one = scan("--threads", "1", WINE)
two = scan("--threads", "2", WINE)
many = scan("--threads", "7", WINE)
check("deterministic", one.returncode == 0 and one.stdout == two.stdout == many.stdout)

jsonl = scan("--jsonl", "--schema", os.path.join(WINE, "apisetschema.dll"), WINE).stdout.splitlines()
documents = [json.loads(line) for line in jsonl]
check("one object per file", len(documents) == len({d["file"] for d in documents}) == 694, len(documents))
check("api set field", all("apiset" in m for d in documents for m in d["imports"]))
# Wine's DLLs import no API-set names; the fixtures do.
fixture = [json.loads(line) for line in
           scan("--jsonl", "--schema", os.path.join(WINE, "apisetschema.dll"), os.path.join(FIXTURES, "x86_64")).stdout.splitlines()]
outcomes = {(m["dll"], m["apiset"], m.get("host")) for d in fixture for m in d["imports"]}
check("api set outcomes", ("api-ms-win-core-synch-l1-2-0.dll", "resolved", "kernelbase.dll") in outcomes
      and ("KERNEL32.dll", "not an API set", None) in outcomes, outcomes)

with tempfile.TemporaryDirectory() as tmp:
    listing = os.path.join(tmp, "list.txt")
    files = sorted(os.path.join(WINE, n) for n in os.listdir(WINE))
    with open(listing, "w") as f:
        f.write("\n".join(files) + "\n")
    ours = set(scan("@" + listing).stdout.splitlines())
    theirs = set(subprocess.run(["/usr/bin/python3", PEFILE_LINES, listing], capture_output=True, text=True).stdout.splitlines())
    check("same lines as pefile", ours == theirs and len(ours) > 100000, (len(ours), len(theirs), sorted(ours ^ theirs)[:5]))

    bad = os.path.join(tmp, "bad.dll")
    with open(bad, "wb") as f:
        f.write(b"MZ" + b"\0" * 100)
    good = os.path.join(FIXTURES, "x86_64", "importer.exe")
    r = scan("--jsonl", bad, good)
    lines = r.stdout.splitlines()
    check("bad file in stream", r.returncode == 2 and len(lines) == 2 and "error" in json.loads(lines[0])
          and json.loads(lines[1])["imports"], r.stdout)
    check("bad file on stderr", len(r.stderr.splitlines()) == 1 and r.stderr.startswith(bad + ": "), r.stderr)

    # Hostile file names: every byte that needs escaping, at the start, in
    # the middle of a word and in the last (overlapping) word of the name.
    hostile_dir = os.path.join(tmp, "hostile").encode()
    os.mkdir(hostile_dir)
    names = [b'\x01start.exe', b'quo"te\\back\nnew\tline.exe', b'high\xffbyte\x7fdel.exe', b'ends-with-control.exe\x1b']
    with open(good, "rb") as f:
        image = f.read()
    for name in names:
        with open(os.path.join(hostile_dir, name), "wb") as f:
            f.write(image)
    good_lines = subprocess.run([BINARY, "scan", good], capture_output=True).stdout.count(b"\n")
    text = subprocess.run([BINARY, "scan", "--threads", "2", hostile_dir], capture_output=True)
    for name in names:
        path = os.path.join(hostile_dir, name)
        escaped = b"".join(b"\\x%02x" % c if c < 0x20 or c == 0x7F else bytes([c]) for c in path)
        mine = [line for line in text.stdout.split(b"\n") if line.startswith(escaped + b"\t")]
        check("text escapes control bytes only: %r" % name, len(mine) == good_lines, (len(mine), good_lines))
    check("text lines stay lines", text.stdout.count(b"\n") == good_lines * len(names), text.stdout[:300])
    jsonl_out = subprocess.run([BINARY, "scan", "--jsonl", hostile_dir], capture_output=True).stdout.splitlines()
    files = sorted(json.loads(line)["file"] for line in jsonl_out)
    expected = sorted(os.path.join(hostile_dir, name).decode("latin-1") for name in names)
    check("JSON carries every byte", files == expected, (files, expected))
    check("JSON is ASCII", all(max(line) < 0x7F for line in jsonl_out))

check.finish()
