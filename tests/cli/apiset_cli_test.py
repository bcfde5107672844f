#!/usr/bin/python3
"""`downlevel apiset`: every subcommand's output, exit codes and error lines.

Usage: apiset_cli_test.py DOWNLEVEL FIXTURE_DIR WINE_X64_DIR SHARED_DIR
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

from harness import Checks, digest, runner

BINARY, FIXTURES, WINE, SHARED = sys.argv[1:5]
SCHEMA = os.path.join(WINE, "apisetschema.dll")
DUMPS = os.path.join(SHARED, "data", "apisets")
check = Checks()

run = runner(BINARY, "apiset")




with tempfile.TemporaryDirectory() as tmp:
    # dump: numbered lines, JSON with every set.
    r = run("dump", SCHEMA)
    lines = r.stdout.splitlines()
    check("dump exit", r.returncode == 0, r.stderr)
    check("dump header", "schema version 6" in lines[0] and "504 sets" in lines[0], lines[0])
    check("dump numbered", all(re.match(r"^\d+\) \S+\.dll -> \S", line) for line in lines[1:]), lines[1:3])
    check("dump not hosted", "api-ms-win-deprecated-apis-legacy-l1-1-0.dll -> (not hosted)" in r.stdout)
    doc = json.loads(run("dump", "--json", SCHEMA).stdout)
    check("dump json", doc["namespaces_count"] == 504 == len(doc["namespaces"]) == len(lines) - 1)

    # resolve, with the explanation of each step.
    r = run("resolve", "--schema", SCHEMA, "--explain", "api-ms-win-core-processthreads-l1-1-2.dll", "user32.dll")
    check("resolve", "api-ms-win-core-processthreads-l1-1-2.dll -> kernel32.dll" in r.stdout, r.stdout)
    check("explain hash", "hash           0x445b4df3 (factor 31)" in r.stdout, r.stdout)
    check("explain set", "set            #91 api-ms-win-core-processthreads-l1-1-3.dll" in r.stdout, r.stdout)
    check("not an api set", "user32.dll -> not an API set" in r.stdout, r.stdout)
    r = json.loads(run("resolve", "--json", "--schema", SCHEMA, "api-ms-win-deprecated-apis-legacy-l1-1-0").stdout)
    check("resolve json unhosted", r["resolutions"][0]["outcome"] == "in schema, not hosted", r)

    # hash: seed 000's vector.
    r = run("hash", "api-ms-win-core-processthreads-l1-1-2.dll")
    check("hash", "0x445b4df3" in r.stdout and "(35 characters)" in r.stdout, r.stdout)

    # extract: the section, never over the input; a PE without .apiset is an error.
    raw = os.path.join(tmp, "schema.raw")
    r = run("extract", SCHEMA, "-o", raw)
    check("extract", r.returncode == 0 and os.path.getsize(raw) > 0, r.stderr)
    r = run("dump", raw)
    check("dump raw", r.returncode == 0 and "504 sets" in r.stdout, r.stderr)
    copy = os.path.join(tmp, "copy.dll")
    with open(SCHEMA, "rb") as src, open(copy, "wb") as dst:
        dst.write(src.read())
    before = digest(copy)
    r = run("extract", copy, "-o", copy)
    check("extract refuses input", r.returncode == 2 and digest(copy) == before and len(r.stderr.splitlines()) == 1,
          r.stderr)
    exporter = os.path.join(FIXTURES, "x86_64", "fixture_exporter.dll")
    r = run("dump", exporter)
    check("no apiset section", r.returncode == 2 and "no .apiset section" in r.stderr
          and r.stderr.startswith(exporter + ": "), r.stderr)
    garbage = os.path.join(tmp, "garbage.bin")
    with open(garbage, "wb") as f:
        f.write(b"\x03\x00\x00\x00" + b"\0" * 60)
    r = run("dump", garbage)
    check("version 3", r.returncode == 2 and "version 3 was never shipped" in r.stderr, r.stderr)

    # build from a published dump; dump --json feeds build back identically.
    win7 = os.path.join(tmp, "win7.dll")
    win8 = os.path.join(tmp, "win8.dll")
    check("build v2", run("build", os.path.join(DUMPS, "06.1.7601.23455-amd64.json"), "--version", "2",
                          "-o", win7).returncode == 0)
    check("build v2 win8", run("build", os.path.join(DUMPS, "06.2.9200.16384-amd64.json"), "--version", "2",
                               "-o", win8).returncode == 0)
    spec = os.path.join(tmp, "wine.json")
    with open(spec, "w") as f:
        f.write(run("dump", "--json", SCHEMA).stdout)
    rebuilt = os.path.join(tmp, "rebuilt.dll")
    check("build from dump", run("build", spec, "--version", "6", "-o", rebuilt).returncode == 0)
    check("rebuilt equal", run("diff", SCHEMA, rebuilt).returncode == 0, run("diff", SCHEMA, rebuilt).stdout)
    r = run("build", spec, "--version", "3", "-o", rebuilt)
    check("build version 3 refused", r.returncode == 2, r.stderr)

    # diff: exit 1 when the schemas differ.
    r = run("diff", win7, win8)
    check("diff differs", r.returncode == 1 and re.search(r"\d+ added, \d+ removed, \d+ re-hosted", r.stdout), r.stdout)
    check("diff rehosted", "~ api-MS-Win-Core-Console-L1-1-0.dll: kernel32.dll -> kernelbase.dll" in r.stdout
          or "~ api-MS-Win-Core-Console-L1-1-0.dll: kernel32.dll ->" in r.stdout, r.stdout[:500])
    check("diff same", run("diff", win7, win7).returncode == 0)

    # scan: an API-set DLL file and the hosts its forwarders name.
    r = run("scan", "--json", FIXTURES)
    files = {os.path.relpath(f["file"], FIXTURES): f for f in json.loads(r.stdout)["files"]}
    forwarder = files.get(os.path.join("x86_64", "api-ms-win-fixture-l1-1-0.dll"))
    check("scan finds", r.returncode == 0 and forwarder is not None
          and os.path.join("i686", "api-ms-win-fixture-l1-1-0.dll") in files
          and os.path.join("check", "app", "api-ms-win-crt-runtime-l1-1-0.dll") in files, r.stdout)
    check("scan only api-set names", all(os.path.basename(f).startswith("api-ms-") for f in files), files.keys())
    if forwarder:
        check("scan targets", forwarder["targets"] == {"kernel32.dll": 2, "ntdll.dll": 1}
              and forwarder["own_exports"] == 1, forwarder)
    r = run("scan", FIXTURES)
    check("scan text", "-> kernel32.dll (2), ntdll.dll (1); 1 implemented here" in r.stdout, r.stdout)

check.finish()
