"""Service domains: what can be rated. Channel plugins declare theirs (``register_channels``);
the three domains the core's own service types need are declared here (``core_domains``), and
``GET /api/v1/catalogue/domains`` lists what the caller's company may price."""
