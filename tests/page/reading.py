"""Read a rendered page the way a person does: sections, headings, lists and their text.

A small tree built with the standard library's HTML parser, so tests assert on what a reader
sees ("under Police, the answer X") rather than on markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"meta", "link", "br", "hr", "img", "input", "source", "wbr", "area", "base", "col", "embed", "track"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text for child in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def elements(self) -> list[Node]:
        return [child for child in self.children if isinstance(child, Node)]

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.elements:
            yield from child.walk()

    def all(self, tag: str, css_class: str | None = None) -> list[Node]:
        return [node for node in self.walk() if node.tag == tag and (css_class is None or css_class in node.classes)]

    def one(self, tag: str, css_class: str | None = None) -> Node:
        found = self.all(tag, css_class)
        assert len(found) == 1, f"expected one <{tag} class={css_class}>, found {len(found)}"
        return found[0]

    def by_id(self, node_id: str) -> Node:
        found = [node for node in self.walk() if node.attrs.get("id") == node_id]
        assert len(found) == 1, f"expected one element with id {node_id!r}, found {len(found)}"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def read(document: str) -> Node:
    """The tree of ``document``; every element must be closed in order (the page is well formed)."""
    builder = _Builder()
    builder.feed(document)
    builder.close()
    assert builder.stack == [builder.root], f"unclosed: {[node.tag for node in builder.stack[1:]]}"
    return builder.root


def answers(page: Node) -> dict[str, dict[str, list[str]]]:
    """Question heading -> group heading (discipline, or a name) -> the answers shown under it."""
    found: dict[str, dict[str, list[str]]] = {}
    question = ""
    for node in page.by_id("answers").elements:
        if node.tag == "h3":
            question = node.text
            found[question] = {}
        elif "group" in node.classes:
            heading = node.one("h4")
            label = "".join(child for child in heading.children if isinstance(child, str)).strip()
            found[question][label] = [item.text for item in node.all("li")]
    return found
