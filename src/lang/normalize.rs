//! Language-neutral command-name normalisation: paths and extensions stripped, wrappers
//! (`sudo`, `env`, `exec`, `nohup`, `time`, `python -m`, `Start-Process -FilePath`) unwrapped,
//! PowerShell aliases resolved. Runs on every command after lowering.

use crate::model::{Arg, Assignment, AssignmentScope, Command, Language, Script, Value};

/// The bare, lower-cased command name: `C:\Tools\NuGet.exe` → `nuget`, `/usr/bin/docker` → `docker`.
pub fn base_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let lower = base.to_ascii_lowercase();
    for ext in [".exe", ".cmd", ".bat", ".com", ".ps1", ".sh", ".py"] {
        if let Some(stripped) = lower.strip_suffix(ext)
            && !stripped.is_empty()
        {
            return stripped.to_owned();
        }
    }
    lower
}

/// The program as a person names it: path and `.exe` stripped, case kept
/// (`C:\Tools\NuGet.exe` → `NuGet`, `ConvertTo-SecureString`).
pub fn display_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let lower = base.to_ascii_lowercase();
    for ext in [".exe", ".cmd", ".bat", ".com"] {
        if lower.ends_with(ext) && base.len() > ext.len() {
            return base[..base.len() - ext.len()].to_owned();
        }
    }
    base.to_owned()
}

fn powershell_alias(name: &str) -> Option<&'static str> {
    Some(match name {
        "iwr" => "invoke-webrequest",
        "irm" => "invoke-restmethod",
        "iex" => "invoke-expression",
        "saps" | "start" => "start-process",
        "ac" => "add-content",
        "sc" => "set-content",
        "epal" => "export-alias",
        "write" => "write-output",
        "icm" => "invoke-command",
        _ => return None,
    })
}

/// Flags of wrappers that take a value (so the wrapped command is found after them).
fn wrapper_value_flags(wrapper: &str) -> &'static [&'static str] {
    match wrapper {
        "sudo" | "doas" => &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"],
        "env" => &["-u", "--unset", "-C", "--chdir", "-S"],
        "nice" => &["-n", "--adjustment"],
        "timeout" => &["-s", "--signal", "-k", "--kill-after"],
        "stdbuf" => &["-i", "-o", "-e"],
        "ionice" => &["-c", "-n", "-p"],
        "runuser" | "su" => &["-u", "-g", "-c"],
        _ => &[],
    }
}

fn is_python(name: &str) -> bool {
    name == "py"
        || name == "python"
        || name
            .strip_prefix("python")
            .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Normalises every command of `script` in place; `env NAME=value cmd` prefixes become
/// command-prefix assignments.
pub fn normalize(script: &mut Script, language: Language) {
    let resolved: Vec<Option<String>> = script
        .commands
        .iter()
        .map(|c| resolve_variable_name(script, c))
        .collect();
    let mut extra_assignments = Vec::new();
    for (cmd, resolved) in script.commands.iter_mut().zip(resolved) {
        if let Some(program) = resolved {
            cmd.wrappers.push(cmd.raw_name.clone());
            cmd.raw_name = program;
        }
        normalize_command(cmd, language, &mut extra_assignments);
    }
    script.assignments.extend(extra_assignments);
}

/// `& $nuget push …` / `"$DOCKER" login …`: the program a variable names, from its assignment
/// (`$nuget = Join-Path $root 'tools\nuget.exe'`, `DOCKER=/usr/bin/docker`), else from the
/// variable's own name when that is a program name (`$twine`).
fn resolve_variable_name(script: &Script, cmd: &Command) -> Option<String> {
    let var = cmd
        .raw_name
        .trim_start_matches('$')
        .trim_start_matches('{')
        .trim_end_matches('}');
    if !cmd.raw_name.starts_with('$')
        || var.is_empty()
        || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    let assigned = script
        .assignments
        .iter()
        .filter(|a| a.target.eq_ignore_ascii_case(var))
        .find_map(|a| {
            let text = match a.value.command.and_then(|i| script.commands.get(i)) {
                // `Join-Path $dir 'nuget.exe'`: the last word names the program.
                Some(inner) => inner.positionals().last()?.text.clone(),
                None => a.value.text.clone(),
            };
            program_in(&text).map(str::to_owned)
        });
    assigned.or_else(|| Some(var.to_ascii_lowercase()))
}

/// The program a value that names one names: its last path component (`'C:\tools\nuget.exe'`
/// → `nuget.exe`), when that looks like a program's file name.
pub fn program_in(value: &str) -> Option<&str> {
    let program = value.trim_matches(['"', '\'']).rsplit(['/', '\\']).next()?;
    let looks_like_program = !program.contains(['$', ' ', '(', '@'])
        && program
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic());
    looks_like_program.then_some(program)
}

