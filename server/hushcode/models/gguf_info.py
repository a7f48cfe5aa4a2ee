"""Read what a GGUF file says about itself (header, metadata, tensor shapes) without loading it.

``gguf.GGUFReader`` (from the ``gguf`` package) parses everything, including one numpy view per
vocabulary entry: about 7 s for Qwen2.5-Coder's 151,936-token vocabulary on our 2-core machines,
too slow for listing a folder of models. This reader walks the same format (the layout and the
type codes come from the ``gguf`` package's constants) with ``struct`` over an mmap, keeps the
scalar keys, and only *scans* the token list for the FIM marker spellings of
``prompt/templates.py``: about 0.1 s per file. Tensor data is never touched.

A file that is not a GGUF, or is cut short or inconsistent, raises ``GGUFError`` with a one-line
reason; it never raises anything else for bad bytes.
"""

from __future__ import annotations

import mmap
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType, GGUFValueType, LlamaFileType

from hushcode.prompt.templates import FimMarkers, all_marker_spellings, detect_markers

MAGIC = b"GGUF"
_SCALARS: dict[int, str] = {
    GGUFValueType.UINT8: "B", GGUFValueType.INT8: "b", GGUFValueType.UINT16: "H",
    GGUFValueType.INT16: "h", GGUFValueType.UINT32: "I", GGUFValueType.INT32: "i",
    GGUFValueType.FLOAT32: "f", GGUFValueType.BOOL: "?", GGUFValueType.UINT64: "Q",
    GGUFValueType.INT64: "q", GGUFValueType.FLOAT64: "d",
}
# Sanity bounds: a corrupt count must fail fast instead of looping for minutes.
_MAX_KV = 100_000
_MAX_TENSORS = 1_000_000
_MAX_ARRAY = 50_000_000
_MAX_STRING = 64 << 20
_TOKENS_KEY = "tokenizer.ggml.tokens"
_TOKEN_TYPES_KEY = "tokenizer.ggml.token_type"


class GGUFError(ValueError):
    """The file is not a readable GGUF; the message says why in one line."""


@dataclass(frozen=True)
class GGUFInfo:
    """The facts hushcode uses from one GGUF file."""

    path: Path
    size_bytes: int
    version: int
    metadata: dict[str, Any]  # scalar and short-array keys; the token list and merges are left out
    n_tokens: int  # vocabulary size (length of tokenizer.ggml.tokens), 0 if absent
    special: dict[str, int]  # FIM/stop spellings found in the vocabulary -> token id
    tensor_count: int
    params: int  # total number of weights (elements of every tensor)
    tensor_types: dict[str, int] = field(default_factory=dict)  # ggml type name -> elements

    def get(self, key: str, default: Any = None) -> Any:
        """A metadata value by its full key (``general.name``), or ``default``."""
        return self.metadata.get(key, default)

    def arch(self, key: str, default: Any = None) -> Any:
        """An architecture-scoped value: ``arch("block_count")`` reads ``<arch>.block_count``."""
        return self.metadata.get(f"{self.architecture}.{key}", default)

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "") or "")

    @property
    def name(self) -> str | None:
        value = self.metadata.get("general.name")
        return str(value) if value else None

    @property
    def license(self) -> str | None:
        value = self.metadata.get("general.license") or self.metadata.get("general.license.name")
        return str(value) if value else None

    @property
    def quant(self) -> str:
        """Quantisation label (``Q4_K_M``) from general.file_type, else the dominant tensor type."""
        file_type = self.metadata.get("general.file_type")
        if isinstance(file_type, int):
            try:
                label = LlamaFileType(file_type).name
            except ValueError:
                label = ""
            if label and label != "GUESSED":
                return label.removeprefix("MOSTLY_").removeprefix("ALL_")
        if self.tensor_types:
            return max(self.tensor_types.items(), key=lambda kv: kv[1])[0]
        return "?"

    @property
    def fim(self) -> FimMarkers | None:
        """The FIM template whose markers this vocabulary has (as the engine detects it), or None."""
        return detect_markers(self.special.get, self.metadata)

    @property
    def split_count(self) -> int:
        """How many files this model is split into (``split.count``); 1 for a whole file."""
        value = self.metadata.get("split.count")
        return int(value) if isinstance(value, int) and value > 0 else 1


