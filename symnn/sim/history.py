"""The per-epoch record of a training run, as network2's ``SGD`` returns it.

>>> h = History()
>>> h.append(train_loss=0.5, train_accuracy=0.8, val_loss=0.6, val_accuracy=0.75,
...          eta=0.1, epoch_time=1.5)
>>> h.epochs, h.to_dict()["val_accuracy"]
(1, [0.75])
>>> History.from_dict(h.to_dict()) == h
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

__all__ = ["History"]


@dataclass
class History:
    """Per-epoch lists (index 0 is epoch 1) and how the run ended.

    Attributes:
        train_loss: mean data cost per training example over the epoch's minibatches
            (computed while the weights change, without the L2 term).
        train_accuracy: fraction of training examples classified correctly in those
            minibatches.
        val_loss, val_accuracy: on the validation set after the epoch (``None`` without
            one).
        eta: the learning rate used during the epoch.
        epoch_time: wall-clock seconds of the epoch, validation included.
        best_epoch: 0-based epoch whose weights early stopping restored (else ``None``).
        initial_loss: mean cost of the untrained network on the first minibatch (the
            reference of :class:`~symnn.sim.divergence.Divergence` in the first epoch).
        stop_reason: ``"completed"``, ``"early stopping"`` or ``"schedule exhausted"``.
    """

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float | None] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    eta: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stop_reason: str = "completed"
    initial_loss: float | None = None

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.train_loss)

    def append(self, **values: float | None) -> None:
        """Add one epoch; keywords are the list fields' names."""
        for f in fields(self):
            if isinstance(getattr(self, f.name), list):
                getattr(self, f.name).append(values[f.name])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of plain lists, numbers and strings."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """Inverse of :meth:`to_dict`."""
        names = {f.name for f in fields(cls)}
        kept = {k: (list(v) if isinstance(v, list) else v) for k, v in data.items() if k in names}
        return cls(**kept)
