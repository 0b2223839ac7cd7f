"""The reporting-rate chart of the dashboard, as inline SVG (no script, prints as it shows)."""

from __future__ import annotations

from markupsafe import Markup, escape

COLORS = {"da_nop": "#2e7d32", "tre": "#f9a825", "co_loi": "#c62828", "tra_lai": "#6a1b9a", "chua_nop": "#9e9e9e"}


def rate_chart(status: dict) -> Markup:
    """Bars for expected / received / on time, and one bar split by state."""
    expected = max(1, status["expected"])
    counts = {"da_nop": 0, "tre": 0, "co_loi": 0, "tra_lai": 0, "chua_nop": 0}
    for a in status["agencies"]:
        key = "tre" if a["status"] == "da_nop" and a["late"] else a["status"]
        counts[key] += 1
    width, left, bar = 760, 150, 22
    span = width - left - 110
    rows = [("Phải nộp", status["expected"], "#455a64"), ("Đã nộp", status["received"], COLORS["da_nop"]),
            ("Nộp đúng hạn", status["on_time"], "#1565c0")]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="190" viewBox="0 0 {width} 190" role="img" '
             f'aria-label="Tỷ lệ nộp báo cáo" class="chart">']
    for i, (label, n, color) in enumerate(rows):
        y = 10 + i * 32
        w = round(span * n / expected)
        pct = round(100 * n / expected) if status["expected"] else 0
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y}" width="{w}" height="{bar}" fill="{color}"/>'
                     f'<text x="{left + w + 6}" y="{y + 16}" font-size="13">{n} ({pct}%)</text>')
    y, x = 120, left
    names = {"da_nop": "Đã nộp đúng hạn", "tre": "Nộp trễ hạn", "co_loi": "Có lỗi", "tra_lai": "Bị trả lại",
             "chua_nop": "Chưa nộp"}
    parts.append(f'<text x="0" y="{y + 16}" font-size="13">Theo tình trạng</text>')
    for key, n in counts.items():
        if not n:
            continue
        w = round(span * n / expected)
        parts.append(f'<rect x="{x}" y="{y}" width="{w}" height="{bar}" fill="{COLORS[key]}">'
                     f'<title>{escape(names[key])}: {n}</title></rect>')
        x += w
    lx = 0
    for key, n in counts.items():
        parts.append(f'<rect x="{lx}" y="{y + 36}" width="12" height="12" fill="{COLORS[key]}"/>'
                     f'<text x="{lx + 16}" y="{y + 46}" font-size="12">{escape(names[key])} ({n})</text>')
        lx += 150
    parts.append("</svg>")
    return Markup("".join(parts))
