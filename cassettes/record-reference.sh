#!/usr/bin/env bash
# Re-record cassettes/reference/: one cassette per scenario category, recorded against the
# EMBEDDED REFERENCE SERVER (not Twilio), then replay them all against a fresh reference to
# prove they replay clean.
#
#   cassettes/record-reference.sh            # every category folder under scenarios/
#   cassettes/record-reference.sh smoke etag # only these categories
#
# Scenarios that fail against the reference are left out of their cassette (--drop-failing,
# listed under trc.excluded in the file). Needs `trc` on PATH (pip install -e .).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
out="$here/reference"
mkdir -p "$out"
cd "$root"

if [ "$#" -gt 0 ]; then
  categories=("$@")
else
  categories=()
  for dir in scenarios/*/; do
    name="$(basename "$dir")"
    case "$name" in _*|.*) continue ;; esac
    categories+=("$name")
  done
fi

recorded=()
for category in "${categories[@]}"; do
  if [ ! -d "scenarios/$category" ]; then
    echo "record-reference: no folder scenarios/$category" >&2
    exit 2
  fi
  echo "== $category"
  trc record --target embedded --scenarios "scenarios/$category" \
    --out "$out/$category.yaml" --force --drop-failing
  recorded+=("$out/$category.yaml")
done

echo "== replaying ${#recorded[@]} cassette(s) against a fresh embedded reference"
trc replay "${recorded[@]}" --target embedded --show 3
