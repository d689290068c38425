"""Tree edit distance (Zhang and Shasha 1989) and TEDS, the table similarity of PubTabNet (IBM, Zhong et al. 2020).

``tree_edit_distance`` is the optimal ordered tree edit distance with caller-given remove, insert and rename costs: what
the ``zss`` package's ``distance`` and the ``apted`` package's ``APTED(...).compute_edit_distance`` compute (both are
exact algorithms for the same distance; neither package is needed). ``teds`` is IBM's ``TEDS.evaluate`` (structure and
content) as benchmarks copy it (CC-OCR's doc_parsing_evaluator.py, evals/scoring/metrics/cc_ocr.py): the first
``<table>`` under ``<body>`` of each side parsed by lxml's HTML parser (comments removed), cells compared by tag, colspan,
rowspan and the normalized Levenshtein distance of their content tokens, 1 - distance / the larger table's node count.
Tested against apted's and zss's outputs through tests/conformance/test_cc_ocr.py.
"""

from __future__ import annotations

from typing import Any, Callable

from evals.scoring.metrics.levenshtein import distance


def tree_edit_distance(a: Any, b: Any, children: Callable[[Any], list[Any]], remove_cost: Callable[[Any], float],
                       insert_cost: Callable[[Any], float], update_cost: Callable[[Any, Any], float]) -> float:
    """The optimal ordered tree edit distance from ``a`` to ``b`` (Zhang and Shasha 1989): nodes of ``a`` removed at
    ``remove_cost``, nodes of ``b`` inserted at ``insert_cost``, a node of ``a`` renamed to one of ``b`` at
    ``update_cost`` (what ``zss.distance`` and ``apted.APTED(...).compute_edit_distance`` compute)."""

    def walk(root: Any) -> tuple[list[Any], list[int]]:
        nodes: list[Any] = []
        leftmost: list[int] = []

        def visit(node: Any) -> int:
            first = -1
            for kid in children(node):
                lm = visit(kid)
                if first < 0:
                    first = lm
            nodes.append(node)
            me = len(nodes) - 1
            leftmost.append(me if first < 0 else first)
            return leftmost[-1]

        visit(root)
        return nodes, leftmost

    na, la = walk(a)
    nb, lb = walk(b)
    keyroots_a = sorted({x: i for i, x in enumerate(la)}.values())  # the highest node of each leftmost leaf
    keyroots_b = sorted({y: j for j, y in enumerate(lb)}.values())
    remove = [float(remove_cost(n)) for n in na]
    insert = [float(insert_cost(n)) for n in nb]
    updates: dict[tuple[int, int], float] = {}
    tree = [[0.0] * len(nb) for _ in na]
    for i in keyroots_a:
        for j in keyroots_b:
            ioff, joff = la[i], lb[j]
            rows, cols = i - ioff + 2, j - joff + 2
            forest = [[0.0] * cols for _ in range(rows)]
            for x in range(1, rows):
                forest[x][0] = forest[x - 1][0] + remove[x - 1 + ioff]
            for y in range(1, cols):
                forest[0][y] = forest[0][y - 1] + insert[y - 1 + joff]
            for x in range(1, rows):
                xi = x - 1 + ioff
                for y in range(1, cols):
                    yj = y - 1 + joff
                    if la[xi] == ioff and lb[yj] == joff:
                        key = (xi, yj)
                        if key not in updates:
                            updates[key] = float(update_cost(na[xi], nb[yj]))
                        forest[x][y] = min(forest[x - 1][y] + remove[xi], forest[x][y - 1] + insert[yj],
                                           forest[x - 1][y - 1] + updates[key])
                        tree[xi][yj] = forest[x][y]
                    else:
                        p, q = la[xi] - ioff, lb[yj] - joff
                        forest[x][y] = min(forest[x - 1][y] + remove[xi], forest[x][y - 1] + insert[yj],
                                           forest[p][q] + tree[xi][yj])
    return tree[-1][-1]


def _cell_tokens(node: Any) -> list[str]:
    """TEDS's tokens of a cell's content: its text's characters, nested tags and their tails (the cell's own tags
    dropped)."""
    tokens: list[str] = []

    def visit(n: Any) -> None:
        tokens.append(f"<{n.tag}>")
        if n.text is not None:
            tokens.extend(n.text)
        for kid in n:
            visit(kid)
        if n.tag != "unk":
            tokens.append(f"</{n.tag}>")
        if n.tag != "td" and n.tail is not None:
            tokens.extend(n.tail)

    visit(node)
    return tokens[1:-1]


class _Cell:
    __slots__ = ("tag", "colspan", "rowspan", "content", "kids")

    def __init__(self, element: Any) -> None:
        self.tag = element.tag
        if self.tag == "td":
            self.colspan = int(element.attrib.get("colspan", "1"))
            self.rowspan = int(element.attrib.get("rowspan", "1"))
            self.content = _cell_tokens(element)
            self.kids: list[_Cell] = []
        else:
            self.colspan = self.rowspan = None
            self.content = None
            self.kids = [_Cell(kid) for kid in element]


def _teds_rename(a: _Cell, b: _Cell) -> float:
    if a.tag != b.tag or a.colspan != b.colspan or a.rowspan != b.rowspan:
        return 1.0
    if a.tag == "td" and (a.content or b.content):
        return distance(a.content, b.content) / max(len(a.content), len(b.content))
    return 0.0


def teds(pred_html: str, true_html: str) -> float:
    """TEDS (IBM's, as the official ``TEDS.evaluate``, full content): 1 - tree edit distance / the larger table's
    number of nodes; 0 when either side has no table."""
    from lxml import html

    parser = html.HTMLParser(remove_comments=True, encoding="utf-8")
    pred, true = html.fromstring(pred_html, parser=parser), html.fromstring(true_html, parser=parser)
    if not (pred.xpath("body/table") and true.xpath("body/table")):
        return 0.0
    pred, true = pred.xpath("body/table")[0], true.xpath("body/table")[0]
    n_nodes = max(len(pred.xpath(".//*")), len(true.xpath(".//*")))
    if n_nodes == 0:
        raise ValueError("both tables are empty (the official code divides by zero)")
    one = lambda node: 1.0  # noqa: E731
    d = tree_edit_distance(_Cell(pred), _Cell(true), lambda c: c.kids, one, one, _teds_rename)
    return 1.0 - d / n_nodes
