"""Help center: Markdown articles, their derived search index, views, votes and view counts."""
