"""Masked display of personal data (ID numbers, phones); a reveal is a separate, audited action."""


def mask_id_number(value: str) -> str:
    """``110101********1234``: the region code and the last four stay readable."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """``138****5678`` for mobiles; landlines keep the area code and the last four."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 4 if "-" in digits[:5] else 3
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def mask_name(value: str) -> str:
    """``张*丰``: used where even a name is more than a list needs (public pages)."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_account(value: str) -> str:
    """``6222 **** **** 1234``-like: a bank or social-security card number keeps its first and last four."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
