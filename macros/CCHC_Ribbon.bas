Attribute VB_Name = "CCHC_Ribbon"
' cchc-xl: add-in (cchc-xl.xlam) - the CCHC tren thanh ribbon, dung cho so dang mo
' (ActiveWorkbook), ke ca bieu mau .xlsx khong co macro.
' Cac ham duoc goi tu customUI14.xml (onAction). Kiem tra, Dien phu luc va Nop bao cao
' chay tren may chu cua So Noi vu neu da cai dat (ChayNut, mo-dun CCHC_MayChu), neu khong
' thi bang Python tren may nay. Tong hop (So Noi vu) luon chay Python tren may nay.
Option Explicit

Public Sub Ribbon_KiemTra(control As IRibbonControl)
    ChayNut T_NutKiemTra(), "kiem-tra", "import cchc_xl.excel; cchc_xl.excel.kiem_tra()"
End Sub

Public Sub Ribbon_DienPhuLuc(control As IRibbonControl)
    ChayNut T_NutDienPhuLuc(), "dien-phu-luc", "import cchc_xl.excel; cchc_xl.excel.dien_phu_luc()"
End Sub

Public Sub Ribbon_NopBaoCao(control As IRibbonControl)
    NopLenMayChu
End Sub

Public Sub Ribbon_CaiDatMayChu(control As IRibbonControl)
    HoiCaiDatMayChu
End Sub

Public Sub Ribbon_TongHop(control As IRibbonControl)
    ChayPython T_NutTongHop(), "import cchc_xl.excel; cchc_xl.excel.tong_hop()"
End Sub
