// The phones and e-mails of one person (the first hop of their related parties through a shared
// contact, queries.profile_related; the second hop reads each node's sharers by key).
// params: uid STRING
MATCH (p:Person {uid: $uid})-[:HAS_PHONE]->(t:Phone)
RETURN 'Phone' AS via_label, t.uid AS key, t.masked AS via_uid, t.masked + '' AS via_name, false AS via_cluster
UNION ALL
MATCH (p:Person {uid: $uid})-[:HAS_EMAIL]->(t:Email)
RETURN 'Email' AS via_label, t.uid AS key, t.masked AS via_uid, t.masked + '' AS via_name, false AS via_cluster
