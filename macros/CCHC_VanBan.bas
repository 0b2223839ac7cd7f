Attribute VB_Name = "CCHC_VanBan"
' TU DONG SINH TU cchc_xl/workbook/vba/text.py - KHONG SUA TAY.
' Chay: python -m cchc_xl.build_templates
' Chu tieng Viet duoc ghep bang ChrW() vi ma nguon VBA chi chua ky tu ANSI.
Option Explicit
Option Private Module

Public Function T_TieuDe() As String
    T_TieuDe = "C" & ChrW(&H00F4) & "ng c" & ChrW(&H1EE5) & " b" & ChrW(&H00E1) & "o c" & ChrW(&H00E1) & "o CCHC"
End Function

Public Function T_NutKiemTra() As String
    T_NutKiemTra = "Ki" & ChrW(&H1EC3) & "m tra bi" & ChrW(&H1EC3) & "u m" & ChrW(&H1EAB) & "u"
End Function

Public Function T_NutDienPhuLuc() As String
    T_NutDienPhuLuc = ChrW(&H0110) & "i" & ChrW(&H1EC1) & "n ph" & ChrW(&H1EE5) & " l" & ChrW(&H1EE5) & "c"
End Function

Public Function T_NutTongHop() As String
    T_NutTongHop = "T" & ChrW(&H1ED5) & "ng h" & ChrW(&H1EE3) & "p b" & ChrW(&H00E1) & "o c" & ChrW(&H00E1) & "o"
End Function

Public Function T_ThieuPython() As String
    T_ThieuPython = "M" & ChrW(&H00E1) & "y t" & ChrW(&H00ED) & "nh n" & ChrW(&H00E0) & "y ch" & ChrW(&H01B0) & "a c" & ChrW(&H00E0) & "i Python, ho" & ChrW(&H1EB7) & "c Windows kh" & ChrW(&H00F4) & "ng t" & ChrW(&H00EC) & "m th" & ChrW(&H1EA5) & "y Python (ch" & ChrW(&H01B0) & "a c" & ChrW(&H00F3) & " trong PATH), n" & ChrW(&H00EA) & "n n" & ChrW(&H00FA) & "t b" & ChrW(&H1EA5) & "m ch" & ChrW(&H01B0) & "a ch" & ChrW(&H1EA1) & "y " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EE3) & "c." & vbCrLf & vbCrLf & "H" & ChrW(&H00E3) & "y nh" & ChrW(&H1EDD) & " c" & ChrW(&H00E1) & "n b" & ChrW(&H1ED9) & " c" & ChrW(&H00F4) & "ng ngh" & ChrW(&H1EC7) & " th" & ChrW(&H00F4) & "ng tin c" & ChrW(&H00E0) & "i Python, xlwings v" & ChrW(&H00E0) & " cchc-xl theo t" & ChrW(&H00E0) & "i li" & ChrW(&H1EC7) & "u h" & ChrW(&H01B0) & ChrW(&H1EDB) & "ng d" & ChrW(&H1EAB) & "n " & ChrW(&H0111) & "i k" & ChrW(&H00E8) & "m bi"
    T_ThieuPython = T_ThieuPython & ChrW(&H1EC3) & "u m" & ChrW(&H1EAB) & "u." & vbCrLf & vbCrLf & "N" & ChrW(&H1EBF) & "u S" & ChrW(&H1EDF) & " N" & ChrW(&H1ED9) & "i v" & ChrW(&H1EE5) & " c" & ChrW(&H00F3) & " m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & " cchc-xl th" & ChrW(&H00EC) & " kh" & ChrW(&H00F4) & "ng c" & ChrW(&H1EA7) & "n c" & ChrW(&H00E0) & "i g" & ChrW(&H00EC) & ": b" & ChrW(&H1EA5) & "m " & ChrW(&H201C) & "C" & ChrW(&H00E0) & "i " & ChrW(&H0111) & ChrW(&H1EB7) & "t m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & ChrW(&H201D) & " v" & ChrW(&H00E0) & " d" & ChrW(&H00E1) & "n " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EDD) & "ng d" & ChrW(&H1EAB) & "n n" & ChrW(&H1ED9) & "p b" & ChrW(&H00E0) & "i c" & ChrW(&H1EE7) & "a c" & ChrW(&H01A1) & " quan." & vbCrLf & vbCrLf & "Trong khi ch" & ChrW(&H1EDD) & ", v" & ChrW(&H1EAB) & "n c" & ChrW(&H00F3) & " th" & ChrW(&H1EC3) & " xem trang " & ChrW(&H201C) & "T" & ChrW(&H00EC)
    T_ThieuPython = T_ThieuPython & "nh tr" & ChrW(&H1EA1) & "ng" & ChrW(&H201D) & " (ki" & ChrW(&H1EC3) & "m tra nhanh, kh" & ChrW(&H00F4) & "ng c" & ChrW(&H1EA7) & "n macro) ho" & ChrW(&H1EB7) & "c g" & ChrW(&H1EED) & "i t" & ChrW(&H1EC7) & "p " & ChrW(&H0111) & ChrW(&H1EC3) & " S" & ChrW(&H1EDF) & " N" & ChrW(&H1ED9) & "i v" & ChrW(&H1EE5) & " ki" & ChrW(&H1EC3) & "m tra b" & ChrW(&H1EB1) & "ng l" & ChrW(&H1EC7) & "nh cchc-xl validate."
