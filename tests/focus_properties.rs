//! Property test of the focused parse: scripts assembled at random from statements that hold
//! credentials directly, through variables, splats and config writes, mixed with the
//! constructs the unit lexer must follow (blocks, `case`, heredocs, here-strings, multi-line
//! strings, comments, continuations), nested at random. The focused parse must report exactly
//! what a whole parse reports, and the editor's statement cache the same again.

use credlint::engine::{self, ParseMode, Settings};
use credlint::lang::units::{self, SkeletonCache};
use credlint::model::Language;
use credlint::source::{Encoding, SourceFile};
use proptest::prelude::*;
use proptest::sample::select;

const SECRET: &str = "Zq8mW2xTr5vLp9sK";

/// Statements; `{S}` is a secret, `{V}` a variable name shared by the script.
const BASH: &[&str] = &[
    "docker login -u ci -p '{S}' registry.example.com",
    "{V}='{S}'",
    "docker login -u ci -p \"${V}\" registry.example.com",
    "curl -u \"deploy:${V}\" https://example.com/api",
    "export API_TOKEN=\"{S}\"",
    "mysql --password={S} app",
    "echo \"token: ${V}\" # a comment with 'quote",
    "cat > ~/.netrc <<EOF\nmachine h login u password {S}\nEOF",
    "cat <<'EOF'\n} fi done esac )\nEOF",
    "x=$(( 1 << 2 ))",
    "echo \"$(printf '%s' \"}\")\"",
    // (tree-sitter-bash parses a pipeline of three or more commands and a following heredoc
    // command as one statement, unlike bash; the focused parse, which sees the heredoc
    // command alone, does what bash does. Two-command pipelines here.)
    "ls -la |\n  wc -l",
    "curl -fsS \\\n  https://example.com/x",
    "arr=(\n  a\n  b\n)",
    "echo 'multi\nline'",
    "# password: not here",
    "URL=\"https://user:{S}@example.com/repo.git\"",
    "git clone \"$URL\"",
    ": \"${DB_PASSWORD:={S}}\"",
];

const BASH_BLOCKS: &[(&str, &str)] = &[
    ("f() {", "}"),
    ("if [ -n \"$X\" ]; then", "fi"),
    ("if [ -n \"$X\" ]\nthen", "else\n  :\nfi"),
    ("for i in 1 2 3; do", "done"),
    ("for ((i = 0; i < 3; i++)) {", "}"),
    ("for ((i = 0; i < 3; i++)); do", "done"),
    ("if [ -n \"$X\" ] || {\n  [ -z \"$Y\" ]; \\\n}; then", "fi"),
    ("while read -r l; do", "done < <(ls)"),
    ("case \"$1\" in\n  a)", "  ;;\n  *) : ;;\nesac"),
    ("(", ")"),
    ("{", "}"),
];

const POWERSHELL: &[&str] = &[
    "docker login -u ci -p '{S}' registry.example.com",
    "${V} = '{S}'",
    "docker login -u ci -p ${V} registry.example.com",
    "$cred = New-Object PSCredential('u', (ConvertTo-SecureString '{S}' -AsPlainText -Force))",
    "$headers = @{\n  Authorization = \"Bearer {S}\"\n}",
    "Invoke-RestMethod -Uri $u -Headers $headers",
    "$p = @{ Password = ${V}; User = 'u' }",
    "Connect-Thing @p",
    "$env:API_TOKEN = '{S}'",
    "$cfg = @\"\n//registry/:_authToken={S}\n\"@",
    "Set-Content -Path \"$HOME\\.npmrc\" -Value $cfg",
    "<# block comment with } and 'quote\n#>",
    "Write-Host \"a `\" b\" 'c''d'",
    "Get-Thing |\n  Where-Object { $_ }",
    "$s = @'\n} ) ]\n'@",
    "# -Password 'not here'",
    "$c = \"Server=db;User Id=sa;Password={S};\"",
];

const POWERSHELL_BLOCKS: &[(&str, &str)] = &[
    ("function F {", "}"),
    // `param()` is only valid first in a script, function or script block.
    (
        "function G {\n  param([string]$Token = '{S}', [string]${V})",
        "}",
    ),
    ("if ($x) {", "}\nelse {\n  $y = 1\n}"),
    ("if ($x)\n{", "}"),
    ("foreach ($i in $list) {", "}"),
    ("try {", "}\ncatch {\n  throw\n}"),
    // (Not `& { … }`: tree-sitter-powershell gives the statement after it a scope starting
    // there, which a parse without the `& { … }` does not reproduce; no fix changes.)
    ("switch ($x) {\n  'a' {", "}\n}"),
];

#[derive(Clone, Debug)]
enum Piece {
    Statement(usize),
    Block(usize, Vec<Piece>),
}

fn pieces(depth: u32) -> impl Strategy<Value = Vec<Piece>> {
    let leaf = (0usize..64).prop_map(Piece::Statement);
    let piece = leaf.prop_recursive(depth, 24, 4, |inner| {
        prop_oneof![
            (0usize..64).prop_map(Piece::Statement),
            ((0usize..16), prop::collection::vec(inner, 1..4))
                .prop_map(|(b, v)| Piece::Block(b, v)),
        ]
    });
    prop::collection::vec(piece, 1..8)
}

