"""The one name -> object registry of omnieval: loaders, preprocessors, scorers, transforms (and their declared
options), question reducers. Each kind has its own instance; a name registered twice is an error, and an unknown
name says which names exist."""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

F = TypeVar("F", bound=Callable)


class Registry(Generic[F]):
    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, F] = {}

    def register(self, name: str) -> Callable[[F], F]:
        def decorate(fn: F) -> F:
            if name in self._items:
                raise ValueError(f"{self.what} {name!r} is registered twice")
            self._items[name] = fn
            return fn

        return decorate

    def get(self, name: str) -> F:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"unknown {self.what} {name!r}; known: {', '.join(sorted(self._items))}") from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def values(self) -> list[F]:
        return list(self._items.values())

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests that register a scorer for themselves only)."""
        del self._items[name]
