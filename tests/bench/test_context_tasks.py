"""`hushcode bench context`: which lines become tasks (cross-file names only), reproducibly; the
summary, the targets and the server-log reading. No model here (see test_context_e2e.py)."""

from __future__ import annotations

from pathlib import Path

from hushcode_bench.client import BenchClient
from hushcode_bench.context.recall import line_in_context
from hushcode_bench.context.summary import WITH, WITHOUT, format_table, summarize, targets
from hushcode_bench.context.tasks import build_index, cross_file_tasks

# A tiny project: three files, one defining, two importing (a relative import of names and an
# absolute import of the module under an alias).
PROJECT = {
    "shop/pricing.py": '''\
TAX_RATE = 0.2


def with_tax(amount):
    """The amount with tax added."""
    return round(amount * (1 + TAX_RATE), 2)


class Discount:
    def __init__(self, percent):
        self.percent = percent

    def apply(self, amount):
        reduced = amount * (100 - self.percent) / 100
        return with_tax(reduced) - with_tax(0)
''',
    "shop/cart.py": """\
import os

from .pricing import Discount, with_tax


def total(prices, percent):
    subtotal = sum(prices)
    discount = Discount(percent)
    reduced = discount.apply(subtotal)
    name = os.path.basename("cart")
    label = "with_tax and Discount applied"
    return with_tax(reduced)


def count(prices):
    from .pricing import with_tax as tax
    return len(prices)
""",
    "shop/checkout.py": """\
import shop.pricing as pricing


def checkout(prices):
    gross = pricing.with_tax(sum(prices))
    rate = pricing.TAX_RATE
    return gross, rate
""",
}
# the lines that use a name defined in another file of the project
CROSS_FILE = {
    ("shop/cart.py", "discount = Discount(percent)"): "shop/pricing.py",
    ("shop/cart.py", "return with_tax(reduced)"): "shop/pricing.py",
    ("shop/checkout.py", "gross = pricing.with_tax(sum(prices))"): "shop/pricing.py",
    ("shop/checkout.py", "rate = pricing.TAX_RATE"): "shop/pricing.py",
}


def write_project(root: Path) -> Path:
    for name, text in PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_only_lines_using_names_imported_from_another_file_become_tasks(tmp_path: Path) -> None:
    root = write_project(tmp_path)
    tasks, candidates = cross_file_tasks(root, limit=100, seed=0)
    assert candidates == len(CROSS_FILE)
    found = {(t.task.path, t.task.expected): t for t in tasks}
    assert set(found) == set(CROSS_FILE)  # no same-file use, library, local variable, string or import
    for (path, expected), t in found.items():
        text = PROJECT[path]
        assert t.task.kind == "line" and text[t.task.start : t.task.end] == expected
        assert t.task.line == text[: t.task.start].count("\n") and t.task.column == 4
        assert [u.path for u in t.uses] == [CROSS_FILE[(path, expected)]]
    uses = {u.name: (u.definition, u.kind, u.line) for t in tasks for u in t.uses}
    assert uses["Discount"] == ("Discount", "class", 9)
    assert uses["pricing.with_tax"] == ("with_tax", "function", 4)
    assert uses["pricing.TAX_RATE"][0] == "TAX_RATE"


def test_the_selection_is_reproducible_with_a_seed(tmp_path: Path) -> None:
    root = write_project(tmp_path)
    ids = [t.task.id for t in cross_file_tasks(root, limit=2, seed=7)[0]]
    assert ids == [t.task.id for t in cross_file_tasks(root, limit=2, seed=7)[0]]
    assert len(ids) == 2 and ids == sorted(ids, key=lambda i: (i.split(":")[1], int(i.split(":")[2])))
    # a larger limit only adds tasks
    more = {t.task.id for t in cross_file_tasks(root, limit=3, seed=7)[0]}
    assert set(ids) <= more and len(more) == 3
    # another seed draws another order: over a few seeds, more than one pair comes out
    pairs = {tuple(t.task.id for t in cross_file_tasks(root, limit=2, seed=s)[0]) for s in range(8)}
    assert len(pairs) > 1


def test_line_in_context_finds_a_line_that_a_sibling_module_already_writes(tmp_path: Path) -> None:
    """The recall figure: `shop/refund.py` repeats cart.py's lines, so retrieval at a hole in it
    (searching its folder's modules) brings the hole's own line; with no budget, nothing does."""
    root = write_project(tmp_path)
    (root / "shop/refund.py").write_text(PROJECT["shop/cart.py"].replace("def total(", "def refund_total("))
    index = build_index(root)
    tasks = [t.task for t in cross_file_tasks(root, limit=100, seed=0, index=index)[0]]
    texts = {**PROJECT, "shop/refund.py": (root / "shop/refund.py").read_text()}
    mine = [t for t in tasks if t.path == "shop/refund.py"]
    assert mine and all(line_in_context(index, root, mine, texts, 384))
    assert not any(line_in_context(index, root, mine, texts, 0))
    checkout = [t for t in tasks if t.path == "shop/checkout.py"]  # no other module writes these lines
    assert checkout and not any(line_in_context(index, root, checkout, texts, 384))


