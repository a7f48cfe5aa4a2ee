"""Token healing for the indentation before the cursor.

Code models' tokenizers join a space to the word after it: `        j = 1` is read as seven
spaces, then ` j`, ` =`, ` 1`. A prompt that ends with the cursor after all eight spaces of an
indentation therefore ends with a token the model has almost never seen followed by code, and its first token is a guess out of its training distribution. Holding the
last space back lets the model write ` j` as it learned to; the suggestion's own leading space is
then dropped, since the space is already in the document.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import replace

from hushcode.prompt.window import Window

HELD = " "


def hold_back_space(window: Window) -> tuple[Window, str]:
    """The window without the last space of the cursor line's indentation, and what was held
    back ("" unless the cursor line holds only an indentation ending in a space, before the
    cursor). Within a line (after `x = `) the quality benchmark measured no gain, so the text
    there is left as typed."""
    if window.typed:  # typed-after-middle formats: the cursor line's text sits after the middle marker
        if window.typed.endswith(HELD) and not window.typed.strip():
            return replace(window, typed=window.typed[: -len(HELD)]), HELD
        return window, ""
    line = window.prefix[window.prefix.rfind("\n") + 1:]
    if line.endswith(HELD) and not line.strip():
        return replace(window, prefix=window.prefix[: -len(HELD)]), HELD
    return window, ""


def restore(generated: str, held: str) -> str:
    """The generated text as it goes after the cursor: the held-back space, when the model wrote
    it, is already in the document."""
    if held and generated.startswith(held):
        return generated[len(held):]
    return generated
