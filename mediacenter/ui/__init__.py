"""The desktop app: the only package that imports QtWidgets (screens, widgets, the window)."""
