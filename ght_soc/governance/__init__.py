"""Shared resources and obligations: pooled people, designations, budgets, maturity (pure domain)."""
