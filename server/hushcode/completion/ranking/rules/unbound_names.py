"""A name the code below reads and nothing before the cursor defines is what the line most likely
lacks (`ret` in `ret = str(x % base) + ret`, `re` in `re.split`).

Where no reading defines it, a line is written left to right from the name on; an assignment is
written with its likeliest values (`= 0`, `= []`, `= None`), and the literal the code below first
compares the name with (`prev = None` above `if prev is None:`) is compared too. Two such names
are also written as one line (`lo, hi = 0, 1`); a standard-library module gives `import re`. A
line that leaves such a name undefined would leave a NameError below: only the lines that define
the most of the names are compared. The candidates are scored down to where the code below reads
the names, so that their use there chooses the value (`total = 0` against `total = []`). In the
HumanEval and standard-library sets, every hole where names were found was a line that defines
one of them (109 of 109). The names come from the Python scope analysis (syntax/python/).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hushcode.completion.ranking.rules.base import BlankLine, Candidates, Contribution, Rule, Start
from hushcode.syntax.lines import defines
from hushcode.syntax.python.unbound import unbound_below

_NAMES = 2  # names a blank line's candidates may define


@dataclass(frozen=True)
class UnboundNames(Rule):
    define: tuple[str, ...]  # names to define
    imports: tuple[str, ...]  # modules to import
    values: tuple[tuple[str, str], ...] = ()  # (name, the literal the code below first compares it with)
    rows: int = 0  # how far below the cursor the last of them is read
    order = 60

    @classmethod
    def from_blank_line(cls, view: BlankLine) -> UnboundNames | None:
        unbound = unbound_below(view.text, view.cursor, view.language)[:_NAMES]  # type: ignore[arg-type]
        if not unbound:
            return None
        row = view.text.count("\n", 0, view.cursor)
        return cls(define=tuple(u.name for u in unbound if not u.module),
                   imports=tuple(u.name for u in unbound if u.module),
                   values=tuple((u.name, u.value) for u in unbound if u.value is not None and not u.module),
                   rows=max(u.row - row for u in unbound))

    def rows_below(self) -> int:
        return self.rows

    def contribute(self, found: Candidates) -> Contribution:
        lead = found.lead
        if lead is None:  # a line must start where the cursor is: only after the editor's indentation
            return Contribution()
        imports = [name for name in self.imports if not found.defined(name)]
        define = [name for name in self.define if not found.defined(name)]
        literal = tuple(line for line in (f"{lead}{name} = {value}" for name, value in self.values
                                          if name in self.define)
                        if all(line != known for _, known in found.lines))
        starts = [Start(name, self._defining(name, found)) for name in define]
        # several names, where no line defines them all: one line may (`lo, hi = 0, 1`)
        if len(self.define) > 1 and not any(self._all(known) and not found.broken(known) for _, known in found.lines):
            starts.append(Start(", ".join(self.define), lambda line: self._all(line) and not found.broken(line)))
        return Contribution(wants=bool(imports or define or literal),
                            lines=tuple(f"{lead}import {module}" for module in imports),
                            starts=tuple(starts), literals=literal)

    @staticmethod
    def _defining(name: str, found: Candidates) -> Callable[[str], bool]:
        """A line that defines `name` (and runs)."""
        return lambda line: defines(line, name) and not found.broken(line)

    def _all(self, line: str) -> bool:
        return all(defines(line, name) for name in self.define)

    def narrow(self, code: list[tuple[str, str]], lead: str | None) -> list[tuple[str, str]]:
        found = () if lead is None else (*self.define, *self.imports)
        most = max((sum(defines(candidate, n) for n in found) for _, candidate in code), default=0)
        return [(text, candidate) for text, candidate in code
                if sum(defines(candidate, n) for n in found) == most] if most else code
