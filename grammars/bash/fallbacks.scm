; Assignments that only run when a variable is unset or empty:
;   [ -z "$X" ] && X=lit      [ -n "$X" ] || X=lit
;   if [ -z "${X:-}" ]; then X=lit; fi

(list
  (test_command) @test
  ["&&" "||"] @operator
  [(variable_assignment) (declaration_command)] @assignment)

(if_statement
  condition: (test_command) @test
  [(variable_assignment) (declaration_command)] @assignment)
