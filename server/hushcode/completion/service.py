"""The completion service: one suggestion for one cursor, end to end.

Data flow: snapshot -> decide scope -> prompt text -> tokens (engine) -> token layout
-> generate (engine) -> cleanup -> suggestion. Pure steps live in syntax/, prompt/ and
postprocess/; this module only wires them together, measures each stage and logs one
line per request, without source code.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from hushcode.completion.cache import CachedText, SuggestionCache
from hushcode.completion.rhythm import TypingRhythm
from hushcode.config.settings import Settings
from hushcode.documents.positions import position_of, resolve_position
from hushcode.engine.contracts import GenerateRequest, GenerateResult, RankSpec
from hushcode.engine.interface import CompletionEngine
from hushcode.logs import code_logging
from hushcode.postprocess.candidate import CompletionContext, Filter
from hushcode.postprocess.pipeline import FILTERS, PIPELINES, postprocess
from hushcode.prompt.context import ContextSnippet, comment_text, repo_texts
from hushcode.prompt.formats import choose_format
from hushcode.prompt.healing import hold_back_space, restore
from hushcode.prompt.layout import (
    CHAT_HOLE,
    CHAT_SYSTEM,
    Budget,
    PromptPieces,
    build_prompt,
    fit_budget,
    typed_after_middle,
)
from hushcode.prompt.window import Window, cut_window
from hushcode.syntax.decide import Scope, decide, indent_width
from hushcode.syntax.languages import LanguageInfo, detect_language
from hushcode.syntax.python.early_reads import assigned_below
from hushcode.syntax.python.result import lacks_result
from hushcode.syntax.python.unbound import unbound_below
from hushcode.worker.kv_reuse import plan_reuse

if TYPE_CHECKING:
    from hushcode.workspace.service import WorkspaceContext

log = logging.getLogger("hushcode.completion")

# the next choices asked for when post-processing rejects the model's first (see _suggest)
_FALLBACK_ALTERNATIVES = 3
CHARS_PER_TOKEN = 3  # a conservative estimate for code; the token budget is enforced after tokenizing
_COLD_SUFFIX_TOKENS = 32  # the short prompt's suffix (see completion.cold_prompt_tokens)
_RANK_UNBOUND = 2  # names read below and defined nowhere before, that a blank line's candidates may define
_RANK_LATER = 32  # locals assigned only below that a blank line's candidates may not read (each is a regex per line)
_RANK_AFTER_LINES = 3  # the lines below a blank line that its candidates are ranked on (engine/ranking.py)
_RANK_AFTER_CHARS = 300  # ...at most this many of their characters (a minified line is not scored whole)
_RANK_READ_LINES = 12  # where the code below lacks a definition: down to where it reads it, at most this many
_RANK_READ_CHARS = 600  # ...and of their characters
_NON_SPACE = re.compile(r"\S")


@dataclass(frozen=True)
class DocumentSnapshot:
    """An immutable copy of a document, taken on the event loop when a request arrives."""

    uri: str
    version: int | None
    text: str
    language_id: str | None = None
    repo_name: str = "workspace"  # for the repository prompt format
    relative_path: str = ""

    def __post_init__(self) -> None:
        if not self.relative_path:
            object.__setattr__(self, "relative_path", PurePosixPath(self.uri).name)


def language_name(doc: DocumentSnapshot) -> str | None:
    info = detect_language(doc.language_id, doc.uri)
    return info.name if info else None


@dataclass(frozen=True)
class PromptTokens:
    """A request's prompt as token ids: the full one, and the short one for a cold cache (the end
    of the prefix and the start of the suffix only: no cross-file context)."""

    full: list[int]
    short: Callable[[], list[int]]  # built only when the cache is cold
    held: str = ""  # text before the cursor left out of the prompt (see prompt/healing.py)


@dataclass(frozen=True)
class Suggestion:
    text: str  # inserted at the cursor...
    replace_end: int = 0  # ...replacing this many characters after it (auto-closed brackets)


@dataclass
class CompletionStats:
    """The last completion's figures, for the status bar and tests."""

    requests: int = 0
    answered: int = 0
    last: dict[str, float | int | str] = field(default_factory=dict)
    speculative: dict[str, float | int | str] = field(default_factory=dict)  # the last speculative request
    warmups: int = 0
    in_flight: int = 0  # completion requests being handled now
    max_in_flight: int = 0


