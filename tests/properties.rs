//! Property tests of the fixer: scripts generated from credential-taking commands, flags,
//! quoting styles and values, in both languages and every encoding and line-ending style.
//!
//! - Fixing is idempotent: fixing the fixed text changes nothing.
//! - Bytes outside the edits are unchanged: the fixed text is the original with exactly the
//!   applied edits, plus whole guard blocks.
//! - Encodings round-trip exactly (UTF-8, UTF-8+BOM, UTF-16 LE/BE × LF/CRLF), and a fixed file
//!   keeps its encoding and line endings.
//!
//! Case counts are kept moderate so that `cargo test` stays fast.

use credlint::engine::{self, Settings};
use credlint::finding::Finding;
use credlint::fix::{self, FixOptions, FixPlan};
use credlint::model::Language;
use credlint::source::{self, Encoding, SourceFile};
use proptest::prelude::*;
use proptest::sample::select;

fn settings() -> &'static Settings {
    static S: std::sync::OnceLock<Settings> = std::sync::OnceLock::new();
    S.get_or_init(Settings::default)
}

/// A value as it is written in the script: the quoting style wraps the secret.
#[derive(Clone, Copy, Debug)]
enum Quote {
    Bare,
    /// `'…'`: single quotes in bash, a verbatim string in PowerShell.
    Single,
    /// `"…"`: double quotes in bash, an expandable string in PowerShell.
    Double,
}

impl Quote {
    fn wrap(self, value: &str) -> String {
        match self {
            Quote::Bare => value.to_owned(),
            Quote::Single => format!("'{value}'"),
            Quote::Double => format!("\"{value}\""),
        }
    }
}

/// A command template: `{}` is the quoted value. Every template fires on a realistic value
/// (checked by `every_template_fires`).
const BASH: &[&str] = &[
    "docker login -u ci -p {} registry.example.com",
    "docker login --username ci --password {} registry.example.com",
    "twine upload -u __token__ -p {} dist/*",
    "python3 -m twine upload --password {} dist/*",
    "curl -fsS -u deployer:{} https://nexus.example.com/api",
    "wget --password={} https://files.example.com/a.tgz",
    "mysql --user=app --password={} app_db",
    "sshpass -p {} ssh deploy@build.example.com uptime",
    "helm repo add internal https://charts.example.com --username ci --password {}",
];

const POWERSHELL: &[&str] = &[
    "docker login -u ci -p {} registry.example.com",
    "twine upload -u __token__ -p {} dist/*",
    "py -m twine upload --username __token__ --password {} dist/*",
    "$secure = ConvertTo-SecureString {} -AsPlainText -Force",
    "$secure = ConvertTo-SecureString -String {} -AsPlainText -Force",
    "Publish-Module -Name Acme.Tools -NuGetApiKey {}",
    "Register-ScheduledTask -TaskName Sync -Action $a -User 'CORP\\svc' -Pass {}",
    "cmdkey /generic:TERMSRV/host01 /user:CORP\\admin /pass:{}",
];

/// Lines that hold no credential.
const FILLER_BASH: &[&str] = &[
    "echo building",
    "# deploy step",
    "",
    "cd \"$HOME\"",
    "set -e",
];
const FILLER_PS: &[&str] = &[
    "Write-Host 'building'",
    "# deploy step",
    "",
    "Set-Location $PSScriptRoot",
    "$ErrorActionPreference = 'Stop'",
];

/// A realistic secret: letters and digits with a symbol or two inside quotes; letters and digits
/// only when bare.
fn value(quote: Quote) -> impl Strategy<Value = String> {
    let alnum: Vec<char> = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
    let symbols: Vec<char> = if matches!(quote, Quote::Bare) {
        vec!['x']
    } else {
        "#%@!_-.+=".chars().collect()
    };
    (
        proptest::collection::vec(select(alnum.clone()), 6..10),
        select(symbols),
        proptest::collection::vec(select(alnum), 6..10),
    )
        .prop_map(|(a, s, b)| {
            let mut v: String = a.into_iter().collect();
            v.push(s);
            v.extend(b);
            v
        })
}

fn quote() -> impl Strategy<Value = Quote> {
    prop_oneof![Just(Quote::Bare), Just(Quote::Single), Just(Quote::Double)]
}

/// One line: a credential command (template index, quote, value) or a filler line.
fn line(language: Language) -> impl Strategy<Value = String> {
    let (templates, filler) = match language {
        Language::Shell => (BASH, FILLER_BASH),
        Language::PowerShell => (POWERSHELL, FILLER_PS),
    };
    let command = (select(templates), quote())
        .prop_flat_map(|(t, q)| value(q).prop_map(move |v| t.replace("{}", &q.wrap(&v))));
    prop_oneof![3 => command, 1 => select(filler).prop_map(str::to_owned)]
}

fn script() -> impl Strategy<Value = (Language, String)> {
    prop_oneof![Just(Language::Shell), Just(Language::PowerShell)].prop_flat_map(|language| {
        proptest::collection::vec(line(language), 1..5).prop_map(move |lines| {
            let mut text = lines.join("\n");
            text.push('\n');
            (language, text)
        })
    })
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        Just(Encoding::Utf8),
        Just(Encoding::Utf8Bom),
        Just(Encoding::Utf16Le),
        Just(Encoding::Utf16Be)
    ]
}

