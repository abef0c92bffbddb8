//! Lowering of the tree-sitter-powershell tree into the Script model.
//!
//! Two linear passes: an iterative walk records, for the nodes that need it, the enclosing
//! block, statement, function and `if` guard ([`context`]); then one query (`nodes.scm`) finds
//! the nodes of interest, which small walkers lower. Every value goes through
//! [`Lowerer::value`] (`value.rs`). Nothing recurses with the depth of the tree: walks use
//! cursors, and value construction stops descending after a fixed depth.

mod context;
mod value;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
#[cfg(test)]
use std::sync::LazyLock;

use tree_sitter::{Node, Tree};
#[cfg(test)]
use tree_sitter::{Query, QueryCursor, StreamingIterator};

use crate::model::{
    Arg, Assignment, AssignmentScope, Command, Comment, HashEntry, Hashtable, HereDoc, Invocation,
    Parameter, Quoting, Script, Span, Value,
};
use context::{Context, Contexts};
use value::variable_name;

/// The query that finds every node the lowering handles (see `grammars/powershell/nodes.scm`).
#[cfg(test)]
static NODES_QUERY: LazyLock<Query> = LazyLock::new(|| {
    Query::new(
        &crate::lang::ts_language(crate::model::Language::PowerShell),
        include_str!("../../grammars/powershell/nodes.scm"),
    )
    .expect("nodes.scm is a valid query for the bundled grammar")
});

/// The capture of `nodes.scm` that selects a node of this kind (kept in sync by a test).
fn capture_for_kind(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "command" => "command",
        "hash_literal_expression" => "hashtable",
        "assignment_expression" => "assignment",
        "invokation_expression" => "invocation",
        "string_literal" | "generic_token" => "string",
        "comment" => "comment",
        "script_parameter" => "parameter",
        "pipeline_chain" => "pipeline",
        _ => return None,
    })
}

/// Wrapper nodes that only add a precedence level: with a single child they mean that child.
fn is_wrapper(kind: &str) -> bool {
    matches!(
        kind,
        "pipeline"
            | "pipeline_chain"
            | "logical_expression"
            | "bitwise_expression"
            | "comparison_expression"
            | "additive_expression"
            | "multiplicative_expression"
            | "format_expression"
            | "range_expression"
            | "array_literal_expression"
            | "unary_expression"
            | "argument_expression"
            | "logical_argument_expression"
            | "bitwise_argument_expression"
            | "comparison_argument_expression"
            | "additive_argument_expression"
            | "multiplicative_argument_expression"
            | "format_argument_expression"
            | "range_argument_expression"
            | "left_assignment_expression"
            | "script_parameter_default"
            | "key_expression"
            | "redirected_file_name"
            | "statement_list"
            | "command_name_expr"
            | "path_command_name"
    )
}

/// Named children that carry meaning (no comments, no argument separators).
fn significant_children(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    let mut cursor = node.walk();
    let mut more = cursor.goto_first_child();
    std::iter::from_fn(move || {
        while more {
            let n = cursor.node();
            more = cursor.goto_next_sibling();
            if n.is_named() && !matches!(n.kind(), "comment" | "command_argument_sep") {
                return Some(n);
            }
        }
        None
    })
}

