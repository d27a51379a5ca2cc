"""The warrant's clauses as small pure functions, one module per section.

Each rule's docstring paraphrases its clause; each result carries the
section (and the named convention, where the warrant is silent) into the
warrant's ``adjustments`` and into any refusal.
"""
