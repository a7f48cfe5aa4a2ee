"""The workspace index: started after `initialized` (with $/progress), kept current by
didOpen/didChange/didClose and workspace/didChangeWorkspaceFolders."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

log = logging.getLogger("hushcode.workspace")


def workspace_roots(ls: HushcodeServer) -> list[Path]:
    folders = list(ls.workspace.folders.values())
    uris = [f.uri for f in folders] or ([ls.workspace.root_uri] if ls.workspace.root_uri else [])
    roots = [Path(p) for p in (to_fs_path(u) for u in uris) if p]
    return [r for r in roots if r.is_dir()]


async def start_index(ls: HushcodeServer) -> None:
    """Index the workspace folders in the background, reporting $/progress when the client can show it."""
    from hushcode.workspace.service import WorkspaceContext

    roots = workspace_roots(ls)
    if not roots or ls.settings.completion.context_tokens <= 0:
        return
    context = WorkspaceContext(roots)
    ls.context = context
    ls.completions.context = context
    for doc in list(ls.workspace.text_documents.values()):
        context.opened(doc.uri, doc.source)
    token = str(uuid.uuid4())
    window = ls.client_capabilities.window if ls.client_capabilities else None
    progress = bool(window and window.work_done_progress)
    if progress:
        try:
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title="hushcode: indexing",
                                                                           percentage=0, cancellable=False))
        except Exception:
            progress = False
    last = [-1]
    loop = asyncio.get_running_loop()

    def report(done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 100
        if progress and percent != last[0]:
            last[0] = percent
            loop.call_soon_threadsafe(ls.work_done_progress.report, token, types.WorkDoneProgressReport(
                message=f"{done}/{total} files", percentage=percent))

    try:
        await context.start(report)
        if context.truncated:
            ls.notify_user("warning", f"The workspace has more than {context.files_indexed} source files: hushcode "
                           f"indexed {context.files_indexed} of them and gives the others no cross-file context. "
                           f"Leave generated or vendored folders out with .gitignore, or raise "
                           f"HUSHCODE_INDEX_MAX_FILES.")
    finally:
        if progress:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(
                message=f"{context.files_indexed} files indexed"))
        ls.send_status()


def register(server: HushcodeServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(ls: HushcodeServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        from hushcode.handlers.configuration import reload_settings

        ls.run_task(reload_settings(ls, "workspace folders changed"), "settings-reload")  # their project files
        if ls.context is None:
            return
        for folder in params.event.added:
            path = to_fs_path(folder.uri)
            if path:
                ls.run_task(_add(ls, Path(path)), "index-folder")
        for folder in params.event.removed:
            path = to_fs_path(folder.uri)
            if path:
                ls.context.remove_root(Path(path))


async def _add(ls: HushcodeServer, root: Path) -> None:
    if ls.context is not None:
        await asyncio.to_thread(ls.context.add_root, root)
