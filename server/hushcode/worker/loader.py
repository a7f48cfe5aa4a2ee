"""Loading the model in the engine process: llama.cpp's model and context, the FIM markers of its
vocabulary, and the facts the server reads from the `Loaded` message (chat and repository markers,
base or instruct variant, the threads and GPU layers used).

`llama_cpp` is imported only here, when a load is asked for: it is heavy, and the engine's stdout
must be claimed for the protocol before a native library can print to it (worker/main.py).
"""

from __future__ import annotations

import ctypes
import os
import re
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from hushcode import netguard
from hushcode.engine.wire import Load, Loaded, LoadFailed, Markers
from hushcode.prompt.layout import ChatMarkers, RepoMarkers
from hushcode.prompt.templates import TEMPLATES_BY_NAME, FimMarkers, detect_markers
from hushcode.worker import faults, memory
from hushcode.worker.kv_reuse import can_shift


@dataclass
class Model:
    """A loaded model and what generating with it needs."""

    llm: Any  # llama_cpp.Llama
    lib: ModuleType  # llama_cpp, for its low-level calls
    markers: FimMarkers
    stop_ids: set[int]  # end of generation: the template's stops, end of text, end of turn
    can_shift: bool  # the context can shift cached chunks (worker/kv_reuse.py)

    def tokenize(self, text: str) -> list[int]:
        """The user's text as token ids. special=False: markers typed by the user stay text and
        cannot steer the model."""
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def detokenize(self, tokens: tuple[int, ...]) -> str:
        return b"".join(self.piece(t) for t in tokens).decode("utf-8", "replace")

    def piece(self, token: int) -> bytes:
        """One token's bytes, control tokens spelled out (a remote engine's text prompt; and
        llama-cpp-python's own helper has a 32-byte buffer, too small for long whitespace tokens)."""
        size = 256
        while True:
            buffer = ctypes.create_string_buffer(size)
            n = self.lib.llama_token_to_piece(self.llm._model.vocab, token, buffer, size, 0, True)
            if n >= 0:
                return buffer.raw[:n]
            size = -n

    def is_eog(self, token: int) -> bool:
        return bool(self.lib.llama_vocab_is_eog(self.llm._model.vocab, token))

    def marker_ids(self) -> set[int]:
        m = self.markers
        return {m.prefix, m.suffix} | ({m.middle} if m.middle is not None else set()) | self.stop_ids


def gpu_layers_for(requested: int) -> int:
    """-1 (automatic): every layer (llama.cpp's -1) when this llama.cpp build can offload to a GPU,
    else 0; any other value as the user set it. Imports llama.cpp: call it in the engine process."""
    if requested >= 0:
        return requested
    import llama_cpp  # late, as in `load` (see the module's docstring)

    return -1 if llama_cpp.llama_supports_gpu_offload() else 0


def load(request: Load) -> tuple[Model | None, Loaded | LoadFailed]:
    """Load the model `request` names; the model (None when it did not load) and the answer."""
    faults.before_load()
    import llama_cpp  # late: heavy, and only once stdout is the protocol's (see the module's docstring)

    too_big = memory.check_fits(request.model_path, on_gpu=bool(llama_cpp.llama_supports_gpu_offload()))
    if too_big is not None:
        return None, LoadFailed("no_memory", too_big)
    memory.apply_limit()
    started = time.perf_counter()
    # 0 means every core: llama-cpp-python's own default is half of them
    threads = request.threads or (os.cpu_count() or 1)
    threads_batch = request.threads_batch or threads
    gpu_layers = gpu_layers_for(request.gpu_layers)
    try:
        llm = llama_cpp.Llama(
            model_path=request.model_path, vocab_only=request.vocab_only,  # a remote engine's tokenizer: no weights
            n_ctx=64 if request.vocab_only else request.n_ctx, n_threads=threads, n_threads_batch=threads_batch,
            n_gpu_layers=gpu_layers, n_batch=request.n_batch, verbose=request.verbose,
        )
    except Exception as exc:  # noqa: BLE001 -- llama-cpp-python raises ValueError on a file it cannot load
        if "llama_context" in str(exc):  # the weights loaded; the context's buffers could not be allocated
            return None, LoadFailed("no_memory", (
                f"The model {request.model_path} does not fit in memory with a context of {request.n_ctx} tokens: "
                f"llama.cpp could not create its context. Lower model.contextTokens or choose a smaller model."))
        return None, LoadFailed("unloadable", str(exc))
    name = str(llm.metadata.get("general.name", os.path.basename(request.model_path)))
    markers = detect_markers(lambda text: special_token(llm, text), llm.metadata)
    if markers is None:
        return None, LoadFailed("no_fim", f"{name} has no fill-in-the-middle tokens", model=name)
    vocab = llm._model
    stop_ids = set(markers.stop_ids) | {t for t in (vocab.token_eos(), vocab.token_eot()) if t >= 0}
    model = Model(llm, llama_cpp, markers, stop_ids, can_shift=not request.vocab_only and can_shift(llm))
    bos = vocab.token_bos() if vocab.add_bos_token() else None
    return model, Loaded(
        model=name, template=markers.template, variant=variant(llm.metadata, name),
        markers=Markers(prefix=markers.prefix, suffix=markers.suffix, middle=markers.middle, order=markers.order,
                        texts=markers.marker_texts, end_of_text=markers.end_of_text),
        chat=ChatMarkers(special_token(llm, "<|im_start|>"), special_token(llm, "<|im_end|>")),
        repo=repo_markers(llm, markers.template), bos=bos if bos is not None and bos >= 0 else None,
        n_ctx=llm.n_ctx(), pid=os.getpid(), network_audit=netguard.installed(),
        threads=threads, threads_batch=threads_batch, gpu_layers=gpu_layers,
        load_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def variant(metadata: dict[str, Any], name: str) -> str:
    """"instruct" for chat/instruct fine-tunes (from the GGUF's own metadata), else "base"."""
    words = " ".join(str(metadata.get(k, "")) for k in ("general.name", "general.finetune", "general.basename"))
    return "instruct" if re.search(r"instruct|chat|\bit\b", words + " " + name, re.IGNORECASE) else "base"


def repo_markers(llm: Any, template_name: str) -> RepoMarkers:
    """The repository-level markers of the template (Qwen's <|repo_name|>, <|file_sep|>), if the
    vocabulary has them."""
    template = TEMPLATES_BY_NAME[template_name]
    return RepoMarkers(special_token(llm, template.repo_name) if template.repo_name else None,
                       special_token(llm, template.file_sep) if template.file_sep else None)


def special_token(llm: Any, text: str) -> int | None:
    """The id of the control token spelled `text`, if the vocabulary has exactly that one."""
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    if len(tokens) != 1:
        return None
    return tokens[0] if llm._model.token_get_text(tokens[0]) == text else None
