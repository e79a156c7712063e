"""Identifiers of the domain: resident ID numbers, unified social credit codes, case numbers, money."""
