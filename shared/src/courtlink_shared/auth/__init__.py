"""Authentication and authorisation: RS256 JWTs, principals with roles and an organisation."""
