"""Refresh the French catalogue: extract the interface strings, merge them in, compile.

Usage: .venv/bin/python scripts/translations.py [--set "English=Français" ...]
New strings are added with an empty translation (listed, exit 1); strings gone from the code are dropped.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).resolve().parent.parent / "ght_soc"
CATALOGUE = PACKAGE / "translations" / "fr" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    # a context tells apart one English word that French genders differently (alerte close, incident clos)
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def main(arguments: list[str]) -> int:
    given = dict(
        pair.split("=", 1)
        for flag, pair in zip(arguments[::2], arguments[1::2], strict=True)
        if flag == "--set"
    )
    with (CATALOGUE / "messages.po").open("rb") as handle:
        current = read_po(handle)
    merged = Catalog(
        locale="fr", project="ght-soc", header_comment="# ght-soc interface strings.", fuzzy=False
    )
    for _path, _line, message, _comments, context in extract_from_dir(
        str(PACKAGE), METHODS, keywords=KEYWORDS
    ):
        known = current.get(message, context=context)
        string = known.string if known is not None else ("", "") if isinstance(message, tuple) else ""
        if isinstance(message, str) and not string:  # --set "context|English=Français" for a context
            string = given.get(f"{context}|{message}" if context else message, "")
        flags = ["python-format"] if "%(" in str(message) else []
        merged.add(message, string, flags=flags, context=context)
    with (CATALOGUE / "messages.po").open("wb") as handle:
        write_po(handle, merged, no_location=True, sort_output=True)
    with (CATALOGUE / "messages.mo").open("wb") as handle:
        write_mo(handle, merged)
    untranslated = [
        m.id for m in merged if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    for message_id in untranslated:
        print(f"to translate: {message_id!r}")
    return 1 if untranslated else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
