"""How much RAM (or VRAM) a GGUF model needs at a given context length: one documented estimate.

    total = weights + KV cache + compute buffers + fixed overhead

- **weights**: the file size. llama.cpp maps the file and touches every weight for each token, so
  all of it ends up resident (in RAM on CPU, in VRAM when every layer is offloaded).
- **KV cache**: ``n_ctx × layers × kv_heads × (key_dim + value_dim) × 2 bytes`` (f16 keys and
  values, llama.cpp's default). Grouped-query attention (few ``kv_heads``) keeps it small: 48 MiB
  for Qwen2.5-Coder 0.5B at 4k tokens, 2 GiB for DeepSeek-Coder 6.7B.
- **compute buffers**: llama.cpp reserves the graph of one micro-batch (n_ubatch = 512 tokens).
  Without flash attention its largest part is either the attention scores of one layer with
  their mask, ``n_ctx × n_ubatch × (heads + 1) × 4 bytes``, or the logits,
  ``vocab × n_ubatch × 4 bytes``, whichever is larger. For Qwen2.5-Coder 0.5B llama.cpp reports
  302 MiB at 4k tokens (our 297: the logits) and 489 MiB at 16k (our 480: the scores); for the
  tiny test model, within 0.5 MiB at every context length (a test checks it).
- **overhead**: a fixed 100 MB for the process, the runtime and allocator slack.

The total is a ceiling more than a forecast: a llama.cpp process holding the default model at
4k tokens had 688 MB resident after a 256-token prompt, against 953 MB estimated, because buffers are only
touched as longer prompts fill them. It is meant to answer "will it fit", with some slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: gguf_info loads the gguf library (and numpy), which the catalog needs not
    from hushcode.models.gguf_info import GGUFInfo

N_UBATCH = 512
KV_BYTES = 2  # f16
OVERHEAD_BYTES = 100_000_000
MB = 1_000_000


@dataclass(frozen=True)
class Shape:
    """The numbers of a model that decide its memory beyond the weights."""

    layers: int
    heads: int
    kv_heads: int
    key_dim: int
    value_dim: int
    vocab: int


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes needed, by part."""

    weights: int
    kv_cache: int
    compute: int
    overhead: int

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.compute + self.overhead

    @property
    def total_mb(self) -> int:
        """Total in MB (10^6 bytes), rounded up."""
        return -(-self.total // MB)


def estimate_memory(weights_bytes: int, shape: Shape, n_ctx: int) -> MemoryEstimate:
    """Memory needed to run a model whose file has ``weights_bytes`` with an ``n_ctx`` context."""
    kv = n_ctx * shape.layers * shape.kv_heads * (shape.key_dim + shape.value_dim) * KV_BYTES
    compute = max(n_ctx * N_UBATCH * (shape.heads + 1) * 4, shape.vocab * N_UBATCH * 4)
    return MemoryEstimate(weights=weights_bytes, kv_cache=kv, compute=compute, overhead=OVERHEAD_BYTES)


def shape_from_gguf(info: GGUFInfo) -> Shape | None:
    """The shape a GGUF file records about itself; None when a needed key is missing."""
    layers = info.arch("block_count")
    heads = info.arch("attention.head_count")
    kv_heads = info.arch("attention.head_count_kv", heads)
    embd = info.arch("embedding_length")
    if isinstance(heads, list):  # per-layer head counts (a few architectures): take the largest
        heads = max(heads)
    if isinstance(kv_heads, list):
        kv_heads = max(kv_heads)
    if not all(isinstance(v, int) and v > 0 for v in (layers, heads, kv_heads, embd)):
        return None
    key_dim = info.arch("attention.key_length") or embd // heads
    value_dim = info.arch("attention.value_length") or key_dim
    vocab = info.n_tokens or info.arch("vocab_size") or 32000
    return Shape(layers=layers, heads=heads, kv_heads=kv_heads, key_dim=key_dim, value_dim=value_dim, vocab=vocab)
