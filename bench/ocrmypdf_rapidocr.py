"""An OCRmyPDF 17 OCR-engine plugin that reads pages with the pipeline's own
rapidocr path (`ocr.ocr_image`: seal suppression, deskew, layout), used by
bench/bench_searchable.py to compare OCRmyPDF's renderer with ours on the
same OCR. Selected with `ocr_engine="rapidocr"`; bench only (OCRmyPDF is
not a dependency of the pipeline)."""

from __future__ import annotations

from pathlib import Path

from ocrmypdf import hookimpl
from ocrmypdf.models.ocr_element import BoundingBox, OcrClass, OcrElement
from ocrmypdf.pluginspec import OcrEngine, OrientationConfidence
from PIL import Image

from pipeline.extract.read import ocr
from pipeline.models import Limits


class RapidOcrEngine(OcrEngine):
    @staticmethod
    def version() -> str:
        return "rapidocr (pipeline)"

    @staticmethod
    def creator_tag(options) -> str:
        return "pipeline rapidocr"

    def __str__(self) -> str:
        return "pipeline rapidocr"

    @staticmethod
    def languages(options) -> set[str]:
        return {"chi_sim", "eng"}

    @staticmethod
    def get_orientation(input_file: Path, options) -> OrientationConfidence:
        return OrientationConfidence(angle=0, confidence=0.0)

    @staticmethod
    def get_deskew(input_file: Path, options) -> float:
        return 0.0

    @staticmethod
    def supports_generate_ocr() -> bool:
        return True

    @staticmethod
    def generate_ocr(input_file: Path, options, page_number: int = 0) -> tuple[OcrElement, str]:
        with Image.open(input_file) as img:
            img.load()
            width, height = img.size
            dpi = img.info.get("dpi", (72, 72))[0]
            page = ocr.ocr_image(img, Limits())
        lines = []
        for word in page.words:
            xs, ys = [v * width for v in word.quad[0::2]], [v * height for v in word.quad[1::2]]
            box = BoundingBox(left=min(xs), top=min(ys), right=max(xs), bottom=max(ys))
            lines.append(OcrElement(ocr_class=OcrClass.LINE, bbox=box, children=[
                OcrElement(ocr_class=OcrClass.WORD, bbox=box, text=word.text, language="chi_sim")]))
        root = OcrElement(ocr_class=OcrClass.PAGE, bbox=BoundingBox(left=0, top=0, right=width, bottom=height),
                          dpi=float(dpi), page_number=page_number, children=lines)
        return root, "\n".join(w.text for w in page.words)

    @staticmethod
    def generate_hocr(input_file, output_hocr, output_text, options) -> None:
        raise NotImplementedError("use the fpdf2 renderer")

    @staticmethod
    def generate_pdf(input_file, output_pdf, output_text, options) -> None:
        raise NotImplementedError("use the fpdf2 renderer")


@hookimpl
def get_ocr_engine(options):
    if options is not None and getattr(options, "ocr_engine", "auto") != "rapidocr":
        return None
    return RapidOcrEngine()
