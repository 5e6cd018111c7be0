"""The audit action codes the source writes, found by reading it (``ast``), for the test that each has words.

A code is written three ways: a literal (``action="elders.create"``); an f-string whose variable part is a
helper's ``action`` parameter (``action=f"providers.{action}"``, called as ``_move(..., "admit")``), whose
codes are the literals the module passes to that helper; or an f-string over a state or event
(``action=f"order.{to_state}"``), a family whose words come from the choices' labels.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "shouwang"


def _prefix(node: ast.JoinedStr) -> tuple[str, ast.expr | None, str]:
    """The literal text before the first placeholder, that placeholder's expression, and the text after."""
    text, variable, after = "", None, ""
    for part in node.values:
        if isinstance(part, ast.Constant):
            if variable is None:
                text += str(part.value)
            else:
                after += str(part.value)
        elif variable is None and isinstance(part, ast.FormattedValue):
            variable = part.value
    return text, variable, after


def _constants(tree: ast.Module) -> dict[str, str]:
    """The module's NAME = "text" assignments."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }  # fmt: skip


def _helper_arguments(tree: ast.Module, function: ast.FunctionDef, parameter: str) -> set[str]:
    """The string literals passed as ``parameter`` to ``function`` anywhere in its module."""
    names = [a.arg for a in function.args.posonlyargs + function.args.args]
    position = names.index(parameter) if parameter in names else None
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == function.name):
            continue
        values = [k.value for k in node.keywords if k.arg == parameter]
        if position is not None and len(node.args) > position:
            values.append(node.args[position])
        for value in values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(value.value)
            if isinstance(value, ast.IfExp):
                found |= {v.value for v in (value.body, value.orelse) if isinstance(v, ast.Constant)}
    return found


def written_codes() -> tuple[set[str], set[str]]:
    """(codes, families): every literal code, and every family of codes over a variable, written with
    ``{}`` for the variable part (``order.{}``)."""
    codes: set[str] = set()
    families: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for function in [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)]:
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                for keyword in call.keywords:
                    if keyword.arg != "action":
                        continue
                    value = keyword.value
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        codes.add(value.value)
                    elif isinstance(value, ast.Name) and value.id in constants:
                        codes.add(constants[value.id])
                    elif isinstance(value, ast.JoinedStr):
                        prefix, variable, after = _prefix(value)
                        parameters = {a.arg for a in function.args.args + function.args.kwonlyargs}
                        passed = (
                            _helper_arguments(tree, function, variable.id)
                            if isinstance(variable, ast.Name) and variable.id in parameters
                            else set()
                        )
                        if isinstance(variable, ast.IfExp):
                            passed = {v.value for v in (variable.body, variable.orelse)}
                        if passed:
                            codes |= {prefix + text + after for text in passed}
                        else:
                            families.add(prefix + "{}" + after)
    # Audit codes have a dot (app.what); a dotless literal is argparse's action= or a part a helper prefixes.
    return {code for code in codes if "." in code}, families


if __name__ == "__main__":
    codes, families = written_codes()
    print(sorted(codes))
    print(sorted(families))
