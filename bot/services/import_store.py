"""Where an import keeps what it has read, so that its memory stays flat however long the file.

An import must see the whole file before it writes anything (every problem is listed first, and a
customer's rows may be anywhere in the file), so it keeps something of every customer and every
follow-up row until the write. Kept in memory, that grew by about 2.3 KB a customer. Here:

- ``Spill``: rows written once and read back once in order (the follow-up rows), as pickled
  batches in a temporary file;
- ``GroupStore``: the file's customers by index, up to a budget in memory and the rest pickled in a
  temporary file, read back when a row of theirs comes again or when the write reaches them. A
  follow-up record lists each customer's rows together, so a customer is put away once and read
  once; a file in date order, whose customers come back again and again, costs a read each time;
- ``KeyIndex``: customer number or normalised company → customer index, up to a budget as a dict
  and the rest as two sorted arrays of 64-bit hashes and indexes (16 bytes a key), a hit checked
  against the customer itself, so two keys with the same hash are never taken for one.

What stays in memory beyond the budgets is fixed-width numbers: per customer, where it waits
(12 bytes), the hashes of its number and company (32), its id stored or made and who logs its
follow-ups (18); per follow-up row, its identity in the file (8, to find the rows written twice).
About 60 bytes a customer, against the 2.3 KB before: 60 MB for a million customers.
"""

from __future__ import annotations

import itertools
import os
import pickle
import tempfile
from array import array
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

_T = TypeVar("_T")

GROUPS_IN_MEMORY = 20_000  # customers of the file kept as objects; the rest wait in a temporary file
KEYS_IN_MEMORY = 50_000  # keys kept in a dict; the rest are folded into sorted arrays


class Spill(Generic[_T]):
    """Items kept in a temporary file (pickled batches) to be read back once, in order."""

    BATCH = 2_000

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()/__exit__
        self._batch: list[_T] = []
        self.count = 0

    def extend(self, items: list[_T]) -> None:
        self._batch.extend(items)
        self.count += len(items)
        if len(self._batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        pickle.dump(self._batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._batch = []

    def __iter__(self) -> Iterator[_T]:
        if self._batch:
            self._flush()
        self._file.seek(0)
        while True:
            try:
                batch = pickle.load(self._file)  # noqa: S301 - our own temporary file
            except EOFError:
                return
            yield from batch

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spill[_T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class GroupStore(Generic[_T]):
    """Objects by index (0, 1, 2, … in the order added), at most ``budget`` of them in memory.

    ``store[index]`` gives an object to read and change: it is the most recently used then, and
    stays in memory until ``budget`` others have been used after it (the store puts away the least
    recently used half at a time, pickled). A caller changing an object must take it again after
    asking for or adding another: the one it holds may have been put away meanwhile, and a change
    to it then lost. ``items()`` reads every object in index order
    without making them the most recently used (for the passes after the file is read).
    """

    def __init__(self, budget: int | None = None) -> None:
        self.budget = max(2, budget if budget is not None else GROUPS_IN_MEMORY)
        self._live: dict[int, _T] = {}  # least recently used first
        self._offsets = array("q")  # per index: where its latest pickle starts in the file, -1 if none
        self._sizes = array("I")  # a pickled customer is far below 4 GB
        self._file: Any = None
        self._end = 0
        self.put_away = 0  # objects written to the file (tests see that the file was used)

    def __len__(self) -> int:
        return len(self._offsets)

    def add(self, item: _T) -> int:
        index = len(self._offsets)
        self._offsets.append(-1)
        self._sizes.append(0)
        self._live[index] = item
        if len(self._live) > self.budget:
            self._put_away_half()
        return index

    def __getitem__(self, index: int) -> _T:
        live = self._live
        item = live.pop(index, None)
        if item is None:
            if not 0 <= index < len(self._offsets):
                raise IndexError(index)
            item = self._load(index)
        live[index] = item  # the most recently used
        if len(live) > self.budget:
            self._put_away_half()
        return item

    def items(self) -> Iterator[tuple[int, _T]]:
        live = self._live
        for index in range(len(self._offsets)):
            item = live.get(index)
            yield index, (item if item is not None else self._load(index))

    def _load(self, index: int) -> _T:
        data = os.pread(self._file.fileno(), self._sizes[index], self._offsets[index])
        return pickle.loads(data)  # noqa: S301 - our own temporary file

    def _put_away_half(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        live = self._live
        leaving = list(itertools.islice(live, len(live) // 2))
        chunks = []
        dumps = pickle.dumps
        for index in leaving:
            data = dumps(live.pop(index), protocol=pickle.HIGHEST_PROTOCOL)
            self._offsets[index] = self._end
            self._sizes[index] = len(data)
            self._end += len(data)
            chunks.append(data)
        self._file.seek(0, os.SEEK_END)
        self._file.write(b"".join(chunks))
        self._file.flush()
        self.put_away += len(leaving)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._live.clear()


class KeyIndex:
    """Text key → index, ``budget`` keys in a dict and the rest as sorted arrays of (hash, index).

    A key found among the arrays is confirmed with ``confirms(index, key)`` (the customer at that
    index really has the key): two keys whose 64-bit hashes are equal are then told apart.
    """

    def __init__(self, confirms: Callable[[int, str], bool], budget: int | None = None) -> None:
        import numpy

        self._numpy = numpy
        self._confirms = confirms
        self.budget = max(1, budget if budget is not None else KEYS_IN_MEMORY)
        self._recent: dict[str, int] = {}
        self._hashes = numpy.empty(0, dtype=numpy.int64)
        self._indexes = numpy.empty(0, dtype=numpy.int64)

    def get(self, key: str) -> int | None:
        found = self._recent.get(key)
        if found is not None or not len(self._hashes):
            return found
        return self._folded(key)

    def _folded(self, key: str) -> int | None:
        hashes = self._hashes
        wanted = hash(key)
        start = int(hashes.searchsorted(wanted, side="left"))
        end = start
        while end < len(hashes) and hashes[end] == wanted:
            index = int(self._indexes[end])
            if self._confirms(index, key):
                return index
            end += 1
        return None

    def add(self, key: str, index: int) -> None:
        """``key`` has ``index`` from now on; the caller knows it had none (``get`` said so)."""
        self._recent[key] = index
        if len(self._recent) >= self.budget:
            self._fold()

    def _fold(self) -> None:
        numpy = self._numpy
        recent = self._recent
        hashes = numpy.fromiter(map(hash, recent), dtype=numpy.int64, count=len(recent))
        indexes = numpy.fromiter(recent.values(), dtype=numpy.int64, count=len(recent))
        hashes = numpy.concatenate([self._hashes, hashes])
        indexes = numpy.concatenate([self._indexes, indexes])
        order = numpy.argsort(hashes, kind="stable")
        self._hashes, self._indexes = hashes[order], indexes[order]
        recent.clear()