class CompletionService:
    """Turns a cursor in a document into at most one suggestion."""

    def __init__(self, settings: Settings, engine: CompletionEngine | None) -> None:
        self.settings = settings
        self.engine = engine
        self.stats = CompletionStats()
        self._anchors: dict[str, int] = {}  # per document: the first line of the prompt window
        self._rhythms: dict[str, TypingRhythm] = {}
        self._latest: dict[str, int] = {}  # per document: the newest request's ticket
        self.cache = SuggestionCache()
        self.context: WorkspaceContext | None = None  # cross-file context, when the server has a workspace
        self._cursors: dict[str, int] = {}  # per document: where the user last asked (for warm-up)
        # the prompt the engine's KV cache is expected to hold (the last one sent), and its document
        self._cached_prompt: tuple[str, list[int]] | None = None
        self._background: set[asyncio.Task[None]] = set()

    async def suggest(
        self, doc: DocumentSnapshot, line: int, character: int, encoding: str, request_id: object
    ) -> Suggestion | None:
        """The suggestion for this cursor, or None (never raises for bad input)."""
        found = await self.suggest_all(doc, line, character, encoding, request_id, alternatives=1)
        return found[0] if found else None

    async def suggest_all(
        self, doc: DocumentSnapshot, line: int, character: int, encoding: str, request_id: object,
        alternatives: int = 1,
    ) -> list[Suggestion]:
        """Up to `alternatives` distinct suggestions for this cursor, best first."""
        started = time.perf_counter()
        self.stats.requests += 1
        self.stats.in_flight += 1
        self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
        fields: dict[str, float | int | str] = {"req": str(request_id), "doc": PurePosixPath(doc.uri).name}
        try:
            return await self._suggest(doc, line, character, encoding, fields, alternatives)
        finally:
            self.stats.in_flight -= 1
            fields["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
            self.stats.last = fields
            log.info("complete %s", " ".join(f"{k}={v}" for k, v in fields.items()))

    async def _suggest(
        self, doc: DocumentSnapshot, line: int, character: int, encoding: str,
        fields: dict[str, float | int | str], alternatives: int, speculative: bool = False,
    ) -> list[Suggestion]:
        cfg = self.settings.completion
        if not cfg.enabled:
            fields["result"] = "disabled"
            return []
        cursor = resolve_position(doc.text, line, character, encoding)
        if cursor is None:
            fields["result"] = "invalid_position"
            return []
        rhythm = self._rhythms.setdefault(doc.uri, TypingRhythm(max_delay_ms=cfg.debounce_ms))
        if not speculative:
            rhythm.observe(time.monotonic() * 1000)
            self._latest[doc.uri] = ticket = self._latest.get(doc.uri, 0) + 1
        before, line_after = doc.text[:cursor.offset], doc.text[cursor.offset:cursor.line_end]
        if not speculative:
            self._cursors[doc.uri] = cursor.offset
        # before deciding: typing through a suggestion that opened a comment or string still shows the rest
        cached = self.cache.get(doc.uri, before, line_after) if alternatives == 1 else None
        if cached:  # typed through a suggestion (or accepted a speculative one): no model call
            self.stats.answered += 1
            fields["result"] = "cache_hit"
            return [Suggestion(c.text, c.replace_end) for c in cached]
        language = detect_language(doc.language_id, doc.uri)
        t_decide = time.perf_counter()
        decision = decide(doc.text, cursor.offset, cursor.line_start, cursor.line_end, language)
        fields["decide_ms"] = round((time.perf_counter() - t_decide) * 1000, 2)
        fields["scope"] = decision.scope.value
        if decision.scope is Scope.SKIP:
            fields["result"] = f"skip_{decision.reason}"
            return []
        at_line_start = not before[cursor.line_start:].strip()  # just after an Enter: no debounce
        if not speculative and (delay := rhythm.delay_ms(at_line_start)) > 0:
            await asyncio.sleep(delay / 1000)  # debounce: a newer keystroke makes this one moot
            if self._latest.get(doc.uri) != ticket:
                fields["result"] = "superseded"
                return []
        engine = self.engine
        if engine is None or engine.model is None:
            fields["result"] = "no_engine"
            return []
        # within a line, what follows the line matters little to finishing it, and every token of
        # the suffix is evaluated again at each keystroke: a shorter suffix there
        suffix_budget = cfg.line_suffix_tokens if decision.scope is Scope.LINE and cfg.line_suffix_tokens > 0 else None
        prompt = await self._prompt(engine, doc, cursor.offset, fields, speculative, suffix_budget)
        if prompt is None:
            fields["result"] = "engine_unavailable"
            return []
        tokens = prompt.full
        if prompt.held:
            fields["held"] = len(prompt.held)
        cold = not speculative and self._cold(engine, doc.uri, prompt.full)
        if cold:  # answer from the short prompt now; the full one is evaluated in the background next
            tokens = prompt.short()
            fields["cold"] = 1
        self._cached_prompt = (doc.uri, prompt.full)
        scope = decision.scope
        request = GenerateRequest(
            tokens=tokens, document=doc.uri, speculative=speculative,
            max_tokens=cfg.max_line_tokens if scope is Scope.LINE else cfg.max_tokens,
            stop_at_newline=scope is Scope.LINE,
            stop_texts=("\n\n\n",) if scope is Scope.BLOCK else (),
            stop_indent=decision.min_indent if scope is Scope.BLOCK else None,
            stop_unmatched_close=scope is Scope.BLOCK and language is not None and not language.indentation_scoped,
            alternatives=alternatives, reuse_min_chunk=cfg.reuse_chunk_tokens, timeout_ms=cfg.timeout_ms,
            # typing (not a manual trigger, not background work): show the first lines fast
            budget_ms=cfg.first_suggestion_ms if scope is Scope.BLOCK and alternatives == 1 and not speculative else 0,
            rank=self._rank_spec(engine, doc.text, (cursor.line_start, cursor.line_end), cursor.offset,
                                 decision.reason, tokens, prompt, str(fields.get("format")), alternatives,
                                 language),
        )
        ctx = CompletionContext(prefix=before, suffix=doc.text[cursor.offset:], decision=decision,
                                language=language, stop_texts=engine.model.markers.marker_texts + ("<|im_end|>",),
                                chat=fields.get("format") == "chat")
        filters = PIPELINES.get(cfg.postprocess, FILTERS)
        try:
            result = await engine.generate(request)
            if result is None:
                fields["result"] = "cancelled_or_unavailable"
                return []
            self._record(result, fields)
            if result.ranked:
                fields["ranked"] = result.ranked
            t1 = time.perf_counter()
            raws = result.alternatives or (result.text,)
            # a ranked blank line's texts come best first: one suggestion unless alternatives were asked for
            found = _clean(ctx, raws, prompt.held, filters)[:alternatives]
            fields["post_ms"] = round((time.perf_counter() - t1) * 1000, 2)
            if not found and not speculative and alternatives == 1 and filters is FILTERS and result.text.strip() \
                    and engine.capabilities.alternatives and self._latest.get(doc.uri) == ticket:
                # the model's first choice was rejected (it repeats the next line, breaks the parse,
                # ...): its next choices from the same prompt rather than nothing. Only the local
                # engine computes alternatives (a remote server answers one text); a block keeps the
                # first-suggestion budget, so each choice stops at a line end soon.
                retry = await engine.generate(replace(request, alternatives=_FALLBACK_ALTERNATIVES))
                if retry is not None:
                    others = tuple(r for r in retry.alternatives if r != result.text)
                    raws = (*raws, *others)
                    survivors = _clean(ctx, others, prompt.held, filters)
                    fields["fallback"] = len(survivors)
                    found = survivors[:alternatives]  # the first that survives: one suggestion
                    fields["gen_ms"] = round(float(fields.get("gen_ms", 0)) + retry.gen_ms, 1)
        finally:
            if cold:
                self._evaluate_later(engine, doc.uri, prompt.full)
        if code_logging():  # the user asked for code in the log (--log-level debug-code)
            log.debug("code req=%s line=%r raw=%r shown=%r", fields["req"], before[before.rfind("\n") + 1:] + line_after,
                      raws, [s.text for s in found])
        if not found:
            fields["result"] = "empty"
            return []
        self.cache.put(doc.uri, before, line_after, [CachedText(s.text, s.replace_end) for s in found])
        self.stats.answered += 0 if speculative else 1
        fields["result"] = "ok"
        fields["chars"] = len(found[0].text)
        if alternatives > 1:
            fields["alternatives"] = len(found)
        return found

    async def _prompt(self, engine: CompletionEngine, doc: DocumentSnapshot, offset: int,
                      fields: dict[str, float | int | str], speculative: bool = False,
                      suffix_tokens: int | None = None) -> PromptTokens | None:
        """Cut the window, tokenize it (special tokens off) and lay it out as token ids."""
        cfg = self.settings.completion
        suffix_tokens = cfg.suffix_tokens if suffix_tokens is None else min(suffix_tokens, cfg.suffix_tokens)
        model = engine.model
        assert model is not None
        fmt = choose_format(cfg.prompt_format, model.markers.template, model.variant)
        if fmt == "chat" and model.chat.start is None:
            fmt = "psm"  # no chat template in this model
        fields["format"] = fmt
        t0 = time.perf_counter()
        window = cut_window(doc.text, offset, self._anchors.get(doc.uri), cfg.prefix_tokens * CHARS_PER_TOKEN,
                            suffix_tokens * CHARS_PER_TOKEN, cfg.suffix_lines, typed_after_middle(fmt))
        self._anchors[doc.uri] = window.anchor
        snippets = await self._context_snippets(doc, offset, window, fields)
        held = ""
        if cfg.token_healing and fmt != "chat":
            window, held = hold_back_space(window)
        use_repo = bool(snippets) and model.repo.repo_name is not None and fmt != "chat"
        files = repo_texts(doc.repo_name, snippets, doc.relative_path) if use_repo else []
        head = comment_text(snippets, language_name(doc)) if snippets and not use_repo and fmt != "chat" else ""
        texts = [window.prefix, window.suffix, window.typed, head, *files]
        if fmt == "repo":
            texts += [f"{doc.repo_name}\n", f"{doc.relative_path}\n"]
        elif fmt == "chat":
            texts += ["system\n" + CHAT_SYSTEM, "\n", "user\n", CHAT_HOLE, "assistant\n"]
        parts = await engine.tokenize(texts, speculative=speculative)
        fields["tokenize_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        if parts is None:
            return None
        prefix, suffix = fit_budget(parts[0], parts[1],
                                    Budget(max(cfg.prefix_tokens - len(parts[2]), 0), suffix_tokens))
        extra = parts[4 + len(files):]
        if snippets:
            fields["context_tokens"] = len(parts[3]) + sum(len(f) for f in parts[4:4 + len(files)])
        pieces = PromptPieces(prefix=prefix, suffix=suffix, typed=parts[2], prefix_head=parts[3],
                              files=parts[4:4 + len(files)],
                              repo=extra[0] if fmt == "repo" else (), path=extra[1] if fmt == "repo" else (),
                              chat=extra[:5] if fmt == "chat" else ())
        full = build_prompt(fmt, model.markers, pieces, bos=model.bos, repo=model.repo, chat=model.chat)

        def short() -> list[int]:
            short_suffix = min(suffix_tokens, _COLD_SUFFIX_TOKENS)
            skeleton = PromptPieces(prefix=(), suffix=(), typed=parts[2], repo=pieces.repo, path=pieces.path,
                                    chat=pieces.chat)  # markers, the typed part and the format's own text
            fixed = len(build_prompt(fmt, model.markers, skeleton, bos=model.bos, repo=model.repo, chat=model.chat))
            short_prefix = min(max(cfg.cold_prompt_tokens - short_suffix - fixed, 0), len(prefix))
            return build_prompt(fmt, model.markers, replace(skeleton, prefix=prefix[len(prefix) - short_prefix:],
                                                            suffix=suffix[:short_suffix]),
                                bos=model.bos, repo=model.repo, chat=model.chat)

        return PromptTokens(full=full, short=short, held=held)

    def _rank_spec(self, engine: CompletionEngine, text: str, line: tuple[int, int], cursor: int, reason: str,
                   tokens: list[int], prompt: PromptTokens, fmt: str, alternatives: int,
                   language: LanguageInfo | None = None) -> RankSpec | None:
        """Ask the engine to rank a blank line's candidates (engine/ranking.py): a blank line (the first
        line of an empty body included: the HumanEval study found the left-to-right line right there
        as often as between statements), a prompt whose start, up to the suffix marker, is the prefix
        read left to right (PSM and the repository format; not SPM, typed-after-middle or chat), one
        suggestion, the local engine. With the `language`: its line comment (comments are not
        compared with code), and, where blocks end by dedent and the next line of code is a statement
        of the cursor's block, how a block header ends (a header alone there would have no body)."""
        candidates = self.settings.completion.blank_line_candidates
        model = engine.model
        if candidates < 1 or reason != "empty_line" or alternatives != 1 or not engine.capabilities.ranking \
                or model is None \
                or fmt not in ("psm", "repo") or model.markers.order != "psm" or model.markers.suffix not in tokens:
            return None
        # what the code below reads and nothing before the cursor defines (syntax/python/)
        unbound = unbound_below(text, cursor, language)[:_RANK_UNBOUND]
        # the lines its candidates must lead into, read only here (a blank line, ranking on); where
        # the code below lacks a definition, down to where it reads the names (their use tells
        # `total = 0` from `total = []`), within limits
        row = text.count("\n", 0, cursor) if unbound else 0
        count = min(max([_RANK_AFTER_LINES, *(u.row - row for u in unbound)]), _RANK_READ_LINES)
        lines, ends = lines_below(text, cursor, count)
        below = lines[:_RANK_AFTER_CHARS if count == _RANK_AFTER_LINES else _RANK_READ_CHARS]
        # after the line's indentation, a candidate's own leading whitespace is not shown (the cleanup
        # drops it): the candidates are compared as shown, starting with the space the prompt held back
        indented = line[0] < cursor and text[cursor - 1] in " \t"
        next_code = next((ln for ln in lines.split("\n") if ln.strip()), None)
        same_block = next_code is not None and indent_width(next_code) == indent_width(text[line[0]:cursor])
        # where the document ends below, the end-of-text token follows the lines below
        ends = ends and len(below) == len(lines)
        return RankSpec(
            candidates=candidates, context=tokens.index(model.markers.suffix), below=below,
            end_of_text=model.markers.end_of_text if ends else None, lead=prompt.held if indented else None,
            comment=language.line_comment if language else None,
            header=language.header_end if language and same_block else None,
            # a line that jumps away (`return`, `break`) would leave the code below unreachable
            jumps=tuple(sorted({kind.split("_")[0] for kind in language.jumps})) if language and same_block else (),
            define=tuple(u.name for u in unbound if not u.module), imports=tuple(u.name for u in unbound if u.module),
            result=self.settings.completion.blank_line_return and lacks_result(text, cursor, language),
            # locals the function assigns only below: a line reading one raises UnboundLocalError
            later=tuple(assigned_below(text, cursor, language)[:_RANK_LATER]),
            # the literal the code below first compares such a name with: its likeliest value
            values=tuple((u.name, u.value) for u in unbound if u.value is not None and not u.module))

    def _cold(self, engine: CompletionEngine, uri: str, tokens: list[int]) -> bool:
        """Would this prompt evaluate more than `completion.cold_prompt_tokens` new tokens? Only
        for the local engine on a CPU, where prompt evaluation is what a suggestion costs."""
        limit = self.settings.completion.cold_prompt_tokens
        model = engine.model
        if limit <= 0 or not engine.capabilities.prompt_bound:
            return False
        cached = self._cached_prompt[1] if self._cached_prompt and self._cached_prompt[0] == uri else []
        plan = plan_reuse(cached, tokens, self.settings.completion.reuse_chunk_tokens)
        return len(tokens) - plan.evaluate_from > limit

    def _evaluate_later(self, engine: CompletionEngine, uri: str, tokens: list[int]) -> None:
        """Evaluate a full prompt in the background (lowest priority; any request pre-empts it, and
        what it evaluated before that stays in the cache for the next keystroke)."""
        fields: dict[str, float | int | str] = {"req": "warm_full", "doc": PurePosixPath(uri).name}
        task = asyncio.get_running_loop().create_task(self._evaluate(engine, uri, tokens, fields, time.perf_counter()))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _evaluate(self, engine: CompletionEngine, uri: str, tokens: list[int],
                        fields: dict[str, float | int | str], started: float) -> None:
        """Evaluate a prompt at the lowest priority (no generation) and log it as a warm-up."""
        result = await engine.generate(GenerateRequest(tokens=tokens, document=uri, speculative=True, max_tokens=0,
                                                       timeout_ms=self.settings.completion.timeout_ms))
        fields["result"] = "cancelled" if result is None or result.reason == "cancelled" else "warmed"
        if result is not None:
            self._record(result, fields)
        fields["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
        self.stats.warmups += 1
        log.info("complete %s", " ".join(f"{k}={v}" for k, v in fields.items()))

    async def _context_snippets(self, doc: DocumentSnapshot, offset: int, window: Window,
                                fields: dict[str, float | int | str]) -> list[ContextSnippet]:
        """Cross-file snippets for this prompt (the document's ring; see workspace_context.py)."""
        budget = self.settings.completion.context_tokens * CHARS_PER_TOKEN
        if self.context is None or budget <= 0:
            return []
        start = offset - len(window.typed) - len(window.prefix)
        found = await self.context.snippets(doc.uri, doc.text, offset, (start, offset + len(window.suffix)), budget)
        fields["context_snippets"] = len(found)
        # retrieval ranks best first; the prompt puts the best last, right before the current file,
        # where the model reads it as the code just seen (docs/workspace.md, "Prompt order")
        return [ContextSnippet(s.path, s.text) for s in reversed(found)]

    async def speculate(self, doc: DocumentSnapshot, line: int, character: int, encoding: str,
                        suggestion: Suggestion) -> None:
        """While the user reads a suggestion, compute the next one "as if accepted" (and Enter
        pressed) and cache it: accepting and going on to the next line then costs no model call."""
        cfg = self.settings.completion
        ticket = self._latest.get(doc.uri)
        await asyncio.sleep(cfg.speculate_after_ms / 1000)
        if not cfg.speculative or self._latest.get(doc.uri) != ticket:
            return  # the user typed on
        cursor = resolve_position(doc.text, line, character, encoding)
        if cursor is None:
            return
        # As if accepted, then Enter: the editor asks again on the new line, at its indentation.
        head = doc.text[:cursor.offset] + suggestion.text
        last_line = head[head.rfind("\n") + 1:]
        indent = last_line[: len(last_line) - len(last_line.lstrip(" \t"))]
        if last_line.rstrip().endswith((":", "{", "(", "[")):
            indent += "\t" if indent.startswith("\t") else "    "
        head += "\n" + indent
        text = head + doc.text[cursor.offset + suggestion.replace_end:]
        offset = len(head)
        line2, char2 = position_of(text, offset, "utf-32")
        accepted = DocumentSnapshot(uri=doc.uri, version=None, text=text, language_id=doc.language_id,
                                    repo_name=doc.repo_name, relative_path=doc.relative_path)
        fields: dict[str, float | int | str] = {"req": "speculative", "doc": PurePosixPath(doc.uri).name}
        started = time.perf_counter()
        await self._suggest(accepted, line2, char2, "utf-32", fields, 1, speculative=True)
        fields["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
        self.stats.speculative = fields
        log.info("complete %s", " ".join(f"{k}={v}" for k, v in fields.items()))

    async def warm(self, doc: DocumentSnapshot, delay_ms: int = 300) -> None:
        """Evaluate a just-opened document's prompt in the background (lowest priority, pre-empted
        by any real request), so that its first suggestion does not pay for a cold prompt."""
        await asyncio.sleep(delay_ms / 1000)
        engine = self.engine
        if not self.settings.completion.warm_up or engine is None or engine.model is None:
            return
        if doc.uri in self._latest:
            return  # the user is already asking for suggestions here
        offset = self._cursors.get(doc.uri)
        fmt = choose_format(self.settings.completion.prompt_format, engine.model.markers.template,
                            engine.model.variant)
        if offset is None or offset > len(doc.text):
            if fmt.startswith("spm"):
                return  # the prompt starts with the text below the cursor: nothing is stable yet
            # PSM prompts start at the window's first line: from the top of the file, that part is
            # the same for every cursor in its first screens.
            budget = self.settings.completion.prefix_tokens * CHARS_PER_TOKEN
            end = doc.text.rfind("\n", 0, budget)
            offset = len(doc.text) if len(doc.text) <= budget else max(end, 0)
        fields: dict[str, float | int | str] = {"req": "warmup", "doc": PurePosixPath(doc.uri).name}
        started = time.perf_counter()
        prompt = await self._prompt(engine, doc, offset, fields, speculative=True)
        if prompt is not None:
            self._cached_prompt = (doc.uri, prompt.full)
            await self._evaluate(engine, doc.uri, prompt.full, fields, started)

    def forget(self, uri: str) -> None:
        """The document was closed."""
        self.cache.forget(uri)
        for table in (self._anchors, self._rhythms, self._latest):  # the cursor is kept for a reopen
            table.pop(uri, None)

    @staticmethod
    def _record(result: GenerateResult, fields: dict[str, float | int | str]) -> None:
        fields.update(
            prompt=result.prompt_tokens, reused=result.reused, shifted=result.shifted, evaluated=result.evaluated,
            generated=result.generated, control=result.control_tokens, stop=result.reason,
            prompt_ms=result.prompt_ms, gen_ms=result.gen_ms,
        )


def lines_below(text: str, offset: int, count: int = _RANK_AFTER_LINES) -> tuple[str, bool]:
    """The `count` lines after the cursor's line that a blank line's candidates are ranked on ("\n"
    when none): what a candidate must lead into; and whether the document ends after them (only
    blank lines follow). Read in place, without splitting the rest of the file."""
    start = text.find("\n", offset)
    if start == -1:
        return "\n", True
    end = start
    for _ in range(count):
        found = text.find("\n", end + 1)
        end = len(text) if found == -1 else found
        if found == -1:
            break
    below = text[start:end]
    ends = _NON_SPACE.search(text, end) is None  # in place: no copy of the rest of the document
    return (below if below.strip() else "\n"), ends


def _clean(ctx: CompletionContext, raws: Sequence[str], held: str, filters: tuple[Filter, ...]) -> list[Suggestion]:
    """The model's texts through post-processing: the distinct survivors, in order."""
    found: list[Suggestion] = []
    for raw in raws:
        candidate = postprocess(ctx, restore(raw, held), filters)
        if candidate is not None and all(candidate.text != s.text for s in found):
            found.append(Suggestion(text=candidate.text, replace_end=candidate.replace_end))
    return found
