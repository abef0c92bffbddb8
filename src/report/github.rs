//! `github`: GitHub Actions workflow commands, one annotation per finding and file note, and
//! [`github_step_summary`] for `$GITHUB_STEP_SUMMARY`.
//!
//! ```text
//! ::error file=deploy/publish.sh,line=3,endLine=3,col=46,endColumn=121,title=CL001 secret-in-argument::PyPI token passed to `twine upload --password`. help: use `--password "$TWINE_PASSWORD"`
//! ```
//!
//! Columns count Unicode scalar values; `endColumn` is exclusive, as in SARIF regions.

use std::io::{self, Write};

use crate::finding::{FileResult, Severity};

use super::{Redactor, ReportContext, Summary, position, slash_path};

pub(super) fn render(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    let redactor = Redactor::new(results);
    for result in results {
        let file = escape_property(&slash_path(&result.path));
        for note in &result.notes {
            writeln!(
                out,
                "::{} file={file}::{}",
                command(note.severity),
                escape_data(&redactor.text(&note.message))
            )?;
        }
        for finding in &result.findings {
            let source = result.source.as_ref();
            let (line, col) = position(source, finding.span.start);
            let (end_line, end_col) = position(source, finding.span.end);
            let title = escape_property(&format!("{} {}", finding.code, finding.name));
            let mut message = redactor.text(&finding.message);
            if let Some(help) = &finding.help {
                if !message.ends_with(['.', '!', '?']) {
                    message.push('.');
                }
                message.push_str(" help: ");
                message.push_str(&redactor.text(help));
            }
            writeln!(
                out,
                "::{} file={file},line={line},endLine={end_line},col={col},endColumn={end_col},title={title}::{}",
                command(finding.severity),
                escape_data(&message)
            )?;
        }
    }
    Ok(())
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// Escapes a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A Markdown report for `$GITHUB_STEP_SUMMARY`: a heading, the summary sentence and a table of
/// findings (file, line, rule, message, environment variable). The CLI appends it to the file.
pub fn github_step_summary(results: &[FileResult], ctx: &ReportContext) -> String {
    let redactor = Redactor::new(results);
    let summary = Summary::of(results, ctx);
    let mut md = format!("### credlint\n\n{}\n", summary.sentence());
    if summary.findings > 0 {
        md.push_str("\n| File | Line | Rule | Message | Env var |\n|---|---:|---|---|---|\n");
        for result in results {
            let file = cell(&slash_path(&result.path));
            for f in &result.findings {
                let (line, _) = position(result.source.as_ref(), f.span.start);
                let env = f
                    .env_var
                    .as_deref()
                    .map(|e| format!("`{}`", cell(&redactor.text(e))))
                    .unwrap_or_default();
                md.push_str(&format!(
                    "| `{file}` | {line} | {} `{}` | {} | {env} |\n",
                    f.code,
                    f.name,
                    cell(&redactor.text(&f.message)),
                ));
            }
        }
    }
    let notes: Vec<_> = results
        .iter()
        .flat_map(|r| r.notes.iter().map(move |n| (r, n)))
        .collect();
    if !notes.is_empty() {
        md.push('\n');
        for (r, n) in notes {
            md.push_str(&format!(
                "- **{}** `{}`: {}\n",
                n.severity.as_str(),
                cell(&slash_path(&r.path)),
                cell(&redactor.text(&n.message))
            ));
        }
    }
    md
}

/// Keeps text inside one Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::Format;
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn annotations_per_finding_and_note() {
        let out = render_to_string(Format::Github, &results());
        assert_no_secret(&out);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            [
                "::error file=broken.sh::invalid UTF-8 at byte offset 3",
                &format!(
                    "::error file=deploy/publish.sh,line=3,endLine=3,col=46,endColumn={},title=CL001 secret-in-argument::PyPI token passed to `twine upload --password`. help: use `--password \"$TWINE_PASSWORD\"`",
                    46 + PYPI.len()
                ),
                "::warning file=scripts/login.ps1,line=1,endLine=1,col=28,endColumn=40,title=CL002 hardcoded-password-variable::password assigned to `$pass`, then passed to `Connect-Thing -Password`. help: use `$pass = $env:CONNECT_PASSWORD`",
            ]
        );
    }

    #[test]
    fn escapes_properties_and_messages() {
        let mut results = results();
        results[2].path = PathBuf::from("odd:dir,x/100%.ps1");
        results[2].findings[0].severity = Severity::Note;
        results[2].findings[0].message = "50% sure\r\nsecond: line, really".into();
        results[2].findings[0].help = None;
        let out = render_to_string(Format::Github, &results);
        assert_no_secret(&out);
        assert_eq!(
            out.lines().last().unwrap(),
            "::notice file=odd%3Adir%2Cx/100%25.ps1,line=1,endLine=1,col=28,endColumn=40,title=CL002 hardcoded-password-variable::50%25 sure%0D%0Asecond: line, really"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn step_summary_table() {
        let mut results = results();
        results[2].findings[0].message = format!("a | b {PASSWORD}");
        let md = github_step_summary(&results, &ctx());
        assert_no_secret(&md);
        assert_eq!(
            md,
            "### credlint\n\n\
             Found 2 credentials in 2 files (1 fixable with --fix, 1 with --unsafe-fixes). 1 file could not be checked.\n\n\
             | File | Line | Rule | Message | Env var |\n|---|---:|---|---|---|\n\
             | `deploy/publish.sh` | 3 | CL001 `secret-in-argument` | PyPI token passed to `twine upload --password` | `TWINE_PASSWORD` |\n\
             | `scripts/login.ps1` | 1 | CL002 `hardcoded-password-variable` | a \\| b Xy9********* | `CONNECT_PASSWORD` |\n\
             \n- **error** `broken.sh`: invalid UTF-8 at byte offset 3\n"
        );
        let clean = github_step_summary(&[], &ctx());
        assert_eq!(
            clean,
            "### credlint\n\nNo hardcoded credentials found in 4 files.\n"
        );
    }
}
