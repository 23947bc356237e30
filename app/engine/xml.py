"""Hardened XML parsing for uploaded diagrams: no DTDs, no entities, no network, bounded size."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 200


@dataclass
class XmlProblem(Exception):
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_xml(content: bytes) -> etree._Element:
    """Parse untrusted XML; raise XmlProblem with a line number for anything unsafe or broken."""
    if len(content) > MAX_DOCUMENT_BYTES:
        raise XmlProblem(f"document is {len(content)} bytes; the limit is {MAX_DOCUMENT_BYTES}")
    # Refuse any document type declaration before lxml sees it: DTDs carry entity definitions
    # (XXE, "billion laughs") and nothing in BPMN or DMN needs one.
    head = content[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in content.lower():
        line = content[: content.lower().find(b"<!")].count(b"\n") + 1
        raise XmlProblem("DTDs and entity declarations are not allowed in diagrams", line)
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlProblem(f"not well-formed XML: {exc.msg}", exc.lineno) from None
    if root is None:
        raise XmlProblem("empty document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise XmlProblem("DTDs are not allowed in diagrams", 1)
    _check_depth(root)
    return root


def _check_depth(root: etree._Element) -> None:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise XmlProblem(f"elements nested deeper than {MAX_DEPTH} levels", node.sourceline)
        stack.extend((child, depth + 1) for child in node)
