"""The outputs of the examples and the demo equal the committed snapshot (issue 21: behaviour unchanged).

Runs the public command line on the built-in data (tests/output_snapshot.py) and compares every
sheet, document and JSON file with tests/snapshots/outputs.json (one sha256 each) and, to name the
differing cells, with the full listing beside it (outputs.cells.json.xz).
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import output_snapshot  # noqa: E402

SNAPSHOT = HERE / "snapshots" / "outputs.json"


def test_outputs_equal_the_committed_snapshot():
    stored = output_snapshot.load(SNAPSHOT)  # with every cell when outputs.cells.json.xz matches
    current = output_snapshot.compute()
    assert current["files"], "no output was digested"
    diffs = output_snapshot.compare(stored, current)
    assert not diffs, (
        "the outputs differ from tests/snapshots/outputs.json:\n  " + "\n  ".join(diffs[:40])
        + "\nSee the differing cells with `python3 tests/output_snapshot.py --against <rev>` "
        "(rev = the last commit whose outputs were right); if the change is intended, "
        "run `python3 tests/output_snapshot.py --write tests/snapshots/outputs.json` and commit it."
    )
