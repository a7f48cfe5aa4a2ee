"""The catalog against real GGUF files: the installed default model, tiny GGUFs written with the
gguf package, and llama.cpp's own report of the memory it reserves."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gguf import GGUFWriter, TokenType

from hushcode.models.catalog import load_catalog
from hushcode.models.gguf_info import read_gguf
from hushcode.models.match import match_file
from hushcode.models.memory import estimate_memory, shape_from_gguf
from hushcode.prompt.templates import TEMPLATES_BY_NAME
from tests.fixtures.tiny_gguf import write_tiny_gguf

CATALOG = load_catalog()


def test_default_entry_agrees_with_its_gguf(model_path: Path) -> None:
    entry = CATALOG.default()
    spec = entry.model
    info = read_gguf(model_path)
    assert info.architecture == spec.architecture
    assert info.arch("block_count") == spec.layers
    assert info.arch("attention.head_count") == spec.heads
    assert info.arch("attention.head_count_kv") == spec.kv_heads
    assert info.arch("embedding_length") // spec.heads == spec.head_dim
    assert info.arch("context_length") == spec.context_length
    assert info.n_tokens == spec.vocab
    assert info.quant == entry.quant and info.size_bytes == entry.size_bytes
    assert info.fim is not None and info.fim.template == entry.fim_template
    # Every stop token the catalog lists for the template is a token of this vocabulary.
    assert set(entry.stops) <= set(info.special)
    shape = shape_from_gguf(info)
    assert shape == spec.shape
    match = match_file(CATALOG, info)
    assert match is not None and match.entry is entry and match.how == "by file name and size"


@pytest.mark.parametrize("name", sorted(TEMPLATES_BY_NAME))
def test_catalog_templates_agree_with_prompt_templates(name: str) -> None:
    ours = {t.name: t for t in CATALOG.templates}[name]
    code = TEMPLATES_BY_NAME[name]
    assert ours.prefix == code.prefix[0] and ours.suffix == code.suffix[0]
    assert ours.middle == (code.middle[0] if code.middle else "")
    assert ours.order == code.order
    assert ours.stops == code.stops


def _vocab_gguf(path: Path, specials: list[str]) -> Path:
    writer = GGUFWriter(path, "llama")
    writer.add_block_count(1)
    writer.add_embedding_length(8)
    writer.add_head_count(1)
    tokens = [chr(c) for c in range(ord("a"), ord("z") + 1)] + specials
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_types([int(TokenType.NORMAL)] * 26 + [int(TokenType.CONTROL)] * len(specials))
    writer.add_tensor("token_embd.weight", np.zeros((len(tokens), 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.mark.parametrize("name", sorted(t.name for t in CATALOG.templates))
def test_a_vocabulary_with_a_catalog_template_is_detected_as_it(tmp_path: Path, name: str) -> None:
    """A GGUF whose vocabulary holds a catalog template's markers and stops reads as that family."""
    template = {t.name: t for t in CATALOG.templates}[name]
    specials = list(dict.fromkeys([template.prefix, template.suffix, template.middle, *template.stops]))
    info = read_gguf(_vocab_gguf(tmp_path / f"{name}.gguf", [s for s in specials if s]))
    assert info.fim is not None and info.fim.template == name


def _llama_report(path: Path, n_ctx: int) -> tuple[float, float]:
    """KV cache and compute buffer sizes (MiB) that llama.cpp reports when it loads ``path``."""
    script = ("import sys; from llama_cpp import Llama; "
              "Llama(sys.argv[1], n_ctx=int(sys.argv[2]), n_batch=512, verbose=True)")
    proc = subprocess.run([sys.executable, "-c", script, str(path), str(n_ctx)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    kv = re.search(r"llama_kv_cache: size =\s+([\d.]+) MiB", proc.stderr)
    compute = re.search(r"CPU compute buffer size =\s+([\d.]+) MiB", proc.stderr)
    assert kv and compute, proc.stderr[-2000:]
    return float(kv.group(1)), float(compute.group(1))


@pytest.mark.parametrize("n_ctx", [2048, 8192])
def test_memory_estimate_matches_what_llama_cpp_reserves(tmp_path: Path, n_ctx: int) -> None:
    path = write_tiny_gguf(tmp_path / "tiny.gguf", fim=True)
    shape = shape_from_gguf(read_gguf(path))
    assert shape is not None
    estimate = estimate_memory(path.stat().st_size, shape, n_ctx)
    kv_mib, compute_mib = _llama_report(path, n_ctx)
    assert estimate.kv_cache / 2**20 == pytest.approx(kv_mib, abs=0.006)  # printed to 0.01
    # The attention scores dominate; llama.cpp adds well under 1 MiB of small tensors here.
    assert estimate.compute / 2**20 <= compute_mib <= estimate.compute / 2**20 + 1


@pytest.mark.parametrize("n_ctx", [4096, 16384])
def test_memory_estimate_of_the_default_model(model_path: Path, n_ctx: int) -> None:
    """The real default model: KV cache exact, compute buffers within 5 % of llama.cpp's report."""
    entry = CATALOG.default()
    estimate = entry.memory(n_ctx)
    kv_mib, compute_mib = _llama_report(model_path, n_ctx)
    print(f"n_ctx={n_ctx}: llama.cpp KV {kv_mib} MiB, compute {compute_mib} MiB; estimated "
          f"{estimate.kv_cache / 2**20:.2f} and {estimate.compute / 2**20:.2f} MiB")
    assert estimate.kv_cache / 2**20 == pytest.approx(kv_mib, abs=0.006)
    assert estimate.compute / 2**20 == pytest.approx(compute_mib, rel=0.05)
