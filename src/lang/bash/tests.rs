use super::*;
use crate::lang::{DEFAULT_PARSE_BUDGET, parse_tree};
use crate::model::{Part, PartKind};

/// The adapter's own output, before the shared name normalisation.
fn lower_text(text: &str) -> Script {
    let tree = parse_tree(Language::Shell, text, DEFAULT_PARSE_BUDGET).expect("parses");
    crate::lang::bash::lower(&tree, text)
}

fn command<'s>(script: &'s Script, name: &str) -> &'s Command {
    script
        .commands
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no command {name} in {:#?}", script.commands))
}

fn positional(arg: &Arg) -> &Value {
    match arg {
        Arg::Positional(v) => v,
        other => panic!("not positional: {other:?}"),
    }
}

/// The value of the single argument of `echo <word>`.
fn word(source: &str) -> (String, Value) {
    let text = format!("echo {source}\n");
    let script = lower_text(&text);
    let value = positional(&command(&script, "echo").args[0]).clone();
    (text, value)
}

fn variable(part: &Part) -> Option<&str> {
    match &part.kind {
        PartKind::Dynamic { variable, .. } => variable.as_deref(),
        PartKind::Static => None,
    }
}

#[test]
fn walk_finds_the_nodes() {
    let text = "# c\nX=1 a x | b > f\nexport Y=2\nf() { if [ -z \"$Z\" ]; then Z=3; fi; }\n\
                for i in 1; do c; done\n( d )\ncase x in y) e;; esac\n[ -n \"$W\" ] || W=4\n";
    let tree = parse_tree(Language::Shell, text, DEFAULT_PARSE_BUDGET).unwrap();
    let found = Found::collect(tree.root_node(), text);
    assert_eq!(found.commands.len(), 5);
    assert_eq!(found.redirected.len(), 1);
    assert_eq!(found.pipelines.len(), 1);
    assert_eq!(found.declarations.len(), 1);
    assert_eq!(found.assignments.len(), 4);
    assert_eq!(found.comments.len(), 1);
    assert!(!found.words.is_empty());
    assert_eq!(found.conditionals.len(), 2);
    let contexts = Contexts::new(found.intervals.clone());
    let statements: Vec<&str> = contexts
        .intervals
        .iter()
        .map(|(s, _)| &text[s.clone()])
        .collect();
    for expected in ["Z=3", "c", "d", "e", "export Y=2", "( d )"] {
        assert!(
            statements.contains(&expected),
            "{expected} in {statements:?}"
        );
    }
    let script = lower_text(text);
    let fallbacks: Vec<&str> = script
        .assignments
        .iter()
        .filter(|a| a.fallback)
        .map(|a| a.target.as_str())
        .collect();
    assert_eq!(fallbacks, ["Z", "W"]);
}

#[test]
fn values() {
    use Quoting::*;
    use ValueKind::*;
    // (source, text, kind, quoting)
    let cases = [
        ("abc", "abc", Literal, Bare),
        ("'a b'", "a b", Literal, Single),
        ("\"a\\\"b\"", "a\"b", Literal, Double),
        ("\"a\\nb\"", "a\\nb", Literal, Double),
        ("a\\ b", "a b", Literal, Bare),
        ("$'a\\nb'", "a\nb", Literal, AnsiC),
        ("x\"y\"'z'", "xyz", Literal, Concatenated),
        ("\"$X\"", "$X", Dynamic, Double),
        ("\"${X}\"", "${X}", Dynamic, Double),
        ("$X", "$X", Dynamic, Bare),
        ("\"Bearer $T\"", "Bearer $T", Mixed, Double),
        ("user:$PASS", "user:$PASS", Mixed, Bare),
        ("$1", "$1", Dynamic, Bare),
        ("\"$@\"", "$@", Dynamic, Double),
        ("$((1+2))", "$((1+2))", Dynamic, Bare),
        ("''", "", Literal, Single),
    ];
    for (source, text, kind, quoting) in cases {
        let (full, value) = word(source);
        assert_eq!(value.text, text, "{source}");
        assert_eq!(value.kind, kind, "{source}");
        assert_eq!(value.quoting, quoting, "{source}");
        assert_eq!(&full[value.span.clone()], source, "{source}");
        for part in &value.parts {
            if part.verbatim {
                assert_eq!(
                    &full[part.span.clone()],
                    &value.text[part.text_range.clone()]
                );
            }
        }
    }
}

