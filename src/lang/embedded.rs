//! Scripts inside strings: `bash -c "…"`, `sh -c '…'`, `cmd /c "…"`, `pwsh -Command "…"`,
//! `Invoke-Expression "…"`. The string's source text is parsed as a script of its own and its
//! model is merged into the outer one, spans shifted, so rules see the commands inside.

use std::time::Duration;

use crate::model::{Arg, Command, Language, Script, Span, Value, ValueKind};

/// How deep strings inside strings are followed.
const MAX_DEPTH: usize = 3;

/// The script text a command runs from a string, with its language and source offset.
fn embedded_source(cmd: &Command, text: &str) -> Option<(Language, usize, usize)> {
    let (language, value) = match cmd.name.as_str() {
        "bash" | "sh" | "dash" | "zsh" | "ksh" | "ash" => {
            (Language::Shell, flag_value(cmd, &["-c"])?)
        }
        // cmd.exe lines are closer to PowerShell's native-command syntax than to bash's:
        // backslashes are path separators, not escapes.
        "cmd" => (Language::PowerShell, windows_command(cmd)?),
        "pwsh" | "powershell" => (
            Language::PowerShell,
            flag_value(cmd, &["-c", "-command", "-Command", "-C"])?,
        ),
        "invoke-expression" => (
            Language::PowerShell,
            flag_value(cmd, &["-Command", "-command"]).or_else(|| cmd.positionals().next())?,
        ),
        _ => return None,
    };
    if value.kind == ValueKind::Dynamic || value.text.is_empty() {
        return None;
    }
    // Parse the source between the quotes, so spans map back one to one.
    let (start, end) = content_span(value, text)?;
    Some((language, start, end))
}

fn flag_value<'c>(cmd: &'c Command, names: &[&str]) -> Option<&'c Value> {
    let mut args = cmd.args.iter();
    while let Some(arg) = args.next() {
        if let Arg::Flag { name, value, .. } = arg
            && names.contains(&name.as_str())
        {
            return match value {
                Some(v) => Some(v),
                None => match args.next() {
                    Some(Arg::Positional(v)) => Some(v),
                    _ => None,
                },
            };
        }
    }
    None
}

/// `cmd /c "…"` / `cmd.exe /S /C …`: the words after `/c`.
fn windows_command(cmd: &Command) -> Option<&Value> {
    let mut seen = false;
    for v in cmd.positionals() {
        if seen {
            return Some(v);
        }
        if v.text.eq_ignore_ascii_case("/c") || v.text.eq_ignore_ascii_case("/k") {
            seen = true;
        }
    }
    None
}

/// The source range inside the value's quotes.
fn content_span(value: &Value, text: &str) -> Option<(usize, usize)> {
    let src = text.get(value.span.clone())?;
    let (open, close) = match src.as_bytes().first()? {
        b'"' | b'\'' if src.len() >= 2 => (1, 1),
        _ => (0, 0),
    };
    Some((value.span.start + open, value.span.end - close))
}

/// Parses every embedded script of `script` and merges it in.
pub fn merge_embedded(script: &mut Script, text: &str, budget: Duration, depth: usize) {
    if depth >= MAX_DEPTH {
        return;
    }
    let sources: Vec<(Language, usize, usize, Span, Span)> = script
        .commands
        .iter()
        .filter_map(|c| {
            let (l, s, e) = embedded_source(c, text)?;
            Some((l, s, e, c.statement_span.clone(), c.scope.clone()))
        })
        .collect();
    for (language, start, end, statement, scope) in sources {
        let Some(inner_text) = text.get(start..end) else {
            continue;
        };
        let Ok(tree) = super::parse_tree(language, inner_text, budget) else {
            continue;
        };
        let mut inner = super::lower(language, &tree, inner_text);
        merge_embedded(&mut inner, inner_text, budget, depth + 1);
        shift(&mut inner, start, &statement, &scope);
        append(script, inner);
    }
}

/// Moves `inner`'s spans by `offset` bytes; its statements become the outer command's
/// statement (a guard goes before `bash -c …`).
fn shift(inner: &mut Script, offset: usize, statement: &Span, scope: &Span) {
    super::units::map_spans(inner, &mut |s, _| *s = s.start + offset..s.end + offset);
    for c in &mut inner.commands {
        c.statement_span = statement.clone();
        c.scope = scope.clone();
    }
    for a in &mut inner.assignments {
        a.statement_span = statement.clone();
        a.scope_span = scope.clone();
    }
    for i in &mut inner.invocations {
        i.statement_span = statement.clone();
        i.scope = scope.clone();
    }
}

/// Appends `inner` (its indices moved past `outer`'s items). Syntax errors inside a string
/// are not the outer script's errors, and its header is not the script's.
fn append(outer: &mut Script, mut inner: Script) {
    inner.errors.clear();
    inner.header_end = 0;
    super::units::append_script(outer, inner);
}

#[cfg(test)]
mod tests {
    use crate::lang::{DEFAULT_PARSE_BUDGET, parse};
    use crate::model::Language;

    #[test]
    fn commands_inside_bash_c_are_lowered_with_source_spans() {
        let text = "sudo bash -c 'docker login -u bot -p Kp3xQw9Lm2Z reg.io'\n";
        let s = parse(Language::Shell, text, DEFAULT_PARSE_BUDGET).unwrap();
        let docker = s.commands.iter().find(|c| c.name == "docker").unwrap();
        let last = docker.positionals().last().unwrap();
        assert_eq!(&text[last.span.clone()], "reg.io");
        assert_eq!(docker.statement_span, 0..text.len() - 1);
    }

    #[test]
    fn invoke_expression_and_cmd_c_are_followed() {
        let text = "Invoke-Expression \"twine upload -p abc dist/*\"\ncmd /c \"net use Z: \\\\srv\\s pw1 /user:x\"\n";
        let s = parse(Language::PowerShell, text, DEFAULT_PARSE_BUDGET).unwrap();
        assert!(s.commands.iter().any(|c| c.name == "twine"));
        let net = s.commands.iter().find(|c| c.name == "net").unwrap();
        assert_eq!(&text[net.name_span.clone()], "net");
    }
}
