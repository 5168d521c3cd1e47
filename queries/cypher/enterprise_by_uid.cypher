// One enterprise by its key: the smallest named query, used by the store contract tests.
// params: uid STRING
MATCH (n:Enterprise {uid: $uid})
RETURN n.uid AS uid, n.name AS name, n.status AS status, n.region AS region
