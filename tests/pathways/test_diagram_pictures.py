"""Each diagram's picture in docs/img/ exists and was rendered from the current BPMN.

The renderer (scripts/render_diagrams.py, `make diagrams`) writes the SHA-256 of the source
BPMN into the SVG; this test compares it with the file as it is now. No browser needed.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from lxml import etree

from .helpers import ROOT, bpmn_files

IMG = ROOT / "docs" / "img"
STAMP = re.compile(r"<!-- source-sha256: ([0-9a-f]{64}) -->")


@pytest.mark.parametrize("bpmn", bpmn_files(), ids=lambda p: p.stem)
def test_picture_exists_and_matches_the_current_diagram(bpmn):
    svg = IMG / f"{bpmn.stem}.svg"
    assert svg.exists(), f"{svg.relative_to(ROOT)} is missing: run make diagrams"
    text = svg.read_text(encoding="utf-8")
    found = STAMP.search(text)
    assert found, f"{svg.relative_to(ROOT)} has no source hash: run make diagrams"
    current = hashlib.sha256(bpmn.read_bytes()).hexdigest()
    assert found.group(1) == current, (
        f"{bpmn.relative_to(ROOT)} changed since its picture was drawn: run make diagrams"
    )
    root = etree.fromstring(text.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    shapes = root.xpath("//*[@data-element-id]")
    assert len(shapes) > 5, "the picture is (nearly) empty"


def test_no_picture_without_a_diagram():
    stems = {p.stem for p in bpmn_files()}
    orphans = sorted(p.name for p in IMG.glob("*.svg") if p.stem not in stems)
    assert not orphans, f"pictures without a diagram in processes/: {orphans}"


def test_pathways_doc_shows_every_picture():
    doc = (ROOT / "docs" / "pathways.md").read_text(encoding="utf-8")
    missing = [p.stem for p in bpmn_files() if f"(img/{p.stem}.svg)" not in doc]
    assert not missing, f"docs/pathways.md does not show: {missing}"
