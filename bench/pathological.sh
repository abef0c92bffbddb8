#!/usr/bin/env bash
# Times the release binary on 1 MB pathological inputs, one file per run, and prints the
# figures (milliseconds, wall clock, best of 3). Each input ends with a real credential so the
# prefilter lets it through to the parser. Target: every input under 100 ms.
#
#   cargo build --release && bench/pathological.sh [path/to/credlint]
#
# This is a benchmark, not a test: tests/hostile.rs and the unit tests in src/lang/ assert that
# these inputs complete with the right outcome, never how long they take.
set -eu

bin=${1:-${CARGO_TARGET_DIR:-target}/release/credlint}
[ -x "$bin" ] || { echo "no binary at $bin; build with cargo build --release" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
size=1000000
cred_sh=$'\ndocker login -u ci -p \'Hq7#mZpX4vRkT2wL\' r.example.com\n'
cred_ps=$'\r\ndocker login -u ci -p \'Hq7#mZpX4vRkT2wL\' r.example.com\r\n'

# repeat STRING: STRING repeated to about $size bytes.
repeat() {
    local s=$1 n=$(( size / ${#1} ))
    times "$s" "$n"
}
times() { # times STRING N: STRING written N times, by doubling
    local s=$1 n=$2 out=
    while [ "$n" -gt 0 ]; do
        if [ $(( n % 2 )) -eq 1 ]; then out+=$s; fi
        s+=$s
        n=$(( n / 2 ))
    done
    printf '%s' "$out"
}
nest() { # nest OPEN CLOSE: OPEN…x…CLOSE to about $size bytes
    local n=$(( size / (${#1} + ${#2}) ))
    times "$1" "$n"
    printf 'x'
    times "$2" "$n"
}

gen() { # gen NAME EXT GENERATOR... : writes $dir/NAME.EXT with the credential appended
    local name=$1 ext=$2
    shift 2
    local cred=$cred_sh
    [ "$ext" = ps1 ] && cred=$cred_ps
    { "$@"; printf '%s' "$cred"; } > "$dir/$name.$ext"
}

gen nul-bytes sh head -c "$size" /dev/zero
gen close-parens sh repeat ')'
gen pipes sh repeat '|'
gen nested-subst sh nest '$(echo ' ')'
gen nested-subshell sh nest '( ' ' )'
gen nested-braces sh nest '{ ' ' ;}'
gen one-line sh bash -c "printf 'echo '; head -c $size /dev/zero | tr '\\0' a"
gen quotes sh repeat '"'
gen single-quotes sh repeat "'"
gen backslashes sh repeat '\'
gen heredocs sh repeat $'cat <<EOF\nx\nEOF\n'
gen credentials sh repeat $'docker login -u ci -p Kp3xQw9Lm2Zr r.example.com\n'
gen close-parens ps1 repeat ')'
gen pipes ps1 repeat '|'
gen nested-array ps1 nest '@(' ')'
gen nested-script-block ps1 nest '& {' '}'
gen nested-subexpr ps1 nest '"$(' ')"'
gen one-line ps1 bash -c "printf 'Write-Host '; head -c $size /dev/zero | tr '\\0' a"
gen backticks ps1 repeat '`'
gen here-strings ps1 repeat $'@\'\r\nx\r\n\'@\r\n'
gen credentials ps1 repeat $'docker login -u ci -p Kp3xQw9Lm2Zr r.example.com\r\n'

gen spaced-pipes sh repeat '| '
gen pipes-and-words sh repeat '|x '

# Wall-clock and CPU (user+sys) milliseconds, best of 3: on a shared machine CPU time is the
# steadier figure.
printf '%-28s %9s %7s %7s  %s\n' input bytes wall-ms cpu-ms outcome
for f in "$dir"/*; do
    best=
    cpu=
    for _ in 1 2 3; do
        start=$(date +%s%N)
        out=$(/usr/bin/env time -f '%U %S' -o "$dir/.time" "$bin" check --format concise --no-progress "$f" 2>&1 || true)
        end=$(date +%s%N)
        ms=$(( (end - start) / 1000000 ))
        c=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$dir/.time")
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
        if [ -z "$cpu" ] || [ "$c" -lt "$cpu" ]; then cpu=$c; fi
    done
    n=$(printf '%s\n' "$out" | grep -c ': CL' || true)
    note=$(printf '%s\n' "$out" | grep -m1 -oE '(note|error): .*' | cut -c1-60 || true)
    outcome="$n finding(s)${note:+; $note}"
    printf '%-28s %9s %7s %7s  %s\n' "$(basename "$f")" "$(stat -c %s "$f")" "$best" "$cpu" "$outcome"
done
