Attribute VB_Name = "CCHC_ThaoTac"
' cchc-xl: cac thao tac ma may chu tra ve cho nut bam nhung mo-dun Remote cua xlwings
' (ban VBA) chua co: phong chu, vien, do rong cot, chieu cao dong, gop o, xuong dong,
' vung in, an cot/dong. Mo-dun Remote goi tung thao tac bang Application.Run
' "'<tep nay>'!<ten>", wb, action; ten va tham so dung nhu xlwings dat
' (pro/_xlremote.py): action("args")(1..n), vung o lay bang GetRange cua Remote.
' Cac thao tac nay chi lam dep: loi o mot o khong dung ca nut (nhu ben Python,
' sheets/live.py bo qua loi dinh dang), du lieu da duoc ghi truoc do.
' Kiem thu: moi thao tac may chu tra ve deu co Sub cung ten o day hoac trong Remote.
Option Explicit

Sub setFontProperty(wb As Workbook, action As Dictionary)
    Dim vung As Range, giaTri As Variant
    On Error Resume Next
    Set vung = GetRange(wb, action)
    giaTri = action("args")(2)
    Select Case action("args")(1)
        Case "bold": vung.Font.Bold = giaTri
        Case "italic": vung.Font.Italic = giaTri
        Case "size": vung.Font.Size = giaTri
        Case "name": vung.Font.Name = giaTri
        Case "color": vung.Font.Color = HexToRgb(giaTri)
    End Select
End Sub

Sub setWrapText(wb As Workbook, action As Dictionary)
    On Error Resume Next
    GetRange(wb, action).WrapText = action("args")(1)
End Sub

Sub setColumnWidth(wb As Workbook, action As Dictionary)
    On Error Resume Next
    GetRange(wb, action).ColumnWidth = action("args")(1)
End Sub

Sub setRowHeight(wb As Workbook, action As Dictionary)
    On Error Resume Next
    GetRange(wb, action).RowHeight = action("args")(1)
End Sub

Sub setColumnHidden(wb As Workbook, action As Dictionary)
    On Error Resume Next
    GetRange(wb, action).EntireColumn.Hidden = action("args")(1)
End Sub

Sub setRowHidden(wb As Workbook, action As Dictionary)
    On Error Resume Next
    GetRange(wb, action).EntireRow.Hidden = action("args")(1)
End Sub

Sub rangeMerge(wb As Workbook, action As Dictionary)
    On Error Resume Next
    GetRange(wb, action).Merge Across:=action("args")(1)
End Sub

Sub rangeUnmerge(wb As Workbook, action As Dictionary)
    On Error Resume Next
    GetRange(wb, action).UnMerge
End Sub

Sub setPrintArea(wb As Workbook, action As Dictionary)
    ' args(1): dia chi dang "A1:F38", Null de bo vung in
    On Error Resume Next
    If IsNull(action("args")(1)) Then
        wb.Worksheets(action("sheet_position") + 1).PageSetup.PrintArea = ""
    Else
        wb.Worksheets(action("sheet_position") + 1).PageSetup.PrintArea = action("args")(1)
    End If
End Sub

Sub setBorderProperty(wb As Workbook, action As Dictionary)
    ' args: canh (edge_top, ..., inside_horizontal), thuoc tinh (line_style, weight, color), gia tri
    Dim canh As Long, giaTri As Variant
    Select Case action("args")(1)
        Case "diagonal_down": canh = 5   ' xlDiagonalDown
        Case "diagonal_up": canh = 6     ' xlDiagonalUp
        Case "edge_left": canh = 7       ' xlEdgeLeft
        Case "edge_top": canh = 8        ' xlEdgeTop
        Case "edge_bottom": canh = 9     ' xlEdgeBottom
        Case "edge_right": canh = 10     ' xlEdgeRight
        Case "inside_vertical": canh = 11   ' xlInsideVertical
        Case "inside_horizontal": canh = 12 ' xlInsideHorizontal
        Case Else: Exit Sub
    End Select
    giaTri = action("args")(3)
    On Error Resume Next
    With GetRange(wb, action).Borders(canh)
        Select Case action("args")(2)
            Case "line_style": .LineStyle = KieuVien(giaTri)
            Case "weight": .Weight = DoDayVien(giaTri)
            Case "color": .Color = HexToRgb(giaTri)
        End Select
    End With
End Sub

Private Function KieuVien(ByVal giaTri As Variant) As Long
    If IsNull(giaTri) Then
        KieuVien = -4142 ' xlLineStyleNone
        Exit Function
    End If
    Select Case giaTri
        Case "continuous": KieuVien = 1       ' xlContinuous
        Case "dash": KieuVien = -4115         ' xlDash
        Case "dash_dot": KieuVien = 4         ' xlDashDot
        Case "dash_dot_dot": KieuVien = 5     ' xlDashDotDot
        Case "dot": KieuVien = -4118          ' xlDot
        Case "double": KieuVien = -4119       ' xlDouble
        Case "slant_dash_dot": KieuVien = 13  ' xlSlantDashDot
        Case Else: KieuVien = -4142           ' "none"
    End Select
End Function

Private Function DoDayVien(ByVal giaTri As Variant) As Long
    Select Case giaTri
        Case "hairline": DoDayVien = 1  ' xlHairline
        Case "medium": DoDayVien = -4138 ' xlMedium
        Case "thick": DoDayVien = 4     ' xlThick
        Case Else: DoDayVien = 2        ' xlThin
    End Select
End Function
