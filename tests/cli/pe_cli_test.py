#!/usr/bin/python3
"""`downlevel pe`: output formats, exit codes and the one-line error contract.

Usage: pe_cli_test.py DOWNLEVEL FIXTURE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

from harness import Checks, digest, runner

BINARY, FIXTURES = sys.argv[1], sys.argv[2]
IMPORTER = os.path.join(FIXTURES, "x86_64", "importer.exe")
EXPORTER = os.path.join(FIXTURES, "i686", "fixture_exporter.dll")
check = Checks()

run = runner(BINARY)



with tempfile.TemporaryDirectory() as tmp:
    empty = os.path.join(tmp, "empty.dll")
    open(empty, "wb").close()
    text_file = os.path.join(tmp, "notes.txt")
    with open(text_file, "w") as f:
        f.write("MZ but nothing else of a PE" + " " * 100)

    r = run("pe", "imports", IMPORTER)
    check("imports text exit", r.returncode == 0, r.stderr)
    check("imports text delay", "fixture_delayed.dll  (delay-load)" in r.stdout, r.stdout)
    check("imports text ordinal", "    #7\n" in r.stdout, r.stdout)

    r = run("pe", "imports", "--json", IMPORTER)
    doc = json.loads(r.stdout)
    check("imports json shape", r.returncode == 0 and len(doc) == 1 and doc[0]["file"] == IMPORTER)
    delayed = [m for m in doc[0]["imports"] if m["delay"]]
    check("imports json delay", sorted(m["dll"] for m in delayed) == ["USER32.dll", "fixture_delayed.dll"],
          str(delayed))

    mapped = run("pe", "imports", "--json", "--read-mode", "mmap", IMPORTER)
    check("mmap equals pread", mapped.stdout == r.stdout)

    r = run("pe", "exports", EXPORTER)
    check("exports text", r.returncode == 0 and "FixtureApiSetAlloc -> api-ms-win-core-heap-l1-1-0.HeapAlloc"
          in r.stdout, r.stdout)
    for view in ("headers", "sections"):
        r = run("pe", view, "--json", EXPORTER)
        check(view + " json", r.returncode == 0 and json.loads(r.stdout)[0]["file"] == EXPORTER, r.stderr)
        r = run("pe", view, EXPORTER)
        check(view + " text", r.returncode == 0 and r.stdout.startswith(EXPORTER + "\n"), r.stderr)

    # Bad input: exit 2, exactly one line on stderr naming the file and the fault.
    for bad, expected in ((empty, "DOS header at offset 0x0: file is 0 bytes"),
                          (text_file, "NT headers at offset 0x3c: e_lfanew"),
                          (os.path.join(tmp, "missing.dll"), "cannot open: No such file or directory")):
        r = run("pe", "imports", bad)
        lines = r.stderr.splitlines()
        check("bad input exit " + bad, r.returncode == 2, str(r.returncode))
        check("bad input one line " + bad, len(lines) == 1 and lines[0].startswith(bad + ": ") and expected in lines[0],
              r.stderr)

    # One bad file does not stop the batch.
    r = run("pe", "exports", "--json", empty, EXPORTER)
    doc = json.loads(r.stdout)
    check("batch exit", r.returncode == 2)
    check("batch continues", len(doc) == 2 and "error" in doc[0] and doc[1]["exports"]["name_count"] == 4, r.stdout)

    # Names with control bytes: one entry stays one line in text, JSON keeps the bytes.
    with open(IMPORTER, "rb") as f:
        data = bytearray(f.read())
    at = data.find(b"GetTickCount\0")
    data[at:at + 12] = b'Get\nTick"=\x01\x1b'  # same length: nothing moves
    at = data.find(b"msvcrt.dll\0")
    data[at:at + 10] = b"ms\nrt/.dll"
    assert len(data) == os.path.getsize(IMPORTER)
    hostile = os.path.join(tmp, "hostile.exe")
    with open(hostile, "wb") as f:
        f.write(data)
    r = run("pe", "imports", hostile)
    check("hostile names escaped in text", r.returncode == 0 and "  ms\\x0art/.dll\n" in r.stdout and
          '    Get\\x0aTick"=\\x01\\x1b  (hint' in r.stdout and "\x1b" not in r.stdout, r.stdout[-800:])
    r = run("check", hostile, "--target", "xp")
    check("hostile names escaped in check", "ms\\x0art/.dll: missing DLL" in r.stdout and
          not any(line.startswith("rt/.dll") for line in r.stdout.splitlines()), r.stdout)
    doc = json.loads(run("pe", "imports", "--json", hostile).stdout)
    check("hostile names raw in JSON", any(m["dll"] == "ms\nrt/.dll" for m in doc[0]["imports"]), doc[0].keys())

    r = run("pe", "nonsense", EXPORTER)
    check("usage error exit", r.returncode == 2, str(r.returncode))

check.finish()
