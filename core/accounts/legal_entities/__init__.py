"""Legal entities (guide §6.2, §10.4.1): whom a company invoices or is invoiced as."""
