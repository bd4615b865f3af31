-- Database reachability for GET /api/health.
SELECT 1
