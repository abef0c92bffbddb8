//! Lowering of the bash tree-sitter tree into the Script model.
//!
//! One iterative walk over the tree ([`Found::collect`]) finds the nodes of interest, the
//! statements of every block and the places where fallback assignments can be; small walkers
//! read their details. The walk stops descending at [`MAX_DEPTH`], so deeply nested input is
//! lowered down to that depth only, and nothing recurses on the tree.

mod value;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::LazyLock;

use std::num::NonZeroU16;

use tree_sitter::{Node, Tree};

use crate::lang::ts_language;
use crate::model::{
    Arg, Assignment, AssignmentScope, Command, Comment, HereDoc, Language, PartKind, Quoting,
    Script, Span, SyntaxError, Value, ValueKind,
};
use value::{ValueBuilder, WordKind, fields, first_command, head, last_command};

/// Tree depth beyond which nodes are not lowered (real scripts stay far below it). Nodes at this
/// depth are lowered; their children are only looked at as parts of them.
const MAX_DEPTH: usize = 256;

/// How many nodes the walk visits between two checks of the lowering deadline.
const DEADLINE_CHECK_INTERVAL: u32 = 4096;

/// The list of [`Found`] a node goes to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Command,
    Redirected,
    Pipeline,
    Declaration,
    Assignment,
    Comment,
    Word,
    Conditional,
}

/// What the walk does with a node of one kind.
#[derive(Clone, Copy, Default)]
struct Role {
    list: Option<List>,
    /// Its named children are the statements of a block (`program`, `{ … }`, `do … done`, …).
    block: bool,
    /// Its named children are pieces of one word (`concatenation`, `$"…"`), not words of their own.
    joins_words: bool,
    /// `if`/`elif`: the statements after `then` are a block.
    has_then: bool,
    /// How a value is built from it.
    word: WordKind,
}

/// Grammar symbols the walk dispatches on: comparing kind ids is much cheaper than comparing
/// `Node::kind` strings (each call measures and checks a C string).
struct Kinds {
    /// Indexed by kind id; kinds the walk ignores (and ERROR) have the default role.
    roles: Vec<Role>,
    then: u16,
    list: u16,
    test_command: u16,
    variable_assignment: u16,
    declaration_command: u16,
    and: u16,
    or: u16,
    command: u16,
    redirected_statement: u16,
    negated_command: u16,
    pipeline: u16,
    comment: u16,
    file_redirect: u16,
    herestring_redirect: u16,
    heredoc_redirect: u16,
    heredoc_start: u16,
    heredoc_body: u16,
    subscript: u16,
    export: u16,
    word: u16,
    condition: NonZeroU16,
    name: NonZeroU16,
    argument: NonZeroU16,
    redirect: NonZeroU16,
}

impl Kinds {
    fn role(&self, kind: u16) -> Role {
        self.roles
            .get(usize::from(kind))
            .copied()
            .unwrap_or_default()
    }
}

