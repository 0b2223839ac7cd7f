Attribute VB_Name = "CCHC_MayChu"
' cchc-xl: chon noi chay nut bam.
' - Da cai dat may chu cua So Noi vu (dia chi va ma cua co quan, lay tu duong dan nop bai):
'   nut goi may chu qua RunRemotePython (mo-dun Remote cua xlwings di kem), may nay
'   khong can Python. Moi nut goi mot diem cuoi /xlwings/... cua may chu.
' - Chua cai dat: nut chay Python tren may nay qua RunPython nhu truoc (ChayPython).
' Cai dat luu rieng cho tung nguoi dung (GetSetting/SaveSetting: tren Windows la
' HKEY_CURRENT_USER\Software\VB and VBA Program Settings\cchc-xl\MayChu), nhap mot lan
' bang nut "Cai dat may chu", hoac do CNTT dat san bang tep .reg / Group Policy.
' Mo-dun nay chi dung ky tu ASCII; van ban tieng Viet o mo-dun CCHC_VanBan.
Option Explicit
Option Private Module

Private Const UNG_DUNG As String = "cchc-xl"
Private Const MUC As String = "MayChu"
Private Const THOI_GIAN_CHO As Long = 180000 ' ms: may chu kiem tra trong tien trinh rieng

Public Function DiaChiMayChu() As String
    ' vd. https://cchc.sonoivu.gov.vn ("" = chua cai dat)
    DiaChiMayChu = GetSetting(UNG_DUNG, MUC, "DiaChi", "")
End Function

Public Function MaCoQuan() As String
    ' ma bi mat trong duong dan nop bai cua co quan
    MaCoQuan = GetSetting(UNG_DUNG, MUC, "MaCoQuan", "")
End Function

Public Function DiaChiTuDuongDan(ByVal lienKet As String) As String
    ' "https://may-chu[/tien-to]/nop/MA[/...]" -> "https://may-chu[/tien-to]"; sai dang -> ""
    Dim viTri As Long
    lienKet = Trim$(lienKet)
    If MaTuDuongDan(lienKet) = "" Then Exit Function
    viTri = InStrRev(lienKet, "/nop/")
    DiaChiTuDuongDan = Left$(lienKet, viTri - 1)
End Function

Public Function MaTuDuongDan(ByVal lienKet As String) As String
    ' ma cua co quan trong duong dan nop bai (chu, so, - va _), it nhat 16 ky tu; sai dang -> ""
    Dim viTri As Long, k As Long, kyTu As String, ma As String, phanSau As String
    lienKet = Trim$(lienKet)
    If LCase$(Left$(lienKet, 7)) <> "http://" And LCase$(Left$(lienKet, 8)) <> "https://" Then Exit Function
    viTri = InStrRev(lienKet, "/nop/")
    If viTri <= InStr(lienKet, "://") + 3 Then Exit Function ' phai co ten may chu
    phanSau = Mid$(lienKet, viTri + 5)
    For k = 1 To Len(phanSau)
        kyTu = Mid$(phanSau, k, 1)
        If kyTu Like "[A-Za-z0-9_-]" Then
            ma = ma & kyTu
        ElseIf kyTu = "/" Or kyTu = "?" Or kyTu = "#" Then
            Exit For
        Else
            Exit Function
        End If
    Next k
    If Len(ma) < 16 Then Exit Function
    MaTuDuongDan = ma
End Function

