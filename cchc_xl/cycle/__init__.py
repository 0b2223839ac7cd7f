"""The yearly cycle: criteria workbook, appraisal and distribution, carrying items, comparison."""
