// Enterprises whose name key (etl.normalize.name_key of the name) contains the
// normalised query text; shortest names first, with the count of active penalty events.
// $ft, when given, is a full-text query on the name key (a quoted phrase of Chinese
// text, see queries/search.py): the full-text index (CJK bigrams) finds the
// candidates and CONTAINS keeps the exact matches. Without it, the names are scanned.
// Only events decided on or before $as_of count (an undated one counts; docs/time.md).
// params: key STRING, ft STRING, limit INT64, as_of DATE
CALL () {
    WITH $ft AS ft
    WHERE ft IS NOT NULL
    CALL db.index.fulltext.queryNodes('party_names', ft) YIELD node
    RETURN node AS e
  UNION
    WITH $ft AS ft
    WHERE ft IS NULL
    MATCH (e:Enterprise)
    RETURN e
}
WITH e
WHERE e:Enterprise AND e.name_key CONTAINS $key
WITH e
ORDER BY size(e.name_key), e.uid
LIMIT $limit
OPTIONAL MATCH (e)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active' AND (ev.decided IS NULL OR ev.decided <= $as_of)
RETURN e.uid AS uid, e.name AS name, e.uscc AS uscc, e.region AS region, e.status AS status,
       e.legal_rep_name AS detail, count(ev) AS active_penalties