Public Sub ChayNut(ByVal tenNut As String, ByVal diemCuoi As String, ByVal lenhPython As String)
    ' Mot nut bam: tren may chu neu da cai dat, neu khong thi bang Python tren may nay.
    ' lenhPython = "": nut chi chay duoc tren may chu (Nop bao cao).
    Dim diaChi As String
    If ActiveWorkbook Is Nothing Then
        ThongBao T_ChuaMoSo(), tenNut, 48
        Exit Sub
    End If
    diaChi = DiaChiMayChu()
    If diaChi <> "" Then
        On Error GoTo LoiKetNoi
        Application.StatusBar = tenNut & "..."
        Application.ScreenUpdating = False ' hang tram thao tac dinh dang: ve lai mot lan o cuoi
        RunRemotePython diaChi & "/xlwings/" & diemCuoi, auth:="Bearer " & MaCoQuan(), timeout:=THOI_GIAN_CHO
        Application.ScreenUpdating = True
        Application.StatusBar = False
        Exit Sub
    End If
    If lenhPython = "" Then
        ThongBao T_CanMayChu(), tenNut, 48
        Exit Sub
    End If
    ChayPython tenNut, lenhPython
    Exit Sub
LoiKetNoi:
    Application.ScreenUpdating = True
    Application.StatusBar = False
    If Err.Source Like "WebClient*" Then ' VBA-Web: khong gui duoc yeu cau, het gio cho...
        ThongBao T_KhongKetNoi() & " " & diaChi & vbCrLf & vbCrLf & Err.Description, tenNut, 16
    Else ' Excel khong thuc hien duoc mot thao tac may chu tra ve
        BaoLoi tenNut, Err.Description
    End If
End Sub

Public Sub NopLenMayChu()
    ' Nut "Nop bao cao": hoi lai roi gui so dang mo len may chu.
    If ActiveWorkbook Is Nothing Then
        ThongBao T_ChuaMoSo(), T_NutNopBaoCao(), 48
        Exit Sub
    End If
    If DiaChiMayChu() = "" Then
        ThongBao T_CanMayChu(), T_NutNopBaoCao(), 48
        Exit Sub
    End If
    If ThongBao(T_XacNhanNop(), T_NutNopBaoCao(), 36) <> 6 Then Exit Sub ' 36 = vbYesNo + vbQuestion; 6 = vbYes
    ChayNut T_NutNopBaoCao(), "nop-bao-cao", ""
End Sub

Public Sub HoiCaiDatMayChu()
    ' Nut "Cai dat may chu": nguoi dung dan duong dan nop bai ma So Noi vu da gui.
    Dim traLoi As Variant, lienKet As String, hienTai As String
    If DiaChiMayChu() <> "" Then hienTai = DiaChiMayChu() & "/nop/" & MaCoQuan()
    traLoi = Application.InputBox(T_HoiDuongDan(), T_NutCaiDat(), hienTai, Type:=2)
    If VarType(traLoi) = vbBoolean Then Exit Sub ' Cancel
    lienKet = Trim$(CStr(traLoi))
    If lienKet = "" Then
        On Error Resume Next
        DeleteSetting UNG_DUNG, MUC
        On Error GoTo 0
        ThongBao T_DaXoaMayChu(), T_NutCaiDat(), 64
        Exit Sub
    End If
    If MaTuDuongDan(lienKet) = "" Then
        ThongBao T_DuongDanSai(), T_NutCaiDat(), 48
        Exit Sub
    End If
    SaveSetting UNG_DUNG, MUC, "DiaChi", DiaChiTuDuongDan(lienKet)
    SaveSetting UNG_DUNG, MUC, "MaCoQuan", MaTuDuongDan(lienKet)
    ThongBao T_DaLuuMayChu() & vbCrLf & DiaChiMayChu(), T_NutCaiDat(), 64
End Sub

Public Sub LoiTuMayChu(ByVal phanHoi As Object)
    ' May chu tra loi khac 200 (goi tu mo-dun Remote cua xlwings, thay cho MsgBox cua no):
    ' may chu cchc-xl luon gui {"error": "<ly do bang tieng Viet>"}.
    Dim lyDo As String, duLieu As Object
    On Error Resume Next
    Set duLieu = phanHoi.Data
    lyDo = CStr(duLieu.Item("error"))
    On Error GoTo 0
    If lyDo = "" Then lyDo = T_MayChuTuChoi() & " (" & phanHoi.StatusCode & " " & phanHoi.StatusDescription & ")."
    Application.StatusBar = False
    ThongBao lyDo, T_TieuDe(), 16
End Sub
