"""Payment systems a company configures (guide §10.8) and, later, payments themselves."""
