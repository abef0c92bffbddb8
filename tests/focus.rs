//! The focused parse (only the units that could hold a finding, see `credlint::focus`) must
//! report exactly what parsing whole files reports, and fix files the same way; so must the
//! editor's statement-by-statement parse through a cache, cold and warm. Checked on every
//! fixture and on the development corpus (`../shared/corpus`, when present), with the default
//! settings, with every rule selected (the opt-in rules report declarations), and with no
//! confidence threshold (low-confidence values must not be lost either).

use std::path::{Path, PathBuf};

use credlint::engine::{self, ParseMode, Selection, Settings};
use credlint::fix::{self, FixOptions};
use credlint::source::{self, SourceFile};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn variants() -> Vec<(&'static str, Settings)> {
    let default = Settings::default();
    let mut all = Settings::new(
        default.catalog.clone(),
        Selection {
            select: vec!["all".into()],
            ignore: vec![],
        },
    );
    all.min_confidence = default.min_confidence;
    let mut any_confidence = Settings::default();
    any_confidence.min_confidence = 0.0;
    vec![
        ("default", default),
        ("all rules", all),
        ("no threshold", any_confidence),
    ]
}

/// Lints `src` both ways and returns a description of the first difference.
fn compare(src: &SourceFile, settings: &Settings) -> Result<usize, String> {
    let mut whole = settings.clone();
    whole.parse_mode = ParseMode::Whole;
    let mut focused = settings.clone();
    focused.parse_mode = ParseMode::Focused;
    let (w, f) = match (engine::lint(src, &whole), engine::lint(src, &focused)) {
        (Ok(w), Ok(f)) => (w, f),
        (Err(_), Err(_)) => return Ok(0),
        (w, f) => {
            return Err(format!(
                "whole: {:?}, focused: {:?}",
                w.map(|o| o.findings.len()),
                f.map(|o| o.findings.len())
            ));
        }
    };
    let show = |o: &engine::LintOutput| {
        o.findings
            .iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
    };
    if show(&w) != show(&f) {
        return Err(format!(
            "findings differ\n  whole:   {:#?}\n  focused: {:#?}",
            show(&w),
            show(&f)
        ));
    }
    if w.findings.is_empty() {
        return Ok(0);
    }
    // The editor's path: statement by statement through a cache, cold and then warm.
    let mut cache = credlint::lang::units::SkeletonCache::default();
    for round in ["cold", "warm"] {
        let c = engine::lint_cached(src, &focused, &mut cache)
            .map_err(|e| format!("cached ({round}): {e}"))?;
        cache.sweep();
        if show(&c) != show(&f) {
            return Err(format!(
                "cached ({round}) findings differ\n  cached:  {:#?}\n  focused: {:#?}",
                show(&c),
                show(&f)
            ));
        }
    }
    let header = |o: &engine::LintOutput| o.header_end;
    if header(&w) != header(&f) {
        return Err(format!(
            "header_end differs: whole {}, focused {}",
            header(&w),
            header(&f)
        ));
    }
    let opts = FixOptions {
        unsafe_fixes: true,
        ..FixOptions::default()
    };
    let fixed = |o: &engine::LintOutput| {
        fix::fix_file_text(src, &o.findings, header(o), &opts)
            .map(|p| p.text)
            .map_err(|e| e.to_string())
    };
    if fixed(&w) != fixed(&f) {
        return Err("fixed text differs".into());
    }
    Ok(w.findings.len())
}

fn check_dir(dir: &Path) -> (usize, usize) {
    let mut files = Vec::new();
    files_under(dir, &mut files);
    files.sort();
    let mut linted = 0;
    let mut findings = 0;
    for p in &files {
        let bytes = std::fs::read(p).unwrap();
        let Some(language) = source::detect_language(p, &bytes) else {
            continue;
        };
        let Ok(src) = SourceFile::decode(p, language, &bytes) else {
            continue;
        };
        linted += 1;
        for (name, settings) in variants() {
            match compare(&src, &settings) {
                Ok(n) => findings += n,
                Err(e) => panic!("{} ({name}): {e}", p.display()),
            }
        }
    }
    (linted, findings)
}

#[test]
fn focused_parse_equals_whole_parse_on_every_fixture() {
    let (linted, findings) =
        check_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"));
    assert!(linted >= 40, "only {linted} fixtures");
    assert!(findings >= 100, "only {findings} findings compared");
}

#[test]
fn focused_parse_equals_whole_parse_on_the_corpus() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("no development corpus at {}; skipped", corpus.display());
        return;
    }
    let (linted, findings) = check_dir(&corpus);
    assert!(
        linted >= 20 && findings >= 50,
        "{linted} files, {findings} findings"
    );
}

