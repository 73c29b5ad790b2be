"""How the raw vocabulary describes a table: its columns (name, stored type, nullability, sign,
description), key and foreign keys, and the column builders the table definitions share."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type of the stored column
    nullable: bool = True
    non_negative: bool = False
    description: str = ""


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)
    # Only a simulator knows these (true parameters, assignment, prices): a run of real data
    # leaves them out and has no rows in them.
    simulation_only: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def id_column(name: str, description: str, nullable: bool = False) -> Column:
    return Column(name, "BIGINT", nullable=nullable, description=description)


def money_column(name: str, description: str) -> Column:
    return Column(name, "DECIMAL(18,2)", nullable=False, non_negative=True, description=description)


def text_column(name: str, description: str) -> Column:
    return Column(name, "VARCHAR", description=description)


def week_column(description: str) -> Column:
    return Column("week", "INTEGER", nullable=False, non_negative=True, description=description)


def double_column(name: str, description: str) -> Column:
    return Column(name, "DOUBLE", nullable=False, description=description)


def mailer_location_column() -> Column:
    return Column(
        "mailer_location",
        "VARCHAR",
        nullable=False,
        description="Weekly mailer code (Complete Journey's codes): 0 not in the mailer, "
        "A interior page feature, C interior page line item, D front page feature, F back page "
        "feature, H wrap front feature, J wrap interior coupon, L wrap back feature, P interior "
        "page coupon, X free on interior page, Z free on front, back or wrap page.",
    )
