"""Campaign business rules; the only writers of campaigns and attempts."""
