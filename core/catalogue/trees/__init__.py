"""Rate trees (issue 12 items 5 to 7): the prices a service scope holds, as a document,
as stored rows and compiled for evaluation."""
