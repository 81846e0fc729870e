"""A statement compiled once and run again with new values: for a large statement asked
again and again with the same shape (the stalled audit's ~100-branch ``UNION ALL``), building
its SQLAlchemy objects and SQLAlchemy's cache key for them costs more than the database's
work on a small store. ``Prepared`` keeps the driver's SQL and its parameters' order, and
binds only the values named at preparation (through each one's type, as SQLAlchemy would);
``PreparedCache`` keeps the latest few by a key the caller makes of everything the shape
depends on. Run with ``Connection.exec_driver_sql``: the engine's events still see it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Mapping
from threading import Lock
from typing import Any

from sqlalchemy.engine import Dialect


class Prepared:
    """``statement`` compiled for ``dialect``; ``per_call`` names the bound parameters
    whose values each run gives (the others keep the values they were built with)."""

    def __init__(self, statement: Any, dialect: Dialect, per_call: Collection[str], meaning: Any = None) -> None:
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        binds = compiled.binds
        processors = {name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in binds.items()}
        for name, bind in binds.items():  # expanded (``IN``) values are bound as built, unprocessed
            if bind.expanding and processors[name] is not None:
                raise ValueError(f"an expanding parameter that needs its type's processing: {name}")
        fixed = compiled.construct_params()
        self.sql: str = compiled.string
        self.meaning = meaning
        self._fixed = {name: _process(processors.get(name), value) for name, value in fixed.items()}
        self._per_call = [(name, processors[name]) for name in per_call if name in binds]
        self._order: list[str] | None = compiled.positiontup

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """The driver's parameters for one run: ``values`` (by name, as built) processed by
        their types, in the driver's order (a tuple for a positional paramstyle)."""
        params = dict(self._fixed)
        for name, process in self._per_call:
            params[name] = _process(process, values[name])
        return params if self._order is None else tuple(params[name] for name in self._order)


def _process(process: Callable[[Any], Any] | None, value: Any) -> Any:
    return value if process is None or value is None else process(value)


class PreparedCache:
    """The ``size`` latest prepared statements by key (thread-safe; a miss builds outside the lock)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[Hashable, Prepared] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, prepare: Callable[[], Prepared]) -> Prepared:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        made = prepare()
        with self._lock:
            self._kept[key] = made
            self._kept.move_to_end(key)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return made

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)
