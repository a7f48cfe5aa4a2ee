"""scripts/llama_flags.py: the llama.cpp build flags chosen from recorded CPU descriptions, one
platform at a time (Linux x86-64 with AVX2 only, AVX-512, AMX, an old CPU without AVX2; an
Intel Mac; Apple Silicon; arm64 Linux), and a user's own CMAKE_ARGS."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "llama_flags.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("llama_flags", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


flags = _load()

# /proc/cpuinfo "flags" lines. The first is this project's own 2-core machine (AMD EPYC, KVM), as
# recorded on it; the others are as Linux prints them for the CPUs named.
EPYC_AVX2 = (
    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr "
    "sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology "
    "nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic "
    "movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm cmp_legacy cr8_legacy "
    "abm sse4a misalignsse 3dnowprefetch osvw topoext ssbd ibrs ibpb stibp vmmcall fsgsbase tsc_adjust "
    "bmi1 avx2 smep bmi2 erms invpcid rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 "
    "xsaves clzero xsaveerptr wbnoinvd arat umip pku ospke vaes vpclmulqdq rdpid fsrm\n"
)
# AMD EPYC 9004 (Zen 4): AVX-512 with VBMI, VNNI and BF16, no AVX-VNNI, no AMX.
ZEN4_AVX512 = (
    "processor\t: 0\nvendor_id\t: AuthenticAMD\n"
    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr "
    "sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid "
    "extd_apicid aperfmperf rapl pni pclmulqdq monitor ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe "
    "popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a misalignsse "
    "3dnowprefetch osvw ibs skinit wdt tce topoext perfctr_core perfctr_nb bpext perfctr_llc mwaitx cpb "
    "cat_l3 cdp_l3 hw_pstate ssbd mba ibrs ibpb stibp vmmcall fsgsbase bmi1 avx2 smep bmi2 erms invpcid "
    "cqm rdt_a avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw "
    "avx512vl xsaveopt xsavec xgetbv1 xsaves cqm_llc cqm_occup_llc clzero irperf xsaveerptr rdpru "
    "wbnoinvd amd_ppin cppc arat npt lbrv svm_lock avx512_bf16 avx512vbmi umip pku ospke vaes vpclmulqdq "
    "avx512_vbmi2 gfni avx512_vnni avx512_bitalg avx512_vpopcntdq rdpid overflow_recov succor smca fsrm\n"
)
# Intel Xeon 4th generation (Sapphire Rapids) in a KVM guest: AVX-512, AVX-VNNI and AMX.
SAPPHIRE_RAPIDS_AMX = (
    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr "
    "sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid "
    "tsc_known_freq pni pclmulqdq ssse3 fma cx16 pdcm pcid sse4_1 sse4_2 x2apic movbe popcnt "
    "tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch cpuid_fault ssbd "
    "ibrs ibpb stibp ibrs_enhanced fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid avx512f avx512dq "
    "rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec "
    "xgetbv1 xsaves avx_vnni avx512_bf16 wbnoinvd arat avx512vbmi umip pku ospke waitpkg avx512_vbmi2 "
    "gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq la57 rdpid cldemote movdiri "
    "movdir64b fsrm md_clear serialize tsxldtrk amx_bf16 avx512_fp16 amx_tile amx_int8 arch_capabilities\n"
)
# Intel Core i5-2500 (Sandy Bridge, 2011): AVX but no AVX2, FMA, F16C or BMI2.
SANDY_BRIDGE = (
    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi "
    "mmx fxsr sse sse2 ss ht tm pbe syscall nx rdtscp lm constant_tsc arch_perfmon pebs bts rep_good nopl "
    "xtopology nonstop_tsc aperfmperf pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 cx16 xtpr "
    "pdcm pcid sse4_1 sse4_2 x2apic popcnt tsc_deadline_timer aes xsave avx lahf_lm epb pti tpr_shadow "
    "vnmi flexpriority ept vpid xsaveopt dtherm ida arat pln pts\n"
)
# An arm64 Linux machine (Neoverse N1) has no "flags" line: its extensions are under "Features".
NEOVERSE_N1 = (
    "processor\t: 0\nBogoMIPS\t: 243.75\n"
    "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc "
    "dcpop asimddp ssbs\nCPU implementer\t: 0x41\nCPU architecture: 8\n"
)
# `sysctl -n machdep.cpu.features machdep.cpu.leaf7_features` on an Intel Mac (Core i9-9880H,
# MacBook Pro 2019): AVX2, no AVX-512.
MAC_I9_SYSCTL = (
    "FPU VME DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36 CLFSH DS ACPI MMX FXSR SSE "
    "SSE2 SS HTT TM PBE SSE3 PCLMULQDQ DTES64 MON DSCPL VMX EST TM2 SSSE3 FMA CX16 TPR PDCM SSE4.1 SSE4.2 "
    "x2APIC MOVBE POPCNT AES PCID XSAVE OSXSAVE SEGLIM64 TSCTMR AVX1.0 RDRAND F16C\n"
    "RDWRFSGS TSC_THREAD_OFFSET SGX BMI1 AVX2 SMEP BMI2 ERMS INVPCID FPU_CSDS MPX RDSEED ADX SMAP CLFSOPT "
    "IPT SGXLC MDCLEAR IBRS STIBP L1DF ACAPMSR SSBD\n"
)
# `sysctl hw.optional` on an iMac Pro (Xeon W, Skylake): AVX-512 F/CD/DQ/BW/VL, no VNNI.
IMAC_PRO_HW_OPTIONAL = (
    "hw.optional.floatingpoint: 1\nhw.optional.mmx: 1\nhw.optional.sse: 1\nhw.optional.sse2: 1\n"
    "hw.optional.sse3: 1\nhw.optional.supplementalsse3: 1\nhw.optional.sse4_1: 1\nhw.optional.sse4_2: 1\n"
    "hw.optional.x86_64: 1\nhw.optional.aes: 1\nhw.optional.avx1_0: 1\nhw.optional.rdrand: 1\n"
    "hw.optional.f16c: 1\nhw.optional.enfstrg: 1\nhw.optional.fma: 1\nhw.optional.avx2_0: 1\n"
    "hw.optional.bmi1: 1\nhw.optional.bmi2: 1\nhw.optional.rtm: 0\nhw.optional.hle: 0\nhw.optional.adx: 1\n"
    "hw.optional.mpx: 1\nhw.optional.sgx: 0\nhw.optional.avx512f: 1\nhw.optional.avx512cd: 1\n"
    "hw.optional.avx512dq: 1\nhw.optional.avx512bw: 1\nhw.optional.avx512vl: 1\nhw.optional.avx512ifma: 0\n"
    "hw.optional.avx512vbmi: 0\n"
)

AVX2_ARGS = "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"


def linux(cpuinfo: str) -> object:
    return flags.Cpu("Linux", "x86_64", flags.linux_features(cpuinfo), "/proc/cpuinfo")


def test_avx2_only_linux_keeps_the_arguments_and_the_cache_key_of_earlier_builds() -> None:
    choice = flags.choose(linux(EPYC_AVX2))
    assert choice.args == AVX2_ARGS
    # The key build-llama.sh computed with sha256sum for these flags: wheels built before are reused.
    assert flags.cache_key("0.3.36", choice.args) == "57f4c09a2e174301"
    assert "AVX, AVX2, FMA, F16C, BMI2" in choice.runs_on and "/proc/cpuinfo" in choice.runs_on
    assert choice.warnings == ()


def test_avx512_is_switched_on_where_the_cpu_has_it() -> None:
    args = flags.choose(linux(ZEN4_AVX512)).args.split()
    assert args[:6] == AVX2_ARGS.split()
    assert {"-DGGML_AVX512=ON", "-DGGML_AVX512_VBMI=ON", "-DGGML_AVX512_VNNI=ON", "-DGGML_AVX512_BF16=ON"} <= set(args)
    assert "-DGGML_AVX_VNNI=ON" not in args  # Zen 4 has AVX512-VNNI, not the VEX-encoded AVX-VNNI


def test_amx_cpu_gets_avx512_but_never_native_or_amx() -> None:
    args = flags.choose(linux(SAPPHIRE_RAPIDS_AMX)).args
    assert args.startswith("-DGGML_NATIVE=OFF ")
    assert "-DGGML_AVX512=ON" in args and "-DGGML_AVX_VNNI=ON" in args
    assert "AMX" not in args and "NATIVE=ON" not in args


def test_a_cpu_without_avx2_switches_off_what_llama_cpp_would_assume() -> None:
    # With GGML_NATIVE=OFF llama.cpp turns AVX2, FMA, F16C and BMI2 on by itself: they must be
    # switched off here, or the library would stop with "illegal instruction" on this very CPU.
    choice = flags.choose(linux(SANDY_BRIDGE))
    assert choice.args == ("-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=OFF -DGGML_FMA=OFF "
                           "-DGGML_F16C=OFF -DGGML_BMI2=OFF")
    assert "have AVX:" in choice.runs_on


def test_avx512f_alone_is_not_enough_for_the_avx512_build() -> None:
    # GGML_AVX512 compiles with -mavx512f -mavx512cd -mavx512vl -mavx512dq -mavx512bw.
    knights_landing = EPYC_AVX2.replace(" avx2 ", " avx2 avx512f avx512cd avx512pf avx512er ")
    assert "AVX512" not in flags.choose(linux(knights_landing)).args


def test_intel_mac_reads_sysctl() -> None:
    features = flags.macos_features(MAC_I9_SYSCTL)
    assert {"avx", "avx2", "fma", "f16c", "bmi2", "sse4_2"} <= features
    choice = flags.choose(flags.Cpu("Darwin", "x86_64", features, "sysctl machdep.cpu, hw.optional"))
    assert choice.args == AVX2_ARGS
    assert "sysctl" in choice.runs_on


def test_intel_mac_with_avx512_from_hw_optional() -> None:
    features = flags.macos_features(IMAC_PRO_HW_OPTIONAL)
    assert "avx512vbmi" not in features  # hw.optional.avx512vbmi: 0
    args = flags.choose(flags.Cpu("Darwin", "x86_64", features, "sysctl")).args
    assert args.startswith(AVX2_ARGS) and "-DGGML_AVX512=ON" in args and "VBMI" not in args


def test_rosetta_is_named() -> None:
    cpu = flags.Cpu("Darwin", "x86_64", flags.macos_features(MAC_I9_SYSCTL), "sysctl", translated=True)
    assert any("Rosetta" in w for w in flags.choose(cpu).warnings)


def test_apple_silicon_and_arm64_linux_get_llama_cpp_defaults() -> None:
    apple = flags.choose(flags.Cpu("Darwin", flags.normalise_machine("arm64")))
    assert apple.args == "" and "Metal on" in apple.runs_on
    assert flags.linux_features(NEOVERSE_N1) is None
    graviton = flags.choose(flags.Cpu("Linux", flags.normalise_machine("aarch64")))
    assert graviton.args == "" and "native" in graviton.runs_on
    assert flags.choose(flags.Cpu("Darwin", "arm64"), "-DGGML_METAL=OFF").args == "-DGGML_METAL=OFF"


def test_unknown_x86_description_falls_back_to_avx2_with_a_warning() -> None:
    choice = flags.choose(flags.Cpu("Windows", flags.normalise_machine("AMD64")))
    assert choice.args == AVX2_ARGS
    assert choice.warnings and "CMAKE_ARGS" in choice.warnings[0]


def test_user_cmake_args_come_last_so_they_win() -> None:
    choice = flags.choose(linux(SAPPHIRE_RAPIDS_AMX), "-DGGML_CUDA=on -DGGML_AVX512=OFF")
    assert choice.args.startswith("-DGGML_NATIVE=OFF ")
    assert choice.args.endswith(" -DGGML_CUDA=on -DGGML_AVX512=OFF")
    assert "your CMAKE_ARGS" in choice.runs_on


def test_user_native_choice_is_used_alone() -> None:
    assert flags.choose(linux(EPYC_AVX2), " -DGGML_NATIVE=ON -DGGML_CUDA=on ").args == "-DGGML_NATIVE=ON -DGGML_CUDA=on"


@pytest.mark.parametrize("cpuinfo", [ZEN4_AVX512, SAPPHIRE_RAPIDS_AMX, EPYC_AVX2])
def test_portable_build_is_the_avx2_set_whatever_the_cpu(cpuinfo: str) -> None:
    choice = flags.choose(linux(cpuinfo), portable=True)
    assert choice.args == AVX2_ARGS
    assert "every x86-64 CPU with AVX2" in choice.runs_on and choice.warnings == ()


def test_portable_build_on_a_cpu_without_avx2_warns() -> None:
    assert flags.choose(linux(SANDY_BRIDGE), portable=True).warnings


def test_the_script_runs_and_prints_shell_assignments() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--shell", "0.3.36"], capture_output=True, text=True,
                          check=True, env={"PATH": "/usr/bin:/bin"})
    names = [line.split("=", 1)[0] for line in done.stdout.splitlines()]
    assert names == ["cmake_args", "runs_on", "cache_key", "cores"]
    cores = subprocess.run([sys.executable, str(SCRIPT), "--cores"], capture_output=True, text=True, check=True)
    assert int(cores.stdout) >= 1