End Function

Public Function T_ThieuXlwings() As String
    T_ThieuXlwings = "M" & ChrW(&H00E1) & "y t" & ChrW(&H00ED) & "nh " & ChrW(&H0111) & ChrW(&H00E3) & " c" & ChrW(&H00F3) & " Python nh" & ChrW(&H01B0) & "ng ch" & ChrW(&H01B0) & "a c" & ChrW(&H00E0) & "i th" & ChrW(&H01B0) & " vi" & ChrW(&H1EC7) & "n xlwings, n" & ChrW(&H00EA) & "n n" & ChrW(&H00FA) & "t b" & ChrW(&H1EA5) & "m ch" & ChrW(&H01B0) & "a ch" & ChrW(&H1EA1) & "y " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EE3) & "c." & vbCrLf & vbCrLf & "H" & ChrW(&H00E3) & "y nh" & ChrW(&H1EDD) & " c" & ChrW(&H00E1) & "n b" & ChrW(&H1ED9) & " c" & ChrW(&H00F4) & "ng ngh" & ChrW(&H1EC7) & " th" & ChrW(&H00F4) & "ng tin ch" & ChrW(&H1EA1) & "y l" & ChrW(&H1EC7) & "nh: pip install xlwings"
End Function

Public Function T_ThieuCchcXl() As String
    T_ThieuCchcXl = "M" & ChrW(&H00E1) & "y t" & ChrW(&H00ED) & "nh " & ChrW(&H0111) & ChrW(&H00E3) & " c" & ChrW(&H00F3) & " Python v" & ChrW(&H00E0) & " xlwings nh" & ChrW(&H01B0) & "ng ch" & ChrW(&H01B0) & "a c" & ChrW(&H00E0) & "i c" & ChrW(&H00F4) & "ng c" & ChrW(&H1EE5) & " cchc-xl, n" & ChrW(&H00EA) & "n n" & ChrW(&H00FA) & "t b" & ChrW(&H1EA5) & "m ch" & ChrW(&H01B0) & "a ch" & ChrW(&H1EA1) & "y " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EE3) & "c." & vbCrLf & vbCrLf & "H" & ChrW(&H00E3) & "y nh" & ChrW(&H1EDD) & " c" & ChrW(&H00E1) & "n b" & ChrW(&H1ED9) & " c" & ChrW(&H00F4) & "ng ngh" & ChrW(&H1EC7) & " th" & ChrW(&H00F4) & "ng tin c" & ChrW(&H00E0) & "i g" & ChrW(&H00F3) & "i cchc-xl (l" & ChrW(&H1EC7) & "nh pip install, d" & ChrW(&H00F9) & "ng t" & ChrW(&H1EC7) & "p do S" & ChrW(&H1EDF) & " N" & ChrW(&H1ED9) & "i v" & ChrW(&H1EE5) & " cung c" & ChrW(&H1EA5) & "p)."