#[test]
fn dynamic_parts() {
    let (text, v) = word("\"Bearer $T\"");
    assert_eq!(v.parts.len(), 2);
    assert_eq!(v.parts[0].kind, PartKind::Static);
    assert_eq!(&v.text[v.parts[0].text_range.clone()], "Bearer ");
    assert_eq!(&text[v.parts[0].span.clone()], "Bearer ");
    assert_eq!(variable(&v.parts[1]), Some("T"));
    assert_eq!(&text[v.parts[1].span.clone()], "$T");

    let (_, v) = word("\"$X\"");
    assert_eq!(v.sole_variable(), Some("X"));
    let (text, v) = word("\"a ${X} b\"");
    assert_eq!(variable(&v.parts[1]), Some("X"));
    assert_eq!(&text[v.parts[1].span.clone()], "${X}");

    let (text, v) = word("user:$PASS");
    assert!(v.is_static_range(0..5));
    assert!(!v.is_static_range(4..6));
    assert_eq!(&text[v.source_range(0..4)], "user");

    let (_, v) = word("${#X}");
    assert_eq!(variable(&v.parts[0]), None);
}

#[test]
fn parameter_defaults() {
    for (source, default) in [
        ("\"${PASS:-hunter2}\"", Some("hunter2")),
        ("${PASS-hunter2}", Some("hunter2")),
        ("${PASS:=hunter2}", Some("hunter2")),
        ("${PASS:-'hunter2'}", Some("hunter2")),
        ("${PASS:-$OTHER}", None),
        ("${PASS:-}", None),
        ("${PASS:+x}", None),
    ] {
        let (text, v) = word(source);
        assert_eq!(v.kind, ValueKind::Dynamic, "{source}");
        let PartKind::Dynamic {
            variable,
            default: d,
            env,
            ..
        } = &v.parts[0].kind
        else {
            panic!("{source}: static part");
        };
        assert!(!env);
        let expected_var = (!source.contains(":+")).then_some("PASS");
        assert_eq!(variable.as_deref(), expected_var, "{source}");
        assert_eq!(d.as_ref().map(|d| d.text.as_str()), default, "{source}");
        if let Some(d) = d {
            assert_eq!(text[d.span.clone()].trim_matches('\''), "hunter2");
            assert_eq!(d.kind, ValueKind::Literal);
        }
    }
}

#[test]
fn command_substitution() {
    let text = "export X=$(vault kv get -field=x y)\n";
    let script = lower_text(text);
    let vault = command(&script, "vault");
    let field = &vault.args[2];
    assert!(matches!(field, Arg::Flag { name, glued: true, .. } if name == "-field"));
    let x = &script.assignments[0];
    assert_eq!(x.target, "X");
    assert_eq!(x.scope, AssignmentScope::Export);
    assert_eq!(x.value.kind, ValueKind::Dynamic);
    assert_eq!(x.value.command, Some(0));
    assert_eq!(script.commands[0].name, "vault");
    assert_eq!(variable(&x.value.parts[0]), None);
    // The guard goes before the export statement.
    assert_eq!(
        &text[vault.statement_span.clone()],
        "export X=$(vault kv get -field=x y)"
    );

    let script = lower_text("a \"$(b | c)\" `d`\n");
    let a = command(&script, "a");
    assert_eq!(positional(&a.args[0]).command, Some(2));
    assert_eq!(script.commands[2].name, "c");
    assert_eq!(positional(&a.args[1]).command, Some(3));
}

