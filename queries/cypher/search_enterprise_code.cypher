// Enterprises by code: the USCC (upper-cased), a legacy registration number or the uid itself.
// Only events decided on or before $as_of count (an undated one counts; docs/time.md).
// params: code STRING, limit INT64, as_of DATE
MATCH (e:Enterprise)
WHERE e.uscc = $code OR e.reg_no = $code OR e.uid = $code
WITH e
ORDER BY e.uid
LIMIT $limit
OPTIONAL MATCH (e)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active' AND (ev.decided IS NULL OR ev.decided <= $as_of)
RETURN e.uid AS uid, e.name AS name, e.uscc AS uscc, e.region AS region, e.status AS status,
       e.legal_rep_name AS detail, count(ev) AS active_penalties
