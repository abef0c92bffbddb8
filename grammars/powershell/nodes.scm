; Nodes the PowerShell lowering is interested in. One query, one pass over the tree; each capture
; name selects the lowering step (see src/lang/powershell.rs).

(command) @command
(hash_literal_expression) @hashtable
(assignment_expression) @assignment
(invokation_expression) @invocation
(string_literal) @string
(generic_token) @string
(comment) @comment
(script_parameter) @parameter
(pipeline_chain) @pipeline
