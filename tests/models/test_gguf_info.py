"""The fast GGUF metadata reader: agrees with the gguf package's reader, finds FIM tokens like the
engine does, and turns every kind of broken file into a one-line GGUFError."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from gguf import GGUFReader

from hushcode.models.gguf_info import GGUFError, read_gguf, safe_read
from tests.fixtures.tiny_gguf import write_tiny_gguf
from tests.models.helpers import FIM_VOCABS, write_gguf


def _reader_facts(path: Path) -> dict[str, object]:
    """The same facts, from the gguf package's own (slow, complete) reader."""
    reader = GGUFReader(path)
    fields = reader.fields
    tokens = [bytes(fields["tokenizer.ggml.tokens"].parts[i]).decode()
              for i in fields["tokenizer.ggml.tokens"].data]
    arch = fields["general.architecture"].contents()
    return {
        "architecture": arch,
        "name": fields["general.name"].contents() if "general.name" in fields else None,
        "file_type": fields["general.file_type"].contents() if "general.file_type" in fields else None,
        "block_count": fields[f"{arch}.block_count"].contents(),
        "n_tokens": len(tokens),
        "tokens": tokens,
        "tensor_count": len(reader.tensors),
        "params": sum(int(t.n_elements) for t in reader.tensors),
    }


@pytest.mark.parametrize("fim", sorted(FIM_VOCABS))
def test_reader_agrees_with_the_gguf_package(tmp_path: Path, fim: str) -> None:
    path = write_gguf(tmp_path / f"{fim}.gguf", fim=fim, license="apache-2.0", layers=3)
    info = read_gguf(path)
    expected = _reader_facts(path)
    assert info.architecture == expected["architecture"]
    assert info.name == expected["name"]
    assert info.get("general.file_type") == expected["file_type"]
    assert info.arch("block_count") == expected["block_count"] == 3
    assert info.n_tokens == expected["n_tokens"]
    assert info.tensor_count == expected["tensor_count"]
    assert info.params == expected["params"]
    assert info.license == "apache-2.0"
    tokens = expected["tokens"]
    assert isinstance(tokens, list)
    for text, token_id in info.special.items():
        assert tokens[token_id] == text


@pytest.mark.parametrize(("fim", "template"), [
    ("qwen", "qwen"), ("deepseek", "deepseek"), ("starcoder2", "starcoder2"),
    ("codellama", "codellama"), ("none", None),
])
def test_fim_template_from_the_vocabulary(tmp_path: Path, fim: str, template: str | None) -> None:
    info = read_gguf(write_gguf(tmp_path / "m.gguf", fim=fim))
    assert (info.fim.template if info.fim else None) == template


@pytest.mark.parametrize(("fim", "arch", "pre", "template"), [
    ("mellum", "llama", None, "mellum"),  # StarCoder's markers, <filename>, a Llama network: Mellum
    ("mellum", "llama", "mellum", "mellum"),
    ("starcoder2", "llama", "mellum", "mellum"),  # the converter's pre-tokenizer name settles it
    ("mellum", "starcoder", None, "starcoder2"),  # StarCoder 1 has <filename> too, and stays PSM
    ("starcoder2", "starcoder2", None, "starcoder2"),
    ("seedcoder", "llama", None, "seedcoder"),
])
def test_look_alike_markers_are_told_apart_by_the_metadata(tmp_path: Path, fim: str, arch: str, pre: str | None,
                                                           template: str) -> None:
    info = read_gguf(write_gguf(tmp_path / "m.gguf", fim=fim, arch=arch, pre=pre))
    assert info.fim is not None and info.fim.template == template


def test_tiny_model_used_by_the_engine_tests(tmp_path: Path) -> None:
    with_fim = read_gguf(write_tiny_gguf(tmp_path / "a.gguf", fim=True))
    without = read_gguf(write_tiny_gguf(tmp_path / "b.gguf", fim=False))
    assert with_fim.fim is not None and with_fim.fim.template == "qwen"
    assert without.fim is None
    assert with_fim.quant == "F32" and with_fim.architecture == "llama"


@pytest.mark.parametrize(("file_type", "quant"), [(15, "Q4_K_M"), (7, "Q8_0"), (1, "F16"), (0, "F32")])
def test_quant_label_from_file_type(tmp_path: Path, file_type: int, quant: str) -> None:
    assert read_gguf(write_gguf(tmp_path / "m.gguf", file_type=file_type)).quant == quant


def test_quant_label_from_tensors_when_file_type_is_absent(tmp_path: Path) -> None:
    assert read_gguf(write_gguf(tmp_path / "m.gguf", file_type=None)).quant == "F32"


def _cut(src: Path, dst: Path, length: int) -> Path:
    dst.write_bytes(src.read_bytes()[:length])
    return dst


def test_truncated_files_fail_with_a_reason(tmp_path: Path) -> None:
    good = write_gguf(tmp_path / "good.gguf")
    size = good.stat().st_size
    # Cut in the header, in the metadata, in the vocabulary and in the tensor table.
    for length in (30, 200, 600, size - 300):
        with pytest.raises(GGUFError, match="truncated"):
            read_gguf(_cut(good, tmp_path / f"cut{length}.gguf", length))


@pytest.mark.parametrize(("data", "needle"), [
    (b"<!DOCTYPE html>" + b"x" * 100, "not a GGUF file"),
    (b"GGUF" + struct.pack("<I", 9) + bytes(16), "unsupported GGUF version 9"),
    (b"GGUF" + struct.pack("<IQQ", 3, 0, 10**12), "corrupt header"),
    (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1 << 40) + b"k", "claims a string"),
    (b"GGUF", "shorter than a GGUF header"),
    (b"", "not a GGUF file"),
])
def test_malformed_files_fail_with_a_reason(tmp_path: Path, data: bytes, needle: str) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(data)
    with pytest.raises(GGUFError, match=needle):
        read_gguf(path)
    info, error = safe_read(path)
    assert info is None and error is not None and needle in error


def test_corrupt_array_length(tmp_path: Path) -> None:
    key = b"general.tags"
    data = (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", len(key)) + key
            + struct.pack("<IIQ", 9, 8, 10**10))
    path = tmp_path / "bad.gguf"
    path.write_bytes(data)
    with pytest.raises(GGUFError, match="claims an array"):
        read_gguf(path)


def test_safe_read_of_folder_and_missing_file(tmp_path: Path) -> None:
    assert safe_read(tmp_path)[1] is not None
    assert safe_read(tmp_path / "absent.gguf")[1] is not None


def test_real_model_metadata(model_path: Path) -> None:
    """The installed default model, read in well under a second without loading it."""
    info = read_gguf(model_path)
    assert info.architecture == "qwen2" and info.quant == "Q4_K_M"
    assert info.n_tokens == 151936 and info.arch("block_count") == 24
    assert info.fim is not None and info.fim.template == "qwen"
    # The ids llama.cpp gives these tokens in Qwen2.5's vocabulary.
    assert info.special["<|fim_prefix|>"] == 151659 and info.special["<|endoftext|>"] == 151643