fn normalize_command(cmd: &mut Command, language: Language, assignments: &mut Vec<Assignment>) {
    cmd.name = base_name(&cmd.raw_name);
    // Aliases apply to the bare word only: `sc` is Set-Content, `sc.exe` is the service tool.
    if language == Language::PowerShell
        && cmd.raw_name.eq_ignore_ascii_case(&cmd.name)
        && let Some(alias) = powershell_alias(&cmd.name)
    {
        cmd.name = alias.to_owned();
    }
    // Unwrap repeatedly: `sudo env X=1 python3 -m twine upload`.
    for _ in 0..8 {
        if !unwrap_once(cmd, language, assignments) {
            break;
        }
    }
}

/// Commands that run the command their arguments name (`sudo twine upload …`).
const PREFIX_WRAPPERS: &[&str] = &[
    "sudo",
    "doas",
    "env",
    "exec",
    "nohup",
    "time",
    "command",
    "builtin",
    "nice",
    "timeout",
    "stdbuf",
    "setsid",
    "ionice",
    "chronic",
    "xargs",
    "caffeinate",
];

/// True when the (normalised) program `name` runs another command that normalisation
/// unwraps: `sudo`, `env`, `python -m`, `Start-Process` ….
pub fn runs_other_commands(name: &str) -> bool {
    PREFIX_WRAPPERS.contains(&name) || is_python(name) || name == "start-process"
}

/// Replaces the command's name with the wrapped command, if it is a wrapper. Returns true
/// when something was unwrapped.
fn unwrap_once(cmd: &mut Command, language: Language, assignments: &mut Vec<Assignment>) -> bool {
    let name = cmd.name.clone();
    match name.as_str() {
        n if PREFIX_WRAPPERS.contains(&n) => {
            if name == "command"
                && cmd
                    .args
                    .iter()
                    .any(|a| matches!(a, Arg::Flag { name, .. } if name == "-v" || name == "-V"))
            {
                return false;
            }
            let value_flags = wrapper_value_flags(&name);
            let mut i = 0;
            let mut skip_duration = name == "timeout";
            while i < cmd.args.len() {
                match &cmd.args[i] {
                    Arg::Flag {
                        name: flag, value, ..
                    } => {
                        if flag == "--" {
                            i += 1;
                            break;
                        }
                        let takes = value.is_none() && value_flags.contains(&flag.as_str());
                        i += if takes { 2 } else { 1 };
                    }
                    Arg::Positional(v) => {
                        if name == "env"
                            && let Some(eq) = v.text.find('=')
                            && eq > 0
                            && v.text[..eq]
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                        {
                            assignments.push(env_prefix_assignment(cmd, v, eq));
                            i += 1;
                            continue;
                        }
                        if skip_duration {
                            skip_duration = false;
                            i += 1;
                            continue;
                        }
                        break;
                    }
                    Arg::Splat { .. } => return false,
                }
            }
            take_name_from(cmd, i, &name)
        }
        n if is_python(n) => {
            // `python -m twine upload` → `twine upload`.
            let pos = cmd.args.iter().position(
                |a| matches!(a, Arg::Flag { name, value, .. } if name == "-m" && value.is_none()),
            );
            match pos {
                Some(p) if p + 1 < cmd.args.len() => take_name_from(cmd, p + 1, &name),
                _ => false,
            }
        }
        "start-process" if language == Language::PowerShell => unwrap_start_process(cmd),
        _ => false,
    }
}

fn env_prefix_assignment(cmd: &Command, v: &Value, eq: usize) -> Assignment {
    let value = crate::catalog::sub_value(v, eq + 1..v.text.len());
    Assignment {
        target: v.text[..eq].to_owned(),
        target_span: v.span.start..v.span.start + eq,
        scope: AssignmentScope::CommandPrefix,
        value,
        span: v.span.clone(),
        statement_span: cmd.statement_span.clone(),
        scope_span: cmd.scope.clone(),
        fallback: false,
    }
}

