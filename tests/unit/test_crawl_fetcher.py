"""The crawler's HTTP manners, on httpx's mock transport: limits, retries, redirects, robots."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator

import httpx
import pytest

from ingestion.crawl.config import CrawlLimits
from ingestion.crawl.fetcher import Fetcher, FetchError
from ingestion.crawl.robots import Robots

LIMITS = CrawlLimits(user_agent="GuichetBot/1.0 (test)", max_bytes=1000, retries=2,
                     backoff_s=0.5, rate_per_host=2.0, total_s=5.0)  # fmt: skip


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> httpx.Response:
    """A response streamed as a server's would be (`content=` would be read at once)."""
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))


class Clock:
    """A fake clock that sleeping advances."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def fetcher(handler: Callable[[httpx.Request], httpx.Response], clock: Clock | None = None,
            limits: CrawlLimits = LIMITS) -> tuple[Fetcher, Clock]:  # fmt: skip
    clock = clock or Clock()
    return Fetcher(limits, httpx.MockTransport(handler), clock, clock.sleep), clock


def test_conditional_headers_and_user_agent_are_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(304)

    client, _ = fetcher(handler)
    result = client.get("http://a.fr/p", validators=lambda url: ('"v1"', "Wed, 01 May 2024"))
    assert result.status == 304
    assert seen[0].headers["If-None-Match"] == '"v1"'
    assert seen[0].headers["If-Modified-Since"] == "Wed, 01 May 2024"
    assert seen[0].headers["User-Agent"].startswith("GuichetBot/1.0")


def test_server_errors_are_retried_with_backoff() -> None:
    answers = iter([answer(503), answer(502), answer(200, b"ok")])
    client, clock = fetcher(lambda request: next(answers))
    assert client.get("http://a.fr/").body == b"ok"
    assert clock.sleeps == [0.5, 1.0]  # 2 requests a second leave no other wait here
    assert client.requests == 3


def test_retries_end_with_the_last_answer_or_a_clear_error() -> None:
    client, _ = fetcher(lambda request: answer(503))
    assert client.get("http://a.fr/").status == 503

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    client, _ = fetcher(down)
    with pytest.raises(FetchError, match="connexion impossible"):
        client.get("http://a.fr/")


def test_rate_per_host_and_crawl_delay() -> None:
    client, clock = fetcher(lambda request: answer(200))
    for _ in range(3):
        client.get("http://a.fr/")
    client.get("http://b.fr/")  # another host does not wait
    assert clock.sleeps == [0.5, 0.5]
    client.set_delay("a.fr", 3)
    client.get("http://a.fr/")
    client.get("http://a.fr/")
    assert clock.sleeps[-1] == 3.0


def test_redirects_are_followed_checked_and_loops_stopped() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        targets = {"/old": "/new", "/a": "/b", "/b": "http://a.fr/a", "/out": "http://b.fr/"}
        if request.url.path in targets:
            return answer(301, headers={"Location": targets[request.url.path]})
        return answer(200, request.url.path.encode())

    client, _ = fetcher(handler)
    result = client.get("http://a.fr/old")
    assert (result.final_url, result.redirects, result.body) == (
        "http://a.fr/new",
        ["http://a.fr/old"],
        b"/new",
    )
    with pytest.raises(FetchError, match="boucle de redirections"):
        client.get("http://a.fr/a")
    with pytest.raises(FetchError, match=r"redirige vers http://b\.fr/, hors"):
        client.get("http://a.fr/out", permit=lambda url: "hors" if "b.fr" in url else None)
    stopped = client.get("http://a.fr/old", known=lambda url: url.endswith("/new"))
    assert stopped.status == 301 and stopped.final_url == "http://a.fr/new"


def test_too_many_redirects() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return answer(302, headers={"Location": f"{request.url.path}x"})

    client, _ = fetcher(handler)
    with pytest.raises(FetchError, match="plus de 5 redirections"):
        client.get("http://a.fr/x")


def test_size_limits_never_trust_content_length_alone() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/announced":
            return answer(200, headers={"Content-Length": "5000000000"})
        if request.url.path == "/gzip":
            return answer(200, gzip.compress(bytes(10**6)), {"Content-Encoding": "gzip"})
        return httpx.Response(200, content=_chunks(b"x" * 400, 5))  # no Content-Length

    client, _ = fetcher(handler)
    with pytest.raises(FetchError, match=r"taille annoncée 5000\.0 Mo"):
        client.get("http://a.fr/announced")
    with pytest.raises(FetchError, match="une fois décompressée"):
        client.get("http://a.fr/gzip")
    with pytest.raises(FetchError, match=r"plus de 0\.0 Mo"):
        client.get("http://a.fr/stream")
    cut = client.get("http://a.fr/stream", truncate=True)
    assert cut.truncated and len(cut.body) == 1000


def test_a_response_that_never_ends_is_abandoned() -> None:
    clock = Clock()

    def slow() -> Iterator[bytes]:
        while True:
            clock.now += 1.0
            yield b"."

    client, _ = fetcher(lambda request: httpx.Response(200, content=slow()), clock)
    with pytest.raises(FetchError, match="toujours en cours après 5 s"):
        client.get("http://a.fr/")


def test_timeouts_say_so() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client, clock = fetcher(handler)
    with pytest.raises(FetchError, match="délai dépassé"):
        client.get("http://a.fr/")
    assert len(clock.sleeps) == 2


def _chunks(data: bytes, times: int) -> Iterator[bytes]:
    for _ in range(times):
        yield data


ROBOTS = b"User-agent: *\nDisallow: /prive/\nCrawl-delay: 4\n\nUser-agent: Autre\nDisallow: /\n\nSitemap: http://a.fr/plan.xml\n"


def test_robots_rules_delay_and_sitemaps() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "a.fr":
            return answer(200, ROBOTS)
        if request.url.host == "b.fr":
            return answer(404)
        return answer(503)

    client, clock = fetcher(handler)
    robots = Robots(client, LIMITS.user_agent)
    assert robots.refusal("http://a.fr/prive/x.html") == "interdit par robots.txt"
    assert robots.refusal("http://a.fr/public.html") is None
    assert robots.site("http://a.fr/").sitemaps == ["http://a.fr/plan.xml"]
    assert robots.refusal("http://b.fr/prive/x.html") is None  # no robots.txt: all allowed
    assert "robots.txt indisponible (HTTP 503)" in (robots.refusal("http://c.fr/") or "")
    client.get("http://a.fr/one")
    client.get("http://a.fr/two")
    assert clock.sleeps[-1] == 4.0
