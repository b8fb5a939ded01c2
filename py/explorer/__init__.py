"""Cross-entropy vs MSE explorer: maths, state and formatting (pure Python/numpy)."""
