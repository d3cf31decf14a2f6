"""``assert_derivation``: a catalogue id derived, certified, cross-checked and compared.

``assert_derivation(id, expected, **params)`` derives ``id`` (a step that its route
cannot prove stops the derivation with a ``CertificationError``, reported here as a
failure), runs the numeric cross-check ``check()``, and compares each named result in
``expected`` with :func:`~symnn.testing.assertions.assert_equivalent` on the parameters'
declared domain (``alpha`` of leaky-relu-gaussian-moments in ``[0, 1]``). It returns
the derivation.

>>> import sympy as sp
>>> d = assert_derivation("leaky-relu-gaussian-moments",
...                       {"mean": (1 - sp.Symbol("alpha")) / sp.sqrt(2 * sp.pi)})
>>> d.id
'leaky-relu-gaussian-moments'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from symnn.core.registry import derive
from symnn.errors import CertificationError, CheckError
from symnn.grading.grader import declared_domain
from symnn.testing.assertions import assert_equivalent


def assert_derivation(id: str, expected: Mapping[str, Any] | None = None, *, numeric: bool = False,
                      **params: Any) -> Any:
    """Derive ``id`` with ``params``, assert its check passes and its results equal ``expected``.

    ``expected`` maps result names to values (SymPy objects, numbers, lists of rows);
    ``numeric`` is passed on to :func:`assert_equivalent`. Unknown ids and parameters
    raise the usual :class:`~symnn.errors.SymnnError`; everything else is an
    ``AssertionError`` naming the id and the result.
    """
    try:
        derivation = derive(id, **params)
    except CertificationError as error:
        raise AssertionError(f"{id}: a step was not certified: {error}") from None
    uncertified = [step.rule for step in derivation.steps if step.certificate is None]
    if uncertified:
        raise AssertionError(f"{id}: steps without a certificate: {', '.join(uncertified)}")
    try:
        report = derivation.check()
    except CheckError as error:
        raise AssertionError(f"{id}: the numeric cross-check could not run: {error}") from None
    if not report.ok:
        raise AssertionError(f"{id}: the numeric cross-check failed: {report.summary()}\n  "
                             + "\n  ".join(report.failures()))
    for key, value in (expected or {}).items():
        if key not in derivation.result:
            raise AssertionError(f"{id} has no result {key!r}; its results: {', '.join(derivation.result)}")
        result = derivation.result[key]
        domain = declared_domain(id, params, result)
        try:
            assert_equivalent(value, result, numeric=numeric, domain=domain)
        except AssertionError as error:
            raise AssertionError(f"{id}[{key}]: {error}") from None
    return derivation
