"""Networking helpers: loopback ports for local servers, and public-only connections.

Outbound requests a user configures (notification webhooks) may reach public hosts only.
Checking a name before the request is not enough: the request resolves it again (DNS
rebinding) and follows redirects. `public_connections_only` checks the address of every
connection itself, as the socket connects, through Python's audit hook "socket.connect".
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# NAT64 (RFC 6052) and 6to4 (RFC 3056) carry an IPv4 address inside an IPv6 one; so does
# the deprecated IPv4-compatible form ::a.b.c.d. Each is judged by the address it carries.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: local use only
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")

_REFUSED: ContextVar[list[str] | None] = ContextVar("kp_public_only", default=None)
_HOOK_LOCK = threading.Lock()
_hook_installed = False


class PrivateAddressError(ConnectionRefusedError):
    """A connection to a loopback, private, link-local or reserved address was refused."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_public_address(text: str) -> bool:
    """True for a global unicast IP address; IPv4 inside IPv6 counts as the IPv4 address.

    Anything that is not an IP literal (a name, garbage) is not public.
    """
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            text.strip("[]").split("%")[0]
        )
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return False
        address = _embedded_ipv4(address) or address
    return address.is_global and not address.is_multicast


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@contextmanager
def public_connections_only() -> Iterator[list[str]]:
    """In this block, every IP connection to a non-public address fails.

    The check runs on the address the socket connects to, after any DNS lookup and on
    every redirect hop, so the address checked is the address used. It holds for this
    thread and for work started from it with a copied context (apprise's thread pools).
    Yields the list of refused addresses, for the caller's log.
    """
    _install_hook()
    refused: list[str] = []
    token = _REFUSED.set(refused)
    try:
        yield refused
    finally:
        _REFUSED.reset(token)


def _install_hook() -> None:
    global _hook_installed
    with _HOOK_LOCK:
        if not _hook_installed:
            sys.addaudithook(_audit)  # hooks cannot be removed; it is idle outside the block
            _hook_installed = True


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "socket.connect":
        return
    refused = _REFUSED.get()
    if refused is None:
        return
    sock, address = args
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # a Unix socket reaches no host
    host = str(address[0])
    if not is_public_address(host):
        refused.append(host)
        raise PrivateAddressError(f"refused a connection to the non-public address {host}")
