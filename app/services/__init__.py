"""Business rules over the models: numbering, invoice totals and tax rounding, settings, demo data.

No Qt and no HTTP here.
"""
