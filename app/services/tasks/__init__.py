"""Human tasks: the inbox query, the task page, claim/assign/complete, comments."""
