; Outline of a Go file. See python.scm for the captures; @parent names a method's receiver type.

(function_declaration name: (identifier) @name body: (block) @body) @definition.function
(method_declaration
  receiver: (parameter_list (parameter_declaration
    type: [(type_identifier) @parent
           (pointer_type (type_identifier) @parent)
           (generic_type type: (type_identifier) @parent)
           (pointer_type (generic_type type: (type_identifier) @parent))]))
  name: (field_identifier) @name
  body: (block) @body) @definition.method

(type_spec name: (type_identifier) @name type: (struct_type (field_declaration_list) @body)) @definition.struct
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
(type_spec name: (type_identifier) @name) @definition.type
(type_alias name: (type_identifier) @name) @definition.type
(method_elem name: (field_identifier) @name) @definition.method

(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))
(source_file (var_declaration (var_spec name: (identifier) @name) @definition.constant))

(import_spec path: (_) @import.module) @import
(import_spec name: (_) @import.alias path: (_) @import.module) @import
