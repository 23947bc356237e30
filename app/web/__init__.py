"""Server-rendered pages (thin, over `app.services`)."""
