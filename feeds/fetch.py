"""Fetch feeds: async HTTP with conditional GET, a timeout and a size cap; local files too."""

from __future__ import annotations

import asyncio
import functools
import stat
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from feeds.models import USER_AGENT, FetchResult, FetchState
from feeds.safety import AddressPolicy, BlockedAddress, GuardedResolver, guarded_socket_factory

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 20.0
CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 15.0  # longest silence between two reads of one response
MAX_REDIRECTS = 5


@functools.lru_cache(maxsize=65_536)  # asked several times per poll of each feed
def is_url(source: str) -> bool:
    """True when `source` is an http(s) URL rather than a local path."""
    return urlsplit(source).scheme.lower() in ("http", "https")


def read_local(source: str, max_bytes: int = MAX_BYTES) -> FetchResult:
    """Read a local feed file (a path or a file:// URL) as if it had been fetched."""
    path = Path(source[7:] if source.startswith("file://") else source).expanduser()
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # /dev/zero, a FIFO or a folder would never end or never start: only plain files.
            return FetchResult(source, 0, error="not a regular file")
        if info.st_size > max_bytes:
            return FetchResult(
                source, 0, error=f"file is {info.st_size} bytes, over the {max_bytes}-byte cap"
            )
        with path.open("rb") as handle:
            body = handle.read(max_bytes + 1)  # a file that grew since stat() is still capped
        if len(body) > max_bytes:
            return FetchResult(source, 0, error=f"file is over the {max_bytes}-byte cap")
        return FetchResult(source, 200, body=body, final_url=source)
    except (OSError, ValueError) as exc:
        return FetchResult(
            source, 0, error=f"cannot read file: {getattr(exc, 'strerror', None) or exc}"[:200]
        )


async def fetch(
    url: str,
    state: FetchState | None = None,
    *,
    session: aiohttp.ClientSession,
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_BYTES,
) -> FetchResult:
    """GET `url` with If-None-Match/If-Modified-Since from `state`; never raises.

    The body is read up to `max_bytes` (decompressed); a larger body is an error. The returned
    state carries the new validators (or the old ones on 304).
    """
    state = state or FetchState()
    headers = {  # the User-Agent is the session's (new_session)
        "Accept": "application/rss+xml, application/atom+xml, "
        "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    }
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    client_timeout = aiohttp.ClientTimeout(
        total=timeout,
        sock_connect=min(timeout, CONNECT_TIMEOUT_SECONDS),
        sock_read=min(timeout, READ_TIMEOUT_SECONDS),
    )
    try:
        async with session.get(
            # aiohttp refuses the hop that reaches its max_redirects: one more follows MAX_REDIRECTS hops
            url,
            headers=headers,
            timeout=client_timeout,
            max_redirects=MAX_REDIRECTS + 1,
        ) as resp:
            final_url = str(resp.url)
            if resp.status == 304:
                return FetchResult(url, 304, state=state, final_url=final_url)
            if resp.status != 200:
                return FetchResult(
                    url,
                    resp.status,
                    state=state,
                    final_url=final_url,
                    error=f"HTTP {resp.status} {resp.reason or ''}".strip(),
                )
            declared = resp.content_length
            if declared is not None and declared > max_bytes:
                return FetchResult(
                    url,
                    resp.status,
                    state=state,
                    final_url=final_url,
                    error=f"response is {declared} bytes, over the {max_bytes}-byte cap",
                )
            chunks: list[bytes] = []
            total = 0
            async for chunk in resp.content.iter_chunked(65536):
                total += len(chunk)
                if total > max_bytes:
                    return FetchResult(
                        url,
                        resp.status,
                        state=state,
                        final_url=final_url,
                        error=f"response is over the {max_bytes}-byte cap",
                    )
                chunks.append(chunk)
            new_state = FetchState(
                etag=resp.headers.get("ETag") or state.etag,
                last_modified=resp.headers.get("Last-Modified") or state.last_modified,
            )
            return FetchResult(url, 200, body=b"".join(chunks), state=new_state, final_url=final_url)
    except aiohttp.ServerTimeoutError as exc:  # sock_connect or sock_read: says which
        return FetchResult(url, 0, state=state, error=f"timed out: {exc}"[:200])
    except TimeoutError:
        return FetchResult(url, 0, state=state, error=f"timed out after {timeout:g}s")
    except aiohttp.TooManyRedirects:
        return FetchResult(url, 0, state=state, error=f"more than {MAX_REDIRECTS} redirects")
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, BlockedAddress):
            return FetchResult(url, 0, state=state, error=str(exc.os_error))
        return FetchResult(url, 0, state=state, error=f"cannot connect: {exc.os_error or exc}")
    except (aiohttp.NonHttpUrlRedirectClientError, aiohttp.InvalidUrlRedirectClientError) as exc:
        return FetchResult(
            url, 0, state=state, error=f"refused: redirect to a non-http(s) or invalid URL {str(exc)[:120]}"
        )
    except aiohttp.ClientError as exc:
        return FetchResult(url, 0, state=state, error=f"{type(exc).__name__}: {exc}"[:200])
    except (ValueError, asyncio.CancelledError) as exc:
        if isinstance(exc, asyncio.CancelledError):
            raise
        return FetchResult(url, 0, state=state, error=f"bad URL: {exc}"[:200])


def new_session(
    limit: int = 20,
    *,
    per_host: int = 2,
    allow_private: bool = False,
    policy: AddressPolicy | None = None,
    resolver: AbstractResolver | None = None,
    user_agent: str = USER_AGENT,
) -> aiohttp.ClientSession:
    """A client session for fetching feeds: a connection cap (and `per_host` per host, 0 for none),
    gzip and deflate decoded, every request sent with `user_agent` (some sources refuse requests
    without a contact address in it), and every connection (redirect hops included) checked against
    the address policy when it is made.

    Loopback, private, link-local and other non-public addresses are refused unless `allow_private`;
    cloud metadata addresses always. `policy` and `resolver` (the DNS lookup wrapped by the check)
    are for callers that need another policy or name service. Proxy settings from the environment are
    ignored (aiohttp's default), so the address checked is the address connected to.
    """
    policy = policy or AddressPolicy(allow_private=allow_private)
    connector = aiohttp.TCPConnector(
        limit=limit,
        limit_per_host=per_host,
        ttl_dns_cache=300,
        resolver=GuardedResolver(policy, resolver),
        socket_factory=guarded_socket_factory(policy),
    )
    return aiohttp.ClientSession(
        connector=connector, auto_decompress=True, headers={"User-Agent": user_agent}
    )