static KINDS: LazyLock<Kinds> = LazyLock::new(|| {
    let language = ts_language(Language::Shell);
    let id = |name: &str, named: bool| {
        let id = language.id_for_node_kind(name, named);
        assert!(id != 0, "the bash grammar has no {name} node");
        id
    };
    let mut roles = vec![Role::default(); language.node_kind_count()];
    let index = |name: &str| usize::from(id(name, true));
    for (name, list) in [
        ("command", List::Command),
        ("redirected_statement", List::Redirected),
        ("pipeline", List::Pipeline),
        ("declaration_command", List::Declaration),
        ("variable_assignment", List::Assignment),
        ("comment", List::Comment),
        // Words with text of their own, for token detection (`Script::strings`).
        ("word", List::Word),
        ("string", List::Word),
        ("raw_string", List::Word),
        ("ansi_c_string", List::Word),
        ("translated_string", List::Word),
        ("concatenation", List::Word),
        // Where fallback assignments are looked for (see `Lowering::mark_fallbacks`).
        ("list", List::Conditional),
        ("if_statement", List::Conditional),
    ] {
        roles[index(name)].list = Some(list);
    }
    for name in [
        "program",
        "compound_statement",
        "do_group",
        "subshell",
        "else_clause",
        "case_item",
    ] {
        roles[index(name)].block = true;
    }
    for name in ["concatenation", "translated_string"] {
        roles[index(name)].joins_words = true;
    }
    for name in ["if_statement", "elif_clause"] {
        roles[index(name)].has_then = true;
    }
    for (name, word) in WordKind::NAMED {
        roles[index(name)].word = word;
    }
    let field = |name: &str| {
        language
            .field_id_for_name(name)
            .unwrap_or_else(|| panic!("the bash grammar has no {name} field"))
    };
    Kinds {
        roles,
        then: id("then", false),
        list: id("list", true),
        test_command: id("test_command", true),
        variable_assignment: id("variable_assignment", true),
        declaration_command: id("declaration_command", true),
        and: id("&&", false),
        or: id("||", false),
        command: id("command", true),
        redirected_statement: id("redirected_statement", true),
        negated_command: id("negated_command", true),
        pipeline: id("pipeline", true),
        comment: id("comment", true),
        file_redirect: id("file_redirect", true),
        herestring_redirect: id("herestring_redirect", true),
        heredoc_redirect: id("heredoc_redirect", true),
        heredoc_start: id("heredoc_start", true),
        heredoc_body: id("heredoc_body", true),
        subscript: id("subscript", true),
        export: id("export", false),
        word: id("word", true),
        condition: field("condition"),
        name: field("name"),
        argument: field("argument"),
        redirect: field("redirect"),
    }
});

/// Lowers a parsed bash tree into the Script model.
pub fn lower(tree: &Tree, text: &str) -> Script {
    let root = tree.root_node();
    let found = Found::collect(root, text);
    let command_ids: HashMap<usize, usize> = found
        .commands
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id(), i))
        .collect();
    let mut lowering = Lowering {
        text,
        values: ValueBuilder {
            text,
            commands: &command_ids,
        },
        command_ids: &command_ids,
        script: Script::default(),
        assignment_ids: HashMap::new(),
        pipes: Vec::new(),
    };
    lowering.run(root, &found);
    lowering.script
}

/// What the walk found, each list in document order (outer nodes before inner ones).
#[derive(Default)]
struct Found<'t> {
    /// Named commands only (error recovery can leave nameless ones).
    commands: Vec<Node<'t>>,
    redirected: Vec<Node<'t>>,
    pipelines: Vec<Node<'t>>,
    declarations: Vec<Node<'t>>,
    assignments: Vec<Node<'t>>,
    comments: Vec<Node<'t>>,
    /// Words that are not pieces of a larger word (those are reported as part of it).
    words: Vec<Node<'t>>,
    /// `list`s and `if_statement`s.
    conditionals: Vec<Node<'t>>,
    /// (statement, block) of the statements directly inside blocks, unsorted.
    intervals: Vec<(Span, Span)>,
}

impl<'t> Found<'t> {
    /// One pre-order walk with a tree cursor. Nodes deeper than [`MAX_DEPTH`] are not collected;
    /// the children of nodes at that depth are visited only as statements of a block or as
    /// `then`. Stops early when the lowering's deadline passes.
    fn collect(root: Node<'t>, text: &str) -> Self {
        let kinds = &*KINDS;
        let mut found = Found::default();
        // Ancestors of the cursor's node with their roles; its depth is the stack's length.
        let mut ancestors: Vec<(Node<'t>, Role)> = Vec::new();
        let mut cursor = root.walk();
        let mut countdown = DEADLINE_CHECK_INTERVAL;
        loop {
            let node = cursor.node();
            let kind = node.kind_id();
            let role = kinds.role(kind);
            let parent = ancestors.last().copied();
            if let Some((parent, parent_role)) = parent {
                if parent_role.block && node.is_named() && !node.is_error() {
                    found
                        .intervals
                        .push((trim_cr(text, node.byte_range()), parent.byte_range()));
                } else if parent_role.has_then && kind == kinds.then {
                    then_body(parent, text, &mut found.intervals);
                }
            }
            let depth = ancestors.len();
            if depth <= MAX_DEPTH {
                found.push(node, role, parent.map(|(_, r)| r));
            }
            countdown -= 1;
            if countdown == 0 {
                if crate::lang::lowering_expired() {
                    return found;
                }
                countdown = DEADLINE_CHECK_INTERVAL;
            }
            if depth <= MAX_DEPTH && cursor.goto_first_child() {
                ancestors.push((node, role));
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return found;
                }
                ancestors.pop();
            }
        }
    }

