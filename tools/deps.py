#!/usr/bin/env python3
"""Answers questions about buildpack.toml's [[metadata.dependencies]] for the
shell tools, so no shell script parses TOML by hand (Python 3.11 has tomllib).

Usage (FILE defaults to $BP_BUILDPACK_TOML, else the repo's buildpack.toml):
  deps.py [--toml FILE] list [--id ID]... [--no-id ID]... [--fields F,F...]
      one line per dependency, tab-separated fields (default: id version arch
      file sha256), where file is the last path segment of uri, sha256 the
      checksum without its prefix, and a missing field prints as "-"
  deps.py [--toml FILE] get ID VERSION ARCH FIELD
      prints one field of the one matching entry (exit 1 if none)
"""
import argparse
import os
import sys
import tomllib
from urllib.parse import urlparse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(path):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    deps = doc.get("metadata", {}).get("dependencies", [])
    if not isinstance(deps, list):
        sys.exit(f"deps.py: {path}: metadata.dependencies is not an array of tables")
    return deps


def file_of(dep, path):
    uri = dep.get("uri", "")
    name = os.path.basename(urlparse(uri).path)
    if not name:
        sys.exit(f"deps.py: {path}: dependency {dep.get('id')} {dep.get('version')}: uri {uri!r} names no file")
    return name


def sha_of(dep, path):
    checksum = dep.get("checksum", "")
    algo, _, hexdigest = checksum.partition(":")
    if algo != "sha256" or len(hexdigest) != 64:
        sys.exit(f"deps.py: {path}: dependency {dep.get('id')} {dep.get('version')}: checksum {checksum!r} is not sha256:<64 hex>")
    return hexdigest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # BP_BUILDPACK_TOML lets tests point every tool at another buildpack.toml.
    ap.add_argument("--toml", default=os.environ.get("BP_BUILDPACK_TOML") or os.path.join(REPO, "buildpack.toml"))
    sub = ap.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list")
    ls.add_argument("--id", action="append", default=[])
    ls.add_argument("--no-id", action="append", default=[])
    ls.add_argument("--fields", default="id,version,arch,file,sha256")
    get = sub.add_parser("get")
    for name in ("dep_id", "version", "arch", "field"):
        get.add_argument(name)
    args = ap.parse_args()

    deps = load(args.toml)
    if args.cmd == "list":
        for dep in deps:
            if args.id and dep.get("id") not in args.id:
                continue
            if dep.get("id") in args.no_id:
                continue
            row = []
            for field in args.fields.split(","):
                if field == "file":
                    row.append(file_of(dep, args.toml))
                elif field == "sha256":
                    row.append(sha_of(dep, args.toml))
                else:
                    row.append(str(dep.get(field, "-")))
            print("\t".join(row))
        return 0

    found = [d for d in deps if d.get("id") == args.dep_id and d.get("version") == args.version
             and d.get("arch", "") == args.arch]
    if len(found) != 1:
        print(f"deps.py: {args.toml}: {len(found)} entries for {args.dep_id} {args.version} {args.arch or '(any arch)'}",
              file=sys.stderr)
        return 1
    value = found[0].get(args.field)
    if value is None:
        print(f"deps.py: {args.toml}: {args.dep_id} {args.version} {args.arch}: no field {args.field}", file=sys.stderr)
        return 1
    print(value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
