"""The home page's rows: the interface between whoever builds rows and the screen showing them."""
