use super::*;
use crate::lang::{DEFAULT_PARSE_BUDGET, parse_tree};
use crate::model::{Language, PartKind, ValueKind};

/// The adapter's own output, before the shared name normalisation.
fn lower(src: &str) -> Script {
    let tree = parse_tree(Language::PowerShell, src, DEFAULT_PARSE_BUDGET).expect("parses");
    crate::lang::powershell::lower(&tree, src)
}

fn at<'a>(src: &'a str, span: &Span) -> &'a str {
    &src[span.clone()]
}

fn command<'a>(script: &'a Script, name: &str) -> &'a Command {
    script
        .commands
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no command {name} in {:#?}", script.commands))
}

fn positional(arg: &Arg) -> &Value {
    match arg {
        Arg::Positional(v) => v,
        other => panic!("not a positional: {other:?}"),
    }
}

fn flag(arg: &Arg) -> (&str, Option<&Value>, bool) {
    match arg {
        Arg::Flag {
            name, value, glued, ..
        } => (name.as_str(), value.as_ref(), *glued),
        other => panic!("not a flag: {other:?}"),
    }
}

/// The value assigned to `$v` in `src`.
fn assigned(src: &str) -> Value {
    let script = lower(src);
    script
        .assignments
        .into_iter()
        .find(|a| a.target == "v")
        .expect("an assignment to $v")
        .value
}

fn dynamic_variables(v: &Value) -> Vec<(Option<&str>, bool)> {
    v.parts
        .iter()
        .filter_map(|p| match &p.kind {
            PartKind::Dynamic { variable, env, .. } => Some((variable.as_deref(), *env)),
            PartKind::Static => None,
        })
        .collect()
}

#[test]
fn query_compiles_and_captures_every_kind() {
    let src =
        "# c\n$h = @{ a = 'x' }\nfoo bar | baz\n[T]::M(1)\nfunction f { param([string]$p) }\n";
    let tree = parse_tree(Language::PowerShell, src, DEFAULT_PARSE_BUDGET).unwrap();
    let found = find_nodes(tree.root_node(), src);
    let texts = |nodes: &[Node]| -> Vec<String> {
        nodes
            .iter()
            .map(|n| src[n.byte_range()].trim_end().to_string())
            .collect()
    };
    assert_eq!(texts(&found.comments), ["# c"]);
    assert_eq!(texts(&found.hashtables), ["@{ a = 'x' }"]);
    assert_eq!(texts(&found.assignments), ["$h = @{ a = 'x' }"]);
    assert_eq!(texts(&found.commands), ["foo bar", "baz"]);
    assert_eq!(texts(&found.invocations), ["[T]::M(1)"]);
    assert_eq!(texts(&found.parameters), ["[string]$p"]);
    assert!(texts(&found.strings).contains(&"'x'".to_string()));
    assert!(texts(&found.strings).contains(&"bar".to_string()));
    assert!(texts(&found.pipelines).contains(&"foo bar | baz".to_string()));
}

#[test]
fn walk_selects_the_same_nodes_as_the_query() {
    let src = "# c\n$h = @{ a = 'x'; b = @{ c = \"$d\" } }\nfoo bar -p:1 | baz > f\n[T]::M(1).N('s')\nfunction f($q) { param([string]$p) if ($x) { qux @'\nz\n'@ } }\n<# b #>\n";
    let tree = parse_tree(Language::PowerShell, src, DEFAULT_PARSE_BUDGET).unwrap();
    let root = tree.root_node();
    let by_query = find_nodes(root, src);
    let by_walk = context::collect(root, src).found;
    let ids = |f: &Found| -> Vec<Vec<usize>> {
        [
            &f.commands,
            &f.hashtables,
            &f.assignments,
            &f.invocations,
            &f.strings,
            &f.comments,
            &f.parameters,
            &f.pipelines,
        ]
        .iter()
        .map(|b| b.iter().map(|n| n.id()).collect())
        .collect()
    };
    assert_eq!(ids(&by_query), ids(&by_walk));
    assert!(ids(&by_query).iter().all(|b| !b.is_empty()));
}

