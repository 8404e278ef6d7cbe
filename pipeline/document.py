"""The neutral `Document` every reader returns, whatever the file type:
pages of blocks, each a line or a table (a table nested in a cell stays in
its cell). Field extraction reads nothing else."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Box = tuple[float, float, float, float]


class Line(BaseModel):
    """One line of text in reading order.

    `cells` holds the line split where the layout has a wide gap (a PDF line that
    spans two columns, a table row flattened to a line); `text` is the cells
    joined by a single space. `conf` is the OCR confidence (0..1), None for a
    text layer.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    cells: list[str] = Field(default_factory=list)
    conf: Optional[float] = None
    # each cell's box on the page in points from its top left, where the reader knows it
    boxes: Optional[list[Optional[Box]]] = None


class Table(BaseModel):
    """A grid of cells. A cell covered by a merge holds None; its text sits in
    the merge's top-left cell. Each cell's text keeps its inner line breaks.
    A table nested in a cell stays in that cell (`nested`); `flat_rows` is
    the one flattener every extractor reads: a nested table's rows become
    lines of its host cell's text. `boxes`, where the reader knows them, are
    each cell's box on the page in points from its top left (x0, top, x1,
    bottom), None for a covered cell; `confs` each cell's OCR confidence
    (a scan), and `row_conf(r)` a row's (its lowest)."""

    model_config = ConfigDict(frozen=True)

    rows: list[list[Optional[str]]]
    conf: Optional[float] = None
    nested: list["Nested"] = Field(default_factory=list)
    boxes: Optional[list[list[Optional[Box]]]] = None
    confs: Optional[list[list[Optional[float]]]] = None

    def row_conf(self, r: int) -> Optional[float]:
        """The lowest confidence of row r's cells (the table's without per-cell figures)."""
        if self.confs is None or r >= len(self.confs):
            return self.conf
        known = [c for c in self.confs[r] if c is not None]
        return min(known) if known else self.conf

    def flat_rows(self) -> list[list[Optional[str]]]:
        if not self.nested:
            return self.rows
        out = [list(row) for row in self.rows]
        for inner in self.nested:
            if inner.row < len(out) and inner.col < len(out[inner.row]):
                lines = [" ".join(c for c in row if c) for row in inner.table.flat_rows()]
                host = out[inner.row][inner.col] or ""
                out[inner.row][inner.col] = "\n".join(t for t in [host, *lines] if t.strip())
        return out


class Nested(BaseModel):
    """A table that sits inside cell (row, col) of another table."""

    model_config = ConfigDict(frozen=True)

    row: int
    col: int
    table: Table


Table.model_rebuild()


class Block(BaseModel):
    """One block of a page in reading order: a line or a table."""

    model_config = ConfigDict(frozen=True)

    line: Optional[Line] = None
    table: Optional[Table] = None


class Word(BaseModel):
    """One box of text OCR read, where it stands on the original page image:
    `quad` is its corners (top-left, top-right, bottom-right, bottom-left) as
    fractions (x, y) of the upright page's width and height, from the top
    left. The searchable PDF's invisible text layer is made of them."""

    model_config = ConfigDict(frozen=True)

    text: str
    quad: tuple[float, float, float, float, float, float, float, float]


class Mark(BaseModel):
    """A checkbox found in a page image (a scan or photo): its box on the
    page in points from its top left, whether it is ticked, empty or
    unsure, how sure (0..1), and the text read right beside it (its label)."""

    model_config = ConfigDict(frozen=True)

    bbox: Box
    state: Literal["ticked", "empty", "unsure"]
    conf: float
    text: str = ""


class Page(BaseModel):
    model_config = ConfigDict(frozen=True)

    blocks: list[Block] = Field(default_factory=list)
    ocr: bool = False
    words: list[Word] = Field(default_factory=list)   # OCR pages: the boxes read, for the text layer
    marks: list[Mark] = Field(default_factory=list)  # checkboxes read from the image (OCR pages)


class LayerPage(BaseModel):
    """The OCR words of one page of the original file (0-based index)."""

    model_config = ConfigDict(frozen=True)

    index: int
    words: list[Word]


class Signature(BaseModel):
    """An electronic signature or seal found in a file (noted, not verified)."""

    kind: Literal["signature", "seal"] = "signature"
    signer: Optional[str] = None


class Document(BaseModel):
    """What every reader returns, whatever the file type."""

    model_config = ConfigDict(frozen=True)

    pages: list[Page] = Field(default_factory=list)
    reader: str = ""
    signatures: list[Signature] = Field(default_factory=list)  # OFD signatures and e-seals, noted as found

    @property
    def ocr(self) -> bool:
        return any(p.ocr for p in self.pages)

    def lines(self) -> list[Line]:
        """Every line, tables flattened row by row (covered cells skipped)."""
        out: list[Line] = []
        for page in self.pages:
            for block in page.blocks:
                if block.line is not None:
                    out.append(block.line)
                elif block.table is not None:
                    out.extend(table_lines(block.table))
        return out

    def tables(self) -> list[Table]:
        return [b.table for p in self.pages for b in p.blocks if b.table is not None]

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines())

    def text_layer(self) -> list[LayerPage]:
        """The OCR words of each page that was read by OCR."""
        return [LayerPage(index=i, words=p.words) for i, p in enumerate(self.pages) if p.ocr and p.words]


def table_lines(table: Table) -> list[Line]:
    out = []
    for r, row in enumerate(table.flat_rows()):
        cells = [c for c in row if c is not None and c.strip()]
        if cells:
            out.append(Line(text=" ".join(cells), cells=cells, conf=table.row_conf(r)))
    return out


