"""Inputs of the wrong kind get an error that names the argument: an array of
temperatures given to a ``BinaryRewardProblem`` method (``ShapeError``), an mpmath
or a complex number given to the float64 closed forms (``InputTypeError``, which is
both a ``TypeError`` and a ``ValueError``)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from theory import BinaryRewardProblem, closed_form
from theory.errors import InputTypeError, ShapeError

PROBLEM = BinaryRewardProblem([0.2, 0.3, 0.5], [1, 0, 1])
BETA_METHODS = ["validity_rate", "invalidity_rate", "log_partition", "optimal_value", "forward_kl_to_filtered",
                "tilted", "log_tilted"]
RATES = ["validity_rate", "invalidity_rate", "log_partition", "optimal_value", "forward_kl_to_filtered"]


@pytest.mark.parametrize("view", ["float64", "mpmath"])
@pytest.mark.parametrize("method", BETA_METHODS)
@pytest.mark.parametrize("betas", [[1, 0.5], np.array([1.0, 0.5]), np.array([[1.0]]), [1, [2, 3]]])
def test_an_array_of_temperatures_is_a_shape_error_naming_beta(view: str, method: str, betas: object) -> None:
    target = PROBLEM if view == "float64" else PROBLEM.precise
    with pytest.raises(ShapeError, match=r"^beta must be a single number; got "):
        getattr(target, method)(betas)


def test_objective_rejects_an_array_of_temperatures() -> None:
    with pytest.raises(ShapeError, match="beta must be a single number"):
        PROBLEM.objective(PROBLEM.base, [1, 2])


@pytest.mark.parametrize("beta", [1, 0.5, np.float64(2.0), np.array(0.25), "0.5", mpmath.mpf("0.5"), float("inf")])
def test_one_temperature_of_any_real_kind_is_taken(beta: object) -> None:
    assert 0 < PROBLEM.validity_rate(beta) <= 1
    assert 0 < PROBLEM.precise.validity_rate(beta) <= 1


@pytest.mark.parametrize("name", RATES)
@pytest.mark.parametrize(
    ("alpha", "beta", "argument", "fragment"),
    [
        (mpmath.mpf("0.3"), 1.0, "alpha", "do not take mpmath numbers"),
        (0.3, mpmath.mpf(1), "beta", "do not take mpmath numbers"),
        ([0.2, mpmath.mpf("0.3")], 1.0, "alpha", "do not take mpmath numbers"),
        (np.array([mpmath.mpf("0.3")], dtype=object), 1.0, "alpha", "do not take mpmath numbers"),
        (0.3 + 0j, 1.0, "alpha", "must be real; got the complex number (0.3+0j)"),
        (0.3, 1 + 1j, "beta", "must be real; got the complex number (1+1j)"),
        (np.array([0.3 + 0j]), 1.0, "alpha", "must be real; got a complex array (complex128)"),
        (0.3, [1.0, mpmath.mpc(1, 1)], "beta", "do not take mpmath numbers"),
    ],
)
def test_the_float64_rates_refuse_mpmath_and_complex_inputs(name: str, alpha: object, beta: object, argument: str,
                                                            fragment: str) -> None:
    with pytest.raises(InputTypeError) as info:
        getattr(closed_form, name)(alpha, beta)
    assert str(info.value).startswith(argument) and fragment in str(info.value)


@pytest.mark.parametrize("function", [closed_form.beta_for_validity, closed_form.kl_budget])
@pytest.mark.parametrize(
    ("alpha", "mu", "argument"),
    [(mpmath.mpf("0.3"), 0.5, "alpha"), (0.3, mpmath.mpf("0.5"), "mu"), (0.3, 0.5 + 0j, "mu"), (0.3, np.array([0.5j]), "mu")],
)
def test_the_float64_validity_functions_refuse_mpmath_and_complex_inputs(function, alpha: object, mu: object,
                                                                         argument: str) -> None:
    with pytest.raises(InputTypeError, match=f"^{argument}"):
        function(alpha, mu)


def test_the_input_type_error_is_a_type_error_and_a_value_error() -> None:
    assert issubclass(InputTypeError, TypeError) and issubclass(InputTypeError, ValueError)


@pytest.mark.parametrize("alpha", [0.3, 3 / 10, np.float32(0.3), np.array([0.3, 0.4]), [0.3, 0.4], (0.3,)])
def test_reals_numpy_converts_are_still_taken(alpha: object) -> None:
    np.testing.assert_array_equal(closed_form.validity_rate(alpha, 1.0),
                                  closed_form.validity_rate(np.asarray(alpha, dtype=np.float64), 1.0))
