"""The Qt layer: windows, dialogs, *TableModel classes and workers. PySide6 is imported only here."""
