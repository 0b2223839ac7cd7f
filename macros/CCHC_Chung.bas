Attribute VB_Name = "CCHC_Chung"
' cchc-xl: phan dung chung cua cac nut bam (Kiem tra, Dien phu luc, Tong hop).
' - ChayPython: chay mot lenh Python tren may nay (RunPython), sau SanSang.
' - SanSang: truoc khi goi RunPython, kiem tra may da co Python, xlwings va cchc-xl
'   (chay thu python mot lan, an cua so; ket qua duoc nho cho den khi dong Excel).
' - ThongBao: hop thoai bang MessageBoxW de chu tieng Viet hien dung tren moi
'   Windows (MsgBox cua VBA doi chu sang bang ma ANSI va lam mat dau).
' Van ban tieng Viet nam o mo-dun CCHC_VanBan (sinh tu dong, ghep bang ChrW).
' Mo-dun nay chi dung ky tu ASCII: ma nguon VBA duoc luu theo bang ma ANSI.
Option Explicit
Option Private Module

#If Mac Then
#ElseIf VBA7 Then
    Private Declare PtrSafe Function MessageBoxW Lib "user32" (ByVal hWnd As LongPtr, _
        ByVal lpText As LongPtr, ByVal lpCaption As LongPtr, ByVal uType As Long) As Long
#Else
    Private Declare Function MessageBoxW Lib "user32" (ByVal hWnd As Long, _
        ByVal lpText As Long, ByVal lpCaption As Long, ByVal uType As Long) As Long
#End If

Private pythonSanSang As Boolean

Public Function ThongBao(ByVal noiDung As String, ByVal tieuDe As String, _
                         Optional ByVal kieu As Long = 64) As Long
    ' kieu: hang so cua MsgBox (64 = vbInformation; so viet thang vi LibreOffice Basic
    ' khong nhan ten hang so lam gia tri mac dinh)
#If Mac Then
    ThongBao = MsgBox(noiDung, kieu, tieuDe)
#Else
    ThongBao = MessageBoxW(Application.Hwnd, StrPtr(noiDung), StrPtr(tieuDe), kieu)
#End If
End Function

Public Sub BaoLoi(ByVal tenNut As String, ByVal chiTiet As String)
    Application.StatusBar = False
    ThongBao T_LoiMacro() & vbCrLf & chiTiet, tenNut, vbCritical
End Sub

Public Sub ChayPython(ByVal tenNut As String, ByVal lenhPython As String)
    ' Mot nut bam chay bang Python tren may nay (qua RunPython cua xlwings).
    If Not SanSang(tenNut) Then Exit Sub
    On Error GoTo Loi
    Application.StatusBar = tenNut & "..."
    RunPython lenhPython
    Application.StatusBar = False
    Exit Sub
Loi:
    BaoLoi tenNut, Err.Description
End Sub

Public Function SanSang(ByVal tenNut As String) As Boolean
    ' True khi co the goi RunPython; neu khong, da bao cho nguoi dung bang tieng Viet.
    Dim trinhThongDich As String, lenh As String, maLoi As Long
    If pythonSanSang Then
        SanSang = True
        Exit Function
    End If
#If Mac Then
    pythonSanSang = True
    SanSang = True
#Else
    On Error GoTo KhongChay
    trinhThongDich = GetConfig("INTERPRETER_WIN", "")
    If trinhThongDich = "" Then trinhThongDich = GetConfig("INTERPRETER", "python")
    If trinhThongDich <> "python" And trinhThongDich <> "pythonw" Then
        trinhThongDich = Chr(34) & trinhThongDich & Chr(34)
    End If
    ' ma thoat: 0 du ca; 3 thieu xlwings; 4 thieu cchc-xl; 9009 khong tim thay python
    lenh = trinhThongDich & " -c " & Chr(34) & "import importlib.util as u,sys;" & _
           "sys.exit(3 if u.find_spec('xlwings') is None else " & _
           "4 if u.find_spec('cchc_xl') is None else 0)" & Chr(34)
    maLoi = CreateObject("WScript.Shell").Run("cmd.exe /C " & Chr(34) & lenh & Chr(34), 0, True)
    Select Case maLoi
        Case 0
            pythonSanSang = True
            SanSang = True
        Case 3
            ThongBao T_ThieuXlwings(), tenNut, vbExclamation
        Case 4
            ThongBao T_ThieuCchcXl(), tenNut, vbExclamation
        Case 9009
            ThongBao T_ThieuPython(), tenNut, vbExclamation
        Case Else
            ThongBao T_PythonLoi() & " " & CStr(maLoi), tenNut, vbExclamation
    End Select
    Exit Function
KhongChay:
    ThongBao T_KhongChayDuoc() & vbCrLf & Err.Description, tenNut, vbCritical
#End If
End Function
