"""What to crawl (sources, from the command line or a TOML file) and the limits of every fetch."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chatbot.domain import GuichetError
from chatbot.settings import Settings
from ingestion.loaders.ocr import OcrOptions


class CrawlConfigError(GuichetError):
    """A crawl source that cannot be used as written."""


def _regex(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise CrawlConfigError(f"{where} : motif {pattern!r} invalide ({error}).") from error


@dataclass(frozen=True)
class CommuneRule:
    """Documents whose URL matches `pattern` (a regular expression) belong to `commune`."""

    pattern: re.Pattern[str]
    commune: str

    @classmethod
    def parse(cls, rule: str) -> CommuneRule:
        """'PATTERN=COMMUNE', e.g. '/orsay/=Orsay'."""
        pattern, sep, commune = rule.rpartition("=")
        if not sep or not pattern or not commune.strip():
            raise CrawlConfigError(f"règle de commune {rule!r} : attendu MOTIF=COMMUNE.")
        return cls(_regex(pattern, "--commune-rule"), commune.strip())


@dataclass(frozen=True)
class CrawlSource:
    """One site to crawl: where to start, what is in scope, how to name its communes."""

    name: str
    start_urls: tuple[str, ...]
    sitemaps: tuple[str, ...] = ()
    allow: tuple[re.Pattern[str], ...] = ()
    deny: tuple[re.Pattern[str], ...] = ()
    max_pages: int | None = None
    max_depth: int | None = None
    commune_rules: tuple[CommuneRule, ...] = ()
    commune: str = ""
    licence: str = ""
    manifest: Path | None = None

    @property
    def hosts(self) -> frozenset[str]:
        """The sites in scope: the hosts of the start URLs and sitemaps."""
        return frozenset(
            (urlsplit(url).hostname or "").lower() for url in (*self.start_urls, *self.sitemaps)
        ) - {""}

    def commune_for(self, url: str) -> str:
        """The first matching rule's commune, else the source's own."""
        return next((r.commune for r in self.commune_rules if r.pattern.search(url)), self.commune)


def make_source(
    name: str,
    urls: Sequence[str],
    sitemaps: Sequence[str] = (),
    allow: Iterable[str] = (),
    deny: Iterable[str] = (),
    max_pages: int | None = None,
    max_depth: int | None = None,
    commune_rules: Iterable[str] | Mapping[str, str] = (),
    commune: str = "",
    licence: str = "",
    manifest: Path | None = None,
) -> CrawlSource:
    """A source from plain values (command line or TOML), checked."""
    where = f"source {name!r}"
    if not urls and not sitemaps:
        raise CrawlConfigError(f"{where} : donnez au moins une adresse de départ ou un sitemap.")
    for url in (*urls, *sitemaps):
        if urlsplit(url).scheme not in {"http", "https"} or not urlsplit(url).hostname:
            raise CrawlConfigError(f"{where} : {url!r} n'est pas une adresse http(s) complète.")
    if isinstance(commune_rules, Mapping):
        rules = tuple(
            CommuneRule(_regex(k, where), str(v).strip()) for k, v in commune_rules.items()
        )
    else:
        rules = tuple(CommuneRule.parse(rule) for rule in commune_rules)
    return CrawlSource(
        name=name,
        start_urls=tuple(urls),
        sitemaps=tuple(sitemaps),
        allow=tuple(_regex(p, where) for p in allow),
        deny=tuple(_regex(p, where) for p in deny),
        max_pages=max_pages,
        max_depth=max_depth,
        commune_rules=rules,
        commune=commune,
        licence=licence,
        manifest=manifest,
    )


_KEYS = {"name", "urls", "sitemaps", "allow", "deny", "max_pages", "max_depth", "communes",
         "commune", "licence", "manifest"}  # fmt: skip


def parse_sources(raw: Sequence[Mapping[str, Any]], where: str, base: Path) -> list[CrawlSource]:
    """Sources from `[[source]]` tables; a relative manifest path is read from `base`."""
    sources: list[CrawlSource] = []
    for number, item in enumerate(raw, start=1):
        label = f"{where}, source n° {number}"
        unknown = set(item) - _KEYS
        if unknown:
            raise CrawlConfigError(f"{label} : clés inconnues {sorted(unknown)} "
                                   f"(connues : {sorted(_KEYS)}).")  # fmt: skip
        try:
            urls = [str(u) for u in item.get("urls", [])]
            manifest = item.get("manifest")
            source = make_source(
                name=str(item.get("name") or (urlsplit(urls[0]).hostname if urls else number)),
                urls=urls,
                sitemaps=[str(u) for u in item.get("sitemaps", [])],
                allow=[str(p) for p in item.get("allow", [])],
                deny=[str(p) for p in item.get("deny", [])],
                max_pages=_optional_int(item.get("max_pages")),
                max_depth=_optional_int(item.get("max_depth")),
                commune_rules=dict(item.get("communes", {})),
                commune=str(item.get("commune", "")),
                licence=str(item.get("licence", "")),
                manifest=(base / str(manifest)).expanduser() if manifest else None,
            )
        except (TypeError, ValueError) as error:
            raise CrawlConfigError(f"{label} : {error}") from error
        except CrawlConfigError as error:
            raise CrawlConfigError(f"{label} : {error}") from error
        if any(s.name == source.name for s in sources):
            raise CrawlConfigError(f"{label} : le nom {source.name!r} est déjà pris.")
        sources.append(source)
    return sources


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def load_sources_file(path: Path) -> list[CrawlSource]:
    """The `[[source]]` tables of a TOML file."""
    if not path.is_file():
        raise CrawlConfigError(f"le fichier de sources {path} n'existe pas.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CrawlConfigError(f"{path} n'est pas un TOML valide : {error}") from error
    raw = data.get("source", [])
    if not isinstance(raw, list):
        raise CrawlConfigError(f"{path} : écrivez chaque site dans une table [[source]].")
    return parse_sources(raw, str(path), path.parent)


def configured_sources(settings: Settings) -> list[CrawlSource]:
    """The sources of the settings: `crawl_sources` tables, then `crawl_sources_file`."""
    sources = parse_sources(settings.crawl_sources, "crawl_sources", Path.cwd())
    if settings.crawl_sources_file is not None:
        sources.extend(load_sources_file(settings.crawl_sources_file))
    return sources


@dataclass(frozen=True)
class CrawlLimits:
    """Bounds of every fetch and crawl, from the settings."""

    user_agent: str = "GuichetBot/0.1 (+https://github.com/guichet)"
    timeout_s: float = 20.0
    total_s: float = 60.0
    max_bytes: int = 50_000_000
    max_unpacked_bytes: int = 500_000_000
    max_redirects: int = 5
    retries: int = 2
    backoff_s: float = 1.0
    rate_per_host: float = 1.0
    max_crawl_delay_s: float = 30.0
    max_pages: int = 5000
    max_depth: int = 10
    max_sitemap_urls: int = 50_000
    ocr: OcrOptions = field(default_factory=OcrOptions)

    @classmethod
    def from_settings(cls, settings: Settings) -> CrawlLimits:
        """The limits named by the GUICHET_CRAWL_* settings."""
        return cls(
            user_agent=settings.crawl_user_agent,
            timeout_s=settings.crawl_timeout_s,
            total_s=settings.crawl_fetch_total_s,
            max_bytes=int(settings.crawl_max_mb * 1e6),
            max_unpacked_bytes=int(settings.crawl_max_unpacked_mb * 1e6),
            max_redirects=settings.crawl_max_redirects,
            retries=settings.crawl_retries,
            backoff_s=settings.crawl_backoff_s,
            rate_per_host=settings.crawl_rate_per_host,
            max_crawl_delay_s=settings.crawl_max_delay_s,
            max_pages=settings.crawl_max_pages,
            max_depth=settings.crawl_max_depth,
            max_sitemap_urls=settings.crawl_max_sitemap_urls,
            ocr=OcrOptions(
                enabled=settings.ocr_enabled,
                languages=settings.ocr_languages,
                max_pages=settings.ocr_max_pages,
            ),
        )
