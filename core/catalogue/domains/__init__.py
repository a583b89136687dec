"""Service domains: what can be rated. Channel plugins declare theirs (``register_channels``);
the three domains the core's own service types need are core declarations
(``core_domains``); ``service`` puts both together and ``GET /api/v1/catalogue/domains`` lists
what the caller's company may price."""
