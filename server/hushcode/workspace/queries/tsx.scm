; inherits: typescript
; TSX is TypeScript with JSX expressions: its definitions and imports are the same nodes.
