"""FIM templates are detected from the vocabulary, and the prompt's token layout."""

from __future__ import annotations

import pytest

from hushcode.prompt.layout import (
    Budget,
    PromptPieces,
    RepoMarkers,
    build_fim_tokens,
    build_prompt,
    fit_budget,
    split_around_cursor,
)
from hushcode.prompt.templates import TEMPLATES_BY_NAME, FimMarkers, detect_markers


def vocab(*specials: str):
    ids = {text: 1000 + i for i, text in enumerate(specials)}
    return ids.get


QWEN = vocab("<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
             "<|repo_name|>", "<|file_sep|>", "<|im_end|>")
CODEGEMMA = vocab("<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|file_separator|>", "<eos>")
DEEPSEEK = vocab("<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", "<|EOT|>", "<｜end▁of▁sentence｜>")
STARCODER2 = vocab("<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>", "<|endoftext|>", "<file_sep>")
CODELLAMA = vocab("▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>", "</s>")
CODESTRAL = vocab("[PREFIX]", "[SUFFIX]", "[MIDDLE]", "</s>")
MELLUM = vocab("<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>", "<filename>")
SEEDCODER = vocab("<[begin▁of▁sentence]>", "<[end▁of▁sentence]>", "<[fim-prefix]>", "<[fim-suffix]>",
                  "<[fim-middle]>")
QWEN3 = vocab("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
              "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>")
LLAMA_CHAT = vocab("<|begin_of_text|>", "<|eot_id|>")


@pytest.mark.parametrize(
    "lookup,name",
    [(QWEN, "qwen"), (CODEGEMMA, "codegemma"), (DEEPSEEK, "deepseek"), (STARCODER2, "starcoder2"),
     (CODELLAMA, "codellama"), (CODESTRAL, "codestral"), (MELLUM, "mellum"), (SEEDCODER, "seedcoder"),
     (QWEN3, "qwen")],
)
def test_detects_each_family(lookup, name: str) -> None:
    markers = detect_markers(lookup)
    assert markers is not None and markers.template == name
    template = TEMPLATES_BY_NAME[name]
    assert markers.prefix == lookup(template.prefix[0])
    assert markers.suffix == lookup(template.suffix[0])


def test_qwen_markers_and_stops() -> None:
    markers = detect_markers(QWEN)
    assert markers is not None
    assert (markers.prefix, markers.suffix, markers.middle) == (1001, 1003, 1002)
    assert {1000, 1004, 1005, 1006, 1007} <= set(markers.stop_ids)  # endoftext, fim_pad, repo, file_sep, im_end


def test_model_without_fim_tokens_is_refused() -> None:
    assert detect_markers(LLAMA_CHAT) is None


def test_suffix_first_families() -> None:
    mellum, seed = detect_markers(MELLUM, {"general.architecture": "llama"}), detect_markers(SEEDCODER)
    assert mellum is not None and seed is not None
    assert (mellum.order, mellum.prefix, mellum.suffix, mellum.middle) == ("spm", 1001, 1003, 1002)
    assert {1000, 1005} <= set(mellum.stop_ids)  # <|endoftext|>, <filename>
    assert (seed.order, seed.prefix, seed.suffix, seed.middle) == ("spm", 1002, 1003, 1004)
    assert seed.end_of_text == 1001 and 1001 in seed.stop_ids


@pytest.mark.parametrize(("metadata", "name"), [
    (None, "mellum"),  # a shared server's tokenize endpoint: no metadata, the vocabulary decides
    ({"general.architecture": "llama"}, "mellum"),
    ({"general.architecture": "llama", "tokenizer.ggml.pre": "mellum"}, "mellum"),
    ({"general.architecture": "starcoder"}, "starcoder2"),  # StarCoder 1 has <filename> too
    ({"general.architecture": "granite"}, "starcoder2"),
])
def test_mellum_is_told_from_starcoder_by_the_metadata(metadata: dict[str, str] | None, name: str) -> None:
    markers = detect_markers(MELLUM, metadata)
    assert markers is not None and markers.template == name


def test_the_pre_tokenizer_name_alone_makes_mellum() -> None:
    markers = detect_markers(STARCODER2, {"general.architecture": "llama", "tokenizer.ggml.pre": "mellum"})
    assert markers is not None and markers.template == "mellum"
    assert detect_markers(STARCODER2, {"general.architecture": "llama"}).template == "starcoder2"  # type: ignore[union-attr]


def markers(order: str = "psm", middle: int | None = 3) -> FimMarkers:
    return FimMarkers(template="t", prefix=1, suffix=2, middle=middle, order=order,  # type: ignore[arg-type]
                      stop_ids=(), marker_texts=())


def test_psm_layout() -> None:
    assert build_fim_tokens(markers(), [10, 11], [20], bos=None) == [1, 10, 11, 2, 20, 3]
    assert build_fim_tokens(markers(), [10], [20], bos=99) == [99, 1, 10, 2, 20, 3]


def test_spm_layout_without_middle_marker() -> None:
    assert build_fim_tokens(markers("spm", None), [10, 11], [20]) == [2, 20, 1, 10, 11]


def test_file_names_without_a_repository_marker_come_first_then_suffix_first() -> None:
    """Mellum's layout: `<filename>` before each file's path (no repository name), the current
    file last, then SUF suffix PRE prefix MID."""
    spm = markers("spm")
    files = RepoMarkers(repo_name=None, file_sep=9)
    pieces = PromptPieces(prefix=[10, 11], suffix=[20], repo=[40], path=[50, 51])
    assert build_prompt("repo", spm, pieces, repo=files) == [9, 50, 51, 2, 20, 1, 10, 11, 3]
    with_context = PromptPieces(prefix=[10], suffix=[20], files=[[60, 61], [50]])
    assert build_prompt("repo", spm, with_context, repo=files) == [9, 60, 61, 9, 50, 2, 20, 1, 10, 3]
    # with a repository marker, the first text is the repository's name (Qwen, StarCoder2)
    qwen = RepoMarkers(repo_name=8, file_sep=9)
    assert build_prompt("repo", markers(), pieces, repo=qwen) == [8, 40, 9, 50, 51, 1, 10, 11, 2, 20, 3]


def test_budget_keeps_the_end_of_the_prefix_and_the_start_of_the_suffix() -> None:
    prefix, suffix = fit_budget(list(range(10)), list(range(100, 110)), Budget(3, 2))
    assert prefix == [7, 8, 9] and suffix == [100, 101]
    assert fit_budget([1, 2], [3], Budget(0, 0)) == ([], [])


def test_window_of_whole_lines_around_the_cursor() -> None:
    text = "\n".join(f"line{i}" for i in range(10))
    offset = text.index("line5") + 2
    window = split_around_cursor(text, offset, max_prefix_lines=2, max_suffix_lines=1)
    assert window.prefix == "line3\nline4\nli"
    assert window.suffix == "ne5\nline6"