    fn push(&mut self, node: Node<'t>, role: Role, parent: Option<Role>) {
        let list = match role.list {
            None => return,
            Some(List::Command) if node.child_by_field_name("name").is_none() => return,
            Some(List::Word) if parent.is_some_and(|p| p.joins_words) => return,
            Some(list) => list,
        };
        let list = match list {
            List::Command => &mut self.commands,
            List::Redirected => &mut self.redirected,
            List::Pipeline => &mut self.pipelines,
            List::Declaration => &mut self.declarations,
            List::Assignment => &mut self.assignments,
            List::Comment => &mut self.comments,
            List::Word => &mut self.words,
            List::Conditional => &mut self.conditionals,
        };
        list.push(node);
    }
}

struct Lowering<'a> {
    text: &'a str,
    values: ValueBuilder<'a>,
    command_ids: &'a HashMap<usize, usize>,
    script: Script,
    /// `variable_assignment` node id → index in `script.assignments`, for fallback marking.
    assignment_ids: HashMap<usize, usize>,
    /// (producer, consumer) command indices of `a | b`.
    pipes: Vec<(usize, usize)>,
}

impl<'a> Lowering<'a> {
    fn run(&mut self, root: Node, found: &Found) {
        for &node in &found.commands {
            let command = self.command(node);
            self.script.commands.push(command);
        }
        for &node in &found.redirected {
            self.redirected_statement(node);
        }
        for &node in &found.pipelines {
            self.pipeline(node);
        }
        self.connect_pipes();
        for heredoc in &mut self.script.heredocs {
            if let Some(i) = heredoc.command {
                heredoc.output_files = self.script.commands[i].output_files.clone();
            }
        }
        for &node in &found.declarations {
            self.declaration(node);
        }
        for &node in &found.assignments {
            if !self.assignment_ids.contains_key(&node.id()) {
                self.assignment(node, AssignmentScope::Local);
            }
        }
        for &node in &found.conditionals {
            self.mark_fallbacks(node);
        }
        self.resolve_contexts(&found.intervals);
        self.strings(found);
        self.script.comments = found
            .comments
            .iter()
            .map(|c| {
                let span = trim_cr(self.text, c.byte_range());
                Comment {
                    text: self.text[span.clone()].to_string(),
                    span,
                }
            })
            .collect();
        self.script.errors = errors(root);
        self.script.header_end = header_end(self.text);
    }

    /// A `command` node: name, arguments, its own redirections and prefix assignments.
    /// Redirections of an enclosing `redirected_statement` are added later.
    fn command(&mut self, node: Node) -> Command {
        let span = node.byte_range();
        let mut command = Command {
            name: String::new(),
            raw_name: String::new(),
            name_span: span.clone(),
            args: Vec::new(),
            span: span.clone(),
            statement_span: span.clone(),
            scope: 0..self.text.len(),
            wrappers: Vec::new(),
            stdin: None,
            heredoc: None,
            output_files: Vec::new(),
            in_comment: false,
        };
        let kinds = &*KINDS;
        let mut cursor = node.walk();
        let mut more = cursor.goto_first_child();
        while more {
            let child = cursor.node();
            let field = cursor.field_id();
            if field == Some(kinds.name) {
                let word = child.named_child(0).unwrap_or(child);
                let name = self.values.value(word);
                command.raw_name = name.text;
                command.name = command.raw_name.to_lowercase();
                command.name_span = name.span;
            } else if field == Some(kinds.argument) {
                let arg = self.values.arg(child);
                command.args.push(arg);
            } else if field == Some(kinds.redirect) {
                self.redirect(child, &mut command);
            } else if child.kind_id() == kinds.variable_assignment {
                self.assignment(child, AssignmentScope::CommandPrefix);
            }
            more = cursor.goto_next_sibling();
        }
        if command.raw_name == ":" {
            self.default_assignments(node);
        }
        // `tee f` writes its input to `f`.
        command.output_files.extend(tee_files(&command));
        command
    }

