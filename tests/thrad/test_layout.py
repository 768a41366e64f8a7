"""The platform core points at no feature app: apps build on `thrad`, never the reverse.

Only `thrad/urls.py`, the URL root, names the apps it mounts. Every import in every module of
`thrad/` counts, at module level or inside a function.
"""

import ast
from pathlib import Path

from django.conf import settings

FEATURE_APPS = frozenset({"uploads", "files", "creatives", "bids", "dashboard"})
CORE = Path(settings.BASE_DIR) / "thrad"
URL_ROOT = CORE / "urls.py"


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_the_core_imports_no_feature_app():
    offending = []
    for module in sorted(CORE.rglob("*.py")):
        if module == URL_ROOT:
            continue
        for lineno, name in _imported_modules(ast.parse(module.read_text(), filename=str(module))):
            if name.split(".")[0] in FEATURE_APPS:
                offending.append(f"{module.relative_to(settings.BASE_DIR)}:{lineno} imports {name}")
    assert offending == []


def test_the_check_sees_imports_inside_functions():
    tree = ast.parse("def f():\n    from bids.index import version_bump\n    import dashboard.views\n")
    assert [name for _, name in _imported_modules(tree)] == ["bids.index", "dashboard.views"]


def test_the_dashboard_is_an_installed_app_of_its_own():
    assert "dashboard" in settings.INSTALLED_APPS
    assert not (CORE / "dashboard").exists()
