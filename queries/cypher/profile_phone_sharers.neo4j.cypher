// The enterprises and people with one phone (by key) other than $uid, at most $limit: the second hop
// of a party's related parties through a shared phone (queries.profile_related).
// params: key STRING, uid STRING, limit INT64
MATCH (t:Phone {uid: $key})<-[:HAS_PHONE]-(o)
WHERE o.uid <> $uid
RETURN o.uid AS uid, labels(o)[0] AS label, o.name AS name, o.status AS status, o.region AS region
LIMIT $limit
