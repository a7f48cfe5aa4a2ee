"""`hushcode doctor`'s checks, one by one, with fakes: the report, the versions, the llama.cpp
build against a CPU, GPU offload, the model (in a model cache of the test's own), the network
guard's bookkeeping, the engine's completion check and the editors."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import signal
from collections.abc import Sequence
from pathlib import Path

import pytest

from hushcode import netguard
from hushcode.config.settings import CompletionSettings, EngineSettings, ModelSettings, Settings
from hushcode.doctor import editors, llama
from hushcode.doctor.engine import check_completion, check_engine, wait_settled
from hushcode.doctor.model import check_model
from hushcode.doctor.network import GuardWatch, check_guard, guarded
from hushcode.doctor.report import CheckResult, exit_status, render_line, render_text, summary, to_json
from hushcode.doctor.versions import check_python
from hushcode.engine.contracts import EngineState, GenerateRequest, GenerateResult
from hushcode.engine.interface import Ranker
from hushcode.isolation import child_cwd
from hushcode.models.catalog import Catalog
from hushcode.models.hardware import Gpu, cpu_flags
from hushcode.models.store import read_stamp
from tests.models.helpers import write_catalog, write_gguf
from tests.unit.fake_engine import FakeLocalEngine

# --- the report ---------------------------------------------------------------------------------

FAILED = CheckResult("model", "fail", "The default model x is not installed", "hushcode models pull")
FINE = CheckResult("python", "ok", "Python 3.11.7")


def test_a_line_says_status_check_detail_and_the_fix_when_there_is_one() -> None:
    assert render_line(FAILED) == ("FAIL  model              The default model x is not installed  "
                                   "[fix: hushcode models pull]")
    assert render_line(FINE).split() == ["ok", "python", "Python", "3.11.7"]
    assert "fix" not in render_line(FINE)


def test_the_summary_and_exit_status_follow_the_failures_only() -> None:
    warned = CheckResult("network guard", "warn", "off", "set it")
    assert exit_status([FINE, warned]) == 0
    assert summary([FINE, warned]) == "hushcode doctor: everything needed works (1 ok, 1 warn)"
    assert exit_status([FINE, FAILED, warned]) == 1
    assert summary([FINE, FAILED]) == "hushcode doctor: problems found (1 ok, 1 FAIL)"
    assert render_text([FINE, FAILED]).splitlines()[-1].startswith("hushcode doctor: problems found")


def test_json_is_a_list_of_check_status_detail_fix() -> None:
    assert to_json([FINE, FAILED]) == [
        {"check": "python", "status": "ok", "detail": "Python 3.11.7", "fix": None},
        {"check": "model", "status": "fail", "detail": "The default model x is not installed",
         "fix": "hushcode models pull"}]


def test_python_older_than_3_11_fails() -> None:
    assert check_python((3, 10, 12), "/usr/bin/python3").status == "fail"
    assert check_python((3, 11, 0), "/usr/bin/python3").status == "ok"


# --- the llama.cpp build ------------------------------------------------------------------------

AVX2_BUILD = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | LLAMAFILE = 1 | REPACK = 1 | "
AVX512_BUILD = AVX2_BUILD + "AVX512 = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 0 | "
AMX_BUILD = AVX512_BUILD + "AMX_INT8 = 1 | "
AVX2_CPU = frozenset({"pni", "ssse3", "sse4_2", "avx", "avx2", "fma", "f16c", "bmi2"})
AVX512_CPU = AVX2_CPU | {"avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw", "avx512_vnni", "avx512_bf16"}


def build(info: str, gpu: bool = False) -> llama.BuildInfo:
    return llama.BuildInfo("0.3.36", info, gpu)


def test_the_compiled_cpu_extensions_are_read_from_the_cpu_section_only() -> None:
    info = AVX512_BUILD + "CUDA : ARCHS = 890 | USE_GRAPHS = 1 | PEER_MAX_BATCH_SIZE = 128 | "
    assert llama.compiled_cpu_features(info) == ["SSE3", "SSSE3", "AVX", "AVX2", "F16C", "FMA", "BMI2",
                                                 "LLAMAFILE", "REPACK", "AVX512", "AVX512_VNNI"]


def test_a_build_for_extensions_this_cpu_lacks_fails_with_the_rebuild() -> None:
    result = llama.check_build(build(AVX512_BUILD), AVX2_CPU)
    assert result.status == "fail"
    assert "lacks AVX512, AVX512_VNNI" in result.detail and "illegal instruction" in result.detail
    assert result.fix is not None and "scripts/build-llama.sh" in result.fix


def test_amx_compiled_in_fails_even_on_a_cpu_that_has_it() -> None:
    result = llama.check_build(build(AMX_BUILD), AVX512_CPU | {"amx_int8", "amx_tile"})
    assert result.status == "fail" and "AMX" in result.detail and "20824" in result.detail


def test_a_build_this_cpu_runs_is_ok_and_names_what_it_leaves_unused() -> None:
    same = llama.check_build(build(AVX2_BUILD), AVX2_CPU)
    assert same.status == "ok" and "this CPU has all of them" in same.detail and "also has" not in same.detail
    smaller = llama.check_build(build(AVX2_BUILD), AVX512_CPU)
    assert smaller.status == "ok" and "also has AVX512, AVX512_VNNI, AVX512_BF16" in smaller.detail


def test_an_unreadable_cpu_is_not_compared_and_a_build_that_cannot_load_fails() -> None:
    assert llama.check_build(build(AVX512_BUILD), None).status == "ok"
    broken = llama.check_build(llama.BuildInfo(None, "", False, "no module named llama_cpp"), AVX2_CPU)
    assert broken.status == "fail" and broken.detail == "no module named llama_cpp"


def test_a_probe_killed_by_sigill_is_said_in_words() -> None:
    assert "illegal instruction" in llama.describe_failure(-int(signal.SIGILL), "")
    assert llama.describe_failure(1, "Traceback\nImportError: libllama.so: cannot open") == (
        "llama-cpp-python could not be loaded (exit status 1): ImportError: libllama.so: cannot open")


def test_the_installed_build_answers_the_probe() -> None:
    found = llama.probe_build()
    assert found.error is None, found.error
    assert found.version and "AVX2" in llama.compiled_cpu_features(found.system_info)


def test_cpu_flags_come_from_the_flags_line() -> None:
    assert cpu_flags("processor\t: 0\nflags\t\t: fpu avx2 avx512f\nbugs\t: x\n") == frozenset({"fpu", "avx2", "avx512f"})
    assert cpu_flags("Features\t: neon asimd\n") is None


@pytest.mark.parametrize(("offload", "gpus", "status", "fix"), [
    (False, [], "ok", None),
    (True, [Gpu("RTX 4090", "cuda", 24000, 20000)], "ok", None),
    (False, [Gpu("RTX 4090", "cuda", 24000, 20000)], "warn", "GGML_CUDA"),
    (True, [], "warn", "nvidia-smi"),
])
def test_gpu_offload(offload: bool, gpus: list[Gpu], status: str, fix: str | None) -> None:
    result = llama.check_gpu(build(AVX2_BUILD, offload), gpus)
    assert result.status == status
    assert (result.fix is None) if fix is None else (result.fix is not None and fix in result.fix)


# --- the model ----------------------------------------------------------------------------------

SOURCE = """
[[models.files.sources]]
kind = "huggingface"
repo = "o/r"
file = "m.gguf"
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUSHCODE_MODELS_DIR", str(tmp_path / "models"))
    (tmp_path / "models").mkdir()
    return tmp_path / "models"


