#!/bin/sh
# Thin wrapper: see bench/README.md and `bench/compare.py --help`.
exec python3 "$(dirname "$0")/compare.py" "$@"
