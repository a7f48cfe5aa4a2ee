"""Test helpers: small catalogs in the catalog's own format, and small real GGUF files.

The GGUF files are written with the ``gguf`` package (the same writer llama.cpp's converters
use): real headers, real metadata and a real (tiny) vocabulary, so the metadata reader and the
discovery code read them exactly as they would read a downloaded model.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from gguf import GGUFWriter, TokenType

from hushcode.models.catalog import Catalog, load_catalog

FIM_VOCABS: dict[str, tuple[str, ...]] = {
    "qwen": ("<|endoftext|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>",
             "<|repo_name|>", "<|file_sep|>"),
    "deepseek": ("<｜end▁of▁sentence｜>", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"),
    "starcoder2": ("<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>",
                   "<file_sep>", "<repo_name>"),
    "codellama": ("</s>", "▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>"),
    # StarCoder's spellings plus `<filename>` (JetBrains Mellum; StarCoder 1 has them too)
    "mellum": ("<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>", "<filename>"),
    "seedcoder": ("<[begin▁of▁sentence]>", "<[end▁of▁sentence]>", "<[fim-prefix]>", "<[fim-suffix]>",
                  "<[fim-middle]>"),
    "none": ("<|endoftext|>", "<|im_start|>", "<|im_end|>"),
}


def catalog_toml(model_id: str, size: int, sha256: str | None, sources: str, *,
                 quant: str = "Q4_K_M", file: str | None = None) -> str:
    """A one-model, one-file catalog (format 2) whose file is the default."""
    sha_line = f'sha256 = "{sha256}"' if sha256 else ""
    return f"""
format = 2

[templates.qwen]
prefix = "<|fim_prefix|>"
suffix = "<|fim_suffix|>"
middle = "<|fim_middle|>"
order = "psm"
stops = ["<|endoftext|>"]

[[models]]
id = "{model_id}"
name = "Test model"
family = "qwen2.5-coder"
params = "0.5B"
params_b = 0.49
variant = "instruct"
architecture = "qwen2"
layers = 24
heads = 14
kv_heads = 2
head_dim = 64
vocab = 151936
context_length = 32768
license = "Apache-2.0"
commercial_use = true
fim_template = "qwen"

[[models.files]]
quant = "{quant}"
file = "{file or model_id + '.gguf'}"
size_bytes = {size}
{sha_line}
default = true
{sources}
"""


def write_catalog(path: Path, model_id: str, data: bytes, sources: str, *,
                  sha256: str | None = None) -> Catalog:
    """Write a catalog whose default file is ``data`` (its id is ``<model_id>-q4_k_m``) and load it."""
    digest = sha256 if sha256 is not None else hashlib.sha256(data).hexdigest()
    path.write_text(catalog_toml(model_id, len(data), digest, sources, file=f"{model_id}.gguf"),
                    encoding="utf-8")
    return load_catalog(path)


def write_gguf(path: Path, *, arch: str = "qwen2", name: str | None = "Test Coder 0.5B",
               fim: str = "qwen", license: str | None = None, file_type: int | None = 15,
               layers: int = 2, kv_heads: int = 2, heads: int = 4, embd: int = 64,
               basename: str | None = None, size_label: str | None = None,
               finetune: str | None = None, pre: str | None = None) -> Path:
    """Write a small real GGUF (metadata, a vocabulary with ``fim``'s markers, two tensors).
    ``pre`` is the pre-tokenizer name llama.cpp's converter records (``tokenizer.ggml.pre``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = GGUFWriter(path, arch)
    if name is not None:
        writer.add_name(name)
    if basename is not None:
        writer.add_basename(basename)
    if size_label is not None:
        writer.add_size_label(size_label)
    if finetune is not None:
        writer.add_finetune(finetune)
    if license is not None:
        writer.add_license(license)
    if file_type is not None:
        writer.add_file_type(file_type)
    writer.add_context_length(4096)
    writer.add_embedding_length(embd)
    writer.add_block_count(layers)
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    tokens = [chr(c) for c in range(ord("a"), ord("z") + 1)] + list(FIM_VOCABS[fim])
    types = [int(TokenType.NORMAL)] * 26 + [int(TokenType.CONTROL)] * len(FIM_VOCABS[fim])
    writer.add_tokenizer_model("gpt2")
    if pre is not None:
        writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(["a b", "c d"])
    writer.add_tensor("token_embd.weight", np.zeros((len(tokens), embd), dtype=np.float32))
    writer.add_tensor("output_norm.weight", np.ones(embd, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