@pytest.fixture
def catalog(tmp_path: Path, cache: Path) -> tuple[Catalog, bytes]:
    data = write_gguf(tmp_path / "src.gguf").read_bytes()
    return write_catalog(tmp_path / "catalog.toml", "fake", data, SOURCE), data


def lines(settings: Settings, catalog: Catalog, source: str = "default") -> dict[str, CheckResult]:
    report = check_model(settings, {"model.path": source}, catalog)
    return {r.check: r for r in report.results}


def test_the_default_model_not_installed_fails_with_the_pull(catalog: tuple[Catalog, bytes]) -> None:
    report = check_model(Settings(), {"model.path": "default"}, catalog[0])
    first = report.results[0]
    assert not report.usable
    assert first.status == "fail" and "is not installed" in first.detail and "catalog default" in first.detail
    assert first.fix == "hushcode models pull"
    assert [r.status for r in report.results[1:]] == ["skip", "skip", "skip"]


def test_the_default_model_installed_is_hashed_once_then_trusted_by_its_stamp(
        catalog: tuple[Catalog, bytes], cache: Path) -> None:
    cat, data = catalog
    path = cache / cat.default().file
    path.write_bytes(data)
    found = lines(Settings(), cat)
    assert [r.status for r in found.values()] == ["ok", "ok", "ok", "ok"]
    assert found["model sha256"].detail == f"matches the catalog: {hashlib.sha256(data).hexdigest()} (hashed now; stamp written)"
    assert read_stamp(path) is not None
    assert "a stamp of an earlier check" in lines(Settings(), cat)["model sha256"].detail
    assert found["model template"].detail.startswith("qwen (PSM): <|fim_prefix|> <|fim_suffix|> <|fim_middle|>")
    assert found["model licence"].detail == "Apache-2.0 (commercial use allowed; from the catalog)"


