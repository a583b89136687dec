"""Access control: roles, their permissions per area, and the guards that enforce them."""
