"""Settings are documented data: every one appears in the README's configuration table."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented() -> None:
    text = README.read_text()
    for name, field in Settings.model_fields.items():
        assert f"`LAYERLAB_{name.upper()}`" in text, f"README does not document {name}"
        assert field.description, f"{name} has no help text"


def test_environment_overrides(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LAYERLAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAYERLAB_WORKERS", "0")
    monkeypatch.setenv("LAYERLAB_MAX_UPLOAD_MB", "1.5")
    settings = Settings()
    assert settings.data_dir == tmp_path and settings.workers == 0
    assert settings.max_upload_bytes == int(1.5 * 1024 * 1024)
    assert settings.resolved_database_url.endswith("layerlab.db")