#[test]
fn args_and_flags() {
    let text =
        "twine upload --password pypi-AgEIabc --password=abc --token=\"$X\" -pSECRET -p - -- -u=\n";
    let script = lower_text(text);
    let twine = command(&script, "twine");
    assert_eq!(twine.raw_name, "twine");
    let args = &twine.args;
    assert_eq!(positional(&args[0]).text, "upload");
    assert!(
        matches!(&args[1], Arg::Flag { name, value: None, glued: false, name_span } if name == "--password" && &text[name_span.clone()] == "--password")
    );
    assert_eq!(positional(&args[2]).text, "pypi-AgEIabc");
    let Arg::Flag {
        name,
        name_span,
        value: Some(v),
        glued: true,
    } = &args[3]
    else {
        panic!("{:?}", args[3]);
    };
    assert_eq!(name, "--password");
    assert_eq!(&text[name_span.clone()], "--password");
    assert_eq!(
        (v.text.as_str(), v.kind, v.quoting),
        ("abc", ValueKind::Literal, Quoting::Bare)
    );
    assert_eq!(&text[v.span.clone()], "abc");
    assert_eq!(&text[v.parts[0].span.clone()], "abc");
    let Arg::Flag {
        name,
        value: Some(v),
        glued: true,
        ..
    } = &args[4]
    else {
        panic!("{:?}", args[4]);
    };
    assert_eq!(name, "--token");
    assert_eq!(
        (v.kind, v.quoting, v.sole_variable()),
        (ValueKind::Dynamic, Quoting::Double, Some("X"))
    );
    assert_eq!(&text[v.span.clone()], "\"$X\"");
    assert!(
        matches!(&args[5], Arg::Flag { name, value: None, glued: false, .. } if name == "-pSECRET")
    );
    assert!(matches!(&args[6], Arg::Flag { name, value: None, .. } if name == "-p"));
    assert_eq!(positional(&args[7]).text, "-");
    assert_eq!(positional(&args[8]).text, "--");
    let Arg::Flag {
        name,
        value: Some(v),
        ..
    } = &args[9]
    else {
        panic!("{:?}", args[9]);
    };
    assert_eq!((name.as_str(), v.text.as_str()), ("-u", ""));
}

#[test]
fn command_names() {
    let text = "sudo docker login -u x -p y\n/usr/bin/Docker ps\n$CMD arg\n";
    let script = lower_text(text);
    let names: Vec<(&str, &str)> = script
        .commands
        .iter()
        .map(|c| (c.raw_name.as_str(), c.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("sudo", "sudo"),
            ("/usr/bin/Docker", "/usr/bin/docker"),
            ("$CMD", "$cmd")
        ]
    );
    let sudo = &script.commands[0];
    assert_eq!(positional(&sudo.args[0]).text, "docker");
    assert_eq!(sudo.args.len(), 6);
    assert_eq!(&text[sudo.name_span.clone()], "sudo");
    assert!(sudo.wrappers.is_empty());
}

#[test]
fn assignments() {
    let text = "X=abc cmd\nexport API_TOKEN=abc\nf() {\n  local pass='x'\n}\ndeclare -x D=1\nreadonly R=2\nplain=\"v\"\n";
    let script = lower_text(text);
    let got: Vec<(&str, AssignmentScope, &str)> = script
        .assignments
        .iter()
        .map(|a| (a.target.as_str(), a.scope, a.value.text.as_str()))
        .collect();
    use AssignmentScope::*;
    assert_eq!(
        got,
        [
            ("X", CommandPrefix, "abc"),
            ("API_TOKEN", Export, "abc"),
            ("pass", Local, "x"),
            ("D", Export, "1"),
            ("R", Local, "2"),
            ("plain", Local, "v"),
        ]
    );
    let cmd = command(&script, "cmd");
    assert!(cmd.args.is_empty());
    let pass = &script.assignments[2];
    assert_eq!(&text[pass.value.span.clone()], "'x'");
    assert_eq!(pass.value.quoting, Quoting::Single);
    assert_eq!(&text[pass.statement_span.clone()], "local pass='x'");
    assert_eq!(&text[pass.scope_span.clone()], "{\n  local pass='x'\n}");
    assert!(script.assignments.iter().all(|a| !a.fallback));
}

