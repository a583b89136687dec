"""The service catalogue (issue 12): what a platform sells and at what price.

One package per part, each with its api, schemas and service side by side: ``dictionaries``
now; services, their rate trees and the services enabled on agreements come next.
"""
