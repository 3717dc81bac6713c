"""Documents of the test website, generated at test time: a PDF with a ruled table of prices,
a scanned PDF (text drawn as a picture, no text layer) and decompression bombs."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

TARIFF_HEADER = ("Équipement", "Prestation", "Tarif résident", "Tarif non-résident")
EQUIPMENTS = ("Piscine", "Patinoire", "Médiathèque", "Conservatoire", "Gymnase", "Musée")
SCAN_LINES = ("ARRETE MUNICIPAL N 2024-117", "Le stationnement est interdit",
              "rue des Lilas du 3 au 7 juin 2024", "pour travaux de voirie.")  # fmt: skip
SERVICES = ("Entrée unitaire", "Carte 10 entrées", "Abonnement annuel", "Atelier enfant",
            "Stage vacances")  # fmt: skip


def tariff_rows() -> list[tuple[str, str, str, str]]:
    """30 rows of prices, each one different (row i: i + 2 euros, 1.5 times that elsewhere)."""
    rows = []
    for i, (equipment, service) in enumerate((e, s) for e in EQUIPMENTS for s in SERVICES):
        price = i + 2
        rows.append((equipment, service, f"{price},20 €", f"{price * 1.5:.2f} €".replace(".", ",")))
    return rows


def tariff_pdf() -> bytes:
    """A PDF whose first page holds a ruled table of 30 prices."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    out = io.BytesIO()
    styles = getSampleStyleSheet()
    table = Table([TARIFF_HEADER, *tariff_rows()])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"),
                               ("FONTSIZE", (0, 0), (-1, -1), 8)]))  # fmt: skip
    SimpleDocTemplate(out, pagesize=A4, title="Tarifs des équipements 2024").build([
        Paragraph("Tarifs des équipements intercommunaux 2024", styles["Title"]),
        Paragraph("Les tarifs ci-dessous s'appliquent du 1er janvier au 31 décembre 2024.",
                  styles["Normal"]),
        table,
    ])  # fmt: skip
    return out.getvalue()


def scanned_pdf() -> bytes:
    """Two pages with no text layer: a picture of a decree, then a blank picture."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("DejaVuSans.ttf", 44) if _has_dejavu() else None
    sheet = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(sheet)
    for number, line in enumerate(SCAN_LINES):
        draw.text((100, 150 + 90 * number), line, fill="black",
                  font=font or ImageFont.load_default(size=44))  # fmt: skip
    out = io.BytesIO()
    blank = Image.new("RGB", (1240, 1754), "white")
    sheet.save(out, "PDF", resolution=150, save_all=True, append_images=[blank])
    return out.getvalue()


def _has_dejavu() -> bool:
    return Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file()


def zeros_deflated(megabytes: int, wbits: int = zlib.MAX_WBITS) -> bytes:
    """`megabytes` MB of zeros, compressed (about a thousand times smaller)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


def flate_bomb_pdf(megabytes: int) -> bytes:
    """A small PDF whose one content stream inflates to `megabytes` MB."""
    stream = zeros_deflated(megabytes)
    head = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids"
            b"[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/Contents 4 0 R>>endobj\n")  # fmt: skip
    length = f"4 0 obj<</Length {len(stream)}/Filter/FlateDecode>>stream\n".encode()
    return head + length + stream + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def zip_bomb(megabytes: int) -> bytes:
    """A ZIP archive holding `megabytes` MB of zeros (served as a PDF)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("rapport.pdf", "w", force_zip64=True) as member,
    ):
        for _ in range(megabytes):
            member.write(bytes(1 << 20))
    return out.getvalue()