class _Cursor:
    """Bounds-checked reads from the mapped file."""

    def __init__(self, buf: mmap.mmap, endian: str) -> None:
        self.buf = buf
        self.pos = 0
        self.endian = endian
        self.size = len(buf)

    def need(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.size:
            raise GGUFError(f"truncated: the file ends inside {what} (offset {self.pos})")

    def scalar(self, code: str, what: str) -> Any:
        fmt = self.endian + code
        width = struct.calcsize(fmt)
        self.need(width, what)
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += width
        return value

    def raw_string(self, what: str) -> bytes:
        length = self.scalar("Q", what)
        if length > _MAX_STRING:
            raise GGUFError(f"corrupt: {what} claims a string of {length} bytes")
        self.need(length, what)
        data = self.buf[self.pos : self.pos + length]
        self.pos += length
        return data

    def string(self, what: str) -> str:
        return self.raw_string(what).decode("utf-8", errors="replace")


def _value(cur: _Cursor, vtype: int, key: str, special: dict[str, int], wanted: set[bytes]) -> Any:
    """Read one value of type ``vtype``; long arrays are skipped (returned as their length)."""
    if vtype == GGUFValueType.STRING:
        return cur.string(key)
    if vtype in _SCALARS:
        return cur.scalar(_SCALARS[vtype], key)
    if vtype != GGUFValueType.ARRAY:
        raise GGUFError(f"corrupt: key {key!r} has unknown value type {vtype}")
    item_type = cur.scalar("I", key)
    count = cur.scalar("Q", key)
    if count > _MAX_ARRAY:
        raise GGUFError(f"corrupt: key {key!r} claims an array of {count} items")
    if item_type == GGUFValueType.STRING:
        if key == _TOKENS_KEY:
            for index in range(count):
                text = cur.raw_string(key)
                if text in wanted:
                    special[text.decode("utf-8")] = index
            return count
        items = [cur.string(key) for _ in range(count)]
        return items if count <= 64 else count
    if item_type in _SCALARS:
        width = struct.calcsize(_SCALARS[item_type])
        cur.need(width * count, key)
        if count <= 64:
            fmt = f"{cur.endian}{count}{_SCALARS[item_type]}"
            items = list(struct.unpack_from(fmt, cur.buf, cur.pos))
            cur.pos += width * count
            return items
        cur.pos += width * count
        return count
    raise GGUFError(f"corrupt: key {key!r} is an array of unsupported type {item_type}")


def read_gguf(path: Path | str) -> GGUFInfo:
    """Read the header, metadata and tensor shapes of the GGUF at ``path``.

    Raises ``GGUFError`` (a ``ValueError``) for anything that is not a well-formed GGUF, and
    ``OSError`` when the file cannot be opened or mapped.
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4)
        if head != MAGIC:
            raise GGUFError(f"not a GGUF file (it starts with {head!r})")
        size = fh.seek(0, 2)
        if size < 24:
            raise GGUFError("truncated: the file is shorter than a GGUF header")
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(path, buf, size)


def _parse(path: Path, buf: mmap.mmap, size: int) -> GGUFInfo:
    (version,) = struct.unpack_from("<I", buf, 4)
    endian = "<"
    if version & 0xFFFF == 0:  # written on a big-endian machine
        endian = ">"
        (version,) = struct.unpack_from(">I", buf, 4)
    if version not in (2, 3):
        raise GGUFError(f"unsupported GGUF version {version} (hushcode reads 2 and 3)")
    cur = _Cursor(buf, endian)
    cur.pos = 8
    tensor_count = cur.scalar("Q", "the header")
    kv_count = cur.scalar("Q", "the header")
    if kv_count > _MAX_KV or tensor_count > _MAX_TENSORS:
        raise GGUFError(f"corrupt header: {kv_count} keys, {tensor_count} tensors")

    wanted = {s.encode("utf-8") for s in all_marker_spellings()}
    special: dict[str, int] = {}
    metadata: dict[str, Any] = {}
    n_tokens = 0
    for _ in range(kv_count):
        key = cur.string("a metadata key")
        vtype = cur.scalar("I", key)
        value = _value(cur, vtype, key, special, wanted)
        if key == _TOKENS_KEY:
            n_tokens = int(value)
        elif key != _TOKEN_TYPES_KEY:
            metadata[key] = value

    params = 0
    data_end = 0  # end of the last tensor's data, relative to the start of the data section
    types: Counter[str] = Counter()
    for _ in range(tensor_count):
        name = cur.string("a tensor name")
        n_dims = cur.scalar("I", name)
        if n_dims > 8:
            raise GGUFError(f"corrupt: tensor {name!r} claims {n_dims} dimensions")
        elements = 1
        for _ in range(n_dims):
            elements *= cur.scalar("Q", name)
        ttype = cur.scalar("I", name)
        offset = cur.scalar("Q", name)
        params += elements
        types[_type_name(ttype)] += elements
        data_end = max(data_end, offset + _tensor_bytes(ttype, elements))
    alignment = metadata.get("general.alignment", 32)
    alignment = alignment if isinstance(alignment, int) and alignment > 0 else 32
    data_start = -(-cur.pos // alignment) * alignment
    if data_start + data_end > size:
        raise GGUFError(f"truncated: the tensors need {data_start + data_end} bytes, the file has {size} "
                        "(an incomplete download?)")
    return GGUFInfo(path=path, size_bytes=size, version=version, metadata=metadata, n_tokens=n_tokens,
                    special=special, tensor_count=tensor_count, params=params, tensor_types=dict(types))


def _tensor_bytes(code: int, elements: int) -> int:
    """Bytes of a tensor's data; 0 for a type this gguf version does not know (no check then)."""
    try:
        block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(code)]
    except (ValueError, KeyError):
        return 0
    return elements // block * type_size


