"""SQL lives in the bot's store layer only: handlers, routing stages, the router, the sender and the
digest flusher call named methods (``Store``, ``Outbox``, ``RoutingStore``), never ``.execute``.

Why: a table's shape then changes in one place, a reader of the router sees decisions rather than
SQL, and a test fake of the store sees every access. The source is read (AST), so a call hidden in
a branch no test runs is found too.
"""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
STORE_LAYER = {"db.py", "store.py", "outbox.py", "routing_store.py"}
SQL_CALLS = {"execute", "executemany", "executescript"}


def sql_calls(source: str, filename: str) -> list[int]:
    """Line numbers of ``<anything>.execute(...)``-like calls in ``source``."""
    return [node.lineno for node in ast.walk(ast.parse(source, filename))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS]


def test_no_sql_outside_the_store_layer():
    modules = sorted(BOT.rglob("*.py"))
    assert len(modules) > 20, f"bot/ not found at {BOT}"
    found = [f"{path.relative_to(BOT.parent)}:{line}" for path in modules
             if path.relative_to(BOT).as_posix() not in STORE_LAYER
             for line in sql_calls(path.read_text(encoding="utf-8"), str(path))]
    assert not found, "SQL outside bot/{db,store,outbox,routing_store}.py (add a named store method): " + ", ".join(found)


def test_the_check_sees_a_call_through_any_name():
    # what the test above relies on: an alias of the connection does not hide the call
    assert sql_calls("c = self.store.conn\nrow = c.execute('SELECT 1').fetchone()\n", "x.py") == [2]
    assert sql_calls("conn.executemany('DELETE FROM t WHERE a = ?', rows)\n", "x.py") == [1]
    assert sql_calls("self.store.story_muted(1, 's')\n", "x.py") == []
