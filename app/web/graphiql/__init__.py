"""GraphiQL, the staff's way into the API in development: a page of our own (page.py) over
GraphiQL's files shipped in this package and served by the service (assets.py), so that it
opens on a network without internet; VENDORED.md says which versions and how to refresh them."""