End Function

Public Function T_PythonLoi() As String
    T_PythonLoi = "Python tr" & ChrW(&H00EA) & "n m" & ChrW(&H00E1) & "y n" & ChrW(&H00E0) & "y kh" & ChrW(&H00F4) & "ng ch" & ChrW(&H1EA1) & "y " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EE3) & "c b" & ChrW(&H00EC) & "nh th" & ChrW(&H01B0) & ChrW(&H1EDD) & "ng (qu" & ChrW(&H00E1) & " c" & ChrW(&H0169) & " ho" & ChrW(&H1EB7) & "c c" & ChrW(&H00E0) & "i " & ChrW(&H0111) & ChrW(&H1EB7) & "t b" & ChrW(&H1ECB) & " h" & ChrW(&H1ECF) & "ng). H" & ChrW(&H00E3) & "y nh" & ChrW(&H1EDD) & " c" & ChrW(&H00E1) & "n b" & ChrW(&H1ED9) & " c" & ChrW(&H00F4) & "ng ngh" & ChrW(&H1EC7) & " th" & ChrW(&H00F4) & "ng tin ki" & ChrW(&H1EC3) & "m tra l" & ChrW(&H1EA1) & "i. M" & ChrW(&H00E3) & " l" & ChrW(&H1ED7) & "i:"
End Function

Public Function T_KhongChayDuoc() As String
    T_KhongChayDuoc = "Kh" & ChrW(&H00F4) & "ng kh" & ChrW(&H1EDF) & "i " & ChrW(&H0111) & ChrW(&H1ED9) & "ng " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EE3) & "c Python t" & ChrW(&H1EEB) & " Excel (Windows c" & ChrW(&H00F3) & " th" & ChrW(&H1EC3) & " " & ChrW(&H0111) & "ang ch" & ChrW(&H1EB7) & "n WScript.Shell). H" & ChrW(&H00E3) & "y nh" & ChrW(&H1EDD) & " c" & ChrW(&H00E1) & "n b" & ChrW(&H1ED9) & " c" & ChrW(&H00F4) & "ng ngh" & ChrW(&H1EC7) & " th" & ChrW(&H00F4) & "ng tin ki" & ChrW(&H1EC3) & "m tra. Chi ti" & ChrW(&H1EBF) & "t:"
End Function

Public Function T_LoiMacro() As String
    T_LoiMacro = "N" & ChrW(&H00FA) & "t b" & ChrW(&H1EA5) & "m g" & ChrW(&H1EB7) & "p l" & ChrW(&H1ED7) & "i khi ch" & ChrW(&H1EA1) & "y. Chi ti" & ChrW(&H1EBF) & "t:"
End Function

Public Function T_NutNopBaoCao() As String
    T_NutNopBaoCao = "N" & ChrW(&H1ED9) & "p b" & ChrW(&H00E1) & "o c" & ChrW(&H00E1) & "o"
End Function

Public Function T_NutCaiDat() As String
    T_NutCaiDat = "C" & ChrW(&H00E0) & "i " & ChrW(&H0111) & ChrW(&H1EB7) & "t m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7)
End Function

Public Function T_HoiDuongDan() As String
    T_HoiDuongDan = "D" & ChrW(&H00E1) & "n " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EDD) & "ng d" & ChrW(&H1EAB) & "n n" & ChrW(&H1ED9) & "p b" & ChrW(&H00E0) & "i m" & ChrW(&H00E0) & " S" & ChrW(&H1EDF) & " N" & ChrW(&H1ED9) & "i v" & ChrW(&H1EE5) & " " & ChrW(&H0111) & ChrW(&H00E3) & " g" & ChrW(&H1EED) & "i cho c" & ChrW(&H01A1) & " quan (d" & ChrW(&H1EA1) & "ng https://" & ChrW(&H2026) & "/nop/" & ChrW(&H2026) & ")." & vbCrLf & vbCrLf & ChrW(&H0110) & ChrW(&H1EC3) & " tr" & ChrW(&H1ED1) & "ng r" & ChrW(&H1ED3) & "i b" & ChrW(&H1EA5) & "m OK: th" & ChrW(&H00F4) & "i d" & ChrW(&H00F9) & "ng m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & ", c" & ChrW(&H00E1) & "c n" & ChrW(&H00FA) & "t ch" & ChrW(&H1EA1) & "y b" & ChrW(&H1EB1) & "ng Python tr" & ChrW(&H00EA) & "n m" & ChrW(&H00E1) & "y n" & ChrW(&H00E0) & "y."
