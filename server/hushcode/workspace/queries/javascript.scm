; Outline of a JavaScript module (TypeScript inherits these patterns). See python.scm for the captures.

(function_declaration name: (identifier) @name body: (_) @body) @definition.function
(generator_function_declaration name: (identifier) @name body: (_) @body) @definition.function
(class_declaration name: (_) @name body: (_) @body) @definition.class
(method_definition name: (_) @name body: (_) @body) @definition.method

; `const f = (...) => ...` is how much modern code defines functions: a function, not a constant.
(program (lexical_declaration
  (variable_declarator name: (identifier) @name
    value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @definition.function)
(program (export_statement (lexical_declaration
  (variable_declarator name: (identifier) @name
    value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @definition.function))
(program (lexical_declaration (variable_declarator name: (identifier) @name)) @definition.constant)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name)) @definition.constant))

(import_statement (import_clause (identifier) @import.default) source: (string (string_fragment) @import.module)) @import
(import_statement
  (import_clause (named_imports (import_specifier name: (_) @import.name alias: (_)? @import.alias)))
  source: (string (string_fragment) @import.module)) @import
(import_statement
  (import_clause (namespace_import (identifier) @import.alias))
  source: (string (string_fragment) @import.module)) @import
(import_statement source: (string (string_fragment) @import.module)) @import

; Re-exports are imports too: retrieval follows them to the definition.
(export_statement
  (export_clause (export_specifier name: (_) @import.name alias: (_)? @import.alias))
  source: (string (string_fragment) @import.module)) @import
(export_statement "*" @import.name source: (string (string_fragment) @import.module)) @import

; CommonJS: const x = require("./x")
(lexical_declaration (variable_declarator
  name: (identifier) @import.alias
  value: (call_expression function: (identifier) @_require
    arguments: (arguments . (string (string_fragment) @import.module))))
  (#eq? @_require "require")) @import
