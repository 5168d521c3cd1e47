// Enterprises whose shareholders paid in at most $max_paid_ratio of what they subscribed
// (shareholdings without a known paid amount are left out, not counted as zero).
// params: max_paid_ratio DOUBLE
MATCH ()-[r:HOLDS_SHARES]->(e:Enterprise)
WHERE r.subscribed > 0 AND r.paid IS NOT NULL
WITH e, sum(r.subscribed) AS subscribed, sum(r.paid) AS paid
WHERE paid <= $max_paid_ratio * subscribed
RETURN e.uid AS enterprise, subscribed, paid
