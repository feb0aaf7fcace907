#!/usr/bin/env python3
"""Rebuilds server/data/common-passwords.txt from npm @zxcvbn-ts/language-common."""
import json, os, re, subprocess, sys, tarfile, tempfile

VERSION = "4.1.3"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run(["npm", "pack", f"@zxcvbn-ts/language-common@{VERSION}"], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    tgz = next(f for f in os.listdir(tmp) if f.endswith(".tgz"))
    with tarfile.open(os.path.join(tmp, tgz)) as t:
        words = json.load(t.extractfile("package/src/passwords.json"))
keep = sorted({w.lower() for w in words
               if 8 <= len(w) <= 128 and re.search("[A-Za-z]", w) and re.search("[0-9]", w)})
with open(os.path.join(root, "server/data/common-passwords.txt"), "w") as f:
    f.write("\n".join(keep) + "\n")
print(f"{len(keep)} entries", file=sys.stderr)