def test_a_damaged_catalog_file_fails_its_sha256_with_the_forced_pull(
        catalog: tuple[Catalog, bytes], cache: Path) -> None:
    cat, data = catalog
    (cache / cat.default().file).write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    report = check_model(Settings(), {"model.path": "default"}, cat)
    sha = report.results[1]
    assert sha.status == "fail" and "wrong sha256" in sha.detail
    assert sha.fix == f"hushcode models pull --force {cat.default().id}"
    assert not report.usable


def test_a_file_of_ones_own_names_its_source_and_has_no_sha256_to_check(
        catalog: tuple[Catalog, bytes], tmp_path: Path) -> None:
    own = write_gguf(tmp_path / "mine.gguf", license="MIT")
    found = lines(Settings(model=ModelSettings(path=str(own))), catalog[0], "environment: HUSHCODE_MODEL")
    assert found["model"].status == "ok" and "model.path from environment: HUSHCODE_MODEL" in found["model"].detail
    assert found["model sha256"].status == "info" and "not a catalog file" in found["model sha256"].detail
    assert found["model template"].status == "ok"
    assert found["model licence"].detail.startswith("MIT")


def test_a_copy_of_a_catalog_file_outside_the_cache_is_hashed_without_a_stamp(
        catalog: tuple[Catalog, bytes], tmp_path: Path) -> None:
    cat, data = catalog
    copy = tmp_path / "elsewhere" / cat.default().file
    copy.parent.mkdir()
    copy.write_bytes(data)
    found = lines(Settings(model=ModelSettings(path=str(copy))), cat, "environment: HUSHCODE_MODEL")
    sha = found["model sha256"]
    assert sha.status == "ok" and sha.detail.startswith(f"matches the catalog's {cat.default().id}: ")
    assert read_stamp(copy) is None and sorted(p.name for p in copy.parent.iterdir()) == [copy.name]
    assert found["model licence"].status == "ok" and "from the catalog, as " in found["model licence"].detail
    copy.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # same name and size, other bytes
    other = lines(Settings(model=ModelSettings(path=str(copy))), cat)["model sha256"]
    assert other.status == "warn" and "another conversion, or damaged" in other.detail


def test_a_missing_or_foreign_file_fails_and_a_model_without_fim_tokens_too(
        catalog: tuple[Catalog, bytes], tmp_path: Path) -> None:
    missing = lines(Settings(model=ModelSettings(path=str(tmp_path / "gone.gguf"))), catalog[0])["model"]
    assert missing.status == "fail" and "does not exist" in missing.detail and missing.fix
    (tmp_path / "notes.gguf").write_text("not a model")
    foreign = lines(Settings(model=ModelSettings(path=str(tmp_path / "notes.gguf"))), catalog[0])["model"]
    assert foreign.status == "fail" and "not a GGUF file" in foreign.detail
    chat = write_gguf(tmp_path / "chat.gguf", fim="none")
    report = check_model(Settings(model=ModelSettings(path=str(chat))), {}, catalog[0])
    template = report.results[2]
    assert template.status == "fail" and "no fill-in-the-middle tokens" in template.detail and not report.usable


