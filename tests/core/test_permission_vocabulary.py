"""One gate for who may do what: a set of roles is written only in a ``permissions.py`` (or where the
roles are defined, ``core/roles.py``); everywhere else asks a named predicate or names a set from there.
And the import graph keeps roles below the apps: providers do not import accounts at module level."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shouwang.core.roles import Role

SRC = Path(__file__).resolve().parents[2] / "src" / "shouwang"
ROLE_VALUES = frozenset(Role.values)


def _allowed(path: Path) -> bool:
    return path.name == "permissions.py" or path == SRC / "core" / "roles.py" or "migrations" in path.parts


def _is_role(node: ast.AST) -> bool:
    """``Role.X`` or a role's value written as a string."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id == "Role"
    return isinstance(node, ast.Constant) and node.value in ROLE_VALUES


def role_sets_in(source: str) -> list[int]:
    """Lines holding a set, tuple or list literal of roles: any collection with a ``Role.X`` in it, or
    one made only of role names ("admin", "official"). ``frozenset(Role)`` (every role) counts too."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Set | ast.Tuple | ast.List) and node.elts:
            attrs = [e for e in node.elts if isinstance(e, ast.Attribute) and _is_role(e)]
            if attrs or all(_is_role(e) for e in node.elts) and len(node.elts) > 1:
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"frozenset", "set", "tuple", "list"}
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "Role"
        ):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("X = frozenset({Role.ADMIN, Role.OFFICIAL})", True),
        ("if role in (Role.ADMIN, Role.OFFICIAL): pass", True),
        ("ROLES = SUPERVISORS | {Role.OPERATOR}", True),
        ("ROLES = frozenset({'admin', 'official'})", True),
        ("EVERY = frozenset(Role)", True),
        ("if role == Role.ADMIN: pass", False),
        ("users.filter(role=Role.ASSESSOR)", False),
        ("LOOKUPS = {Role.CAREGIVER: 'caregiver__user_id'}", False),
        ("FIELDS = ('name', 'phone')", False),
    ],
)
def test_the_check_finds_role_sets_and_nothing_else(source, found):
    assert bool(role_sets_in(source)) is found


def test_no_role_set_outside_permissions_modules():
    offenders = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        if not _allowed(path)
        for line in role_sets_in(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "role sets belong in the app's permissions.py: " + ", ".join(offenders)


def _module_level_imports(path: Path) -> set[str]:
    """Modules imported at the top of a file (not inside a function), absolute names."""
    names = set()
    package = ".".join(("shouwang", *path.relative_to(SRC).parent.parts))
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package if node.level == 1 else ""
            names.add(f"{base}.{node.module}" if base and node.module else node.module or base)
    return names


def test_providers_do_not_import_accounts_and_roles_are_below_both():
    providers = {
        name
        for path in (SRC / "providers").rglob("*.py")
        if "migrations" not in path.parts
        for name in _module_level_imports(path)
    }
    assert not [name for name in providers if name.startswith("shouwang.accounts")]
    assert not [
        name for name in _module_level_imports(SRC / "core" / "roles.py") if name.startswith("shouwang.")
    ]
    from shouwang.accounts.models import Role as AccountsRole

    assert AccountsRole is Role  # the old import path still names the one enumeration
