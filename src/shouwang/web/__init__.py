"""The console shell: base layout, navigation by role, home pages, error pages, our own CSS."""
