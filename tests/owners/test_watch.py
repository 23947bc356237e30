"""`zorgpad deploy --watch`: deploys at start and again after a file changes."""

import os

from app import owner_cli
from tests.support import fixture_files


def test_watch_deploys_then_redeploys_after_a_change(app, db, tmp_path, capsys, monkeypatch):
    for name, content in fixture_files("two_step.bpmn", "stap-a.schema.json").items():
        (tmp_path / name).write_bytes(content)
    path = tmp_path / "two_step.bpmn"

    def edit_while_sleeping(_seconds):  # the process owner saves the diagram meanwhile
        stamp = path.stat().st_mtime_ns + 10**9
        path.write_bytes(path.read_bytes().replace(b'name="Stap B"', b'name="Stap B2"'))
        os.utime(path, ns=(stamp, stamp))

    monkeypatch.setattr(owner_cli.time, "sleep", edit_while_sleeping)
    options = {"dry_run": False, "name": None, "require_tests": False}
    owner_cli.watch_and_deploy(app, [tmp_path], interval=0, rounds=2, **options)
    out = capsys.readouterr().out
    assert "created two_step v1" in out and "change seen" in out and "created two_step v2" in out