End Function

Public Function T_DuongDanSai() As String
    T_DuongDanSai = ChrW(&H0110) & ChrW(&H01B0) & ChrW(&H1EDD) & "ng d" & ChrW(&H1EAB) & "n kh" & ChrW(&H00F4) & "ng " & ChrW(&H0111) & ChrW(&H00FA) & "ng d" & ChrW(&H1EA1) & "ng. " & ChrW(&H0110) & ChrW(&H01B0) & ChrW(&H1EDD) & "ng d" & ChrW(&H1EAB) & "n n" & ChrW(&H1ED9) & "p b" & ChrW(&H00E0) & "i b" & ChrW(&H1EAF) & "t " & ChrW(&H0111) & ChrW(&H1EA7) & "u b" & ChrW(&H1EB1) & "ng http:// ho" & ChrW(&H1EB7) & "c https://, c" & ChrW(&H00F3) & " " & ChrW(&H0111) & "o" & ChrW(&H1EA1) & "n /nop/ v" & ChrW(&H00E0) & " sau " & ChrW(&H0111) & ChrW(&H00F3) & " l" & ChrW(&H00E0) & " m" & ChrW(&H00E3) & " c" & ChrW(&H1EE7) & "a c" & ChrW(&H01A1) & " quan, v" & ChrW(&H00ED) & " d" & ChrW(&H1EE5) & ": https://cchc.sonoivu.gov.vn/nop/8Qm2" & ChrW(&H2026) & vbCrLf & vbCrLf & "H" & ChrW(&H00E3) & "y sao ch" & ChrW(&H00E9) & "p nguy" & ChrW(&H00EA) & "n " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EDD) & "ng d"
    T_DuongDanSai = T_DuongDanSai & ChrW(&H1EAB) & "n t" & ChrW(&H1EEB) & " th" & ChrW(&H01B0) & " c" & ChrW(&H1EE7) & "a S" & ChrW(&H1EDF) & " N" & ChrW(&H1ED9) & "i v" & ChrW(&H1EE5) & " r" & ChrW(&H1ED3) & "i th" & ChrW(&H1EED) & " l" & ChrW(&H1EA1) & "i."
End Function

Public Function T_DaLuuMayChu() As String
    T_DaLuuMayChu = ChrW(&H0110) & ChrW(&H00E3) & " l" & ChrW(&H01B0) & "u c" & ChrW(&H00E0) & "i " & ChrW(&H0111) & ChrW(&H1EB7) & "t cho ng" & ChrW(&H01B0) & ChrW(&H1EDD) & "i d" & ChrW(&H00F9) & "ng n" & ChrW(&H00E0) & "y tr" & ChrW(&H00EA) & "n m" & ChrW(&H00E1) & "y n" & ChrW(&H00E0) & "y. T" & ChrW(&H1EEB) & " nay c" & ChrW(&H00E1) & "c n" & ChrW(&H00FA) & "t Ki" & ChrW(&H1EC3) & "m tra, " & ChrW(&H0110) & "i" & ChrW(&H1EC1) & "n ph" & ChrW(&H1EE5) & " l" & ChrW(&H1EE5) & "c v" & ChrW(&H00E0) & " N" & ChrW(&H1ED9) & "p b" & ChrW(&H00E1) & "o c" & ChrW(&H00E1) & "o ch" & ChrW(&H1EA1) & "y tr" & ChrW(&H00EA) & "n m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & " c" & ChrW(&H1EE7) & "a S" & ChrW(&H1EDF) & " N" & ChrW(&H1ED9) & "i v" & ChrW(&H1EE5) & ", kh" & ChrW(&H00F4) & "ng c" & ChrW(&H1EA7) & "n c" & ChrW(&H00E0) & "i Python. M" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & ":"
