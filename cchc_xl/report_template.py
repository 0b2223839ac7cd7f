"""Builds the Word template of the province's report draft: ``cchc_xl/templates/bao_cao_tong_hop.docx``.

Run ``python -m cchc_xl.report_template`` after changing the wording here; the .docx is
committed and shipped as package data. A province edits its own copy in Word (wording, heading,
recipients) and puts it in ``CCHC_XL_TEMPLATE_DIR``: the fields between ``{{ }}`` and the
``{%p … %}`` lines are filled by ``report_draft`` (docxtpl, jinja2 syntax; fields listed in
``report_draft.FIELDS``).

The heading block follows Nghị định 30/2020/NĐ-CP: the issuing body and the national motto side by
side, the document number and place/date, the title "BÁO CÁO" and its summary line, the body,
then recipients ("Nơi nhận") and the signature block.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from .sheets.docx import BODY_PT, add_text, new_document, page_numbers, set_page

TEMPLATE_NAME = "bao_cao_tong_hop.docx"
TEMPLATE_PATH = Path(__file__).resolve().parent / "templates" / TEMPLATE_NAME

BODY = [
    # (style, text): "h" a bold heading line, "p" a body paragraph (first line indented),
    # "loop"/"end" docxtpl paragraph tags, "item" a paragraph inside a loop
    ("h", "I. TÌNH HÌNH GỬI BÁO CÁO"),
    ("p", "Thực hiện chế độ báo cáo công tác cải cách hành chính (CCHC) {{ ky_bao_cao }}, đến ngày "
          "{{ ngay_tong_hop }}, Sở Nội vụ đã nhận được báo cáo của các cơ quan, đơn vị. "
          "Có {{ so_da_gui }}/{{ so_phai_gui }} cơ quan, đơn vị đã gửi báo cáo{% if so_tep_bi_loai %}; "
          "{{ so_tep_bi_loai }} tệp bị trả lại để hoàn thiện{% endif %}."),
    ("loop", "{%p if chua_gui %}"),
    ("p", "Các cơ quan, đơn vị chưa gửi báo cáo ({{ chua_gui | length }}):"),
    ("loop", "{%p for cq in chua_gui %}"),
    ("item", "- {{ cq.ten }}{% if cq.lien_he %} (liên hệ: {{ cq.lien_he }}){% endif %}{{ '.' if loop.last else ';' }}"),
    ("end", "{%p endfor %}"),
    ("end", "{%p endif %}"),
    ("loop", "{%p if bi_loai %}"),
    ("p", "Các báo cáo bị trả lại để hoàn thiện:"),
    ("loop", "{%p for t in bi_loai %}"),
    ("item", "- {{ t.co_quan }}: {{ t.ly_do }}{{ '.' if loop.last else ';' }}"),
    ("end", "{%p endfor %}"),
    ("end", "{%p endif %}"),
    ("h", "II. KẾT QUẢ KHẮC PHỤC CÁC TỒN TẠI, HẠN CHẾ"),
    ("p", "Qua tổng hợp, các cơ quan, đơn vị đã khắc phục {{ khac_phuc }}; đang thực hiện "
          "{{ dang_thuc_hien }}, chưa thực hiện {{ chua_thuc_hien }}, không thể thực hiện "
          "{{ khong_the_thuc_hien }} tồn tại, hạn chế; {{ qua_han }} tồn tại, hạn chế đã quá thời hạn khắc phục. "
          "Chi tiết tại Phụ lục kèm theo."),
    ("h", "III. CÁC TIÊU CHÍ BỊ TRỪ ĐIỂM NHIỀU NHẤT"),
    ("p", "Trong đợt thẩm định, đánh giá, có {{ so_luot_tru_diem }} lượt tiêu chí bị trừ điểm. "
          "Các tiêu chí có nhiều cơ quan, đơn vị bị trừ điểm nhất:"),
    ("loop", "{%p for tc in tieu_chi_tru_diem %}"),
    ("item", "- Tiêu chí {{ tc.ma }} ({{ tc.ten }}): {{ tc.so_co_quan }} cơ quan, đơn vị bị trừ điểm"
             "{% if tc.diem_bi_tru %}, tổng số điểm bị trừ {{ tc.diem_bi_tru }}{% endif %}"
             "{{ '.' if loop.last else ';' }}"),
    ("end", "{%p endfor %}"),
    ("h", "IV. ĐỀ XUẤT, KIẾN NGHỊ"),
    ("p", "……………………………………………………………………………………………………"),
    ("p", "Trên đây là báo cáo kết quả thực hiện công tác CCHC {{ ky_bao_cao }} của Sở Nội vụ./."),
]


def _cell_text(cell, lines, align=WD_ALIGN_PARAGRAPH.CENTER):
    first = True
    for text, size, bold, italic in lines:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        p.alignment = align
        add_text(p, text, size, bold=bold, italic=italic)


def _no_borders(table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def build_template():
    doc = new_document()
    section = doc.sections[0]
    set_page(section, landscape=False)
    page_numbers(section)
    section.different_first_page_header_footer = True  # Nghị định 30: no number on the first page
    usable = section.page_width - section.left_margin - section.right_margin
    head = doc.add_table(rows=2, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(head)
    widths = [int(usable * 0.38), usable - int(usable * 0.38)]
    for c, col in enumerate(head.columns):  # the grid (LibreOffice) and every cell (Word)
        col.width = widths[c]
    for row in head.rows:
        for c, cell in enumerate(row.cells):
            cell.width = widths[c]
    _cell_text(head.cell(0, 0), [("{{ co_quan_chu_quan }}", 13, False, False), ("{{ co_quan_ban_hanh }}", 13, True, False),
                                 ("———", 13, False, False)])
    _cell_text(head.cell(0, 1), [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, True, False),
                                 ("Độc lập - Tự do - Hạnh phúc", 14, True, False), ("———————————", 13, False, False)])
    _cell_text(head.cell(1, 0), [("Số: {{ so_van_ban }}", 13, False, False)])
    _cell_text(head.cell(1, 1), [("{{ dia_danh }}, ngày {{ ngay }} tháng {{ thang }} năm {{ nam }}", 14, False, True)])
    doc.add_paragraph()
    for text, bold in (("BÁO CÁO", True), ("Kết quả thực hiện công tác cải cách hành chính {{ ky_bao_cao }}", True)):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_text(p, text, 14, bold=bold)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_text(p, "———————", 13)
    doc.add_paragraph()
    for style, text in BODY:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        pf = p.paragraph_format
        pf.space_before = Pt(6)
        pf.line_spacing = 1.15
        if style in ("p", "h", "item"):
            pf.first_line_indent = Mm(12.7)
        add_text(p, text, BODY_PT + 1, bold=(style == "h"))
    doc.add_paragraph()
    sign = doc.add_table(rows=1, cols=2)
    _no_borders(sign)
    for c, col in enumerate(sign.columns):
        col.width = widths[c]
    for c, cell in enumerate(sign.rows[0].cells):
        cell.width = widths[c]
    _cell_text(sign.cell(0, 0), [("Nơi nhận:", 12, True, True), ("- UBND tỉnh (để b/c);", 11, False, False),
                                 ("- Các cơ quan, đơn vị;", 11, False, False), ("- Lưu: VT, CCHC.", 11, False, False)],
               align=WD_ALIGN_PARAGRAPH.LEFT)
    _cell_text(sign.cell(0, 1), [("{{ chuc_vu_ky }}", 14, True, False), ("", 14, False, False),
                                 ("", 14, False, False), ("", 14, False, False), ("{{ nguoi_ky }}", 14, True, False)])
    doc.core_properties.title = "Báo cáo kết quả thực hiện công tác CCHC (dự thảo)"
    return doc


def main() -> None:
    doc = build_template()
    TEMPLATE_PATH.parent.mkdir(parents=True, exist_ok=True)
    doc.save(TEMPLATE_PATH)
    print(f"Đã tạo {TEMPLATE_PATH}")


if __name__ == "__main__":
    main()
