"""Offline by construction, checked at run time: an audit hook that refuses network access.

The server (``hushcode serve``), ``hushcode complete`` and the engine process install a Python audit
hook (PEP 578) before anything else runs, unless ``HUSHCODE_AUDIT_NETWORK=0`` turns it off (it costs
nothing measurable: docs/security.md). From then on every socket operation of the
process is checked:

- ``bind`` only to a loopback address (``--tcp`` listens on 127.0.0.1);
- name lookups only of loopback names (``localhost``, ``127.0.0.1``, ``::1``);
- ``connect``/``sendto``/``sendmsg`` only to an endpoint the user configured explicitly (a remote
  engine's URL, see ``allow_settings``).

Anything else is refused loudly: a line on stderr (written to fd 2 directly, whatever logging
does), a line appended to ``$HUSHCODE_AUDIT_NETWORK_REPORT`` when set (the test suite checks that
file after every test), and a ``NetworkBlocked`` exception in the code that tried. NetworkBlocked is
not an OSError, so code that treats connection errors as "no network" cannot swallow it by accident.

The hook sees Python-level sockets only; native code (llama.cpp) is covered by the test suite
running servers in a network namespace with no interfaces, and by the strace test.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import threading
from typing import Any
from urllib.parse import urlsplit

ENV = "HUSHCODE_AUDIT_NETWORK"
REPORT_ENV = "HUSHCODE_AUDIT_NETWORK_REPORT"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})

_lock = threading.Lock()
_allowed: set[tuple[str, int]] = set()  # (host, port) the user configured explicitly
_installed = False
_who = "hushcode"


class NetworkBlocked(RuntimeError):
    """A network operation that hushcode's offline guarantee does not allow."""


def requested(environ: Any = None) -> bool:
    """Whether the audit runs: always, unless ``HUSHCODE_AUDIT_NETWORK`` turns it off (0/false/no/off)."""
    value = (os.environ if environ is None else environ).get(ENV, "")
    return value.strip().lower() not in ("0", "false", "no", "off")


def installed() -> bool:
    return _installed


def install(who: str = "hushcode") -> None:
    """Install the hook in this process (once; audit hooks cannot be removed)."""
    global _installed, _who
    with _lock:
        if _installed:
            return
        _who = who
        sys.addaudithook(_hook)
        _installed = True


def install_if_requested(who: str) -> bool:
    if requested():
        install(who)
    return _installed


def allow(host: str, port: int) -> None:
    """Allow connections to one endpoint the user configured (a remote engine). A host name is
    resolved now (under the audit) so that a connection to one of its addresses is recognised."""
    name = host.lower().strip("[]")
    with _lock:
        _allowed.add((name, int(port)))
    if not _installed or _is_ip(name):
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, port, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return  # unresolvable now: connecting will fail anyway
    with _lock:
        _allowed.update((str(address).split("%", 1)[0], int(port)) for address in addresses)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def allow_url(url: str) -> None:
    """Allow the host and port of a configured URL (default ports by scheme)."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.hostname:
        allow(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


def allow_settings(settings: Any) -> None:
    """Allow what the settings configure explicitly: a remote engine's URL, nothing else."""
    engine = getattr(settings, "engine", None)
    if engine is not None and getattr(engine, "kind", "local") != "local" and getattr(engine, "url", None):
        allow_url(engine.url)


def is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    name = host.lower().strip("[]").split("%", 1)[0]
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _endpoint(address: object) -> tuple[str, int] | None:
    if isinstance(address, tuple) and len(address) >= 2 and isinstance(address[0], str):
        try:
            return address[0].lower().strip("[]"), int(address[1])
        except (TypeError, ValueError):
            return None
    return None


def _host_allowed(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host is None or is_loopback(host):
        return True
    with _lock:
        return isinstance(host, str) and any(h == host.lower() for h, _ in _allowed)


def _connect_allowed(address: object) -> bool:
    endpoint = _endpoint(address)
    if endpoint is None:
        return False  # AF_UNIX, AF_PACKET, ...: nothing in hushcode needs them
    with _lock:
        return endpoint in _allowed


def _check(event: str, args: tuple[Any, ...]) -> str | None:
    """What is wrong with this socket event, or None when it is allowed."""
    if event == "socket.bind":
        sock, address = args[0], args[1]
        if getattr(sock, "family", None) == socket.AF_UNIX:
            return f"bind to {address!r}"
        endpoint = _endpoint(address)
        return None if endpoint is not None and is_loopback(endpoint[0]) else f"bind to {address!r}"
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        address = args[1] if len(args) > 1 else None
        if address is None and event != "socket.connect":
            return None  # a connected socket: its connect was checked
        return None if _connect_allowed(address) else f"{event.split('.')[1]} to {address!r}"
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"):
        return None if _host_allowed(args[0] if args else None) else f"name lookup of {args[0]!r}"
    if event in ("socket.gethostbyaddr", "socket.getnameinfo"):
        target = args[0] if args else None
        host = target[0] if isinstance(target, tuple) and target else target
        return None if is_loopback(host) else f"reverse lookup of {target!r}"
    return None


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not event.startswith("socket."):
        return  # the fast path: every open(), import and exec also comes through here
    problem = _check(event, args)
    if problem is None:
        return
    message = (f"hushcode: network access blocked in {_who} (pid {os.getpid()}): {problem}. "
               f"hushcode runs offline unless a remote engine or a download is configured.")
    try:
        os.write(2, (message + "\n").encode("utf-8", "replace"))
    except OSError:
        pass
    report = os.environ.get(REPORT_ENV)
    if report:
        try:
            with open(report, "a", encoding="utf-8") as fh:
                fh.write(message + "\n")
        except OSError:
            pass
    raise NetworkBlocked(message)
