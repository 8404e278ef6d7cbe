"""Photos as phones make them: HEIC (iPhone) and WebP, turned as their
EXIF orientation says."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.extract.read import sniff
from pipeline.flow import build_record

from .compare import field_mismatches

SAMPLES = Path(__file__).parent / "data" / "samples"
ORIENTATION = 274  # EXIF tag


def _turned(photo: Image.Image) -> tuple[Image.Image, bytes]:
    """The photo stored turned a quarter left, with the EXIF orientation (6)
    that tells a viewer to turn it back, as a phone held sideways saves it."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    return photo.transpose(Image.Transpose.ROTATE_90), exif.tobytes()


@pytest.mark.ocr
@pytest.mark.slow
def test_a_heic_photo_of_a_contract_page_gives_its_fields(tmp_path: Path, truth: dict) -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    pixels, exif = _turned(Image.open(SAMPLES / "doc_0007.jpg"))
    photo = tmp_path / "IMG_0412.HEIC"
    pixels.save(photo, format="HEIF", exif=exif, quality=85)
    expected = truth["doc_0007.jpg"]
    record = build_record(photo, dt.date.fromisoformat(expected["received_on"])).to_json_dict()
    assert record["kind"] == "contract" and record["ocr"]
    assert not field_mismatches(expected["fields"], record["fields"], expected.get("accept"))


def test_a_webp_photo_is_turned_upright_before_ocr(tmp_path: Path) -> None:
    from pipeline.extract.read.scan_prep import _to_rgb

    photo = Image.open(SAMPLES / "doc_0007.jpg")
    top = photo.crop((0, 0, photo.width, photo.height // 4))  # the title and the first lines: landscape
    pixels, exif = _turned(top)
    target = tmp_path / "微信图片.webp"
    pixels.save(target, format="WEBP", exif=exif, quality=90)
    assert sniff(target) == "image"
    with Image.open(target) as im:
        assert im.size == (top.height, top.width)  # stored sideways
        upright = _to_rgb(im.copy())  # what the image reader hands to OCR
    assert upright.shape[:2] == (top.height, top.width)
    difference = abs(upright.astype(int) - np.asarray(top.convert("RGB"), dtype=int)).mean()
    assert difference < 8  # the same picture, not a mirror or a half turn


def test_a_heic_is_known_by_its_content(tmp_path: Path) -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    target = tmp_path / "photo.jpg"  # a HEIC that a phone's share sheet renamed
    Image.new("RGB", (64, 64), "white").save(target, format="HEIF")
    assert sniff(target) == "image"