fn render(language: Language, pieces: &[Piece], variable: &str, indent: usize, out: &mut String) {
    let (statements, blocks) = match language {
        Language::Shell => (BASH, BASH_BLOCKS),
        Language::PowerShell => (POWERSHELL, POWERSHELL_BLOCKS),
    };
    let pad = "  ".repeat(indent);
    for piece in pieces {
        match piece {
            Piece::Statement(i) => {
                let s = statements[i % statements.len()]
                    .replace("{S}", SECRET)
                    .replace("{V}", variable);
                out.push_str(&pad);
                out.push_str(&s);
                out.push('\n');
            }
            Piece::Block(b, inner) => {
                let (open, close) = blocks[b % blocks.len()];
                let open = open.replace("{S}", SECRET).replace("{V}", variable);
                out.push_str(&pad);
                out.push_str(&open);
                out.push('\n');
                render(language, inner, variable, indent + 1, out);
                out.push_str(&pad);
                out.push_str(close);
                out.push('\n');
            }
        }
    }
}

fn script() -> impl Strategy<Value = (Language, String)> {
    (
        select(vec![Language::Shell, Language::PowerShell]),
        pieces(3),
        select(vec!["pw", "token", "dbPass", "x"]),
    )
        .prop_map(|(language, pieces, variable)| {
            let mut text = String::new();
            render(language, &pieces, variable, 0, &mut text);
            (language, text)
        })
}

fn findings(src: &SourceFile, settings: &Settings) -> String {
    match engine::lint(src, settings) {
        Ok(o) => comparable(&format!("{:?}", o.findings)),
        Err(e) => format!("error: {e}"),
    }
}

/// Findings as compared: a block's scope is compared by where it starts, which decides the
/// guard; where it ends depends on which statements of the block were parsed (the editor's
/// cache parses a statement with the headers around it only) and changes no fix.
fn comparable(debug: &str) -> String {
    static SCOPE_END: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"scope: (\d+)\.\.\d+").unwrap());
    SCOPE_END.replace_all(debug, "scope: $1..").into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn focused_parse_reports_what_a_whole_parse_reports(
        (language, text) in script(),
        edit_at in 0usize..64,
        edit_kind in 0usize..4,
    ) {
        let src = SourceFile::from_text("t", language, text.clone(), Encoding::Utf8);
        let focused = Settings::default();
        let mut whole = Settings::default();
        whole.parse_mode = ParseMode::Whole;
        let expected = findings(&src, &whole);
        prop_assert_eq!(&findings(&src, &focused), &expected, "focused: {}", text);
        let mut cache = SkeletonCache::default();
        for _ in 0..2 {
            let cached = engine::lint_cached(&src, &focused, &mut cache)
                .map(|o| comparable(&format!("{:?}", o.findings)))
                .unwrap_or_else(|e| format!("error: {e}"));
            cache.sweep();
            prop_assert_eq!(&cached, &expected, "cached: {}", text);
        }
        // An edit: a line inserted. The warm cache must give what a cold one gives for the
        // new text: statements after the edit move, and so do their commands' indices when
        // the edit adds commands. (A cold cache, not a whole parse: an edit may break the
        // syntax, and statements parsed alone then recover differently from one parse.)
        let edited = edit(language, &text, edit_at, edit_kind);
        let src = SourceFile::from_text("t", language, edited.clone(), Encoding::Utf8);
        let lint = |cache: &mut SkeletonCache| {
            engine::lint_cached(&src, &focused, cache)
                .map(|o| comparable(&format!("{:?}", o.findings)))
                .unwrap_or_else(|e| format!("error: {e}"))
        };
        let warm = lint(&mut cache);
        let cold = lint(&mut SkeletonCache::default());
        prop_assert_eq!(&warm, &cold, "cached after an edit: {}", edited);
        // The same for the model of every statement, which the findings above may not
        // depend on everywhere (indices between commands, hashtables and heredocs).
        let mut cache = SkeletonCache::default();
        for text in [&text, &text, &edited] {
            let warm = model(language, text, &mut cache);
            cache.sweep();
            let cold = model(language, text, &mut SkeletonCache::default());
            prop_assert_eq!(&warm, &cold, "model after an edit: {}", text);
        }
    }
}

/// The model of every statement of `text`, through `cache`.
fn model(language: Language, text: &str, cache: &mut SkeletonCache) -> String {
    let units = units::split(language, text);
    let all: Vec<usize> = (0..units.units.len()).collect();
    match units::parse_skeleton_cached(
        language,
        text,
        &units,
        &all,
        credlint::lang::DEFAULT_PARSE_BUDGET,
        cache,
    ) {
        Ok(mut script) => {
            // Syntax errors are left out: an error reaching the end of the text keeps its old
            // end in a cached statement, and nothing reads them.
            let errors = std::mem::take(&mut script.errors);
            let debug = format!("{script:?}");
            script.errors = errors;
            cache.give_back(script);
            debug
        }
        Err(e) => format!("error: {e}"),
    }
}

/// `text` with a line inserted before its `at`-th line (modulo the line count), or that line
/// deleted (`kind` 0).
fn edit(language: Language, text: &str, at: usize, kind: usize) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let at = at % (lines.len() + 1);
    let inserted = match (language, kind) {
        (_, 0) => "",
        (Language::Shell, 1) => "docker login -u ci -p Xq7vR2mLp9Wz\n",
        (Language::Shell, 2) => "echo one; echo two | tee x\n",
        (Language::PowerShell, 1) => {
            "Invoke-RestMethod -Headers @{ Authorization = 'Bearer Xq7vR2mLp9Wz' }\n"
        }
        (Language::PowerShell, 2) => "Write-Host one; Write-Host two\n",
        _ => "\n",
    };
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i == at {
            if kind == 0 {
                continue;
            }
            out.push_str(inserted);
        }
        out.push_str(line);
    }
    if at == lines.len() && kind != 0 {
        out.push_str(inserted);
    }
    out
}
