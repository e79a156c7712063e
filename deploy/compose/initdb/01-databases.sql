-- One database per service (each owns its data) and one for Keycloak; run once, on the volume's first start.
CREATE DATABASE intake;
CREATE DATABASE finance_mediation;
CREATE DATABASE enforcement_inquiry;
CREATE DATABASE judicial_advice;
CREATE DATABASE keycloak;
