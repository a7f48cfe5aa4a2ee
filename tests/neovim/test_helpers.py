"""The plugin's pure Lua helpers, run inside a real Neovim 0.12 (no server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.neovim.editor import REPO, Editor

WORDS = [
    ("identifier", "return a + b", "return"),
    ("leading-blank", "  x = 1", "  x"),
    ("punctuation-run", ".x = x", "."),
    ("operator-after-blank", " += 1", " +="),
    ("newline-then-indent", "\n    return x", "\n    return"),
    ("non-ascii-word", "héllo wörld", "héllo"),
    ("one-word", "pass", "pass"),
    ("blank-only", "   ", "   "),
]

LINES = [
    ("two-lines", "self.x = x\n        self.y = y", "self.x = x"),
    ("one-line", "return a + b", "return a + b"),
    ("leading-newlines", "\n\n    y = 2\nz", "\n\n    y = 2"),
    ("trailing-newline", "x\n", "x"),
]


@pytest.fixture(scope="module")
def editor(nvim_012: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Editor]:
    editor = Editor(nvim_012, tmp_path_factory.mktemp("helpers"), {})
    yield editor
    editor.close()


@pytest.mark.parametrize(("text", "word"), [w[1:] for w in WORDS], ids=[w[0] for w in WORDS])
def test_first_word(editor: Editor, text: str, word: str) -> None:
    assert editor.lua("return require('hushcode.inline').first_word(...)", text) == word


@pytest.mark.parametrize(("text", "line"), [x[1:] for x in LINES], ids=[x[0] for x in LINES])
def test_first_line(editor: Editor, text: str, line: str) -> None:
    assert editor.lua("return require('hushcode.inline').first_line(...)", text) == line


def test_default_server_is_the_checkouts_own(editor: Editor) -> None:
    cmd = editor.lua("return require('hushcode.server').default_cmd()")
    venv = REPO / ".venv" / "bin" / "hushcode"
    if venv.exists():  # scripts/setup.sh made it
        assert cmd[0] == str(venv)
    else:
        assert cmd[0].endswith("hushcode")
    assert cmd[1:3] == ["serve", "--log-file"] and cmd[3].endswith("/hushcode.log")


def test_version_and_log_file_of_a_command(editor: Editor) -> None:
    server = "require('hushcode.server')"
    cmd = ["/usr/bin/python3", "-m", "hushcode", "serve", "--log-file", "/tmp/h.log"]
    version = ["/usr/bin/python3", "-m", "hushcode", "--version"]
    assert editor.lua(f"return {server}.version_cmd(...)", cmd) == version
    doctor = ["/usr/bin/python3", "-m", "hushcode", "doctor", "--json", "--no-editors"]
    assert editor.lua(f"return {server}.doctor_cmd(...)", cmd) == doctor
    assert editor.lua(f"return {server}.log_file_of(...)", cmd) == "/tmp/h.log"
    equals_form = ["hushcode", "serve", "--log-file=/x.log"]
    assert editor.lua(f"return {server}.log_file_of(...)", equals_form) == "/x.log"
    assert editor.lua(f"return {server}.log_file_of(...)", ["hushcode", "serve"]) is None


def test_lsp_config_resolves(editor: Editor) -> None:
    """lsp/hushcode.lua as `vim.lsp.config` reads it from the runtimepath, without setup()."""
    config = editor.lua("local c = vim.lsp.config.hushcode; return { cmd = c.cmd, ft = c.filetypes, "
                        "markers = c.root_markers, status = type(c.handlers['hushcode/status']) }")
    assert config["cmd"][1] == "serve"
    assert "python" in config["ft"] and ".git" in config["markers"]
    assert config["status"] == "function"


def test_model_menu_offers_installed_usable_models_with_their_source(editor: Editor) -> None:
    """`:Hushcode models` from listModels: what can be picked, and notes on the rest (JSON nulls are vim.NIL)."""
    def entry(name: str, source: str, *, installed: bool = True, fim: str | None = "qwen",
              license: str = "unknown", default: bool = False) -> dict[str, object]:
        return {"id": name, "name": name, "source": source, "path": f"/m/{name}", "installed": installed,
                "default": default, "fim": fim, "usable": fim is not None, "license": license,
                "quant": "Q8_0", "params": None}

    models = [entry("catalog-a", "catalog", license="Apache-2.0", default=True),
              entry("catalog-b", "catalog", installed=False),
              entry("qwen2.5-coder:1.5b", "ollama"),
              entry("chat.gguf", "lmstudio", fim=None)]
    choices, notes = editor.lua("return { require('hushcode.commands').model_choices(...) }",
                                models, "/m/qwen2.5-coder:1.5b")
    assert choices == [
        {"label": "catalog-a (catalog, Q8_0, qwen FIM, Apache-2.0, default)", "path": "/m/catalog-a"},
        {"label": "* qwen2.5-coder:1.5b (Ollama, Q8_0, qwen FIM)", "path": "/m/qwen2.5-coder:1.5b"},
    ]
    assert len(notes) == 2
    assert "not installed" in notes[0] and "catalog-b" in notes[0] and "hushcode models pull" in notes[0]
    assert "no fill-in-the-middle tokens" in notes[1] and "chat.gguf" in notes[1]
    # an older server: catalog entries only, without source, fim or usable
    old = [{"id": "a", "name": "A", "path": "/a", "installed": True, "default": False}]
    assert editor.lua("return { require('hushcode.commands').model_choices(...) }", old, None) == [
        [{"label": "A (catalog)", "path": "/a"}], []]
