"""What one line of Python does with a name: binds it, reads it, returns a value.

Pure and regex-based: the blank-line ranking applies these to candidate lines that are not part of
any parsed file yet (a single line, often cut short), where a tree-sitter parse says little.
"""

from __future__ import annotations

import re


def defines(line: str, name: str) -> bool:
    """Does this line of Python bind `name` (an assignment, a `for`, an import, `with ... as`, a
    definition)?"""
    word = rf"\b{re.escape(name)}\b"
    code = line.strip()
    assignment = rf"(?:[\w\s,*()\[\]]*,\s*)?[(\[]?\s*\*?{word}[\s,)\]]*(?:,[^=]*)?(?::[^=]+)?=(?!=)"
    statement = rf"(?:async\s+)?(?:for\s+[^=]*?{word}.*?\s+in\b|with\s.*\bas\s+{word}|def\s+{word}|class\s+{word})"
    imported = rf"(?:import\s|from\s+\S+\s+import\s).*{word}"
    if (match := re.match(assignment, code)) is not None:
        # `ret = str(x) + ret` reads `ret` before binding it: the NameError is still there
        return re.search(rf"(?<![.\w]){re.escape(name)}\b", code[match.end():]) is None
    return any(re.match(pattern, code) for pattern in (statement, imported))


def reads(line: str, name: str) -> bool:
    """Does this line of Python read `name` (`ans.sort()`, `x = n - name`, `name += 1`), rather than
    only bind it (`name = 0`, `a, name = f()`, `for name in xs`, `f(name=1)`)? A line where `name`
    is also a comprehension's or a lambda's own variable is not judged (False)."""
    word = rf"\b{re.escape(name)}\b"
    code = line.strip()
    if re.search(rf"\bfor\s[^=]*?{word}[^=]*?\sin\b|\blambda\b[^:]*{word}", code) and not code.startswith("for "):
        return False
    # the targets of a plain assignment bind (a subscript or an attribute target reads its object)
    targets = re.match(r"[\w\s,*()\[\]]*?(?::[^=]+)?(?<![=!<>+\-*/%&|^@:])=(?!=)", code)
    if targets is not None and "[" not in targets.group() and not re.search(rf"{word}\s*[+\-*/%&|^@]=", code):
        code = code[targets.end():]
    elif (start := re.match(r"(?:async\s+)?for\s+([^=]*?)\s+in\b", code)) is not None:
        code = code[start.end():]  # the loop's targets bind
    for found in re.finditer(rf"(?<![.\w]){re.escape(name)}\b", code):
        after = code[found.end():]
        before = code[:found.start()]
        if re.match(r"\s*:?=(?!=)", after) or re.search(r"\b(?:as|def|class|import)\s+$", before):
            continue  # a keyword argument, a walrus, `as name`, a definition's name
        return True
    return False


def returns(line: str) -> bool:
    """Does this line return a value (not a bare `return`)?"""
    return re.match(r"return\b\s*[^\s;#]", line.strip()) is not None
