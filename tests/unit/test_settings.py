from pathlib import Path

import pytest
from pydantic import ValidationError

from chatbot.settings import Settings


def test_defaults_are_safe(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.model_profile == "default"
    assert settings.qdrant_url is None
    assert settings.resolved_models_dir == settings.data_dir / "models"
    assert settings.qdrant_path == settings.data_dir / "qdrant"


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GUICHET_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GUICHET_MODEL_PROFILE", "small")
    monkeypatch.setenv("GUICHET_CHUNK_SIZE", "1200")
    monkeypatch.setenv("GUICHET_QDRANT_URL", "http://qdrant:6333")
    settings = Settings()
    assert (settings.data_dir, settings.model_profile, settings.chunk_size) == (
        tmp_path,
        "small",
        1200,
    )
    assert settings.qdrant_url == "http://qdrant:6333"


def test_file_is_read_and_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    file = tmp_path / "guichet.toml"
    file.write_text('model_profile = "small"\nretrieval_k = 8\n', encoding="utf-8")
    monkeypatch.setenv("GUICHET_SETTINGS_FILE", str(file))
    monkeypatch.setenv("GUICHET_RETRIEVAL_K", "3")
    settings = Settings()
    assert settings.model_profile == "small"
    assert settings.retrieval_k == 3


def test_missing_settings_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GUICHET_SETTINGS_FILE", str(tmp_path / "absent.toml"))
    with pytest.raises(FileNotFoundError, match=r"absent\.toml"):
        Settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GUICHET_MODEL_PROFILE", "huge"),
        ("GUICHET_CHUNK_SIZE", "10"),
        ("GUICHET_RETRIEVAL_K", "0"),
        ("GUICHET_COLLECTION", "bad name!"),
        ("GUICHET_UNKNOWN_SETTING", "1"),
    ],
)
def test_invalid_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    if variable == "GUICHET_UNKNOWN_SETTING":
        Settings()  # unknown environment variables are ignored, as usual for env settings
        return
    with pytest.raises(ValidationError):
        Settings()


def test_overlap_must_be_small_against_size() -> None:
    with pytest.raises(ValidationError, match="chunk_overlap"):
        Settings(chunk_size=400, chunk_overlap=300)


def test_every_field_is_described() -> None:
    rows = Settings().describe()
    assert {row["name"] for row in rows} == set(Settings.model_fields)
    assert all(row["description"] and row["env"].startswith("GUICHET_") for row in rows)


def test_secrets_are_masked() -> None:
    rows = {row["name"]: row["value"] for row in Settings(qdrant_api_key="s3cret").describe()}  # type: ignore[arg-type]
    assert rows["qdrant_api_key"] == "********"


def test_privacy_settings_are_checked(tmp_path: Path) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="audit_retention_days"):
        Settings(data_dir=tmp_path, conversation_retention_days=200, audit_retention_days=100)
    with pytest.raises(ValidationError, match="hexadecimal"):
        Settings(data_dir=tmp_path, session_secret="not-hex")  # type: ignore[arg-type]
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'guichet.db'}"
    assert settings.resolved_secret_file == tmp_path / "secrets" / "session.key"


def test_the_pseudonymisation_secret_is_created_once_and_private(tmp_path: Path) -> None:
    from chatbot.privacy.pseudonyms import Pseudonymizer, SecretFileError, load_or_create_secret

    path = tmp_path / "secrets" / "session.key"
    first = load_or_create_secret(path)
    assert load_or_create_secret(path) == first and path.stat().st_mode & 0o777 == 0o600
    assert Pseudonymizer(first).key("abc") == Pseudonymizer(first).key("abc")
    assert Pseudonymizer(first).key("abc") != Pseudonymizer(b"other secret 123").key("abc")
    path.write_text("zz")
    with pytest.raises(SecretFileError, match="GUICHET_SESSION_SECRET"):
        load_or_create_secret(path)
