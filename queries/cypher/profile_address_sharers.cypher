// The enterprises registered at one address (by key) other than $uid, at most $limit: the second hop
// of a party's related parties through a shared address (queries.profile_related).
// params: key STRING, uid STRING, limit INT64
MATCH (a:Address {uid: $key})<-[:HAS_ADDRESS]-(o:Enterprise)
WHERE o.uid <> $uid
RETURN o.uid AS uid, 'Enterprise' AS label, o.name AS name, o.status AS status, o.region AS region
LIMIT $limit