/// Makes `cmd.args[i]` the command name and drops everything before it.
fn take_name_from(cmd: &mut Command, i: usize, wrapper: &str) -> bool {
    let Some(Arg::Positional(v)) = cmd.args.get(i).cloned() else {
        return false;
    };
    cmd.wrappers.push(wrapper.to_owned());
    cmd.raw_name = v.text.clone();
    cmd.name = base_name(&v.text);
    cmd.name_span = v.span.clone();
    cmd.args.drain(..=i);
    true
}

/// `Start-Process -FilePath twine -ArgumentList 'upload','--password','x'`.
fn unwrap_start_process(cmd: &mut Command) -> bool {
    let mut file = None;
    let mut list = None;
    let mut positionals = Vec::new();
    let mut i = 0;
    while i < cmd.args.len() {
        match &cmd.args[i] {
            Arg::Flag { name, value, .. } => {
                let lower = name.to_ascii_lowercase();
                let value = value.clone().or_else(|| match cmd.args.get(i + 1) {
                    Some(Arg::Positional(v)) => {
                        i += 1;
                        Some(v.clone())
                    }
                    _ => None,
                });
                if "-filepath".starts_with(&lower) && lower.len() >= 2 {
                    file = value;
                } else if "-argumentlist".starts_with(&lower) && lower.len() >= 2
                    || lower == "-args"
                {
                    list = value;
                }
            }
            Arg::Positional(v) => positionals.push(v.clone()),
            Arg::Splat { .. } => {}
        }
        i += 1;
    }
    let mut positionals = positionals.into_iter();
    let Some(file) = file.or_else(|| positionals.next()) else {
        return false;
    };
    let list = list.or_else(|| positionals.next());
    cmd.wrappers.push("start-process".into());
    cmd.raw_name = file.text.clone();
    cmd.name = base_name(&file.text);
    cmd.name_span = file.span.clone();
    cmd.args = match list {
        Some(v) if !v.elements.is_empty() => v.elements.iter().map(word_to_arg).collect(),
        Some(v) => split_words(&v).iter().map(word_to_arg).collect(),
        None => Vec::new(),
    };
    true
}

/// A word from an argument list string becomes a flag when it looks like one.
fn word_to_arg(v: &Value) -> Arg {
    if v.kind != crate::model::ValueKind::Dynamic && v.text.starts_with('-') && v.text.len() > 1 {
        if let Some(eq) = v.text.find('=').filter(|_| v.text.starts_with("--")) {
            return Arg::Flag {
                name: v.text[..eq].to_owned(),
                name_span: v.source_range(0..eq),
                value: Some(crate::catalog::sub_value(v, eq + 1..v.text.len())),
                glued: true,
            };
        }
        return Arg::Flag {
            name: v.text.clone(),
            name_span: v.span.clone(),
            value: None,
            glued: false,
        };
    }
    Arg::Positional(v.clone())
}

/// Splits a command-line string on whitespace (quotes inside keep words together).
pub fn split_words(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let text = &v.text;
    let mut start = None;
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            (None, c) if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    out.push(unquote(crate::catalog::sub_value(v, s..i)));
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        out.push(unquote(crate::catalog::sub_value(v, s..text.len())));
    }
    out
}

/// Strips one level of matching quotes from a word split out of a string.
fn unquote(v: Value) -> Value {
    let t = &v.text;
    if t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')))
    {
        let inner = crate::catalog::sub_value(&v, 1..t.len() - 1);
        return Value {
            quoting: if t.starts_with('\'') {
                crate::model::Quoting::Single
            } else {
                crate::model::Quoting::Double
            },
            ..inner
        };
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_names() {
        assert_eq!(base_name(r"C:\Tools\NuGet.exe"), "nuget");
        assert_eq!(base_name("/usr/local/bin/docker"), "docker");
        assert_eq!(base_name("sc.exe"), "sc");
        assert_eq!(base_name("./gradlew"), "gradlew");
        assert_eq!(base_name("python3.11"), "python3.11");
        assert!(is_python("python3.11"));
        assert!(is_python("py"));
        assert!(!is_python("pytest"));
    }
}
