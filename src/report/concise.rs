//! `concise`: one line per finding, for editors' problem matchers and grep.
//!
//! ```text
//! broken.sh: error: invalid UTF-8 at byte offset 3
//! deploy/publish.sh:3:46: CL001 [secret-in-argument] PyPI token passed to `twine upload --password`
//! ```

use std::io::{self, Write};

use crate::finding::FileResult;

use super::{Redactor, position};

pub(super) fn render(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    let redactor = Redactor::new(results);
    for result in results {
        let path = result.path.display();
        for note in &result.notes {
            writeln!(
                out,
                "{path}: {}: {}",
                note.severity.as_str(),
                one_line(&redactor.text(&note.message))
            )?;
        }
        for finding in &result.findings {
            let (line, col) = position(result.source.as_ref(), finding.span.start);
            writeln!(
                out,
                "{path}:{line}:{col}: {} [{}] {}",
                finding.code,
                finding.name,
                one_line(&redactor.text(&finding.message))
            )?;
        }
    }
    Ok(())
}

/// Keeps one finding on one line.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::test_support::*;

    #[test]
    fn one_line_per_finding_and_note() {
        let out = render_to_string(Format::Concise, &results());
        assert_no_secret(&out);
        assert_eq!(
            out,
            "broken.sh: error: invalid UTF-8 at byte offset 3\n\
             deploy/publish.sh:3:46: CL001 [secret-in-argument] PyPI token passed to `twine upload --password`\n\
             scripts/login.ps1:1:28: CL002 [hardcoded-password-variable] password assigned to `$pass`, then passed to `Connect-Thing -Password`\n"
        );
    }

    #[test]
    fn multi_line_messages_stay_on_one_line_and_masked() {
        let mut results = results();
        results[2].findings[0].message = format!("bad\npassword {PASSWORD}");
        let out = render_to_string(Format::Concise, &results);
        assert_no_secret(&out);
        assert!(out.contains(
            "scripts/login.ps1:1:28: CL002 [hardcoded-password-variable] bad password Xy9*********\n"
        ));
    }
}
