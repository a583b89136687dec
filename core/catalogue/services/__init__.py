"""Services (guide §7.3): the rate plans a company sells, owned by the company that made them."""
