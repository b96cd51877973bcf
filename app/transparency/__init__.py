"""Public transparency: resolution statistics and anonymised outcomes anyone can browse and download."""