#[test]
fn fallback_assignments() {
    let text = ": \"${TOKEN:=abc}\"\n: ${T2:=def}\n: \"${T3:-no}\"\n[ -z \"$A\" ] && A=lit\n\
                if [ -z \"${B:-}\" ]; then\n  B=lit\nfi\n[ -z \"$C\" ] && D=other\n";
    let script = lower_text(text);
    let got: Vec<(&str, &str, bool)> = script
        .assignments
        .iter()
        .map(|a| (a.target.as_str(), a.value.text.as_str(), a.fallback))
        .collect();
    assert_eq!(
        got,
        [
            ("TOKEN", "abc", true),
            ("T2", "def", true),
            ("A", "lit", true),
            ("B", "lit", true),
            ("D", "other", false),
        ]
    );
    let token = &script.assignments[0];
    assert_eq!(&text[token.value.span.clone()], "abc");
    assert_eq!(&text[token.target_span.clone()], "TOKEN");
    assert_eq!(&text[token.statement_span.clone()], ": \"${TOKEN:=abc}\"");
}

#[test]
fn stdin_from_pipes_and_herestrings() {
    let cases = [
        ("echo 'x' | docker login --password-stdin", "x", "'x'"),
        (
            "echo -n \"$TOKEN\" | docker login --password-stdin",
            "$TOKEN",
            "\"$TOKEN\"",
        ),
        (
            "printf '%s' 'x' | docker login --password-stdin",
            "x",
            "'x'",
        ),
        (
            "printf 'x\\n' | docker login --password-stdin",
            "x",
            "'x\\n'",
        ),
        ("cat <<< 'x' | docker login --password-stdin", "x", "'x'"),
        ("docker login --password-stdin <<< 'x'", "x", "'x'"),
        ("echo x | cat | docker login --password-stdin", "x", "x"),
    ];
    for (text, stdin, span) in cases {
        let script = lower_text(text);
        let docker = command(&script, "docker");
        let value = docker.stdin.as_ref().unwrap_or_else(|| panic!("{text}"));
        assert_eq!(value.text, stdin, "{text}");
        assert_eq!(&text[value.span.clone()], span, "{text}");
        assert_eq!(&text[docker.statement_span.clone()], text, "{text}");
    }
    let script = lower_text("echo \"$TOKEN\" | docker login --password-stdin");
    let stdin = command(&script, "docker").stdin.clone().unwrap();
    assert_eq!(
        (stdin.kind, stdin.sole_variable()),
        (ValueKind::Dynamic, Some("TOKEN"))
    );
    let script = lower_text("printf '%d' 1 | docker login --password-stdin");
    assert!(command(&script, "docker").stdin.is_none());
}

#[test]
fn output_files() {
    let cases = [
        ("echo x > ~/.npmrc", "echo", vec!["~/.npmrc"]),
        ("echo x >> f 2> err", "echo", vec!["f"]),
        ("echo x | tee -a f g", "echo", vec!["f", "g"]),
        ("echo x | sudo tee /etc/x", "echo", vec!["/etc/x"]),
        ("a | b > f", "b", vec!["f"]),
        ("echo x >&2", "echo", vec![]),
    ];
    for (text, name, files) in cases {
        let script = lower_text(text);
        let got: Vec<&str> = command(&script, name)
            .output_files
            .iter()
            .map(|v| v.text.as_str())
            .collect();
        assert_eq!(got, files, "{text}");
    }
}

