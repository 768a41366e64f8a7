"""The org admins' dashboard at /dashboard/: server-rendered pages, no front-end build step."""
