"""workspace/didChangeWorkspaceFolders: the workspace index (started after `initialized`, with
$/progress: lsp/session.py) follows the folders, and their project files count."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer


def _paths(folders: Sequence[types.WorkspaceFolder]) -> list[Path]:
    return [Path(path) for path in (to_fs_path(folder.uri) for folder in folders) if path]


def register(server: HushcodeServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(ls: HushcodeServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.session.folders_changed(_paths(params.event.added), _paths(params.event.removed))
