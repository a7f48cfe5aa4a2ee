"""The settings the documents and the VS Code extension name are the server's, with its defaults.

The server's settings are the dataclasses of `config/settings.py`: three sections (`model`,
`completion`, `engine`), each field a setting with its default; editors send them camelCase
(`completion.maxTokens`), files write them snake_case (`completion.max_tokens`). Four places
repeat them, and each is checked both ways (every server setting is there; everything there is a
server setting, or on an explicit list of client-only keys below) and for its defaults:

- docs/configuration.md: one `### \\`section.key\\`` heading per setting, with "Default: ...";
- clients/vscode/package.json: `contributes.configuration.properties`, `hushcode.section.key`;
- docs/editors/vscode.md: the settings table, one row per package.json property;
- docs/editors/neovim.md: the server settings table;
- docs/team.md: the `engine` keys table (keys only: its defaults are in prose).

Besides, the README's document index names every file of docs/ and docs/editors/, and the
setting names the README cites exist.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from hushcode.config.settings import SECTIONS, Settings

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
CONFIGURATION = DOCS / "configuration.md"
VSCODE_DOC = DOCS / "editors" / "vscode.md"
NEOVIM_DOC = DOCS / "editors" / "neovim.md"
TEAM_DOC = DOCS / "team.md"
PACKAGE = REPO / "clients" / "vscode" / "package.json"
VSCODE_SETTINGS_TS = REPO / "clients" / "vscode" / "src" / "settings.ts"
NEOVIM_INIT = REPO / "clients" / "neovim" / "lua" / "hushcode" / "init.lua"
README = REPO / "README.md"
CONFIG_SOURCE = REPO / "server" / "hushcode" / "config"

# Keys docs/configuration.md documents that are not fields of the settings sections. Each must still
# be read by the config package (checked below), so a stale heading cannot hide here.
CONFIGURATION_NON_SETTINGS = {
    # lists of folders read from the user file only (config/files.py USER_ONLY): they decide
    # which files a project file may choose and which folders are trusted, so no layer that
    # arrives with the code may set them
    "model_dirs": "model_dirs",
    "trusted_folders": "trusted_folders",
    # a top-level flag the VS Code extension sends beside the sections (config/settings.py
    # load_settings, config/load.py): VS Code's workspace-trust verdict, not a setting
    "trustedWorkspace": "trustedWorkspace",
}

# VS Code properties that are the extension's own: the extension reads them itself and never
# sends them to the server (clients/vscode/src/settings.ts forwards only the sections below).
VSCODE_CLIENT_ONLY = {
    # which languages' documents are sent to the server at all (the extension filters them)
    "hushcode.enable",
    # how the extension finds and starts the server process: the server cannot set these
    "hushcode.server.command",
    "hushcode.server.args",
    "hushcode.server.logLevel",
    # vscode-languageclient's own message tracing
    "hushcode.trace.server",
    # whether the extension asks for next edits by itself (an explicit request is always answered)
    "hushcode.nextEdit.enabled",
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def schema() -> dict[str, Any]:
    """Every server setting, "section.snake_key" -> its default."""
    settings = Settings()
    return {f"{section}.{f.name}": getattr(getattr(settings, section), f.name)
            for section in SECTIONS for f in dataclasses.fields(getattr(settings, section))}


def schema_camel() -> dict[str, Any]:
    """Every server setting as editors spell it, "section.camelKey" -> its default."""
    return {f"{k.split('.')[0]}.{camel(k.split('.')[1])}": v for k, v in schema().items()}


def normalise(value: Any) -> Any:
    """One spelling per value: None for "no value" (none, nil, an empty string, the default the
    VS Code extension uses for "not set"), numbers as int, true/false as bool, strings unquoted,
    JSON arrays and objects parsed."""
    if isinstance(value, str):
        text = value.strip().strip("`").strip()
        if text in ("", "none", "nil", '""', "''", "null"):
            return None
        if text in ("true", "false"):
            return text == "true"
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if text[:1] in "[{":
            return json.loads(text)
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return text[1:-1]
        return text
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def mismatched_defaults(documented: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    return [f"{key}: documented {documented[key]!r}, but the default is {expected[key]!r}"
            for key in sorted(documented.keys() & expected.keys())
            if normalise(documented[key]) != normalise(expected[key])]


def none_of(problems: list[str], why: str = "") -> None:
    """Fail naming every problem, one per line (pytest would shorten a list)."""
    assert not problems, "\n".join(([why] if why else []) + problems)


def two_ways(where: str, documented: set[str], expected: set[str]) -> list[str]:
    missing = [f"{key}: a server setting that {where} does not name" for key in sorted(expected - documented)]
    unknown = [f"{key}: named in {where}, but not a server setting" for key in sorted(documented - expected)]
    return missing + unknown


# --- docs/configuration.md ----------------------------------------------------------------------

HEADING = re.compile(r"^### `([\w.]+)`\s*$", re.MULTILINE)
DEFAULT = re.compile(r"Default: (`[^`]*`|[^\s.,(]+)")


def configuration_defaults(text: str) -> dict[str, str | None]:
    """`### \\`key\\`` heading -> the value after the first "Default:" of its section (None when
    the section says no default)."""
    found: dict[str, str | None] = {}
    headings = list(HEADING.finditer(text))
    for heading, following in zip(headings, [*headings[1:], None]):
        body = text[heading.end(): following.start() if following else len(text)]
        body = body.split("\n## ", 1)[0]  # a section's text ends at the next chapter
        default = DEFAULT.search(body)
        found[heading.group(1)] = default.group(1) if default else None
    return found


def test_configuration_documents_every_setting_and_only_settings() -> None:
    documented = set(configuration_defaults(CONFIGURATION.read_text(encoding="utf-8")))
    none_of(two_ways("docs/configuration.md", documented - CONFIGURATION_NON_SETTINGS.keys(), set(schema())))


def test_configuration_gives_each_setting_the_servers_default() -> None:
    documented = configuration_defaults(CONFIGURATION.read_text(encoding="utf-8"))
    undocumented = sorted(k for k in schema() if k in documented and documented[k] is None)
    none_of(undocumented, "these settings' sections in docs/configuration.md say no 'Default:'")
    none_of(mismatched_defaults({k: v for k, v in documented.items() if v is not None}, schema()),
            "docs/configuration.md")


def test_the_documented_non_settings_are_read_by_the_config_package() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in CONFIG_SOURCE.glob("*.py"))
    documented = configuration_defaults(CONFIGURATION.read_text(encoding="utf-8"))
    none_of([k for k, needle in CONFIGURATION_NON_SETTINGS.items() if needle not in source],
            "documented non-settings that server/hushcode/config/ never reads")
    none_of([k for k in CONFIGURATION_NON_SETTINGS if k not in documented],
            "listed as documented non-settings, but docs/configuration.md has no heading for them")


# --- clients/vscode/package.json ----------------------------------------------------------------

def vscode_properties() -> dict[str, dict[str, Any]]:
    package = json.loads(PACKAGE.read_text(encoding="utf-8"))
    properties: dict[str, dict[str, Any]] = package["contributes"]["configuration"]["properties"]
    return properties


def vscode_forwarded_sections() -> list[str]:
    """The sections the extension sends to the server (`SERVER_SECTIONS` in settings.ts)."""
    match = re.search(r"const SERVER_SECTIONS = \[([^\]]*)\]", VSCODE_SETTINGS_TS.read_text(encoding="utf-8"))
    assert match, "SERVER_SECTIONS not found in clients/vscode/src/settings.ts"
    return re.findall(r"'(\w+)'", match.group(1))


def vscode_expected() -> dict[str, Any]:
    """The server settings VS Code must declare: those of the sections the extension forwards.
    The `engine` section (a shared server, docs/team.md) is not forwarded: it is set in the user
    or a trusted project file, where the trust rules of docs/configuration.md apply, and the
    extension's workspace-trust filter (RESTRICTED in settings.ts) does not cover it. Should the
    extension forward it, this check asks for its settings."""
    sections = vscode_forwarded_sections()
    return {f"hushcode.{k}": v for k, v in schema_camel().items() if k.split(".")[0] in sections}


def test_the_extension_forwards_model_and_completion() -> None:
    assert vscode_forwarded_sections() == ["model", "completion"]


def test_vscode_declares_every_forwarded_setting_and_only_settings() -> None:
    declared = set(vscode_properties()) - VSCODE_CLIENT_ONLY
    none_of(two_ways("clients/vscode/package.json", declared, set(vscode_expected())))


def test_vscode_declares_the_servers_defaults() -> None:
    declared = {k: p.get("default") for k, p in vscode_properties().items() if k not in VSCODE_CLIENT_ONLY}
    none_of(mismatched_defaults(declared, vscode_expected()), "clients/vscode/package.json")


def test_vscode_client_only_keys_are_declared() -> None:
    none_of(sorted(VSCODE_CLIENT_ONLY - set(vscode_properties())), "client-only keys package.json lacks")


# --- docs/editors/vscode.md ---------------------------------------------------------------------

ROW = re.compile(r"^\| `([\w.]+)` \| (.*?) \|", re.MULTILINE)


def table_rows(text: str, title: str) -> dict[str, str]:
    """The first column (a backticked key) -> the second, of the table under heading `title`."""
    assert title in text, f"no heading {title!r}"
    section = text.split(title, 1)[1]
    section = re.split(r"\n#{1,3} ", section, maxsplit=1)[0]
    return {m.group(1): m.group(2) for m in ROW.finditer(section)}


def test_the_vscode_doc_lists_every_property_with_its_default() -> None:
    rows = table_rows(VSCODE_DOC.read_text(encoding="utf-8"), "## Settings")
    properties = vscode_properties()
    none_of(two_ways("the settings table of docs/editors/vscode.md", set(rows), set(properties))
            + mismatched_defaults(rows, {k: p.get("default") for k, p in properties.items()}),
            "docs/editors/vscode.md's table lists exactly the properties of clients/vscode/package.json:")


# --- docs/editors/neovim.md ---------------------------------------------------------------------

def test_the_neovim_doc_lists_every_server_setting_with_its_default() -> None:
    rows = table_rows(NEOVIM_DOC.read_text(encoding="utf-8"), "### Server settings")
    none_of(two_ways("the server settings table of docs/editors/neovim.md", set(rows), set(schema_camel()))
            + mismatched_defaults(rows, schema_camel()))


def lua_option_names(code: str) -> list[str]:
    """The top-level option names of a Lua table literal `{ ... }` written one per line."""
    names: list[str] = []
    depth = 0
    for line in code.splitlines():
        line = line.split("--", 1)[0]
        if depth == 1 and (m := re.match(r"\s*(\w+)\s*=", line)):
            names.append(m.group(1))
        depth += line.count("{") - line.count("}")
    return names


def test_the_neovim_setup_example_has_the_plugins_options() -> None:
    doc = NEOVIM_DOC.read_text(encoding="utf-8")
    example = re.search(r"require\('hushcode'\)\.setup\((\{\n.*?\n\})\)", doc, re.DOTALL)
    assert example, "no multi-line setup({...}) example in docs/editors/neovim.md"
    plugin = re.search(r"M\.defaults = (\{\n.*?\n\})", NEOVIM_INIT.read_text(encoding="utf-8"), re.DOTALL)
    assert plugin, "M.defaults not found in clients/neovim/lua/hushcode/init.lua"
    documented, options = lua_option_names(example.group(1)), lua_option_names(plugin.group(1))
    none_of([f"{name}: an option of setup() the example leaves out" for name in options if name not in documented]
            + [f"{name}: in the example, but not an option of setup()" for name in documented if name not in options])


# --- docs/team.md -------------------------------------------------------------------------------

def test_the_team_doc_lists_every_engine_setting() -> None:
    rows = table_rows(TEAM_DOC.read_text(encoding="utf-8"), "## Point hushcode at it")
    engine = {k.split(".")[1] for k in schema_camel() if k.startswith("engine.")}
    none_of(two_ways("the engine table of docs/team.md", set(rows), engine))


# --- README.md ----------------------------------------------------------------------------------

def test_the_readme_index_names_every_document() -> None:
    readme = README.read_text(encoding="utf-8")
    index = readme.split("## Documentation", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"\]\((docs/[\w/.-]+\.md)\)", index))
    documents = {p.relative_to(REPO).as_posix() for p in [*DOCS.glob("*.md"), *DOCS.glob("editors/*.md")]}
    none_of(sorted(documents - listed), "documents the README's index does not name:")
    none_of(sorted(listed - documents), "the README's index names documents that do not exist:")


def test_the_readme_cites_only_settings_that_exist() -> None:
    readme = README.read_text(encoding="utf-8")
    cited = set(re.findall(r"`((?:model|completion|engine)\.\w+)`", readme))
    known = set(schema()) | set(schema_camel())
    none_of(sorted(cited - known), "the README cites settings the server does not have:")


# --- the checks themselves ----------------------------------------------------------------------

def test_the_checks_read_defaults_and_name_a_mismatch() -> None:
    text = ("### `completion.max_tokens`\n\nWhole number. Default: 64. More.\n\n"
            "### `model.path`\n\nString. Default: none (the catalog's).\n\n"
            "### `completion.prompt_format`\n\nDefault: `auto` (measured).\n")
    documented = configuration_defaults(text)
    assert documented == {"completion.max_tokens": "64", "model.path": "none", "completion.prompt_format": "`auto`"}
    assert mismatched_defaults(documented, schema()) == [
        "completion.max_tokens: documented '64', but the default is 96"]
    assert [normalise(v) for v in ("`true`", "'auto'", "nil", '""', '{"*": true}', "-1", 3.0)] == [
        True, "auto", None, None, {"*": True}, -1, 3]
    assert two_ways("x", {"a.b", "c.d"}, {"a.b", "e.f"}) == [
        "e.f: a server setting that x does not name", "c.d: named in x, but not a server setting"]
    rows = table_rows("## Settings\n\n| setting | default |\n|---|---|\n| `hushcode.x` | `128` |\n\n## Keys\n"
                      "| `hushcode.y` | `1` |\n", "## Settings")
    assert rows == {"hushcode.x": "`128`"}
