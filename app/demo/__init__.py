"""Generated demo data for `make run`: clearly labelled, and refused on a production configuration."""
