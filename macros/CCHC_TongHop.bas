Attribute VB_Name = "CCHC_TongHop"
' cchc-xl: nut Tong hop cua so tong hop (So Noi vu).
' Doc thu muc bai nop, danh sach co quan, nam va ky bao cao o trang "Cau hinh",
' tong hop moi bieu mau trong thu muc va dien cac trang ket qua ngay trong so nay.
Option Explicit

Public Sub TongHop()
    ChayPython T_NutTongHop(), "import cchc_xl.excel; cchc_xl.excel.tong_hop()"
End Sub
