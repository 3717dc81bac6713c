from pathlib import Path, PurePosixPath

import pytest

from ingestion.manifest import ManifestError, is_ignored, read_ignore_patterns, read_manifest


def test_no_manifest(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) is None


def test_yaml_manifest_by_path_and_by_id(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(
        "- id: tri\n  path: guides/tri.pdf\n  title: Guide du tri\n  date: 2024-03-01\n"
        "  commune: Orsay\n  license: Licence Ouverte 2.0\n  url: https://example.fr/tri\n"
        "- id: F123\n  title: Fiche\n",
        encoding="utf-8",
    )
    manifest = read_manifest(tmp_path)
    assert manifest is not None and len(manifest) == 2
    entry = manifest.lookup(PurePosixPath("guides/tri.pdf"))
    assert entry is not None
    assert (entry.id, entry.date, entry.licence, entry.commune) == (
        "tri", "2024-03-01", "Licence Ouverte 2.0", "Orsay",
    )  # fmt: skip
    by_stem = manifest.lookup(PurePosixPath("sub/F123.txt"))
    assert by_stem is not None and by_stem.title == "Fiche"
    assert manifest.lookup(PurePosixPath("other.txt")) is None


def test_csv_manifest_matches_by_stem(tmp_path: Path) -> None:
    (tmp_path / "sources.csv").write_text(
        "id,url,licence\nF1,https://sp.fr/F1,LO 2.0\n", encoding="utf-8"
    )
    manifest = read_manifest(tmp_path)
    assert manifest is not None
    entry = manifest.lookup(PurePosixPath("F1.txt"))
    assert entry is not None and entry.url == "https://sp.fr/F1"


def test_id_defaults_to_the_path_stem(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("- path: a/b/horaires.md\n  title: H\n")
    manifest = read_manifest(tmp_path)
    assert manifest is not None and "horaires" in manifest.by_id


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("sources.yaml", "- id: a\n- id: a\n", "appears twice"),
        ("sources.yaml", "- id: [unclosed\n", "not valid YAML"),
        ("sources.yaml", "just a string\n", "expected a list"),
        ("sources.yaml", "- title: no id nor path\n", "needs an 'id' or a 'path'"),
        ("sources.yaml", "- plain string\n", "not a mapping"),
        ("sources.csv", "title,url\nA,B\n", "'id' or a 'path' column"),
    ],
)
def test_bad_manifests_are_refused_with_a_reason(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        read_manifest(tmp_path)


def test_ignore_patterns(tmp_path: Path) -> None:
    (tmp_path / ".guichetignore").write_text("# comment\nREADME.md\ndrafts/\n*.tmp.md\n")
    patterns = read_ignore_patterns(tmp_path)
    assert is_ignored(PurePosixPath("README.md"), patterns)
    assert is_ignored(PurePosixPath("drafts/x.md"), patterns)
    assert is_ignored(PurePosixPath("a/b.tmp.md"), patterns)
    assert not is_ignored(PurePosixPath("guide.md"), patterns)
