"""The JUnit XML schema CI servers read (tests/schemas/junit.xsd), and a check against it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import xmlschema

SCHEMA = Path(__file__).resolve().parent / "schemas" / "junit.xsd"


@cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMA)


def validated(path: Path) -> ET.Element:
    """The document's root once it is valid; the schema's own error when it is not."""
    schema().validate(str(path))
    return ET.parse(path).getroot()


def cases(root: ET.Element) -> dict[str, ET.Element]:
    """Test cases by name."""
    return {case.get("name", ""): case for case in root.iter("testcase")}


def outcome(case: ET.Element) -> tuple[str, str]:
    """("failure" | "error" | "skipped" | "passed", its message)."""
    for tag in ("failure", "error", "skipped"):
        child = case.find(tag)
        if child is not None:
            return tag, child.get("message", "")
    return "passed", ""
