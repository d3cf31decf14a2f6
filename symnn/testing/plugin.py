"""The pytest plugin of symnn: the ``symnn_snapshot`` fixture and ``--symnn-update``.

It is registered through the ``pytest11`` entry point, so it is active in every pytest
run where symnn is installed (or load it with ``pytest -p symnn.testing.plugin``)::

    def test_jacobian(symnn_snapshot):
        symnn_snapshot(symnn.derive("softmax-jacobian", n=2))

``pytest --symnn-update`` records the snapshots under ``__snapshots__/<test file>/``
beside the test; afterwards a changed result fails with a diff of its LaTeX and
``srepr`` (:mod:`symnn.testing.snapshot`). SymPy is imported only when the fixture is used.

>>> UPDATE_OPTION
'--symnn-update'
"""

from __future__ import annotations

from typing import Any

import pytest

UPDATE_OPTION = "--symnn-update"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--symnn-update``."""
    group = parser.getgroup("symnn", "symnn snapshots of derived results")
    group.addoption(UPDATE_OPTION, action="store_true", default=False,
                    help="record symnn_snapshot files instead of comparing with them")


@pytest.fixture
def symnn_snapshot(request: pytest.FixtureRequest) -> Any:
    """``symnn_snapshot(derivation_or_expr, name=None)``: compare with (or record) a snapshot."""
    from symnn.testing.snapshot import Snapshot

    test_file = request.path
    folder = test_file.parent / "__snapshots__" / test_file.stem
    return Snapshot(folder, request.node.name, bool(request.config.getoption(UPDATE_OPTION)), UPDATE_OPTION)
