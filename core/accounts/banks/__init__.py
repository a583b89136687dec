"""Banks (guide §10.6): profiles printed on invoices, shared down the tenant tree."""
