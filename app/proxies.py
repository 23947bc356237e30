"""Reverse proxies: whose address a request is from (NEN 7513 records it).

`ZORGPAD_TRUSTED_PROXIES` says which proxies stand in front of the service:
- a count (`1`, `2`): that many proxies append to `X-Forwarded-For` on every request;
- addresses or networks (`10.0.0.5, 10.1.0.0/16`): a request whose peer is one of them is
  believed, and `X-Forwarded-For` is walked from the right past every listed proxy.
The headers are then applied by werkzeug's `ProxyFix` (address, scheme, host, port, prefix).
Unset, or a request from any other peer: every `Forwarded`/`X-Forwarded-*` header is dropped,
so a client cannot forge the address that is recorded.
"""

from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix

FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
)


def parse_setting(setting: str | None) -> tuple[int, tuple]:
    """(hop count, trusted networks) from the setting; (0, ()) trusts nobody."""
    text = (setting or "").strip()
    if not text:
        return 0, ()
    if text.isdigit():
        return int(text), ()
    networks = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"ZORGPAD_TRUSTED_PROXIES: {part!r} is neither a hop count nor an address or network"
            ) from None
    return 0, tuple(networks)


def _address(value: str | None):
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: ProxyFix for trusted proxies only; forwarded headers dropped otherwise."""

    def __init__(self, app, setting: str | None):
        self.app = app
        self.count, self.networks = parse_setting(setting)
        self._fixes: dict[int, ProxyFix] = {}

    def _trusted(self, value: str | None) -> bool:
        address = _address(value)
        return address is not None and any(address in network for network in self.networks)

    def hops(self, environ) -> int:
        """How many X-Forwarded-For entries, counted from the right, to go back for the client."""
        if self.count:
            return self.count
        if not self.networks or not self._trusted(environ.get("REMOTE_ADDR")):
            return 0
        chain = [v.strip() for v in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if v.strip()]
        hops = 1
        # Past every trusted proxy that handed the request on; the first other address is the client.
        while hops < len(chain) and self._trusted(chain[-hops]):
            hops += 1
        return hops

    def __call__(self, environ, start_response):
        hops = self.hops(environ)
        if not hops:
            for name in FORWARDED_HEADERS:
                environ.pop(name, None)
            return self.app(environ, start_response)
        fix = self._fixes.get(hops)
        if fix is None:
            fix = self._fixes[hops] = ProxyFix(
                self.app, x_for=hops, x_proto=1, x_host=1, x_port=1, x_prefix=1
            )
        return fix(environ, start_response)
