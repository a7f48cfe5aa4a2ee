"""Cross-file context end to end: a definition from another file reaches the prompt."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types

from tests.e2e import lsp

WIDGETS = '''"""Widgets."""


def make_widget(*, zorbl_count: int, flibber_mode: str) -> dict:
    """Build a widget from its zorbl count and flibber mode."""
    return {"zorbl_count": zorbl_count, "flibber_mode": flibber_mode}
'''
MAIN = '''from widgets import make_widget


def build_default():
    return make_widget('''


async def _complete(model_path: Path, root: Path, context_tokens: int, name: str = "main.py",
                    text: str = MAIN) -> tuple[str, dict]:
    options = {"completion": {"contextTokens": context_tokens}}
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path)}, options=options)
    session.root = root
    async with session as client:
        await lsp.wait_for_state(client, {"ready"})
        if context_tokens:
            for _ in range(600):
                if (await lsp.status(client))["indexReady"]:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the index never became ready")
        uri = (root / name).as_uri()
        lsp.open_document(client, uri, text)
        lines = text.split("\n")
        result = await lsp.inline(client, uri, len(lines) - 1, len(lines[-1]))
        status = await lsp.status(client)
        text = str(result.items[0].insert_text) if result and result.items else ""
        return text, status


async def test_definition_from_another_file_is_used(model_path: Path, tmp_path: Path) -> None:
    (tmp_path / "widgets.py").write_text(WIDGETS)
    (tmp_path / "main.py").write_text(MAIN)
    with_context, status = await _complete(model_path, tmp_path, 384)
    assert status["indexedFiles"] == 2 and status["contextSnippets"] >= 1
    without, _ = await _complete(model_path, tmp_path, 0)
    assert "zorbl_count" in with_context, with_context
    assert "zorbl_count" not in without, without
    # the workspace was read, never written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.py", "widgets.py"]


async def test_index_reports_progress(model_path: Path, tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"mod{i}.py").write_text(f"def function_{i}(x):\n    return x + {i}\n")
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path)})
    session.root = tmp_path
    async with session as client:
        for _ in range(600):
            if (await lsp.status(client))["indexReady"]:
                break
            await asyncio.sleep(0.1)
        assert (await lsp.status(client))["indexedFiles"] == 30
        reports = [v for values in client.progress_reports.values() for v in values]
        kinds = [type(v) for v in reports]
        assert types.WorkDoneProgressBegin in kinds and types.WorkDoneProgressEnd in kinds, kinds


# A sibling module, never opened, already writes the line the user is about to write: the same
# audit call, with this project's own event-name scheme and arguments.
REFUNDS = '''from .audit import journal
from .money import to_cents


def refund(order, amount, clerk):
    cents = to_cents(amount)
    order.balance -= cents
    journal.append_entry("ledger.refund.v2", order.number, cents, by=clerk.badge, channel="till")
    return order.balance
'''
CAPTURES = '''from .audit import journal
from .money import to_cents


def capture(order, amount, clerk):
    cents = to_cents(amount)
    order.balance += cents
    '''


async def test_a_line_that_a_sibling_module_writes_is_found_without_opening_it(model_path: Path,
                                                                             tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shop.mkdir()
    for name, text in {"__init__.py": "", "audit.py": "journal = []\n",
                       "money.py": "def to_cents(amount):\n    return round(amount * 100)\n",
                       "refunds.py": REFUNDS, "captures.py": CAPTURES}.items():
        (shop / name).write_text(text)
    with_context, status = await _complete(model_path, tmp_path, 384, "shop/captures.py", CAPTURES)
    assert status["contextSnippets"] >= 1
    without, _ = await _complete(model_path, tmp_path, 0, "shop/captures.py", CAPTURES)
    assert 'journal.append_entry("ledger.' in with_context, with_context
    assert "ledger." not in without, without
