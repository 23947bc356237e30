"""The Dutch catalogue is complete and its compiled .mo matches the .po (both are committed)."""

from __future__ import annotations

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.web.support import ROOT

CATALOGUES = ROOT / "app" / "translations"


def test_every_text_has_a_dutch_translation():
    with open(CATALOGUES / "messages.pot", "rb") as pot:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}
    with open(CATALOGUES / "nl" / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalogue = read_po(po, locale="nl")
    untranslated = [
        m.id for m in catalogue if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert not untranslated, untranslated
    assert template <= {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}, (
        "run `make translations`"
    )


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def test_the_compiled_catalogue_is_current():
    with open(CATALOGUES / "nl" / "LC_MESSAGES" / "messages.po", "rb") as po:
        source = {_key(m.id): _key(m.string) for m in read_po(po, locale="nl") if m.id and not m.fuzzy}
    with open(CATALOGUES / "nl" / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(mo) if m.id}
    assert compiled == source, "run `make translations` (pybabel compile)"
