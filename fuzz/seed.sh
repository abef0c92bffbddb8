#!/bin/sh
# Seeds the fuzz corpora from the repository's scripts: tests/fixtures/** and examples/*.
# Run from anywhere; corpora live in fuzz/corpus/<target>/ (git-ignored).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
for target in lint_powershell lint_bash fix_roundtrip; do
    mkdir -p "$here/corpus/$target"
done
find "$root/tests/fixtures" "$root/examples" -type f | while read -r f; do
    name=$(printf '%s' "$f" | sed "s|$root/||; s|[/ ]|_|g")
    case "$f" in
        *.ps1|*.psm1|*.psd1) cp "$f" "$here/corpus/lint_powershell/$name" ;;
        *) cp "$f" "$here/corpus/lint_bash/$name" ;;
    esac
    cp "$f" "$here/corpus/fix_roundtrip/$name"
done
# The regression inputs found by earlier fuzzing runs.
if [ -d "$root/tests/regressions" ]; then
    for f in "$root"/tests/regressions/*; do
        [ -f "$f" ] || continue
        for target in lint_powershell lint_bash fix_roundtrip; do
            cp "$f" "$here/corpus/$target/regression_$(basename "$f")"
        done
    done
fi