/// Descends through single-child precedence wrappers (iteratively: they nest deeply).
fn unwrap(mut node: Node<'_>) -> Node<'_> {
    while is_wrapper(node.kind()) {
        let mut children = significant_children(node);
        match (children.next(), children.next()) {
            (Some(only), None) => node = only,
            _ => break,
        }
    }
    node
}

/// The node's byte range without trailing whitespace (the grammar sometimes includes the
/// separator or a `\r` before the line break).
fn trimmed_span(node: Node<'_>, text: &str) -> Span {
    trim_span(node.byte_range(), text)
}

fn trim_span(span: Span, text: &str) -> Span {
    let bytes = text.as_bytes();
    let mut end = span.end.min(bytes.len());
    while end > span.start && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    span.start.min(end)..end
}

/// Commands that print their first argument: piping them feeds that argument to stdin.
const PRINTERS: &[&str] = &["echo", "write-output", "write", "write-host"];
/// Commands that write their input to a file.
const WRITERS: &[&str] = &[
    "out-file",
    "set-content",
    "add-content",
    "tee-object",
    "tee",
    "sc",
    "ac",
];
/// Parameters of the writers that name the file.
const PATH_FLAGS: &[&str] = &["-filepath", "-path", "-literalpath", "-pspath", "-lp"];
/// Writer switches that never take a value (so they do not consume the next word).
const WRITER_SWITCHES: &[&str] = &[
    "-force",
    "-append",
    "-nonewline",
    "-noclobber",
    "-passthru",
    "-whatif",
    "-confirm",
    "-asbytestream",
];

pub(super) struct Lowerer<'t> {
    text: &'t str,
    script: Script,
    contexts: Contexts<'t>,
    command_ids: HashMap<usize, usize>,
    hashtable_ids: HashMap<usize, usize>,
    /// Here-string node id → index into `script.heredocs`.
    heredoc_ids: HashMap<usize, usize>,
}

/// Nodes found by the query, grouped by capture, in document order.
#[derive(Default)]
pub(super) struct Found<'t> {
    commands: Vec<Node<'t>>,
    hashtables: Vec<Node<'t>>,
    assignments: Vec<Node<'t>>,
    invocations: Vec<Node<'t>>,
    strings: Vec<Node<'t>>,
    comments: Vec<Node<'t>>,
    parameters: Vec<Node<'t>>,
    pipelines: Vec<Node<'t>>,
}

#[cfg(test)]
fn find_nodes<'t>(root: Node<'t>, text: &'t str) -> Found<'t> {
    let query = &*NODES_QUERY;
    let mut found = Found::default();
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(query, root, text.as_bytes());
    while let Some(m) = matches.next() {
        let Some(&capture) = m.captures().first() else {
            continue;
        };
        found.push(query.capture_names()[capture.index as usize], capture.node);
    }
    found.sort();
    found
}

impl<'t> Found<'t> {
    fn push(&mut self, capture: &str, node: Node<'t>) {
        let bucket = match capture {
            "command" => &mut self.commands,
            "hashtable" => &mut self.hashtables,
            "assignment" => &mut self.assignments,
            "invocation" => &mut self.invocations,
            "string" => &mut self.strings,
            "comment" => &mut self.comments,
            "parameter" => &mut self.parameters,
            "pipeline" => &mut self.pipelines,
            _ => return,
        };
        bucket.push(node);
    }

    fn sort(&mut self) {
        // Indices must follow document order (outer before inner) whatever order captures come in.
        for bucket in [
            &mut self.commands,
            &mut self.hashtables,
            &mut self.assignments,
            &mut self.invocations,
            &mut self.strings,
            &mut self.comments,
            &mut self.parameters,
            &mut self.pipelines,
        ] {
            bucket.sort_by_key(|n| (n.start_byte(), std::cmp::Reverse(n.end_byte())));
            bucket.dedup_by_key(|n| n.id());
        }
    }
}

/// Lowers a parsed PowerShell tree into the Script model.
pub fn lower(tree: &Tree, text: &str) -> Script {
    let root = tree.root_node();
    let walk = context::collect(root, text);
    // The context walk already visits every node and collects the ones `nodes.scm` selects
    // (same selection, see `capture_for_kind` and the test `walk_selects_the_same_nodes_as_the_query`),
    // so the query is not run a second time over the tree: it was the costliest part of
    // lowering (its cursor costs O(depth) per node) and is kept as the executable spec.
    let (found, contexts, errors) = (walk.found, walk.contexts, walk.errors);
    let mut l = Lowerer {
        text,
        script: Script {
            errors,
            ..Script::default()
        },
        contexts,
        command_ids: index_of(&found.commands),
        hashtable_ids: index_of(&found.hashtables),
        heredoc_ids: HashMap::new(),
    };
    for &n in &found.comments {
        l.lower_comment(n);
    }
    for &n in &found.strings {
        l.lower_string(n);
    }
    for &n in &found.commands {
        let command = l.lower_command(n);
        l.script.commands.push(command);
    }
    for &n in &found.hashtables {
        let hashtable = l.lower_hashtable(n);
        l.script.hashtables.push(hashtable);
    }
    for &n in &found.assignments {
        l.lower_assignment(n);
    }
    for &n in &found.invocations {
        l.lower_invocation(n);
    }
    l.new_object_invocations();
    for &n in &found.pipelines {
        l.lower_pipeline(n);
        l.link_piped_heredocs(n);
    }
    l.link_assigned_heredocs();
    for &n in &found.parameters {
        l.lower_parameter(n);
    }
    l.script.header_end = header_end(root, text);
    l.script
}

