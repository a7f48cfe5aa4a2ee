"""The post-processing pipeline: small pure filters, in order. Any filter may drop the suggestion."""

from __future__ import annotations

from hushcode.postprocess.brackets import fix_brackets
from hushcode.postprocess.candidate import Candidate, CompletionContext, Filter
from hushcode.postprocess.chat_answer import unwrap_chat_answer
from hushcode.postprocess.control_chars import cut_at_control_chars
from hushcode.postprocess.indent_style import match_indent_style
from hushcode.postprocess.indentation import cut_at_dedent, keep_to_indents
from hushcode.postprocess.parse_check import keep_file_parsing
from hushcode.postprocess.reachability import keep_code_reachable
from hushcode.postprocess.repetition import cut_repetition
from hushcode.postprocess.scaffolding import drop_test_scaffolding
from hushcode.postprocess.scope import limit_to_scope
from hushcode.postprocess.stops import cut_at_stops
from hushcode.postprocess.suffix_repeat import drop_suffix_repeat
from hushcode.postprocess.unbound_local import drop_unbound_local
from hushcode.postprocess.whitespace import trim_whitespace

FILTERS: tuple[Filter, ...] = (
    cut_at_control_chars,
    cut_at_stops,
    unwrap_chat_answer,
    limit_to_scope,
    cut_at_dedent,
    keep_to_indents,
    drop_test_scaffolding,
    cut_repetition,
    drop_suffix_repeat,
    fix_brackets,
    match_indent_style,
    trim_whitespace,
    keep_file_parsing,
    keep_code_reachable,
    drop_unbound_local,
)


MINIMAL: tuple[Filter, ...] = (cut_at_control_chars, cut_at_stops, unwrap_chat_answer, limit_to_scope, trim_whitespace)

# the model's text as it came (a plain baseline): only cut where a marker or control character ends it
RAW: tuple[Filter, ...] = (cut_at_control_chars, cut_at_stops)

PIPELINES: dict[str, tuple[Filter, ...]] = {"full": FILTERS, "minimal": MINIMAL, "off": RAW}


def postprocess(ctx: CompletionContext, raw: str, filters: tuple[Filter, ...] = FILTERS) -> Candidate | None:
    """Run `raw` model output through every filter; None means "show nothing"."""
    candidate: Candidate | None = Candidate(text=raw)
    for step in filters:
        if candidate is None or not candidate.text.strip():
            return None
        candidate = step(ctx, candidate)
    if candidate is None or not candidate.text.strip():
        return None
    return candidate
