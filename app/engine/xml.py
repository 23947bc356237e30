"""Hardened XML parsing for uploaded diagrams: no DTDs, no entities, no network, bounded size."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from lxml import etree

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 200
TOO_DEEP = f"elements nested too deeply (the limit is {MAX_DEPTH} levels)"
XINCLUDE_NAMESPACES = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")


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


def _as_text(content: bytes) -> str:
    """The document as text for the pre-scan, whatever its encoding (a UTF-16 DTD hides from a
    byte search: its bytes are interleaved with zeros)."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if content.startswith(bom):
            return content.decode(codec, errors="replace")
    if content[:2] == b"<\x00":
        return content.decode("utf-16-le", errors="replace")
    if content[:2] == b"\x00<":
        return content.decode("utf-16-be", errors="replace")
    return content.decode("utf-8", errors="replace")


def parse_xml(content: bytes) -> etree._Element:
    """Parse untrusted XML; raise XmlProblem with a line number for anything unsafe or broken."""
    if len(content) > MAX_DOCUMENT_BYTES:
        raise XmlProblem(f"document is {len(content)} bytes; the limit is {MAX_DOCUMENT_BYTES}")
    # Refuse any document type declaration before lxml sees it: DTDs carry entity definitions
    # (XXE, "billion laughs") and nothing in BPMN or DMN needs one.
    text = _as_text(content).lower()
    for marker in ("<!doctype", "<!entity"):
        at = text.find(marker)
        if at >= 0:
            line = text.count("\n", 0, at) + 1
            raise XmlProblem("DTDs and entity declarations are not allowed in diagrams", line)
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as exc:
        if "depth" in (exc.msg or "").lower():
            # libxml2 stops at 256 levels and suggests a "huge" option; say what matters instead.
            raise XmlProblem(TOO_DEEP, exc.lineno) from None
        raise XmlProblem(f"not well-formed XML: {exc.msg}", exc.lineno) from None
    if root is None:
        raise XmlProblem("empty document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlProblem("DTDs are not allowed in diagrams", 1)
    _check_tree(root)
    return root


def _check_tree(root: etree._Element) -> None:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise XmlProblem(TOO_DEEP, node.sourceline)
        if isinstance(node, etree._Entity):
            raise XmlProblem("entity references are not allowed in diagrams", node.sourceline)
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag.startswith("{") and tag[1:].split("}", 1)[0] in XINCLUDE_NAMESPACES:
            # Nothing here runs XInclude today; refusing it keeps a future call from fetching.
            raise XmlProblem("XInclude is not allowed in diagrams", node.sourceline)
        stack.extend((child, depth + 1) for child in node)