def test_nothing_is_written_into_the_project(tmp_path: Path) -> None:
    root = write_project(tmp_path)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    cross_file_tasks(root, limit=10, seed=0)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def _result(exact: bool, tokens: int, latency: float = 100.0, task: str = "t") -> dict[str, object]:
    return {
        "id": task,
        "kind": "line",
        "exact": exact,
        "edit_similarity": 1.0 if exact else 0.5,
        "identifier_exact": exact,
        "identifier_f1": 1.0 if exact else 0.5,
        "empty": False,
        "latency_ms": latency,
        "error": None,
        "context_tokens": tokens,
        "context_snippets": 1 if tokens else 0,
    }


def test_summary_ratio_and_targets() -> None:
    results = {
        WITH: [_result(True, 80, 300, "a"), _result(True, 120, 500, "b"), _result(False, 0, 400, "c")],
        WITHOUT: [_result(True, 0, 200), _result(False, 0, 200), _result(False, 0, 200)],
    }
    first_pass = {
        "during": [{"id": "a", "latency_ms": 110.0}, {"id": "b", "latency_ms": 130.0}],
        "idle": [{"id": "a", "latency_ms": 100.0}, {"id": "b", "latency_ms": 100.0}],
        "server_cpu_idle_after_pass": 0.015,
        "partial": [],
        "engine_ready_s": 2.0,
        "index_ready_s": 9.0,
        "indexed_files": 1000,
        "first_pass": {"files": 1000, "seconds": 10.0, "files_per_s": 100.0},
    }
    summary = summarize(results, first_pass)
    assert summary[WITH]["exact_n"] == 2 and summary[WITHOUT]["exact_n"] == 1
    assert summary["ratio"]["exact"] == 2.0
    assert summary[WITH]["context_tokens_mean"] == 200 / 3 and summary[WITH]["context_tokens_max"] == 120
    assert summary[WITHOUT]["context_tokens_mean"] == 0
    first = summary["first_pass_latency"]
    assert first["ratio"] == 1.2 and first["n_during"] == 2
    # the same tasks in the run with context: a second reference
    assert first["p50_context_run_ms"] == 400.0 and first["ratio_context_run"] == 0.3
    index = [
        {
            "path": "/x",
            "files": 100,
            "first_pass_s": 1.0,
            "files_per_s": 100.0,
            "index_rss_mb": 20.0,
            "peak_rss_first_pass_mb": 50.0,
            "changed_file_p50_ms": 2.0,
            "changed_file_max_ms": 150.0,
        }
    ]
    rows = {r["target"].split(" /")[0]: r for r in targets(summary, index)}
    assert rows["cross-file exact match, context"]["met"] is True
    assert rows["indexing"]["met"] and rows["index memory"]["met"] and rows["one changed file"]["met"]
    assert rows["completion p50 during the first pass"]["met"] is True
    table = format_table(summary, targets(summary, index))
    assert table.splitlines()[0].split()[:3] == ["config", "n", "exact"]
    assert "exact 2.00x" in table
    assert "1000 files in 10.0 s (100.0 files/s" in table
    assert "same tasks in the context run 400 ms (0.3x); idle server after the pass: 2% of a core" in table


def test_no_exact_match_without_context_counts_as_met_only_with_some_with_it() -> None:
    none = summarize({WITH: [_result(False, 10)], WITHOUT: [_result(False, 0)]}, None)
    some = summarize({WITH: [_result(True, 10)], WITHOUT: [_result(False, 0)]}, None)
    assert none["ratio"]["exact"] is None and some["ratio"]["exact"] is None
    assert targets(none, [])[0]["met"] is False and targets(some, [])[0]["met"] is True
    assert targets(none, [])[-1]["met"] is None  # the first-pass latency was not measured


def test_context_tokens_come_from_the_request_log_line(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("x INFO hushcode.workspace: indexed 12 files (12 parsed, 0 from cache) in 0.5 s\n")
    server = BenchClient({}, {}, log)
    offset = server.log_size()
    with log.open("a") as handle:
        handle.write(
            "x INFO hushcode.completion: complete req=warmup doc=a.py context_tokens=9 result=warmed\n"
        )
        handle.write(
            "x INFO hushcode.completion: complete req=i3 doc=a.py context_snippets=2 context_tokens=77 "
            "prompt=300 result=ok\n"
        )
        handle.write(
            "x INFO hushcode.completion: complete req=speculative doc=a.py context_tokens=5 result=ok\n"
        )
    fields = server.request_fields(offset)
    assert fields["req"] == "i3" and fields["context_tokens"] == 77 and fields["context_snippets"] == 2
    assert server.first_pass() == {
        "files": 12,
        "parsed": 12,
        "from_cache": 0,
        "seconds": 0.5,
        "files_per_s": 24.0,
    }
