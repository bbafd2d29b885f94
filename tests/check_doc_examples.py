#!/usr/bin/env python3
"""Runs every ```sh block of a documentation page, in order, in one scratch directory, and fails
unless each exits 0: the documented commands work as written.

usage: check_doc_examples.py DOC.md BUILD_DIR SOURCE_DIR WORK_DIR

Paths are rewritten as a reader in the source tree would have them: build/ is BUILD_DIR, tests/
is SOURCE_DIR/tests, python3 is this interpreter. Each block runs under bash -e -o pipefail.
"""
import os
import re
import shutil
import subprocess
import sys

doc, build, source, work = (os.path.abspath(a) for a in sys.argv[1:5])
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
blocks = re.findall(r"^```sh\n(.*?)^```", open(doc).read(), flags=re.S | re.M)
failures = 0
for k, block in enumerate(blocks):
    script = re.sub(r"(?<![\w/.-])build/", build + "/", block)
    script = re.sub(r"(?<![\w/.-])tests/", source + "/tests/", script)
    script = re.sub(r"(?<![\w/.-])python3 ", sys.executable + " ", script)
    r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=work, capture_output=True, text=True,
                       timeout=600, stdin=subprocess.DEVNULL)
    first = block.strip().splitlines()[0]
    if r.returncode:
        failures += 1
        print("FAIL block %d (%s) exited %d\n%s%s" % (k, first, r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    else:
        print("ok   block %d: %s" % (k, first))
print("%d of %d blocks failed" % (failures, len(blocks)))
sys.exit(1 if failures or not blocks else 0)
