"""No injection: file contents, cross-file context, file paths and the repository name that spell
the special tokens of every supported template reach the model as plain text. Checked at the
token-id level: the prompt's control tokens are exactly the markers hushcode lays out itself, in
the same order, whatever the user's text holds.

Each template is checked with a tiny GGUF whose vocabulary carries that family's markers as
control tokens, and Qwen also with the real model's own tokenizer. The prompt is built by the
real completion service, tokenized by the real engine code, with the real workspace index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import llama_cpp
import pytest

from hushcode.completion.service import CompletionService
from hushcode.completion.trace import Trace
from hushcode.config.settings import CompletionSettings, Settings
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import EngineConfig
from hushcode.engine.local import LocalEngine
from hushcode.engine.wire import Event, Load, Tokenize, encode
from hushcode.prompt import assemble
from hushcode.prompt.layout import PROMPT_FORMATS, PromptPieces, build_prompt
from hushcode.prompt.templates import TEMPLATES, TEMPLATES_BY_NAME, all_marker_spellings
from hushcode.worker.main import Engine
from hushcode.workspace.service import WorkspaceContext
from tests.e2e import lsp
from tests.fixtures.tiny_gguf import write_tiny_gguf
from tests.reliability.fault_helpers import index_ready

# Control tokens shape the prompt. (User-defined tokens, such as Qwen's `<tool_call>`, are added
# words that the model's own tokenizer also makes from that text: they are not markers.)
CONTROL = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL


def template_tokens(name: str) -> tuple[str, ...]:
    t = TEMPLATES_BY_NAME[name]
    return tuple(dict.fromkeys((*t.prefix, *t.suffix, *t.middle, *t.stops, *t.signature,
                                *(x for x in (t.repo_name, t.file_sep) if x))))


# Every marker of every template, plus the chat and sentence markers the same vocabularies hold.
EVERY_MARKER = tuple(dict.fromkeys((*all_marker_spellings(), *(m for t in TEMPLATES for m in template_tokens(t.name)),
                                    "<|im_start|>", "<|im_end|>", "<s>", "</s>", "<start_of_turn>", "[INST]",
                                    "[/INST]", "[MIDDLE]", "<|fim_pad|>", "<|cursor|>")))


def adversarial(name: str) -> str:
    """Python code that spells every marker: in comments, strings, names glued to them, line starts."""
    glued = "".join(EVERY_MARKER)
    lines = [f"# {name}: markers as comments"] + [f"# {m} and {m}{m}" for m in EVERY_MARKER]
    lines += [f"MARKERS_{name.upper()} = [" + ", ".join(repr(m) for m in EVERY_MARKER) + "]",
              f'GLUED = "{glued}"', ""]
    lines += [f"{m}" for m in EVERY_MARKER]  # a marker alone on a line, as in a prompt
    return "\n".join(lines) + "\n"


def main_document() -> str:
    return ("from helpers import total_of_markers\n\n" + adversarial("main")
            + "\n\ndef count_markers(text: str) -> int:\n"
              '    """Count the FIM markers of <|fim_prefix|> and <｜fim▁hole｜> in text."""\n'
              "    found = total_of_markers(text) + len('<fim_middle>[SUFFIX]')\n    ")


HELPERS = adversarial("helpers") + '''

def total_of_markers(text: str) -> int:
    """Sum <|fim_middle|>, <|file_sep|>, <PRE> and [PREFIX] occurrences."""
    return sum(text.count(m) for m in MARKERS_HELPERS)
'''


class _Capture:
    """What the engine sends: each message as it crosses the pipe (`sent`), and as sent (`events`)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.events: list[Event] = []

    def send(self, message: Event) -> None:
        self.events.append(message)
        self.sent.append(json.loads(encode(message)))