# --- the network guard --------------------------------------------------------------------------

def test_guarded_points_the_report_at_a_private_file_counts_attempts_and_restores_everything(
        tmp_path: Path) -> None:
    users_report = tmp_path / "user.log"
    environ = {netguard.REPORT_ENV: str(users_report)}
    installs: list[str] = []
    with guarded(environ, install=installs.append, installed=lambda: True) as watch:
        assert environ[netguard.ENV] == "1" and environ[netguard.REPORT_ENV] != str(users_report)
        private = Path(environ[netguard.REPORT_ENV])
        private.write_text("hushcode: network access blocked in the engine (pid 1): connect to ('192.0.2.1', 9)\n")
    assert installs == ["hushcode doctor"]
    assert environ == {netguard.REPORT_ENV: str(users_report)}  # as it was
    assert not private.exists()
    assert watch.requested and watch.value is None  # nothing set: the guard's default, on
    assert len(watch.attempts) == 1 and "192.0.2.1" in users_report.read_text()  # the user's report has it too


def test_the_guard_line() -> None:
    on = GuardWatch(requested=True, value="1", installed=True)
    assert check_guard(on, engine_audit=True).status == "ok"
    assert "in the doctor and the engine" in check_guard(on, engine_audit=True).detail
    off = GuardWatch(requested=False, value="0", installed=True)
    result = check_guard(off, engine_audit=True)
    assert result.status == "warn" and "HUSHCODE_AUDIT_NETWORK is '0'" in result.detail
    assert result.fix is not None and "remove HUSHCODE_AUDIT_NETWORK" in result.fix
    default = check_guard(GuardWatch(requested=True, value=None, installed=True), engine_audit=True)
    assert default.status == "ok" and default.detail.startswith("on (the default)")
    tried = GuardWatch(requested=True, value="1", installed=True, attempts=["blocked: connect to x"])
    assert check_guard(tried, engine_audit=True).status == "fail"
    assert check_guard(on, engine_audit=False).status == "fail"  # an engine without its hook
    assert check_guard(GuardWatch(True, "1", installed=False), engine_audit=None).status == "fail"


# --- the engine and the completion --------------------------------------------------------------

class SampleEngine(FakeLocalEngine):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    async def tokenize(self, texts: list[str], speculative: bool = False) -> list[list[int]]:
        return [[100 + ord(c) for c in text] for text in texts]

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult:
        return GenerateResult(text=self.text, reason="stop", prompt_tokens=len(request.tokens), reused=0,
                              evaluated=len(request.tokens), generated=5, prompt_ms=0.0, gen_ms=1.0,
                              control_tokens=3)


QUIET = Settings(completion=CompletionSettings(speculative=False, debounce_ms=0, warm_up=False))


async def test_a_completion_is_timed_and_shown() -> None:
    result = await check_completion(QUIET, SampleEngine("if n < 2:\n        return n"))  # type: ignore[arg-type]
    assert result.status == "ok" and "'if n < 2:'" in result.detail and " ms for " in result.detail


async def test_no_suggestion_fails_and_one_slower_than_the_setting_warns() -> None:
    empty = await check_completion(QUIET, SampleEngine(""))  # type: ignore[arg-type]
    assert empty.status == "fail" and "no suggestion" in empty.detail
    strict = dataclasses.replace(QUIET, completion=dataclasses.replace(QUIET.completion, timeout_ms=0))
    slow = await check_completion(strict, SampleEngine("if n < 2:"))  # type: ignore[arg-type]
    assert slow.status == "warn" and "longer than completion.timeout_ms (0 ms)" in slow.detail


async def test_a_failed_engine_is_not_waited_for() -> None:
    engine = FakeLocalEngine()
    engine.state = EngineState.FAILED
    # at once, not after its 60 s (wait_for raises TimeoutError after 5 s)
    assert not await asyncio.wait_for(wait_settled(engine, 60), 5)  # type: ignore[arg-type]


