"""Money as integer fen (分), never floats: yuan text in, fen stored, yuan text out."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

# At most 100 000 yuan per unit: a larger guide price is a typing mistake (an extra zero or two).
MAX_PRICE_FEN = 10_000_000
_YUAN = re.compile(r"\d+(?:\.\d{1,2})?|\.\d{1,2}")


class PriceError(ValueError):
    """Not an amount of yuan with at most two decimals, or outside the allowed range."""


def yuan_to_fen(value: str | int | float | Decimal) -> int:
    """An amount in yuan → integer fen, exactly: "15.50" → 1550, "0.3" → 30, "¥1,200元" → 120000.

    Text is read as typed (full-width digits, ¥, 元 and thousands commas allowed); a float is read by its
    shortest decimal form, so ``15.5`` is 1550 but ``0.1 + 0.2`` (0.30000000000000004) is refused rather
    than rounded. More than two decimals (less than a fen) and negative amounts are refused.
    """
    if isinstance(value, bool):
        raise PriceError(value)
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float | Decimal):
        text = repr(value) if isinstance(value, float) else format(value, "f")
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        text = text.removeprefix("¥").removesuffix("元").replace(",", "").strip()
    else:
        raise PriceError(value)
    if not _YUAN.fullmatch(text):
        raise PriceError(value)
    fen = Decimal(text) * 100
    if fen != fen.to_integral_value() or fen > MAX_PRICE_FEN:
        raise PriceError(value)
    return int(fen)


def fen_to_yuan(fen: int) -> str:
    """Integer fen → yuan text with two decimals: 1550 → "15.50"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"
