"""A growable column store of numpy arrays (amortised appends, views of the filled part)."""

from __future__ import annotations

import numpy as np


class Columns:
    def __init__(self, spec: dict[str, tuple[np.dtype, object, tuple[int, ...]]], capacity: int = 1024):
        """``spec``: name -> (dtype, fill value, trailing shape)."""
        self._spec = spec
        self._cap = max(16, capacity)
        self.n = 0
        self._data = {k: np.full((self._cap, *shape), fill, dtype=dt) for k, (dt, fill, shape) in spec.items()}

    def _grow(self, need: int) -> None:
        cap = self._cap
        while cap < need:
            cap *= 2
        if cap == self._cap:
            return
        for k, (dt, fill, shape) in self._spec.items():
            new = np.full((cap, *shape), fill, dtype=dt)
            new[: self.n] = self._data[k][: self.n]
            self._data[k] = new
        self._cap = cap

    def append(self, n: int, **values: np.ndarray) -> np.ndarray:
        """Append ``n`` rows (unlisted columns get their fill value); returns their indices."""
        self._grow(self.n + n)
        sl = slice(self.n, self.n + n)
        for k, v in values.items():
            self._data[k][sl] = v
        self.n += n
        return np.arange(sl.start, sl.stop)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[name][: self.n]