#[test]
fn native_flags_and_positionals() {
    let src = "twine upload --password pypi-AgEIabc --repo=pypi";
    let s = lower(src);
    let c = command(&s, "twine");
    assert_eq!(c.raw_name, "twine");
    assert_eq!(at(src, &c.name_span), "twine");
    assert_eq!(at(src, &c.span), src);
    assert_eq!(positional(&c.args[0]).text, "upload");
    assert_eq!(flag(&c.args[1]), ("--password", None, false));
    let token = positional(&c.args[2]);
    assert_eq!(
        (token.text.as_str(), token.kind, token.quoting),
        ("pypi-AgEIabc", ValueKind::Literal, Quoting::Bare)
    );
    assert_eq!(at(src, &token.span), "pypi-AgEIabc");
    let (name, value, glued) = flag(&c.args[3]);
    assert_eq!(
        (name, value.map(|v| v.text.as_str()), glued),
        ("--repo", Some("pypi"), true)
    );
    assert_eq!(at(src, &c.args[3].span()), "--repo=pypi");
    assert_eq!(c.args.len(), 4);
}

#[test]
fn glued_powershell_parameters() {
    let src = "Publish-Module -ApiKey:abc -Password:$p -Force";
    let s = lower(src);
    let c = command(&s, "publish-module");
    let (name, value, glued) = flag(&c.args[0]);
    assert_eq!((name, glued), ("-ApiKey", true));
    let value = value.unwrap();
    assert_eq!(
        (value.text.as_str(), value.kind),
        ("abc", ValueKind::Literal)
    );
    assert_eq!(at(src, &c.args[0].span()), "-ApiKey:abc");
    let (name, value, glued) = flag(&c.args[1]);
    assert_eq!((name, glued), ("-Password", true));
    assert_eq!(value.unwrap().sole_variable(), Some("p"));
    assert_eq!(flag(&c.args[2]), ("-Force", None, false));
}

#[test]
fn env_variable_argument() {
    let src = "Connect-Thing -Password $env:X";
    let s = lower(src);
    let c = command(&s, "connect-thing");
    assert_eq!(flag(&c.args[0]), ("-Password", None, false));
    let v = positional(&c.args[1]);
    assert_eq!(v.kind, ValueKind::Dynamic);
    assert_eq!(at(src, &v.span), "$env:X");
    assert_eq!(dynamic_variables(v), [(Some("X"), true)]);
    assert_eq!(v.sole_variable(), Some("X"));
}

