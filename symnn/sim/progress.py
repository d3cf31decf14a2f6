"""A progress bar for training: tqdm when it is installed, else one plain stderr line.

>>> bar = ProgressBar(total=3, desc="epoch 1", enabled=False)
>>> bar.update(); bar.close()
>>> bar.count
1
"""

from __future__ import annotations

import sys
import time
from typing import Any

__all__ = ["ProgressBar"]


class ProgressBar:
    """Counts steps out of ``total``; draws nothing when ``enabled`` is false.

    tqdm is imported lazily; without it the bar is a single line on stderr, redrawn
    at most five times a second and ended with a newline by :meth:`close`.
    """

    def __init__(self, total: int, desc: str = "", enabled: bool = True) -> None:
        self.total, self.desc, self.enabled, self.count = total, desc, enabled, 0
        self.postfix = ""
        self._tqdm: Any = None
        self._last = 0.0
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._tqdm = tqdm(total=total, desc=desc, leave=False, unit="batch")

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps."""
        self.count += n
        if self._tqdm is not None:
            self._tqdm.update(n)
        elif self.enabled:
            now = time.monotonic()
            if now - self._last > 0.2 or self.count >= self.total:
                self._last = now
                self._draw()

    def set_postfix(self, text: str) -> None:
        """Show ``text`` after the counter (for example the last loss)."""
        self.postfix = text
        if self._tqdm is not None:
            self._tqdm.set_postfix_str(text, refresh=False)

    def _draw(self) -> None:
        width = 30
        filled = width * self.count // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r{self.desc} [{bar}] {self.count}/{self.total} {self.postfix}")
        sys.stderr.flush()

    def close(self) -> None:
        """Finish the bar (tqdm removes it; the plain bar ends its line)."""
        if self._tqdm is not None:
            self._tqdm.close()
        elif self.enabled:
            self._draw()
            sys.stderr.write("\n")
            sys.stderr.flush()