    /// A `file_redirect` writing stdout (`> f`, `>> f`, `&> f`) or a `<<<` here-string.
    fn redirect(&self, node: Node, command: &mut Command) {
        let kind = node.kind_id();
        if kind == KINDS.file_redirect {
            if let Some(target) = self.stdout_target(node) {
                command.output_files.push(target);
            }
        } else if kind == KINDS.herestring_redirect
            && let Some(word) = node.named_children(&mut node.walk()).last()
        {
            command.stdin = Some(self.values.value(word));
        }
    }

    fn stdout_target(&self, node: Node) -> Option<Value> {
        let mut operator = None;
        let mut destination = None;
        for (field, child) in fields(node) {
            match field {
                Some("descriptor") if &self.text[child.byte_range()] != "1" => return None,
                Some("destination") if destination.is_none() => destination = Some(child),
                None if !child.is_named() => operator = Some(child.kind()),
                _ => {}
            }
        }
        if !matches!(operator?, ">" | ">>" | "&>" | "&>>" | ">|") {
            return None;
        }
        Some(self.values.value(destination?))
    }

    /// Redirections and heredocs of a `redirected_statement`, attached to the command they
    /// apply to (the last command of a pipeline).
    fn redirected_statement(&mut self, node: Node) {
        let target = node
            .child_by_field_name("body")
            .and_then(last_command)
            .and_then(|c| self.command_ids.get(&c.id()).copied());
        let mut outputs = Vec::new();
        let mut heredocs = Vec::new();
        let mut cursor = node.walk();
        let kinds = &*KINDS;
        for child in node.named_children(&mut cursor) {
            let kind = child.kind_id();
            if kind == kinds.file_redirect {
                outputs.extend(self.stdout_target(child));
            } else if kind == kinds.herestring_redirect {
                if let (Some(i), Some(word)) =
                    (target, child.named_children(&mut child.walk()).last())
                {
                    self.script.commands[i].stdin = Some(self.values.value(word));
                }
            } else if kind == kinds.heredoc_redirect {
                // `cat <<EOF > f`: the redirection after the delimiter nests in the heredoc.
                let mut inner = child.walk();
                for redirect in child.children_by_field_name("redirect", &mut inner) {
                    outputs.extend(self.stdout_target(redirect));
                }
                heredocs.push(child);
            }
        }
        if let Some(i) = target {
            self.script.commands[i]
                .output_files
                .extend(outputs.iter().cloned());
        }
        for redirect in heredocs {
            self.heredoc(redirect, target, &outputs);
        }
    }

