"""A guard that records every network operation the app's Python code attempts that is not
on the loopback interface, in this process and in every child it starts.

Python's audit hooks (PEP 578) see each ``socket.connect``, ``socket.bind``,
``socket.sendto`` and every host-name lookup (``socket.getaddrinfo`` with a name rather than
an address, ``gethostbyname``...); children get the same hook through ``sitecustomize`` (the
``netguard_site`` folder put first on ``PYTHONPATH``). What native code does (libVLC) the hook
cannot see: :func:`sockets_of` reads ``/proc`` for the sockets every process of the tree holds
(listeners, connections) and :func:`socket_violations` judges them. Everything is written to
one log file (JSON lines), read back by :func:`violations`.
"""

from __future__ import annotations

import ipaddress
import json
import os
import sys
from pathlib import Path

ENV = "MEDIACENTER_NET_GUARD"
SITE = Path(__file__).resolve().parent / "netguard_site"
_log: str | None = None


def _loopback(host: object) -> bool:
    try:
        ip = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _literal(host: object) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    return True


def _write(kind: str, detail: object) -> None:
    if _log is None:
        return
    with open(_log, "a", encoding="utf-8") as f:
        f.write(json.dumps({"pid": os.getpid(), "kind": kind, "detail": repr(detail)}) + "\n")


def _hook(event: str, args: tuple) -> None:
    if _log is None or not event.startswith("socket."):
        return
    if event in ("socket.connect", "socket.sendto", "socket.bind"):
        address = args[1] if len(args) > 1 else None
        if not isinstance(address, tuple):
            return  # AF_UNIX paths and the like: not the network
        host = address[0]
        if event == "socket.bind":
            if host not in ("127.0.0.1",):
                _write("bind", address)
        elif not _loopback(host):
            _write(event.removeprefix("socket."), address)
    elif event == "socket.getaddrinfo":
        host = args[0]
        if host is not None and not _literal(host if not isinstance(host, bytes)
                                             else host.decode()):
            _write("resolve", host)
    elif event in ("socket.gethostbyname", "socket.gethostbyname_ex",
                   "socket.gethostbyaddr", "socket.getnameinfo"):
        _write("resolve", args)


def install(log_path: str | os.PathLike[str]) -> None:
    """Record into ``log_path`` from now on (a hook cannot be removed: :func:`stop` mutes it)."""
    global _log
    first = _log is None and not getattr(sys, "_mediacenter_net_guard", False)
    _log = str(log_path)
    if first:
        sys.addaudithook(_hook)
        sys._mediacenter_net_guard = True  # type: ignore[attr-defined]


def stop() -> None:
    global _log
    _log = None


def child_env(log_path: str | os.PathLike[str]) -> dict[str, str]:
    """The environment that gives children the guard."""
    path = os.environ.get("PYTHONPATH", "")
    return {ENV: str(log_path),
            "PYTHONPATH": os.pathsep.join(p for p in (str(SITE), path) if p)}


def violations(log_path: str | os.PathLike[str]) -> list[dict]:
    p = Path(log_path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line]


# -- what the kernel says: sockets of a process tree ---------------------------------------------


def _addr(hexaddr: str) -> tuple[str, int]:
    host, port = hexaddr.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        ip = ipaddress.IPv4Address(raw[::-1])
    else:  # /proc writes each 32-bit word in host (little-endian) order
        words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
        ip = ipaddress.IPv6Address(b"".join(words))
    return str(ip), int(port, 16)


def _table() -> dict[str, tuple[str, tuple[str, int], tuple[str, int], str]]:
    out = {}
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        try:
            lines = Path(f"/proc/net/{proto}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            out[f[9]] = (proto, _addr(f[1]), _addr(f[2]), f[3])
    return out


def sockets_of(pids: list[int]) -> list[tuple[int, str, tuple[str, int], tuple[str, int], str]]:
    """(pid, proto, local, remote, state) of every IP socket the processes hold."""
    table = _table()
    out = []
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                entry = table.get(link[8:-1])
                if entry is not None:
                    out.append((pid, *entry))
    return out


def socket_violations(sockets) -> list[str]:
    """Listeners not on 127.0.0.1, connections to anything but loopback, UDP sockets open to
    the network."""
    bad = []
    for pid, proto, local, remote, state in sockets:
        if proto.startswith("tcp") and state == "0A":  # LISTEN
            if local[0] != "127.0.0.1":
                bad.append(f"pid {pid} listens on {local}")
        elif proto.startswith("tcp"):
            if not _loopback(remote[0]):
                bad.append(f"pid {pid} connected to {remote}")
        elif not _loopback(local[0]) or (remote[1] and not _loopback(remote[0])):
            bad.append(f"pid {pid} {proto} socket {local} -> {remote}")
    return bad


def listeners(sockets) -> list[tuple[int, tuple[str, int]]]:
    return [(pid, local) for pid, proto, local, _r, state in sockets
            if proto.startswith("tcp") and state == "0A"]
