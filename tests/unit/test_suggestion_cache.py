"""Typed-through reuse and the adaptive debounce."""

from __future__ import annotations

from hushcode.completion.cache import CachedText, SuggestionCache
from hushcode.completion.rhythm import TypingRhythm

BEFORE = "def area(r):\n    return "


def test_exact_hit() -> None:
    cache = SuggestionCache()
    cache.put("u", BEFORE, "", [CachedText("3.14159 * r * r")])
    assert cache.get("u", BEFORE, "") == [CachedText("3.14159 * r * r")]


def test_typed_through_returns_the_rest() -> None:
    cache = SuggestionCache()
    cache.put("u", BEFORE, "", [CachedText("3.14159 * r * r"), CachedText("math.pi * r ** 2")])
    assert cache.get("u", BEFORE + "3.14", "") == [CachedText("159 * r * r")]
    assert cache.get("u", BEFORE + "math", "") == [CachedText(".pi * r ** 2")]


def test_diverging_text_misses() -> None:
    cache = SuggestionCache()
    cache.put("u", BEFORE, "", [CachedText("3.14159 * r * r")])
    assert cache.get("u", BEFORE + "2 *", "") is None
    assert cache.get("u", BEFORE + "3.14159 * r * r", "") is None  # typed all of it: nothing left
    assert cache.get("other", BEFORE, "") is None
    assert cache.get("u", BEFORE, ")") is None  # the rest of the line changed


def test_edits_far_above_do_not_matter() -> None:
    cache = SuggestionCache(context_chars=30)
    long_before = "x = 1\n" * 50 + BEFORE
    cache.put("u", long_before, "", [CachedText("r * r")])
    edited = "y = 2\n" + long_before[6:]
    assert cache.get("u", edited + "r", "") == [CachedText(" * r")]


def test_lru_bound() -> None:
    cache = SuggestionCache(max_entries=2)
    for i in range(3):
        cache.put("u", f"line{i} = ", "", [CachedText(str(i))])
    assert cache.get("u", "line0 = ", "") is None and cache.get("u", "line2 = ", "") is not None


def test_rhythm() -> None:
    rhythm = TypingRhythm(max_delay_ms=150)
    rhythm.observe(0)
    assert rhythm.delay_ms() == 0  # first request: nothing known
    for t in range(100, 1100, 100):
        rhythm.observe(t)
    assert 75 <= rhythm.delay_ms() <= 85  # 0.8 x a 100 ms rhythm
    assert rhythm.delay_ms(at_line_start=True) == 0  # just after an Enter: answer at once
    rhythm.observe(5000)  # after a pause the rhythm is kept, the pause is not averaged in
    assert rhythm.delay_ms() < 100
    slow = TypingRhythm(max_delay_ms=150)
    for t in range(0, 3000, 500):
        slow.observe(t)
    assert slow.delay_ms() == 150