    /// `<<EOF … EOF`: the body becomes the receiving command's stdin.
    fn heredoc(&mut self, node: Node, target: Option<usize>, outputs: &[Value]) {
        let mut start = None;
        let mut body = None;
        let mut cursor = node.walk();
        let kinds = &*KINDS;
        for child in node.named_children(&mut cursor) {
            let kind = child.kind_id();
            if kind == kinds.heredoc_start {
                start = Some(child);
            } else if kind == kinds.heredoc_body {
                body = Some(child);
            } else if kind == kinds.pipeline {
                // `cat <<EOF | tee f`: the pipeline after the delimiter reads the command's output.
                let consumer =
                    first_command(child).and_then(|c| self.command_ids.get(&c.id()).copied());
                if let (Some(producer), Some(consumer)) = (target, consumer) {
                    self.pipes.push((producer, consumer));
                }
            }
        }
        let Some(body) = body else { return };
        let quoted = start.is_some_and(|s| self.text[s.byte_range()].contains(['\'', '"', '\\']));
        let value = self.values.heredoc_body(body, quoted);
        let index = self.script.heredocs.len();
        if let Some(i) = target {
            let command = &mut self.script.commands[i];
            command.stdin = Some(value.clone());
            command.heredoc = Some(index);
        }
        self.script.heredocs.push(HereDoc {
            body: value,
            command: target,
            output_files: outputs.to_vec(),
            assigned_to: None,
        });
    }

    /// `a | b`: records that `b` reads what `a` writes.
    fn pipeline(&mut self, node: Node) {
        let mut cursor = node.walk();
        let stages: Vec<Node> = node
            .named_children(&mut cursor)
            .filter(|c| c.kind_id() != KINDS.comment)
            .collect();
        for pair in stages.windows(2) {
            let producer = last_command(pair[0]).and_then(|c| self.command_ids.get(&c.id()));
            let consumer = first_command(pair[1]).and_then(|c| self.command_ids.get(&c.id()));
            if let (Some(&p), Some(&c)) = (producer, consumer) {
                self.pipes.push((p, c));
            }
        }
    }

    /// Feeds echoed/printed values to the next command's stdin, and `| tee f` targets to the
    /// writing command's outputs. Left to right, so `echo x | cat | cmd` reaches `cmd`.
    fn connect_pipes(&mut self) {
        let mut pipes = std::mem::take(&mut self.pipes);
        pipes.sort_by_key(|&(p, c)| (self.script.commands[p].span.start, c));
        for (producer, consumer) in pipes {
            let commands = &mut self.script.commands;
            if let Some(value) = piped_output(&commands[producer]) {
                commands[consumer].stdin.get_or_insert(value);
            }
            let files = tee_files(&commands[consumer]);
            commands[producer].output_files.extend(files);
        }
    }

    /// `x=…`, `a[i]=…`, `X=… cmd`: one assignment.
    fn assignment(&mut self, node: Node, scope: AssignmentScope) {
        let Some(name) = node.child_by_field_name("name") else {
            return;
        };
        let target_node = if name.kind_id() == KINDS.subscript {
            name.child_by_field_name("name").unwrap_or(name)
        } else {
            name
        };
        let value = match node.child_by_field_name("value") {
            Some(v) => self.values.value(v),
            None => empty_value(node.end_byte()),
        };
        self.assignment_ids
            .insert(node.id(), self.script.assignments.len());
        self.push_assignment(target_node, value, node.byte_range(), scope, false);
    }

    fn push_assignment(
        &mut self,
        target: Node,
        value: Value,
        span: Span,
        scope: AssignmentScope,
        fallback: bool,
    ) {
        self.script.assignments.push(Assignment {
            target: self.text[target.byte_range()].to_string(),
            target_span: target.byte_range(),
            scope,
            value,
            statement_span: span.clone(),
            span,
            scope_span: 0..self.text.len(),
            fallback,
        });
    }

    /// `export X=…`, `declare -x X=…` (Export); `local`, `declare`, `typeset`, `readonly` (Local).
    fn declaration(&mut self, node: Node) {
        let mut scope = AssignmentScope::Local;
        let mut cursor = node.walk();
        let kinds = &*KINDS;
        for child in node.children(&mut cursor) {
            let kind = child.kind_id();
            if kind == kinds.export {
                scope = AssignmentScope::Export;
            } else if kind == kinds.word {
                let flag = &self.text[child.byte_range()];
                if flag.starts_with('-') && flag.contains('x') {
                    scope = AssignmentScope::Export;
                }
            } else if kind == kinds.variable_assignment {
                self.assignment(child, scope);
            }
        }
    }

