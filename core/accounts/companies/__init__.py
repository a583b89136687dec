"""Companies (guide §6.1, §10.1): the tenant tree's members as their tenant manages them."""
