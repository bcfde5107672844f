"""What every CLI test script shares: running the program, recording checks,
and the closing 'N passed, N failed' line with its exit status."""
import hashlib
import subprocess
import sys


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, name, condition, detail=""):
        if condition:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s %s" % (name, str(detail)[:2000]))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


def runner(binary, *prefix):
    """A function running `binary *prefix *args`, capturing text output."""
    return lambda *args: subprocess.run([binary, *prefix, *args], capture_output=True, text=True)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
