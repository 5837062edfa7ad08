"""Two-way contact: replies the submitter reads, and internal notes."""
