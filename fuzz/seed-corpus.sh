#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ (git-ignored) with the committed seeds and the real rule files.
# Usage: fuzz/seed-corpus.sh [target...]   (default: parse compile)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(parse compile)
for t in "${targets[@]}"; do
  mkdir -p "$here/corpus/$t"
  cp "$here"/seeds/* "$here/corpus/$t/"
  for f in "$here"/../rules/*/*.zc; do
    cp "$f" "$here/corpus/$t/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
done
