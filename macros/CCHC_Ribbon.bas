Attribute VB_Name = "CCHC_Ribbon"
' cchc-xl: add-in (cchc-xl.xlam) - the CCHC tren thanh ribbon voi ba nut,
' dung cho so dang mo (ActiveWorkbook), ke ca bieu mau .xlsx khong co macro.
' Cac ham duoc goi tu customUI14.xml (onAction).
Option Explicit

Public Sub Ribbon_KiemTra(control As IRibbonControl)
    If Not SanSang(T_NutKiemTra()) Then Exit Sub
    On Error GoTo Loi
    Application.StatusBar = T_NutKiemTra() & "..."
    RunPython "import cchc_xl.excel; cchc_xl.excel.kiem_tra()"
    Application.StatusBar = False
    Exit Sub
Loi:
    BaoLoi T_NutKiemTra(), Err.Description
End Sub

Public Sub Ribbon_DienPhuLuc(control As IRibbonControl)
    If Not SanSang(T_NutDienPhuLuc()) Then Exit Sub
    On Error GoTo Loi
    Application.StatusBar = T_NutDienPhuLuc() & "..."
    RunPython "import cchc_xl.excel; cchc_xl.excel.dien_phu_luc()"
    Application.StatusBar = False
    Exit Sub
Loi:
    BaoLoi T_NutDienPhuLuc(), Err.Description
End Sub

Public Sub Ribbon_TongHop(control As IRibbonControl)
    If Not SanSang(T_NutTongHop()) Then Exit Sub
    On Error GoTo Loi
    Application.StatusBar = T_NutTongHop() & "..."
    RunPython "import cchc_xl.excel; cchc_xl.excel.tong_hop()"
    Application.StatusBar = False
    Exit Sub
Loi:
    BaoLoi T_NutTongHop(), Err.Description
End Sub