End Function

Public Function T_DaXoaMayChu() As String
    T_DaXoaMayChu = ChrW(&H0110) & ChrW(&H00E3) & " x" & ChrW(&H00F3) & "a c" & ChrW(&H00E0) & "i " & ChrW(&H0111) & ChrW(&H1EB7) & "t m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & ". C" & ChrW(&H00E1) & "c n" & ChrW(&H00FA) & "t Ki" & ChrW(&H1EC3) & "m tra v" & ChrW(&H00E0) & " " & ChrW(&H0110) & "i" & ChrW(&H1EC1) & "n ph" & ChrW(&H1EE5) & " l" & ChrW(&H1EE5) & "c s" & ChrW(&H1EBD) & " ch" & ChrW(&H1EA1) & "y b" & ChrW(&H1EB1) & "ng Python tr" & ChrW(&H00EA) & "n m" & ChrW(&H00E1) & "y n" & ChrW(&H00E0) & "y; n" & ChrW(&H00FA) & "t N" & ChrW(&H1ED9) & "p b" & ChrW(&H00E1) & "o c" & ChrW(&H00E1) & "o c" & ChrW(&H1EA7) & "n c" & ChrW(&H00E0) & "i " & ChrW(&H0111) & ChrW(&H1EB7) & "t l" & ChrW(&H1EA1) & "i m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & "."
End Function

Public Function T_CanMayChu() As String
    T_CanMayChu = "N" & ChrW(&H00FA) & "t N" & ChrW(&H1ED9) & "p b" & ChrW(&H00E1) & "o c" & ChrW(&H00E1) & "o g" & ChrW(&H1EED) & "i bi" & ChrW(&H1EC3) & "u m" & ChrW(&H1EAB) & "u l" & ChrW(&H00EA) & "n m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & " c" & ChrW(&H1EE7) & "a S" & ChrW(&H1EDF) & " N" & ChrW(&H1ED9) & "i v" & ChrW(&H1EE5) & ", nh" & ChrW(&H01B0) & "ng m" & ChrW(&H00E1) & "y n" & ChrW(&H00E0) & "y ch" & ChrW(&H01B0) & "a " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EE3) & "c c" & ChrW(&H00E0) & "i " & ChrW(&H0111) & ChrW(&H1EB7) & "t m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & "." & vbCrLf & vbCrLf & "B" & ChrW(&H1EA5) & "m n" & ChrW(&H00FA) & "t " & ChrW(&H201C) & "C" & ChrW(&H00E0) & "i " & ChrW(&H0111) & ChrW(&H1EB7) & "t m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & ChrW(&H201D) & " v" & ChrW(&H00E0) & " d" & ChrW(&H00E1) & "n " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EDD) & "ng d"
    T_CanMayChu = T_CanMayChu & ChrW(&H1EAB) & "n n" & ChrW(&H1ED9) & "p b" & ChrW(&H00E0) & "i m" & ChrW(&H00E0) & " S" & ChrW(&H1EDF) & " N" & ChrW(&H1ED9) & "i v" & ChrW(&H1EE5) & " " & ChrW(&H0111) & ChrW(&H00E3) & " g" & ChrW(&H1EED) & "i cho c" & ChrW(&H01A1) & " quan."
End Function