    /// `: "${X:=lit}"` / `: ${X:=lit}` assigns `lit` to X when X is unset.
    fn default_assignments(&mut self, command: Node) {
        let mut cursor = command.walk();
        let args: Vec<Node> = command
            .children_by_field_name("argument", &mut cursor)
            .collect();
        for arg in args {
            let expansion = match arg.kind() {
                "string" => arg.named_child(0).filter(|_| arg.named_child_count() == 1),
                _ => Some(arg),
            };
            let Some(expansion) = expansion.filter(|e| e.kind() == "expansion") else {
                continue;
            };
            let mut inner = expansion.walk();
            let children: Vec<Node> = expansion.children(&mut inner).collect();
            let Some(variable) = children.iter().find(|c| c.kind() == "variable_name") else {
                continue;
            };
            if !children.iter().any(|c| matches!(c.kind(), ":=" | "=")) {
                continue;
            }
            let value = self.values.value(arg);
            let default = value.parts.first().and_then(|p| match &p.kind {
                PartKind::Dynamic {
                    default: Some(d), ..
                } => Some((**d).clone()),
                _ => None,
            });
            if let Some(default) = default {
                let span = command.byte_range();
                self.push_assignment(*variable, default, span, AssignmentScope::Local, true);
            }
        }
    }

    /// `[ -z "$X" ] && X=lit`, `[ -n "$X" ] || X=lit`, `if [ -z "$X" ]; then X=lit; fi`:
    /// in a `list` or `if_statement`, an assignment after an emptiness test of its variable
    /// and (in a list) an operator between them that runs it when the variable is empty.
    fn mark_fallbacks(&mut self, node: Node) {
        let kinds = &*KINDS;
        let is_list = node.kind_id() == kinds.list;
        // Emptiness tests seen so far, and the variables of those an operator seen since arms.
        let mut tests: Vec<(&'static str, String)> = Vec::new();
        let mut armed: Vec<String> = Vec::new();
        let mut cursor = node.walk();
        if !cursor.goto_first_child() {
            return;
        }
        loop {
            let child = cursor.node();
            let kind = child.kind_id();
            if kind == kinds.test_command && (is_list || cursor.field_id() == Some(kinds.condition))
            {
                if let Some(test) = self.emptiness_test(child) {
                    if is_list {
                        tests.push(test);
                    } else if test.0 == "-z" {
                        armed.push(test.1);
                    }
                }
            } else if is_list && (kind == kinds.and || kind == kinds.or) {
                let operator = if kind == kinds.and { "-z" } else { "-n" };
                for (test_operator, variable) in &tests {
                    if *test_operator == operator {
                        armed.push(variable.clone());
                    }
                }
            } else if (kind == kinds.variable_assignment || kind == kinds.declaration_command)
                && !armed.is_empty()
            {
                let mut inner = child.walk();
                let nodes: Vec<Node> = if kind == kinds.declaration_command {
                    child.named_children(&mut inner).collect()
                } else {
                    vec![child]
                };
                for node in nodes {
                    if let Some(&i) = self.assignment_ids.get(&node.id()) {
                        let a = &mut self.script.assignments[i];
                        if armed.contains(&a.target) {
                            a.fallback = true;
                        }
                    }
                }
            }
            if !cursor.goto_next_sibling() {
                return;
            }
        }
    }

    /// `[ -z "$X" ]` → (`-z`, `X`).
    fn emptiness_test(&self, test: Node) -> Option<(&'static str, String)> {
        let unary = test
            .named_child(0)
            .filter(|n| n.kind() == "unary_expression")?;
        let operator = unary.child_by_field_name("operator")?;
        let operator = match &self.text[operator.byte_range()] {
            "-z" => "-z",
            "-n" => "-n",
            _ => return None,
        };
        let operand = unary.named_children(&mut unary.walk()).last()?;
        let value = self.values.value(operand);
        Some((operator, value.sole_variable()?.to_string()))
    }

    /// Fills `statement_span`/`scope` of commands and assignments from the innermost enclosing
    /// block statement.
    fn resolve_contexts(&mut self, intervals: &[(Span, Span)]) {
        let contexts = Contexts::new(intervals.to_vec());
        let spans: Vec<Span> = self
            .script
            .commands
            .iter()
            .map(|c| c.span.clone())
            .chain(self.script.assignments.iter().map(|a| a.span.clone()))
            .collect();
        let resolved = contexts.resolve(&spans, 0..self.text.len());
        let (commands, assignments) = resolved.split_at(self.script.commands.len());
        for (command, (statement, scope)) in self.script.commands.iter_mut().zip(commands) {
            command.statement_span = statement.clone();
            command.scope = scope.clone();
        }
        for (assignment, (statement, scope)) in self.script.assignments.iter_mut().zip(assignments)
        {
            assignment.statement_span = statement.clone();
            assignment.scope_span = scope.clone();
        }
    }

    /// Every word with static text, plus heredoc bodies.
    fn strings(&mut self, found: &Found) {
        let words = found.words.iter().map(|&w| self.values.value(w));
        let bodies = self.script.heredocs.iter().map(|h| h.body.clone());
        let strings: Vec<Value> = words
            .chain(bodies)
            .filter(|v| v.kind != ValueKind::Dynamic && !v.text.is_empty())
            .collect();
        self.script.strings = strings;
    }
}

/// Statements directly inside blocks, with the block's span.
struct Contexts {
    /// (statement, block), sorted by statement start, outer first.
    intervals: Vec<(Span, Span)>,
}

impl Contexts {
    fn new(mut intervals: Vec<(Span, Span)>) -> Self {
        intervals.sort_by_key(|(s, _)| (s.start, std::cmp::Reverse(s.end)));
        Contexts { intervals }
    }