def _type_name(code: int) -> str:
    try:
        return GGMLQuantizationType(code).name
    except ValueError:
        return f"type{code}"


def safe_read(path: Path) -> tuple[GGUFInfo | None, str | None]:
    """``read_gguf`` for listings: (info, None) or (None, a one-line reason). Never raises."""
    try:
        return read_gguf(path), None
    except GGUFError as exc:
        return None, str(exc)
    except PermissionError:
        return None, "permission denied"
    except (OSError, ValueError) as exc:  # mmap of an empty or special file, I/O errors
        return None, f"cannot read: {getattr(exc, 'strerror', None) or exc}"


_CACHE_SIZE = 512
_cache: dict[str, tuple[int, int, tuple[GGUFInfo | None, str | None]]] = {}
_cache_lock = threading.Lock()


def cached_read(path: Path) -> tuple[GGUFInfo | None, str | None]:
    """``safe_read``, remembered by path while the file keeps its size and mtime.

    The language server lists the machine's models each time an editor opens its model menu;
    reading a header costs up to 0.2 s (the vocabulary scan), so an unchanged file is read once.
    """
    try:
        st = path.stat()
    except OSError:
        return safe_read(path)  # it says why, in the listing's words
    key = str(path)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit[:2] == (st.st_size, st.st_mtime_ns):
        return hit[2]
    result = safe_read(path)
    with _cache_lock:
        if len(_cache) >= _CACHE_SIZE and key not in _cache:
            _cache.pop(next(iter(_cache)))  # the oldest entry
        _cache[key] = (st.st_size, st.st_mtime_ns, result)
    return result
