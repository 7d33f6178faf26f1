"""game/ stays pure: no app, web framework, asyncio, database, network, clock or global random."""

import ast
import subprocess
import sys
from pathlib import Path

GAME = Path(__file__).resolve().parents[2] / "game"
FORBIDDEN = {
    "app",
    "cards",
    "fastapi",
    "starlette",
    "uvicorn",
    "websockets",
    "asyncio",
    "sqlite3",
    "aiosqlite",
    "sqlalchemy",
    "psycopg",
    "asyncpg",
    "redis",
    "httpx",
    "socket",
    "time",
    "datetime",
    "os",
    "io",
    "threading",
    "subprocess",
    "secrets",
    "uuid",
    "pathlib",
}


def _imports(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_game_modules_import_nothing_impure() -> None:
    files = sorted(GAME.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        tree = ast.parse(path.read_text(), str(path))
        bad = _imports(tree) & FORBIDDEN
        assert not bad, f"{path.name} imports {bad}"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "random":
                assert {a.name for a in node.names} == {"Random"}, path.name
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                assert node.value.id != "random", f"{path.name} uses the global random.{node.attr}"


def test_importing_game_loads_no_server_or_database_module() -> None:
    code = (
        "import sys, game; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'asyncio','fastapi','starlette','uvicorn','websockets','sqlite3','app','cards','redis'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=GAME.parent
    )
    assert out.stdout.strip() == "[]"
