"""Keeping the translation catalogues (`bot/locales/<lang>/LC_MESSAGES/musebot.po`) in step with
`bot.texts`: `python -m bot.catalogues` adds every new text (untranslated) and drops texts that
are gone, keeping every translation that still applies. A maintainer's tool, run after editing
`bot/texts.py`; the test suite checks the catalogues are complete.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot import texts
from bot.i18n import CATALOGUES, DOMAIN, LOCALES

__all__ = ["messages", "update"]


def messages() -> list[str]:
    """Every English text of `bot.texts`, in the module's order (the catalogue's message ids)."""
    found: list[str] = []
    for name, value in vars(texts).items():
        if not name.isupper():
            continue
        items = value if isinstance(value, tuple) else (value,)
        found += [v for v in items if isinstance(v, str) and v not in found]
    return found


def update(language: str) -> Path:
    """Bring one language's catalogue up to date; returns its path."""
    path = CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    old: dict[str, str] = {}
    if path.is_file():
        with path.open("rb") as handle:
            old = {str(m.id): str(m.string) for m in read_po(handle) if m.id}
    catalog = Catalog(locale=LOCALES[language], domain=DOMAIN, project="musebot", fuzzy=False)
    for message in messages():
        catalog.add(message, old.get(message, ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    return path


if __name__ == "__main__":
    for code in LOCALES:
        if code != "en":
            print(update(code))
