"""The pure parts of `hushcode complete`: the file with the suggestion in place, the timing line,
and the settings of an explicit request."""

from __future__ import annotations

from hushcode.cli.complete import again, explicit, in_place, timing
from hushcode.completion.trace import Trace
from hushcode.config.settings import Settings


def test_in_place_marks_every_line_the_suggestion_wrote() -> None:
    text = "def f(n):\n    \nprint(f(2))\n"
    offset = text.index("    \n") + 4
    shown = in_place(text, offset, "if n:\n        return 1\n    return 0", 0).splitlines()
    assert shown == [
        "   1   def f(n):",
        "   2 +     if n:",
        "   3 +         return 1",
        "   4 +     return 0",
        "   5   print(f(2))",
    ]


def test_in_place_replaces_what_an_accept_replaces() -> None:
    text = "x = foo()\n"
    offset = text.index(")")  # an auto-closed bracket right of the cursor
    assert in_place(text, offset, "1, 2)", 1) == "   1 + x = foo(1, 2)\n"


def test_in_place_of_a_file_without_a_last_line_end() -> None:
    assert in_place("a = ", 4, "1", 0) == "   1 + a = 1\n"


def test_timing_says_load_prompt_generation_and_total() -> None:
    trace = Trace(prompt=36, reused=4, prompt_ms=120.4, generated=20, gen_ms=300.2, total_ms=450.0)
    assert timing(1500.2, trace) == ("model ready in 1500 ms; prompt of 36 tokens read in 120 ms, 4 already in the "
                                     "model's cache; 20 tokens written in 300 ms; the suggestion in 450 ms")


def test_again_says_what_answered() -> None:
    assert again(Trace(result="cache_hit", total_ms=0.12)) == "0.1 ms, from the suggestion cache (no model call)"
    assert again(Trace(prompt=36, reused=33, evaluated=3, result="ok", total_ms=800)) == (
        "800 ms; the model's cache held 33 of the prompt's 36 tokens, 3 read again")


def test_an_explicit_request_is_whole_and_never_cold() -> None:
    settings = explicit(Settings())
    assert settings.completion.first_suggestion_ms == 0 and settings.completion.cold_prompt_tokens == 0
    assert settings.completion.max_tokens == Settings().completion.max_tokens
