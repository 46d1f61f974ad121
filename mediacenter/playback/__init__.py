"""Playing: the libVLC backend, watch-history recording, quality selection and its proxy."""
