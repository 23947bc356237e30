"""The engine alone runs a 5,000-pass loop to the right end with bounded state."""

from app.engine import ProcessRun, parse_bundle
from tests.support import fixture_files


def test_five_thousand_passes_end_correctly():
    model = parse_bundle(fixture_files("loop.bpmn")).processes["loop"]
    run = ProcessRun.start("loop-test", model.spec, {"target": 5000})
    run.run()
    early, late = 0, 0
    for n in range(5000):
        state = run.dump()
        if n < 200:
            early = max(early, len(str(state)))
        elif n >= 4800:
            late = max(late, len(str(state)))
        run = ProcessRun.restore("loop-test", model.spec, state)
        [review] = run.human_tasks()
        run.complete(review.id, {})
    assert run.completed
    assert run.data["passes"] == 5000
    assert late <= early * 1.1  # state does not grow with the loop's history
