"""``--proofcheck-extra FILE.py``: a reviewer file's claims become test items of the
claims module, computed and tabulated with the package's (pytest subprocesses)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CLAIM_TESTS = """
import pytest

from proofs_checks.pytest_plugin import claim_ids, claim_layers


@pytest.mark.parametrize(("claim_id", "layer"), claim_layers(), ids=[f"{c}-{l}" for c, l in claim_layers()])
def test_claim_layer(proofcheck_session, claim_id, layer):
    assert proofcheck_session.layer(claim_id, layer).outcome == "passed"


@pytest.mark.parametrize("claim_id", claim_ids())
def test_claim_status(proofcheck_session, claim_id):
    assert proofcheck_session.claim(claim_id).as_expected
"""

REVIEWER = """
from proofs_checks import inequality_claim, limit_claim

inequality_claim(id="review-plugin-square", title="alpha^2 < alpha", lhs="alpha**2", op="<", rhs="alpha",
                 domain={"alpha": ("0", "1")})
limit_claim(id="review-plugin-limit", title="alpha log alpha -> 0", expr="alpha*log(alpha)", var="alpha",
            point="0", value="0", domain={"alpha": ("0", "1")})
"""


@pytest.fixture
def reviewer_project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_claims=CLAIM_TESTS)
    (pytester.path / "review.py").write_text(REVIEWER)
    return pytester


def test_the_claims_of_an_extra_file_become_items_and_join_the_claims_table(
        reviewer_project: pytest.Pytester) -> None:
    result = reviewer_project.runpytest_subprocess("-p", "no:cacheprovider", "-v", "--proofcheck-extra", "review.py",
                                                   "--proofcheck-jobs", "2", "-k", "review-plugin")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*test_claim_layer?review-plugin-square-symbolic? PASSED*",
                                 "*test_claim_layer?review-plugin-square-numeric? PASSED*",
                                 "*test_claim_layer?review-plugin-square-property? PASSED*",
                                 "*test_claim_status?review-plugin-square? PASSED*",
                                 "*test_claim_status?review-plugin-limit? PASSED*",
                                 "*proofcheck claims*", "review-plugin-square *extension*holds*+++.*proved*ok",
                                 "review-plugin-limit *extension*holds*+++.*proved*ok",
                                 "*2/2 claims as expected*", "*8 passed*"])


def test_a_reviewer_file_that_does_not_load_is_a_usage_error(reviewer_project: pytest.Pytester) -> None:
    (reviewer_project.path / "broken.py").write_text(
        "from proofs_checks import inequality_claim\n"
        "inequality_claim(id='review-plugin-broken', title='t', lhs='alpha', op='=', rhs='2*alpha',"
        " domain={'alpha': ('0', '1')})\n")
    for extra, message in (("missing.py", "*--proofcheck-extra: no such file: missing.py*"),
                           ("broken.py", "*--proofcheck-extra: reviewer file broken.py:2: RegistryError: claim "
                                         "'review-plugin-broken': op must be one of <, <=, >, >=*")):
        result = reviewer_project.runpytest_subprocess("-p", "no:cacheprovider", "--proofcheck-extra", extra)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([message])
        assert "Traceback" not in result.stderr.str()


def test_the_option_is_documented_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*--proofcheck-extra=FILE.py*"])
