"""Who is calling: logins, access and refresh tokens, API keys, and the request's identity.

Each module does one job: `errors` (the one exception), `tokens` (signed access tokens),
`refresh` (rotating refresh tokens), `login` (password check), `apikeys` (integration keys),
`identity` (from request headers to an Identity).
"""