/// Statements the lexer must follow: a secret after each construct is still found.
#[test]
fn constructs_before_a_secret_do_not_hide_it() {
    let secret = "docker login -u ci -p 'Hq7#mZpX4vRkT2wL' r.example.com\n";
    let shell = [
        "x=$(( 1 << 2 ))\n",
        "cat <<'EOF'\n$(\"'\nEOF\n",
        "cat <<-EOF\n\tx\n\tEOF\n",
        "echo ${#arr[@]} # comment with 'quote\n",
        "case $x in\n  a) echo a ;;\n  (b|c) echo b ;;\nesac\n",
        "f() {\n  echo \"$(printf '%s' \"}\")\"\n}\n",
        "arr=(\n  a\n  b\n)\n",
        "echo `date` \\\n  more\n",
        "while read -r l; do echo \"$l\"; done < <(ls)\n",
        "if [ -n \"$a\" ]\nthen\n  :\nfi\n",
    ];
    let powershell = [
        "$h = @{\n  a = '}'\n}\n",
        "$s = @\"\n  \"@ indented is not the end\n\"@\n",
        "<# block\n comment #> $x = 1\n",
        "Write-Host \"a `\" b\" 'c''d'\n",
        "if ($a) {\n  b\n}\nelseif ($c) {\n  d\n}\nelse {\n  e\n}\n",
        "Get-Thing |\n  Where-Object { $_ }\n",
        "$x = \"$(Get-Date -Format 'yyyy')\"\n",
        "function f {\n  param([string]$A = \"{\")\n  $A\n}\n",
    ];
    for (language, cases) in [
        (credlint::model::Language::Shell, &shell[..]),
        (credlint::model::Language::PowerShell, &powershell[..]),
    ] {
        for case in cases {
            for text in [
                format!("{case}{secret}"),
                format!("{secret}{case}"),
                format!("{case}{case}{secret}"),
            ] {
                let src =
                    SourceFile::from_text("t", language, text.clone(), source::Encoding::Utf8);
                let settings = Settings::default();
                let out = engine::lint(&src, &settings).unwrap();
                assert_eq!(
                    out.findings.iter().map(|f| f.code).collect::<Vec<_>>(),
                    ["CL001"],
                    "{language:?}:\n{text}"
                );
                compare(&src, &settings).unwrap_or_else(|e| panic!("{text}\n{e}"));
            }
        }
    }
}

/// Statements a rule reads without a trigger or a variable leading to them: `set -a` exports
/// every later assignment (found by comparing with a whole parse).
#[test]
fn statements_read_without_a_trigger_are_parsed() {
    for (text, expected) in [
        (
            "#!/bin/sh\nset -a\necho hi\nAPI_TOKEN=Zq8mW2xTr5vLp9sKx\n",
            1,
        ),
        (
            "#!/bin/sh\nset -o allexport\nAPI_TOKEN=Zq8mW2xTr5vLp9sKx\n",
            1,
        ),
        (
            "#!/bin/sh\nset -a\nset +a\nAPI_TOKEN=Zq8mW2xTr5vLp9sKx\n",
            0,
        ),
        ("#!/bin/sh\n# set -a\nAPI_TOKEN=Zq8mW2xTr5vLp9sKx\n", 0),
    ] {
        let language = credlint::model::Language::Shell;
        let src = SourceFile::from_text("t", language, text.into(), source::Encoding::Utf8);
        let settings = Settings::default();
        assert_eq!(
            engine::lint(&src, &settings).unwrap().findings.len(),
            expected,
            "{text}"
        );
        compare(&src, &settings).unwrap_or_else(|e| panic!("{text}\n{e}"));
    }
}

