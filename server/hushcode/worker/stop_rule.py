"""When a generation has written its scope: the stop rule shared by the engine's decode loop and
the remote engines' streaming (which reads it on the server side, without llama.cpp or numpy)."""

from __future__ import annotations


class StopRule:
    """Stop as soon as the decision is met: a dedent below the block, or a closer that closes
    the enclosing scope. Checked on the text generated so far, after each token."""

    def __init__(self, min_indent: int | None, unmatched_close: bool) -> None:
        self.min_indent = min_indent
        self.unmatched_close = unmatched_close
        self.depth = 0
        self.scanned = 0

    def met(self, text: str) -> bool:
        if self.min_indent is not None:
            newline = text.rfind("\n")
            if newline != -1:  # only lines after the cursor's own line count
                last = text[newline + 1:]
                body = last.lstrip(" \t")
                if body and len(last) - len(body) < self.min_indent:
                    return True
        if self.unmatched_close:
            for ch in text[self.scanned:]:
                self.depth += 1 if ch in "([{" else -1 if ch in ")]}" else 0
                if self.depth < 0:
                    return True
            self.scanned = len(text)
        return False