Public Function T_XacNhanNop() As String
    T_XacNhanNop = "G" & ChrW(&H1EED) & "i bi" & ChrW(&H1EC3) & "u m" & ChrW(&H1EAB) & "u " & ChrW(&H0111) & "ang m" & ChrW(&H1EDF) & " (k" & ChrW(&H1EC3) & " c" & ChrW(&H1EA3) & " nh" & ChrW(&H1EEF) & "ng ch" & ChrW(&H1ED7) & " ch" & ChrW(&H01B0) & "a l" & ChrW(&H01B0) & "u) l" & ChrW(&H00EA) & "n S" & ChrW(&H1EDF) & " N" & ChrW(&H1ED9) & "i v" & ChrW(&H1EE5) & " " & ChrW(&H0111) & ChrW(&H1EC3) & " n" & ChrW(&H1ED9) & "p b" & ChrW(&H00E1) & "o c" & ChrW(&H00E1) & "o?" & vbCrLf & vbCrLf & "M" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & " ki" & ChrW(&H1EC3) & "m tra l" & ChrW(&H1EA1) & "i to" & ChrW(&H00E0) & "n b" & ChrW(&H1ED9) & "; b" & ChrW(&H00E0) & "i c" & ChrW(&H00F2) & "n l" & ChrW(&H1ED7) & "i ch" & ChrW(&H01B0) & "a " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EE3) & "c n" & ChrW(&H1ED9) & "p v" & ChrW(&H00E0) & " m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & " cho bi" & ChrW(&H1EBF) & "t c"
    T_XacNhanNop = T_XacNhanNop & ChrW(&H1EA7) & "n s" & ChrW(&H1EED) & "a g" & ChrW(&H00EC) & "."
End Function

Public Function T_KhongKetNoi() As String
    T_KhongKetNoi = "Kh" & ChrW(&H00F4) & "ng k" & ChrW(&H1EBF) & "t n" & ChrW(&H1ED1) & "i " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EE3) & "c m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & " c" & ChrW(&H1EE7) & "a S" & ChrW(&H1EDF) & " N" & ChrW(&H1ED9) & "i v" & ChrW(&H1EE5) & ". H" & ChrW(&H00E3) & "y ki" & ChrW(&H1EC3) & "m tra m" & ChrW(&H1EA1) & "ng, ho" & ChrW(&H1EB7) & "c nh" & ChrW(&H1EDD) & " c" & ChrW(&H00E1) & "n b" & ChrW(&H1ED9) & " c" & ChrW(&H00F4) & "ng ngh" & ChrW(&H1EC7) & " th" & ChrW(&H00F4) & "ng tin ki" & ChrW(&H1EC3) & "m tra " & ChrW(&H0111) & ChrW(&H1ECB) & "a ch" & ChrW(&H1EC9) & " m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & " " & ChrW(&H0111) & ChrW(&H00E3) & " c" & ChrW(&H00E0) & "i " & ChrW(&H0111) & ChrW(&H1EB7) & "t (n" & ChrW(&H00FA) & "t " & ChrW(&H201C) & "C" & ChrW(&H00E0) & "i " & ChrW(&H0111) & ChrW(&H1EB7) & "t m" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & ChrW(&H201D)
    T_KhongKetNoi = T_KhongKetNoi & "). " & ChrW(&H0110) & ChrW(&H1ECB) & "a ch" & ChrW(&H1EC9) & ":"
End Function

Public Function T_MayChuTuChoi() As String
    T_MayChuTuChoi = "M" & ChrW(&H00E1) & "y ch" & ChrW(&H1EE7) & " c" & ChrW(&H1EE7) & "a S" & ChrW(&H1EDF) & " N" & ChrW(&H1ED9) & "i v" & ChrW(&H1EE5) & " kh" & ChrW(&H00F4) & "ng th" & ChrW(&H1EF1) & "c hi" & ChrW(&H1EC7) & "n " & ChrW(&H0111) & ChrW(&H01B0) & ChrW(&H1EE3) & "c y" & ChrW(&H00EA) & "u c" & ChrW(&H1EA7) & "u"
End Function

Public Function T_ChuaMoSo() As String
    T_ChuaMoSo = "Ch" & ChrW(&H01B0) & "a c" & ChrW(&H00F3) & " s" & ChrW(&H1ED5) & " n" & ChrW(&H00E0) & "o " & ChrW(&H0111) & "ang m" & ChrW(&H1EDF) & ". H" & ChrW(&H00E3) & "y m" & ChrW(&H1EDF) & " bi" & ChrW(&H1EC3) & "u m" & ChrW(&H1EAB) & "u b" & ChrW(&H00E1) & "o c" & ChrW(&H00E1) & "o c" & ChrW(&H1EE7) & "a c" & ChrW(&H01A1) & " quan r" & ChrW(&H1ED3) & "i b" & ChrW(&H1EA5) & "m l" & ChrW(&H1EA1) & "i."
End Function

