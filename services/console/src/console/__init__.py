"""The Courtlink web console: pages over the services' APIs for the people of the dispute path."""
