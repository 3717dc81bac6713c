"""The summary of one crawl: counts for `--json`, and one clear French line per problem."""

from __future__ import annotations

from dataclasses import dataclass, field

_LISTED = 1000  # entries kept per list in the JSON summary (the counts stay exact)


@dataclass
class CrawlReport:
    """What one crawl did."""

    sources: int = 0
    fetched: int = 0  # pages and documents asked for (robots.txt and sitemaps not counted)
    requests: int = 0  # every HTTP request, redirects and retries included
    pages: int = 0  # HTML pages read
    documents: int = 0  # PDF, DOCX and ODT files read
    added: int = 0
    updated: int = 0
    unchanged: int = 0  # fetched again, same text: not re-indexed
    not_modified: int = 0  # answered 304 to a conditional request
    removed: int = 0
    chunks: int = 0  # chunks written
    sitemap_urls: int = 0
    gone_pending: list[str] = field(default_factory=list)
    ocr: list[dict[str, object]] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def skip(self, url: str, reason: str) -> None:
        """A URL deliberately not fetched or not indexed."""
        self.skipped.append({"url": url, "reason": reason})

    def fail(self, url: str, error: str) -> None:
        """A URL that could not be fetched or read."""
        self.failed.append({"url": url, "error": error})

    def warn(self, url: str, message: str) -> None:
        """Something worth knowing that did not stop the URL from being indexed."""
        self.warnings.append({"url": url, "message": message})

    @property
    def pages_per_minute(self) -> float:
        """Pages and documents fetched per minute."""
        return round(self.fetched / self.seconds * 60, 1) if self.seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        """The JSON summary printed by `guichet crawl --json`."""
        counts = {
            name: getattr(self, name)
            for name in ("sources", "fetched", "requests", "pages", "documents", "added",
                         "updated", "unchanged", "not_modified", "removed", "chunks",
                         "sitemap_urls")
        }  # fmt: skip
        lists = {
            name: getattr(self, name)[:_LISTED]
            for name in ("gone_pending", "ocr", "duplicates", "skipped", "failed", "warnings")
        }
        totals = {f"{name}_total": len(getattr(self, name)) for name in ("skipped", "failed")}
        return {**counts, **lists, **totals, "seconds": round(self.seconds, 3),
                "pages_per_minute": self.pages_per_minute}  # fmt: skip

    def summary_lines(self) -> list[str]:
        """The two lines of counts."""
        return [
            f"{self.fetched} adresses visitées en {self.seconds:.1f} s "
            f"({self.pages_per_minute} par minute) : {self.pages} pages et "
            f"{self.documents} documents lus, {self.requests} requêtes HTTP.",
            f"Index : {self.added} ajoutés, {self.updated} mis à jour, {self.unchanged} "
            f"inchangés, {self.not_modified} non modifiés (304), {self.removed} retirés, "
            f"{self.chunks} passages écrits.",
        ]

    def problem_lines(self) -> list[str]:
        """One line per URL that needs a look, most important first."""
        lines = [f"Échec : {item['url']} : {item['error']}" for item in self.failed]
        lines += [f"Disparu (404/410), retiré au prochain passage s'il l'est encore : {url}"
                  for url in self.gone_pending]  # fmt: skip
        lines += [f"Attention : {item['url']} : {item['message']}" for item in self.warnings]
        lines += [f"OCR : {item['url']} (pages {item['pages']})" for item in self.ocr]
        lines += [f"Doublon : {item['url']} ({item['of']})" for item in self.duplicates]
        lines += [f"Ignoré : {item['url']} : {item['reason']}" for item in self.skipped]
        return lines
