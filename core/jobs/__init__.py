"""Background jobs on dramatiq: Redis broker at scale, an in-process worker when embedded."""
