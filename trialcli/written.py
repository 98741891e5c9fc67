"""Numbers as their source printed them.

Kept apart from the pydantic models so that code which only formats numbers (and
`trialcli --version`) does not pay for building the models.
"""

from __future__ import annotations


class Written(float):
    """A number that remembers how many decimals its source printed: 0.10 is not 0.1."""

    places: int

    def __new__(cls, value: float, places: int) -> Written:
        number = super().__new__(cls, value)
        number.places = places
        return number

    def __getnewargs__(self) -> tuple[float, int]:  # type: ignore[override]
        # copy, deepcopy and pickle rebuild the number with its places.
        return (float(self), self.places)

    @classmethod
    def from_text(cls, value: float, text: str) -> Written:
        digits = text.lower().split("e")[0]
        return cls(value, len(digits.split(".")[1]) if "." in digits else 0)
