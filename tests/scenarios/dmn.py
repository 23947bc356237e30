"""Read the rules of a DMN decision table, so scenario tests parametrise over every rule."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
DMN = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}


@dataclass(frozen=True)
class Rule:
    number: int
    id: str
    description: str
    inputs: tuple[str, ...]
    outputs: dict  # output name -> value (the literal in the table)

    def __str__(self) -> str:
        return f"r{self.number}"


def rules(file_name: str) -> list[Rule]:
    tree = etree.parse(str(PROCESSES / file_name))
    table = tree.find(".//dmn:decisionTable", DMN)
    names = [o.get("name") for o in table.iterfind("dmn:output", DMN)]
    found = []
    for number, rule in enumerate(table.iterfind("dmn:rule", DMN), 1):
        inputs = tuple(
            (e.findtext("dmn:text", "", DMN) or "").strip() for e in rule.iterfind("dmn:inputEntry", DMN)
        )
        outputs = {
            name: ast.literal_eval(e.findtext("dmn:text", "", DMN).strip())
            for name, e in zip(names, rule.iterfind("dmn:outputEntry", DMN), strict=True)
        }
        found.append(Rule(number, rule.get("id"), rule.findtext("dmn:description", "", DMN), inputs, outputs))
    return found
