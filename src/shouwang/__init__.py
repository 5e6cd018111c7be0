"""守望 Shouwang — the home- and community-based elderly-care platform of a civil-affairs bureau."""
