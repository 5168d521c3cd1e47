// The enterprises and people with one email (by key) other than $uid, at most $limit: the second hop
// of a party's related parties through a shared email (queries.profile_related).
// params: key STRING, uid STRING, limit INT64
MATCH (t:Email {uid: $key})<-[:HAS_EMAIL]-(o)
WHERE o.uid <> $uid
RETURN o.uid AS uid, labels(o)[0] AS label, o.name AS name, o.status AS status, o.region AS region
LIMIT $limit
