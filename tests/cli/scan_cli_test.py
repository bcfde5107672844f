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

check.finish()
