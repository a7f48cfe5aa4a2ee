"""The newer FIM families through the engine's own loading code: a tiny GGUF whose vocabulary holds
one family's tokens loads as that family's template, and the prompt hushcode lays out for it has
the family's token order.

- JetBrains Mellum: `<filename>path` of the current file (and of each cross-file snippet before
  it), then suffix first: `<filename>main.py\\n<fim_suffix>…<fim_prefix>…<fim_middle>`;
- ByteDance Seed-Coder: suffix first, `<[fim-suffix]>…<[fim-prefix]>…<[fim-middle]>`;
- Qwen3-Coder Instruct: Qwen's markers, prefix first, sent raw (no chat template tokens).

The tiny model is a Llama network (the architecture Mellum's and Seed-Coder's GGUFs have).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hushcode.config.settings import CompletionSettings
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import EngineConfig
from hushcode.engine.local import LocalEngine
from hushcode.engine.wire import Event, Load, Tokenize, encode
from hushcode.models.gguf_info import read_gguf
from hushcode.prompt import assemble
from hushcode.prompt.context import ContextSnippet
from hushcode.worker.main import Engine
from tests.fixtures.tiny_gguf import write_tiny_gguf

FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    # name in the GGUF, vocabulary's special tokens
    "mellum": ("Mellum 4b Base", ("<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>",
                                  "<filename>", "<gh_stars>")),
    "seedcoder": ("Seed Coder 8B Base", ("<[begin▁of▁sentence]>", "<[end▁of▁sentence]>", "<[PAD▁TOKEN]>",
                                         "<[fim-prefix]>", "<[fim-suffix]>", "<[fim-middle]>")),
    "qwen": ("Qwen3 Coder 30B A3B Instruct", ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|fim_prefix|>",
                                              "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>",
                                              "<|file_sep|>")),
}
PREFIX = "def add(a, b):\n    return a"
SUFFIX = "\n\nprint(add(1, 2))\n"


class _Capture:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.events: list[Event] = []

    def send(self, message: Event) -> None:
        self.events.append(message)
        self.sent.append(json.loads(encode(message)))


def load(model: Path) -> tuple[Engine, LocalEngine, _Capture]:
    """The engine's loading code in this process, and a supervisor that took its `loaded` message."""
    channel = _Capture()
    engine = Engine(channel)  # type: ignore[arg-type]
    engine.load(Load(model_path=str(model), n_ctx=256, threads=1))
    assert channel.sent[-1]["ev"] == "loaded", channel.sent[-1]
    supervisor = LocalEngine(EngineConfig(model_path=str(model)), lambda level, text: None)
    supervisor._on_loaded(channel.events[-1])  # type: ignore[arg-type]
    return engine, supervisor, channel


def tokenize(engine: Engine, channel: _Capture, texts: list[str]) -> list[list[int]]:
    engine.tokenize(Tokenize(0, tuple(texts)))
    return [list(t) for t in channel.sent[-1]["tokens"]]


def prompt(engine: Engine, supervisor: LocalEngine, channel: _Capture,
           snippets: list[ContextSnippet]) -> list[int]:
    """The full prompt at the end of PREFIX, in the model's automatic format."""
    model = supervisor.model
    assert model is not None
    doc = DocumentSnapshot(uri="file:///w/src/main.py", version=1, text=PREFIX + SUFFIX, language_id="python",
                           relative_path="src/main.py", repo_name="w")
    cfg = CompletionSettings()
    fmt = assemble.prompt_format(cfg.prompt_format, model)
    window = assemble.cut(doc, len(PREFIX), None, cfg, cfg.suffix_tokens, fmt)
    draft = assemble.draft(doc, window, fmt, snippets, model, token_healing=False)
    parts = tokenize(engine, channel, draft.texts)
    return assemble.lay_out(draft, parts, model, cfg.prefix_tokens, cfg.suffix_tokens).full


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[str, Path, Engine, LocalEngine, _Capture]:
    family: str = request.param
    name, specials = FAMILIES[family]
    path = write_tiny_gguf(tmp_path_factory.mktemp(family) / f"{family}.gguf", fim=False, name=name, specials=specials)
    return (family, path, *load(path))


def test_the_engine_and_the_metadata_reader_detect_the_family(
        loaded: tuple[str, Path, Engine, LocalEngine, _Capture]) -> None:
    family, path, _, supervisor, _ = loaded
    assert supervisor.model is not None and supervisor.model.markers.template == family
    info = read_gguf(path)
    assert info.fim is not None and info.fim.template == family


def test_the_prompt_has_the_familys_token_order(loaded: tuple[str, Path, Engine, LocalEngine, _Capture]) -> None:
    family, _, engine, supervisor, channel = loaded
    model = supervisor.model
    assert model is not None
    m = model.markers
    prefix, suffix, path, context = tokenize(engine, channel, [PREFIX, SUFFIX, "src/main.py\n",
                                                               "lib.py\ndef lib():\n    pass\n"])
    plain = prompt(engine, supervisor, channel, [])
    with_context = prompt(engine, supervisor, channel, [ContextSnippet("lib.py", "def lib():\n    pass")])
    if family == "mellum":
        filename = model.repo.file_sep
        assert filename is not None and model.repo.repo_name is None
        # the model card's layout: <filename>path\n<fim_suffix>suffix<fim_prefix>prefix<fim_middle>
        assert plain == [filename, *path, m.suffix, *suffix, m.prefix, *prefix, m.middle]
        assert with_context == [filename, *context, filename, *path, m.suffix, *suffix, m.prefix, *prefix, m.middle]
    elif family == "seedcoder":
        assert plain == [m.suffix, *suffix, m.prefix, *prefix, m.middle]
    else:
        assert model.variant == "instruct" and model.chat.start is not None  # a chat template exists...
        assert plain == [m.prefix, *prefix, m.suffix, *suffix, m.middle]  # ...and is not used
        assert model.chat.start not in with_context
