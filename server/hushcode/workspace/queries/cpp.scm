; inherits: c
; C++ adds classes, methods (in the class or as Class::method) and aliases.

(class_specifier name: (type_identifier) @name body: (_) @body) @definition.class
(function_definition
  declarator: (function_declarator declarator: (field_identifier) @name) body: (_) @body) @definition.method
(field_declaration declarator: (function_declarator declarator: (field_identifier) @name)) @definition.method
(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier scope: (_) @parent name: (identifier) @name))
  body: (_) @body) @definition.method
(alias_declaration name: (type_identifier) @name) @definition.type
(declaration_list (declaration declarator: (init_declarator declarator: (identifier) @name)) @definition.constant)
(declaration_list (declaration declarator: (function_declarator declarator: (identifier) @name)) @definition.function)
