"""``hushcode bench <command>``: the entry point of the benchmarks (``hushcode_bench.cli:run``).

Each command is a module with ``HELP`` and ``DESCRIPTION`` (its --help), ``add_arguments`` and
``run`` (its work). Here they
are put together under one parser, and every way a command can fail becomes one message and an
exit status: 1 for a failure, 2 for a usage error, 130 when interrupted; never a traceback.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from collections.abc import Callable
from types import FrameType

from hushcode_bench import team
from hushcode_bench.arguments import Parser, UsageError
from hushcode_bench.client import BenchError
from hushcode_bench.context import command as context
from hushcode_bench.latency import command as latency
from hushcode_bench.next_edit import command as next_edit
from hushcode_bench.quality import command as quality
from hushcode_bench.stress import command as stress

COMMANDS = {"quality": quality, "latency": latency, "context": context, "stress": stress, "team": team,
            "next-edit": next_edit}
# where a command's messages come from (quality, the first command, speaks as the whole tool)
_PREFIX = {"quality": "hushcode bench"}


def _build_parser() -> Parser:
    parser = Parser(prog="hushcode bench", description="Measure hushcode on your own code.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for name, module in COMMANDS.items():
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.DESCRIPTION))
    return parser


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(argv: list[str]) -> int:
    """Run ``hushcode bench <argv>``; return the exit status (0 ok, 1 error, 2 usage)."""
    # SIGTERM unwinds like Ctrl-C: servers are shut down and temporary copies removed.
    signal.signal(signal.SIGTERM, _interrupt)
    prefix = "hushcode bench"
    try:
        args = _build_parser().parse_args(argv)
        prefix = _PREFIX.get(args.command, f"hushcode bench {args.command}")
        command: Callable[[argparse.Namespace], int] = COMMANDS[args.command].run
        return command(args)
    except UsageError as exc:
        print(f"{prefix}: {exc}", file=sys.stderr)
        return 2
    except (BenchError, ValueError, OSError, subprocess.SubprocessError) as exc:
        print(f"{prefix}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hushcode bench: interrupted", file=sys.stderr)
        return 130
