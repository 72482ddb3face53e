"""One module per layer suite; `expectations.definitions` collects them."""
