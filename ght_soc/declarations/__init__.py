"""National declarations: regimes as data, qualification, clocks, documents (pure domain, no Flask)."""
