"""The chart-img-kit reference server for the CHART-IMG Coinalyze API v3."""