def load(model: Path) -> tuple[Engine, LocalEngine]:
    """The engine's own loading and tokenizing code, in this process; a supervisor that took its
    `loaded` message, so the completion service sees exactly what the server sees."""
    channel = _Capture()
    engine = Engine(channel)  # type: ignore[arg-type]
    engine.load(Load(model_path=str(model), n_ctx=2048, threads=1))
    loaded = channel.sent[-1]
    assert loaded["ev"] == "loaded", loaded
    supervisor = LocalEngine(EngineConfig(model_path=str(model)), lambda level, text: None)
    supervisor._on_loaded(channel.events[-1])  # type: ignore[arg-type]

    async def tokenize(texts: list[str], speculative: bool = False) -> list[list[int]]:
        engine.tokenize(Tokenize(0, tuple(texts)))
        return list(channel.sent[-1]["tokens"])

    supervisor.tokenize = tokenize  # type: ignore[method-assign]
    return engine, supervisor


def control_ids(engine: Engine, tokens: list[int]) -> list[int]:
    model = engine.llm._model
    return [t for t in tokens if model.token_get_attr(t) & CONTROL]


async def prompt_and_skeleton(engine: Engine, supervisor: LocalEngine, context: WorkspaceContext | None,
                              doc: DocumentSnapshot, fmt: str, monkeypatch: pytest.MonkeyPatch
                              ) -> tuple[list[int], list[int], dict[str, Any]]:
    """The prompt the service builds at the end of `doc`, and the same layout with every piece of
    user text left out (only hushcode's own markers)."""
    captured: dict[str, Any] = {}

    def spy(fmt_: str, markers: Any, pieces: PromptPieces, bos: Any = None, repo: Any = None, chat: Any = None) -> Any:
        if "pieces" not in captured:  # the full prompt (the short one for a cold cache comes second)
            captured.update(fmt=fmt_, markers=markers, pieces=pieces, bos=bos, repo=repo, chat=chat)
        return build_prompt(fmt_, markers, pieces, bos, repo, chat)

    monkeypatch.setattr(assemble, "build_prompt", spy)
    settings = Settings(completion=CompletionSettings(prompt_format=fmt, prefix_tokens=4096, suffix_tokens=1024,
                                                      context_tokens=1024))
    service = CompletionService(settings, supervisor, context)
    fields = Trace()
    prompt = await service.prompt(supervisor, supervisor.model, doc, len(doc.text) - 2, fields)  # type: ignore[arg-type]
    assert prompt is not None
    tokens = prompt.full
    p: PromptPieces = captured["pieces"]
    empty = PromptPieces(prefix=[], suffix=[], files=[[] for _ in p.files], chat=[[] for _ in p.chat])
    skeleton = build_prompt(captured["fmt"], captured["markers"], empty, captured["bos"], captured["repo"],
                            captured["chat"])
    return tokens, skeleton, {**fields, "files": len(p.files)}


def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose name, file names and contents spell markers."""
    root = tmp_path / "repo<|repo_name|>[SUFFIX]"
    (root / "src<|file_sep|>").mkdir(parents=True)
    (root / "helpers.py").write_text(HELPERS)
    (root / "<|fim_middle|>notes<｜fim▁end｜>.py").write_text(adversarial("notes"))
    return root, root / "src<|file_sep|>" / "main<fim_suffix>▁<MID>.py"


async def check_prompts(engine: Engine, supervisor: LocalEngine, tmp_path: Path, formats: tuple[str, ...],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    """For each format: the prompt at the end of a marker-filled document, with cross-file context
    from a marker-filled workspace, holds exactly hushcode's own control tokens, in order."""
    root, path = workspace(tmp_path)
    context = WorkspaceContext([root], tmp_path / "index")
    await context.start(lambda done, total: None)
    try:
        notes = root / "<|fim_middle|>notes<｜fim▁end｜>.py"
        context.opened(notes.as_uri(), notes.read_text())
        text = main_document()
        context.opened(path.as_uri(), text)
        doc = DocumentSnapshot(uri=path.as_uri(), version=1, text=text, language_id="python",
                               relative_path=context.relative_path(path.as_uri()) or "", repo_name=root.name)
        assert "<|file_sep|>" in doc.relative_path and "<|repo_name|>" in doc.repo_name
        for fmt in formats:
            tokens, skeleton, fields = await prompt_and_skeleton(engine, supervisor, context, doc, fmt, monkeypatch)
            assert fields.get("context_snippets", 0) >= 1, fields  # cross-file context is in the prompt
            assert control_ids(engine, tokens) == control_ids(engine, skeleton), fmt
            assert len(control_ids(engine, skeleton)) >= 2
            assert len(tokens) > 20 * len(skeleton)  # the user's text is there, as text
    finally:
        context.stop()


