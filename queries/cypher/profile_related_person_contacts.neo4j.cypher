// The parties sharing an identity link (possibly the same person), phone or e-mail with one person: the branches of
// profile_related_person that LadybugDB answers from the keyed node (the branches through roles and
// holdings are read by keyed reads in queries.profile).
// params: uid STRING, limit INT64
MATCH (p:Person {uid: $uid})-[s:POSSIBLY_SAME_AS]-(o:Person)
RETURN o.uid AS uid, 'Person' AS label, o.name AS name, o.id_masked AS status, o.region AS region,
       'Person' AS via_label, p.uid AS via_uid, s.evidence AS via_name, 'POSSIBLY_SAME_AS' AS via_rel,
       'POSSIBLY_SAME_AS' AS rel, s.score AS score
LIMIT $limit
UNION ALL
MATCH (p:Person {uid: $uid})-[:HAS_PHONE]->(t:Phone)<-[:HAS_PHONE]-(o)
WHERE o.uid <> $uid
RETURN o.uid AS uid, labels(o)[0] AS label, o.name AS name, o.status AS status, o.region AS region,
       'Phone' AS via_label, t.masked AS via_uid, t.masked AS via_name, 'HAS_PHONE' AS via_rel,
       'HAS_PHONE' AS rel, null AS score
LIMIT $limit
UNION ALL
MATCH (p:Person {uid: $uid})-[:HAS_EMAIL]->(t:Email)<-[:HAS_EMAIL]-(o)
WHERE o.uid <> $uid
RETURN o.uid AS uid, labels(o)[0] AS label, o.name AS name, o.status AS status, o.region AS region,
       'Email' AS via_label, t.masked AS via_uid, t.masked AS via_name, 'HAS_EMAIL' AS via_rel,
       'HAS_EMAIL' AS rel, null AS score
LIMIT $limit
