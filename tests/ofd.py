"""OFD files written from the samples' PDFs, as an office suite exports
them: each word a TextObject (boundary, baseline, advances), each table rule
a PathObject, on the page's own geometry; a scanned page as one
ImageObject; optionally an e-seal whose signed value holds a certificate."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Optional
from xml.sax.saxutils import escape, quoteattr

import pdfplumber

NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
MM = 25.4 / 72  # millimetres per point


def _n(v: float) -> str:
    return f"{v * MM:.3f}"


def _text_objects(page, ids) -> list[str]:
    out = []
    for word in page.extract_words(x_tolerance=1.5, y_tolerance=3, return_chars=True):
        chars = word["chars"]
        size = chars[0]["size"]
        x0, top = word["x0"], min(c["top"] for c in chars)
        w, h = word["x1"] - x0, max(c["bottom"] for c in chars) - top
        delta = " ".join(_n(b["x0"] - a["x0"]) for a, b in zip(chars, chars[1:]))
        base = chars[0]["bottom"] - top - 0.12 * size
        out.append(f'<ofd:TextObject ID="{next(ids)}" Boundary="{_n(x0)} {_n(top)} {_n(w)} {_n(h)}" Font="1" Size="{_n(size)}">'
                   f'<ofd:TextCode X="0" Y="{_n(base)}"' + (f' DeltaX="{delta}"' if delta else "") +
                   f">{escape(word['text'])}</ofd:TextCode></ofd:TextObject>")
    return out


def _path_objects(page, ids) -> list[str]:
    out = []
    for e in page.edges:
        x0, top = e["x0"], e["top"]
        w, h = e["x1"] - x0, e["bottom"] - top
        out.append(f'<ofd:PathObject ID="{next(ids)}" Boundary="{_n(x0)} {_n(top)} {_n(max(w, 0.3))} {_n(max(h, 0.3))}" '
                   f'LineWidth="0.25"><ofd:AbbreviatedData>M 0 0 L {_n(w)} {_n(h)}</ofd:AbbreviatedData></ofd:PathObject>')
    return out


def _content(objects: list[str], ids) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {NS}><ofd:Content><ofd:Layer ID="{next(ids)}">'
            + "".join(objects) + "</ofd:Layer></ofd:Content></ofd:Page>")


def ofd_from_pdf(pdf: Path, target: Path, scanned: bool = False, signer: Optional[str] = None,
                 doctype: str = "") -> Path:
    """An OFD of the PDF's pages: text and rules, or (`scanned`) each page
    as a PNG; `signer` adds an e-seal; `doctype` goes before OFD.xml's root
    (a hostile file declares entities there)."""
    ids = iter(range(10, 1_000_000))
    parts: dict[str, bytes] = {}
    media: list[str] = []
    with pdfplumber.open(pdf) as doc:
        first = doc.pages[0]
        box = f"0 0 {_n(first.width)} {_n(first.height)}"
        for n, page in enumerate(doc.pages):
            if scanned:
                image_id = next(ids)
                buf = io.BytesIO()
                page.to_image(resolution=150).original.convert("L").save(buf, "PNG")
                parts[f"Doc_0/Res/page_{n}.png"] = buf.getvalue()
                media.append(f'<ofd:MultiMedia ID="{image_id}" Type="Image"><ofd:MediaFile>page_{n}.png</ofd:MediaFile>'
                             "</ofd:MultiMedia>")
                objects = [f'<ofd:ImageObject ID="{next(ids)}" ResourceID="{image_id}" Boundary="{box}" '
                           f'CTM="{_n(page.width)} 0 0 {_n(page.height)} 0 0"/>']
            else:
                objects = _text_objects(page, ids) + _path_objects(page, ids)
            parts[f"Doc_0/Pages/Page_{n}/Content.xml"] = _content(objects, ids).encode("utf-8")
        count = len(doc.pages)
    pages = "".join(f'<ofd:Page ID="{n + 1}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(count))
    parts["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {NS}><ofd:CommonData><ofd:MaxUnitID>{next(ids)}</ofd:MaxUnitID>'
        f"<ofd:PageArea><ofd:PhysicalBox>{box}</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData>"
        f"<ofd:Pages>{pages}</ofd:Pages></ofd:Document>").encode("utf-8")
    parts["Doc_0/PublicRes.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {NS} BaseLoc="Res"><ofd:Fonts>'
                                    '<ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>').encode("utf-8")
    parts["Doc_0/DocumentRes.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {NS} BaseLoc="Res"><ofd:MultiMedias>'
                                      + "".join(media) + "</ofd:MultiMedias></ofd:Res>").encode("utf-8")
    signatures = ""
    if signer is not None:
        parts.update(_seal(signer))
        signatures = "<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>"
    parts["OFD.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<ofd:OFD {NS} Version="1.0" DocType="OFD">'
                        f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>{pdf.stem}</ofd:DocID></ofd:DocInfo>"
                        f"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>{signatures}</ofd:DocBody></ofd:OFD>").encode("utf-8")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ["OFD.xml", *sorted(p for p in parts if p != "OFD.xml")]:
            zf.writestr(name, parts[name])
    return target


def _seal(signer: str) -> dict[str, bytes]:
    """An e-seal whose signed value wraps a self-signed certificate naming `signer`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, signer)])
    now = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650)).sign(key, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)
    value = b"\x30\x80SES" + der + b"\x00\x00"
    return {
        "Doc_0/Signs/Signatures.xml": (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures {NS}>'
                                       '<ofd:Signature ID="1" Type="Seal" BaseLoc="Sign_0/Signature.xml"/></ofd:Signatures>').encode(),
        "Doc_0/Signs/Sign_0/Signature.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Signature {NS}><ofd:SignedInfo>'
            f'<ofd:Provider ProviderName={quoteattr("测试签章")}/><ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>'
            '<ofd:StampAnnot ID="1" PageRef="1" Boundary="120 230 40 40"/></ofd:SignedInfo>'
            "<ofd:SignedValue>SignedValue.dat</ofd:SignedValue></ofd:Signature>").encode("utf-8"),
        "Doc_0/Signs/Sign_0/SignedValue.dat": value,
    }


