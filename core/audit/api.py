def api_handlers() -> list:
    return []
