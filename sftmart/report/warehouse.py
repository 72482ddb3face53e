"""A read-only connection to the warehouse plus its catalog, so the report can ask what exists."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# What a section raises when a table or column it reads is missing (a partial build).
MissingRelation = (duckdb.CatalogException, duckdb.BinderException)


@dataclass
class Warehouse:
    con: duckdb.DuckDBPyConnection
    columns: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @classmethod
    def open(cls, db_path: Path) -> Warehouse:
        con = duckdb.connect(str(db_path), read_only=True)
        wh = cls(con)
        for schema, table, column in con.sql("""
                select table_schema, table_name, column_name from information_schema.columns
                where table_catalog = current_database()
                order by table_schema, table_name, ordinal_position""").fetchall():
            wh.columns.setdefault((schema, table), []).append(column)
        return wh

    def close(self) -> None:
        self.con.close()

    def has(self, qualified: str) -> bool:
        schema, table = qualified.split(".", 1)
        return (schema, table) in self.columns

    def cols(self, qualified: str) -> list[str]:
        schema, table = qualified.split(".", 1)
        return self.columns.get((schema, table), [])

    def require(self, qualified: str) -> list[str]:
        """The table's columns; a CatalogException (caught per section) when it does not exist."""
        if not self.has(qualified):
            raise duckdb.CatalogException(f"Table {qualified} does not exist")
        return self.cols(qualified)

    def find(self, table_name: str, preferred_schema: str) -> str | None:
        """`schema.table` of a table by name, in `preferred_schema` when it is there."""
        if (preferred_schema, table_name) in self.columns:
            return f"{preferred_schema}.{table_name}"
        for schema, table in self.columns:
            if table == table_name:
                return f"{schema}.{table}"
        return None

    def find_with_columns(self, needed: set[str], preferred: list[str]) -> str | None:
        """The first of `preferred`, else any table, that has all the `needed` columns."""
        for name in preferred:
            if self.has(name) and needed <= set(self.cols(name)):
                return name
        for (schema, table), cols in self.columns.items():
            if needed <= set(cols):
                return f"{schema}.{table}"
        return None

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def one(self, sql: str, params: list | None = None) -> tuple:
        return self.con.execute(sql, params or []).fetchone()
