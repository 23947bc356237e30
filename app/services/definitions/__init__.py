"""Pathway definitions: deployments, the checks they pass, stored versions and their files."""
