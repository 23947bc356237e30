"""Render each processes/*.bpmn to docs/img/<stem>.svg with bpmn-js in headless Chromium.

Usage: python scripts/render_diagrams.py   (or `make diagrams`)

bpmn-js comes from node_modules (installed by npm from the lock file; never committed); the
browser is Debian's Chromium at /usr/bin/chromium, driven by the `playwright` package (its own
browser downloads are never used). Pages are served from memory through `page.route`, so
nothing listens on a port and nothing is fetched from the network.

Each SVG carries `<!-- source-sha256: ... -->` with the hash of the BPMN it was drawn from;
tests/pathways/test_diagram_pictures.py compares it with the current file.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
OUT = ROOT / "docs" / "img"
VIEWER = ROOT / "node_modules" / "bpmn-js" / "dist" / "bpmn-viewer.production.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
BASE = "http://zorgpad.invalid/"  # never resolved: every request is answered by page.route
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>render</title>
<style>html, body, #canvas { margin: 0; width: 2400px; height: 1600px; }</style>
<script src="bpmn-viewer.js"></script></head>
<body><div id="canvas"></div>
<script>
  window.renderBpmn = async (xml) => {
    const viewer = new BpmnJS({ container: '#canvas' });
    const result = await viewer.importXML(xml);
    const { svg } = await viewer.saveSVG();
    viewer.destroy();
    return { svg, warnings: (result.warnings || []).map(w => String(w.message || w)) };
  };
</script></body></html>
"""
HASH_MARK = "<!-- source-sha256: "


def source_hash(bpmn: bytes) -> str:
    return hashlib.sha256(bpmn).hexdigest()


def deterministic(svg: str) -> str:
    """bpmn-js names arrow markers with random ids; number them so a re-render is identical."""
    names: dict[str, str] = {}
    for found in re.findall(r'id="(marker-[A-Za-z0-9_-]+)"', svg):
        names.setdefault(found, f"marker-{len(names) + 1}")
    return re.sub(r"marker-[A-Za-z0-9_-]+", lambda m: names.get(m.group(0), m.group(0)), svg)


def stamped(svg: str, digest: str, name: str) -> str:
    """The SVG with a comment naming its source and that source's hash, after the prolog."""
    svg = deterministic(svg)
    comment = (
        f"{HASH_MARK}{digest} -->\n"
        f"<!-- rendered from processes/{name} by scripts/render_diagrams.py -->\n"
    )
    start = svg.find("<svg")
    return svg[:start] + comment + svg[start:] + ("" if svg.endswith("\n") else "\n")


def render(paths: list[Path]) -> list[str]:
    from playwright.sync_api import sync_playwright

    if not VIEWER.exists():
        raise SystemExit(f"{VIEWER} is missing: run `npm ci --ignore-scripts` (or `make install`) first")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    files = {
        "index.html": (PAGE.encode(), "text/html"),
        "bpmn-viewer.js": (VIEWER.read_bytes(), "text/javascript"),
    }
    problems = []
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()

            def serve(route):
                name = route.request.url.removeprefix(BASE)
                if name in files:
                    body, kind = files[name]
                    route.fulfill(status=200, body=body, content_type=kind)
                else:
                    route.abort()

            page.route("**/*", serve)
            page.goto(BASE + "index.html")
            for path in paths:
                bpmn = path.read_bytes()
                result = page.evaluate("xml => window.renderBpmn(xml)", bpmn.decode("utf-8"))
                if result["warnings"]:
                    problems.extend(f"{path.name}: {w}" for w in result["warnings"])
                target = OUT / f"{path.stem}.svg"
                target.write_text(stamped(result["svg"], source_hash(bpmn), path.name), encoding="utf-8")
                print(f"wrote {target.relative_to(ROOT)}")
        finally:
            browser.close()
    return problems


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(PROCESSES.glob("*.bpmn"))
    problems = render(paths)
    for problem in problems:
        print("warning:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
