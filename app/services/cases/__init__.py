"""The resident's case: finding or opening it (`records`) and the case file page (`views`)."""