fn index_of(nodes: &[Node<'_>]) -> HashMap<usize, usize> {
    nodes.iter().enumerate().map(|(i, n)| (n.id(), i)).collect()
}

impl<'t> Lowerer<'t> {
    fn source(&self, node: Node<'_>) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or_default()
    }

    fn context(&self, node: Node<'t>) -> Context<'t> {
        self.contexts.get(node, self.text)
    }

    fn lower_comment(&mut self, node: Node<'t>) {
        let span = trimmed_span(node, self.text);
        let text = self.text.get(span.clone()).unwrap_or_default().to_string();
        self.script.comments.push(Comment { span, text });
    }

    /// Strings and bare tokens with static text; here-strings also become heredocs.
    fn lower_string(&mut self, node: Node<'t>) {
        let value = self.value(node, 0);
        if matches!(value.quoting, Quoting::HereSingle | Quoting::HereDouble) {
            self.heredoc_ids
                .insert(node.id(), self.script.heredocs.len());
            self.script.heredocs.push(HereDoc {
                body: value.clone(),
                command: None,
                output_files: Vec::new(),
                assigned_to: None,
            });
        }
        if value.kind != crate::model::ValueKind::Dynamic {
            self.script.strings.push(value);
        }
    }

    fn lower_command(&mut self, node: Node<'t>) -> Command {
        let ctx = self.context(node);
        let mut wrappers = Vec::new();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.kind() == "command_invokation_operator" {
                wrappers.push(self.source(child).trim().to_string());
            }
        }
        let (raw_name, name_span) = match node.child_by_field_name("command_name") {
            Some(name) => {
                let inner = unwrap(name);
                let span = trimmed_span(name, self.text);
                let raw = if inner.kind() == "string_literal" {
                    self.value(inner, 0).text
                } else {
                    self.text.get(span.clone()).unwrap_or_default().to_string()
                };
                (raw, span)
            }
            None => (String::new(), node.start_byte()..node.start_byte()),
        };
        let mut args = Vec::new();
        let mut output_files = Vec::new();
        if let Some(elements) = node.child_by_field_name("command_elements") {
            self.lower_elements(elements, &mut args, &mut output_files);
        }
        let name = raw_name.to_lowercase();
        if WRITERS.contains(&name.as_str())
            && let Some(path) = writer_path(&args)
        {
            output_files.push(path);
        }
        Command {
            name,
            raw_name,
            name_span,
            args,
            span: trimmed_span(node, self.text),
            statement_span: ctx.statement,
            scope: ctx.scope,
            wrappers,
            stdin: None,
            heredoc: None,
            output_files,
            in_comment: false,
        }
    }

    /// Turns `command_elements` into arguments; redirections of stdout go to `output_files`.
    fn lower_elements(&self, elements: Node<'t>, args: &mut Vec<Arg>, outputs: &mut Vec<Value>) {
        let mut cursor = elements.walk();
        let kids: Vec<Node<'t>> = elements.children(&mut cursor).collect();
        let mut i = 0;
        while let Some(&kid) = kids.get(i) {
            i += 1;
            match kid.kind() {
                "command_argument_sep" | "comment" => {}
                "command_parameter" => {
                    let span = trimmed_span(kid, self.text);
                    let raw = self.text.get(span.clone()).unwrap_or_default();
                    // Native `--name=value` comes out as one parameter token.
                    if raw.starts_with("--")
                        && let Some(eq) = raw.find('=')
                    {
                        let value_span = span.start + eq + 1..span.end;
                        args.push(Arg::Flag {
                            name: raw[..eq].to_string(),
                            name_span: span.start..span.start + eq,
                            value: Some(self.bare_value(value_span)),
                            glued: true,
                        });
                        continue;
                    }
                    let name = raw.trim_end_matches(':').to_string();
                    // `-Name:value`: the grammar emits a `:` separator before the value.
                    let colon = kids.get(i).is_some_and(|s| {
                        s.kind() == "command_argument_sep" && self.source(*s).starts_with(':')
                    });
                    let mut value = None;
                    if colon || raw.ends_with(':') {
                        let next = kids[i..]
                            .iter()
                            .position(|k| !matches!(k.kind(), "command_argument_sep" | "comment"));
                        if let Some(offset) = next
                            && !matches!(
                                kids[i + offset].kind(),
                                "command_parameter" | "redirection"
                            )
                        {
                            value = Some(self.value(kids[i + offset], 0));
                            i += offset + 1;
                        }
                    }
                    args.push(Arg::Flag {
                        name: name.clone(),
                        name_span: span.start..span.start + name.len(),
                        glued: value.is_some(),
                        value,
                    });
                }
                "redirection" => {
                    if let Some(target) = self.stdout_redirection(kid) {
                        outputs.push(target);
                    }
                }
                _ => {
                    let inner = unwrap(kid);
                    let raw = self.source(inner);
                    if inner.kind() == "variable" && raw.starts_with('@') {
                        args.push(Arg::Splat {
                            variable: variable_name(raw).0,
                            span: trimmed_span(inner, self.text),
                        });
                    } else {
                        args.push(Arg::Positional(self.value(kid, 0)));
                    }
                }
            }
        }
    }

    /// The target of `> file`, `>> file`, `1> file`, `*> file` (stdout only).
    fn stdout_redirection(&self, node: Node<'t>) -> Option<Value> {
        let mut op = None;
        let mut target = None;
        for child in significant_children(node) {
            match child.kind() {
                "file_redirection_operator" => op = Some(self.source(child).trim()),
                "redirected_file_name" => target = Some(child),
                _ => {}
            }
        }
        match op? {
            ">" | ">>" | "1>" | "1>>" | "*>" | "*>>" => Some(self.value(target?, 0)),
            _ => None,
        }
    }

    fn lower_hashtable(&self, node: Node<'t>) -> Hashtable {
        let mut entries = Vec::new();
        for body in significant_children(node).filter(|n| n.kind() == "hash_literal_body") {
            for entry in significant_children(body).filter(|n| n.kind() == "hash_entry") {
                let mut parts = significant_children(entry);
                let (Some(key), Some(value)) = (parts.next(), parts.next()) else {
                    continue;
                };
                let key_value = self.value(key, 0);
                entries.push(HashEntry {
                    key: key_value.text,
                    key_span: key_value.span,
                    value: self.value(value, 0),
                });
            }
        }
        Hashtable {
            span: trimmed_span(node, self.text),
            entries,
            assigned_to: None,
        }
    }

    fn lower_assignment(&mut self, node: Node<'t>) {
        let Some(left) =
            significant_children(node).find(|n| n.kind() == "left_assignment_expression")
        else {
            return;
        };
        let Some(value_node) = node.child_by_field_name("value") else {
            return;
        };
        // `[string]$x = …` constrains the variable; the target is still `$x`.
        let mut target = unwrap(left);
        while matches!(
            target.kind(),
            "cast_expression" | "expression_with_unary_operator"
        ) && let Some(operand) = significant_children(target).last()
        {
            target = unwrap(operand);
        }
        if target.kind() != "variable" {
            return;
        }
        let (name, env) = variable_name(self.source(target));
        let value = self.value(value_node, 0);
        let inner = unwrap(value_node);
        if let Some(h) = value.hashtable {
            self.script.hashtables[h].assigned_to = Some(name.clone());
        }
        if let Some(&h) = self.heredoc_ids.get(&inner.id()) {
            self.script.heredocs[h].assigned_to = Some(name.clone());
        }
        let ctx = self.context(node);
        self.script.assignments.push(Assignment {
            fallback: ctx.guards(&name, env),
            target: name,
            target_span: trimmed_span(target, self.text),
            scope: if env {
                AssignmentScope::Env
            } else {
                AssignmentScope::Local
            },
            value,
            span: trimmed_span(node, self.text),
            statement_span: ctx.statement,
            scope_span: ctx.scope,
        });
    }

    /// `[Type]::Method(…)` and `$var.Method(…)`.
    fn lower_invocation(&mut self, node: Node<'t>) {
        let mut receiver = None;
        let mut member = None;
        let mut arguments = None;
        for child in significant_children(node) {
            match child.kind() {
                "member_name" => member = Some(child),
                "argument_list" => arguments = Some(child),
                _ if receiver.is_none() => receiver = Some(child),
                _ => {}
            }
        }
        let (Some(receiver), Some(member), Some(arguments)) = (receiver, member, arguments) else {
            return;
        };
        let receiver = unwrap(receiver);
        let target = match receiver.kind() {
            "type_literal" => type_name(self.source(receiver)),
            _ => self.source(receiver).trim().to_lowercase(),
        };
        let member = self.source(member).trim().to_lowercase();
        let args = self.value(arguments, 0).elements;
        let ctx = self.context(node);
        let span = trimmed_span(node, self.text);
        if target == "environment"
            && member == "setenvironmentvariable"
            && let [name, value, ..] = args.as_slice()
            && let Some(var) = name.literal()
        {
            self.script.assignments.push(Assignment {
                fallback: ctx.guards(var, true),
                target: var.to_string(),
                target_span: name.span.clone(),
                scope: AssignmentScope::Env,
                value: value.clone(),
                span: span.clone(),
                statement_span: ctx.statement.clone(),
                scope_span: ctx.scope.clone(),
            });
        }
        self.script.invocations.push(Invocation {
            target,
            member,
            args,
            span,
            statement_span: ctx.statement,
            scope: ctx.scope,
        });
    }

    /// `New-Object T(args)` / `New-Object -TypeName T -ArgumentList a, b` as constructor calls.
    fn new_object_invocations(&mut self) {
        for i in 0..self.script.commands.len() {
            let command = &self.script.commands[i];
            if command.name != "new-object" {
                continue;
            }
            let mut type_value = None;
            let mut args = Vec::new();
            let mut pending: Option<String> = None;
            for arg in &command.args {
                match arg {
                    Arg::Flag { name, value, .. } => {
                        let flag = name.to_lowercase();
                        match value {
                            Some(v) => bind_new_object(&flag, v, &mut type_value, &mut args),
                            None => pending = Some(flag),
                        }
                    }
                    Arg::Positional(v) => match pending.take() {
                        Some(flag) => bind_new_object(&flag, v, &mut type_value, &mut args),
                        None if type_value.is_none() => type_value = Some(v.text.clone()),
                        // `New-Object T('u', $p)`: the parenthesised list right after the type.
                        None => args = elements_or_self(v),
                    },
                    Arg::Splat { .. } => {}
                }
            }
            let Some(type_value) = type_value else {
                continue;
            };
            let invocation = Invocation {
                target: type_name(&type_value),
                member: "new".to_string(),
                args,
                span: command.span.clone(),
                statement_span: command.statement_span.clone(),
                scope: command.scope.clone(),
            };
            self.script.invocations.push(invocation);
        }
    }

    /// Links the stages of `a | b | c`: stdin of each receiving command, and output files of
    /// commands and here-strings piped into a writer.
    fn lower_pipeline(&mut self, node: Node<'t>) {
        let stages: Vec<Node<'t>> = significant_children(node).collect();
        for pair in stages.windows(2) {
            let [producer, consumer] = [pair[0], pair[1]];
            let Some(&c) = self.command_ids.get(&consumer.id()) else {
                continue;
            };
            let producer_command = self.command_ids.get(&producer.id()).copied();
            let stdin = match producer_command {
                Some(p) => {
                    let p = &self.script.commands[p];
                    PRINTERS
                        .contains(&p.name.as_str())
                        .then(|| p.positionals().next().cloned())
                        .flatten()
                }
                None => Some(self.value(producer, 0)),
            };
            self.script.commands[c].stdin = stdin;
            if !WRITERS.contains(&self.script.commands[c].name.as_str()) {
                continue;
            }
            let files = self.script.commands[c].output_files.clone();
            if let Some(p) = producer_command {
                self.script.commands[p].output_files.extend(files);
            } else if let Some(&h) = self.heredoc_ids.get(&unwrap(producer).id()) {
                self.script.heredocs[h].output_files.extend(files);
            }
        }
    }

    /// A here-string piped into a command is that command's input, like a bash heredoc.
    fn link_piped_heredocs(&mut self, pipeline: Node<'t>) {
        let stages: Vec<Node<'t>> = significant_children(pipeline).collect();
        for pair in stages.windows(2) {
            if let (Some(&h), Some(&c)) = (
                self.heredoc_ids.get(&unwrap(pair[0]).id()),
                self.command_ids.get(&pair[1].id()),
            ) {
                self.script.heredocs[h].command = Some(c);
                self.script.commands[c].heredoc = Some(h);
            }
        }
    }

    /// `$cfg = @"…"@` then `$cfg | Set-Content f` or `Set-Content f -Value $cfg`: the
    /// here-string ends up in `f`.
    fn link_assigned_heredocs(&mut self) {
        let mut by_variable: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, h) in self.script.heredocs.iter().enumerate() {
            if let Some(name) = &h.assigned_to {
                by_variable.entry(name.to_lowercase()).or_default().push(i);
            }
        }
        if by_variable.is_empty() {
            return;
        }
        for c in &self.script.commands {
            if c.output_files.is_empty() || !WRITERS.contains(&c.name.as_str()) {
                continue;
            }
            let inputs = c.stdin.iter().chain(c.args.iter().filter_map(|a| match a {
                Arg::Flag { value, .. } => value.as_ref(),
                Arg::Positional(v) => Some(v),
                Arg::Splat { .. } => None,
            }));
            for variable in inputs.filter_map(Value::sole_variable) {
                for &h in by_variable
                    .get(&variable.to_lowercase())
                    .into_iter()
                    .flatten()
                {
                    let files = &mut self.script.heredocs[h].output_files;
                    for f in &c.output_files {
                        if !files.contains(f) {
                            files.push(f.clone());
                        }
                    }
                }
            }
        }
    }

    fn lower_parameter(&mut self, node: Node<'t>) {
        let mut types = Vec::new();
        let mut type_span = None;
        let mut attributes = Vec::new();
        let mut name = None;
        let mut default = None;
        for child in significant_children(node) {
            match child.kind() {
                "attribute_list" => {
                    for attribute in significant_children(child) {
                        let mut inner = significant_children(attribute);
                        match inner.next() {
                            Some(t) if t.kind() == "type_literal" => {
                                types.push(type_name_keep_system(self.source(t)));
                                type_span.get_or_insert_with(|| trimmed_span(attribute, self.text));
                            }
                            Some(n) if n.kind() == "attribute_name" => {
                                attributes.push(self.source(n).trim().to_lowercase());
                            }
                            _ => {}
                        }
                    }
                }
                "variable" => name = Some(child),
                "script_parameter_default" => {
                    default = significant_children(child).next().map(|v| self.value(v, 0));
                }
                _ => {}
            }
        }
        let Some(name) = name else { return };
        let ctx = self.context(node);
        let (function, function_span) = match ctx.function {
            Some(f) => (
                significant_children(f)
                    .find(|n| n.kind() == "function_name")
                    .map(|n| self.source(n).trim().to_string()),
                trimmed_span(f, self.text),
            ),
            None => (None, 0..self.text.len()),
        };
        self.script.parameters.push(Parameter {
            name: variable_name(self.source(name)).0,
            name_span: trimmed_span(name, self.text),
            types,
            type_span,
            attributes,
            default,
            span: trimmed_span(node, self.text),
            function,
            function_span,
        });
    }
}

