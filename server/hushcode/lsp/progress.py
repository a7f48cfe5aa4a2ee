"""$/progress for work the user waits on (indexing the workspace, loading a model).

Shown only when the client says it can show it (window.workDoneProgress); otherwise, and when
the client refuses the token, every call is a no-op, so callers report without asking.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from lsprotocol import types
from pygls.lsp.server import LanguageServer

log = logging.getLogger("hushcode.lsp.progress")


class Progress:
    """One piece of work's progress, under a token of its own."""

    def __init__(self, server: LanguageServer, title: str) -> None:
        self._server = server
        self._title = title
        self._token = str(uuid.uuid4())
        self.shown = False  # the client accepted the token and shows the work

    async def begin(self, message: str | None = None, percentage: int | None = None) -> bool:
        """Create the token and begin; False when the client cannot show progress."""
        capabilities = self._server.client_capabilities
        window = capabilities.window if capabilities else None
        if not (window and window.work_done_progress):
            return False
        try:
            await self._server.work_done_progress.create_async(self._token)
            self._server.work_done_progress.begin(self._token, types.WorkDoneProgressBegin(
                title=self._title, message=message, percentage=percentage, cancellable=False))
        except Exception:  # the client refused the token or went away: work on without progress
            log.debug("no progress for %s", self._title, exc_info=True)
            return False
        self.shown = True
        return True

    def report_threadsafe(self, loop: asyncio.AbstractEventLoop, message: str, percentage: int) -> None:
        """Report from another thread (the indexer's), through the event loop."""
        if self.shown:
            loop.call_soon_threadsafe(self._server.work_done_progress.report, self._token,
                                      types.WorkDoneProgressReport(message=message, percentage=percentage))

    def end(self, message: str) -> None:
        if self.shown:
            self._server.work_done_progress.end(self._token, types.WorkDoneProgressEnd(message=message))
