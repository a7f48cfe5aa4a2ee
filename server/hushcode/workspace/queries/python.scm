; Outline of a Python module. Captures (shared by every language, read by outline.py):
;   @definition.<kind>  the definition node      @name    its name
;   @body               the body (the signature ends where it starts)
;   @doc                a docstring inside the body (else the leading comment is used)
;   @import             one import statement     @import.module / @import.name / @import.alias

(function_definition
  name: (identifier) @name
  body: (block . (expression_statement (string) @doc)?) @body) @definition.function

(class_definition
  name: (identifier) @name
  body: (block . (expression_statement (string) @doc)?) @body) @definition.class

; Module-level assignments: constants and aliases that other files import.
(module (expression_statement (assignment left: (identifier) @name)) @definition.constant)

(import_statement name: (dotted_name) @import.module) @import
(import_statement
  name: (aliased_import name: (dotted_name) @import.module alias: (identifier) @import.alias)) @import
(import_from_statement module_name: (_) @import.module name: (dotted_name) @import.name) @import
(import_from_statement
  module_name: (_) @import.module
  name: (aliased_import name: (dotted_name) @import.name alias: (identifier) @import.alias)) @import
(import_from_statement module_name: (_) @import.module (wildcard_import) @import.name) @import