/// Assigns a `New-Object` argument to the type or the constructor arguments.
fn bind_new_object(flag: &str, v: &Value, type_value: &mut Option<String>, args: &mut Vec<Value>) {
    if "-typename".starts_with(flag) && flag.len() > 1 {
        *type_value = Some(v.text.clone());
    } else if "-argumentlist".starts_with(flag) && flag.len() > 1 || flag == "-args" {
        *args = elements_or_self(v);
    }
}

fn elements_or_self(v: &Value) -> Vec<Value> {
    if v.elements.is_empty() {
        vec![v.clone()]
    } else {
        v.elements.clone()
    }
}

/// `[System.Management.Automation.PSCredential]` → `management.automation.pscredential`.
fn type_name(raw: &str) -> String {
    let t = type_name_keep_system(raw);
    match t.strip_prefix("system.") {
        Some(rest) => rest.to_string(),
        None => t,
    }
}

/// `[String[]]` → `string[]`.
fn type_name_keep_system(raw: &str) -> String {
    let t = raw.trim();
    let t = t.strip_prefix('[').unwrap_or(t);
    let t = t.strip_suffix(']').unwrap_or(t);
    t.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

/// The file a writer (`Set-Content`, `Out-File`, …) writes: its path parameter, or the first
/// positional not consumed by another parameter.
fn writer_path(args: &[Arg]) -> Option<Value> {
    let mut pending: Option<String> = None;
    for arg in args {
        match arg {
            Arg::Flag { name, value, .. } => {
                let flag = name.to_lowercase();
                match value {
                    Some(v) if PATH_FLAGS.contains(&flag.as_str()) => return Some(v.clone()),
                    Some(_) => {}
                    None if WRITER_SWITCHES.contains(&flag.as_str()) => {}
                    None => pending = Some(flag),
                }
            }
            Arg::Positional(v) => match pending.take() {
                Some(flag) if PATH_FLAGS.contains(&flag.as_str()) => return Some(v.clone()),
                Some(_) => {}
                None => return Some(v.clone()),
            },
            Arg::Splat { .. } => pending = None,
        }
    }
    None
}

/// Offset after `#Requires` comments, `using` statements and the script-level `param()` block
/// (with its attributes and any help comment before it).
fn header_end(root: Node<'_>, text: &str) -> usize {
    let mut end = 0;
    let mut cursor = root.walk();
    let top: Vec<Node<'_>> = root.children(&mut cursor).collect();
    for node in top {
        let src = text.get(node.byte_range()).unwrap_or_default();
        match node.kind() {
            "comment" => {
                let lower = src.to_ascii_lowercase();
                if lower.starts_with("#requires") || lower.starts_with("#!") {
                    end = trimmed_span(node, text).end;
                }
            }
            "param_block" => end = trimmed_span(node, text).end,
            // The grammar does not know `using` (and then misparses a following `param()`), so
            // leading statements are recognised by their text.
            "statement_list" => {
                for statement in node.named_children(&mut node.walk()) {
                    let src = text.get(statement.byte_range()).unwrap_or_default();
                    let lower = src.trim_start().to_ascii_lowercase();
                    let is_header = lower.starts_with("using ")
                        || lower.starts_with("#requires")
                        || lower.starts_with("param(")
                        || lower.starts_with("param (");
                    if is_header {
                        end = trimmed_span(statement, text).end;
                    } else if !(statement.kind() == "comment"
                        || lower.starts_with("[cmdletbinding")
                        || lower.starts_with("[outputtype"))
                    {
                        break;
                    }
                }
                break;
            }
            _ => break,
        }
    }
    end
}
