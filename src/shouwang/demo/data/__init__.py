"""Static data the demo-district generator draws from (public facts and generated-but-plausible names)."""
