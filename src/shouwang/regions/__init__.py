"""Administrative divisions (行政区划) with the national 12-digit statistical codes."""
