"""Word documents made lean for LibreOffice: what every document the
pipeline writes (receipts, and the form templates `forms/make_templates.py`
builds) leaves out of python-docx's default template."""

from __future__ import annotations


def drop_unused_table_styles(doc) -> None:
    """python-docx's default template defines 100 table styles; LibreOffice
    reads every style of every document it converts (a receipt without them
    converted in ~0.06 s instead of ~0.1 s). Kept: the default table style and
    those the document's tables use, with what they are based on."""
    from docx.oxml.ns import qn

    styles = doc.styles.element
    by_id = {st.get(qn("w:styleId")): st for st in styles.findall(qn("w:style"))}
    todo = [el.get(qn("w:val")) for el in doc.element.body.iter(qn("w:tblStyle"))]
    keep = {i for i, st in by_id.items() if st.get(qn("w:default")) in ("1", "true")}
    while todo:
        style_id = todo.pop()
        if style_id in by_id and style_id not in keep:
            keep.add(style_id)
            based = by_id[style_id].find(qn("w:basedOn"))
            todo += [based.get(qn("w:val"))] if based is not None else []
    for style_id, st in by_id.items():
        if st.get(qn("w:type")) == "table" and style_id not in keep:
            styles.remove(st)
