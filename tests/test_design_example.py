"""The worked example of ``docs/design.md`` is the runnable ``examples/log_partition_slope.py``:
its code blocks are the file's code, its claim comes out proved and its negative control
refuted with a certified counterexample."""

import re
from pathlib import Path

from proofs_checks import load_claims
from proofs_checks.claim import status_of
from proofs_checks.layers import RunConfig, run_layer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "log_partition_slope.py"


def test_the_design_notes_show_the_example_file() -> None:
    design = (ROOT / "docs" / "design.md").read_text()
    section = design[design.index("## Adding a claim"):]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    source = EXAMPLE.read_text()
    assert len(blocks) >= 4
    for block in blocks:
        assert block in source, block[:200]


def test_the_example_is_proved_and_its_negative_control_refuted() -> None:
    claims = load_claims([EXAMPLE])

    def evidence(cid: str) -> list:
        return [run_layer(claims[cid], layer, RunConfig()) for layer in claims[cid].checks]

    assert status_of(evidence("log-partition-slope")) == "proved"
    (refuted,) = evidence("nc-log-partition-slope-in-beta")
    assert refuted.outcome == "refuted" and set(refuted.counterexample["point"]) == {"alpha", "beta"}