async def test_a_remote_engine_is_not_contacted_and_an_unusable_model_skips_the_engine() -> None:
    remote = await check_engine(Settings(engine=EngineSettings(kind="openai", url="http://gpu-box:8000")), True)
    assert [r.status for r in remote.results] == ["skip", "skip"] and "does not connect" in remote.results[0].detail
    unusable = await check_engine(Settings(), False)
    assert [r.status for r in unusable.results] == ["skip", "skip"]


# --- the editors --------------------------------------------------------------------------------

def fake(paths: dict[str, str], answers: dict[str, tuple[int, str] | None]) -> tuple[editors.Which, editors.Run]:
    seen: list[Sequence[str]] = []

    def which(name: str) -> str | None:
        return paths.get(name)

    def run(argv: Sequence[str], timeout: float) -> tuple[int, str] | None:
        seen.append(argv)
        key = next((k for k in answers if k in argv), None)
        return answers[key] if key is not None else None
    return which, run


def test_no_editor_on_path_is_information_only() -> None:
    which, run = fake({}, {})
    results = editors.check_vscode(which, run) + editors.check_neovim(which, run)
    assert [r.status for r in results] == ["info", "info"]
    assert exit_status(results) == 0


def test_vscode_with_and_without_the_extension() -> None:
    listing = "ms-python.python@2025.1.0\nhushcode.hushcode@0.1.0\n"
    which, run = fake({"code": "/usr/bin/code", "code-server": "/opt/cs"}, {"/usr/bin/code": (0, listing),
                                                                           "/opt/cs": (0, "ms-python.python@1\n")})
    with_it, without = editors.check_vscode(which, run)
    assert with_it.status == "ok" and "extension 0.1.0 is installed" in with_it.detail
    assert without.check == "code-server" and without.status == "warn"
    assert without.fix is not None and "vscode-extension.sh" in without.fix


@pytest.mark.parametrize(("version", "statuses", "words"), [
    ("NVIM v0.12.4\nBuild type: Release\n", ["ok", "ok"], "ghost text"),
    ("NVIM v0.11.4\n", ["ok", "ok"], "completion menu"),
    ("NVIM v0.13.0-dev-1234+gabcdef\n", ["ok", "ok"], "ghost text"),
    ("NVIM v0.9.5\n", ["warn"], "needs 0.11"),
    ("something else\n", ["warn"], "did not say"),
])
def test_neovim_versions(version: str, statuses: list[str], words: str) -> None:
    which, run = fake({"nvim": "/usr/bin/nvim"}, {"--version": (0, version),
                                                  "--headless": (0, "/p/hushcode/clients/neovim/lua/hushcode/init.lua")})
    results = editors.check_neovim(which, run)
    assert [r.status for r in results] == statuses and words in results[0].detail
    if len(results) == 2:
        assert results[1].detail == "on the runtimepath: /p/hushcode/clients/neovim"


def test_the_neovim_plugin_missing_from_the_runtimepath_warns() -> None:
    which, run = fake({"nvim": "/usr/bin/nvim"}, {"--version": (0, "NVIM v0.12.4"), "--headless": (0, "")})
    plugin = editors.check_neovim(which, run)[1]
    assert plugin.status == "warn" and plugin.fix is not None and "clients/neovim" in plugin.fix
    which, run = fake({"nvim": "/usr/bin/nvim"}, {"--version": (0, "NVIM v0.12.4"), "--headless": None})
    assert editors.check_neovim(which, run)[1].status == "info"  # it did not finish starting


def test_editor_commands_run_outside_the_users_folder_without_python_variables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor may start Python (Neovim's python3 provider): from the user's folder, or with its
    PYTHONPATH, a `types.py` there would run."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("PYTHONSTARTUP", str(tmp_path / "startup.py"))
    answer = editors.run_command(["sh", "-c", 'pwd; echo "path=$PYTHONPATH startup=$PYTHONSTARTUP"'], 10)
    assert answer is not None and answer[0] == 0
    folder, variables = answer[1].splitlines()
    assert Path(folder).resolve() == Path(child_cwd()).resolve() != tmp_path.resolve()
    assert variables == "path= startup="