#[test]
fn expandable_string_with_variable() {
    let src = r#"curl -H "Bearer $t""#;
    let s = lower(src);
    let v = positional(&command(&s, "curl").args[1]);
    assert_eq!((v.kind, v.quoting), (ValueKind::Mixed, Quoting::Double));
    assert_eq!(v.text, "Bearer $t");
    assert_eq!(at(src, &v.span), r#""Bearer $t""#);
    assert_eq!(v.parts.len(), 2);
    assert_eq!(v.parts[0].kind, PartKind::Static);
    assert_eq!(at(src, &v.parts[0].span), "Bearer ");
    assert!(v.parts[0].verbatim);
    assert_eq!(&v.text[v.parts[1].text_range.clone()], "$t");
    assert_eq!(dynamic_variables(v), [(Some("t"), false)]);
    assert!(v.is_static_range(0..6));
    assert!(!v.is_static_range(5..8));
    assert_eq!(at(src, &v.source_range(1..4)), "ear");
}

#[test]
fn value_forms() {
    use Quoting::*;
    use ValueKind::*;
    // (source of the value, text, kind, quoting)
    let cases = [
        ("'it''s'", "it's", Literal, Single),
        (r#""a`"b""#, "a\"b", Literal, Double),
        (r#""say ""hi""""#, "say \"hi\"", Literal, Double),
        (r#""tab`there""#, "tab\there", Literal, Double),
        ("'$notavar'", "$notavar", Literal, Single),
        (r#""$x""#, "$x", Dynamic, Double),
        (r#""a${b}c$($d)$env:E""#, "a${b}c$($d)$env:E", Mixed, Double),
        ("42", "42", Literal, Bare),
        ("$x", "$x", Dynamic, Concatenated),
        ("$(Get-Secret)", "$(Get-Secret)", Dynamic, Concatenated),
        ("'a' + 'b'", "ab", Literal, Concatenated),
        ("'Bearer ' + $t", "Bearer $t", Mixed, Concatenated),
        ("('abc')", "abc", Literal, Concatenated),
        ("@{ a = 1 }", "@{ a = 1 }", Dynamic, Concatenated),
        ("@'\nraw $x\n'@", "raw $x", Literal, HereSingle),
        ("@\"\nuser $u\n\"@", "user $u", Mixed, HereDouble),
    ];
    for (expr, text, kind, quoting) in cases {
        let src = format!("$v = {expr}");
        let v = assigned(&src);
        assert_eq!(
            (v.text.as_str(), v.kind, v.quoting),
            (text, kind, quoting),
            "{expr}"
        );
        assert_eq!(at(&src, &v.span), expr, "{expr}");
    }
}

#[test]
fn expandable_string_parts() {
    let src = r#"$v = "a${b}c$($d)$env:E""#;
    let v = assigned(src);
    assert_eq!(
        dynamic_variables(&v),
        [(Some("b"), false), (None, false), (Some("E"), true)]
    );
    let spans: Vec<&str> = v.parts.iter().map(|p| at(src, &p.span)).collect();
    assert_eq!(spans, ["a", "${b}", "c", "$($d)", "$env:E"]);
    for p in &v.parts {
        assert_eq!(&v.text[p.text_range.clone()], at(src, &p.span));
    }
}

#[test]
fn escaped_parts_are_not_verbatim() {
    let src = "$v = 'it''s'";
    let v = assigned(src);
    assert_eq!(v.parts.len(), 1);
    assert!(!v.parts[0].verbatim);
    assert_eq!(at(src, &v.parts[0].span), "it''s");
    let v = assigned("$v = 'plain'");
    assert!(v.parts[0].verbatim);
}

#[test]
fn bare_token_with_variable() {
    let src = "curl -u user:$p https://x";
    let s = lower(src);
    let v = positional(&command(&s, "curl").args[1]);
    assert_eq!((v.kind, v.quoting), (ValueKind::Mixed, Quoting::Bare));
    assert_eq!(dynamic_variables(v), [(Some("p"), false)]);
    assert_eq!(at(src, &v.parts[1].span), "$p");
}

#[test]
fn splatting() {
    let src = "Invoke-RestMethod @params -Verbose";
    let s = lower(src);
    let c = command(&s, "invoke-restmethod");
    match &c.args[0] {
        Arg::Splat { variable, span } => {
            assert_eq!(variable, "params");
            assert_eq!(at(src, span), "@params");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn invocation_operator() {
    let src = r#"& "C:\tools\nuget.exe" push x -ApiKey k"#;
    let s = lower(src);
    let c = &s.commands[0];
    assert_eq!(c.wrappers, ["&"]);
    assert_eq!(c.raw_name, r"C:\tools\nuget.exe");
    assert_eq!(c.name, r"c:\tools\nuget.exe");
    assert_eq!(at(src, &c.name_span), r#""C:\tools\nuget.exe""#);
    assert_eq!(at(src, &c.span), src);
    let texts: Vec<String> = c
        .args
        .iter()
        .map(|a| at(src, &a.span()).to_string())
        .collect();
    assert_eq!(texts, ["push", "x", "-ApiKey", "k"]);

    let src = "& $exe a; . .\\setup.ps1";
    let s = lower(src);
    assert_eq!(s.commands[0].raw_name, "$exe");
    assert_eq!(s.commands[0].wrappers, ["&"]);
    assert_eq!(s.commands[1].raw_name, ".\\setup.ps1");
    assert_eq!(s.commands[1].wrappers, ["."]);
}

#[test]
fn python_module() {
    let src = "python -m twine upload -u __token__ -p pypi-x";
    let s = lower(src);
    let c = command(&s, "python");
    assert_eq!(c.raw_name, "python");
    assert_eq!(flag(&c.args[0]), ("-m", None, false));
    assert_eq!(positional(&c.args[1]).text, "twine");
    assert_eq!(positional(&c.args[2]).text, "upload");
    assert_eq!(flag(&c.args[5]), ("-p", None, false));
    assert_eq!(positional(&c.args[6]).text, "pypi-x");
}

#[test]
fn nested_command_value() {
    let src = "$pw = (ConvertTo-SecureString 'x' -AsPlainText -Force)\n";
    let s = lower(src);
    let a = &s.assignments[0];
    assert_eq!(a.target, "pw");
    assert_eq!(a.value.kind, ValueKind::Dynamic);
    let c = &s.commands[a.value.command.expect("command link")];
    assert_eq!(c.name, "convertto-securestring");
    assert_eq!(positional(&c.args[0]).text, "x");
    assert_eq!(at(src, &c.statement_span), src.trim_end());
    assert_eq!(at(src, &a.statement_span), src.trim_end());

    // As an argument, inside `$( … )` and as the last stage of a pipeline.
    let src = "New-Thing -Secret (Get-Secret a | Select-Object -First 1) -Other $(vault read x)";
    let s = lower(src);
    let outer = command(&s, "new-thing");
    let v = positional(&outer.args[1]);
    assert_eq!(s.commands[v.command.unwrap()].name, "select-object");
    let v = positional(&outer.args[3]);
    assert_eq!(s.commands[v.command.unwrap()].name, "vault");
    for c in &s.commands {
        assert_eq!(at(src, &c.statement_span), src);
    }
}

#[test]
fn commands_everywhere() {
    let src = "if ($a) { foo } else { bar }\nforeach ($x in (baz)) { qux }\n$h = @{ k = (quux) }\n$f = { inner }\nfunction F { corge }\n";
    let s = lower(src);
    let names: Vec<&str> = s.commands.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["foo", "bar", "baz", "qux", "quux", "inner", "corge"]
    );
    let foo = command(&s, "foo");
    assert_eq!(at(src, &foo.scope), "{ foo }");
    assert_eq!(at(src, &foo.statement_span), "foo");
    let baz = command(&s, "baz");
    assert_eq!(at(src, &baz.scope), src);
    assert!(at(src, &baz.statement_span).starts_with("foreach"));
    let quux = command(&s, "quux");
    assert_eq!(at(src, &quux.statement_span), "$h = @{ k = (quux) }");
    assert_eq!(s.hashtables[0].entries[0].value.command, Some(4));
    assert_eq!(at(src, &command(&s, "inner").scope), "{ inner }");
    assert_eq!(at(src, &command(&s, "corge").statement_span), "corge");
}

#[test]
fn new_object_invocations() {
    let src = "$c = New-Object PSCredential('u', $p)\nNew-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'admin', $sec\n";
    let s = lower(src);
    assert_eq!(s.invocations.len(), 2);
    let first = &s.invocations[0];
    assert_eq!(
        (first.target.as_str(), first.member.as_str()),
        ("pscredential", "new")
    );
    let args: Vec<&str> = first.args.iter().map(|a| at(src, &a.span)).collect();
    assert_eq!(args, ["'u'", "$p"]);
    assert_eq!(first.args[0].literal(), Some("u"));
    assert_eq!(at(src, &first.span), "New-Object PSCredential('u', $p)");
    assert_eq!(
        at(src, &first.statement_span),
        "$c = New-Object PSCredential('u', $p)"
    );
    let second = &s.invocations[1];
    assert_eq!(second.target, "management.automation.pscredential");
    assert_eq!(second.args[0].literal(), Some("admin"));
    assert_eq!(second.args[1].sole_variable(), Some("sec"));
}

#[test]
fn static_and_instance_invocations() {
    let src = "$c = [pscredential]::new('u',$p)\n$secure.AppendChar('x')\n[System.Text.Encoding]::UTF8.GetBytes('k')";
    let s = lower(src);
    let found: Vec<(&str, &str)> = s
        .invocations
        .iter()
        .map(|i| (i.target.as_str(), i.member.as_str()))
        .collect();
    assert!(found.contains(&("pscredential", "new")), "{found:?}");
    assert!(found.contains(&("$secure", "appendchar")), "{found:?}");
    let new = s.invocations.iter().find(|i| i.member == "new").unwrap();
    assert_eq!(new.args[0].literal(), Some("u"));
    assert_eq!(new.args[1].sole_variable(), Some("p"));
    assert_eq!(at(src, &new.span), "[pscredential]::new('u',$p)");
    let append = s
        .invocations
        .iter()
        .find(|i| i.member == "appendchar")
        .unwrap();
    assert_eq!(append.args[0].literal(), Some("x"));
}

#[test]
fn set_environment_variable() {
    let src = "[Environment]::SetEnvironmentVariable('API_TOKEN','abc','User')";
    let s = lower(src);
    let i = &s.invocations[0];
    assert_eq!(
        (i.target.as_str(), i.member.as_str()),
        ("environment", "setenvironmentvariable")
    );
    assert_eq!(i.args.len(), 3);
    let a = &s.assignments[0];
    assert_eq!(a.target, "API_TOKEN");
    assert_eq!(at(src, &a.target_span), "'API_TOKEN'");
    assert_eq!(a.scope, AssignmentScope::Env);
    assert_eq!(a.value.literal(), Some("abc"));
    assert_eq!(at(src, &a.span), src);
    assert!(!a.fallback);
}

#[test]
fn assignments_and_scopes() {
    let src = "$env:X = 'v'\n$script:Token = 't'\n$Global:k = 1\n[string]$typed = 's'\n${env:Y} = \"y\"\n$o.Prop = 'skip'\n";
    let s = lower(src);
    let found: Vec<(&str, AssignmentScope, &str)> = s
        .assignments
        .iter()
        .map(|a| (a.target.as_str(), a.scope, a.value.text.as_str()))
        .collect();
    use AssignmentScope::*;
    assert_eq!(
        found,
        [
            ("X", Env, "v"),
            ("Token", Local, "t"),
            ("k", Local, "1"),
            ("typed", Local, "s"),
            ("Y", Env, "y"),
        ]
    );
    assert_eq!(at(src, &s.assignments[0].target_span), "$env:X");
    assert_eq!(at(src, &s.assignments[0].span), "$env:X = 'v'");
    assert_eq!(s.assignments[0].scope_span, 0..src.len());
}

#[test]
fn fallback_assignments() {
    let cases = [
        ("if (-not $env:X) { $env:X = 'v' }", true),
        ("if (!$env:X) { $env:X = 'v' }", true),
        (
            "if ([string]::IsNullOrEmpty($env:X)) { $env:X = 'v' }",
            true,
        ),
        ("if ($null -eq $env:X) { $env:X = 'v' }", true),
        ("if (-not $env:X) { if ($y) { $env:X = 'v' } }", true),
        ("if (-not $env:OTHER) { $env:X = 'v' }", false),
        ("if (-not $X) { $env:X = 'v' }", false),
        ("if ($env:X) { $env:X = 'v' }", false),
        ("if (-not $env:X) { } else { $env:X = 'v' }", false),
        ("$env:X = 'v'", false),
        (
            "if (-not $env:X) { [Environment]::SetEnvironmentVariable('X', 'v') }",
            true,
        ),
    ];
    for (src, fallback) in cases {
        let s = lower(src);
        let a = s.assignments.iter().find(|a| a.target == "X").expect(src);
        assert_eq!(a.fallback, fallback, "{src}");
    }
    let src = "if (-not $env:X) { $env:X = 'v' }";
    let a = &lower(src).assignments[0];
    assert_eq!(at(src, &a.scope_span), "{ $env:X = 'v' }");
    assert_eq!(at(src, &a.statement_span), "$env:X = 'v'");
}

#[test]
fn hashtables() {
    let src = "$params = @{\n  Uri = 'https://x'\n  Headers = @{ Authorization = \"Bearer x\"; 'X-Api-Key' = 'k' }\n}\nInvoke-RestMethod @params\n";
    let s = lower(src);
    assert_eq!(s.hashtables.len(), 2);
    let outer = &s.hashtables[0];
    assert_eq!(outer.assigned_to.as_deref(), Some("params"));
    assert!(at(src, &outer.span).starts_with("@{") && at(src, &outer.span).ends_with('}'));
    let keys: Vec<&str> = outer.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["Uri", "Headers"]);
    assert_eq!(outer.entries[0].value.literal(), Some("https://x"));
    assert_eq!(outer.entries[1].value.hashtable, Some(1));
    let inner = &s.hashtables[1];
    assert_eq!(inner.assigned_to, None);
    let entries: Vec<(&str, &str, &str)> = inner
        .entries
        .iter()
        .map(|e| (e.key.as_str(), at(src, &e.key_span), e.value.text.as_str()))
        .collect();
    assert_eq!(
        entries,
        [
            ("Authorization", "Authorization", "Bearer x"),
            ("X-Api-Key", "'X-Api-Key'", "k")
        ]
    );
    assert_eq!(s.assignments[0].value.hashtable, Some(0));
}

#[test]
fn here_strings() {
    let src = "$cfg = @\"\n[auth]\ntoken = $tok\n\"@\n@'\nraw $x\n'@ | Set-Content -Path .npmrc\n";
    let s = lower(src);
    assert_eq!(s.heredocs.len(), 2);
    let double = &s.heredocs[0];
    assert_eq!(double.body.quoting, Quoting::HereDouble);
    assert_eq!(double.body.kind, ValueKind::Mixed);
    assert_eq!(double.body.text, "[auth]\ntoken = $tok");
    assert_eq!(dynamic_variables(&double.body), [(Some("tok"), false)]);
    assert_eq!(double.assigned_to.as_deref(), Some("cfg"));
    assert!(double.output_files.is_empty());
    let single = &s.heredocs[1];
    assert_eq!(single.body.quoting, Quoting::HereSingle);
    assert_eq!(single.body.literal(), Some("raw $x"));
    assert_eq!(single.assigned_to, None);
    let files: Vec<&str> = single
        .output_files
        .iter()
        .map(|v| v.text.as_str())
        .collect();
    assert_eq!(files, [".npmrc"]);
    assert_eq!(at(src, &single.body.parts[0].span), "raw $x");
    let writer = command(&s, "set-content");
    assert_eq!(single.command, Some(0));
    assert_eq!(writer.heredoc, Some(1));
    assert_eq!(
        writer.stdin.as_ref().map(|v| v.text.as_str()),
        Some("raw $x")
    );
}

#[test]
fn assigned_here_string_written_later() {
    for src in [
        "$cfg = @'\ntoken=abc\n'@\n$cfg | Out-File -FilePath .pypirc\n",
        "$cfg = @'\ntoken=abc\n'@\nSet-Content -Path .pypirc -Value $cfg\n",
    ] {
        let s = lower(src);
        let files: Vec<&str> = s.heredocs[0]
            .output_files
            .iter()
            .map(|v| v.text.as_str())
            .collect();
        assert_eq!(files, [".pypirc"], "{src}");
    }
}

#[test]
fn parameters() {
    let src = "[CmdletBinding()]\nparam(\n  [Parameter(Mandatory = $true)][string]$Token = 'abc',\n  [System.Management.Automation.PSCredential]$Cred,\n  $Plain\n)\nfunction Get-It([securestring]$Secret, $Key = \"k\") { }\nfunction Set-It {\n  param([ValidateNotNull()][string[]]$Names)\n  $Names\n}\n";
    let s = lower(src);
    // (name, types, attributes, default, function)
    type Row<'a> = (
        &'a str,
        Vec<&'a str>,
        Vec<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let found: Vec<Row> = s
        .parameters
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.types.iter().map(String::as_str).collect(),
                p.attributes.iter().map(String::as_str).collect(),
                p.default.as_ref().map(|d| d.text.as_str()),
                p.function.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "Token",
                vec!["string"],
                vec!["parameter"],
                Some("abc"),
                None
            ),
            (
                "Cred",
                vec!["system.management.automation.pscredential"],
                vec![],
                None,
                None
            ),
            ("Plain", vec![], vec![], None, None),
            ("Secret", vec!["securestring"], vec![], None, Some("Get-It")),
            ("Key", vec![], vec![], Some("k"), Some("Get-It")),
            (
                "Names",
                vec!["string[]"],
                vec!["validatenotnull"],
                None,
                Some("Set-It")
            ),
        ]
    );
    let token = &s.parameters[0];
    assert_eq!(at(src, token.type_span.as_ref().unwrap()), "[string]");
    assert_eq!(at(src, &token.name_span), "$Token");
    assert_eq!(
        at(src, &token.span),
        "[Parameter(Mandatory = $true)][string]$Token = 'abc'"
    );
    assert_eq!(token.function_span, 0..src.len());
    assert!(at(src, &s.parameters[3].function_span).starts_with("function Get-It"));
    assert!(at(src, &s.parameters[5].function_span).starts_with("function Set-It"));
}

#[test]
fn header_end_variants() {
    let cases = [
        ("Write-Host hi\n", ""),
        (
            "#Requires -Version 5\nWrite-Host hi\n",
            "#Requires -Version 5",
        ),
        (
            "#Requires -Modules Az\n[CmdletBinding()]\nparam([string]$a)\nfoo\n",
            "#Requires -Modules Az\n[CmdletBinding()]\nparam([string]$a)",
        ),
        (
            "<#\n.SYNOPSIS\n help\n#>\nparam($a)\nfoo\n",
            "<#\n.SYNOPSIS\n help\n#>\nparam($a)",
        ),
        ("# just a comment\nfoo\n", ""),
        (
            "using namespace System.Net\nfoo\n",
            "using namespace System.Net",
        ),
    ];
    for (src, header) in cases {
        assert_eq!(&src[..lower(src).header_end], header, "{src}");
    }
}

#[test]
fn comments() {
    let src = "# one\nfoo # two\n<# block\n comment #>\r\n";
    let s = lower(src);
    let texts: Vec<&str> = s.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["# one", "# two", "<# block\n comment #>"]);
    for c in &s.comments {
        assert_eq!(at(src, &c.span), c.text);
    }
}

#[test]
fn syntax_errors() {
    let src = "Invoke-Thing -X 'unterminated\nfoo";
    let s = lower(src);
    assert!(!s.errors.is_empty());
    // What can be lowered still is.
    assert_eq!(command(&s, "invoke-thing").args.len(), 1);
    let src = "if ($x) { foo";
    let s = lower(src);
    assert!(
        s.errors.iter().any(|e| e.missing && e.span == (13..13)),
        "{:?}",
        s.errors
    );
    assert_eq!(command(&s, "foo").name, "foo");
    let s = lower("foo (");
    assert!(
        s.errors.iter().any(|e| !e.missing && e.span == (0..5)),
        "{:?}",
        s.errors
    );
    assert!(lower("foo bar\n").errors.is_empty());
}

#[test]
fn stdin_values() {
    let cases = [
        (
            "'secret' | docker login --password-stdin",
            Some(("secret", ValueKind::Literal)),
        ),
        (
            "\"secret\" | docker login --password-stdin",
            Some(("secret", ValueKind::Literal)),
        ),
        (
            "echo 'x' | docker login --password-stdin",
            Some(("x", ValueKind::Literal)),
        ),
        (
            "Write-Output 'x' | docker login --password-stdin",
            Some(("x", ValueKind::Literal)),
        ),
        (
            "$pw | docker login --password-stdin",
            Some(("$pw", ValueKind::Dynamic)),
        ),
        ("Get-Content f | docker login --password-stdin", None),
        ("docker login --password-stdin", None),
    ];
    for (src, expected) in cases {
        let s = lower(src);
        let c = command(&s, "docker");
        let stdin = c.stdin.as_ref().map(|v| (v.text.as_str(), v.kind));
        assert_eq!(stdin, expected, "{src}");
    }
    let src = "'tok' | docker login --password-stdin";
    let stdin = lower(src).commands[0].stdin.clone().unwrap();
    assert_eq!(at(src, &stdin.span), "'tok'");
}

#[test]
fn output_files() {
    let cases = [
        (
            "Set-Content -Path .npmrc -Value $x",
            "set-content",
            vec![".npmrc"],
        ),
        ("Set-Content .npmrc 'x'", "set-content", vec![".npmrc"]),
        (
            "Add-Content -Value 'x' ~/.netrc",
            "add-content",
            vec!["~/.netrc"],
        ),
        (
            "Out-File -FilePath:c:\\a.txt",
            "out-file",
            vec!["c:\\a.txt"],
        ),
        ("echo 'x' > out.txt 2>&1", "echo", vec!["out.txt"]),
        ("echo 'x' >> 'a b.txt'", "echo", vec!["a b.txt"]),
        ("echo 'x' 2> err.txt", "echo", vec![]),
        (
            "Write-Output 'x' | Out-File -Append c:\\b.txt",
            "write-output",
            vec!["c:\\b.txt"],
        ),
        (
            "Write-Output 'x' | Out-File -Append c:\\b.txt",
            "out-file",
            vec!["c:\\b.txt"],
        ),
    ];
    for (src, name, files) in cases {
        let s = lower(src);
        let c = command(&s, name);
        let found: Vec<&str> = c.output_files.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(found, files, "{src}");
    }
}

#[test]
fn crlf_spans_exclude_carriage_returns() {
    let src = "# note\r\n$env:TOKEN = 'abc'\r\nfoo -Key 'k'\r\n$h = @{\r\n  a = 'b'\r\n}\r\n";
    let s = lower(src);
    assert_eq!(at(src, &s.comments[0].span), "# note");
    let a = &s.assignments[0];
    assert_eq!(at(src, &a.span), "$env:TOKEN = 'abc'");
    assert_eq!(at(src, &a.statement_span), "$env:TOKEN = 'abc'");
    let c = command(&s, "foo");
    assert_eq!(at(src, &c.span), "foo -Key 'k'");
    assert_eq!(at(src, &c.statement_span), "foo -Key 'k'");
    assert_eq!(at(src, &positional(&c.args[1]).span), "'k'");
    assert_eq!(at(src, &s.hashtables[0].span), "@{\r\n  a = 'b'\r\n}");
    assert_eq!(s.hashtables[0].entries[0].value.literal(), Some("b"));
    assert!(s.errors.is_empty());
}

#[test]
fn strings_collected() {
    let src = "foo 'lit' \"mix $x\" \"$only\" bare 42\n";
    let s = lower(src);
    let texts: Vec<&str> = s.strings.iter().map(|v| v.text.as_str()).collect();
    assert_eq!(texts, ["lit", "mix $x", "bare"]);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 10_000;
    let src = format!("$v = {}'x'{}\n", "(".repeat(depth), ")".repeat(depth));
    let started = std::time::Instant::now();
    let s = lower(&src);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(s.assignments.len(), 1);
    assert_eq!(s.assignments[0].value.kind, ValueKind::Dynamic);
    assert_eq!(s.strings.len(), 1);
    let src = format!("{}foo{}\n", "(".repeat(depth), ")".repeat(depth));
    let s = lower(&src);
    assert_eq!(s.commands.len(), 1);
    let src = format!("{}'a'{}", "@{a=".repeat(depth), "}".repeat(depth));
    let s = lower(&src);
    assert!(s.hashtables.len() <= depth);
}

#[test]
fn never_panics_on_prefixes() {
    let src = "param([string]$a = 'x')\n$h = @{ k = \"v $a\"; n = @(1, (foo)) }\nif (-not $env:X) { & \"c:\\x.exe\" -p:'s' @h | Out-File f.txt }\n$s = @\"\nbody ´$y\n\"@\n[T]::M('a', $b).N()\n";
    for end in (0..=src.len()).filter(|&i| src.is_char_boundary(i)) {
        let _ = lower(&src[..end]);
    }
}

#[test]
fn odd_input_does_not_panic() {
    for src in [
        "foo \u{2018}smart\u{2019} \u{201c}dq $x\u{201d}",
        "$v = @\u{2018}\nbody\n\u{2019}@",
        "$v = @\"\n\u{e9}t\u{e9} `u{41} ``\n\"@",
        "foo \0\0 'a\u{0}b' $\u{e9}",
        "\u{feff}param($a = '\u{1F600}')",
        "@{",
        "}",
        "$",
        "@",
        "'",
        "\"",
        "& ",
        ". ",
        "-",
        "[",
        "::",
        "$env:",
        "${",
        "@'",
        "foo -p: | bar >",
    ] {
        let s = lower(src);
        for v in &s.strings {
            assert!(src.get(v.span.clone()).is_some(), "{src:?}");
        }
        for c in &s.commands {
            assert!(src.get(c.span.clone()).is_some(), "{src:?}");
        }
    }
}