#[test]
fn heredocs() {
    let text = "cat > ~/.pypirc <<EOF\n[pypi]\npassword = abc\nEOF\n";
    let script = lower_text(text);
    let heredoc = &script.heredocs[0];
    assert_eq!(&text[heredoc.body.span.clone()], "[pypi]\npassword = abc\n");
    assert_eq!(heredoc.body.text, "[pypi]\npassword = abc\n");
    assert_eq!(
        (heredoc.body.quoting, heredoc.body.kind),
        (Quoting::HereDouble, ValueKind::Literal)
    );
    assert_eq!(heredoc.command, Some(0));
    let files: Vec<&str> = heredoc
        .output_files
        .iter()
        .map(|v| v.text.as_str())
        .collect();
    assert_eq!(files, ["~/.pypirc"]);
    let cat = command(&script, "cat");
    assert_eq!(cat.heredoc, Some(0));
    assert_eq!(cat.stdin.as_ref().unwrap().text, heredoc.body.text);
    assert_eq!(&text[cat.statement_span.clone()], text.trim_end());
    assert!(
        script
            .strings
            .iter()
            .any(|s| s.text.contains("password = abc"))
    );

    let text = "cat <<'EOF' > f\nx $y \\$z\nEOF\n";
    let script = lower_text(text);
    let body = &script.heredocs[0].body;
    assert_eq!(
        (body.quoting, body.kind, body.text.as_str()),
        (Quoting::HereSingle, ValueKind::Literal, "x $y \\$z\n")
    );
    assert_eq!(script.heredocs[0].output_files[0].text, "f");

    let text = "cat <<-EOF | tee -a out\n\tuser=$USER ${PASS} $(id) \\$lit\n\tEOF\n";
    let script = lower_text(text);
    let heredoc = &script.heredocs[0];
    let body = &heredoc.body;
    assert_eq!(body.kind, ValueKind::Mixed);
    let vars: Vec<Option<&str>> = body
        .parts
        .iter()
        .filter(|p| p.kind != PartKind::Static)
        .map(variable)
        .collect();
    assert_eq!(vars, [Some("USER"), Some("PASS"), None]);
    let user = body
        .parts
        .iter()
        .find(|p| variable(p) == Some("USER"))
        .unwrap();
    assert_eq!(&text[user.span.clone()], "$USER");
    assert!(body.text.ends_with(" $lit\n"));
    assert_eq!(
        &text[body.span.clone()],
        "\tuser=$USER ${PASS} $(id) \\$lit\n"
    );
    assert!(body.text.starts_with("\tuser="));
    assert_eq!(heredoc.output_files[0].text, "out");
    assert_eq!(command(&script, "tee").name_span, 13..16);

    let text = "sudo tee -a /etc/x <<EOF\nk=v\nEOF\nwhile read l; do :; done <<EOF\nhi\nEOF\n";
    let script = lower_text(text);
    assert_eq!(script.heredocs[0].output_files[0].text, "/etc/x");
    assert_eq!(script.heredocs[1].command, None);
    assert_eq!(script.heredocs[1].body.text, "hi\n");
}

#[test]
fn statements_and_scopes() {
    let text = "if cond; then\n  docker login -p x\nfi\nf() {\n  a | b\n  echo $(c)\n}\nfor i in 1; do\n  d\ndone\n";
    let script = lower_text(text);
    let slice = |s: &Span| &text[s.clone()];
    let docker = command(&script, "docker");
    assert_eq!(slice(&docker.statement_span), "docker login -p x");
    assert_eq!(slice(&docker.scope), "then\n  docker login -p x\n");
    let cond = command(&script, "cond");
    assert_eq!(
        slice(&cond.statement_span),
        "if cond; then\n  docker login -p x\nfi"
    );
    assert_eq!(cond.scope, 0..text.len());
    for name in ["a", "b"] {
        let c = command(&script, name);
        assert_eq!(slice(&c.statement_span), "a | b");
        assert_eq!(slice(&c.scope), "{\n  a | b\n  echo $(c)\n}");
    }
    assert_eq!(slice(&command(&script, "c").statement_span), "echo $(c)");
    let d = command(&script, "d");
    assert_eq!(slice(&d.statement_span), "d");
    assert_eq!(slice(&d.scope), "do\n  d\ndone");
}

