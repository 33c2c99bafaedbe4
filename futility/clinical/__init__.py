"""Pure clinical rules: scales, agents, adequacy, TRD, staging, screening, measurement-based care."""
