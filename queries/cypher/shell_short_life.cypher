// Deregistered or revoked enterprises (status in $statuses) with both dates known.
// params: statuses LIST<STRING>
MATCH (e:Enterprise)
WHERE e.status IN $statuses AND e.dissolved IS NOT NULL AND e.founded IS NOT NULL
RETURN e.uid AS enterprise, e.founded AS founded, e.dissolved AS dissolved, e.status AS status
