"""HTTP plumbing the API and the web pages share (they never import each other): who is
asking (bearer token or session cookie), from where, the use cases' context for the request,
and the middleware every answer passes (no-store, a body-size cap)."""
