"""Builds the Word template of the province's report draft: ``cchc_xl/templates/bao_cao_tong_hop.docx``.

Run ``python -m cchc_xl.appendix.report_template`` after changing the wording here; the .docx is
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

from cchc_xl.sheets.docx import BODY_PT, add_text, new_document, page_numbers, set_page

TEMPLATE_NAME = "bao_cao_tong_hop.docx"
TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "templates" / TEMPLATE_NAME

OFFICER = "officer"  # a paragraph the officer writes: italic, highlighted, between square brackets


def _area_block(v: str) -> list[tuple[str, str]]:
    """The sentences of one area (``v``: the template variable holding it, see report_draft._area)."""
    return [
        ("loop", f"{{%p if {v}.chi_tieu %}}"),
        ("p", "Số liệu thống kê tổng hợp từ báo cáo của các cơ quan, đơn vị:"),
        ("loop", f"{{%p for ct in {v}.chi_tieu %}}"),
        ("item", "- {{ ct.ten }}: {{ ct.gia_tri }}{{ '.' if loop.last else ';' }}"),
        ("end", "{%p endfor %}"),
        ("end", "{%p endif %}"),
        ("loop", f"{{%p if {v}.so_co_quan_bi_tru %}}"),
        ("p", f"Trong đợt thẩm định, đánh giá năm {{{{ nam_tham_dinh }}}}, có {{{{ {v}.so_co_quan_bi_tru }}}} cơ quan, "
              f"đơn vị bị trừ điểm ở lĩnh vực này ({{{{ {v}.co_quan_bi_tru }}}}), với {{{{ {v}.so_luot_tru }}}} lượt "
              "tiêu chí bị trừ điểm. Các tiêu chí bị trừ điểm nhiều nhất:"),
        ("loop", f"{{%p for tc in {v}.tieu_chi %}}"),
        ("item", "- Tiêu chí {{ tc.ma }} ({{ tc.ten }}): {{ tc.so_co_quan }} cơ quan, đơn vị bị trừ điểm"
                 "{% if tc.diem_bi_tru %}, tổng số điểm bị trừ {{ tc.diem_bi_tru }}{% endif %}"
                 "{{ '.' if loop.last else ';' }}"),
        ("end", "{%p endfor %}"),
        ("loop", "{%p else %}"),
        ("p", "Trong đợt thẩm định, đánh giá năm {{ nam_tham_dinh }}, không có cơ quan, đơn vị nào bị trừ điểm ở "
              "lĩnh vực này."),
        ("end", "{%p endif %}"),
        ("loop", f"{{%p if {v}.kp_tong %}}"),
        ("p", f"Về khắc phục các tồn tại, hạn chế thuộc lĩnh vực này: đã khắc phục {{{{ {v}.kp_xong }}}}/"
              f"{{{{ {v}.kp_tong }}}} tồn tại, đạt tỷ lệ {{{{ {v}.kp_ty_le }}}}%; đang thực hiện {{{{ {v}.kp_dang }}}}, "
              f"chưa thực hiện {{{{ {v}.kp_chua }}}}, không thể thực hiện {{{{ {v}.kp_khong_the }}}}"
              f"{{% if {v}.kp_qua_han %}}; {{{{ {v}.kp_qua_han }}}} tồn tại đã quá thời hạn khắc phục{{% endif %}}."),
        ("end", "{%p endif %}"),
    ]


BODY = [
    # (style, text): "h" a bold heading line, "h2" a bold numbered part, "p" a body paragraph (first line
    # indented), "officer" a paragraph left to the officer (marked), "loop"/"end" docxtpl paragraph tags,
    # "item" a paragraph inside a loop
    ("p", "Thực hiện chế độ báo cáo công tác cải cách hành chính (CCHC), trên cơ sở báo cáo của các cơ quan, đơn "
          "vị, {{ co_quan_ban_hanh_ten }} báo cáo kết quả thực hiện công tác CCHC {{ ky_bao_cao }} của tỉnh "
          "{{ tinh }} như sau:"),
    ("p", "Có {{ so_da_gui }}/{{ so_phai_gui }} cơ quan, đơn vị đã gửi báo cáo."
          "{% if chua_gui %} Chưa gửi báo cáo ({{ chua_gui | length }}): {{ chua_gui | join(', ') }}.{% endif %}"),
    ("loop", "{%p if bi_tra_lai %}"),
    ("p", "Báo cáo bị trả lại để hoàn thiện ({{ bi_tra_lai | length }}):"),
    ("loop", "{%p for t in bi_tra_lai %}"),
    ("item", "- {{ t.ten }}: {{ t.ly_do }}{{ '.' if loop.last else ';' }}"),
    ("end", "{%p endfor %}"),
    ("end", "{%p endif %}"),
    ("loop", "{%p if tep_khong_ro %}"),
    ("p", "Ngoài ra, {{ tep_khong_ro }} tệp không đọc được hoặc không xác định được cơ quan gửi đã được trả lại."),
    ("end", "{%p endif %}"),
    ("loop", "{%p if chua_gui or bi_tra_lai %}"),
    ("p", "Danh sách cơ quan, đơn vị cần nhắc, kèm người liên hệ, tại Phụ lục III."),
    ("end", "{%p endif %}"),
    ("h", "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH"),
    (OFFICER, "[Cán bộ tổng hợp viết: các văn bản chỉ đạo, điều hành của UBND tỉnh về CCHC trong kỳ; công tác "
              "tuyên truyền, kiểm tra CCHC; việc khắc phục tồn tại sau thẩm định Chỉ số CCHC.]"),
    ("loop", "{%p if linh_vuc_1 %}"),
    *_area_block("linh_vuc_1"),
    ("end", "{%p endif %}"),
    ("loop", "{%p if tuyen_truyen %}"),
    ("p", "Công tác tuyên truyền CCHC, tổng hợp từ báo cáo của các cơ quan, đơn vị:"),
    ("loop", "{%p for ct in tuyen_truyen %}"),
    ("item", "- {{ ct.ten }}: {{ ct.gia_tri }}{{ '.' if loop.last else ';' }}"),
    ("end", "{%p endfor %}"),
    ("end", "{%p endif %}"),
    ("h", "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH"),
    ("loop", "{%p for lv in linh_vuc %}"),
    ("h2", "{{ lv.so }}. {{ lv.ten }}"),
    *_area_block("lv"),
    ("end", "{%p endfor %}"),
    ("p", "Kết quả khắc phục của từng cơ quan, đơn vị tại Phụ lục I và Phụ lục II."),
    ("h", "III. TỒN TẠI, HẠN CHẾ"),
    ("p", "Đến thời điểm báo cáo, các cơ quan, đơn vị đã khắc phục {{ khac_phuc }}; còn {{ con_mo }} tồn tại, hạn "
          "chế chưa khắc phục xong (đang thực hiện {{ dang_thuc_hien }}, chưa thực hiện {{ chua_thuc_hien }}) và "
          "{{ khong_the_thuc_hien }} tồn tại, hạn chế không thể thực hiện."
          "{% if qua_han %} Có {{ qua_han }} tồn tại, hạn chế đã quá thời hạn khắc phục:{% endif %}"),
    ("loop", "{%p for t in ton_tai_qua_han %}"),
    ("item", "- {{ t.co_quan }}: {{ t.noi_dung }}{% if t.thoi_han %} (thời hạn: {{ t.thoi_han }}){% endif %}"
             "{{ '.' if loop.last else ';' }}"),
    ("end", "{%p endfor %}"),
    ("h", "IV. NHIỆM VỤ TRỌNG TÂM {{ ky_sau | upper }}"),
    ("loop", "{%p if qua_han %}"),
    ("p", "- Đôn đốc các cơ quan, đơn vị khắc phục dứt điểm {{ qua_han }} tồn tại, hạn chế đã quá thời hạn nêu tại "
          "Mục III."),
    ("end", "{%p endif %}"),
    ("loop", "{%p if den_han_ky_sau %}"),
    ("p", "- Hoàn thành {{ den_han_ky_sau }} tồn tại, hạn chế đến hạn khắc phục trong {{ ky_sau }}:"),
    ("loop", "{%p for t in viec_ky_sau %}"),
    ("item", "+ {{ t.co_quan }}: {{ t.noi_dung }} (thời hạn: {{ t.thoi_han }}){{ '.' if loop.last else ';' }}"),
    ("end", "{%p endfor %}"),
    ("end", "{%p endif %}"),
    ("loop", "{%p if thuong_xuyen %}"),
    ("p", "- Duy trì {{ thuong_xuyen }} giải pháp khắc phục thực hiện thường xuyên của các cơ quan, đơn vị."),
    ("end", "{%p endif %}"),
    ("h", "V. ĐỀ XUẤT, KIẾN NGHỊ"),
    (OFFICER, "[Cán bộ tổng hợp viết: các đề xuất, kiến nghị với UBND tỉnh, Bộ Nội vụ và các cơ quan liên quan.]"),
    ("p", "Trên đây là báo cáo kết quả thực hiện công tác CCHC {{ ky_bao_cao }} của {{ co_quan_ban_hanh_ten }}./."),
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
        if style in ("p", "h", "h2", "item", OFFICER):
            pf.first_line_indent = Mm(12.7)
        add_text(p, text, BODY_PT + 1, bold=style in ("h", "h2"), italic=(style == OFFICER))
        if style == OFFICER:
            from docx.enum.text import WD_COLOR_INDEX

            for run in p.runs:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    doc.add_paragraph()
    sign = doc.add_table(rows=1, cols=2)
    _no_borders(sign)
    for c, col in enumerate(sign.columns):
        col.width = widths[c]
    for c, cell in enumerate(sign.rows[0].cells):
        cell.width = widths[c]
    _cell_text(sign.cell(0, 0), [("Nơi nhận:", 12, True, True), ("{%p for x in noi_nhan %}", 11, False, False),
                                 ("{{ x }}", 11, False, False), ("{%p endfor %}", 11, False, False)],
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
