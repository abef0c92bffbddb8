#!/usr/bin/env bash
# Scores credlint on a labelled corpus (default: ../shared/corpus) with the shared scorer.
# usage: scripts/score-corpus.sh [BINARY] [CORPUS] [-- extra credlint check args]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/target/release/credlint}")
corpus=$(realpath "${2:-$here/../shared/corpus}")
shift $(( $# > 2 ? 2 : $# )) || true
[ "${1:-}" = "--" ] && shift
tools=$(cd "$corpus/../tools" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$corpus" "$tmp/c"
rm -f "$tmp/c/labels.jsonl" "$tmp/c/README.md" "$tmp/c/NEGATIVES.md"
status=0
(cd "$tmp/c" && "$bin" check --format json "$@" . > "$tmp/out.json") || status=$?
if [ "$status" -gt 1 ]; then
  echo "credlint exited $status" >&2
fi
(cd "$tmp/c" && python3 "$tools/to_findings.py" "$tmp/c" < "$tmp/out.json" > "$tmp/findings.jsonl")
python3 "$tools/score.py" "$corpus" "$tmp/findings.jsonl" --context
