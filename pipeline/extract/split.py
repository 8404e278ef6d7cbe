"""One file, several filings: where each begins in a PDF's pages.

A scanner at an agency's front desk makes one PDF of a whole packet (a
contract, then its 承诺书, then its 报告函). Each page is classified on its
own; a page that opens with the title of a kind (and reads as that kind)
begins a filing, unless the filing before is of the same kind (a contract's
pages may repeat its title). Every other page continues the filing before
it, so a multi-page contract stays one filing.
"""

from __future__ import annotations

from ..models import Document
from .classify import titled_kind


def filings(doc: Document, every_title: bool = False) -> list[tuple[int, int]]:
    """(first, last) pages (1-based) of each filing; one run for a document
    of one filing. With `every_title` (photos sent together) a titled page
    begins a filing even after one of the same kind."""
    if len(doc.pages) < 2:
        return [(1, len(doc.pages))] if doc.pages else []
    starts: list[tuple[int, str]] = []
    for number, page in enumerate(doc.pages, 1):
        kind = titled_kind(Document(pages=[page], reader=doc.reader))
        if kind is not None and (not starts or every_title or starts[-1][1] != kind):
            starts.append((number, kind))
    if every_title:  # untitled photos before the first title are a filing of their own
        firsts = sorted({1} | {number for number, _ in starts})
    elif len(starts) < 2:
        return [(1, len(doc.pages))]
    else:  # pages before the first title (a cover) belong to the first filing
        firsts = [1] + [number for number, _ in starts[1:]]
    return [(first, nxt - 1) for first, nxt in zip(firsts, firsts[1:] + [len(doc.pages) + 1])]
