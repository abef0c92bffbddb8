//! Micro-benchmarks (divan): lint of a typical PowerShell and bash script, parse+lower alone,
//! and the prefilter on a file with and without trigger words.
//!
//! `cargo bench --bench lint`

use std::path::Path;
use std::sync::LazyLock;

use credlint::engine::{self, Settings};
use credlint::lang;
use credlint::model::Language;
use credlint::source::SourceFile;

fn main() {
    divan::main();
}

static SETTINGS: LazyLock<Settings> = LazyLock::new(Settings::default);

/// A typical deployment script: the seed example plus ordinary script text around it.
fn powershell() -> String {
    let seed = include_str!("../examples/Publish_to_PyPI.ps1");
    let body = r#"
function Get-BuildInfo {
    [CmdletBinding()]
    param([string]$Path = '.', [switch]$Recurse)
    $items = Get-ChildItem -Path $Path -Filter *.whl -Recurse:$Recurse
    foreach ($item in $items) {
        Write-Verbose "Found $($item.Name)"
        [pscustomobject]@{ Name = $item.Name; Size = $item.Length; Hash = (Get-FileHash $item).Hash }
    }
}
$info = Get-BuildInfo -Path dist
if ($info.Count -eq 0) { throw "nothing to publish" }
"#;
    format!("{seed}\n{}", body.repeat(20))
}

fn bash() -> String {
    let seed = include_str!("../examples/publish.sh");
    let body = r#"
build() {
    local dir="${1:-dist}"
    rm -rf "$dir" && mkdir -p "$dir"
    for f in src/*.py; do
        [ -f "$f" ] || continue
        echo "compiling $f" >&2
        python -m py_compile "$f"
    done
    if command -v sha256sum >/dev/null; then sha256sum "$dir"/* > "$dir/SHA256SUMS"; fi
}
build dist | tee build.log
"#;
    format!("{seed}\n{}", body.repeat(20))
}

fn source(language: Language, text: String) -> SourceFile {
    let name = match language {
        Language::PowerShell => "bench.ps1",
        Language::Shell => "bench.sh",
    };
    SourceFile::decode(Path::new(name), language, text.as_bytes()).unwrap()
}

#[divan::bench]
fn lint_powershell(b: divan::Bencher) {
    let src = source(Language::PowerShell, powershell());
    b.counter(divan::counter::BytesCount::new(src.text.len()))
        .bench(|| engine::lint(divan::black_box(&src), &SETTINGS).unwrap());
}

#[divan::bench]
fn lint_bash(b: divan::Bencher) {
    let src = source(Language::Shell, bash());
    b.counter(divan::counter::BytesCount::new(src.text.len()))
        .bench(|| engine::lint(divan::black_box(&src), &SETTINGS).unwrap());
}

fn parse_and_lower(b: divan::Bencher, language: Language, text: String) {
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| {
            lang::parse(
                language,
                divan::black_box(&text),
                lang::DEFAULT_PARSE_BUDGET,
            )
            .unwrap()
        });
}

#[divan::bench]
fn parse_and_lower_powershell(b: divan::Bencher) {
    parse_and_lower(b, Language::PowerShell, powershell());
}

#[divan::bench]
fn parse_and_lower_bash(b: divan::Bencher) {
    parse_and_lower(b, Language::Shell, bash());
}

#[divan::bench]
fn prefilter_hit(b: divan::Bencher) {
    let text = powershell();
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| SETTINGS.may_contain_credentials(divan::black_box(&text)));
}

#[divan::bench]
fn prefilter_miss(b: divan::Bencher) {
    // Ordinary script text without any trigger word: the whole text is scanned.
    let text = "for f in src/*.py; do echo \"compiling $f\"; python -m py_compile \"$f\"; done\n"
        .repeat(400);
    assert!(!SETTINGS.may_contain_credentials(&text));
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| SETTINGS.may_contain_credentials(divan::black_box(&text)));
}
