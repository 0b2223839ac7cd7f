Attribute VB_Name = "CCHC"
' cchc-xl: cac nut bam cua bieu mau bao cao CCHC cua co quan.
'   Kiem tra        - kiem tra day du bieu mau (cung bo kiem tra voi lenh cchc-xl validate),
'                     ghi trang "Ket qua kiem tra", to mau o loi (do) va canh bao (vang).
'   Dien phu luc    - dien hoac lam moi cac trang Phu luc I, II, III tu so lieu da nhap.
'   Nop bao cao     - gui bieu mau len may chu cua So Noi vu, nop vao dot bao cao hien tai.
'   Cai dat may chu - dan duong dan nop bai cua co quan (mot lan cho moi nguoi dung).
' ChayNut (mo-dun CCHC_MayChu) chon noi chay: may chu cua So Noi vu neu da cai dat
' (RunRemotePython, khong can Python tren may), neu khong thi Python tren may nay (RunPython).
Option Explicit

Public Sub KiemTra()
    ChayNut T_NutKiemTra(), "kiem-tra", "import cchc_xl.excel; cchc_xl.excel.kiem_tra()"
End Sub

Public Sub DienPhuLuc()
    ChayNut T_NutDienPhuLuc(), "dien-phu-luc", "import cchc_xl.excel; cchc_xl.excel.dien_phu_luc()"
End Sub

Public Sub NopBaoCao()
    NopLenMayChu
End Sub

Public Sub CaiDatMayChu()
    HoiCaiDatMayChu
End Sub
