Attribute VB_Name = "CCHC_TongHop"
' cchc-xl: nut Tong hop cua so tong hop (So Noi vu).
' Doc thu muc bai nop, danh sach co quan, nam va ky bao cao o trang "Cau hinh",
' tong hop moi bieu mau trong thu muc va dien cac trang ket qua ngay trong so nay.
Option Explicit

Public Sub TongHop()
    If Not SanSang(T_NutTongHop()) Then Exit Sub
    On Error GoTo Loi
    Application.StatusBar = T_NutTongHop() & "..."
    RunPython "import cchc_xl.excel; cchc_xl.excel.tong_hop()"
    Application.StatusBar = False
    Exit Sub
Loi:
    BaoLoi T_NutTongHop(), Err.Description
End Sub