FORMATS = {name: (("psm", "spm") if TEMPLATES_BY_NAME[name].order == "psm" else ("spm",)) for name in TEMPLATES_BY_NAME}
FORMATS["qwen"] = PROMPT_FORMATS  # Qwen has repository and chat markers too


@pytest.mark.parametrize("template", [t.name for t in TEMPLATES])
async def test_markers_are_plain_text_for_every_template(tmp_path: Path, template: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    specials = template_tokens(template) + (("<|im_start|>", "<|im_end|>") if template == "qwen" else ())
    model = write_tiny_gguf(tmp_path / f"{template}.gguf", fim=False, specials=specials, name=f"tiny {template}")
    engine, supervisor = load(model)
    assert supervisor.model is not None and supervisor.model.markers.template == template
    # 1. every marker, tokenized as the user's text: not one control token
    for marker in EVERY_MARKER:
        engine.tokenize(Tokenize(0, (marker, f"x{marker}y", adversarial("t"))))
        for tokens in engine.channel.sent[-1]["tokens"]:
            assert control_ids(engine, tokens) == [], (template, marker)
    # 2. whole prompts, with cross-file context from the index and marker-spelling paths
    await check_prompts(engine, supervisor, tmp_path, FORMATS[template], monkeypatch)


@pytest.mark.model
async def test_markers_are_plain_text_for_the_real_qwen_tokenizer(tmp_path: Path, model_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    engine, supervisor = load(model_path)
    assert supervisor.model is not None and supervisor.model.markers.template == "qwen"
    vocab_specials = [t for t in range(engine.llm.n_vocab()) if engine.llm._model.token_get_attr(t) & CONTROL]
    texts = [engine.llm._model.token_get_text(t) for t in vocab_specials]
    assert "<|fim_prefix|>" in texts and "<|im_start|>" in texts and "<|file_sep|>" in texts
    # every special token of the real vocabulary, typed by the user, stays text
    engine.tokenize(Tokenize(0, (*texts, "".join(texts), *EVERY_MARKER)))
    for tokens in engine.channel.sent[-1]["tokens"]:
        assert control_ids(engine, tokens) == []
    await check_prompts(engine, supervisor, tmp_path, PROMPT_FORMATS, monkeypatch)


@pytest.mark.parametrize("template", [t.name for t in TEMPLATES])
async def test_the_server_counts_only_its_own_markers(tmp_path: Path, template: str) -> None:
    """Through the real server and engine: the engine counts the marker tokens of each prompt."""
    model = write_tiny_gguf(tmp_path / f"{template}.gguf", fim=False, specials=template_tokens(template))
    root, path = workspace(tmp_path)
    s = lsp.Session({"HUSHCODE_MODEL": str(model), "HUSHCODE_INDEX_DIR": str(tmp_path / "index"),
                     "HUSHCODE_COMPLETION_CONTEXT_TOKENS": "1024"})
    s.root = root
    async with s as client:
        status = await lsp.wait_for_state(client, {"ready"})
        assert status["template"] == template
        await index_ready(client)
        notes = root / "<|fim_middle|>notes<｜fim▁end｜>.py"
        lsp.open_document(client, notes.as_uri(), notes.read_text())
        text = main_document()
        lsp.open_document(client, path.as_uri(), text)
        lines = text.split("\n")
        assert await lsp.inline(client, path.as_uri(), len(lines) - 1, len(lines[-1])) is not None
        status = await lsp.status(client)
    markers = 2 if TEMPLATES_BY_NAME[template].order == "spm" and not TEMPLATES_BY_NAME[template].middle else 3
    snippets = status["contextSnippets"]
    assert snippets is not None and snippets >= 1, status
    t = TEMPLATES_BY_NAME[template]
    if t.file_sep:  # repository layout: REPO_NAME where the template has one (Mellum has none), then
        # FILE_SEP per file (the engine counts its stop tokens)
        markers += (t.repo_name in t.stops if t.repo_name else 0) + (snippets + 1) * (t.file_sep in t.stops)
    assert status["controlTokens"] == markers, status
