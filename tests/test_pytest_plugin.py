"""The pytest plugin, in pytest subprocesses: it is loaded through its entry point, plans
only what the selected items ask for, and prints one claims table, also under
pytest-xdist. Only tiny claims are selected (``degeneracy`` uses no other claim)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CLAIM_TESTS = """
import pytest

from proofs_checks.pytest_plugin import claim_ids, claim_layers


@pytest.mark.parametrize(("claim_id", "layer"), claim_layers(), ids=[f"{c}-{l}" for c, l in claim_layers()])
def test_claim_layer(proofcheck_session, claim_id, layer):
    assert proofcheck_session.layer(claim_id, layer).layer == layer


@pytest.mark.parametrize("claim_id", claim_ids())
def test_claim_status(proofcheck_session, claim_id):
    assert proofcheck_session.claim(claim_id).claim.id == claim_id
"""


@pytest.fixture
def claims_module(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_claims=CLAIM_TESTS)
    return pytester


def table_rows(lines: list[str], claim_id: str) -> list[str]:
    return [line for line in lines if line.split()[:1] == [claim_id]]


def test_a_keyword_selection_computes_only_the_selected_layer(claims_module: pytest.Pytester) -> None:
    result = claims_module.runpytest_subprocess("-p", "no:cacheprovider", "-k", "degeneracy and symbolic")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*proofcheck: 1 claim layer(s) computed (profile ci, dps 50, seed 0)*",
                                 "*1 passed*deselected*"])
    assert not table_rows(result.outlines, "degeneracy")  # a lone layer judges no claim


def test_a_status_item_computes_its_claim_and_prints_the_table(claims_module: pytest.Pytester) -> None:
    result = claims_module.runpytest_subprocess("-p", "no:cacheprovider", "-k", "degeneracy", "--proofcheck-jobs", "2")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*proofcheck claims*", "claim *source*expected*SNPE*",
                                 "*1/1 claims as expected (*) in * s (sum of layer times); layers*",
                                 "proofcheck: 3 claim layer(s) computed*", "*4 passed*"])
    assert len(table_rows(result.outlines, "degeneracy")) == 1


def test_under_xdist_the_controller_prints_the_one_table(claims_module: pytest.Pytester) -> None:
    result = claims_module.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "-k", "degeneracy")
    assert result.ret == 0
    assert result.stdout.str().count("proofcheck claims") == 1
    assert len(table_rows(result.outlines, "degeneracy")) == 1
    result.stdout.fnmatch_lines(["*1/1 claims as expected (*) in * s (sum of layer times)*",
                                 "proofcheck: * claim layer(s) computed*", "*4 passed*"])


def test_the_plugin_comes_from_its_entry_point_and_a_leftover_registration_is_harmless(
        claims_module: pytest.Pytester) -> None:
    claims_module.makeconftest('pytest_plugins = ["proofs_checks.pytest_plugin"]\n')
    result = claims_module.runpytest_subprocess("-p", "no:cacheprovider", "--collect-only", "-q", "-k", "degeneracy")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*test_claim_layer?degeneracy-symbolic?", "*test_claim_status?degeneracy?"])
    assert "proofcheck: " not in result.stdout.str()  # collecting computes nothing


def test_the_options_are_documented_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["proofcheck claims:", "*--proofcheck-profile*", "*--proofcheck-dps=N*",
                                 "*--proofcheck-seed=N*", "*--proofcheck-jobs=N*"])


def test_a_bad_option_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--proofcheck-dps", "5")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--proofcheck-dps: expected an integer >= 20; got 5*"])
