"""Portals: the branded host names through which clients reach BackOffice (guide §13).

``service`` holds the rules and the audit trail; ``domain``, ``certificates`` and ``uploads``
are the checks that need no database, so they are easy to test on their own.
"""
