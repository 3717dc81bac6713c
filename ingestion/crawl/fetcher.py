"""HTTP for the crawler: a polite rate per host, retries with backoff, redirects checked hop by
hop, conditional requests, and bytes and time limited while the body streams."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from chatbot.domain import GuichetError
from ingestion.crawl.config import CrawlLimits

REDIRECTS = {301, 302, 303, 307, 308}
RETRY_STATUSES = {429, 500, 502, 503, 504}

# For a URL: the (ETag, Last-Modified) of the copy we hold, or None to fetch it whole.
Validators = Callable[[str], tuple[str, str] | None]
# For a redirect target: why it may not be followed (a sentence), or None.
Permission = Callable[[str], str | None]


class FetchError(GuichetError):
    """A fetch that gave no usable answer; the message says why, in French."""


@dataclass
class FetchResult:
    """One answer, after redirects."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    redirects: list[str] = field(default_factory=list)
    truncated: bool = False  # cut at the byte limit (only when asked for, e.g. sitemaps)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def _mb(size: float) -> str:
    return f"{size / 1e6:.1f} Mo"


class BoundedDecoder:
    """Decodes a Content-Encoding while counting the decoded bytes; raises past the limit."""

    def __init__(self, encoding: str, limit: int, truncate: bool = False) -> None:
        self.limit = limit
        self.truncate = truncate
        self.full = False
        self.parts: list[bytes] = []
        self.size = 0
        encoding = encoding.strip().lower()
        if encoding in {"", "identity"}:
            self._decoder: zlib._Decompress | None = None
        elif encoding in {"gzip", "x-gzip"}:
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._decoder = zlib.decompressobj()
        else:
            raise FetchError(f"encodage de contenu {encoding!r} non pris en charge")

    def feed(self, data: bytes) -> None:
        """Add received bytes."""
        if self._decoder is not None:
            try:
                data = self._decoder.decompress(data, self.limit - self.size + 1)
            except zlib.error as error:
                raise FetchError(f"contenu compressé illisible ({error})") from error
        self.size += len(data)
        if self.size > self.limit and self.truncate:
            data = data[: len(data) - (self.size - self.limit)]
            self.size, self.full = self.limit, True
        elif self.size > self.limit:
            raise FetchError(
                f"réponse de plus de {_mb(self.limit)} (une fois décompressée) : abandonnée "
                "(GUICHET_CRAWL_MAX_MB)"
            )
        self.parts.append(data)

    def body(self) -> bytes:
        """Everything decoded so far."""
        return b"".join(self.parts)


class Fetcher:
    """GET with the crawler's manners; one per crawl (it remembers each host's next slot)."""

    def __init__(
        self,
        limits: CrawlLimits,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._delays: dict[str, float] = {}
        self.requests = 0
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(limits.timeout_s),
            follow_redirects=False,
            headers={"User-Agent": limits.user_agent, "Accept-Encoding": "gzip, deflate",
                     "Accept-Language": "fr, en;q=0.5"},
        )  # fmt: skip

    def set_delay(self, host: str, seconds: float) -> None:
        """A host's robots.txt Crawl-delay (capped by the settings)."""
        self._delays[host] = min(max(seconds, 0.0), self.limits.max_crawl_delay_s)

    def get(
        self,
        url: str,
        validators: Validators | None = None,
        permit: Permission | None = None,
        truncate: bool = False,
        known: Callable[[str], bool] | None = None,
    ) -> FetchResult:
        """Fetch a URL, following redirects (each target checked by `permit`), sending the
        validators of each hop's URL; raise FetchError with the reason when it fails.
        With `truncate`, a body over the byte limit is cut there instead of refused; a redirect
        to a URL for which `known` is true is not followed (its answer names it as final URL)."""
        chain = [url]
        current = url
        while True:
            held = validators(current) if validators else None
            headers = {}
            if held:
                etag, modified = held
                if etag:
                    headers["If-None-Match"] = etag
                if modified:
                    headers["If-Modified-Since"] = modified
            result = self._with_retries(current, headers, truncate)
            location = result.headers.get("location", "")
            if result.status not in REDIRECTS or not location:
                result.url, result.redirects = url, chain[:-1]
                return result
            target = urljoin(current, location.strip()).split("#")[0]
            if target in chain:
                loop = " → ".join([*chain[chain.index(target) :], target])
                raise FetchError(f"boucle de redirections : {loop}")
            if len(chain) > self.limits.max_redirects:
                raise FetchError(
                    f"plus de {self.limits.max_redirects} redirections (GUICHET_CRAWL_MAX_REDIRECTS)"
                )
            refused = permit(target) if permit else None
            if refused:
                raise FetchError(f"redirige vers {target}, {refused}")
            if known is not None and known(target):
                return FetchResult(url, target, result.status, result.headers, b"", chain)
            chain.append(target)
            current = target

    def _with_retries(self, url: str, headers: dict[str, str], truncate: bool) -> FetchResult:
        attempt = 0
        while True:
            result: FetchResult | None = None
            try:
                result = self._once(url, headers, truncate)
                failure = None
            except httpx.TimeoutException as error:
                failure = FetchError(
                    f"délai dépassé ({type(error).__name__}, {self.limits.timeout_s:g} s)"
                )
            except httpx.TransportError as error:
                failure = FetchError(f"connexion impossible ({type(error).__name__}: {error})")
            if result is not None and (
                result.status not in RETRY_STATUSES or attempt >= self.limits.retries
            ):
                return result
            if failure is not None and attempt >= self.limits.retries:
                raise failure
            wait = self.limits.backoff_s * 2**attempt
            if result is not None:
                wait = max(wait, _retry_after(result.headers.get("retry-after", "")))
            self._sleep(min(wait, self.limits.max_crawl_delay_s + 60))
            attempt += 1

    def _wait_turn(self, host: str) -> None:
        interval = max(1.0 / self.limits.rate_per_host, self._delays.get(host, 0.0))
        now = self._clock()
        slot = self._next.get(host, now)
        if slot > now:
            self._sleep(slot - now)
            now = slot
        self._next[host] = now + interval

    def _once(self, url: str, headers: dict[str, str], truncate: bool) -> FetchResult:
        """One request, its body read within the byte and time limits."""
        self._wait_turn(urlsplit(url).netloc.lower())
        self.requests += 1
        deadline = self._clock() + self.limits.total_s
        with self._client.stream("GET", url, headers=headers) as response:
            answer = {key.lower(): value for key, value in response.headers.items()}
            declared = answer.get("content-length", "")
            if declared.isdigit() and int(declared) > self.limits.max_bytes and not truncate:
                raise FetchError(
                    f"taille annoncée {_mb(int(declared))}, au-delà de la limite de "
                    f"{_mb(self.limits.max_bytes)} (GUICHET_CRAWL_MAX_MB) : non téléchargé"
                )
            decoder = BoundedDecoder(
                answer.get("content-encoding", ""), self.limits.max_bytes, truncate
            )
            for data in response.iter_raw():
                decoder.feed(data)
                if decoder.full:
                    break
                if self._clock() > deadline:
                    raise FetchError(
                        f"réponse toujours en cours après {self.limits.total_s:g} s : abandonnée "
                        "(GUICHET_CRAWL_FETCH_TOTAL_S)"
                    )
            return FetchResult(url, str(response.url), response.status_code, answer,
                               decoder.body(), truncated=decoder.full)  # fmt: skip

    def close(self) -> None:
        """Close the connections."""
        self._client.close()


def _retry_after(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0
