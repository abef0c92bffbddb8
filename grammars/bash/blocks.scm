; Blocks and the statements directly inside them, for `statement_span` and `scope`.

(program (_) @statement) @block
(compound_statement (_) @statement) @block
(do_group (_) @statement) @block
(subshell (_) @statement) @block
(else_clause (_) @statement) @block
(case_item (_) @statement) @block

; `then` bodies are not nodes of their own: the statements after `then` are the block.
(if_statement "then" @then) @conditional
(elif_clause "then" @then) @conditional
