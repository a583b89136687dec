"""Background jobs on dramatiq: Redis broker at scale, an in-process worker when embedded."""

from core.jobs.declarations import JobDef, Schedule, every, job

__all__ = ["JobDef", "Schedule", "every", "job"]
