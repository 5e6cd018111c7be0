"""The synthetic demo district: a deterministic generator of regions, people and accounts."""