/// Statements a rule needs because a variable is *used* there: asked for by the rules
/// (`Flow::ask_uses`) or, for a variable naming a program, followed from the text.
#[test]
fn uses_of_variables_are_parsed_when_they_decide_a_finding() {
    use credlint::model::Language::{PowerShell, Shell};
    for (language, text, message) in [
        // A hashtable is a header table because `-Headers $h` uses it; nothing else in the
        // use names a credential.
        (
            PowerShell,
            "$h = @{ 'Token' = 'Zq8mW2xTr5vLp9sK77' }\nWrite-Host 'x'\nCall-Api -Uri $u -Headers $h\n",
            "request header",
        ),
        (
            PowerShell,
            "$h = @{}\n$h.Add('Token', 'Zq8mW2xTr5vLp9sK77')\nCall-Api -Uri $u -Headers $h\n",
            "request header",
        ),
        (
            PowerShell,
            "$h = @{}\n$h['Token'] = 'Zq8mW2xTr5vLp9sK77'\nCall-Api -Uri $u -Headers $h\n",
            "request header",
        ),
        // The file a here-string is written to names its format and the variable to use.
        (
            PowerShell,
            "$cfg = @\"\nregistry=https://r.example.com/\n//r.example.com/:_authToken=Tq9vN4xW2mL7zR8kPq\n\"@\nWrite-Host 'x'\nSet-Content -Path $p -Value $cfg\n",
            "",
        ),
        // A command named through a variable that holds the program.
        (
            Shell,
            "#!/bin/sh\nDOCKER=\"/usr/local/bin/docker\"\necho hi\n\"$DOCKER\" login -u bob -p Zq8mW2xTr5vLp9sK77 r.example.com\n",
            "docker login",
        ),
        (
            PowerShell,
            "$engine = 'C:\\Program Files\\Docker\\docker.exe'\nWrite-Host 'x'\n& $engine login -u bob -p Zq8mW2xTr5vLp9sK77 r.example.com\n",
            "docker login",
        ),
    ] {
        let name = if language == Shell { "t.sh" } else { "t.ps1" };
        let src = SourceFile::from_text(name, language, text.into(), source::Encoding::Utf8);
        let settings = Settings::default();
        let findings = engine::lint(&src, &settings).unwrap().findings;
        assert_eq!(findings.len(), 1, "{text}\n{findings:#?}");
        assert!(
            findings[0].message.contains(message),
            "{text}\n{findings:#?}"
        );
        compare(&src, &settings).unwrap_or_else(|e| panic!("{text}\n{e}"));
    }
}

/// An edit re-parses only the statement it touches; the result equals a fresh lint.
#[test]
fn a_warm_cache_after_an_edit_equals_a_fresh_lint() {
    let before = "docker login -u a -p 'Hq7#mZpX4vRkT2wL' r.example.com\nf() {\n  curl -u bob:Zq8mW2xTr5vLp9sK https://x\n}\nTOKEN='abc'\n";
    let after = before.replace("bob:", "alice:").replace("Hq7#", "Hq8#");
    let settings = Settings::default();
    let mut cache = credlint::lang::units::SkeletonCache::default();
    for text in [before.to_owned(), after, before.to_owned()] {
        let src = SourceFile::from_text(
            "t.sh",
            credlint::model::Language::Shell,
            text,
            source::Encoding::Utf8,
        );
        let fresh = engine::lint(&src, &settings).unwrap();
        let cached = engine::lint_cached(&src, &settings, &mut cache).unwrap();
        cache.sweep();
        let show = |o: &engine::LintOutput| format!("{:?}", o.findings);
        assert_eq!(show(&cached), show(&fresh));
        assert_eq!(fresh.findings.len(), 2);
    }
    assert!(
        !cache.is_empty() && cache.len() <= 3,
        "{} entries",
        cache.len()
    );
}

/// A script large enough that the editor runs its rules on two threads reports what one
/// thread reports, in the same order.
#[test]
fn rules_on_two_threads_report_what_one_thread_reports() {
    let mut text = String::from("#!/bin/bash\n");
    for i in 0..200 {
        text.push_str(&format!(
            "curl -u deploy:Zq8mW2xTr5vLp9sK{i} https://example.com/{i}\n\
             export API_TOKEN_{i}=\"ghp_Lq8Wm2Rv7Tz9Kp3BsNx4Hc6Jd1Fg5Ya{i:04}\"\n\
             docker login -u ci -p \"$REGISTRY_PASSWORD\" r{i}.example.com\n"
        ));
    }
    let src = SourceFile::from_text(
        "big.sh",
        credlint::model::Language::Shell,
        text,
        source::Encoding::Utf8,
    );
    let settings = Settings::default();
    let one_thread = engine::lint(&src, &settings).unwrap();
    let mut cache = credlint::lang::units::SkeletonCache::default();
    let two_threads = engine::lint_cached(&src, &settings, &mut cache).unwrap();
    assert_eq!(
        format!("{:?}", two_threads.findings),
        format!("{:?}", one_thread.findings)
    );
    let codes: std::collections::BTreeSet<&str> =
        one_thread.findings.iter().map(|f| f.code).collect();
    assert_eq!(one_thread.findings.len(), 400, "{codes:?}");
    assert!(codes.len() >= 2, "{codes:?}");
}