def garble(ofd: Path, target: Path, contains: str, font_file: str, embed: bool = True) -> Path:
    """The OFD with every text object that holds `contains` written as a
    producer that draws through glyphs writes it: private-use text codes, a
    CGTransform to the glyphs of an embedded font subset (`embed=False`
    leaves the font out: only the codes remain)."""
    import re

    from fontTools import subset
    from fontTools.ttLib import TTFont

    with zipfile.ZipFile(ofd) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    pattern = re.compile(r'<ofd:TextObject ([^>]*)Font="1"([^>]*)>(<ofd:TextCode [^>]*>)([^<]*' + re.escape(contains) + r"[^<]*)</")
    pages = [n for n in parts if n.endswith("Content.xml")]
    texts = "".join(m.group(4) for n in pages for m in pattern.finditer(parts[n].decode("utf-8")))
    assert texts, contains
    font = TTFont(font_file, fontNumber=0)
    subsetter = subset.Subsetter(subset.Options())
    subsetter.populate(text=texts)
    subsetter.subset(font)
    cmap = font.getBestCmap()

    def drawn(match: re.Match) -> str:
        text = match.group(4)
        glyphs = " ".join(str(font.getGlyphID(cmap[ord(ch)])) for ch in text)
        codes = "".join(chr(0xE000 + i) for i in range(len(text)))
        return (f'<ofd:TextObject {match.group(1)}Font="2"{match.group(2)}><ofd:CGTransform CodePosition="0" '
                f'CodeCount="{len(text)}" GlyphCount="{len(text)}"><ofd:Glyphs>{glyphs}</ofd:Glyphs></ofd:CGTransform>'
                f"{match.group(3)}{codes}</")

    for n in pages:
        parts[n] = pattern.sub(drawn, parts[n].decode("utf-8")).encode("utf-8")
    buf = io.BytesIO()
    font.save(buf)
    parts["Doc_0/PublicRes.xml"] = parts["Doc_0/PublicRes.xml"].replace(
        b"</ofd:Fonts>", '<ofd:Font ID="2" FontName="思源黑体"><ofd:FontFile>font_2.otf</ofd:FontFile></ofd:Font></ofd:Fonts>'.encode())
    if embed:
        parts["Doc_0/Res/font_2.otf"] = buf.getvalue()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    return target
