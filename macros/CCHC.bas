Attribute VB_Name = "CCHC"
' cchc-xl: cac nut bam cua bieu mau bao cao CCHC cua co quan.
'   Kiem tra     - kiem tra day du bieu mau (cung bo kiem tra voi lenh cchc-xl validate),
'                  ghi trang "Ket qua kiem tra", to mau o loi (do) va canh bao (vang).
'   Dien phu luc - dien hoac lam moi cac trang Phu luc I, II, III tu so lieu da nhap.
' Ca hai goi Python qua RunPython cua mo-dun xlwings di kem trong bieu mau
' (khong can cai add-in xlwings). Truoc do SanSang kiem tra may da co Python.
Option Explicit

Public Sub KiemTra()
    If Not SanSang(T_NutKiemTra()) Then Exit Sub
    On Error GoTo Loi
    Application.StatusBar = T_NutKiemTra() & "..."
    RunPython "import cchc_xl.excel; cchc_xl.excel.kiem_tra()"
    Application.StatusBar = False
    Exit Sub
Loi:
    BaoLoi T_NutKiemTra(), Err.Description
End Sub

Public Sub DienPhuLuc()
    If Not SanSang(T_NutDienPhuLuc()) Then Exit Sub
    On Error GoTo Loi
    Application.StatusBar = T_NutDienPhuLuc() & "..."
    RunPython "import cchc_xl.excel; cchc_xl.excel.dien_phu_luc()"
    Application.StatusBar = False
    Exit Sub
Loi:
    BaoLoi T_NutDienPhuLuc(), Err.Description
End Sub