fn lint(source: &SourceFile) -> (Vec<Finding>, usize) {
    let output = engine::lint(source, settings()).expect("generated scripts parse");
    let header_end = output.script.as_ref().map_or(0, |s| s.header_end);
    (output.findings, header_end)
}

fn fix_text(source: &SourceFile, opts: &FixOptions) -> (Vec<Finding>, FixPlan) {
    let (findings, header_end) = lint(source);
    let plan = fix::fix_file_text(source, &findings, header_end, opts).expect("fix accepted");
    (findings, plan)
}

fn with_crlf(text: &str, crlf: bool) -> String {
    if crlf {
        text.replace('\n', "\r\n")
    } else {
        text.to_owned()
    }
}

fn source(language: Language, text: &str) -> SourceFile {
    let name = match language {
        Language::Shell => "gen.sh",
        Language::PowerShell => "gen.ps1",
    };
    SourceFile::from_text(name, language, text.to_owned(), Encoding::Utf8)
}

/// The original text with the applied findings' edits, rebuilt here independently of the
/// fixer: everything between the edits is copied from the original.
fn apply_edits(text: &str, findings: &[Finding], applied: &[usize]) -> String {
    let mut edits: Vec<_> = applied
        .iter()
        .flat_map(|&i| findings[i].fix.as_ref().unwrap().edits.iter())
        .collect();
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    edits.dedup();
    let mut out = String::new();
    let mut at = 0;
    for e in edits {
        assert!(e.range.start >= at, "overlapping edits were applied");
        out.push_str(&text[at..e.range.start]);
        out.push_str(&e.replacement);
        at = e.range.end;
    }
    out.push_str(&text[at..]);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fixing_is_idempotent((language, text) in script(), crlf in any::<bool>()) {
        let src = source(language, &with_crlf(&text, crlf));
        let (_, plan) = fix_text(&src, &FixOptions::default());
        let again = source(language, &plan.text);
        let (_, plan2) = fix_text(&again, &FixOptions::default());
        prop_assert_eq!(plan2.text, plan.text);
    }

    #[test]
    fn bytes_outside_the_edits_are_unchanged((language, text) in script(), crlf in any::<bool>()) {
        let text = with_crlf(&text, crlf);
        let src = source(language, &text);
        // Without guards: exactly the edits.
        let no_guards = FixOptions { guards: false, ..FixOptions::default() };
        let (findings, plan) = fix_text(&src, &no_guards);
        prop_assert_eq!(&plan.text, &apply_edits(&text, &findings, &plan.applied));
        // With guards: the same text once every inserted guard block is taken out again.
        let (findings_g, guarded) = fix_text(&src, &FixOptions::default());
        prop_assert_eq!(&guarded.applied, &plan.applied);
        let mut stripped = guarded.text.clone();
        let newline = if crlf { "\r\n" } else { "\n" };
        let mut variables: Vec<&str> = guarded
            .applied
            .iter()
            .flat_map(|&i| findings_g[i].fix.as_ref().unwrap().guards.iter())
            .map(|g| g.variable.as_str())
            .collect();
        variables.sort_unstable();
        variables.dedup();
        for var in variables {
            let block = fix::guard::render(language, var, "", "\t", newline);
            prop_assert_eq!(stripped.matches(&block).count(), 1, "guard for {} inserted once", var);
            stripped = stripped.replacen(&block, "", 1);
        }
        prop_assert_eq!(stripped, plan.text);
    }

    #[test]
    fn encodings_round_trip_and_survive_a_fix(
        (language, text) in script(),
        crlf in any::<bool>(),
        encoding in encoding(),
    ) {
        let text = with_crlf(&text, crlf);
        let bytes = source::encode_text(&text, encoding);
        let decoded = SourceFile::decode("gen", language, &bytes).unwrap();
        prop_assert_eq!(decoded.encoding, encoding);
        prop_assert_eq!(&decoded.text, &text);
        prop_assert_eq!(decoded.encode(&decoded.text), bytes.clone());

        let (_, plan) = fix_text(&decoded, &FixOptions::default());
        let written = decoded.encode(&plan.text);
        let reread = SourceFile::decode("gen", language, &written).unwrap();
        prop_assert_eq!(reread.encoding, encoding);
        prop_assert_eq!(&reread.text, &plan.text);
        credlint::fuzzing::assert_line_endings_kept(&text, &reread.text);
        if plan.text != text {
            prop_assert_eq!(reread.line_ending, decoded.line_ending);
        }
    }
}

/// The generator is only useful if its templates are found: each one, in each quoting style.
#[test]
fn every_template_fires() {
    for (language, templates) in [(Language::Shell, BASH), (Language::PowerShell, POWERSHELL)] {
        for t in templates {
            for (q, v) in [
                (Quote::Bare, "Kp3xQw9Lm2Zr"),
                (Quote::Single, "Kp3#xQw9Lm2Z"),
                (Quote::Double, "Kp3#xQw9Lm2Z"),
            ] {
                let text = format!("{}\n", t.replace("{}", &q.wrap(v)));
                let (findings, _) = lint(&source(language, &text));
                assert_eq!(findings.len(), 1, "{language:?} {q:?}: {text}");
            }
        }
    }
}
