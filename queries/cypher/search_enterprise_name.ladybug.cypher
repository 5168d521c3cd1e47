// Enterprises whose name key (etl.normalize.name_key of the name) contains the
// normalised query text; shortest names first, with the count of active penalty events.
// LadybugDB has no full-text index here: the name keys are scanned ($ft, the Neo4j
// variant's full-text query, is not needed).
// Only events decided on or before $as_of count (an undated one counts; docs/time.md).
// params: key STRING, ft STRING, limit INT64, as_of DATE
MATCH (e:Enterprise)
WHERE e.name_key CONTAINS $key AND ($ft IS NULL OR $ft IS NOT NULL)
WITH e
ORDER BY size(e.name_key), e.uid
LIMIT $limit
OPTIONAL MATCH (e)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active' AND (ev.decided IS NULL OR ev.decided <= $as_of)
RETURN e.uid AS uid, e.name AS name, e.uscc AS uscc, e.region AS region, e.status AS status,
       e.legal_rep_name AS detail, count(ev) AS active_penalties
