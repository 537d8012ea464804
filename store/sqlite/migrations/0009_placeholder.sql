-- Placeholder for a migration made in parallel on another branch; the merge replaces it.
SELECT 1;
