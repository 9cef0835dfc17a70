"""Imports from the bureau's spreadsheets: the project list, the department list and editor accounts.

``resources`` says what each sheet holds and how a row becomes a record; ``services`` reads a file,
previews it and applies it in one transaction; ``template`` writes the Excel template; ``views`` are
the admin's upload, column-mapping, preview and confirm steps. The ``import_projects``,
``import_departments`` and ``import_editors`` commands run the same service.
"""
