"""Placeholder replaced in this session by the jobs work (in-process worker + scheduler)."""


async def start_in_process(settings) -> None:
    return None


async def stop_in_process() -> None:
    return None
