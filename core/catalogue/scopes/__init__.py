"""Service scopes (guide §7.3.1): the dated periods a service's rate tree holds for."""
