"""What every service's HTTP side shares: the app factory, problem+json errors, dependencies, health."""