#[test]
fn crlf_spans_exclude_cr() {
    let text = "# note\r\nif x; then\r\n  docker login -p \"a\"\r\nfi\r\nY=z\r\n";
    let script = lower_text(text);
    let docker = command(&script, "docker");
    assert_eq!(&text[docker.span.clone()], "docker login -p \"a\"");
    assert_eq!(
        &text[docker.statement_span.clone()],
        "docker login -p \"a\""
    );
    assert_eq!(positional(&docker.args[2]).text, "a");
    assert_eq!(script.comments[0].text, "# note");
    let y = &script.assignments[0];
    assert_eq!((&text[y.span.clone()], y.value.text.as_str()), ("Y=z", "z"));
    assert_eq!(&text[y.statement_span.clone()], "Y=z");
}

#[test]
fn comments_header_strings() {
    let text = "#!/bin/bash\nset -euo pipefail\n# token ghp_x\necho 'lit' \"$X\" \"a$X\"\n";
    let script = lower_text(text);
    assert_eq!(script.header_end, "#!/bin/bash\n".len());
    let comments: Vec<&str> = script.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(comments, ["#!/bin/bash", "# token ghp_x"]);
    let strings: Vec<&str> = script.strings.iter().map(|s| s.text.as_str()).collect();
    for expected in ["set", "-euo", "pipefail", "echo", "lit", "a$X"] {
        assert!(strings.contains(&expected), "{expected} in {strings:?}");
    }
    assert!(!strings.contains(&"$X"));
    // Parts of a concatenation are not reported on their own.
    let script = lower_text("x\"y\"'z' ${T:-ghp_default}");
    let strings: Vec<&str> = script.strings.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(strings, ["xyz", "ghp_default"]);
    assert_eq!(lower_text("echo x").header_end, 0);
    assert!(
        script.hashtables.is_empty()
            && script.invocations.is_empty()
            && script.parameters.is_empty()
    );
}

#[test]
fn syntax_errors() {
    let script = lower_text("echo \"unterminated\n");
    assert!(!script.errors.is_empty());
    let script = lower_text("if then fi )\n");
    assert!(!script.errors.is_empty());
    assert!(lower_text("echo ok\n").errors.is_empty());
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 10_000;
    // Commands nested beyond the depth limit are skipped; the outer ones remain.
    for (text, outer) in [
        (
            format!("echo {}x{}\n", "$(".repeat(depth), ")".repeat(depth)),
            Some("echo"),
        ),
        (
            format!("{}x{}\n", "(".repeat(depth), ")".repeat(depth)),
            None,
        ),
        (
            format!("echo \"{}x{}\"\n", "${X:-".repeat(depth), "}".repeat(depth)),
            Some("echo"),
        ),
        (
            format!("{}\n", "if a; then ".repeat(depth) + &"fi; ".repeat(depth)),
            Some("a"),
        ),
    ] {
        let script = lower_text(&text);
        assert_eq!(script.commands.first().map(|c| c.name.as_str()), outer);
    }
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "",
        "\n",
        "$",
        "\"",
        "'",
        "${",
        "$(",
        "<<EOF",
        "cat <<EOF\n",
        "x=",
        "--=",
        "echo -- -",
        "a |",
        "|| b",
        "case x in",
        "f() {",
        "echo $'\\x'",
        "echo $'\\u{'",
        "é=ü ç",
        "\r\n\r",
        "echo \\",
        ": ${X:=}",
        "[ -z ] && X=1",
        "echo \"$(\"",
        "declare -x",
        "export",
        "echo $'\\cé'",
        "echo $'\\c'",
    ] {
        let _ = lower_text(text);
    }
}

#[test]
fn every_prefix_of_a_script_lowers() {
    // Truncations cut words, quotes, heredocs and expansions at every byte.
    let text = "#!/bin/sh\nX=${A:-'d'} cmd --p=\"$(b -x | c)\" $'\\x41\\cA' <<-'E' > f\n\tbody $y\n\tE\n\
                if [ -z \"$T\" ]; then T=é; fi\necho 'x' | tee -a g\ncase a in b) : \"${Z:=1}\";; esac\n";
    for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        let _ = lower_text(&text[..end]);
    }
}