    /// For each span, the innermost (statement, block) containing it; `(span, whole)` if none.
    fn resolve(&self, spans: &[Span], whole: Span) -> Vec<(Span, Span)> {
        let mut order: Vec<usize> = (0..spans.len()).collect();
        order.sort_by_key(|&i| (spans[i].start, std::cmp::Reverse(spans[i].end)));
        let mut result = vec![(0..0, 0..0); spans.len()];
        let mut open: Vec<usize> = Vec::new();
        let mut next = 0;
        for i in order {
            let span = &spans[i];
            while next < self.intervals.len() && self.intervals[next].0.start <= span.start {
                open.push(next);
                next += 1;
            }
            // Statements that ended before this span cannot hold anything after it.
            while let Some(&top) = open.last() {
                let statement = &self.intervals[top].0;
                if statement.end <= span.start && statement.end < span.end {
                    open.pop();
                } else {
                    break;
                }
            }
            let found = open
                .iter()
                .rev()
                .map(|&j| &self.intervals[j])
                .find(|(s, _)| s.start <= span.start && span.end <= s.end);
            result[i] = match found {
                Some((statement, block)) => (statement.clone(), block.clone()),
                None => (span.clone(), whole.clone()),
            };
        }
        result
    }
}

/// The statements after `then` in an `if`/`elif`, with the body (`then` up to the next
/// `elif`/`else`/`fi`) as their block.
fn then_body(conditional: Node, text: &str, intervals: &mut Vec<(Span, Span)>) {
    let mut cursor = conditional.walk();
    let children: Vec<Node> = conditional.children(&mut cursor).collect();
    let Some(then) = children.iter().position(|c| c.kind() == "then") else {
        return;
    };
    let body = &children[then + 1..];
    let end = body
        .iter()
        .find(|c| matches!(c.kind(), "elif_clause" | "else_clause" | "fi"))
        .map_or(conditional.end_byte(), |c| c.start_byte());
    let block = children[then].start_byte()..end;
    for statement in body
        .iter()
        .filter(|c| c.is_named() && c.end_byte() <= end && c.kind() != "comment")
    {
        intervals.push((trim_cr(text, statement.byte_range()), block.clone()));
    }
}

/// What a command writes to a pipe, when the script shows it: `echo x`, `printf '%s' x`,
/// `printf 'x\n'`, `cat <<< x`.
fn piped_output(command: &Command) -> Option<Value> {
    let name = command.name.rsplit('/').next().unwrap_or_default();
    match name {
        "echo" => {
            let mut args = command.args.iter().skip_while(|a| {
                matches!(a, Arg::Flag { name, .. } if name.len() > 1 && name[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E')))
            });
            match args.next()? {
                Arg::Positional(v) => Some(v.clone()),
                Arg::Flag { .. } | Arg::Splat { .. } => None,
            }
        }
        "printf" => {
            let mut args = command.args.iter();
            let Some(Arg::Positional(format)) = args.next() else {
                return None; // `printf -v var …` prints nothing
            };
            if format.kind == ValueKind::Literal && !format.text.contains('%') {
                let text = format.text.strip_suffix("\\n").unwrap_or(&format.text);
                return Some(head(format, text.len()));
            }
            if format.text.starts_with("%s") || format.text.starts_with("%b") {
                return match args.next()? {
                    Arg::Positional(v) => Some(v.clone()),
                    _ => None,
                };
            }
            None
        }
        "cat" if command.args.is_empty() => command.stdin.clone(),
        _ => None,
    }
}

/// The files `tee` writes to, also under `sudo`/`command`/`exec`/`nohup`/`time`.
fn tee_files(command: &Command) -> Vec<Value> {
    let mut name = command.name.as_str();
    let mut args = command.args.as_slice();
    loop {
        let base = name.rsplit('/').next().unwrap_or_default();
        if !matches!(
            base,
            "sudo" | "doas" | "command" | "exec" | "nohup" | "time"
        ) {
            break;
        }
        // Skip the wrapper's own options (`sudo -u root`, `sudo -E`).
        let mut rest = args;
        while let Some((Arg::Flag { name: flag, .. }, tail)) = rest.split_first() {
            rest = match (base, flag.as_str(), tail.split_first()) {
                ("sudo", "-u" | "-g" | "-C" | "-h" | "-p", Some((_, after))) => after,
                _ => tail,
            };
        }
        match rest.split_first() {
            Some((Arg::Positional(next), tail)) => {
                name = next.text.as_str();
                args = tail;
            }
            _ => return Vec::new(),
        }
    }
    if name.rsplit('/').next() != Some("tee") {
        return Vec::new();
    }
    args.iter()
        .filter_map(|a| match a {
            Arg::Positional(v) if v.text != "-" => Some(v.clone()),
            _ => None,
        })
        .collect()
}

fn empty_value(at: usize) -> Value {
    Value {
        span: at..at,
        text: String::new(),
        kind: ValueKind::Literal,
        quoting: Quoting::Bare,
        parts: Vec::new(),
        hashtable: None,
        command: None,
        elements: Vec::new(),
    }
}

/// ERROR and MISSING nodes; only subtrees that contain an error are visited.
fn errors(root: Node) -> Vec<SyntaxError> {
    let mut errors = Vec::new();
    if !root.has_error() {
        return errors;
    }
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        let descend = if node.is_error() || node.is_missing() {
            errors.push(SyntaxError {
                span: node.byte_range(),
                missing: node.is_missing(),
            });
            false
        } else {
            node.has_error()
        };
        if descend && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return errors;
            }
        }
    }
}

/// The end of the shebang line (newline included), or 0.
fn header_end(text: &str) -> usize {
    if !text.starts_with("#!") {
        return 0;
    }
    text.find('\n').map_or(text.len(), |i| i + 1)
}

/// Drops a trailing `\r` (CRLF files) from a span.
fn trim_cr(text: &str, span: Span) -> Span {
    let end = if text[span.clone()].ends_with('\r') {
        span.end - 1
    } else {
        span.end
    };
    span.start..end
}
