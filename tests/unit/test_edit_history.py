"""documents/history.py: each document's recent edits as hunks, keystrokes coalesced."""

from __future__ import annotations

from hushcode.documents.history import (
    COALESCE_S,
    MAX_HUNK_CHARS,
    MAX_HUNKS,
    DocumentHistory,
    EditHistory,
    Hunk,
    changed_span,
)

TEXT = "def area(w, h):\n    return w * h\n\n\nprint(area(2, 3))\n"


def typed(history: DocumentHistory, texts: list[str], start: float = 0.0, gap: float = 0.2) -> None:
    for i, text in enumerate(texts):
        history.update(text, start + i * gap)


def test_changed_span_is_the_smallest_span() -> None:
    assert changed_span("abc", "abc") is None
    assert changed_span("abc", "abXc") == (2, 2, 3)
    assert changed_span("abc", "ac") == (1, 2, 1)
    assert changed_span("", "x") == (0, 0, 1)
    assert changed_span("aaaa", "aa") == (2, 4, 2)  # the head first, then what is left of the tail
    long = "x" * 100_000
    assert changed_span(long + "a" + long, long + "bc" + long) == (100_000, 100_001, 100_002)


def test_keystrokes_over_a_name_coalesce_into_one_hunk() -> None:
    history = DocumentHistory(TEXT)
    # select `w`, type `width` over it, one key at a time
    typed(history, [TEXT.replace("area(w,", "area(" + "width"[:n] + ",") for n in range(1, 6)])
    assert [(h.old, h.new, h.line) for h in history.hunks] == [("", "idth", 0)]
    history2 = DocumentHistory(TEXT)
    typed(history2, [TEXT.replace("area(w,", "area(,"), *(TEXT.replace("area(w,", "area(" + "width"[:n] + ",")
                                                          for n in range(1, 6))])
    # delete `w`, then type `width`: the `w` typed back is part of the same hunk
    assert [(h.start, h.old, h.new) for h in history2.hunks] == [(10, "", "idth")]
    assert history2.hunks[0].at == 5 * 0.2


def test_a_deletion_then_typing_keeps_the_old_text() -> None:
    history = DocumentHistory("x = total\n")
    typed(history, ["x = tota\n", "x = tot\n", "x = to\n", "x = t\n", "x = \n", "x = s\n", "x = su\n", "x = sum\n"])
    assert [(h.start, h.old, h.new) for h in history.hunks] == [(4, "total", "sum")]


def test_a_pause_or_a_distant_change_starts_a_new_hunk() -> None:
    history = DocumentHistory(TEXT)
    one = TEXT.replace("area(w,", "area(ww,")
    history.update(one, 0.0)
    two = one.replace("area(ww,", "area(www,")
    history.update(two, COALESCE_S + 0.5)  # a pause
    three = two.replace("area(2, 3)", "area(2, 4)")
    history.update(three, COALESCE_S + 0.6)  # far from the last hunk
    assert [(h.old, h.new) for h in history.hunks] == [("", "w"), ("", "w"), ("3", "4")]
    assert history.hunks[-1].line == 4


def test_typing_and_erasing_leaves_no_hunk() -> None:
    history = DocumentHistory(TEXT)
    typed(history, [TEXT.replace("area(w,", "area(wx,"), TEXT])
    assert history.hunks == []


def test_hunks_below_a_change_move_with_it() -> None:
    history = DocumentHistory(TEXT)
    lower = TEXT.replace("area(2, 3)", "area(2, 5)")
    history.update(lower, 0.0)
    above = "import math\n" + lower
    history.update(above, 10.0)
    moved, new = history.hunks
    assert (moved.line, above[moved.start:moved.end]) == (5, "5")
    assert (new.start, new.old, new.new, new.line) == (0, "", "import math\n", 0)


def test_bounded_and_large_changes_are_not_kept() -> None:
    history = DocumentHistory("")
    for i in range(MAX_HUNKS + 3):
        history.update(history.text + f"line {i}\n", i * 10.0)
    assert len(history.hunks) == MAX_HUNKS and history.hunks[-1].new == f"line {MAX_HUNKS + 2}\n"
    history.update(history.text + "y" * (MAX_HUNK_CHARS + 1), 1000.0)
    assert history.hunks[-1].new == f"line {MAX_HUNKS + 2}\n"


def test_edit_history_per_document() -> None:
    edits = EditHistory()
    edits.opened("file:///a.py", "a\n")
    edits.changed("file:///a.py", "ab\n", 1.0)
    edits.changed("file:///b.py", "new\n", 1.0)  # never opened: its text is where edits start
    assert edits.hunks("file:///a.py") == (Hunk(1, "", "b", 0, 1.0),)
    assert edits.hunks("file:///b.py") == ()
    edits.closed("file:///a.py")
    assert edits.hunks("file:///a.py") == ()


def test_the_session_feeds_the_history_from_the_documents_sync() -> None:
    from hushcode.documents.snapshot import DocumentSnapshot
    from hushcode.lsp.session import Session

    session = Session(client=None)  # type: ignore[arg-type]  # these methods never reach the client
    uri = "file:///w/a.py"
    session.opened(DocumentSnapshot(uri=uri, version=1, text="x = 1\n"))
    session.changed(DocumentSnapshot(uri=uri, version=2, text="x = 12\n"))
    assert [(h.old, h.new) for h in session.edit_history.hunks(uri)] == [("", "2")]
    session.closed(uri)
    assert session.edit_history.hunks(uri) == ()
