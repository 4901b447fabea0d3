"""The HTTP shell: the ASGI app, its routes, exports, rate limit and caller resolution.

It sits on top of schema/, app/services, app/store and authz/; nothing below imports it.
"""
