; Nodes the bash lowering looks at, in one pass over the tree.

(command) @command
(redirected_statement) @redirected
(pipeline) @pipeline
(declaration_command) @declaration
(variable_assignment) @assignment
(comment) @comment

; Words with text of their own, for token detection (`Script::strings`).
[
  (word)
  (string)
  (raw_string)
  (ansi_c_string)
  (translated_string)
  (concatenation)
] @word

; Pieces of a larger word: reported as part of it, not again on their own.
(concatenation (_) @part)
(translated_string (_) @part)
